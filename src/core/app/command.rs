//! What a key is, what a key asks for, and a binding of the one to the
//! other: plain data, no terminal types. A leaf of the application: it
//! imports nothing from it, so the keymap, the screens, the actions and the
//! state all name keys and commands without going through each other.

/// A key, independent of the terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
}

/// A key press with its modifiers. For characters, shift is folded into the
/// character itself (`H`, not shift+`h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyPress {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

impl KeyPress {
    pub const fn plain(code: KeyCode) -> Self {
        KeyPress {
            code,
            ctrl: false,
            alt: false,
            shift: false,
        }
    }

    pub const fn char(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Self {
        KeyPress {
            code: KeyCode::Char(c),
            ctrl: true,
            alt: false,
            shift: false,
        }
    }
}

/// What a key binding asks for: the one list of actions. Its name in the
/// help and in the config's `[keys]` is derived from the variant's
/// (`MoveLaneLeft` is `move-lane-left`). Adding one: a variant here, and in
/// the module of each screen where it works a `Binding` line (its keys and
/// help line; the help overlay and `glboard man` list it from there) and
/// what it does (the screen's `command`, or for a card action
/// [`crate::core::app::workflow_keys`]'s `card_command`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Up,
    Down,
    Left,
    Right,
    Top,
    Bottom,
    /// Include or exclude a whole group (the re-plan's lane).
    ToggleLane,
    PageUp,
    PageDown,
    SwitchBoard,
    ShowBacklog,
    ShowIteration,
    PrevMilestone,
    NextMilestone,
    OpenDetail,
    StartFilter,
    ToggleSort,
    Refresh,
    FollowNext,
    /// `priority::N`; 0 clears it.
    SetPriority(u8),
    MoveCardTop,
    MoveCardBottom,
    PlanningIssue,
    /// Write the planning summary into the planning issue (preview first).
    WriteSummary,
    Replan,
    QuickView,
    JumpMilestone,
    ShowIntegrity,
    /// What changed since you last looked.
    ShowChanges,
    /// The iteration insights panel.
    ShowInsights,
    /// Switch to another profile of the config.
    SwitchProfile,
    /// What to work on next.
    ShowNext,
    ShowPlanning,
    Fix,
    /// The re-plan's target, chosen in the milestone picker.
    PickTarget,
    ToggleResetLane,
    Help,
    Back,
    /// `Esc` on the board: like `Back`, but never quits.
    Escape,
    Quit,
    FilterAccept,
    FilterCancel,
    FilterBackspace,
    FilterClear,
    Promote,
    PromotePick,
    Take,
    MoveLaneLeft,
    MoveLaneRight,
    PickLane,
    PickAssignees,
    UnassignMe,
    PickMilestone,
    MoveCardUp,
    MoveCardDown,
    Grab,
    /// Mark or unmark the card for a bulk change.
    MarkCard,
    /// Mark the whole column.
    MarkColumn,
    /// Mark everything the board shows.
    MarkShown,
    /// The n-th `[[commands]]` entry of the config.
    Custom(u8),
    Comment,
    Create,
    CloseReopen,
    Weight,
    OpenInBrowser,
    CopyUrl,
    Undo,
    ShowProblems,
    /// Pickers, prompts, panels: confirm / toggle / cancel / edit.
    Accept,
    Toggle,
    Cancel,
    Backspace,
    ClearText,
    Yes,
    No,
    Retry,
    Discard,
}

/// One default binding of a section of keys (a screen's, or planning
/// mode's): its keys, what they ask for, and its line in the help overlay.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// Alternatives separated by `|`; each is a sequence like `gg`, `<C-c>`, `<S-Left>`.
    pub keys: &'static str,
    pub command: Command,
    pub help: &'static str,
}

impl Binding {
    pub const fn new(keys: &'static str, command: Command, help: &'static str) -> Binding {
        Binding {
            keys,
            command,
            help,
        }
    }
}
