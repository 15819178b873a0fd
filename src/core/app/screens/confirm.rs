//! The yes/no question (close, reopen, a planning issue or its summary to
//! write, with a preview of what will be written): its keys and what yes
//! does.

use crate::core::app::action::Effect;
use crate::core::app::command::{Binding, Command};
use crate::core::app::commit::{UndoAs, commit};
use crate::core::app::screens::{Keys, Mode, Screen};
use crate::core::app::state::AppState;
use crate::core::domain::edit::Edit;
use crate::core::domain::model::IssueId;
use crate::core::domain::workflow::Intent;

/// Asking before a change (closing an issue, writing a planning issue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmScreen {
    pub prompt: String,
    pub issue: IssueId,
    pub edit: Box<Edit>,
    pub summary: String,
    /// Markdown shown above the question (what will be written), and how
    /// far it is scrolled.
    pub preview: Option<String>,
    pub scroll: usize,
}

impl Keys for ConfirmScreen {
    const NAME: &'static str = "confirm";
    const TITLE: &'static str = "Confirmation";
    const BINDINGS: &'static [Binding] = &[
        Binding::new("y|<Enter>", Command::Yes, "yes"),
        Binding::new("j|<Down>", Command::Down, "scroll what will be written"),
        Binding::new("k|<Up>", Command::Up, "scroll back"),
        Binding::new("n|<Esc>|q", Command::No, "no"),
        Binding::new("<C-c>", Command::Quit, "quit"),
    ];
}

impl Screen for ConfirmScreen {
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        confirm_command(state, cmd)
    }
}

/// Keys in a yes/no question.
pub fn confirm_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let mode = std::mem::replace(&mut state.focus.mode, Mode::Board);
    match (cmd, mode) {
        (
            Command::Yes,
            Mode::Confirm(ConfirmScreen {
                issue,
                edit,
                summary,
                ..
            }),
        ) => match edit.create {
            // A new issue (the planning issue): its card shows at once.
            Some(new) => crate::core::app::commit::create(state, new),
            // Close or reopen the marked cards.
            None if !state.marked.is_empty() && edit.state.is_some() => {
                let ids = crate::core::app::bulk::marked(state);
                let intent = if edit.state == Some(crate::core::domain::model::IssueState::Closed) {
                    Intent::Close
                } else {
                    Intent::Reopen
                };
                crate::core::app::bulk::act_all(state, &ids, intent)
            }
            None => commit(state, issue, *edit, summary, None, UndoAs::Step),
        },
        (Command::Down, mode @ Mode::Confirm(ConfirmScreen { .. }))
        | (Command::Up, mode @ Mode::Confirm(ConfirmScreen { .. })) => {
            state.focus.mode = mode;
            if let Mode::Confirm(ConfirmScreen {
                scroll, preview, ..
            }) = &mut state.focus.mode
            {
                let lines = preview.as_ref().map_or(0, |p| p.lines().count());
                *scroll = if cmd == Command::Down {
                    (*scroll + 1).min(lines.saturating_sub(1))
                } else {
                    scroll.saturating_sub(1)
                };
            }
            Vec::new()
        }
        (Command::No, _) => {
            state.status.info("cancelled");
            Vec::new()
        }
        (_, mode) => {
            state.focus.mode = mode;
            Vec::new()
        }
    }
}
