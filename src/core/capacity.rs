//! Capacity: the weight committed to an iteration against the team's
//! capacity. One number wherever it shows (the iteration board, planning
//! mode): the weight of every team issue in the milestone, open or closed,
//! with pending changes, whatever the filter or quick view hides.

use super::model::{MilestoneId, TeamConfig, Workspace};

/// The weight of the team's issues in `milestone`.
pub fn committed_weight(ws: &Workspace, team: &TeamConfig, milestone: MilestoneId) -> u32 {
    ws.issues
        .iter()
        .filter(|i| i.milestone_id == Some(milestone) && i.has_label(&team.team_label))
        .map(|i| i.weight.unwrap_or(0))
        .sum()
}

/// The team's capacity per iteration (the sum over its members).
pub fn team_capacity(team: &TeamConfig) -> u32 {
    team.capacity.values().sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::IssueState;
    use crate::core::testing::{keys, state};

    fn shown(s: &crate::core::state::AppState) -> u32 {
        committed_weight(&s.ws, &s.team, s.milestone.unwrap())
    }

    #[test]
    fn the_same_on_the_board_and_in_planning_mode_whatever_the_filter() {
        let mut s = state();
        for (n, i) in s.ws.issues.iter_mut().enumerate() {
            i.weight = Some(n as u32 + 1);
        }
        s.ws.issues[0].state = IssueState::Closed;
        s.relayout();
        let all = shown(&s);
        assert_eq!(
            all,
            1 + 2 + 3 + 4 + 5 + 6,
            "closed ones count, the backlog not"
        );
        keys(&mut s, "gp");
        assert_eq!(shown(&s), all);
        keys(&mut s, "<Esc>/zzz<Enter>f");
        assert_eq!(shown(&s), all, "a filter or a quick view changes nothing");
    }
}
