//! Which milestone is the team's current iteration, and which is next.
//! Pure rules over milestone dates and a given `today`; the result says which
//! rule decided, so the UI can explain itself when dates are missing or overlap.

use chrono::NaiveDate;
use std::cmp::Ordering;

use crate::core::domain::model::{Milestone, MilestoneId, MilestoneState, TeamConfig};

/// Where today stands in a milestone, as the header and `print` say it:
/// "starts in 6 days", "11 days left", "ends today", "ended 3 days ago".
pub fn days_phrase(
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<String> {
    if let Some(s) = start
        && s > today
    {
        let d = (s - today).num_days();
        return Some(if d == 1 {
            "starts tomorrow".into()
        } else {
            format!("starts in {d} days")
        });
    }
    let d = (due? - today).num_days();
    Some(match d {
        0 => "ends today".into(),
        1 => "1 day left".into(),
        d if d > 1 => format!("{d} days left"),
        -1 => "ended yesterday".into(),
        d => format!("ended {} days ago", -d),
    })
}

/// Which rule picked the current iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurrentRule {
    /// Exactly one open team milestone's dates contain today.
    ContainsToday,
    /// Several open team milestones contain today: the one that started last wins.
    Overlap(usize),
    /// None contains today: the next open one to start is used.
    NextToStart,
    /// None contains today and none starts later: the latest open one is used.
    LatestOpen,
    /// No open team milestone has dates: the first open one by title is used.
    Undated,
    /// The team has no open milestone.
    NoMilestone,
}

impl CurrentRule {
    /// A sentence for the status line, or `None` when the ordinary rule applied.
    pub fn explain(&self) -> Option<String> {
        match self {
            CurrentRule::ContainsToday => None,
            CurrentRule::Overlap(n) => Some(format!(
                "{n} milestones contain today; showing the one that started last"
            )),
            CurrentRule::NextToStart => {
                Some("no milestone contains today; showing the next one to start".into())
            }
            CurrentRule::LatestOpen => {
                Some("no milestone contains today; showing the latest open one".into())
            }
            CurrentRule::Undated => {
                Some("milestones have no dates; showing the first open one by title".into())
            }
            CurrentRule::NoMilestone => Some("the team has no open milestone".into()),
        }
    }
}

/// The team's current and next iterations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IterationPick {
    pub current: Option<MilestoneId>,
    pub next: Option<MilestoneId>,
    pub rule: CurrentRule,
}

/// Order of milestones on the timeline: by start date (due date when there is
/// no start), undated last, then by title.
pub fn timeline_cmp(a: &Milestone, b: &Milestone) -> Ordering {
    let key = |m: &Milestone| m.start_date.or(m.due_date);
    match (key(a), key(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a.title.cmp(&b.title))
    .then_with(|| a.id.cmp(&b.id))
}

/// The team's milestones (by title prefix), in timeline order.
pub fn team_milestones<'a>(milestones: &'a [Milestone], team: &TeamConfig) -> Vec<&'a Milestone> {
    let mut v: Vec<&Milestone> = milestones
        .iter()
        .filter(|m| team.is_team_milestone(m))
        .collect();
    v.sort_by(|a, b| timeline_cmp(a, b));
    v
}

fn contains(m: &Milestone, today: NaiveDate) -> bool {
    match (m.start_date, m.due_date) {
        (Some(s), Some(d)) => s <= today && today <= d,
        (Some(s), None) => s <= today,
        (None, Some(_)) | (None, None) => false,
    }
}

/// Pick the current iteration and the next one for `today`.
pub fn pick(milestones: &[Milestone], team: &TeamConfig, today: NaiveDate) -> IterationPick {
    let open: Vec<&Milestone> = team_milestones(milestones, team)
        .into_iter()
        .filter(|m| m.state == MilestoneState::Active)
        .collect();
    if open.is_empty() {
        return IterationPick {
            current: None,
            next: None,
            rule: CurrentRule::NoMilestone,
        };
    }
    let containing: Vec<&&Milestone> = open.iter().filter(|m| contains(m, today)).collect();
    let (current, rule) = if let Some(last) = containing.last() {
        let rule = if containing.len() == 1 {
            CurrentRule::ContainsToday
        } else {
            CurrentRule::Overlap(containing.len())
        };
        (**last, rule)
    } else if let Some(upcoming) = open
        .iter()
        .find(|m| m.start_date.or(m.due_date).is_some_and(|d| d > today))
    {
        (*upcoming, CurrentRule::NextToStart)
    } else if let Some(latest) = open
        .iter()
        .rev()
        .find(|m| m.start_date.or(m.due_date).is_some())
    {
        (*latest, CurrentRule::LatestOpen)
    } else {
        let mut by_title = open.clone();
        by_title.sort_by(|a, b| a.title.cmp(&b.title));
        (by_title[0], CurrentRule::Undated)
    };
    let cur_start = current.start_date.or(current.due_date);
    let next = open
        .iter()
        .filter(|m| m.id != current.id)
        .find(|m| match (cur_start, m.start_date.or(m.due_date)) {
            (Some(c), Some(s)) => s > c,
            (None, None) => m.title > current.title,
            (None, Some(_)) => false,
            (Some(_), None) => false,
        })
        .map(|m| m.id);
    IterationPick {
        current: Some(current.id),
        next,
        rule,
    }
}

/// The team milestone before or after `from` on the timeline (any state).
pub fn step(
    milestones: &[Milestone],
    team: &TeamConfig,
    from: Option<MilestoneId>,
    delta: i32,
) -> Option<MilestoneId> {
    let list = team_milestones(milestones, team);
    if list.is_empty() {
        return None;
    }
    let idx = from.and_then(|id| list.iter().position(|m| m.id == id));
    let target = match idx {
        Some(i) => crate::core::domain::num::step(i, i64::from(delta), list.len())?,
        None if delta >= 0 => 0,
        None => list.len() - 1,
    };
    list.get(target).map(|m| m.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{milestone, team};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn current_contains_today_and_next_follows() {
        let ms = vec![
            milestone(
                1,
                "Datastores team - W43",
                Some("2025-10-20"),
                Some("2025-11-02"),
            ),
            milestone(
                2,
                "Datastores team - W45",
                Some("2025-11-03"),
                Some("2025-11-16"),
            ),
            milestone(
                3,
                "Datastores team - W47",
                Some("2025-11-17"),
                Some("2025-11-30"),
            ),
            milestone(
                4,
                "Other team - W45",
                Some("2025-11-03"),
                Some("2025-11-16"),
            ),
        ];
        let p = pick(&ms, &team(), d("2025-11-05"));
        assert_eq!(
            p,
            IterationPick {
                current: Some(2),
                next: Some(3),
                rule: CurrentRule::ContainsToday
            }
        );
        // Inclusive on both ends.
        assert_eq!(pick(&ms, &team(), d("2025-11-16")).current, Some(2));
        assert_eq!(pick(&ms, &team(), d("2025-11-17")).current, Some(3));
    }

    #[test]
    fn gap_uses_next_to_start_and_end_uses_latest() {
        let ms = vec![
            milestone(
                1,
                "Datastores team - W45",
                Some("2025-11-03"),
                Some("2025-11-16"),
            ),
            milestone(
                2,
                "Datastores team - W49",
                Some("2025-12-01"),
                Some("2025-12-14"),
            ),
        ];
        let p = pick(&ms, &team(), d("2025-11-20"));
        assert_eq!((p.current, p.rule), (Some(2), CurrentRule::NextToStart));
        let p = pick(&ms, &team(), d("2026-02-01"));
        assert_eq!(
            (p.current, p.next, p.rule),
            (Some(2), None, CurrentRule::LatestOpen)
        );
    }

    #[test]
    fn overlap_picks_the_latest_start() {
        let ms = vec![
            milestone(
                1,
                "Datastores team - A",
                Some("2025-11-01"),
                Some("2025-11-30"),
            ),
            milestone(
                2,
                "Datastores team - B",
                Some("2025-11-10"),
                Some("2025-11-20"),
            ),
        ];
        let p = pick(&ms, &team(), d("2025-11-12"));
        assert_eq!((p.current, p.rule), (Some(2), CurrentRule::Overlap(2)));
    }

    #[test]
    fn year_boundary_and_undated() {
        let ms = vec![
            milestone(
                1,
                "Datastores team - W51",
                Some("2025-12-15"),
                Some("2025-12-28"),
            ),
            milestone(
                2,
                "Datastores team - W01",
                Some("2025-12-29"),
                Some("2026-01-11"),
            ),
        ];
        let p = pick(&ms, &team(), d("2026-01-01"));
        assert_eq!((p.current, p.next), (Some(2), None));
        let p = pick(&ms, &team(), d("2025-12-20"));
        assert_eq!((p.current, p.next), (Some(1), Some(2)));
        let undated = vec![
            milestone(1, "Datastores team - b", None, None),
            milestone(2, "Datastores team - a", None, None),
        ];
        let p = pick(&undated, &team(), d("2025-12-20"));
        assert_eq!((p.current, p.rule), (Some(2), CurrentRule::Undated));
        assert_eq!(
            pick(&[], &team(), d("2025-12-20")).rule,
            CurrentRule::NoMilestone
        );
    }

    #[test]
    fn closed_milestones_are_never_current_but_can_be_stepped_to() {
        let mut ms = vec![
            milestone(
                1,
                "Datastores team - W43",
                Some("2025-10-20"),
                Some("2025-11-02"),
            ),
            milestone(
                2,
                "Datastores team - W45",
                Some("2025-11-03"),
                Some("2025-11-16"),
            ),
        ];
        ms[1].state = MilestoneState::Closed;
        let p = pick(&ms, &team(), d("2025-11-05"));
        assert_eq!(p.current, Some(1));
        assert_eq!(step(&ms, &team(), Some(1), 1), Some(2));
        assert_eq!(step(&ms, &team(), Some(2), 1), None);
        assert_eq!(step(&ms, &team(), Some(1), -1), None);
    }

    #[test]
    fn other_teams_milestones_in_the_group_are_ignored() {
        let t = team();
        let ms = vec![
            milestone(
                1,
                "Datastores team - W45",
                Some("2025-11-03"),
                Some("2025-11-16"),
            ),
            milestone(
                2,
                "Gitaly team - W45",
                Some("2025-11-01"),
                Some("2025-11-20"),
            ),
            milestone(
                3,
                "Datastores team - W47",
                Some("2025-11-17"),
                Some("2025-11-30"),
            ),
            milestone(4, "Release 18.6", Some("2025-11-10"), Some("2025-11-20")),
        ];
        let p = pick(&ms, &t, NaiveDate::from_ymd_opt(2025, 11, 12).unwrap());
        assert_eq!(
            (p.current, p.next, p.rule),
            (Some(1), Some(3), CurrentRule::ContainsToday)
        );
        assert_eq!(
            step(&ms, &t, Some(1), 1),
            Some(3),
            "stepping skips other teams"
        );
    }
}
