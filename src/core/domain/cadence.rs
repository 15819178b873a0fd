//! The fortnight's cadence: which iteration milestones should exist next,
//! continuing the team's own (length and weekday from its milestones,
//! titles from its pattern), and what stands in the way (a title GitLab
//! already has: milestone titles are unique in a group, closed ones
//! included). Pure: the milestones and today in, a plan out.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use crate::core::domain::model::{Milestone, TeamConfig};

/// A milestone to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewMilestone {
    pub title: String,
    pub start_date: NaiveDate,
    pub due_date: NaiveDate,
}

/// One iteration of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Slot {
    /// The team has it already.
    Exists {
        title: String,
        start_date: NaiveDate,
    },
    /// To create.
    Create(NewMilestone),
    /// Its title is taken by another milestone (last year's, another
    /// team's): nothing is created; `suggestion` is a pattern that avoids it.
    Collides {
        title: String,
        start_date: NaiveDate,
        taken_by: String,
        suggestion: String,
    },
}

impl Slot {
    pub fn start_date(&self) -> NaiveDate {
        match self {
            Slot::Exists { start_date, .. } | Slot::Collides { start_date, .. } => *start_date,
            Slot::Create(m) => m.start_date,
        }
    }
}

/// What the cadence asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CadencePlan {
    /// Days from one iteration's start to the next.
    pub length_days: i64,
    pub pattern: String,
    /// The iteration today is in, then the next `ahead`.
    pub slots: Vec<Slot>,
}

impl CadencePlan {
    pub fn to_create(&self) -> Vec<&NewMilestone> {
        self.slots
            .iter()
            .filter_map(|s| match s {
                Slot::Create(m) => Some(m),
                _ => None,
            })
            .collect()
    }

    pub fn collisions(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| matches!(s, Slot::Collides { .. }))
            .count()
    }
}

/// The team's dated milestones, by start date.
fn dated<'a>(milestones: &'a [Milestone], team: &TeamConfig) -> Vec<&'a Milestone> {
    let mut v: Vec<&Milestone> = milestones
        .iter()
        .filter(|m| team.is_team_milestone(m) && m.start_date.is_some())
        .collect();
    v.sort_by_key(|m| (m.start_date, m.id));
    v
}

/// The team's iteration length: the most common span of its dated
/// milestones (start to due, inclusive), two weeks when none says.
pub fn length_days(milestones: &[Milestone], team: &TeamConfig) -> i64 {
    let mut counts: std::collections::BTreeMap<i64, usize> = Default::default();
    for m in dated(milestones, team) {
        if let (Some(s), Some(d)) = (m.start_date, m.due_date) {
            let len = (d - s).num_days() + 1;
            if (1..=120).contains(&len) {
                *counts.entry(len).or_default() += 1;
            }
        }
    }
    // The most common; the longer one on a tie.
    counts
        .into_iter()
        .max_by_key(|(len, n)| (*n, *len))
        .map_or(14, |(len, _)| len)
}

/// A pattern's title for an iteration starting on `start`: `{week}` (ISO
/// week of the start, two digits), `{year}` (its ISO year), `{n}` (the
/// iteration's number).
pub fn title(pattern: &str, start: NaiveDate, n: Option<i64>) -> String {
    let w = start.iso_week();
    let mut t = pattern
        .replace("{week}", &format!("{:02}", w.week()))
        .replace("{year}", &w.year().to_string());
    if let Some(n) = n {
        t = t.replace("{n}", &n.to_string());
    }
    t
}

/// The `{n}` of a title made by `pattern`, when it has one (the text
/// before `{n}` must be plain).
pub fn number_in(pattern: &str, title: &str) -> Option<i64> {
    let (before, after) = pattern.split_once("{n}")?;
    if before.contains('{') {
        return None;
    }
    let rest = title.strip_prefix(before)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let tail = &rest[digits.len()..];
    if !tail.starts_with(after.split('{').next().unwrap_or("")) {
        return None;
    }
    digits.parse().ok()
}

/// A pattern that would avoid a taken title: one with the year in it.
fn suggestion(pattern: &str) -> String {
    if pattern.contains("{year}") {
        format!("{pattern} ({{n}})")
    } else {
        format!("{pattern} {{year}}")
    }
}

/// The iteration today is in and the `ahead` after it, continuing the
/// team's cadence from its latest dated milestone; what exists, what to
/// create, and which titles are taken.
pub fn plan(
    milestones: &[Milestone],
    team: &TeamConfig,
    pattern: &str,
    today: NaiveDate,
    ahead: u32,
) -> Result<CadencePlan, String> {
    let ms = dated(milestones, team);
    let Some((latest, base)) = ms.last().and_then(|m| Some((m, m.start_date?))) else {
        return Err(format!(
            "no dated milestone titled \"{}…\" to continue from: create the first iteration on GitLab (with start and due dates)",
            team.milestone_prefix
        ));
    };
    let len = length_days(milestones, team);
    // The start of the iteration today is in, on the team's cadence.
    let k0 = (today - base).num_days().div_euclid(len);
    let start0 = base + Duration::days(k0 * len);
    let base_n = if pattern.contains("{n}") {
        Some(number_in(pattern, &latest.title).ok_or_else(|| {
            format!(
                "cannot tell {{n}} from \"{}\" with milestone_title = \"{pattern}\"",
                latest.title
            )
        })?)
    } else {
        None
    };
    let mut slots = Vec::new();
    for k in 0..=i64::from(ahead) {
        let start = start0 + Duration::days(k * len);
        let due = start + Duration::days(len - 1);
        let has = ms.iter().find(|m| {
            m.start_date == Some(start)
                || m.start_date
                    .zip(m.due_date)
                    .is_some_and(|(s, d)| s <= start && start <= d)
        });
        if let Some(m) = has {
            slots.push(Slot::Exists {
                title: m.title.clone(),
                start_date: start,
            });
            continue;
        }
        let n = base_n.map(|n| n + (start - base).num_days() / len);
        let t = title(pattern, start, n);
        if let Some(taken) = milestones
            .iter()
            .find(|m| m.title == t && m.in_title_scope())
        {
            slots.push(Slot::Collides {
                title: t,
                start_date: start,
                taken_by: format!(
                    "{} milestone {}{}",
                    match taken.state {
                        crate::core::domain::model::MilestoneState::Active => "an open",
                        crate::core::domain::model::MilestoneState::Closed => "a closed",
                    },
                    taken.title,
                    taken
                        .start_date
                        .map(|d| format!(" (starting {d})"))
                        .unwrap_or_default()
                ),
                suggestion: suggestion(pattern),
            });
            continue;
        }
        slots.push(Slot::Create(NewMilestone {
            title: t,
            start_date: start,
            due_date: due,
        }));
    }
    Ok(CadencePlan {
        length_days: len,
        pattern: pattern.to_owned(),
        slots,
    })
}

/// The weekday iterations start on, for messages.
pub fn weekday_name(d: NaiveDate) -> &'static str {
    match d.weekday() {
        chrono::Weekday::Mon => "Monday",
        chrono::Weekday::Tue => "Tuesday",
        chrono::Weekday::Wed => "Wednesday",
        chrono::Weekday::Thu => "Thursday",
        chrono::Weekday::Fri => "Friday",
        chrono::Weekday::Sat => "Saturday",
        chrono::Weekday::Sun => "Sunday",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::model::MilestoneState;
    use crate::core::testing::team;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ms(id: u64, title: &str, start: &str, len: i64, state: MilestoneState) -> Milestone {
        Milestone {
            id,
            iid: id,
            title: title.into(),
            description: String::new(),
            start_date: Some(day(start)),
            due_date: Some(day(start) + Duration::days(len - 1)),
            state,
            web_url: String::new(),
            owner: None,
        }
    }

    fn pattern() -> String {
        crate::core::domain::model::default_pattern(&team().milestone_prefix)
    }

    fn titles(p: &CadencePlan) -> Vec<String> {
        p.slots
            .iter()
            .map(|s| match s {
                Slot::Exists { title, .. } => format!("= {title}"),
                Slot::Create(m) => format!("+ {} {}..{}", m.title, m.start_date, m.due_date),
                Slot::Collides { title, .. } => format!("! {title}"),
            })
            .collect()
    }

    #[test]
    fn the_next_three_iterations_across_the_year_boundary_week_53_then_w01() {
        let t = team();
        let m = vec![
            ms(
                1,
                "Datastores team - W49",
                "2026-11-30",
                14,
                MilestoneState::Active,
            ),
            ms(
                2,
                "Datastores team - W51",
                "2026-12-14",
                14,
                MilestoneState::Active,
            ),
        ];
        let p = plan(&m, &t, &pattern(), day("2026-12-02"), 3).unwrap();
        assert_eq!(
            titles(&p),
            vec![
                "= Datastores team - W49",
                "= Datastores team - W51",
                "+ Datastores team - W53 2026-12-28..2027-01-10",
                "+ Datastores team - W02 2027-01-11..2027-01-24",
            ]
        );
        // A year whose last ISO week is 52: the next is W01.
        let m = vec![ms(
            1,
            "Datastores team - W50",
            "2027-12-13",
            14,
            MilestoneState::Active,
        )];
        let p = plan(&m, &t, &pattern(), day("2027-12-14"), 2).unwrap();
        assert_eq!(
            titles(&p)[1..],
            [
                "+ Datastores team - W52 2027-12-27..2028-01-09",
                "+ Datastores team - W02 2028-01-10..2028-01-23",
            ]
        );
        assert_eq!(
            title(&pattern(), day("2029-12-31"), None),
            "Datastores team - W01"
        );
    }

    #[test]
    fn a_gap_is_filled_and_what_exists_is_left() {
        let t = team();
        let m = vec![
            ms(
                1,
                "Datastores team - W45",
                "2026-11-02",
                14,
                MilestoneState::Active,
            ),
            ms(
                3,
                "Datastores team - W49",
                "2026-11-30",
                14,
                MilestoneState::Active,
            ),
        ];
        // Today in W47, which nobody made: it is made too.
        let p = plan(&m, &t, &pattern(), day("2026-11-18"), 2).unwrap();
        assert_eq!(
            titles(&p),
            vec![
                "+ Datastores team - W47 2026-11-16..2026-11-29",
                "= Datastores team - W49",
                "+ Datastores team - W51 2026-12-14..2026-12-27",
            ]
        );
    }

    #[test]
    fn only_the_groups_and_its_direct_projects_milestones_take_a_title() {
        use crate::core::domain::model::MilestoneOwner;
        let t = team();
        let mut m = vec![ms(
            2,
            "Datastores team - W49",
            "2026-11-30",
            14,
            MilestoneState::Active,
        )];
        let mut taken = |owner: MilestoneOwner| {
            let mut x = ms(
                9,
                "Datastores team - W51",
                "2025-12-15",
                14,
                MilestoneState::Closed,
            );
            x.owner = Some(owner);
            m.truncate(1);
            m.push(x);
            let p = plan(&m, &t, &pattern(), day("2026-12-01"), 1).unwrap();
            matches!(p.slots[1], Slot::Collides { .. })
        };
        assert!(taken(MilestoneOwner::Group));
        assert!(taken(MilestoneOwner::Project {
            path: "gitlab-com/gl-infra/alpha".into(),
            direct: true
        }));
        // `Milestone#uniqueness_of_title` looks no further.
        assert!(!taken(MilestoneOwner::Ancestor("gitlab-com".into())));
        assert!(!taken(MilestoneOwner::Descendant(
            "gitlab-com/gl-infra/sub".into()
        )));
        assert!(!taken(MilestoneOwner::Project {
            path: "gitlab-com/gl-infra/sub/beta".into(),
            direct: false
        }));
    }

    #[test]
    fn a_title_taken_by_last_years_closed_milestone_is_reported_with_a_way_out() {
        let t = team();
        let m = vec![
            ms(
                1,
                "Datastores team - W51",
                "2025-12-15",
                14,
                MilestoneState::Closed,
            ),
            ms(
                2,
                "Datastores team - W49",
                "2026-11-30",
                14,
                MilestoneState::Active,
            ),
        ];
        let p = plan(&m, &t, &pattern(), day("2026-12-01"), 1).unwrap();
        let Slot::Collides {
            title,
            taken_by,
            suggestion,
            ..
        } = &p.slots[1]
        else {
            panic!("{:?}", p.slots);
        };
        assert_eq!(title, "Datastores team - W51");
        assert!(
            taken_by.contains("closed") && taken_by.contains("2025-12-15"),
            "{taken_by}"
        );
        assert_eq!(suggestion, "Datastores team - W{week} {year}");
        assert_eq!(
            super::title(suggestion, day("2026-12-14"), None),
            "Datastores team - W51 2026"
        );
        assert!(p.to_create().is_empty());
        assert_eq!(p.collisions(), 1);
    }

    #[test]
    fn a_team_starting_on_wednesdays_keeps_its_weekday_and_length() {
        let t = team();
        let m = vec![
            ms(
                1,
                "Datastores team - W48",
                "2026-11-25",
                7,
                MilestoneState::Active,
            ),
            ms(
                2,
                "Datastores team - W47",
                "2026-11-18",
                7,
                MilestoneState::Closed,
            ),
        ];
        let p = plan(&m, &t, &pattern(), day("2026-11-27"), 2).unwrap();
        assert_eq!(p.length_days, 7);
        for s in &p.slots {
            assert_eq!(weekday_name(s.start_date()), "Wednesday");
        }
        assert_eq!(
            titles(&p)[1..],
            [
                "+ Datastores team - W49 2026-12-02..2026-12-08",
                "+ Datastores team - W50 2026-12-09..2026-12-15",
            ]
        );
    }

    #[test]
    fn on_the_last_day_of_an_iteration_the_next_ones_follow_it() {
        let t = team();
        let m = vec![ms(
            1,
            "Datastores team - W49",
            "2026-11-30",
            14,
            MilestoneState::Active,
        )];
        let p = plan(&m, &t, &pattern(), day("2026-12-13"), 1).unwrap();
        assert_eq!(
            titles(&p),
            vec![
                "= Datastores team - W49",
                "+ Datastores team - W51 2026-12-14..2026-12-27"
            ]
        );
        // The day after, that one is today's.
        let p = plan(&m, &t, &pattern(), day("2026-12-14"), 0).unwrap();
        assert_eq!(
            titles(&p),
            vec!["+ Datastores team - W51 2026-12-14..2026-12-27"]
        );
    }

    #[test]
    fn numbered_iterations_count_on() {
        let t = team();
        let m = vec![ms(
            1,
            "Datastores team - Sprint 41",
            "2026-11-30",
            14,
            MilestoneState::Active,
        )];
        let pattern = "Datastores team - Sprint {n}";
        assert_eq!(number_in(pattern, "Datastores team - Sprint 41"), Some(41));
        let p = plan(&m, &t, pattern, day("2026-12-01"), 2).unwrap();
        assert_eq!(
            titles(&p)[1..],
            [
                "+ Datastores team - Sprint 42 2026-12-14..2026-12-27",
                "+ Datastores team - Sprint 43 2026-12-28..2027-01-10",
            ]
        );
        assert!(plan(&m, &t, "Datastores team - It {n}", day("2026-12-01"), 1).is_err());
    }

    #[test]
    fn no_milestone_to_continue_from_is_said() {
        let err = plan(&[], &team(), &pattern(), day("2026-12-01"), 3).unwrap_err();
        assert!(err.contains("create the first iteration"), "{err}");
    }
}
