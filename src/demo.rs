//! The bundled demo workspace (`assets/demo.json`), shifted to today so it
//! always has a current iteration, and synthetic workspaces of any size for
//! benchmarks. Reads no files at run time: the JSON is compiled in.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;

use crate::core::domain::model::{
    Issue, IssueState, Milestone, MilestoneState, Project, TeamConfig, User, Workspace,
};
use crate::core::domain::{num, sanitize};

const DEMO_JSON: &str = include_str!("../assets/demo.json");

#[derive(Deserialize)]
struct DemoFile {
    reference_day: NaiveDate,
    host: String,
    group: String,
    team: TeamConfig,
    me: String,
    members: Vec<User>,
    projects: Vec<Project>,
    milestones: Vec<DemoMilestone>,
    issues: Vec<DemoIssue>,
}

#[derive(Deserialize)]
struct DemoMilestone {
    id: u64,
    iid: u64,
    title: String,
    start_date: NaiveDate,
    due_date: NaiveDate,
    state: MilestoneState,
    description: String,
}

#[derive(Deserialize)]
struct DemoIssue {
    id: u64,
    iid: u64,
    project_id: u64,
    title: String,
    description: String,
    state: IssueState,
    labels: Vec<String>,
    milestone_id: Option<u64>,
    assignees: Vec<String>,
    author: String,
    weight: Option<u32>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    issue_type: Option<String>,
    #[serde(default)]
    confidential: bool,
    #[serde(default)]
    due_date: Option<NaiveDate>,
    #[serde(default)]
    blocked: bool,
}

/// The demo's dates move by whole iterations (14 days), so milestones keep
/// their weekdays and the one that held the reference day holds `today`.
fn shift_days(reference_current_start: NaiveDate, today: NaiveDate) -> i64 {
    (today - reference_current_start).num_days().div_euclid(14) * 14
}

/// 23:59: no demo time is later than this on `today`.
const END_OF_DAY: NaiveTime = match NaiveTime::from_hms_opt(23, 59, 0) {
    Some(t) => t,
    // A constant: an invalid time would fail the build, never a run.
    None => panic!("23:59:00 is a time"),
};

/// The demo workspace and its team configuration, with dates moved so that
/// `today` falls in the demo's current iteration. Fails only when the
/// bundled `assets/demo.json` does not parse (a test reads it).
pub fn load(today: NaiveDate) -> Result<(Workspace, TeamConfig), serde_json::Error> {
    let file: DemoFile = serde_json::from_str(DEMO_JSON)?;
    let current_start = file
        .milestones
        .iter()
        .filter(|m| m.start_date <= file.reference_day && file.reference_day <= m.due_date)
        .map(|m| m.start_date)
        .next()
        .unwrap_or(file.reference_day);
    let shift = Duration::days(shift_days(current_start, today));
    let now_cap = today.and_time(END_OF_DAY).and_utc();
    let at = |t: DateTime<Utc>| (t + shift).min(now_cap);

    let members: Vec<User> = file
        .members
        .into_iter()
        .map(|u| User {
            id: u.id,
            username: sanitize::line(&u.username),
            name: sanitize::line(&u.name),
        })
        .collect();
    let by_name: HashMap<&str, &User> = members.iter().map(|u| (u.username.as_str(), u)).collect();
    let user = |name: &str| by_name.get(name).map(|u| (*u).clone());

    let host = file.host.trim_end_matches('/').to_owned();
    let mut renamed: Vec<(String, String)> = Vec::new();
    let milestones: Vec<Milestone> = file
        .milestones
        .into_iter()
        .map(|m| {
            let start = m.start_date + shift;
            // Titles follow the ISO week of the (shifted) start, like the team's.
            let title = match m.title.rfind(" - W") {
                Some(i) => format!("{} - W{:02}", &m.title[..i], start.iso_week().week()),
                None => m.title.clone(),
            };
            renamed.push((m.title.clone(), title.clone()));
            Milestone {
                id: m.id,
                iid: m.iid,
                title: sanitize::line(&title),
                description: sanitize::text(&m.description),
                start_date: Some(start),
                due_date: Some(m.due_date + shift),
                state: m.state,
                web_url: format!("{host}/groups/{}/-/milestones/{}", file.group, m.iid),
                owner: Some(crate::core::domain::model::MilestoneOwner::Group),
            }
        })
        .collect();
    let paths: HashMap<u64, &str> = file
        .projects
        .iter()
        .map(|p| (p.id, p.path.as_str()))
        .collect();
    let issues: Vec<Issue> = file
        .issues
        .into_iter()
        .enumerate()
        .map(|(pos, i)| Issue {
            id: i.id,
            iid: i.iid,
            project_id: i.project_id,
            web_url: format!(
                "{host}/{}/-/issues/{}",
                paths.get(&i.project_id).unwrap_or(&"unknown"),
                i.iid
            ),
            // "Datastores team - W45 Iteration Planning" follows its milestone.
            title: sanitize::line(&match renamed
                .iter()
                .find(|(old, _)| i.title.starts_with(old.as_str()))
            {
                Some((old, new)) => format!("{new}{}", &i.title[old.len()..]),
                None => i.title,
            }),
            description: sanitize::text(&i.description),
            state: i.state,
            labels: i.labels.iter().map(|l| sanitize::line(l)).collect(),
            milestone_id: i.milestone_id,
            assignees: i.assignees.iter().filter_map(|a| user(a)).collect(),
            author: user(&i.author),
            weight: i.weight,
            created_at: at(i.created_at),
            updated_at: at(i.updated_at),
            closed_at: i.closed_at.map(at),
            // The file lists issues in the team's manual board order.
            position: num::signed(pos).saturating_mul(1000),
            raw_description: None,
            marks: crate::core::domain::model::Marks {
                confidential: i.confidential,
                incident: i.issue_type.as_deref() == Some("incident"),
                due_date: i.due_date.map(|d| d + shift),
                blocked: i.blocked,
            },
        })
        .collect();
    let me = user(&file.me);
    // Milestone history, as `fake-gitlab` seeds it: some open issues of
    // the current iteration were carried over from the one or two before.
    let mut by_start: Vec<&Milestone> = milestones.iter().collect();
    by_start.sort_by_key(|m| m.start_date);
    let order: Vec<u64> = by_start.iter().map(|m| m.id).collect();
    let done = file.team.lane_label(&file.team.done_lane);
    let mut history = HashMap::new();
    for i in &issues {
        let Some(m) = i.milestone_id else { continue };
        let pos = order.iter().position(|x| *x == m).unwrap_or(0);
        let carried = if i.is_open() && !i.has_label(&done) && pos >= 2 {
            match i.iid % 9 {
                0 => 2,
                3 | 6 => 1,
                _ => 0,
            }
        } else {
            0
        };
        let mut list: Vec<u64> = (1..=carried).rev().map(|k| order[pos - k]).collect();
        list.push(m);
        history.insert(i.id, list);
    }
    let ws = Workspace {
        history,
        name: format!("demo · {}", file.group),
        host,
        group: file.group,
        issues,
        milestones,
        members,
        projects: file.projects,
        me,
        is_demo: true,
        free_tier: false,
        events: Default::default(),
        merge_requests: Vec::new(),
    };
    Ok((ws, file.team))
}

/// The Datastores team's configuration, as the demo and `fake-gitlab`'s
/// generated groups use it (for tests and benchmarks).
pub fn datastores_team() -> TeamConfig {
    TeamConfig {
        team_label: "team::Datastores".into(),
        workflow_scope: "workflow-infra".into(),
        lanes: [
            "Triage",
            "Ready",
            "In Progress",
            "Under Review",
            "Blocked",
            "Done",
            "Cancelled",
        ]
        .map(String::from)
        .to_vec(),
        backlog_lane: "Triage".into(),
        ready_lane: "Ready".into(),
        doing_lane: "In Progress".into(),
        done_lane: "Done".into(),
        milestone_prefix: "Datastores team - ".into(),
        wip: Default::default(),
        wip_weight: Default::default(),
        capacity: Default::default(),
        planning_title: "Iteration Planning".into(),
        replan_skip_lanes: vec!["Cancelled".into()],
        absences: Vec::new(),
        milestone_title: String::new(),
        aging: [("In Progress".to_owned(), 10)].into_iter().collect(),
    }
}

/// A synthetic workspace of `n` team issues for benchmarks: a third in the
/// backlog, the rest spread over the lanes of the current iteration (which
/// contains `today`) and the next.
pub fn synthetic(n: usize, today: NaiveDate) -> Result<(Workspace, TeamConfig), serde_json::Error> {
    let (demo, team) = load(today)?;
    let lanes = team.lanes.clone();
    let current = crate::core::domain::iteration::pick(&demo.milestones, &team, today);
    let targets = [current.current, current.next];
    let words = [
        "Upgrade",
        "Patroni",
        "PgBouncer",
        "replica",
        "lag",
        "Consul",
        "Gitaly",
        "Praefect",
        "WAL-G",
        "backup",
        "vacuum",
        "bloat",
        "failover",
        "runbook",
        "alert",
        "capacity",
        "logical",
        "replication",
    ];
    let issues = (0..n)
        .map(|k| {
            let template = &demo.issues[k % demo.issues.len()];
            let mut labels = vec![team.team_label.clone()];
            let milestone_id = if k % 3 == 0 {
                labels.push(team.lane_label(&team.backlog_lane));
                None
            } else {
                labels.push(team.lane_label(&lanes[k % lanes.len()]));
                targets[k % 2]
            };
            if k % 5 == 0 {
                labels.push(format!("priority::{}", k % 4 + 1));
            }
            labels.sort();
            let title = (0..8)
                .map(|w| words[(k * 7 + w * 3) % words.len()])
                .collect::<Vec<_>>()
                .join(" ");
            Issue {
                id: 500_000 + k as u64,
                iid: 10_000 + k as u64,
                title: format!("{title} {k}"),
                labels,
                milestone_id,
                weight: [None, Some(1), Some(2), Some(3), Some(5), Some(8)][k % 6],
                state: if k % 11 == 0 {
                    IssueState::Closed
                } else {
                    IssueState::Opened
                },
                position: num::signed(k),
                ..template.clone()
            }
        })
        .collect();
    Ok((
        Workspace {
            issues,
            name: format!("synthetic · {n} issues"),
            is_demo: false,
            free_tier: false,
            ..demo
        },
        team,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::board::{self, BoardKind, BoardSpec, SortMode};
    use crate::core::domain::iteration;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_demo_has_what_the_brief_promises() {
        let (ws, team) = load(day("2025-11-05")).unwrap();
        assert!(ws.issues.len() >= 80, "{} issues", ws.issues.len());
        assert_eq!(ws.milestones.len(), 6);
        assert_eq!(ws.members.len(), 7);
        assert!(ws.me.is_some());
        let lanes: std::collections::HashSet<&str> =
            ws.issues.iter().flat_map(|i| team.lanes_of(i)).collect();
        for lane in &team.lanes {
            assert!(lanes.contains(lane.as_str()), "no issue in lane {lane}");
        }
        let flags: Vec<_> = ws.issues.iter().map(|i| board::flags(&team, i)).collect();
        assert!(flags.iter().any(|f| f.no_lane));
        assert!(flags.iter().any(|f| f.multi_lane));
        assert!(ws.issues.iter().any(|i| {
            i.title.chars().any(|c| {
                ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3040}'..='\u{30ff}').contains(&c)
            })
        }));
        assert!(
            ws.issues
                .iter()
                .any(|i| i.title.chars().any(|c| c as u32 >= 0x1F300))
        );
        assert!(ws.issues.iter().any(|i| i.title.chars().count() > 100));
        assert!(
            !board::ambiguous_iids(&ws).is_empty(),
            "some iid is shared by two projects"
        );
    }

    #[test]
    fn every_demo_issue_shows_on_some_board() {
        let (ws, team) = load(day("2025-11-05")).unwrap();
        let mut shown = std::collections::HashSet::new();
        let spec = |kind, milestone| BoardSpec {
            kind,
            team: &team,
            milestone,
            filter: "",
            sort: SortMode::Manual,
        };
        for c in board::layout(&ws, spec(BoardKind::Backlog, None)).columns {
            shown.extend(c.cards.iter().map(|k| k.id));
        }
        for m in &ws.milestones {
            for c in board::layout(&ws, spec(BoardKind::Iteration, Some(m.id))).columns {
                shown.extend(c.cards.iter().map(|k| k.id));
            }
        }
        let lost: Vec<_> = ws
            .issues
            .iter()
            .filter(|i| !shown.contains(&i.id))
            .filter(|i| i.is_open() || i.milestone_id.is_some())
            .map(|i| i.iid)
            .collect();
        assert!(lost.is_empty(), "issues on no board: {lost:?}");
    }

    #[test]
    fn dates_shift_by_whole_iterations_so_today_is_always_in_the_current_one() {
        let (reference, team) = load(day("2025-11-05")).unwrap();
        let ref_pick = iteration::pick(&reference.milestones, &team, day("2025-11-05"));
        for today in [
            "2025-11-03",
            "2025-11-16",
            "2026-02-28",
            "2026-11-25",
            "2031-07-01",
            "2024-01-01",
        ] {
            let today = day(today);
            let (ws, team) = load(today).unwrap();
            let pick = iteration::pick(&ws.milestones, &team, today);
            assert_eq!(pick.rule, iteration::CurrentRule::ContainsToday, "{today}");
            assert_eq!(pick.current, ref_pick.current, "{today}");
            let m = ws.milestone(pick.current.unwrap()).unwrap();
            assert_eq!(m.start_date.unwrap().weekday(), chrono::Weekday::Mon);
            let week = m.start_date.unwrap().iso_week().week();
            assert!(
                m.title.ends_with(&format!("W{week:02}")),
                "{} for {today}",
                m.title
            );
            let latest = ws
                .issues
                .iter()
                .map(|i| i.updated_at.date_naive())
                .max()
                .unwrap();
            assert!(latest <= today, "no issue is updated in the future");
        }
    }

    #[test]
    fn synthetic_workspaces_have_the_asked_size() {
        let (ws, team) = synthetic(5000, day("2025-11-05")).unwrap();
        assert_eq!(ws.issues.len(), 5000);
        let pick = iteration::pick(&ws.milestones, &team, day("2025-11-05"));
        let layout = board::layout(
            &ws,
            BoardSpec {
                kind: BoardKind::Iteration,
                team: &team,
                milestone: pick.current,
                filter: "",
                sort: SortMode::Manual,
            },
        );
        assert!(layout.card_count() > 1000);
    }
}
