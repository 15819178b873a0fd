//! The detail pane of one issue (Enter): scrolled, and the card's actions
//! on its issue; a picker or prompt they open returns to the pane. What it
//! shows is [`crate::core::app::panes`].

use crate::core::app::action::Effect;
use crate::core::app::command::Command;
use crate::core::app::screens::confirm::ConfirmScreen;
use crate::core::app::screens::pager::overlay_command;
use crate::core::app::screens::{Keys, Mode, Screen};
use crate::core::app::state::AppState;
use crate::core::app::workflow_keys;
use crate::core::domain::model::IssueId;

/// The detail pane of one issue, scrolled by `scroll` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailScreen {
    pub issue: IssueId,
    pub scroll: usize,
}

impl Keys for DetailScreen {
    const NAME: &'static str = "detail";
    const TITLE: &'static str = "Detail pane";
}

impl Screen for DetailScreen {
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        detail_command(state, cmd, self.issue)
    }
}

/// Keys in the detail pane: scrolling, and the card actions on its issue
/// (a picker or prompt they open returns to the pane).
fn detail_command(state: &mut AppState, cmd: Command, issue: IssueId) -> Vec<Effect> {
    let before = state.mode.clone();
    if let Command::Custom(n) = cmd {
        let i = state.ws.issue(issue).cloned();
        return crate::core::app::custom_command::run::run(state, usize::from(n), i.as_ref());
    }
    if cmd == Command::WriteSummary {
        let fx = crate::core::planning::issue::write_summary(state);
        if matches!(state.mode, Mode::Confirm(ConfirmScreen { .. })) {
            state.back = Some(Box::new(before));
        }
        return fx;
    }
    // `o` on an issue with merge requests: which to open (issue #30).
    if cmd == Command::OpenInBrowser
        && let Some(i) = state.ws.issue(issue).cloned()
        && let Some(fx) = workflow_keys::open_choice(state, &i)
    {
        state.back = Some(Box::new(before));
        return fx;
    }
    match workflow_keys::card_action(state, cmd, issue) {
        Some(fx) => {
            if !matches!(state.mode, Mode::Board | Mode::Detail(DetailScreen { .. })) {
                state.back = Some(Box::new(before));
            }
            fx
        }
        None => {
            overlay_command(state, cmd);
            Vec::new()
        }
    }
}
