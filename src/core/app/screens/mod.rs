//! The board's screens, one module each: its state, its keys (their name
//! and help title, and its default bindings), and what its keys do. They
//! are registered once, in [`the_screens!`] below; the [`Mode`] enum, the
//! keymap's [`Context`] sections and its default table, key dispatch,
//! typed characters, the help's sections and the terminal's drawing
//! (`tui::view`) are all derived from that one list.
//!
//! Adding a screen: a module here with its state struct implementing
//! [`Keys`] (its `[keys.NAME]` name, help title and default bindings) and
//! [`Screen`], a drawing in `tui/view/` implementing its `Draw` (its
//! overlay, its hint or prompt on the status line), and one line in
//! [`the_screens!`]. Nothing else names it: no table to add rows
//! to, no match to add an arm to.

pub mod board;
pub mod changes;
pub mod confirm;
pub mod detail;
pub mod filter;
pub mod grab;
pub mod help;
pub mod input;
pub mod insights;
pub mod integrity;
pub mod next;
pub mod pager;
pub mod picker;
pub mod problems;
pub mod replan;

use crate::core::app::action::Effect;
use crate::core::app::command::{Binding, Command, KeyPress};
use crate::core::app::picker::Picker;
use crate::core::app::state::AppState;

/// The one list of screens, in the help overlay's order: the board first
/// (it holds no state of its own), then planning mode's keys (a layer over
/// the board's, no screen of its own), then every other screen with the
/// state it holds. Expanded here into [`Mode`] and [`Context`], and by
/// `tui::view` into the drawing of each.
macro_rules! the_screens {
    ($then:ident) => {
        $then! {
            /// The board itself.
            Board: board::BoardScreen,
            /// Planning mode (`gp`): its bindings come before the board's.
            keys Planning: board::PlanningKeys,
            /// The detail pane of one issue.
            Detail(detail::DetailScreen),
            /// A card lifted with Space: moves are local until Enter.
            Grab(grab::GrabScreen),
            /// A list to pick from (lanes, milestones, members), with a search.
            Picker(Box<Picker>),
            /// A one-line text prompt (weight, comment).
            Input(input::InputScreen),
            /// A yes/no question.
            Confirm(confirm::ConfirmScreen),
            /// Typing a search: the board's filter, the help's search.
            Filter(filter::FilterScreen),
            /// The problems panel: changes GitLab refused.
            Problems(problems::ProblemsScreen),
            /// Issues with lane problems, each fixed with one key (`gi`).
            Integrity(integrity::IntegrityScreen),
            /// What changed since you last looked (`gc`).
            Changes(changes::ChangesScreen),
            /// The iteration insights panel (`I`).
            Insights(insights::InsightsScreen),
            /// What to work on next (`gn`).
            Next(next::NextScreen),
            /// The Friday re-plan screen (`R`).
            Replan(Box<replan::ReplanScreen>),
            /// The keys, searched with `/`.
            Help(help::HelpScreen),
        }
    };
}
pub(crate) use the_screens;

/// Where the keyboard is (a part of the state): the screen that has it,
/// the one it returns to, the keys of an unfinished chord.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Focus {
    pub mode: Mode,
    /// The mode a picker, prompt or help opened from (the detail pane, the
    /// re-plan screen) returns to when it closes, instead of the board.
    pub back: Option<Box<Mode>>,
    /// Keys of an unfinished chord (`g` waiting for `g`).
    pub pending_keys: Vec<KeyPress>,
}

/// A section of keys: its name in the config (`[keys.NAME]`), its title
/// in the help overlay, and its default bindings.
pub trait Keys {
    const NAME: &'static str;
    const TITLE: &'static str;
    /// The default bindings, in the help overlay's order; the config's
    /// `[keys.NAME]` rebinds them by their action's name.
    const BINDINGS: &'static [Binding];
}

/// A screen: what its keys do.
pub trait Screen: Keys + Sized {
    /// The section whose keys it takes now, when not its own (the help's
    /// search types as the filter does).
    fn keys_of(&self) -> Option<Context> {
        None
    }
    /// A command its keys resolved to; `self` is the screen as it was.
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect>;
    /// A character typed that no key took (a search, a prompt).
    fn typed(state: &mut AppState, c: char) {
        let _ = (state, c);
    }
}

impl<T: Keys> Keys for Box<T> {
    const NAME: &'static str = T::NAME;
    const TITLE: &'static str = T::TITLE;
    const BINDINGS: &'static [Binding] = T::BINDINGS;
}

impl<T: Screen> Screen for Box<T> {
    fn keys_of(&self) -> Option<Context> {
        (**self).keys_of()
    }
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        (*self).command(state, cmd)
    }
    fn typed(state: &mut AppState, c: char) {
        T::typed(state, c);
    }
}

macro_rules! screens {
    (
        $(#[$board_doc:meta])* $board:ident: $board_ty:ty,
        $(#[$keys_doc:meta])* keys $keys:ident: $keys_ty:ty,
        $( $(#[$doc:meta])* $name:ident($ty:ty), )*
    ) => {
        /// Which screen has the keyboard.
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub enum Mode {
            $(#[$board_doc])* #[default] $board,
            $( $(#[$doc])* $name($ty), )*
        }

        /// Where a key binding applies: a screen's keys, or planning mode's.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Context {
            $(#[$board_doc])* $board,
            $(#[$keys_doc])* $keys,
            $( $(#[$doc])* $name, )*
        }

        impl Context {
            /// Every section, in the help overlay's order.
            pub const ALL: &'static [Context] =
                &[Context::$board, Context::$keys, $( Context::$name, )*];

            /// The section's title in the help overlay.
            pub fn title(self) -> &'static str {
                match self {
                    Context::$board => <$board_ty as Keys>::TITLE,
                    Context::$keys => <$keys_ty as Keys>::TITLE,
                    $( Context::$name => <$ty as Keys>::TITLE, )*
                }
            }

            /// The section's default bindings.
            pub fn bindings(self) -> &'static [Binding] {
                match self {
                    Context::$board => <$board_ty as Keys>::BINDINGS,
                    Context::$keys => <$keys_ty as Keys>::BINDINGS,
                    $( Context::$name => <$ty as Keys>::BINDINGS, )*
                }
            }

            /// The section's name in the config: `[keys.NAME]`.
            pub fn name(self) -> &'static str {
                match self {
                    Context::$board => <$board_ty as Keys>::NAME,
                    Context::$keys => <$keys_ty as Keys>::NAME,
                    $( Context::$name => <$ty as Keys>::NAME, )*
                }
            }
        }

        impl Mode {
            /// The keys the screen takes now.
            pub fn context(&self) -> Context {
                match self {
                    Mode::$board => Context::$board,
                    $( Mode::$name(s) => s.keys_of().unwrap_or(Context::$name), )*
                }
            }

            /// Run a command the keys resolved to on the screen showing.
            pub(crate) fn command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
                match state.focus.mode.clone() {
                    Mode::$board => <$board_ty>::default().command(state, cmd),
                    $( Mode::$name(s) => Screen::command(s, state, cmd), )*
                }
            }

            /// A character typed that no key took, to the screen showing.
            pub(crate) fn typed(state: &mut AppState, c: char) {
                let typed: fn(&mut AppState, char) = match &state.focus.mode {
                    Mode::$board => <$board_ty as Screen>::typed,
                    $( Mode::$name(_) => <$ty as Screen>::typed, )*
                };
                typed(state, c);
            }
        }
    };
}

the_screens!(screens);
