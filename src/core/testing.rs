//! Small builders for unit tests of the core, and a board driven through
//! [`update`] for the workflow's tests: [`state`] (an iteration board
//! with six cards and a backlog one), [`keys`] to type, and the outbox
//! adapter's part played by [`saved`] and [`answered`].
//!
//! Test support only: compiled for the unit tests, never shipped (the
//! integration tests and benches build their own, in `tests/common` and
//! `benches/`).
#![cfg(test)]

use chrono::{NaiveDate, TimeZone, Utc};

use super::app::action::{Action, Effect, OutboxEvent, StoreUpdate};
use super::app::keymap;
use super::app::state::AppState;
use super::app::update::update;
use super::domain::board::BoardKind;
use super::domain::edit::Change;
use super::domain::model::*;

pub fn team() -> TeamConfig {
    crate::demo::datastores_team()
}

pub fn user(id: UserId, username: &str, name: &str) -> User {
    User {
        id,
        username: username.into(),
        name: name.into(),
    }
}

pub fn issue(id: IssueId, iid: u64, labels: &[&str]) -> Issue {
    let t = Utc.with_ymd_and_hms(2025, 11, 1, 12, 0, 0).unwrap();
    Issue {
        id,
        iid,
        project_id: 1,
        title: format!("Issue {iid}"),
        description: String::new(),
        state: IssueState::Opened,
        labels: labels.iter().map(|s| s.to_string()).collect(),
        milestone_id: None,
        assignees: Vec::new(),
        author: None,
        weight: None,
        created_at: t,
        updated_at: t,
        closed_at: None,
        web_url: format!("https://gitlab.example.com/grp/alpha/-/issues/{iid}"),
        position: id as i64,
        marks: Default::default(),
        raw_description: None,
    }
}

pub fn milestone(
    id: MilestoneId,
    title: &str,
    start: Option<&str>,
    due: Option<&str>,
) -> Milestone {
    Milestone {
        id,
        iid: id,
        title: title.into(),
        description: String::new(),
        start_date: start.map(|s| s.parse::<NaiveDate>().unwrap()),
        due_date: due.map(|s| s.parse::<NaiveDate>().unwrap()),
        state: MilestoneState::Active,
        web_url: String::new(),
        owner: None,
    }
}

pub fn workspace(issues: Vec<Issue>) -> Workspace {
    Workspace {
        name: "test".into(),
        host: "https://gitlab.example.com".into(),
        group: "grp".into(),
        issues,
        milestones: vec![
            milestone(
                1,
                "Datastores team - W45",
                Some("2025-11-03"),
                Some("2025-11-16"),
            ),
            milestone(
                2,
                "Datastores team - W47",
                Some("2025-11-17"),
                Some("2025-11-30"),
            ),
        ],
        members: vec![user(7, "zoe", "Zoë Müller")],
        projects: vec![
            Project {
                id: 1,
                path: "grp/alpha".into(),
            },
            Project {
                id: 2,
                path: "grp/beta".into(),
            },
        ],
        me: None,
        is_demo: false,
        free_tier: false,
        history: Default::default(),
        events: Default::default(),
        merge_requests: Vec::new(),
    }
}

/// The iteration board of W45: issues 1-6 alternate Ready and In Progress,
/// issue 50 waits in the backlog's Triage; you are zoe, sync is on.
pub fn state() -> AppState {
    let mut issues = Vec::new();
    for n in 0..6u64 {
        let lane = ["Ready", "In Progress"][(n % 2) as usize];
        let mut i = issue(
            n + 1,
            100 + n,
            &["team::Datastores", &format!("workflow-infra::{lane}")],
        );
        i.milestone_id = Some(1);
        i.position = n as i64 * 1024;
        issues.push(i);
    }
    let mut b = issue(50, 150, &["team::Datastores", "workflow-infra::Triage"]);
    b.position = 99_000;
    issues.push(b);
    let mut ws = workspace(issues);
    ws.me = Some(user(7, "zoe", "Zoë Müller"));
    let mut s = AppState::new(
        ws,
        team(),
        NaiveDate::from_ymd_opt(2025, 11, 5).unwrap(),
        BoardKind::Iteration,
    );
    s.session.sync.enabled = true;
    update(
        &mut s,
        Action::Resize {
            width: 160,
            height: 40,
        },
    );
    s
}

/// Type a key sequence (`keymap::parse_sequence` notation); the effects.
pub fn keys(s: &mut AppState, ks: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for k in keymap::parse_sequence(ks).unwrap_or_default() {
        fx.extend(update(s, Action::Key(k)));
    }
    fx
}

/// The changes handed to the outbox in `fx`.
pub fn enqueued(fx: &[Effect]) -> Vec<&Change> {
    fx.iter()
        .flat_map(|e| match e {
            Effect::Enqueue { changes, .. } => changes.iter().collect(),
            Effect::Retry { change, .. } => vec![&**change],
            _ => Vec::new(),
        })
        .collect()
}

/// The outbox adapter: what was enqueued is written down, with ids.
pub fn saved(s: &mut AppState, fx: &[Effect]) -> Vec<Change> {
    let mut out = Vec::new();
    for e in fx {
        let (local, changes) = match e {
            Effect::Enqueue { local, changes } => (*local, changes.clone()),
            Effect::Retry { local, change, .. } => (*local, vec![(**change).clone()]),
            _ => continue,
        };
        let first = 1000 + 100 * local;
        let ids: Vec<u64> = (0..changes.len() as u64).map(|n| first + n).collect();
        update(
            s,
            Action::Outbox(OutboxEvent::Saved {
                local,
                ids: ids.clone(),
            }),
        );
        for (mut c, id) in changes.into_iter().zip(ids) {
            c.id = id;
            c.action = first;
            out.push(c);
        }
    }
    out
}

/// The cache after the sender: `sent` applied (with GitLab's issue
/// when given), `refused` refused.
pub fn answered(
    s: &mut AppState,
    sent: &[(u64, Option<Issue>)],
    refused: &[(u64, &str, Option<Issue>)],
) {
    let done: Vec<u64> = sent
        .iter()
        .map(|(id, _)| *id)
        .chain(refused.iter().map(|(id, _, _)| *id))
        .collect();
    let queued: Vec<Change> = s
        .changes
        .pending
        .iter()
        .filter(|c| !done.contains(&c.id))
        .cloned()
        .collect();
    let mut failed: Vec<(Change, String)> = s
        .changes
        .problems
        .iter()
        .map(|p| (p.change.clone(), p.reason.clone()))
        .collect();
    let mut upsert = Vec::new();
    let mut sent_list = Vec::new();
    for (id, issue) in sent {
        let c = s
            .changes
            .pending
            .iter()
            .find(|c| c.id == *id)
            .unwrap()
            .clone();
        sent_list.push((c, issue.as_ref().map(|i| i.id)));
        upsert.extend(issue.clone());
    }
    for (id, reason, issue) in refused {
        let c = s
            .changes
            .pending
            .iter()
            .find(|c| c.id == *id)
            .unwrap()
            .clone();
        failed.push((c, reason.to_string()));
        upsert.extend(issue.clone());
    }
    update(
        s,
        Action::Store(Box::new(StoreUpdate {
            upsert,
            queued,
            failed,
            sent: sent_list,
            ..StoreUpdate::default()
        })),
    );
}

/// The selected card.
pub fn sel(s: &AppState) -> &Issue {
    s.selected_issue().unwrap()
}

/// The selected column's title.
pub fn col_title(s: &AppState) -> &str {
    &s.board.layout.columns[s.board.view().col].title
}
