//! What changed since you last looked (`gc`): the list of the team's issues
//! that changed since the board last closed ([`crate::core::domain::since`]
//! says what changed), scrolled.

use crate::core::app::action::Effect;
use crate::core::app::command::{Binding, Command};
use crate::core::app::screens::{Keys, Screen};
use crate::core::app::state::AppState;
use crate::core::domain::since::{What, changes};

/// The `gc` list, scrolled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangesScreen {
    pub scroll: usize,
}

impl Keys for ChangesScreen {
    const NAME: &'static str = "changes";
    const TITLE: &'static str = "What changed since you last looked";
    const BINDINGS: &'static [Binding] = &[
        Binding::new("k|<Up>", Command::Up, "scroll up"),
        Binding::new("j|<Down>", Command::Down, "scroll down"),
        Binding::new("q|<Esc>", Command::Back, "close"),
        Binding::new("<C-c>", Command::Quit, "quit"),
    ];
}

impl Screen for ChangesScreen {
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        changes_command(state, cmd)
    }
}

/// `gc`: the list of what changed since you last looked.
pub(crate) fn show_changes(
    state: &mut crate::core::app::state::AppState,
) -> Vec<crate::core::app::action::Effect> {
    if state.board.last_look.is_none() {
        state.status.info(
            "nothing to compare with yet: glboard remembers what the board shows when it closes",
        );
    } else {
        state.focus.mode = crate::core::app::screens::Mode::Changes(ChangesScreen { scroll: 0 });
    }
    Vec::new()
}

/// The `gc` list's lines.
pub fn lines(state: &crate::core::app::state::AppState) -> Vec<String> {
    let Some((at, before)) = &state.board.last_look else {
        return Vec::new();
    };
    let list = changes(before, &state.ws, &state.team);
    let mut out = vec![format!(
        "Since {} (UTC), when the board last closed: {} {}",
        at.format("%a %b %-d %H:%M"),
        list.len(),
        if list.len() == 1 { "issue" } else { "issues" }
    )];
    out.push(String::new());
    for c in &list {
        out.push(format!(
            "{}  {}: {}",
            c.reference,
            c.title,
            c.what
                .iter()
                .map(What::words)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if list.is_empty() {
        out.push("nothing changed".into());
    }
    out
}

/// Keys in the `gc` list.
pub fn changes_command(
    state: &mut crate::core::app::state::AppState,
    cmd: crate::core::app::command::Command,
) -> Vec<crate::core::app::action::Effect> {
    use crate::core::app::command::Command;
    let n = lines(state).len();
    let crate::core::app::screens::Mode::Changes(ChangesScreen { scroll }) = &mut state.focus.mode
    else {
        return Vec::new();
    };
    match cmd {
        Command::Up => *scroll = scroll.saturating_sub(1),
        Command::Down => *scroll = (*scroll + 1).min(n.saturating_sub(1)),
        Command::Back => state.focus.mode = crate::core::app::screens::Mode::Board,
        _ => {}
    }
    Vec::new()
}
