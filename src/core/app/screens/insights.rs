//! The board's iteration insights panel (`I`, issue #29): opening and
//! closing it. What it shows is [`crate::core::domain::insights::panel`], from the
//! events the cache holds (the background sync reads them); drawn by
//! `tui/view/insights.rs`.

use crate::core::app::action::Effect;
use crate::core::app::command::{Binding, Command};
use crate::core::app::screens::{Keys, Screen};

/// The iteration insights panel (`I`): the shown iteration so far, the
/// last iterations with the velocity, the burn-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsightsScreen;

impl Keys for InsightsScreen {
    const NAME: &'static str = "insights";
    const TITLE: &'static str = "Iteration insights (I)";
    const BINDINGS: &'static [Binding] = &[
        Binding::new("q|<Esc>|I", Command::Back, "close"),
        Binding::new("<C-c>", Command::Quit, "quit"),
    ];
}

impl Screen for InsightsScreen {
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        insights_command(state, cmd)
    }
}
use crate::core::app::screens::Mode;
use crate::core::app::state::AppState;

/// `I`: open the panel on the shown iteration.
pub(crate) fn show_insights(state: &mut AppState) -> Vec<Effect> {
    if state.ws.is_demo {
        state
            .status
            .info("the demo has no GitLab events: iteration insights need a GitLab group");
        return Vec::new();
    }
    state.focus.mode = Mode::Insights(InsightsScreen);
    Vec::new()
}

/// Keys in the panel.
pub fn insights_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Back | Command::ShowInsights => state.focus.mode = Mode::Board,
        Command::Quit => state.session.quit = true,
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use crate::core::app::screens::Mode;
    use crate::core::app::screens::insights::InsightsScreen;
    use crate::core::testing::{keys, state};

    #[test]
    fn i_opens_the_panel_and_q_or_esc_closes_it() {
        let mut s = state();
        keys(&mut s, "I");
        assert_eq!(s.focus.mode, Mode::Insights(InsightsScreen));
        keys(&mut s, "q");
        assert_eq!(s.focus.mode, Mode::Board);
        keys(&mut s, "I");
        keys(&mut s, "I");
        assert_eq!(s.focus.mode, Mode::Board, "I again closes it");
    }
}
