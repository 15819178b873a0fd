//! The outbox sender: applies queued changes to GitLab in order, one at a
//! time. Each change is written to the outbox (by the UI, before any
//! request) and removed only once GitLab applied it. Before each `PUT` the
//! issue is read fresh: the change is sent as deltas over GitLab's current
//! state (assignees as the full set computed from that read), and a field
//! someone else changed meanwhile is a conflict, shown, not overwritten.
//! Transient failures wait and retry; permanent ones go to the problems panel.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use crate::core::action::{Action, OutboxEvent};
use crate::core::edit::{Change, Seen};
use crate::core::model::{Issue, IssueState, TeamConfig, User};
use crate::gitlab::{Client, GitlabError, RetryPolicy};
use crate::store::Store;

/// Why a change was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Try again later (offline, 5xx, rate limit): the change stays queued.
    Transient(GitlabError),
    /// GitLab refused it, or it conflicts: the issue as GitLab has it.
    Refused {
        reason: String,
        issue: Option<Box<Issue>>,
    },
}

/// A field the change touches that someone else changed since the user saw it.
pub fn conflict(change: &Change, fresh: &Issue, team: &TeamConfig) -> Option<String> {
    let e = &change.edit;
    let seen = &change.seen;
    let now = Seen::of(fresh, team);
    let touches_lanes = e
        .add_labels
        .iter()
        .chain(&e.remove_labels)
        .any(|l| crate::core::model::label_scope(l) == Some(team.workflow_scope.as_str()));
    let mut target = fresh.clone();
    crate::core::edit::apply(&mut target, e, &[]);
    let target_seen = Seen::of(&target, team);
    if touches_lanes && now.lanes != seen.lanes && now.lanes != target_seen.lanes {
        let lanes: Vec<&str> = team.lanes_of(fresh);
        return Some(format!(
            "its lane changed on GitLab meanwhile (now {})",
            if lanes.is_empty() {
                "none".into()
            } else {
                lanes.join(", ")
            }
        ));
    }
    if let Some(m) = e.milestone
        && now.milestone != seen.milestone
        && now.milestone != m
    {
        return Some("its milestone changed on GitLab meanwhile".into());
    }
    // The set the change leads to from what the user saw: finding it
    // already there is a resend after a lost answer, not a conflict.
    let mut wanted: Vec<u64> = seen
        .assignees
        .iter()
        .copied()
        .filter(|a| !e.unassign.contains(a))
        .chain(e.assign.iter().copied())
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    if (!e.assign.is_empty() || !e.unassign.is_empty())
        && now.assignees != seen.assignees
        && now.assignees != wanted
    {
        let names: Vec<String> = fresh
            .assignees
            .iter()
            .map(|u| format!("@{}", u.username))
            .collect();
        return Some(format!(
            "its assignees changed on GitLab meanwhile (now {})",
            if names.is_empty() {
                "nobody".into()
            } else {
                names.join(" ")
            }
        ));
    }
    if let Some(s) = e.state
        && now.state != seen.state
        && now.state != Some(s)
    {
        return Some("it was closed or reopened on GitLab meanwhile".into());
    }
    if let Some(w) = e.weight
        && now.weight != seen.weight
        && now.weight != w
    {
        return Some("its weight changed on GitLab meanwhile".into());
    }
    None
}

/// The `PUT` form for a change over the fresh issue (empty: nothing to put).
pub fn put_form(change: &Change, fresh: Option<&Issue>) -> Vec<(String, String)> {
    let e = &change.edit;
    let mut form = Vec::new();
    if !e.add_labels.is_empty() {
        form.push(("add_labels".to_owned(), e.add_labels.join(",")));
    }
    if !e.remove_labels.is_empty() {
        form.push(("remove_labels".to_owned(), e.remove_labels.join(",")));
    }
    if let Some(m) = e.milestone {
        form.push(("milestone_id".to_owned(), m.unwrap_or(0).to_string()));
    }
    if !e.assign.is_empty() || !e.unassign.is_empty() {
        // The full set, from the fresh read: others' assignees are kept.
        let base: Vec<u64> = match fresh {
            Some(f) => f.assignees.iter().map(|u| u.id).collect(),
            None => change.seen.assignees.clone(),
        };
        let mut ids: Vec<u64> = base
            .into_iter()
            .filter(|id| !e.unassign.contains(id))
            .collect();
        for id in &e.assign {
            if !ids.contains(id) {
                ids.push(*id);
            }
        }
        if ids.is_empty() {
            form.push(("assignee_ids".to_owned(), "0".to_owned()));
        } else {
            form.extend(
                ids.iter()
                    .map(|id| ("assignee_ids[]".to_owned(), id.to_string())),
            );
        }
    }
    match e.state {
        Some(IssueState::Closed) if fresh.is_none_or(|f| f.state != IssueState::Closed) => {
            form.push(("state_event".into(), "close".into()))
        }
        Some(IssueState::Opened) if fresh.is_none_or(|f| f.state != IssueState::Opened) => {
            form.push(("state_event".into(), "reopen".into()))
        }
        _ => {}
    }
    if let Some(w) = e.weight {
        form.push((
            "weight".to_owned(),
            w.map(|w| w.to_string()).unwrap_or_default(),
        ));
    }
    form
}

/// When the change was made: change ids are milliseconds * 1000 + a counter.
fn made_at(change: &Change) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis((change.id / 1000) as i64)
}

/// Apply one change to GitLab.
pub async fn send_one(
    client: &Client,
    change: &Change,
    team: &TeamConfig,
    me: Option<&User>,
) -> Result<Issue, SendError> {
    send_with(client, change, team, me, None).await
}

/// [`send_one`], with the issue already read fresh (by [`read_fresh`]).
pub async fn send_with(
    client: &Client,
    change: &Change,
    team: &TeamConfig,
    me: Option<&User>,
    prefetched: Option<Issue>,
) -> Result<Issue, SendError> {
    if let Some(new) = &change.edit.create {
        return create(client, change, new, me).await;
    }
    let refused = |e: GitlabError, issue: Option<&Issue>| {
        // A rejected token (revoked mid-session) pauses the queue: the
        // changes are kept until the token works again.
        if e.is_transient() || e == GitlabError::Unauthorized {
            SendError::Transient(e)
        } else {
            SendError::Refused {
                reason: e.to_string(),
                issue: issue.map(|i| Box::new(i.clone())),
            }
        }
    };
    let not_found = |e: GitlabError| match e {
        GitlabError::NotFound(_) => SendError::Refused {
            reason: "the issue no longer exists on GitLab (404)".into(),
            issue: None,
        },
        e => refused(e, None),
    };
    // A fresh read before any field change: the assignee set is computed
    // from it, and a field someone else changed meanwhile is caught before
    // it could be overwritten (on Premium, adding a lane label silently
    // drops another). Pure reorders and comments need none.
    let e = &change.edit;
    let needs_read = e.has_fields();
    let fresh = if needs_read {
        let fresh = match prefetched {
            Some(f) => f,
            None => client
                .issue(change.project, change.iid)
                .await
                .map_err(not_found)?
                .into_issue(0),
        };
        if let Some(why) = conflict(change, &fresh, team) {
            return Err(SendError::Refused {
                reason: why,
                issue: Some(Box::new(fresh)),
            });
        }
        Some(fresh)
    } else {
        None
    };
    let mut latest = fresh.clone();
    let form = put_form(change, fresh.as_ref());
    if !form.is_empty() {
        let after = client
            .update_issue(change.project, change.iid, &form)
            .await
            .map_err(|e| match (&fresh, e) {
                (None, e @ GitlabError::NotFound(_)) => not_found(e),
                (f, e) => refused(e, f.as_ref()),
            })?
            .into_issue(0);
        // A lane someone else set meanwhile shows as an extra lane label.
        let lanes_touched = e
            .add_labels
            .iter()
            .chain(&e.remove_labels)
            .any(|l| crate::core::model::label_scope(l) == Some(team.workflow_scope.as_str()));
        if lanes_touched && team.lanes_of(&after).len() > 1 {
            let lanes = team.lanes_of(&after).join(", ");
            return Err(SendError::Refused {
                reason: format!("its lane changed on GitLab meanwhile (now {lanes})"),
                issue: Some(Box::new(after)),
            });
        }
        latest = Some(after);
    }
    if let Some(r) = e.reorder {
        latest = Some(
            client
                .reorder_issue(change.project, change.iid, r.after, r.before)
                .await
                .map_err(|e| match (&latest, e) {
                    (None, e @ GitlabError::NotFound(_)) => not_found(e),
                    (l, e) => refused(e, l.as_ref()),
                })?
                .into_issue(0),
        );
    }
    if let Some(body) = &change.edit.comment {
        // Not idempotent: after a lost answer, the note may be there already.
        let since = made_at(change).map(|t| t - chrono::Duration::minutes(1));
        let notes = client
            .recent_notes(change.project, change.iid)
            .await
            .map_err(|e| refused(e, latest.as_ref()))?;
        let posted = notes.iter().any(|n| {
            n.body == *body
                && me.is_none_or(|m| m.id == n.author.id)
                && since.is_none_or(|s| n.created_at >= s)
        });
        if !posted {
            client
                .post_note(change.project, change.iid, body)
                .await
                .map_err(|e| refused(e, latest.as_ref()))?;
        }
    }
    match latest {
        Some(i) => Ok(i),
        // Only a comment: read the issue so the board has GitLab's version.
        None => Ok(client
            .issue(change.project, change.iid)
            .await
            .map_err(not_found)?
            .into_issue(0)),
    }
}

/// Create an issue, unless a lost answer means it exists already: creating
/// is not idempotent, so look for it first (same title, by me, since the
/// change was made).
async fn create(
    client: &Client,
    change: &Change,
    new: &crate::core::edit::NewIssue,
    me: Option<&User>,
) -> Result<Issue, SendError> {
    let refused = |e: GitlabError| {
        // A rejected token (revoked mid-session) pauses the queue: the
        // changes are kept until the token works again.
        if e.is_transient() || e == GitlabError::Unauthorized {
            SendError::Transient(e)
        } else {
            SendError::Refused {
                reason: e.to_string(),
                issue: None,
            }
        }
    };
    let since = made_at(change).unwrap_or_else(Utc::now) - chrono::Duration::minutes(1);
    let found = client
        .find_created(new.project, &new.title, me.map(|m| m.id), since)
        .await
        .map_err(refused)?;
    if let Some(existing) = found.into_iter().find(|i| i.title == new.title) {
        tracing::info!(
            iid = existing.iid,
            "issue was created already; not creating it again"
        );
        return Ok(existing.into_issue(0));
    }
    let mut form = vec![
        ("title".to_owned(), new.title.clone()),
        ("labels".to_owned(), new.labels.join(",")),
    ];
    if !new.description.is_empty() {
        form.push(("description".to_owned(), new.description.clone()));
    }
    if let Some(m) = new.milestone {
        form.push(("milestone_id".to_owned(), m.to_string()));
    }
    Ok(client
        .create_issue(new.project, &form)
        .await
        .map_err(refused)?
        .into_issue(0))
}

/// Read the issues a batch of changes touches, fresh, one request per
/// project (GitLab's `iids[]` filter); missing ones are read one by one later.
pub async fn read_fresh(
    client: &Client,
    changes: &[Change],
) -> std::collections::HashMap<u64, Issue> {
    let mut by_project: std::collections::BTreeMap<u64, Vec<u64>> = Default::default();
    for c in changes.iter().filter(|c| c.edit.has_fields()) {
        by_project.entry(c.project).or_default().push(c.iid);
    }
    let mut out = std::collections::HashMap::new();
    for (project, iids) in by_project {
        for chunk in iids.chunks(100) {
            match client.project_issues_by_iid(project, chunk).await {
                Ok(list) => {
                    for api in list.into_iter().filter(|i| i.project_id == project) {
                        let issue = api.into_issue(0);
                        out.insert(issue.id, issue);
                    }
                }
                Err(e) => tracing::debug!(error = %e, "batch read failed; reading one by one"),
            }
        }
    }
    out
}

/// What the UI asks of the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// New rows in the outbox.
    Queued,
}

/// The sender task: announce what the outbox holds, then send queued
/// changes in order until the channel closes.
pub async fn run(
    client: Client,
    store: Store,
    team: TeamConfig,
    me: Option<User>,
    mut wake: mpsc::UnboundedReceiver<Wake>,
    actions: mpsc::UnboundedSender<Action>,
) {
    let load = || (store.outbox_queued(), store.outbox_failed());
    match load() {
        (Ok(pending), Ok(failed)) => {
            let _ = actions.send(Action::Outbox(OutboxEvent::Loaded { pending, failed }));
        }
        (Err(e), _) | (_, Err(e)) => {
            let _ = actions.send(Action::Outbox(OutboxEvent::Waiting {
                why: format!("outbox unreadable: {e}"),
            }));
            return;
        }
    }
    let policy = RetryPolicy::default();
    let mut failures = 0u32;
    // The queue in memory, re-read from the outbox when the UI adds to it.
    let mut queue: Vec<Change> = Vec::new();
    let mut reload = true;
    loop {
        while let Ok(w) = wake.try_recv() {
            let Wake::Queued = w;
            reload = true;
        }
        if reload || queue.is_empty() {
            queue = match store.outbox_queued() {
                Ok(q) => q,
                Err(e) => {
                    tracing::error!(error = %e, "outbox unreadable");
                    Vec::new()
                }
            };
            reload = false;
        }
        if queue.is_empty() {
            match wake.recv().await {
                Some(_) => {
                    reload = true;
                    continue;
                }
                None => return,
            }
        }
        let outcome = send_batch(&client, &store, &team, me.as_ref(), &queue).await;
        queue.retain(|c| !outcome.finished.contains(&c.id));
        for (id, issue) in outcome.sent {
            let _ = actions.send(Action::Outbox(OutboxEvent::Sent {
                id,
                issue: Some(Box::new(issue)),
            }));
        }
        for (id, reason, issue) in outcome.refused {
            let _ = actions.send(Action::Outbox(OutboxEvent::Failed { id, reason, issue }));
        }
        let transient = outcome.waiting;
        let Some(e) = transient else {
            failures = 0;
            continue;
        };
        let (why, wait) = match &e {
            GitlabError::RateLimited { until } => (
                format!("rate-limited until {}", crate::gitlab::until_local(*until)),
                (*until - Utc::now())
                    .to_std()
                    .unwrap_or(Duration::from_secs(1)),
            ),
            e if e.is_offline() => ("offline".to_owned(), backoff(&policy, failures)),
            GitlabError::Unauthorized => (
                "paused: GitLab rejects the token (401); changes are kept".to_owned(),
                backoff(&policy, failures),
            ),
            e => (format!("GitLab failing: {e}"), backoff(&policy, failures)),
        };
        failures += 1;
        tracing::warn!(error = %e, wait_s = wait.as_secs(), "changes wait");
        let _ = actions.send(Action::Outbox(OutboxEvent::Waiting { why }));
        // Wait; new changes are already in the outbox and keep their order.
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            tokio::select! {
                w = wake.recv() => if w.is_none() { return },
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
    }
}

/// What one batch of sends did (the outbox rows are already updated).
#[derive(Debug, Default)]
pub struct BatchOutcome {
    /// Ids that left the queue (sent or refused).
    pub finished: Vec<u64>,
    pub sent: Vec<(u64, Issue)>,
    pub refused: Vec<(u64, String, Option<Box<Issue>>)>,
    /// Why the rest waits, when something could not be sent now.
    pub waiting: Option<GitlabError>,
}

/// Send the next batch of `queue` (oldest change of each issue, up to
/// [`BATCH`] issues): fresh reads in one request per project, then
/// [`IN_FLIGHT`] sends at once; records the outcome in the outbox.
pub async fn send_batch(
    client: &Client,
    store: &Store,
    team: &TeamConfig,
    me: Option<&User>,
    queue: &[Change],
) -> BatchOutcome {
    use futures_util::StreamExt;
    let mut issues = std::collections::HashSet::new();
    let batch: Vec<Change> = queue
        .iter()
        .filter(|c| issues.insert(c.issue))
        .take(BATCH)
        .cloned()
        .collect();
    let mut fresh = read_fresh(client, &batch).await;
    let mut futs = Vec::with_capacity(batch.len());
    for c in &batch {
        let pre = fresh.remove(&c.issue);
        futs.push(send_with(client, c, team, me, pre));
    }
    let results: Vec<Result<Issue, SendError>> = futures_util::stream::iter(futs)
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    let mut out = BatchOutcome::default();
    let done: Vec<u64> = batch
        .iter()
        .zip(&results)
        .filter(|(_, r)| r.is_ok())
        .map(|(c, _)| c.id)
        .collect();
    if let Err(e) = store.outbox_done_many(&done) {
        tracing::error!(error = %e, "cannot mark sent changes done");
    }
    for (change, result) in batch.iter().zip(results) {
        match result {
            Ok(issue) => {
                tracing::info!(id = change.id, summary = %change.summary, "change applied");
                out.finished.push(change.id);
                out.sent.push((change.id, issue));
            }
            Err(SendError::Refused { reason, issue }) => {
                tracing::warn!(id = change.id, %reason, "change refused");
                if let Err(e) = store.outbox_fail(change.id, &reason) {
                    tracing::error!(error = %e, "cannot mark a refused change");
                }
                out.finished.push(change.id);
                out.refused.push((change.id, reason, issue));
            }
            Err(SendError::Transient(e)) => {
                // Keep the longest wait (a rate limit beats a 5xx).
                if !matches!(out.waiting, Some(GitlabError::RateLimited { .. })) {
                    out.waiting = Some(e);
                }
            }
        }
    }
    out
}

/// Send everything queued, in order, once (for the command line): stops at
/// the first batch that has to wait. Sent issues are written to the cache.
pub async fn flush(
    client: &Client,
    store: &mut Store,
    team: &TeamConfig,
    me: Option<&User>,
) -> Result<BatchOutcome, crate::store::StoreError> {
    let mut total = BatchOutcome::default();
    loop {
        let queue = store.outbox_queued()?;
        if queue.is_empty() {
            return Ok(total);
        }
        let o = send_batch(client, store, team, me, &queue).await;
        if !o.sent.is_empty() {
            let upsert: Vec<Issue> = o.sent.iter().map(|(_, i)| i.clone()).collect();
            store.save_issues_keeping_position(&upsert)?;
        }
        let progressed = !o.finished.is_empty();
        total.finished.extend(o.finished);
        total.sent.extend(o.sent);
        total.refused.extend(o.refused);
        if o.waiting.is_some() || !progressed {
            total.waiting = o.waiting;
            return Ok(total);
        }
    }
}

/// Requests in flight at once (each for a different issue).
pub const IN_FLIGHT: usize = 4;
/// Changes (of different issues) read fresh together and then sent.
pub const BATCH: usize = 50;

fn backoff(policy: &RetryPolicy, failures: u32) -> Duration {
    let p = RetryPolicy {
        base_delay: Duration::from_secs(2),
        max_delay: Duration::from_secs(60),
        ..policy.clone()
    };
    p.backoff(failures)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::edit::Edit;
    use crate::core::testing::{issue, team, user};

    fn change(i: &Issue, edit: Edit) -> Change {
        Change {
            id: 1,
            issue: i.id,
            project: 1,
            iid: i.iid,
            seen: Seen::of(i, &team()),
            edit,
            summary: String::new(),
        }
    }

    #[test]
    fn finding_the_assignees_already_as_wanted_is_a_resend_not_a_conflict() {
        // Chaos found it: an unassign applied whose answer was lost came
        // back as "its assignees changed on GitLab meanwhile".
        let mut seen = issue(1, 1, &[]);
        seen.assignees = vec![user(7, "zoe", "Z")];
        let c = change(
            &seen,
            Edit {
                unassign: vec![7],
                ..Edit::default()
            },
        );
        let mut applied = seen.clone();
        applied.assignees.clear();
        assert_eq!(conflict(&c, &applied, &team()), None);
        let mut other = seen.clone();
        other.assignees = vec![user(8, "max", "M")];
        assert!(conflict(&c, &other, &team()).is_some());
    }

    #[test]
    fn assignees_are_the_full_set_over_the_fresh_read() {
        let mut seen = issue(1, 1, &[]);
        seen.assignees = vec![user(7, "zoe", "Z")];
        let c = change(
            &seen,
            Edit {
                assign: vec![8],
                ..Edit::default()
            },
        );
        let form = put_form(&c, Some(&seen));
        assert_eq!(
            form,
            vec![
                ("assignee_ids[]".into(), "7".into()),
                ("assignee_ids[]".into(), "8".into())
            ]
        );
        let c = change(
            &seen,
            Edit {
                unassign: vec![7],
                ..Edit::default()
            },
        );
        assert_eq!(
            put_form(&c, Some(&seen)),
            vec![("assignee_ids".into(), "0".into())]
        );
    }

    #[test]
    fn concurrent_edits_of_the_same_field_conflict_and_others_do_not() {
        let t = team();
        let seen = issue(1, 1, &["team::Datastores", "workflow-infra::Ready"]);
        let c = change(
            &seen,
            crate::core::edit::to_lane(&seen, &t, Some("In Progress")),
        );
        // Someone else moved it to Blocked: a conflict.
        let mut fresh = seen.clone();
        fresh.labels = vec!["team::Datastores".into(), "workflow-infra::Blocked".into()];
        assert!(conflict(&c, &fresh, &t).unwrap().contains("Blocked"));
        // Someone else moved it where we wanted: fine.
        fresh.labels = vec![
            "team::Datastores".into(),
            "workflow-infra::In Progress".into(),
        ];
        assert_eq!(conflict(&c, &fresh, &t), None);
        // Someone else changed its milestone: another field, fine.
        let mut fresh = seen.clone();
        fresh.milestone_id = Some(9);
        assert_eq!(conflict(&c, &fresh, &t), None);
        // Someone else assigned a person while we assign another: a conflict.
        let c = change(
            &seen,
            Edit {
                assign: vec![7],
                ..Edit::default()
            },
        );
        let mut fresh = seen.clone();
        fresh.assignees = vec![user(8, "ben", "B")];
        assert!(conflict(&c, &fresh, &t).unwrap().contains("@ben"));
    }

    #[test]
    fn closing_an_issue_already_closed_sends_no_state_event() {
        let mut i = issue(1, 1, &[]);
        i.state = IssueState::Closed;
        let c = change(
            &i,
            Edit {
                state: Some(IssueState::Closed),
                ..Edit::default()
            },
        );
        assert!(put_form(&c, Some(&i)).is_empty());
    }
}
