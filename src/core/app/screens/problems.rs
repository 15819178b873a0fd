//! The problems panel (`!`): the changes GitLab refused, each retried on
//! top of what GitLab has now or discarded.

use crate::core::app::action::Effect;
use crate::core::app::command::{Binding, Command};
use crate::core::app::commit::retry;
use crate::core::app::screens::{Keys, Screen};

/// The problems panel (`!`), a refused change selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemsScreen {
    pub cursor: usize,
}

impl Keys for ProblemsScreen {
    const NAME: &'static str = "problems";
    const TITLE: &'static str = "Problems panel";
    const BINDINGS: &'static [Binding] = &[
        Binding::new("k|<Up>", Command::Up, "previous problem"),
        Binding::new("j|<Down>", Command::Down, "next problem"),
        Binding::new("r", Command::Retry, "retry the change"),
        Binding::new("d", Command::Discard, "discard the change"),
        Binding::new("q|<Esc>|!", Command::Back, "close"),
        Binding::new("<C-c>", Command::Quit, "quit"),
    ];
}

impl Screen for ProblemsScreen {
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        problems_command(state, cmd)
    }
}
use crate::core::app::screens::Mode;
use crate::core::app::state::AppState;

/// `!`: the problems panel, or a word that there is none.
pub(crate) fn show_problems(state: &mut AppState) -> Vec<Effect> {
    if state.changes.problems.is_empty() {
        state
            .status
            .info("no problems: GitLab accepted every change");
    } else {
        state.focus.mode = Mode::Problems(ProblemsScreen { cursor: 0 });
    }
    Vec::new()
}

/// The panel's keys, as `r` does for the selected change: a planning
/// summary is written again over GitLab's text as it is now.
pub fn hint(selected: Option<&crate::core::app::changes::Problem>) -> &'static str {
    let summary = selected
        .and_then(|p| p.change.edit.description.as_ref())
        .is_some_and(|d| d.text.contains(crate::core::planning::summary::BEGIN));
    if summary {
        "r read GitLab's text again, write the summary over it · d discard · Esc"
    } else {
        "r retry · d discard · Esc close"
    }
}

/// Keys in the problems panel.
pub fn problems_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let Mode::Problems(ProblemsScreen { cursor }) = &mut state.focus.mode else {
        return Vec::new();
    };
    let n = state.changes.problems.len();
    match cmd {
        Command::Up => *cursor = cursor.saturating_sub(1),
        Command::Down => *cursor = (*cursor + 1).min(n.saturating_sub(1)),
        Command::Back => state.focus.mode = Mode::Board,
        Command::Retry | Command::Discard if n > 0 => {
            let at = (*cursor).min(n - 1);
            let problem = state.changes.problems.remove(at);
            if state.changes.problems.is_empty() {
                state.focus.mode = Mode::Board;
            } else if let Mode::Problems(ProblemsScreen { cursor }) = &mut state.focus.mode {
                *cursor = at.min(state.changes.problems.len() - 1);
            }
            if cmd == Command::Discard {
                state
                    .status
                    .info(format!("discarded: {}", problem.change.summary));
                return vec![Effect::Discard(problem.change.id)];
            }
            // Retry on top of what GitLab has now.
            return retry(state, problem.change);
        }
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{answered, col_title, keys, saved, state};

    #[test]
    fn outbox_results_confirm_or_revert_and_fill_the_problems_panel() {
        let mut s = state();
        keys(&mut s, "ll");
        let fx = keys(&mut s, "t");
        assert!(
            s.changes.pending.is_empty(),
            "pending only once written down"
        );
        let c = saved(&mut s, &fx)[0].clone();
        assert_eq!(s.changes.pending.len(), 1);
        // GitLab refuses: the board shows GitLab's version again.
        let mut fresh = s.changes.base.get(&c.issue).unwrap().clone();
        fresh.labels = vec!["team::Datastores".into(), "workflow-infra::Ready".into()];
        fresh.assignees.clear();
        answered(&mut s, &[], &[(c.id, "404 Issue Not Found", Some(fresh))]);
        assert!(s.changes.pending.is_empty());
        assert_eq!(s.changes.problems.len(), 1);
        assert_eq!(col_title(&s), "Ready", "selection followed the card back");
        assert!(s.changes.base.is_empty(), "no changes over it any more");
        keys(&mut s, "!");
        assert_eq!(s.focus.mode, Mode::Problems(ProblemsScreen { cursor: 0 }));
        let fx = keys(&mut s, "r");
        assert!(matches!(fx.as_slice(), [Effect::Retry { old, .. }] if *old == c.id));
        assert_eq!(s.focus.mode, Mode::Board);
        assert_eq!(
            col_title(&s),
            "In Progress",
            "the retried change shows at once"
        );
        let again = saved(&mut s, &fx);
        assert_eq!(s.changes.pending.len(), 1);
        answered(&mut s, &[(again[0].id, None)], &[]);
        assert!(s.changes.pending.is_empty());
    }

    /// A planning summary in conflict (the team edited the issue since it
    /// was read) is retried by reading GitLab's text again and writing the
    /// summary over it, not by sending the same conflict again; its entry
    /// says what it will do, not "written".
    #[test]
    fn a_summary_in_conflict_is_retried_over_gitlabs_text_as_it_is_now() {
        use crate::core::planning::summary::BEGIN;
        let mut s = state();
        let mut p = crate::core::testing::issue(
            60,
            160,
            &["team::Datastores", "workflow-infra::In Progress"],
        );
        p.title = "Datastores team - W45 Iteration Planning".into();
        p.milestone_id = s.board.iteration.current;
        p.description = "Priorities:\n1. #101\n".into();
        s.ws.issues.push(p);
        s.relayout();
        keys(&mut s, "S");
        let fx = keys(&mut s, "y");
        let c = saved(&mut s, &fx)[0].clone();
        assert_eq!(c.summary, "#160: write the planning summary");
        // The team added a priority meanwhile: a conflict.
        let mut fresh = s.ws.issue(60).unwrap().clone();
        fresh.description = "Priorities:\n1. #101\n2. #102\n".into();
        fresh.raw_description = None;
        answered(
            &mut s,
            &[],
            &[(
                c.id,
                "conflict: the description was edited on GitLab",
                Some(fresh.clone()),
            )],
        );
        keys(&mut s, "!");
        assert!(hint(s.changes.problems.first()).contains("read GitLab's text again"));
        let fx = keys(&mut s, "r");
        let [Effect::Retry { change, .. }] = fx.as_slice() else {
            panic!("{fx:?}");
        };
        let d = change.edit.description.as_ref().unwrap();
        assert_eq!(d.before, fresh.description, "over GitLab's text now");
        assert!(
            d.text.starts_with("Priorities:\n1. #101\n2. #102\n"),
            "{}",
            d.text
        );
        assert_eq!(d.text.matches(BEGIN).count(), 1);
        assert!(
            s.status
                .message
                .as_ref()
                .unwrap()
                .text
                .contains("over GitLab's text as it is now")
        );
    }
}
