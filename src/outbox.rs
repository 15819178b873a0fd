//! The outbox sender: applies queued changes to GitLab in order. Each
//! change is written to the outbox before any request, and leaves it only
//! when GitLab applied it (the issue as GitLab answered is written to the
//! cache in the same transaction) or refused it. One process at a time
//! sends, under a lease in the cache; the others keep queueing. Before each
//! `PUT` the issue is read fresh: the change is sent as deltas over
//! GitLab's current state (assignees as the full set computed from that
//! read), and a field someone else changed meanwhile is a conflict, shown,
//! not overwritten. Creating an issue and posting a note are sent exactly
//! once: before a resend, what the first attempt made is looked for and
//! adopted. Transient failures wait and retry; permanent ones go to the
//! problems panel.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;

use crate::core::app::action::{Action, OutboxEvent, WaitReason};
use crate::core::domain::conflict::conflict;
use crate::core::domain::edit::{Change, NewIssue, NewMilestone};
use crate::core::domain::lane_labels::LaneLabels;
use crate::core::domain::model::{Issue, IssueState, Milestone, TeamConfig, User};
use crate::gitlab::{Client, GitlabError, NotePosted, RetryPolicy};
use crate::store::{Finished, Lease, Store, StoreError};

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

/// The `PUT` form for a change over the fresh issue (empty: nothing to
/// put); lane labels go under their titles on GitLab now (`lanes`).
pub fn put_form(
    change: &Change,
    fresh: Option<&Issue>,
    lanes: &LaneLabels,
) -> Vec<(String, String)> {
    let e = &change.edit;
    let mut form = Vec::new();
    let add = lanes.all_on_gitlab(&e.add_labels);
    if !add.is_empty() {
        form.push(("add_labels".to_owned(), add.join(",")));
    }
    let remove = lanes.all_on_gitlab(&e.remove_labels);
    if !remove.is_empty() {
        form.push(("remove_labels".to_owned(), remove.join(",")));
    }
    if let Some(m) = e.milestone {
        form.push(("milestone_id".to_owned(), m.unwrap_or(0).to_string()));
    }
    if let Some(d) = &e.description {
        form.push(("description".to_owned(), d.text.clone()));
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

/// How far back (GitLab's clock) a resend looks for what its first
/// attempt made.
const LOOKBACK: chrono::Duration = chrono::Duration::minutes(2);

/// Whether sending this change twice would do it twice.
pub fn not_idempotent(change: &Change) -> bool {
    change.edit.create.is_some()
        || change.edit.comment.is_some()
        || change.edit.create_milestone.is_some()
}

/// A comment's text as GitLab stores it: the lines of quick actions it
/// recognises (`/spend 1h`) are removed, others (`/etc/hosts`) stay.
pub fn stored_body(body: &str) -> String {
    crate::core::domain::quick_actions::stored_body(body)
}

/// What applying a change gave: the issue as GitLab has it now, and what
/// GitLab said it did beyond it (a comment's quick actions: "Added 1h
/// spent time.").
#[derive(Debug, Clone)]
pub struct Applied {
    /// The issue as GitLab has it now (`None` for a milestone created).
    pub issue: Option<Issue>,
    /// A milestone created.
    pub milestone: Option<Milestone>,
    pub said: Vec<String>,
    /// What GitLab did not keep of the change (people it dropped from the
    /// assignees, a weight), in words: applied in part.
    pub not_kept: Vec<String>,
    /// GitLab Free or not, as the answer showed (`None`: it did not say).
    pub free_tier: Option<bool>,
}

impl From<Issue> for Applied {
    fn from(issue: Issue) -> Applied {
        Applied {
            issue: Some(issue),
            milestone: None,
            said: Vec::new(),
            not_kept: Vec::new(),
            free_tier: None,
        }
    }
}

/// Apply one change to GitLab, with the issue already read fresh (by
/// [`read_fresh`]) when given; `earlier` are glboard's changes to the same
/// issue that GitLab applied before it.
pub async fn send_with(
    client: &Client,
    change: &Change,
    team: &TeamConfig,
    me: Option<&User>,
    prefetched: Option<Issue>,
    earlier: &[Change],
) -> Result<Applied, SendError> {
    if let Some(new) = &change.edit.create {
        return create(client, change, new, me).await.map(Applied::from);
    }
    if let Some(new) = &change.edit.create_milestone {
        return create_milestone(client, new).await.map(|m| Applied {
            issue: None,
            milestone: Some(m),
            said: Vec::new(),
            not_kept: Vec::new(),
            free_tier: None,
        });
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
    let fresh = if e.has_fields() {
        let fresh = match prefetched {
            Some(f) => f,
            None => client
                .issue(change.project, change.iid)
                .await
                .map_err(not_found)?
                .into_issue(0, &client.lanes()),
        };
        if let Some(why) = conflict(change, &fresh, team, earlier) {
            return Err(SendError::Refused {
                reason: why.to_string(),
                issue: Some(Box::new(fresh)),
            });
        }
        Some(fresh)
    } else {
        None
    };
    let mut latest = fresh.clone();
    let mut not_kept: Vec<String> = Vec::new();
    let mut learnt_free: Option<bool> = None;
    // A lane's title on GitLab now, read by id before it is sent.
    client
        .refresh_lane_titles(change.project, &e.add_labels)
        .await
        .map_err(|e| refused(e, fresh.as_ref()))?;
    let form = put_form(change, fresh.as_ref(), &client.lanes());
    if !form.is_empty() {
        let answer = client
            .update_issue(change.project, change.iid, &form)
            .await
            .map_err(|e| match (&fresh, e) {
                (None, e @ GitlabError::NotFound(_)) => not_found(e),
                (f, e) => refused(e, f.as_ref()),
            })?;
        // The answer tells the tier too: a weighable issue without the
        // `weight` field is GitLab Free (incidents say nothing).
        let answered_free = crate::gitlab::dto::free_tier(std::iter::once(&answer));
        let after = answer.into_issue(0, &client.lanes());
        // A lane someone else set meanwhile shows as an extra lane label.
        let lanes_touched = e.add_labels.iter().chain(&e.remove_labels).any(|l| {
            crate::core::domain::model::label_scope(l) == Some(team.workflow_scope.as_str())
        });
        if lanes_touched && team.lanes_of(&after).len() > 1 {
            let now = team
                .lanes_of(&after)
                .into_iter()
                .map(str::to_owned)
                .collect();
            return Err(SendError::Refused {
                reason: crate::core::domain::conflict::Conflict::Lane { now }.to_string(),
                issue: Some(Box::new(after)),
            });
        }
        // A milestone GitLab no longer has (deleted meanwhile) is set to
        // none without an error: put the issue's milestone back and say so.
        if let Some(Some(m)) = e.milestone
            && after.milestone_id != Some(m)
        {
            let before = fresh.as_ref().and_then(|f| f.milestone_id);
            let restored = if after.milestone_id != before {
                let form = vec![(
                    "milestone_id".to_owned(),
                    before.map_or("0".to_owned(), |b| b.to_string()),
                )];
                client
                    .update_issue(change.project, change.iid, &form)
                    .await
                    .map(|a| a.into_issue(0, &client.lanes()))
                    .unwrap_or(after.clone())
            } else {
                after.clone()
            };
            return Err(SendError::Refused {
                reason: format!(
                    "GitLab did not keep the milestone (id {m}): it is not available to {} (GitLab takes only the project's own milestones and its groups') or it was deleted; the issue keeps its milestone, pick another",
                    after
                        .project_path()
                        .unwrap_or_else(|| "this issue's project".into())
                ),
                issue: Some(Box::new(restored)),
            });
        }
        // GitLab drops assignees and weights without a word (Free keeps
        // one assignee and no weight; any tier drops a user who cannot see
        // the project): compare what was asked with what GitLab kept, name
        // who was not kept, never report it as done.
        let wanted: Vec<u64> = form
            .iter()
            .filter(|(k, _)| k == "assignee_ids[]")
            .filter_map(|(_, v)| v.parse().ok())
            .collect();
        let kept: Vec<u64> = after.assignees.iter().map(|u| u.id).collect();
        let lost: Vec<u64> = wanted
            .iter()
            .copied()
            .filter(|id| !kept.contains(id))
            .collect();
        if !lost.is_empty() {
            let known = fresh
                .iter()
                .flat_map(|f| f.assignees.iter())
                .chain(me)
                .chain(after.assignees.iter());
            let known: Vec<&User> = known.collect();
            let name = |id: &u64| {
                known
                    .iter()
                    .find(|u| u.id == *id)
                    .map_or(format!("user {id}"), |u| format!("@{}", u.username))
            };
            let lost_names: Vec<String> = lost.iter().map(name).collect();
            let kept_names: Vec<String> = after
                .assignees
                .iter()
                .map(|u| format!("@{}", u.username))
                .collect();
            // Free keeps the first of several; only then is Free to blame.
            let free = answered_free == Some(true)
                || (answered_free.is_none() && wanted.len() > 1 && kept == wanted[..1]);
            let why = if free {
                crate::core::domain::workflow::FREE_ONE_ASSIGNEE.to_owned()
            } else {
                "GitLab drops an assignee who cannot see the project (or is blocked) without a word"
                    .to_owned()
            };
            not_kept.push(format!(
                "{} not kept as assignee ({why}); assigned now: {}",
                lost_names.join(" "),
                if kept_names.is_empty() {
                    "nobody".to_owned()
                } else {
                    kept_names.join(" ")
                }
            ));
        }
        if let Some(Some(w)) = e.weight
            && after.weight != Some(w)
        {
            not_kept.push(format!(
                "{}: the weight was not kept",
                crate::core::domain::workflow::FREE_NO_WEIGHT
            ));
        }
        if let Some(f) = answered_free {
            learnt_free = Some(f);
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
                .into_issue(0, &client.lanes()),
        );
    }
    let mut said = Vec::new();
    if let Some(body) = &change.edit.comment {
        // Not idempotent: after an attempt without an answer, the note may
        // be there already (GitLab stores it without its quick actions).
        // A note of only quick actions leaves no note, but its effects
        // leave system notes: any of mine since the attempt means it went
        // through, and the commands are not run a second time.
        let mut posted = false;
        let stored = stored_body(body);
        if change.attempts > 0 {
            let since = change.attempted_at.map(|t| t - LOOKBACK);
            let notes = client
                .recent_notes(change.project, change.iid)
                .await
                .map_err(|e| refused(e, latest.as_ref()))?;
            let mine = |n: &&crate::gitlab::ApiNote| {
                me.is_none_or(|m| m.id == n.author.id) && since.is_none_or(|s| n.created_at >= s)
            };
            posted = if stored.is_empty() {
                // Commands only: done when their effect shows (the issue
                // read fresh; a `/spend` by a time note of its amount),
                // never because some other note of mine is there.
                let fresh = client
                    .issue(change.project, change.iid)
                    .await
                    .map_err(not_found)?
                    .into_issue(0, &client.lanes());
                let system: Vec<&str> = notes
                    .iter()
                    .filter(mine)
                    .filter(|n| n.system)
                    .map(|n| n.body.as_str())
                    .collect();
                crate::core::domain::quick_actions::applied(
                    body,
                    &fresh,
                    &system,
                    me.map(|m| m.username.as_str()),
                )
            } else {
                notes
                    .iter()
                    .filter(mine)
                    .any(|n| !n.system && n.body.trim() == stored)
            };
            if posted {
                tracing::info!(
                    id = change.id,
                    "the comment was posted already; not posting it again"
                );
            }
        }
        if !posted {
            match client
                .post_note(change.project, change.iid, body)
                .await
                .map_err(|e| refused(e, latest.as_ref()))?
            {
                NotePosted::Note(_) => {}
                NotePosted::Commands { summary } => {
                    tracing::info!(id = change.id, ?summary, "quick actions applied");
                    said.extend(summary);
                }
            }
        }
    }
    let issue = match latest {
        Some(i) => i,
        // A comment: read the issue again, its quick actions may have
        // changed it; the cache gets GitLab's version.
        None => client
            .issue(change.project, change.iid)
            .await
            .map_err(not_found)?
            .into_issue(0, &client.lanes()),
    };
    Ok(Applied {
        issue: Some(issue),
        milestone: None,
        said,
        not_kept,
        free_tier: learnt_free,
    })
}

/// Create a milestone in a group. Titles are unique in a group (closed
/// milestones included): one of this title there already is adopted when
/// it has these dates (an earlier attempt whose answer was lost), else the
/// change is refused with what holds the title. Never made twice.
async fn create_milestone(client: &Client, new: &NewMilestone) -> Result<Milestone, SendError> {
    let refused = |e: GitlabError| {
        if e.is_transient() || e == GitlabError::Unauthorized {
            SendError::Transient(e)
        } else {
            SendError::Refused {
                reason: e.to_string(),
                issue: None,
            }
        }
    };
    let taken = |m: &Milestone| SendError::Refused {
        reason: format!(
            "the title {} is taken by another milestone ({}{}): choose another `milestone_title`",
            new.title,
            match m.state {
                crate::core::domain::model::MilestoneState::Active => "open",
                crate::core::domain::model::MilestoneState::Closed => "closed",
            },
            m.start_date
                .map(|d| format!(", starting {d}"))
                .unwrap_or_default()
        ),
        issue: None,
    };
    let ours =
        |m: &Milestone| m.start_date == Some(new.start_date) && m.due_date == Some(new.due_date);
    if let Some(m) = client
        .group_milestone_titled(&new.group, &new.title)
        .await
        .map_err(refused)?
    {
        let m = m.into_milestone(&new.group);
        if ours(&m) {
            tracing::info!(title = %new.title, "the milestone exists already; not creating it again");
            return Ok(m);
        }
        return Err(taken(&m));
    }
    let mut form = vec![
        ("title".to_owned(), new.title.clone()),
        ("start_date".to_owned(), new.start_date.to_string()),
        ("due_date".to_owned(), new.due_date.to_string()),
    ];
    if !new.description.is_empty() {
        form.push(("description".to_owned(), new.description.clone()));
    }
    client
        .create_group_milestone(&new.group, &form)
        .await
        .map(|m| m.into_milestone(&new.group))
        .map_err(refused)
}

/// Create an issue. After an attempt without an answer, the issue may
/// exist already: look for it (same title, by me, created since the first
/// attempt by GitLab's clock) and adopt it.
async fn create(
    client: &Client,
    change: &Change,
    new: &NewIssue,
    me: Option<&User>,
) -> Result<Issue, SendError> {
    let refused = |e: GitlabError| {
        if e.is_transient() || e == GitlabError::Unauthorized {
            SendError::Transient(e)
        } else {
            SendError::Refused {
                reason: e.to_string(),
                issue: None,
            }
        }
    };
    if change.attempts > 0 {
        let since = change.attempted_at.unwrap_or_else(|| client.server_now()) - LOOKBACK;
        let found = client
            .find_created(new.project, &new.title, me.map(|m| m.id), since)
            .await
            .map_err(refused)?;
        if let Some(existing) = found.into_iter().find(|i| i.title == new.title) {
            tracing::info!(
                iid = existing.iid,
                "issue was created already; not creating it again"
            );
            return Ok(existing.into_issue(crate::core::domain::edit::AT_END, &client.lanes()));
        }
    }
    client
        .refresh_lane_titles(new.project, &new.labels)
        .await
        .map_err(refused)?;
    let mut form = vec![
        ("title".to_owned(), new.title.clone()),
        (
            "labels".to_owned(),
            client.lanes().all_on_gitlab(&new.labels).join(","),
        ),
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
        .into_issue(crate::core::domain::edit::AT_END, &client.lanes()))
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
                        let issue = api.into_issue(0, &client.lanes());
                        out.insert(issue.id, issue);
                    }
                }
                Err(e) => tracing::debug!(error = %e, "batch read failed; reading one by one"),
            }
        }
    }
    out
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
    /// Another glboard process is sending (it holds the lease).
    pub busy: Option<Lease>,
    /// What each finished change did, in words.
    pub summaries: std::collections::HashMap<u64, String>,
    /// What GitLab said a change did beyond it (quick actions).
    pub said: Vec<(u64, String)>,
    /// Changes GitLab applied in part: what it did not keep.
    pub not_kept: Vec<(u64, String)>,
    /// GitLab Free or not, as an answer showed.
    pub free_tier: Option<bool>,
    /// Milestones created.
    pub milestones: Vec<(u64, Milestone)>,
}

/// Send the next batch of `queue` (oldest change of each issue, up to
/// [`BATCH`] issues): fresh reads in one request per project, then
/// [`IN_FLIGHT`] sends at once; records the outcome in the cache in one
/// transaction.
pub async fn send_batch(
    client: &Client,
    store: &Store,
    team: &TeamConfig,
    me: Option<&User>,
    queue: &[Change],
) -> Result<BatchOutcome, StoreError> {
    use futures_util::StreamExt;
    // The lanes' labels as the last sync (of any process) learnt them.
    client.set_lanes(store.lane_labels()?);
    let batch = next_batch(queue);
    let mut fresh = read_fresh(client, &batch).await;
    // Writes that are not idempotent: the attempt is written down first.
    let once: Vec<u64> = batch
        .iter()
        .filter(|c| not_idempotent(c))
        .map(|c| c.id)
        .collect();
    store.mark_attempt(&once, client.server_now())?;
    let mut earlier = Vec::with_capacity(batch.len());
    for c in &batch {
        earlier.push(if c.edit.has_fields() {
            store.sent_before(c.issue, c.id)?
        } else {
            Vec::new()
        });
    }
    // The lanes' titles on GitLab now, read once for the whole batch (one
    // at a time, before the sends run side by side); a read that fails is
    // tried again by the change itself, which reports it.
    client.lane_batch(true);
    for c in &batch {
        let (project, labels) = match &c.edit.create {
            Some(new) => (new.project, &new.labels),
            None => (c.project, &c.edit.add_labels),
        };
        if let Err(e) = client.refresh_lane_titles(project, labels).await {
            tracing::info!(error = %e, "a lane's title could not be read before the batch");
        }
    }
    let mut futs = Vec::with_capacity(batch.len());
    for (c, earlier) in batch.iter().zip(&earlier) {
        let pre = fresh.remove(&c.issue);
        futs.push(send_with(client, c, team, me, pre, earlier));
    }
    let results: Vec<Result<Applied, SendError>> = futures_util::stream::iter(futs)
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    let mut out = BatchOutcome::default();
    let mut finished = Vec::new();
    for (change, result) in batch.iter().zip(results) {
        if !matches!(result, Err(SendError::Transient(_))) {
            out.summaries.insert(change.id, change.summary.clone());
        }
        match result {
            Ok(Applied {
                issue,
                milestone,
                said,
                not_kept,
                free_tier,
            }) => {
                tracing::info!(id = change.id, summary = %change.summary, "change applied");
                if !not_kept.is_empty() {
                    out.not_kept.push((change.id, not_kept.join("; ")));
                }
                if free_tier.is_some() {
                    out.free_tier = free_tier;
                }
                if !said.is_empty() {
                    out.said.push((change.id, said.join(" ")));
                }
                out.finished.push(change.id);
                finished.push(Finished::Sent {
                    id: change.id,
                    issue: issue.clone(),
                    milestone: milestone.clone(),
                });
                if let Some(issue) = issue {
                    out.sent.push((change.id, issue));
                }
                if let Some(m) = milestone {
                    out.milestones.push((change.id, m));
                }
            }
            Err(SendError::Refused { reason, issue }) => {
                tracing::warn!(id = change.id, %reason, "change refused");
                out.finished.push(change.id);
                finished.push(Finished::Refused {
                    id: change.id,
                    reason: reason.clone(),
                    issue: issue.as_deref().cloned(),
                });
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
    client.lane_batch(false);
    store.finish(&finished)?;
    if let Some(free) = out.free_tier {
        store.learn_free_tier(free)?;
    }
    Ok(out)
}

/// How long a sender holds the lease without renewing it.
pub const LEASE: Duration = Duration::from_secs(60);

/// Who this process is, for the sender lease.
pub fn holder() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    )
}

/// Send everything queued (by any process), in order, under the lease:
/// stops when the queue is empty, a batch has to wait, or another process
/// holds the lease (`busy`). Results go to the cache.
pub async fn flush(
    client: &Client,
    store: &Store,
    team: &TeamConfig,
    me: Option<&User>,
    holder: &str,
) -> Result<BatchOutcome, StoreError> {
    let mut total = BatchOutcome::default();
    if let Err(lease) = store.take_lease(holder, LEASE)? {
        total.busy = Some(lease);
        return Ok(total);
    }
    // The lease is renewed while requests are in flight (a rate limit or
    // a slow GitLab may hold a batch longer than the lease); losing it
    // (the process was suspended past it, and another took over) stops
    // this sender.
    let renew = async {
        let mut every = tokio::time::interval(LEASE / 4);
        every.tick().await;
        loop {
            every.tick().await;
            match store.take_lease(holder, LEASE) {
                Ok(Ok(())) => {}
                Ok(Err(lease)) => return Some(lease),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot renew the sender lease");
                    return None;
                }
            }
        }
    };
    let work = async {
        loop {
            let queue = store.outbox_queued()?;
            if queue.is_empty() {
                return Ok(());
            }
            let o = send_batch(client, store, team, me, &queue).await?;
            let progressed = !o.finished.is_empty();
            total.finished.extend(o.finished);
            total.sent.extend(o.sent);
            total.refused.extend(o.refused);
            total.summaries.extend(o.summaries);
            total.said.extend(o.said);
            total.not_kept.extend(o.not_kept);
            total.free_tier = o.free_tier.or(total.free_tier);
            total.milestones.extend(o.milestones);
            if o.waiting.is_some() || !progressed {
                total.waiting = o.waiting;
                return Ok(());
            }
            // Still ours: renew.
            if let Err(lease) = store.take_lease(holder, LEASE)? {
                total.busy = Some(lease);
                return Ok(());
            }
        }
    };
    let result = tokio::select! {
        r = work => r,
        lost = renew => {
            tracing::warn!(?lost, "the sender lease was lost; stopping");
            total.busy = lost;
            Ok(())
        }
    };
    let released = store.release_lease(holder);
    result?;
    released?;
    Ok(total)
}

/// What the UI asks of the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// New rows in the outbox.
    Queued,
    /// GitLab answered a sync: a wait for the network ends now.
    Online,
}

/// How often an idle sender looks for changes other processes queued.
pub const IDLE_POLL: Duration = Duration::from_secs(1);

/// The sender task of an open board: sends what any process queued, in
/// order, whenever this process holds the lease; tells the UI when changes
/// wait. `written` is called after the cache changed (the board then reads
/// it at once).
pub async fn run(
    client: Client,
    store: Store,
    team: TeamConfig,
    me: Option<User>,
    mut wake: mpsc::UnboundedReceiver<Wake>,
    actions: mpsc::UnboundedSender<Action>,
    written: impl Fn() + Send + 'static,
) {
    let policy = RetryPolicy::default();
    let holder = holder();
    let mut failures = 0u32;
    let mut was_waiting = false;
    loop {
        let queued = match store.outbox_queued() {
            Ok(q) => q.len(),
            Err(e) => {
                tracing::error!(error = %e, "outbox unreadable");
                0
            }
        };
        if queued == 0 {
            tokio::select! {
                w = wake.recv() => if w.is_none() { return },
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
            continue;
        }
        let outcome = match flush(&client, &store, &team, me.as_ref(), &holder).await {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(error = %e, "the outbox cannot be updated");
                let _ = actions.send(Action::Outbox(OutboxEvent::Waiting {
                    why: WaitReason::CacheUnwritable(e.to_string()),
                }));
                tokio::time::sleep(backoff(&policy, failures)).await;
                failures += 1;
                continue;
            }
        };
        if !outcome.finished.is_empty() {
            written();
        }
        for (id, text) in &outcome.said {
            let what = outcome.summaries.get(id).cloned().unwrap_or_default();
            let _ = actions.send(Action::Outbox(OutboxEvent::Said {
                text: format!("{what}: GitLab: {text}"),
            }));
        }
        for (id, text) in &outcome.not_kept {
            let what = outcome.summaries.get(id).cloned().unwrap_or_default();
            let _ = actions.send(Action::Outbox(OutboxEvent::Said {
                text: format!("{what}: applied in part: {text}"),
            }));
        }
        if outcome.busy.is_some() {
            // Another glboard sends; look again in a moment.
            tokio::select! {
                w = wake.recv() => if w.is_none() { return },
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
            continue;
        }
        let Some(e) = outcome.waiting else {
            failures = 0;
            if was_waiting {
                was_waiting = false;
                let _ = actions.send(Action::Outbox(OutboxEvent::Flowing));
            }
            continue;
        };
        let (why, wait) = match &e {
            GitlabError::RateLimited { until } => (
                WaitReason::RateLimited {
                    until: crate::gitlab::until_local(*until),
                },
                (*until - Utc::now())
                    .to_std()
                    .unwrap_or(Duration::from_secs(1)),
            ),
            e if e.is_offline() => (WaitReason::Offline, backoff(&policy, failures)),
            GitlabError::Unauthorized => (WaitReason::TokenRejected, backoff(&policy, failures)),
            e => (
                WaitReason::Failing(e.to_string()),
                backoff(&policy, failures),
            ),
        };
        failures += 1;
        was_waiting = true;
        tracing::warn!(error = %e, wait_s = wait.as_secs(), "changes wait");
        let _ = actions.send(Action::Outbox(OutboxEvent::Waiting { why }));
        // Wait; new changes are already in the outbox and keep their order.
        // A wait for the network ends as soon as a sync gets through.
        let offline = e.is_offline();
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            tokio::select! {
                w = wake.recv() => match w {
                    None => return,
                    Some(Wake::Online) if offline => break,
                    Some(_) => {}
                },
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
    }
}

/// The next batch of the queue: one change per issue (its later ones wait
/// for the next batch), at most [`BATCH`], and no move beside a card an
/// earlier move of the batch moved: the batch's requests run side by side,
/// and a move is made between its neighbours as they are when GitLab takes
/// it, so two moves of cards beside each other, sent at once, could land in
/// either order and the later be undone by the earlier (found by
/// `tests/chaos.rs`, seed 428336). The first change always goes.
fn next_batch(queue: &[Change]) -> Vec<Change> {
    let mut issues = std::collections::HashSet::new();
    let mut moved = std::collections::HashSet::new();
    let mut batch: Vec<Change> = Vec::new();
    for c in queue {
        if batch.len() == BATCH {
            break;
        }
        if let Some(r) = c.edit.reorder {
            let cards = [Some(c.issue), r.after, r.before];
            if cards.iter().flatten().any(|id| moved.contains(id)) {
                break;
            }
            moved.insert(c.issue);
        }
        if issues.insert(c.issue) {
            batch.push(c.clone());
        }
    }
    batch
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

    /// Two moves of cards beside each other go one after the other, in
    /// the queue's order; moves of cards apart go side by side.
    #[test]
    fn a_move_beside_a_card_moved_earlier_in_the_batch_waits_for_the_next() {
        let mv = |id: u64, issue: u64, after: Option<u64>, before: Option<u64>| Change {
            id,
            issue,
            edit: crate::core::domain::edit::Edit {
                reorder: Some(crate::core::domain::edit::Reorder { after, before }),
                ..Default::default()
            },
            ..Change::default()
        };
        // 227 goes between 239 and 251, then 239 between 227 and 251.
        let queue = [
            mv(260, 227, Some(239), Some(251)),
            mv(261, 239, Some(227), Some(251)),
        ];
        let ids = |b: Vec<Change>| b.iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(ids(next_batch(&queue)), vec![260]);
        assert_eq!(ids(next_batch(&queue[1..])), vec![261]);
        // Apart: both at once.
        let queue = [mv(1, 10, Some(11), None), mv(2, 20, None, Some(21))];
        assert_eq!(ids(next_batch(&queue)), vec![1, 2]);
    }
    use crate::core::domain::edit::{Edit, Seen};
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
            ..Change::default()
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
        assert_eq!(conflict(&c, &applied, &team(), &[]), None);
        let mut other = seen.clone();
        other.assignees = vec![user(8, "max", "M")];
        assert!(conflict(&c, &other, &team(), &[]).is_some());
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
        let form = put_form(&c, Some(&seen), &LaneLabels::default());
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
            put_form(&c, Some(&seen), &LaneLabels::default()),
            vec![("assignee_ids".into(), "0".into())]
        );
    }

    #[test]
    fn concurrent_edits_of_the_same_field_conflict_and_others_do_not() {
        let t = team();
        let seen = issue(1, 1, &["team::Datastores", "workflow-infra::Ready"]);
        let c = change(
            &seen,
            crate::core::domain::edit::to_lane(&seen, &t, Some("In Progress")),
        );
        // Someone else moved it to Blocked: a conflict.
        let mut fresh = seen.clone();
        fresh.labels = vec!["team::Datastores".into(), "workflow-infra::Blocked".into()];
        assert!(
            conflict(&c, &fresh, &t, &[])
                .unwrap()
                .to_string()
                .contains("Blocked")
        );
        // Someone else moved it where we wanted: fine.
        fresh.labels = vec![
            "team::Datastores".into(),
            "workflow-infra::In Progress".into(),
        ];
        assert_eq!(conflict(&c, &fresh, &t, &[]), None);
        // Someone else changed its milestone: another field, fine.
        let mut fresh = seen.clone();
        fresh.milestone_id = Some(9);
        assert_eq!(conflict(&c, &fresh, &t, &[]), None);
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
        assert!(
            conflict(&c, &fresh, &t, &[])
                .unwrap()
                .to_string()
                .contains("@ben")
        );
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
        assert!(put_form(&c, Some(&i), &LaneLabels::default()).is_empty());
    }
}
