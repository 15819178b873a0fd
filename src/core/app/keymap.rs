//! The one keymap table: it drives key dispatch and the help overlay alike.
//! Keys are plain data (no terminal types), so resolution is tested without a
//! terminal. Chords such as `gg` are sequences of key presses.

use std::sync::LazyLock;

/// Keys and commands are plain data of their own ([`crate::core::app::command`]).
pub use crate::core::app::command::{Command, KeyCode, KeyPress};

/// Where a binding applies: a screen's keys, or planning mode's. The
/// sections come from the one list of screens ([`crate::core::app::screens`]).
pub use crate::core::app::screens::Context;

/// One row of the keymap.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub context: Context,
    /// Alternatives separated by `|`; each is a sequence like `gg`, `<C-c>`, `<S-Left>`.
    pub keys: &'static str,
    pub command: Command,
    pub help: &'static str,
}

const fn b(context: Context, keys: &'static str, command: Command, help: &'static str) -> Binding {
    Binding {
        context,
        keys,
        command,
        help,
    }
}

use Command as C;
use Context::{
    Board, Changes, Confirm, Detail, Filter, Grab, Help, Input, Insights, Integrity, Next, Picker,
    Planning, Problems, Replan,
};

/// The default keymap. Order is the order of the help overlay.
pub const BINDINGS: &[Binding] = &[
    b(Board, "k|<Up>", C::Up, "previous card"),
    b(Board, "j|<Down>", C::Down, "next card"),
    b(Board, "h|<Left>", C::Left, "column to the left"),
    b(Board, "l|<Right>", C::Right, "column to the right"),
    b(Board, "gg|<Home>", C::Top, "first card of the column"),
    b(Board, "G|<End>", C::Bottom, "last card of the column"),
    b(Board, "<C-u>|<PageUp>", C::PageUp, "page up"),
    b(Board, "<C-d>|<PageDown>", C::PageDown, "page down"),
    b(Board, "<Tab>|<BackTab>", C::SwitchBoard, "switch board"),
    b(Board, "1", C::ShowBacklog, "backlog board"),
    b(Board, "2", C::ShowIteration, "iteration board"),
    b(Board, "[", C::PrevMilestone, "previous milestone (browse)"),
    b(Board, "]", C::NextMilestone, "next milestone (browse)"),
    b(
        Board,
        "N",
        C::FollowNext,
        "follow the next iteration (again: the current)",
    ),
    b(Board, "<Enter>", C::OpenDetail, "open the issue's details"),
    b(
        Board,
        "/",
        C::StartFilter,
        "filter by title, label, assignee",
    ),
    b(
        Board,
        "s",
        C::ToggleSort,
        "sort: manual order / priority label",
    ),
    b(
        Board,
        "p",
        C::Promote,
        "promote to the current iteration (ready lane)",
    ),
    b(
        Board,
        "P",
        C::PromotePick,
        "promote to a milestone you pick",
    ),
    b(
        Board,
        "t",
        C::Take,
        "take: assign yourself, move to the doing lane",
    ),
    b(
        Board,
        "H|<S-Left>",
        C::MoveLaneLeft,
        "move the card to the lane on the left",
    ),
    b(
        Board,
        "L|<S-Right>",
        C::MoveLaneRight,
        "move the card to the lane on the right",
    ),
    b(Board, "m", C::PickLane, "move the card to a lane you pick"),
    b(
        Board,
        "K|<S-Up>",
        C::MoveCardUp,
        "move the card up (priority)",
    ),
    b(
        Board,
        "J|<S-Down>",
        C::MoveCardDown,
        "move the card down (priority)",
    ),
    b(Board, "T", C::MoveCardTop, "move the card to the top"),
    b(Board, "B", C::MoveCardBottom, "move the card to the bottom"),
    b(Board, "=1", C::SetPriority(1), "priority::1"),
    b(Board, "=2", C::SetPriority(2), "priority::2"),
    b(Board, "=3", C::SetPriority(3), "priority::3"),
    b(Board, "=4", C::SetPriority(4), "priority::4"),
    b(Board, "=0", C::SetPriority(0), "clear the priority label"),
    b(
        Board,
        "i",
        C::PlanningIssue,
        "the iteration's planning issue",
    ),
    b(
        Board,
        "S",
        C::WriteSummary,
        "write the planning summary into the planning issue (preview first)",
    ),
    b(
        Board,
        "R",
        C::Replan,
        "re-plan: move what is not Done to another iteration",
    ),
    b(
        Board,
        "f",
        C::QuickView,
        "quick view: all, mine, unassigned, stale, flagged",
    ),
    b(
        Board,
        "gm",
        C::JumpMilestone,
        "jump to any milestone (browse)",
    ),
    b(
        Board,
        "gp",
        C::ShowPlanning,
        "planning mode: backlog and iteration side by side",
    ),
    b(
        Board,
        "gn",
        C::ShowNext,
        "what to work on next: priorities, ready lane, backlog (t takes)",
    ),
    b(
        Board,
        "gw",
        C::SwitchProfile,
        "switch profile: another team or host of the config",
    ),
    b(
        Board,
        "gc",
        C::ShowChanges,
        "what changed since you last looked (marked ✦ on the cards)",
    ),
    b(
        Board,
        "gi",
        C::ShowIntegrity,
        "lane integrity: issues with lane problems",
    ),
    b(
        Board,
        "I",
        C::ShowInsights,
        "iteration insights: this iteration so far, the last ones, velocity, burn-up",
    ),
    b(
        Board,
        "<Space>",
        C::Grab,
        "grab the card: carry it with hjkl, Enter drops",
    ),
    b(
        Board,
        "v",
        C::MarkCard,
        "mark / unmark the card: card actions then apply to every marked card",
    ),
    b(Board, "V", C::MarkColumn, "mark / unmark the whole column"),
    b(
        Board,
        "*",
        C::MarkShown,
        "mark / unmark everything the board shows (after the filter)",
    ),
    b(Board, "a", C::PickAssignees, "assign / unassign members"),
    b(Board, "A", C::UnassignMe, "unassign yourself"),
    b(Board, "M", C::PickMilestone, "set the milestone"),
    b(Board, "w", C::Weight, "set the weight"),
    b(Board, "c", C::Comment, "comment on the issue"),
    b(Board, "n", C::Create, "new issue in this lane"),
    b(Board, "x", C::CloseReopen, "close (or reopen) the issue"),
    b(Board, "o", C::OpenInBrowser, "open in the browser"),
    b(Board, "y", C::CopyUrl, "copy the issue's URL"),
    b(Board, "u", C::Undo, "undo your last change"),
    b(
        Board,
        "!",
        C::ShowProblems,
        "changes not applied: refused by GitLab, or in conflict",
    ),
    b(Board, "r", C::Refresh, "refresh from GitLab now"),
    b(Board, "?", C::Help, "this help"),
    b(
        Board,
        "q",
        C::Back,
        "close what is open (filter, quick view, planning mode), else quit",
    ),
    b(
        Board,
        "<Esc>",
        C::Escape,
        "close what is open (filter, quick view, planning mode); never quits",
    ),
    b(Board, "<C-c>", C::Quit, "quit"),
    b(
        Planning,
        "p",
        C::Promote,
        "promote the backlog card into the iteration on the right",
    ),
    b(Planning, "q|<Esc>", C::Back, "close planning mode"),
    b(
        Detail,
        "S",
        C::WriteSummary,
        "write the planning summary into the planning issue (preview first)",
    ),
    b(Detail, "j|<Down>", C::Down, "scroll down"),
    b(Detail, "k|<Up>", C::Up, "scroll up"),
    b(Detail, "<C-d>|<PageDown>|<Space>", C::PageDown, "page down"),
    b(Detail, "<C-u>|<PageUp>", C::PageUp, "page up"),
    b(Detail, "gg|<Home>", C::Top, "top"),
    b(Detail, "G|<End>", C::Bottom, "bottom"),
    b(
        Detail,
        "t",
        C::Take,
        "take: assign yourself, move to the doing lane",
    ),
    b(
        Detail,
        "p",
        C::Promote,
        "promote to the current iteration (ready lane)",
    ),
    b(
        Detail,
        "P",
        C::PromotePick,
        "promote to a milestone you pick",
    ),
    b(
        Detail,
        "H|<S-Left>",
        C::MoveLaneLeft,
        "move to the lane on the left",
    ),
    b(
        Detail,
        "L|<S-Right>",
        C::MoveLaneRight,
        "move to the lane on the right",
    ),
    b(Detail, "m", C::PickLane, "move to a lane you pick"),
    b(Detail, "K|<S-Up>", C::MoveCardUp, "move up (priority)"),
    b(
        Detail,
        "J|<S-Down>",
        C::MoveCardDown,
        "move down (priority)",
    ),
    b(Detail, "=1", C::SetPriority(1), "priority::1"),
    b(Detail, "=2", C::SetPriority(2), "priority::2"),
    b(Detail, "=3", C::SetPriority(3), "priority::3"),
    b(Detail, "=4", C::SetPriority(4), "priority::4"),
    b(Detail, "=0", C::SetPriority(0), "clear the priority label"),
    b(Detail, "a", C::PickAssignees, "assign / unassign members"),
    b(Detail, "A", C::UnassignMe, "unassign yourself"),
    b(Detail, "M", C::PickMilestone, "set the milestone"),
    b(Detail, "w", C::Weight, "set the weight"),
    b(Detail, "c", C::Comment, "comment on the issue"),
    b(Detail, "x", C::CloseReopen, "close (or reopen) the issue"),
    b(
        Detail,
        "o",
        C::OpenInBrowser,
        "open in the browser (the issue, or one of its merge requests)",
    ),
    b(Detail, "y", C::CopyUrl, "copy the issue's URL"),
    b(Detail, "u", C::Undo, "undo your last change"),
    b(Detail, "?", C::Help, "help"),
    b(Detail, "q|<Esc>|<Enter>", C::Back, "close"),
    b(Detail, "<C-c>", C::Quit, "quit"),
    b(Help, "j|<Down>", C::Down, "scroll down"),
    b(Help, "k|<Up>", C::Up, "scroll up"),
    b(Help, "<C-d>|<PageDown>|<Space>", C::PageDown, "page down"),
    b(Help, "<C-u>|<PageUp>", C::PageUp, "page up"),
    b(Help, "gg|<Home>", C::Top, "top"),
    b(Help, "G|<End>", C::Bottom, "bottom"),
    b(
        Help,
        "/",
        C::StartFilter,
        "search the keys (Enter keeps, Esc clears)",
    ),
    b(
        Help,
        "q|<Esc>|?",
        C::Back,
        "close help (back to where it opened)",
    ),
    b(Help, "<C-c>", C::Quit, "quit"),
    b(Filter, "<Enter>", C::FilterAccept, "keep the filter"),
    b(
        Filter,
        "<Esc>",
        C::FilterCancel,
        "cancel, restore the previous filter",
    ),
    b(
        Filter,
        "<Backspace>",
        C::FilterBackspace,
        "delete a character",
    ),
    b(Filter, "<C-u>", C::FilterClear, "clear the text"),
    b(Filter, "<C-c>", C::Quit, "quit"),
    b(Picker, "<Up>|<C-p>", C::Up, "previous item"),
    b(Picker, "<Down>|<C-n>", C::Down, "next item"),
    b(Picker, "<Tab>", C::Toggle, "select / unselect (assignees)"),
    b(Picker, "<Enter>", C::Accept, "choose"),
    b(Picker, "<Esc>", C::Cancel, "cancel"),
    b(
        Picker,
        "<Backspace>",
        C::Backspace,
        "delete a search character",
    ),
    b(Picker, "<C-u>", C::ClearText, "clear the search"),
    b(Picker, "<C-c>", C::Quit, "quit"),
    b(Confirm, "y|<Enter>", C::Yes, "yes"),
    b(Confirm, "j|<Down>", C::Down, "scroll what will be written"),
    b(Confirm, "k|<Up>", C::Up, "scroll back"),
    b(Confirm, "n|<Esc>|q", C::No, "no"),
    b(Confirm, "<C-c>", C::Quit, "quit"),
    b(Input, "<Enter>", C::Accept, "done"),
    b(Input, "<Esc>", C::Cancel, "cancel"),
    b(Input, "<Backspace>", C::Backspace, "delete a character"),
    b(Input, "<C-u>", C::ClearText, "clear the text"),
    b(Input, "<C-c>", C::Quit, "quit"),
    b(Problems, "k|<Up>", C::Up, "previous problem"),
    b(Problems, "j|<Down>", C::Down, "next problem"),
    b(Problems, "r", C::Retry, "retry the change"),
    b(Problems, "d", C::Discard, "discard the change"),
    b(Problems, "q|<Esc>|!", C::Back, "close"),
    b(Problems, "<C-c>", C::Quit, "quit"),
    b(Next, "k|<Up>", C::Up, "previous suggestion"),
    b(Next, "j|<Down>", C::Down, "next suggestion"),
    b(
        Next,
        "t",
        C::Take,
        "take it: assign yourself, doing lane (from the backlog also the current milestone)",
    ),
    b(Next, "<Enter>", C::OpenDetail, "open its details"),
    b(Next, "q|<Esc>", C::Back, "close"),
    b(Next, "<C-c>", C::Quit, "quit"),
    b(Insights, "q|<Esc>|I", C::Back, "close"),
    b(Insights, "<C-c>", C::Quit, "quit"),
    b(Changes, "k|<Up>", C::Up, "scroll up"),
    b(Changes, "j|<Down>", C::Down, "scroll down"),
    b(Changes, "q|<Esc>", C::Back, "close"),
    b(Changes, "<C-c>", C::Quit, "quit"),
    b(Integrity, "k|<Up>", C::Up, "previous issue"),
    b(Integrity, "j|<Down>", C::Down, "next issue"),
    b(Integrity, "<Enter>|x", C::Fix, "apply the fix shown"),
    b(Integrity, "q|<Esc>", C::Back, "close"),
    b(Integrity, "<C-c>", C::Quit, "quit"),
    b(Replan, "k|<Up>", C::Up, "previous issue"),
    b(Replan, "j|<Down>", C::Down, "next issue"),
    b(Replan, "<Space>", C::Toggle, "include / exclude the issue"),
    b(
        Replan,
        "a",
        C::ToggleLane,
        "include / exclude its whole lane",
    ),
    b(Replan, "gg|<Home>", C::Top, "first issue"),
    b(Replan, "G|<End>", C::Bottom, "last issue"),
    b(Replan, "<C-u>|<PageUp>", C::PageUp, "page up"),
    b(Replan, "<C-d>|<PageDown>", C::PageDown, "page down"),
    b(
        Replan,
        "t",
        C::PickTarget,
        "choose the target milestone (picker)",
    ),
    b(
        Replan,
        "r",
        C::ToggleResetLane,
        "keep lanes / reset to the ready lane",
    ),
    b(Replan, "<Enter>", C::Accept, "apply (asks first)"),
    b(Replan, "y", C::Yes, "yes, apply"),
    b(Replan, "q|<Esc>|n", C::Cancel, "cancel"),
    b(Replan, "<C-c>", C::Quit, "quit"),
    b(Grab, "k|<Up>", C::Up, "carry up"),
    b(Grab, "j|<Down>", C::Down, "carry down"),
    b(Grab, "h|<Left>", C::Left, "carry to the lane on the left"),
    b(
        Grab,
        "l|<Right>",
        C::Right,
        "carry to the lane on the right",
    ),
    b(
        Grab,
        "<Enter>|<Space>",
        C::Accept,
        "drop here: one change (lane and position)",
    ),
    b(Grab, "<Esc>|q", C::Cancel, "put it back"),
    b(Grab, "<C-c>", C::Quit, "quit"),
];

/// A binding with its key sequences parsed.
#[derive(Debug, Clone)]
pub struct ParsedBinding {
    pub binding: Binding,
    pub sequences: Vec<Vec<KeyPress>>,
}

static PARSED: LazyLock<Vec<ParsedBinding>> = LazyLock::new(|| {
    BINDINGS
        .iter()
        .map(|b| ParsedBinding {
            binding: *b,
            sequences: b
                .keys
                .split('|')
                .map(|s| parse_sequence(s).unwrap_or_default())
                .collect(),
        })
        .collect()
});

/// The parsed keymap.
pub fn bindings() -> &'static [ParsedBinding] {
    &PARSED
}

/// Outcome of resolving a key press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// A binding matched.
    Command(Command),
    /// The keys so far start a chord: wait for the next one.
    Pending,
    /// Nothing is bound to these keys.
    Unbound,
}

/// Resolve in the first of `contexts` that binds (or starts) the keys:
/// planning mode's own keys, then the board's.
pub fn resolve_layered(contexts: &[Context], pending: &[KeyPress], key: KeyPress) -> Resolution {
    for &c in contexts {
        match resolve(c, pending, key) {
            Resolution::Unbound => continue,
            r => return r,
        }
    }
    Resolution::Unbound
}

/// Resolve `pending` keys followed by `key` in a context.
fn resolve(context: Context, pending: &[KeyPress], key: KeyPress) -> Resolution {
    let mut seq: Vec<KeyPress> = pending.to_vec();
    seq.push(key);
    let mut prefix = false;
    for pb in bindings().iter().filter(|pb| pb.binding.context == context) {
        for s in &pb.sequences {
            if *s == seq {
                return Resolution::Command(pb.binding.command);
            }
            if s.len() > seq.len() && s[..seq.len()] == seq[..] {
                prefix = true;
            }
        }
    }
    if prefix {
        Resolution::Pending
    } else {
        Resolution::Unbound
    }
}

/// Parse a key sequence such as `gg`, `<C-c>`, `<S-Left>` or `?`.
pub fn parse_sequence(s: &str) -> Option<Vec<KeyPress>> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('<')
            && !inner.is_empty()
        {
            // `<C-q` (unclosed) is a mistake, not the keys <, C, -, q; a
            // lone `<` is the key itself.
            let end = inner.find('>')?;
            out.push(parse_named(&inner[..end])?);
            rest = &inner[end + 1..];
            continue;
        }
        let c = rest.chars().next()?;
        out.push(KeyPress::char(c));
        rest = &rest[c.len_utf8()..];
    }
    if out.is_empty() { None } else { Some(out) }
}

fn parse_named(name: &str) -> Option<KeyPress> {
    let (mods, base) = match name.rsplit_once('-') {
        Some((m, b)) if !b.is_empty() => (m, b),
        _ => ("", name),
    };
    let mut k = KeyPress::plain(match base {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Tab" => KeyCode::Tab,
        "BackTab" => KeyCode::BackTab,
        "Backspace" => KeyCode::Backspace,
        "Delete" => KeyCode::Delete,
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "PageUp" => KeyCode::PageUp,
        "PageDown" => KeyCode::PageDown,
        "Space" => KeyCode::Char(' '),
        s if s.chars().count() == 1 => KeyCode::Char(s.chars().next()?),
        _ => return None,
    });
    for m in mods.split('-').filter(|m| !m.is_empty()) {
        match m {
            "C" => k.ctrl = true,
            "A" => k.alt = true,
            "S" => k.shift = true,
            _ => return None,
        }
    }
    Some(k)
}

/// How a key sequence is shown in the help overlay: `<Down>` becomes `↓`.
pub fn display_keys(keys: &str) -> String {
    keys.split('|')
        .map(|k| {
            k.replace("<Up>", "↑")
                .replace("<Down>", "↓")
                .replace("<Left>", "←")
                .replace("<Right>", "→")
                .replace("<S-", "<Shift-")
                .replace("<C-", "<Ctrl-")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_binding_parses_and_has_help() {
        for b in BINDINGS {
            assert!(!b.help.is_empty(), "{b:?}");
            for k in b.keys.split('|') {
                assert!(parse_sequence(k).is_some(), "unparsable key {k:?} in {b:?}");
            }
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_a_context() {
        let mut seen = HashSet::new();
        for pb in bindings() {
            for s in &pb.sequences {
                assert!(
                    seen.insert((pb.binding.context, s.clone())),
                    "duplicate {s:?} in {:?}",
                    pb.binding.context
                );
            }
        }
    }

    #[test]
    fn no_sequence_is_a_prefix_of_another_in_a_context() {
        for a in bindings() {
            for b in bindings()
                .iter()
                .filter(|b| b.binding.context == a.binding.context)
            {
                for sa in &a.sequences {
                    for sb in &b.sequences {
                        if sa.len() < sb.len() {
                            assert_ne!(sa[..], sb[..sa.len()], "{sa:?} shadows {sb:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn resolves_single_keys_and_chords() {
        assert_eq!(
            resolve(Context::Board, &[], KeyPress::char('j')),
            Resolution::Command(Command::Down)
        );
        assert_eq!(
            resolve(Context::Board, &[], KeyPress::plain(KeyCode::Down)),
            Resolution::Command(Command::Down)
        );
        assert_eq!(
            resolve(Context::Board, &[], KeyPress::char('g')),
            Resolution::Pending
        );
        assert_eq!(
            resolve(Context::Board, &[KeyPress::char('g')], KeyPress::char('g')),
            Resolution::Command(Command::Top)
        );
        assert_eq!(
            resolve(Context::Board, &[KeyPress::char('g')], KeyPress::char('x')),
            Resolution::Unbound
        );
        assert_eq!(
            resolve(Context::Board, &[], KeyPress::ctrl('c')),
            Resolution::Command(Command::Quit)
        );
        assert_eq!(
            resolve(Context::Help, &[], KeyPress::char('?')),
            Resolution::Command(Command::Back)
        );
        assert_eq!(
            resolve(Context::Filter, &[], KeyPress::char('j')),
            Resolution::Unbound
        );
    }

    #[test]
    fn parses_modifiers() {
        assert_eq!(
            parse_sequence("<S-Left>").unwrap(),
            vec![KeyPress {
                code: KeyCode::Left,
                ctrl: false,
                alt: false,
                shift: true
            }]
        );
        assert_eq!(parse_sequence("<C-d>").unwrap(), vec![KeyPress::ctrl('d')]);
        assert_eq!(parse_sequence("<Nope>"), None);
        assert_eq!(display_keys("j|<Down>"), "j ↓");
    }
}
