//! Worlds to serve: a generated Datastores group of any size (for scale
//! tests and benchmarks), or one built from glboard's demo JSON.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde_json::Value;

use crate::{FIssue, FMilestone, FProject, FUser, Tier, World};

pub const GROUP: &str = "gitlab-com/gl-infra";
pub const TEAM: &str = "team::Datastores";
pub const SCOPE: &str = "workflow-infra";
pub const LANES: [&str; 7] = [
    "Triage",
    "Ready",
    "In Progress",
    "Under Review",
    "Blocked",
    "Done",
    "Cancelled",
];

/// Monday starting the 2-week iteration that contains `today` (iterations
/// start on odd ISO weeks).
pub fn iteration_start(today: NaiveDate) -> NaiveDate {
    let monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
    if monday.iso_week().week() % 2 == 1 {
        monday
    } else {
        monday - Duration::days(7)
    }
}

fn users() -> Vec<FUser> {
    [
        (4001001, "akovacs", "Anna Kovács"),
        (4001002, "bwright", "Ben Wright"),
        (4001003, "cnakamura", "Chie Nakamura"),
        (4001004, "dsilva", "Diego Silva"),
        (4001005, "eoconnor", "Erin O'Connor"),
        (4001006, "fhaddad", "Farid Haddad"),
        (4001007, "gpetrova", "Galina Petrova"),
    ]
    .into_iter()
    .map(|(id, u, n)| FUser {
        id,
        username: u.into(),
        name: n.into(),
    })
    .collect()
}

/// Six team milestones around `today`: one past (closed), one past (open),
/// current, next and two future ones.
pub fn milestones(today: NaiveDate) -> Vec<FMilestone> {
    let cur = iteration_start(today);
    (-2i64..4)
        .enumerate()
        .map(|(n, k)| {
            let start = cur + Duration::days(14 * k);
            FMilestone {
                id: 3_561_001 + n as u64,
                iid: 41 + n as u64,
                title: format!("Datastores team - W{:02}", start.iso_week().week()),
                description: "Iteration goals: see the planning issue.".into(),
                start_date: Some(start),
                due_date: Some(start + Duration::days(13)),
                state: if k == -2 {
                    "closed".into()
                } else {
                    "active".into()
                },
                lives: String::new(),
            }
        })
        .collect()
}

/// The handbook's two boards: the backlog (scoped to the team and Triage)
/// and the iteration board (a list per lane, in board order, with a WIP
/// limit on In Progress), as `GET /groups/:id/boards` gives them.
pub fn boards() -> Vec<crate::FBoard> {
    let list = |id: u64, lane: &str, position: i64, max: u32| crate::FList {
        id,
        label: format!("{SCOPE}::{lane}"),
        position,
        max_issue_count: max,
        ..Default::default()
    };
    vec![
        crate::FBoard {
            id: 1_688_503,
            name: "Datastores: iteration".into(),
            labels: vec![],
            milestone_id: None,
            lists: vec![
                list(1, "Ready", 0, 0),
                list(2, "In Progress", 1, 6),
                list(3, "Under Review", 2, 4),
                list(4, "Blocked", 3, 0),
                list(5, "Done", 4, 0),
                list(6, "Cancelled", 5, 0),
            ],
        },
        crate::FBoard {
            id: 1_688_504,
            name: "Datastores: backlog".into(),
            labels: vec![TEAM.into(), format!("{SCOPE}::Triage")],
            milestone_id: None,
            lists: vec![],
        },
    ]
}

/// A generated group: `n` team issues over `projects` projects, plus a few
/// issues of other teams that must never show.
pub fn datastores(n: usize, projects: usize, today: NaiveDate, token: &str) -> World {
    let mut w = World::new(GROUP, token);
    w.users = users();
    w.me = 4001004;
    w.projects = (0..projects.max(1))
        .map(|k| FProject {
            id: 7_000_000 + k as u64,
            path: format!("{GROUP}/project-{k:02}"),
            archived: false,
        })
        .collect();
    w.milestones = milestones(today);
    w.boards = boards();
    w.labels = LANES.iter().map(|l| format!("{SCOPE}::{l}")).collect();
    w.labels.extend([
        TEAM.to_owned(),
        "team::Other".into(),
        "priority::1".into(),
        "priority::2".into(),
    ]);
    let base: DateTime<Utc> = Utc.from_utc_datetime(
        &(today - Duration::days(60))
            .and_hms_opt(9, 0, 0)
            .expect("time"),
    );
    let words = [
        "Patroni",
        "PgBouncer",
        "replica",
        "lag",
        "Consul",
        "Gitaly",
        "Praefect",
        "WAL-G",
        "vacuum",
        "failover",
    ];
    for k in 0..n + n / 20 {
        let other_team = k >= n;
        let mut labels = BTreeSet::new();
        labels.insert(if other_team {
            "team::Other".to_owned()
        } else {
            TEAM.to_owned()
        });
        let (lane, milestone) = match k % 3 {
            0 => ("Triage", None),
            1 => (LANES[k % LANES.len()], Some(w.milestones[2].id)),
            _ => (LANES[1 + k % 4], Some(w.milestones[3].id)),
        };
        labels.insert(format!("{SCOPE}::{lane}"));
        if k % 5 == 0 {
            labels.insert(format!("priority::{}", k % 4 + 1));
        }
        let closed = matches!(lane, "Done" | "Cancelled") && k % 2 == 0;
        let t = base + Duration::minutes(k as i64 * 7);
        let project = &w.projects[k % w.projects.len()];
        let iid = 1 + (k / w.projects.len()) as u64;
        w.issues.push(FIssue {
            id: 170_000_000 + k as u64,
            iid,
            project_id: project.id,
            title: format!(
                "{} {} {} #{k}",
                words[k % 10],
                words[(k / 10) % 10],
                words[(k / 100) % 10]
            ),
            description: Some(format!(
                "## Problem\n\nGenerated issue {k}.\n\n- [ ] investigate\n- [ ] fix"
            )),
            state: if closed {
                "closed".into()
            } else {
                "opened".into()
            },
            labels,
            milestone_id: milestone,
            assignee_ids: if k % 4 == 0 {
                vec![]
            } else {
                vec![w.users[k % 7].id]
            },
            author_id: w.users[(k + 3) % 7].id,
            weight: [None, Some(1), Some(2), Some(3), Some(5), Some(8)]
                .get(k % 6)
                .copied()
                .flatten(),
            created_at: t,
            updated_at: t,
            closed_at: closed.then_some(t),
            relative_position: (k as i64) * 1024,
            time_spent_secs: 0,
            issue_type: "issue".into(),
            confidential: false,
            due_date: None,
            blocked: false,
        });
    }
    w.next_id = 171_000_000;
    w.tier = Tier::Premium;
    seed_merge_requests(&mut w);
    w
}

/// The team's merge requests (see [`crate::merge_requests::seed`]).
pub fn seed_merge_requests(w: &mut World) {
    let l = |lane: &str| format!("{SCOPE}::{lane}");
    crate::merge_requests::seed(
        w,
        &l("Under Review"),
        &l("In Progress"),
        &l("Done"),
        &l("Ready"),
    );
}

/// The world of glboard's demo file (`assets/demo.json`), its dates shifted
/// by whole iterations so that `today` is in its current iteration.
pub fn from_demo_json(src: &str, today: NaiveDate, token: &str) -> Result<World, String> {
    let v: Value = serde_json::from_str(src).map_err(|e| e.to_string())?;
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let date = |v: &Value| v.as_str().and_then(|d| d.parse::<NaiveDate>().ok());
    let time = |v: &Value| {
        v.as_str()
            .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
            .map(|d| d.with_timezone(&Utc))
    };
    let reference = date(&v["reference_day"]).ok_or("reference_day")?;
    let mut w = World::new(&s(&v["group"]), token);
    let ms = v["milestones"].as_array().ok_or("milestones")?;
    let cur_start = ms
        .iter()
        .filter_map(|m| Some((date(&m["start_date"])?, date(&m["due_date"])?)))
        .find(|(a, b)| *a <= reference && reference <= *b)
        .map_or(reference, |(a, _)| a);
    let shift = Duration::days((today - cur_start).num_days().div_euclid(14) * 14);
    let cap = Utc
        .from_utc_datetime(&today.and_hms_opt(23, 0, 0).expect("time"))
        .min(Utc::now());
    let at = |t: DateTime<Utc>| (t + shift).min(cap);
    w.users = v["members"]
        .as_array()
        .ok_or("members")?
        .iter()
        .map(|u| FUser {
            id: u["id"].as_u64().unwrap_or(0),
            username: s(&u["username"]),
            name: s(&u["name"]),
        })
        .collect();
    let uid = |name: &str, w: &World| w.users.iter().find(|u| u.username == name).map(|u| u.id);
    w.me = uid(&s(&v["me"]), &w).unwrap_or(0);
    w.projects = v["projects"]
        .as_array()
        .ok_or("projects")?
        .iter()
        .map(|p| FProject {
            id: p["id"].as_u64().unwrap_or(0),
            path: s(&p["path"]),
            archived: p["archived"].as_bool().unwrap_or(false),
        })
        .collect();
    let mut renames = Vec::new();
    w.milestones = ms
        .iter()
        .map(|m| {
            let start = date(&m["start_date"]).map(|d| d + shift);
            let old = s(&m["title"]);
            let title = match (old.rfind(" - W"), start) {
                (Some(i), Some(st)) => format!("{} - W{:02}", &old[..i], st.iso_week().week()),
                _ => old.clone(),
            };
            renames.push((old, title.clone()));
            FMilestone {
                id: m["id"].as_u64().unwrap_or(0),
                iid: m["iid"].as_u64().unwrap_or(0),
                title,
                description: s(&m["description"]),
                start_date: start,
                due_date: date(&m["due_date"]).map(|d| d + shift),
                state: s(&m["state"]),
                lives: String::new(),
            }
        })
        .collect();
    let mut labels: BTreeSet<String> = BTreeSet::new();
    for (n, i) in v["issues"].as_array().ok_or("issues")?.iter().enumerate() {
        let mut title = s(&i["title"]);
        if let Some((old, new)) = renames.iter().find(|(o, _)| title.starts_with(o.as_str())) {
            title = format!("{new}{}", &title[old.len()..]);
        }
        let issue_labels: BTreeSet<String> = i["labels"]
            .as_array()
            .into_iter()
            .flatten()
            .map(&s)
            .collect();
        labels.extend(issue_labels.iter().cloned());
        let created = time(&i["created_at"]).map(at).unwrap_or(cap);
        w.issues.push(FIssue {
            id: i["id"].as_u64().unwrap_or(0),
            iid: i["iid"].as_u64().unwrap_or(0),
            project_id: i["project_id"].as_u64().unwrap_or(0),
            title,
            description: i["description"].as_str().map(str::to_owned),
            state: s(&i["state"]),
            labels: issue_labels,
            milestone_id: i["milestone_id"].as_u64(),
            assignee_ids: i["assignees"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| uid(&s(a), &w))
                .collect(),
            author_id: uid(&s(&i["author"]), &w).unwrap_or(0),
            // GitLab keeps no weight on an incident (`supports_weight?`).
            weight: i["weight"]
                .as_u64()
                .map(|x| x as u32)
                .filter(|_| i["issue_type"].as_str() != Some("incident")),
            created_at: created,
            updated_at: time(&i["updated_at"]).map(at).unwrap_or(created),
            closed_at: time(&i["closed_at"]).map(at),
            relative_position: n as i64 * 1024,
            time_spent_secs: 0,
            issue_type: i["issue_type"].as_str().unwrap_or("issue").to_owned(),
            confidential: i["confidential"].as_bool().unwrap_or(false),
            due_date: date(&i["due_date"]).map(|d| d + shift),
            blocked: i["blocked"].as_bool().unwrap_or(false),
        });
    }
    w.labels = labels.into_iter().collect();
    w.boards = boards();
    w.next_id = w.issues.iter().map(|i| i.id).max().unwrap_or(0) + 1000;
    seed_milestone_history(&mut w);
    seed_merge_requests(&mut w);
    Ok(w)
}

/// Milestone history for the demo: every issue was added to its milestone
/// when created; some open issues of the current iteration were carried over
/// from the one or two before it (GitLab's resource milestone events).
pub fn seed_milestone_history(w: &mut crate::World) {
    let mut by_start: Vec<&crate::FMilestone> = w.milestones.iter().collect();
    by_start.sort_by_key(|m| m.start_date);
    let ids: Vec<u64> = by_start.iter().map(|m| m.id).collect();
    let mut events = Vec::new();
    let mut next = w.next_id;
    let mut push = |issue: u64, m: u64, action: &str, at: DateTime<Utc>| {
        next += 1;
        events.push(crate::FMilestoneEvent {
            id: next,
            issue_id: issue,
            milestone_id: m,
            action: action.into(),
            created_at: at,
        });
    };
    for i in &w.issues {
        let Some(m) = i.milestone_id else { continue };
        let pos = ids.iter().position(|x| *x == m).unwrap_or(0);
        let carried =
            if i.state == "opened" && !i.labels.contains("workflow-infra::Done") && pos >= 2 {
                match i.iid % 9 {
                    0 => 2,
                    3 | 6 => 1,
                    _ => 0,
                }
            } else {
                0
            };
        let mut at = i.created_at;
        for k in (1..=carried).rev() {
            let earlier = ids[pos - k];
            push(i.id, earlier, "add", at);
            at += Duration::days(14);
            push(i.id, earlier, "remove", at);
        }
        push(i.id, m, "add", at);
    }
    w.next_id = next + 1;
    w.milestone_events = events;
}

/// Another team planning in the same group (as several do in
/// gitlab-com/gl-infra): `n` active weekly milestones titled
/// `<prefix>W<week>` around `today` (`n` below 52), each holding one issue of
/// `team::Other` in its Ready lane: more milestones than the team's own
/// when `n` is large enough, none of them the team's.
pub fn another_team(w: &mut World, prefix: &str, n: usize, today: NaiveDate) {
    let monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
    let project = w.projects.first().map_or(0, |p| p.id);
    let first_iid = w
        .issues
        .iter()
        .filter(|i| i.project_id == project)
        .map(|i| i.iid)
        .max()
        .unwrap_or(0)
        + 1;
    let at = Utc.from_utc_datetime(&monday.and_hms_opt(9, 0, 0).expect("time"));
    for k in 0..n {
        let start = monday + Duration::days(7 * (k as i64 - (n as i64) / 2));
        w.next_id += 1;
        let milestone = w.next_id;
        w.milestones.push(FMilestone {
            id: milestone,
            iid: 900 + k as u64,
            title: format!("{prefix}W{:02}", start.iso_week().week()),
            description: "Another team's iteration.".into(),
            start_date: Some(start),
            due_date: Some(start + Duration::days(6)),
            state: "active".into(),
            lives: String::new(),
        });
        w.next_id += 1;
        w.issues.push(FIssue {
            id: w.next_id,
            iid: first_iid + k as u64,
            project_id: project,
            title: format!("{prefix}work {k}"),
            description: None,
            state: "opened".into(),
            labels: ["team::Other".to_owned(), format!("{SCOPE}::Ready")]
                .into_iter()
                .collect(),
            milestone_id: Some(milestone),
            assignee_ids: vec![],
            author_id: w.me,
            weight: None,
            created_at: at,
            updated_at: at,
            closed_at: None,
            relative_position: (k as i64 + 1) * 100_000,
            time_spent_secs: 0,
            issue_type: "issue".into(),
            confidential: false,
            due_date: None,
            blocked: false,
        });
    }
    if !w.labels.iter().any(|l| l == "team::Other") {
        w.labels.push("team::Other".into());
    }
}

/// Iteration history for a generated group (issue #29): four more finished
/// iterations before [`milestones`]' two (six in all, closed), part of the
/// backlog turned into their work, and resource events (milestone, label,
/// state) for the team's issues, as GitLab would have written them:
/// issues committed on the Friday before their iteration, added
/// mid-iteration, moved out mid-iteration, carried over on the last Friday,
/// closed in the iteration, reopened and closed again; some issues have no
/// events at all (older than GitLab's resource events). Deterministic, and
/// the group's issue count stays the same. Events are never after `today`
/// 00:00Z.
pub fn iteration_history(w: &mut World, today: NaiveDate) {
    let day = |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("time"));
    let cap = day(today);
    let cur = iteration_start(today);
    for k in -6i64..-2 {
        let start = cur + Duration::days(14 * k);
        w.milestones.push(FMilestone {
            id: 3_560_001 + (k + 6) as u64,
            iid: 37 + (k + 6) as u64,
            title: format!("Datastores team - W{:02}", start.iso_week().week()),
            description: "Iteration goals: see the planning issue.".into(),
            start_date: Some(start),
            due_date: Some(start + Duration::days(13)),
            state: "closed".into(),
            lives: String::new(),
        });
    }
    // The finished iterations, oldest first, then the current one.
    let mut ids: Vec<(u64, DateTime<Utc>)> = w
        .milestones
        .iter()
        .filter(|m| m.title.starts_with("Datastores team - W"))
        .filter_map(|m| Some((m.id, day(m.start_date?))))
        .filter(|(_, s)| *s <= day(cur))
        .collect();
    ids.sort_by_key(|(_, s)| *s);
    let Some(&(current, cur_start)) = ids.last() else {
        return;
    };
    let past: Vec<(u64, DateTime<Utc>)> = ids[..ids.len() - 1].to_vec();
    let lane = |l: &str| format!("{SCOPE}::{l}");
    let me = w.me;
    let mut ms_events: Vec<(u64, u64, &str, DateTime<Utc>)> = Vec::new();
    let mut label_events: Vec<(u64, String, &str, DateTime<Utc>)> = Vec::new();
    let mut state_events: Vec<(u64, bool, DateTime<Utc>)> = Vec::new();
    // The Friday before a window's start, 14:00Z: planning.
    let plan = |s: DateTime<Utc>| s - Duration::days(3) + Duration::hours(14);
    let mut backlog = 0usize;
    for n in 0..w.issues.len() {
        let i = &w.issues[n];
        if !i.labels.contains(TEAM) {
            continue;
        }
        let id = i.id;
        let c = (i.id % 1_000_000) as usize;
        if i.milestone_id.is_none() {
            // Every other backlog issue becomes a finished iteration's work.
            backlog += 1;
            if backlog % 2 == 1 || past.is_empty() {
                continue;
            }
            let b = backlog / 2;
            let j = b % past.len();
            let (m, s) = past[j];
            let e = s + Duration::days(14);
            let variant = b % 11;
            let created = s - Duration::days(10) + Duration::hours((b % 24) as i64);
            let mut labels: BTreeSet<String> = [TEAM.to_owned()].into_iter().collect();
            let mut milestone = Some(m);
            let mut closed_at = None;
            let mut last = created;
            let ev = |t: DateTime<Utc>, last: &mut DateTime<Utc>| {
                *last = (*last).max(t);
                t
            };
            if variant != 5 {
                label_events.push((id, TEAM.into(), "add", created));
                label_events.push((id, lane("Ready"), "add", created));
            }
            let doing = s + Duration::days((b % 4) as i64) + Duration::hours(10);
            let close =
                |t: DateTime<Utc>,
                 state_events: &mut Vec<(u64, bool, DateTime<Utc>)>,
                 label_events: &mut Vec<(u64, String, &str, DateTime<Utc>)>| {
                    state_events.push((id, true, t));
                    label_events.push((id, lane("In Progress"), "remove", t));
                    label_events.push((id, lane("Done"), "add", t));
                };
            match variant {
                // Committed and done.
                0..=4 | 8 => {
                    ms_events.push((id, m, "add", ev(plan(s), &mut last)));
                    label_events.push((id, lane("Ready"), "remove", doing));
                    label_events.push((id, lane("In Progress"), "add", doing));
                    let t = s + Duration::days(4 + (b % 8) as i64) + Duration::hours(11);
                    if variant == 8 {
                        // Closed, reopened, closed again.
                        let first = s + Duration::days(4) + Duration::hours(9);
                        close(first, &mut state_events, &mut label_events);
                        let again = s + Duration::days(6) + Duration::hours(9);
                        state_events.push((id, false, again));
                        label_events.push((id, lane("Done"), "remove", again));
                        label_events.push((id, lane("In Progress"), "add", again));
                        let end = s + Duration::days(9) + Duration::hours(16);
                        close(end, &mut state_events, &mut label_events);
                        closed_at = Some(ev(end, &mut last));
                    } else {
                        close(t, &mut state_events, &mut label_events);
                        closed_at = Some(ev(t, &mut last));
                    }
                    labels.insert(lane("Done"));
                }
                // No events at all: done, by its closed_at.
                5 => {
                    let t = s + Duration::days(5) + Duration::hours(15);
                    closed_at = Some(ev(t, &mut last));
                    labels.insert(lane("Done"));
                }
                // Added mid-iteration, then done.
                6 => {
                    ms_events.push((
                        id,
                        m,
                        "add",
                        ev(s + Duration::days(3) + Duration::hours(9), &mut last),
                    ));
                    let t = s + Duration::days(8) + Duration::hours(13);
                    close(t, &mut state_events, &mut label_events);
                    closed_at = Some(ev(t, &mut last));
                    labels.insert(lane("Done"));
                }
                // Moved out mid-iteration, back to the backlog.
                7 => {
                    ms_events.push((id, m, "add", plan(s)));
                    let t = ev(s + Duration::days(5) + Duration::hours(10), &mut last);
                    ms_events.push((id, m, "remove", t));
                    label_events.push((id, lane("Ready"), "remove", t));
                    label_events.push((id, lane("Triage"), "add", t));
                    milestone = None;
                    labels.insert(lane("Triage"));
                }
                // Carried over on the last Friday (or, left in it past its
                // end, on the Monday after), then done in the next
                // iteration (or still in progress in the current one).
                _ => {
                    ms_events.push((id, m, "add", plan(s)));
                    label_events.push((id, lane("Ready"), "remove", doing));
                    label_events.push((id, lane("In Progress"), "add", doing));
                    let moved = if variant == 10 {
                        e + Duration::hours(9)
                    } else {
                        e - Duration::days(3) + Duration::hours(15)
                    };
                    let friday = ev(moved.min(cap), &mut last);
                    let (next, next_start) =
                        past.get(j + 1).copied().unwrap_or((current, cur_start));
                    ms_events.push((id, m, "remove", friday));
                    ms_events.push((id, next, "add", friday));
                    milestone = Some(next);
                    let t = next_start + Duration::days(2) + Duration::hours(12);
                    if next == current {
                        labels.insert(lane("In Progress"));
                    } else {
                        close(t, &mut state_events, &mut label_events);
                        closed_at = Some(ev(t, &mut last));
                        labels.insert(lane("Done"));
                    }
                }
            }
            let i = &mut w.issues[n];
            i.labels = labels;
            i.milestone_id = milestone;
            i.created_at = created;
            i.updated_at = last.min(cap).max(created);
            i.closed_at = closed_at;
            i.state = if closed_at.is_some() {
                "closed"
            } else {
                "opened"
            }
            .into();
            continue;
        }
        // The current and next iterations' issues.
        let m = i.milestone_id.unwrap_or(0);
        let created = i.created_at;
        let closed = i.state == "closed";
        let lanes: Vec<String> = i
            .labels
            .iter()
            .filter(|l| l.starts_with(&format!("{SCOPE}::")))
            .cloned()
            .collect();
        let mut last = created;
        // Some have no events at all (GitLab before 13.x).
        if c.is_multiple_of(13) {
            continue;
        }
        label_events.push((id, TEAM.into(), "add", created));
        if m == current && c % 7 == 3 {
            // Added mid-iteration.
            let t = (cur_start + Duration::days(2) + Duration::hours(10)).min(cap);
            ms_events.push((id, m, "add", t));
            last = last.max(t);
        } else if m == current && !closed && c.is_multiple_of(5) && !past.is_empty() {
            // Carried over from the previous iteration on its last Friday.
            let (prev, prev_start) = past[past.len() - 1];
            ms_events.push((id, prev, "add", plan(prev_start).max(created)));
            let friday = cur_start - Duration::days(3) + Duration::hours(15);
            ms_events.push((id, prev, "remove", friday));
            ms_events.push((id, m, "add", friday));
            last = last.max(friday);
        } else {
            let s = w
                .milestones
                .iter()
                .find(|x| x.id == m)
                .and_then(|x| x.start_date)
                .map_or(created, day);
            ms_events.push((id, m, "add", plan(s).max(created).min(cap)));
        }
        for l in lanes {
            // How long a card sits in its lane: In Progress spread over
            // the last four weeks, the others since the card was created.
            let t = if l.ends_with("::In Progress") {
                let t = (cur_start - Duration::days(14)
                    + Duration::days((c % 20) as i64)
                    + Duration::hours(9))
                .min(cap)
                .max(created);
                label_events.push((id, lane("Ready"), "add", created));
                label_events.push((id, lane("Ready"), "remove", t));
                t
            } else {
                created
            };
            label_events.push((id, l, "add", t));
            last = last.max(t);
        }
        if closed {
            let t = (cur_start + Duration::days((c % 9) as i64) + Duration::hours(12)).min(cap);
            if c.is_multiple_of(11) {
                // Reopened and closed again.
                state_events.push((id, true, t - Duration::hours(30)));
                state_events.push((id, false, t - Duration::hours(6)));
            }
            state_events.push((id, true, t));
            let i = &mut w.issues[n];
            i.closed_at = Some(t);
            last = last.max(t);
        }
        let i = &mut w.issues[n];
        i.updated_at = i.updated_at.max(last.min(cap));
    }
    for (issue_id, milestone_id, action, created_at) in ms_events {
        let id = w.fresh_id();
        w.milestone_events.push(crate::FMilestoneEvent {
            id,
            issue_id,
            milestone_id,
            action: action.into(),
            created_at,
        });
    }
    for (issue_id, label, action, created_at) in label_events {
        let id = w.fresh_id();
        w.label_events.push(crate::FLabelEvent {
            id,
            issue_id,
            label,
            action: action.into(),
            user_id: me,
            created_at,
        });
    }
    for (issue_id, closed, created_at) in state_events {
        w.record_state(issue_id, closed, me, created_at);
    }
}
