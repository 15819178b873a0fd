//! Capacity: the weight committed to an iteration against the team's
//! capacity. One number wherever it shows (the iteration board, planning
//! mode): the weight of every team issue in the milestone, open or closed,
//! with pending changes, whatever the filter or quick view hides.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::core::domain::model::{Milestone, MilestoneId, TeamConfig, Workspace};

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

/// Working days (Monday to Friday) from `from` to `to`, both included.
pub fn working_days(from: NaiveDate, to: NaiveDate) -> i64 {
    let n = from
        .iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .count();
    crate::core::domain::num::signed(n)
}

/// A person's capacity in an iteration: the configured weight, less the
/// share of its working days they are away (rounded to the nearest whole).
pub fn person_capacity(team: &TeamConfig, user: &str, m: &Milestone) -> u32 {
    let full = team.capacity.get(user).copied().unwrap_or(0);
    let (Some(start), Some(due)) = (m.start_date, m.due_date) else {
        return full;
    };
    let days = working_days(start, due);
    if days == 0 || full == 0 {
        return full;
    }
    let away = start
        .iter_days()
        .take_while(|d| *d <= due)
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .filter(|d| {
            team.absences
                .iter()
                .any(|a| a.user == user && a.from <= *d && *d <= a.to)
        })
        .count();
    let away = crate::core::domain::num::signed(away);
    let left = i64::from(full) * (days - away);
    // Round half up, in whole numbers.
    u32::try_from((2 * left + days) / (2 * days)).unwrap_or(0)
}

/// The team's capacity in an iteration, absences counted.
pub fn team_capacity_in(team: &TeamConfig, m: &Milestone) -> u32 {
    team.capacity
        .keys()
        .map(|u| person_capacity(team, u, m))
        .sum()
}

/// The weight of the team's issues in `milestone` assigned to `user` (an
/// issue with several assignees counts for each of them).
pub fn committed_by(ws: &Workspace, team: &TeamConfig, milestone: MilestoneId, user: &str) -> u32 {
    ws.issues
        .iter()
        .filter(|i| i.milestone_id == Some(milestone) && i.has_label(&team.team_label))
        .filter(|i| i.assignees.iter().any(|a| a.username == user))
        .map(|i| i.weight.unwrap_or(0))
        .sum()
}

/// One person's committed weight against capacity in each iteration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonLoad {
    pub user: String,
    /// (committed, capacity), one per iteration asked.
    pub iterations: Vec<Load>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Load {
    pub committed: u32,
    pub capacity: u32,
}

impl PersonLoad {
    /// Committed and capacity over the first `n` iterations (2, 4, 6
    /// weeks for n = 1, 2, 3 fortnights).
    pub fn over(&self, n: usize) -> Load {
        self.iterations.iter().take(n).fold(
            Load {
                committed: 0,
                capacity: 0,
            },
            |a, l| Load {
                committed: a.committed + l.committed,
                capacity: a.capacity + l.capacity,
            },
        )
    }
}

/// Each person's load in `milestones` (in order): everyone with a
/// capacity, and anyone else with weight assigned in them.
pub fn outlook(ws: &Workspace, team: &TeamConfig, milestones: &[&Milestone]) -> Vec<PersonLoad> {
    let mut people: Vec<String> = team.capacity.keys().cloned().collect();
    for i in ws.issues.iter().filter(|i| {
        i.has_label(&team.team_label)
            && milestones.iter().any(|m| i.milestone_id == Some(m.id))
            && i.weight.unwrap_or(0) > 0
    }) {
        for a in &i.assignees {
            if !people.contains(&a.username) {
                people.push(a.username.clone());
            }
        }
    }
    people
        .into_iter()
        .map(|user| PersonLoad {
            iterations: milestones
                .iter()
                .map(|m| Load {
                    committed: committed_by(ws, team, m.id, &user),
                    capacity: person_capacity(team, &user, m),
                })
                .collect(),
            user,
        })
        .collect()
}

/// Planning mode's panel: the shown iteration and the two after it, and
/// each person's committed weight against capacity in each.
pub fn planning_outlook<'a>(
    ws: &'a Workspace,
    team: &TeamConfig,
    shown: MilestoneId,
) -> (Vec<&'a Milestone>, Vec<PersonLoad>) {
    let Some(m) = ws.milestone(shown) else {
        return (Vec::new(), Vec::new());
    };
    let horizon = and_after(&ws.milestones, team, m, 3);
    let loads = outlook(ws, team, &horizon);
    (horizon, loads)
}

/// The iteration `m` and the ones after it, `n` in all (by start date).
pub fn and_after<'a>(
    milestones: &'a [Milestone],
    team: &TeamConfig,
    m: &'a Milestone,
    n: usize,
) -> Vec<&'a Milestone> {
    let mut later: Vec<&Milestone> = milestones
        .iter()
        .filter(|x| {
            team.is_team_milestone(x)
                && x.id != m.id
                && x.start_date.zip(m.start_date).is_some_and(|(a, b)| a > b)
        })
        .collect();
    later.sort_by_key(|x| x.start_date);
    std::iter::once(m).chain(later).take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::model::IssueState;
    use crate::core::testing::{keys, state};

    fn shown(s: &crate::core::app::state::AppState) -> u32 {
        committed_weight(&s.ws, &s.team, s.board.milestone.unwrap())
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn absences_take_their_share_of_working_days() {
        let mut t = crate::core::testing::team();
        t.capacity.insert("akovacs".into(), 10);
        t.capacity.insert("bwright".into(), 8);
        // Two weeks, Monday to Sunday: ten working days.
        let m = Milestone {
            id: 1,
            iid: 1,
            title: "Datastores team - W51".into(),
            description: String::new(),
            start_date: Some(day("2026-12-14")),
            due_date: Some(day("2026-12-27")),
            state: crate::core::domain::model::MilestoneState::Active,
            web_url: String::new(),
            owner: None,
        };
        assert_eq!(working_days(day("2026-12-14"), day("2026-12-27")), 10);
        assert_eq!(person_capacity(&t, "akovacs", &m), 10);
        // Away from the 21st (a Monday) over the new year: half of it.
        t.absences.push(crate::core::domain::model::Absence {
            user: "akovacs".into(),
            from: day("2026-12-21"),
            to: day("2027-01-03"),
        });
        assert_eq!(person_capacity(&t, "akovacs", &m), 5);
        // A weekend away costs nothing; three days of ten: 8 * 7/10 = 5.6 → 6.
        t.absences.push(crate::core::domain::model::Absence {
            user: "bwright".into(),
            from: day("2026-12-19"),
            to: day("2026-12-20"),
        });
        assert_eq!(person_capacity(&t, "bwright", &m), 8);
        t.absences.push(crate::core::domain::model::Absence {
            user: "bwright".into(),
            from: day("2026-12-14"),
            to: day("2026-12-16"),
        });
        assert_eq!(person_capacity(&t, "bwright", &m), 6);
        assert_eq!(team_capacity_in(&t, &m), 11);
        assert_eq!(person_capacity(&t, "nobody", &m), 0);
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
