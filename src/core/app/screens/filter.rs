//! Typing the board's filter (`/`): by title, label or assignee; Esc puts
//! back the filter there was.

use crate::core::app::action::Effect;
use crate::core::app::command::{Binding, Command};
use crate::core::app::navigation::refilter;
use crate::core::app::screens::{Keys, Mode, Screen};
use crate::core::app::state::AppState;

/// Typing a filter; `previous` is restored on cancel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterScreen {
    pub previous: String,
}

impl Keys for FilterScreen {
    const NAME: &'static str = "filter";
    const TITLE: &'static str = "Typing a filter or a search";
    const BINDINGS: &'static [Binding] = &[
        Binding::new("<Enter>", Command::FilterAccept, "keep the filter"),
        Binding::new(
            "<Esc>",
            Command::FilterCancel,
            "cancel, restore the previous filter",
        ),
        Binding::new(
            "<Backspace>",
            Command::FilterBackspace,
            "delete a character",
        ),
        Binding::new("<C-u>", Command::FilterClear, "clear the text"),
        Binding::new("<C-c>", Command::Quit, "quit"),
    ];
}

impl Screen for FilterScreen {
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        filter_command(state, cmd, self.previous);
        Vec::new()
    }

    fn typed(state: &mut AppState, c: char) {
        state.board.filter.push(c);
        refilter(state);
    }
}

fn filter_command(state: &mut AppState, cmd: Command, previous: String) {
    match cmd {
        Command::FilterAccept => {
            state.focus.mode = Mode::Board;
            if !state.board.filter.trim().is_empty() {
                let n = state.board.layout.card_count();
                let cards = if n == 1 { "card" } else { "cards" };
                state.status.info(format!(
                    "filter \"{}\": {n} {cards} (Esc clears)",
                    state.board.filter.trim()
                ));
            }
        }
        Command::FilterCancel => {
            state.board.filter = previous;
            state.focus.mode = Mode::Board;
            state.relayout();
        }
        Command::FilterBackspace => {
            state.board.filter.pop();
            refilter(state);
        }
        Command::FilterClear => {
            state.board.filter.clear();
            refilter(state);
        }
        _ => {}
    }
}
