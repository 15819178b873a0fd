//! GitLab's resource events for iteration insights (issue #29): the three
//! lists of an issue (`resource_milestone_events`, `resource_state_events`,
//! `resource_label_events`), read every page, kept in the cache per issue
//! and kind, and read again only when needed:
//! - an issue whose events were never read is read;
//! - one whose `updated_at` has not moved since is never read again (an
//!   edit writes an event and bumps `updated_at`);
//! - one whose events were read after `settled` (the end of the newest
//!   finished iteration asked about, plus a margin for clocks) is never
//!   read again either: later events change nothing in a finished window.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Deserialize;

use crate::core::domain::events::{IssueEvents, LabelEvent, MilestoneEvent, StateEvent};
use crate::core::domain::insights;
use crate::core::domain::model::{Issue, IssueId, Milestone, MilestoneId, TeamConfig, Workspace};
use crate::gitlab::{CONCURRENT_PAGES, Client, GitlabError};
use crate::store::{EventsRow, Store, StoreError};

/// A margin for the clocks of GitLab and this machine: events read this
/// long after a window ended hold everything of the window.
pub const SETTLE_MARGIN: chrono::Duration = chrono::Duration::minutes(10);

/// Which of an issue's event lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Milestone,
    State,
    Label,
}

impl Kind {
    /// The kind's name in the cache.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Milestone => "milestone",
            Kind::State => "state",
            Kind::Label => "label",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Kind::Milestone => "resource_milestone_events",
            Kind::State => "resource_state_events",
            Kind::Label => "resource_label_events",
        }
    }
}

#[derive(Debug, Deserialize)]
struct ApiRef {
    #[serde(default)]
    id: u64,
    #[serde(default)]
    name: String,
}

/// One event of any of the three lists (the fields each has).
#[derive(Debug, Deserialize)]
struct ApiEvent {
    id: u64,
    created_at: DateTime<Utc>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    milestone: Option<ApiRef>,
    #[serde(default)]
    label: Option<ApiRef>,
}

/// An issue's events of `kind`, every page, oldest first, as the core's
/// events (JSON, as the cache keeps them).
pub async fn read(
    client: &Client,
    kind: Kind,
    project: u64,
    iid: u64,
) -> Result<String, GitlabError> {
    let path = format!("/projects/{project}/issues/{iid}/{}", kind.path());
    let mut events: Vec<ApiEvent> = client
        .get_all(&path, &[], |e: &ApiEvent| e.id, &|_, _| {})
        .await?;
    events.sort_by_key(|e| (e.created_at, e.id));
    let added = |e: &ApiEvent| e.action.as_deref() == Some("add");
    let json = match kind {
        Kind::Milestone => serde_json::to_string(
            &events
                .iter()
                .map(|e| MilestoneEvent {
                    at: e.created_at,
                    milestone: e.milestone.as_ref().map(|m| m.id),
                    added: added(e),
                })
                .collect::<Vec<_>>(),
        ),
        Kind::State => serde_json::to_string(
            &events
                .iter()
                .filter_map(|e| match e.state.as_deref() {
                    Some("closed") => Some(StateEvent {
                        at: e.created_at,
                        closed: true,
                    }),
                    Some("reopened") => Some(StateEvent {
                        at: e.created_at,
                        closed: false,
                    }),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        Kind::Label => serde_json::to_string(
            &events
                .iter()
                .filter_map(|e| {
                    Some(LabelEvent {
                        at: e.created_at,
                        label: crate::core::domain::sanitize::line(&e.label.as_ref()?.name),
                        added: added(e),
                    })
                })
                .collect::<Vec<_>>(),
        ),
    };
    json.map_err(|e| GitlabError::Malformed {
        what: kind.path().into(),
        detail: e.to_string(),
    })
}

/// Whether an issue's events must be read (again): never read, or its
/// `updated_at` moved since and they were read before `settled` (`None`:
/// an iteration still running is asked about).
pub fn stale(row: Option<&EventsRow>, issue: &Issue, settled: Option<DateTime<Utc>>) -> bool {
    match row {
        None => true,
        Some(r) => r.updated_at < issue.updated_at && settled.is_none_or(|s| r.read_at < s),
    }
}

/// What a refresh did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Refreshed {
    /// Issues whose events were read.
    pub read: usize,
    /// A failure that stopped it (GitLab away, failing, rate-limited):
    /// the events read before it are kept.
    pub failed: Option<String>,
    /// Issues still without events (never read) after it.
    pub missing: usize,
    /// Issues that needed it were left for another round (a limit).
    pub more: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Read the `kind` events of the `issues` that need it (see [`stale`]),
/// [`CONCURRENT_PAGES`] issues at a time, and keep them. An issue GitLab
/// will not show (404, 403) counts as read, with no events.
pub async fn refresh(
    client: &Client,
    store: &Store,
    kind: Kind,
    issues: &[&Issue],
    settled: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Refreshed, EventsError> {
    refresh_at_most(client, store, kind, issues, settled, now, usize::MAX).await
}

/// [`refresh`], reading at most `limit` issues (the rest: `more`).
pub async fn refresh_at_most(
    client: &Client,
    store: &Store,
    kind: Kind,
    issues: &[&Issue],
    settled: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Refreshed, EventsError> {
    let rows = store.issue_events(kind.name())?;
    let all: Vec<&Issue> = issues
        .iter()
        .copied()
        .filter(|i| stale(rows.get(&i.id), i, settled))
        .collect();
    let mut out = Refreshed {
        more: all.len() > limit,
        ..Refreshed::default()
    };
    let todo: &[&Issue] = &all[..all.len().min(limit)];
    if todo.is_empty() {
        return Ok(out);
    }
    // Owned values in the stream: its futures stay Send for a spawned task.
    let owned: Vec<(IssueId, DateTime<Utc>, u64, u64)> = todo
        .iter()
        .map(|i| (i.id, i.updated_at, i.project_id, i.iid))
        .collect();
    let mut results = futures_util::stream::iter(owned.into_iter().map(
        |(id, updated_at, project, iid)| async move {
            (id, updated_at, read(client, kind, project, iid).await)
        },
    ))
    .buffer_unordered(CONCURRENT_PAGES);
    let mut done: Vec<(IssueId, EventsRow)> = Vec::new();
    while let Some((id, updated_at, r)) = results.next().await {
        let events = match r {
            Ok(json) => json,
            Err(e) if e.is_transient() || matches!(e, GitlabError::Unauthorized) => {
                out.failed = Some(e.to_string());
                break;
            }
            Err(e) => {
                tracing::debug!(error = %e, issue = id, kind = kind.name(), "no events");
                "[]".to_owned()
            }
        };
        done.push((
            id,
            EventsRow {
                events,
                updated_at,
                read_at: now,
            },
        ));
    }
    drop(results);
    store.save_issue_events(kind.name(), &done)?;
    out.read = done.len();
    out.missing = all
        .iter()
        .filter(|i| !rows.contains_key(&i.id) && !done.iter().any(|(d, _)| *d == i.id))
        .count();
    Ok(out)
}

/// Every issue's cached events (the kinds asked for), for the core.
pub fn load(store: &Store, kinds: &[Kind]) -> Result<HashMap<IssueId, IssueEvents>, StoreError> {
    let mut out: HashMap<IssueId, IssueEvents> = HashMap::new();
    for kind in kinds {
        for (id, row) in store.issue_events(kind.name())? {
            let e = out.entry(id).or_default();
            match kind {
                Kind::Milestone => {
                    e.milestone = serde_json::from_str(&row.events).unwrap_or_default();
                    e.read.milestone = true;
                }
                Kind::State => {
                    e.state = serde_json::from_str(&row.events).unwrap_or_default();
                    e.read.state = true;
                }
                Kind::Label => {
                    e.label = serde_json::from_str(&row.events).unwrap_or_default();
                    e.read.label = true;
                }
            }
        }
    }
    Ok(out)
}

/// Whether an issue's milestone events mention one of `ms`, or it is in
/// one now: its state events matter.
fn touches(i: &Issue, e: Option<&IssueEvents>, ms: &[&Milestone]) -> bool {
    let mine = |id: u64| ms.iter().any(|m| m.id == id);
    i.milestone_id.is_some_and(mine)
        || e.is_some_and(|e| e.milestone.iter().any(|x| x.milestone.is_some_and(mine)))
}

/// Read what the cache lacks for the insights of iterations `ms`: the
/// milestone events of the candidates ([`insights::candidates`]), then
/// the state events of those that were in one of them. When every one
/// has ended, events read after the newest end (and a margin) are never
/// read again. At most `limit` issues' lists of each kind are read.
pub async fn refresh_insights(
    client: &Client,
    store: &Store,
    ws: &Workspace,
    team: &TeamConfig,
    ms: &[&Milestone],
    now: DateTime<Utc>,
    limit: usize,
) -> Result<InsightsRead, EventsError> {
    let cands = insights::candidates(ws, team, ms);
    let settled = if ms.iter().all(|m| insights::finished(m, now)) {
        ms.iter()
            .filter_map(|m| insights::window(m).map(|(_, e)| e + SETTLE_MARGIN))
            .max()
    } else {
        None
    };
    let r = refresh_at_most(client, store, Kind::Milestone, &cands, settled, now, limit).await?;
    if r.failed.is_some() || r.more {
        // The state events wait for every milestone list.
        return Ok(InsightsRead {
            read: r.read,
            more: r.more && r.failed.is_none(),
            failed: r.failed.map(|f| (f, r.missing)),
        });
    }
    let first = r.read;
    let loaded = load(store, &[Kind::Milestone])?;
    let relevant: Vec<&Issue> = cands
        .iter()
        .copied()
        .filter(|i| touches(i, loaded.get(&i.id), ms))
        .collect();
    let r = refresh_at_most(client, store, Kind::State, &relevant, settled, now, limit).await?;
    Ok(InsightsRead {
        read: first + r.read,
        more: r.more && r.failed.is_none(),
        failed: r.failed.map(|f| (f, r.missing)),
    })
}

/// What [`refresh_insights`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct InsightsRead {
    /// Issues' lists read.
    pub read: usize,
    /// Lists left for another round (the limit).
    pub more: bool,
    /// GitLab failed on the way: why, and how many issues are still
    /// without events.
    pub failed: Option<(String, usize)>,
}

/// The issues whose cards show their age in the lane: the open team
/// issues of milestone `shown` with a lane.
pub fn aging_cards<'a>(ws: &'a Workspace, team: &TeamConfig, shown: MilestoneId) -> Vec<&'a Issue> {
    ws.issues
        .iter()
        .filter(|i| {
            i.milestone_id == Some(shown)
                && i.is_open()
                && i.iid != 0
                && i.has_label(&team.team_label)
                && !team.lanes_of(i).is_empty()
        })
        .collect()
}

/// Read the label events of the cards of milestone `shown` that need it
/// (never read, or changed since: [`stale`]), for their age in the lane.
pub async fn refresh_lanes(
    client: &Client,
    store: &Store,
    ws: &Workspace,
    team: &TeamConfig,
    shown: MilestoneId,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Refreshed, EventsError> {
    let cards = aging_cards(ws, team, shown);
    refresh_at_most(client, store, Kind::Label, &cards, None, now, limit).await
}
