//! Lane integrity (`gi`): open team issues with no lane, several lanes,
//! an unknown lane, a past milestone, or on neither board (a lane past
//! Ready and no milestone), each with the edit that fixes it and the
//! list's keys (Enter or x applies the fix).

use crate::core::app::action::Effect;
use crate::core::app::command::{Binding, Command};
use crate::core::app::commit::{UndoAs, commit};
use crate::core::app::screens::Mode;
use crate::core::app::screens::{Keys, Screen};
use crate::core::app::state::AppState;
use crate::core::domain::edit::{self, Edit};
use crate::core::domain::model::{Issue, IssueId};

/// The lane-integrity list (`gi`), an issue selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityScreen {
    pub cursor: usize,
}

impl Keys for IntegrityScreen {
    const NAME: &'static str = "integrity";
    const TITLE: &'static str = "Lane integrity";
    const BINDINGS: &'static [Binding] = &[
        Binding::new("k|<Up>", Command::Up, "previous issue"),
        Binding::new("j|<Down>", Command::Down, "next issue"),
        Binding::new("<Enter>|x", Command::Fix, "apply the fix shown"),
        Binding::new("q|<Esc>", Command::Back, "close"),
        Binding::new("<C-c>", Command::Quit, "quit"),
    ];
}

impl Screen for IntegrityScreen {
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        integrity_command(state, cmd)
    }
}

/// A lane problem of one issue, and the edit that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityItem {
    pub issue: IssueId,
    pub problem: String,
    pub fix: String,
    pub edit: Edit,
}

/// Open team issues with no lane, several lanes, an unknown lane, or a
/// milestone that is past; each with its one-key fix.
pub fn integrity(state: &AppState) -> Vec<IntegrityItem> {
    let team = &state.team;
    let mut out = Vec::new();
    let mut issues: Vec<&Issue> = state
        .ws
        .issues
        .iter()
        .filter(|i| i.is_open() && i.has_label(&team.team_label) && i.iid != 0)
        .collect();
    issues.sort_by_key(|i| (i.position, i.id));
    for i in issues {
        let lanes = team.lanes_of(i);
        let known: Vec<&str> = lanes
            .iter()
            .copied()
            .filter(|l| team.lanes.iter().any(|c| c == l))
            .collect();
        let default_lane = if i.milestone_id.is_some() {
            team.ready_lane.as_str()
        } else {
            team.backlog_lane.as_str()
        };
        let (problem, lane) = if lanes.is_empty() {
            ("no lane label".to_owned(), Some(default_lane.to_owned()))
        } else if known.len() > 1 || lanes.len() > 1 {
            // Keep the lane furthest along the workflow.
            let furthest = known
                .iter()
                .max_by_key(|l| team.lanes.iter().position(|c| c == *l))
                .map(|l| l.to_string());
            (
                format!("{} lane labels: {}", lanes.len(), lanes.join(", ")),
                furthest.or(Some(default_lane.to_owned())),
            )
        } else if known.is_empty() {
            let another = lanes
                .iter()
                .find_map(|l| l.strip_suffix(crate::core::domain::lane_labels::ANOTHER_LABEL));
            let problem = match another {
                // A project's (or subgroup's) own label of a lane's name:
                // GitLab's board does not show it in the lane either.
                Some(name) => format!(
                    "its {}::{name} is another label of the lane's name (a project's own?), not the board's",
                    team.workflow_scope
                ),
                None => format!("lane {} is not configured", lanes.join(", ")),
            };
            let lane = another
                .filter(|n| team.lanes.iter().any(|c| c == n))
                .unwrap_or(default_lane);
            (problem, Some(lane.to_owned()))
        } else {
            (String::new(), None)
        };
        if let Some(lane) = lane {
            out.push(IntegrityItem {
                issue: i.id,
                problem,
                fix: format!("move to {lane}"),
                edit: edit::to_lane(i, team, Some(&lane)),
            });
            continue;
        }
        if crate::core::domain::board::on_no_board(team, i)
            && let Some(cur) = state
                .board
                .iteration
                .current
                .and_then(|c| state.ws.milestone(c))
        {
            out.push(IntegrityItem {
                issue: i.id,
                problem: format!(
                    "in {} with no milestone: on neither board",
                    lanes.join(", ")
                ),
                // The milestone as the header names it (its short title):
                // the fix is whole at 80 columns.
                fix: format!("move to {}", team.short_milestone_title(cur)),
                edit: Edit {
                    milestone: Some(Some(cur.id)),
                    ..Edit::default()
                },
            });
            continue;
        }
        let past = i
            .milestone_id
            .and_then(|m| state.ws.milestone(m))
            .filter(|m| {
                team.is_team_milestone(m) && m.due_date.is_some_and(|d| d < state.session.today)
            });
        if let (Some(m), Some(cur)) = (past, state.board.iteration.current) {
            let cur_title = state
                .ws
                .milestone(cur)
                .map_or(String::new(), |m| team.short_milestone_title(m).to_owned());
            out.push(IntegrityItem {
                issue: i.id,
                problem: format!("open in past milestone {}", team.short_milestone_title(m)),
                fix: format!("move to {cur_title}"),
                edit: Edit {
                    milestone: Some(Some(cur)),
                    ..Edit::default()
                },
            });
        }
    }
    out
}

/// `gi`: the lane-integrity list, or a word that all is well.
pub(crate) fn show_integrity(state: &mut AppState) -> Vec<Effect> {
    if integrity(state).is_empty() {
        state.status.info(
            "lane integrity: every team issue has exactly one known lane, is on a board and in no past milestone",
        );
    } else {
        state.focus.mode = Mode::Integrity(IntegrityScreen { cursor: 0 });
    }
    Vec::new()
}

/// Keys in the lane-integrity list.
pub fn integrity_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let items = integrity(state);
    let Mode::Integrity(IntegrityScreen { cursor }) = &mut state.focus.mode else {
        return Vec::new();
    };
    match cmd {
        Command::Up => *cursor = cursor.saturating_sub(1),
        Command::Down => *cursor = (*cursor + 1).min(items.len().saturating_sub(1)),
        Command::Back => state.focus.mode = Mode::Board,
        Command::Fix => {
            let at = (*cursor).min(items.len().saturating_sub(1));
            let Some(item) = items.get(at).cloned() else {
                state.focus.mode = Mode::Board;
                return Vec::new();
            };
            let Some(i) = state.ws.issue(item.issue) else {
                return Vec::new();
            };
            let summary = format!("{}: {}", state.short_ref(i), item.fix);
            let fx = commit(state, item.issue, item.edit, summary, None, UndoAs::Step);
            let left = integrity(state).len();
            state.focus.mode = if left == 0 {
                Mode::Board
            } else {
                Mode::Integrity(IntegrityScreen {
                    cursor: at.min(left - 1),
                })
            };
            return fx;
        }
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{enqueued, keys, state};

    #[test]
    fn lane_integrity_lists_problems_and_fixes_each_with_one_key() {
        let mut s = state();
        s.ws.issues[0].labels = vec!["team::Datastores".into()];
        s.ws.issues[1].labels.push("workflow-infra::Blocked".into());
        s.ws.issues[1].labels.sort();
        s.relayout();
        keys(&mut s, "gi");
        assert_eq!(s.focus.mode, Mode::Integrity(IntegrityScreen { cursor: 0 }));
        let items = integrity(&s);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].fix, "move to Ready");
        assert_eq!(
            items[1].fix, "move to Blocked",
            "the lane furthest along is kept"
        );
        let fx = keys(&mut s, "<Enter>");
        assert_eq!(
            enqueued(&fx)[0].edit.add_labels,
            vec!["workflow-infra::Ready"]
        );
        let fx = keys(&mut s, "x");
        assert_eq!(
            enqueued(&fx)[0].edit.remove_labels,
            vec!["workflow-infra::In Progress"]
        );
        assert_eq!(s.focus.mode, Mode::Board, "nothing left");
    }
}
