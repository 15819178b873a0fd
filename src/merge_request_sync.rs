//! Reading the merge requests behind the cards (issue #30), within a
//! request budget: never one request per issue. Each round asks
//! 1. the group's merge requests updated since the last round (one
//!    request while nothing changed; any project of the group, any
//!    state), and reads only the changed ones' links (`closes_issues`,
//!    which sees other projects' issues, where an issue's `closed_by`
//!    lists only its own project's merge requests), and, for those that
//!    close a cached issue, their head pipeline (a single read: lists
//!    carry none) and approvals;
//! 2. for the open ones, their head pipelines (a pipeline that goes from
//!    running to failed does not touch its merge request's `updated_at`):
//!    through GraphQL, one request per ten projects; without GraphQL, each
//!    of their projects' pipelines updated since the last round, one
//!    request per project, a status taken from the list, a new pipeline of
//!    the branch read through its merge request.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;

use crate::core::domain::merge_requests::{MergeRequest, MrState};
use crate::gitlab::GitlabError;
use crate::gitlab::merge_requests::ApiMergeRequest;
use crate::store::MrCursor;
use crate::sync::{CLOSED_WINDOW_DAYS, SAFETY_MARGIN, SyncError, Syncer};

/// Changed merge requests read per round, oldest change first: a first
/// round on a large group writes what it read every 200 and goes on in
/// the next round (the cursor moves to the last one read).
pub const MR_BATCH: usize = 200;

/// What a round did, for tests, benches and the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MrReport {
    /// More changed merge requests than [`MR_BATCH`]: another round reads on.
    pub more: bool,
    pub requests: u64,
    /// Merge requests listed as changed.
    pub changed: usize,
    /// Merge requests read whole (pipeline, approvals).
    pub read: usize,
    /// Pipeline statuses taken from the projects' lists.
    pub pipelines: usize,
}

/// An error that ends the round (GitLab away, rate-limited, the token
/// refused); any other (404, 403 on one merge request or project) skips
/// what it was about.
fn fatal(e: &GitlabError) -> bool {
    e.is_transient() || *e == GitlabError::Unauthorized
}

impl Syncer {
    /// One round of merge request reads (see the module's comment).
    pub async fn refresh_merge_requests(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<MrReport, SyncError> {
        let before = self.client.request_count();
        // Every status read this round is at least this new.
        let round_start = self.client.server_now();
        let cursor = self.store.mr_cursor()?;
        let group = self.target.group.clone();
        let since = cursor.updated_at.map_or_else(
            || now - chrono::Duration::days(CLOSED_WINDOW_DAYS),
            |t| t - SAFETY_MARGIN,
        );
        let listed = self.client.group_merge_requests(&group, since).await?;
        let known: HashMap<u64, MergeRequest> = self
            .snap
            .ws
            .merge_requests
            .iter()
            .map(|m| (m.id, m.clone()))
            .collect();
        let mut listed = listed;
        listed.sort_by_key(|m| (m.updated_at, m.id));
        let mut new_cursor = MrCursor {
            updated_at: listed
                .iter()
                .map(|m| m.updated_at)
                .max()
                .max(cursor.updated_at),
            pipelines_at: cursor.pipelines_at,
        };
        // Listed again only for the safety margin: nothing new.
        let mut changed: Vec<ApiMergeRequest> = listed
            .into_iter()
            .filter(|m| known.get(&m.id).is_none_or(|k| m.updated_at > k.updated_at))
            .collect();
        let more = changed.len() > MR_BATCH;
        if more {
            changed.truncate(MR_BATCH);
            // The next round lists on from the last one read.
            new_cursor.updated_at = changed.last().map(|m| m.updated_at).or(cursor.updated_at);
        }
        let cached: HashSet<u64> = self.snap.ws.issues.iter().map(|i| i.id).collect();
        let mut report = MrReport {
            more,
            changed: changed.len(),
            ..MrReport::default()
        };
        let client = &self.client;
        let cached_ref = &cached;
        let known_ref = &known;
        let read: Vec<Result<Option<MergeRequest>, GitlabError>> =
            futures_util::stream::iter(changed.into_iter().map(|m| async move {
                let closes: Vec<u64> = match client.closes_issues(m.project_id, m.iid).await {
                    Ok(list) => list.into_iter().map(|i| i.id).collect(),
                    Err(e) if fatal(&e) => return Err(e),
                    Err(e) => {
                        // One merge request GitLab will not show (404,
                        // 403) holds up none of the others.
                        tracing::info!(error = %e, project = m.project_id, iid = m.iid, "merge request not read");
                        return Ok(None);
                    }
                };
                let old = known_ref.get(&m.id);
                if !closes.iter().any(|id| cached_ref.contains(id)) {
                    // Closes no issue of ours: remembered by its links
                    // only (an issue that joins the team later finds it).
                    if closes.is_empty() && old.is_none() {
                        return Ok(None);
                    }
                    let approved = old.is_some_and(|o| o.approved);
                    return Ok(Some(m.into_merge_request(closes, approved, old)));
                }
                let whole = match client.merge_request(m.project_id, m.iid).await {
                    Ok(w) => w,
                    Err(e) if fatal(&e) => return Err(e),
                    // Listed but not readable: what the list says.
                    Err(_) => m.clone(),
                };
                // An instance without the approvals endpoint (GitLab CE
                // before 13.2 answers 404): not approved, as far as known.
                let approved = match client.approvals(m.project_id, m.iid).await {
                    Ok(a) => a.approved,
                    Err(e) if fatal(&e) => return Err(e),
                    Err(_) => false,
                };
                Ok(Some(whole.into_merge_request(closes, approved, old)))
            }))
            .buffer_unordered(crate::gitlab::CONCURRENT_PAGES)
            .collect()
            .await;
        let mut fresh: HashMap<u64, MergeRequest> = HashMap::new();
        for r in read {
            if let Some(m) = r? {
                if m.closes.iter().any(|id| cached.contains(id)) {
                    report.read += 1;
                }
                fresh.insert(m.id, m);
            }
        }

        // 2. Pipelines of the open merge requests on cached open issues,
        // through their projects' lists.
        let open_issues: HashSet<u64> = self
            .snap
            .ws
            .issues
            .iter()
            .filter(|i| i.is_open())
            .map(|i| i.id)
            .collect();
        let watched: Vec<MergeRequest> = known
            .values()
            .filter(|m| !fresh.contains_key(&m.id))
            .filter(|m| m.state == MrState::Opened)
            .filter(|m| m.closes.iter().any(|id| open_issues.contains(id)))
            .cloned()
            .collect();
        let projects: BTreeSet<u64> = watched.iter().map(|m| m.project_id).collect();
        // Through GraphQL: every watched merge request's head pipeline in
        // one request (per ten projects), whatever the group's size; REST's
        // pipelines lists, one per project, when GraphQL is not there.
        let mut by_graphql = false;
        if !watched.is_empty() && self.graphql_usable() {
            let mut wanted: Vec<(String, Vec<u64>)> = Vec::new();
            for m in &watched {
                let Some((path, _)) = m.reference.rsplit_once('!') else {
                    continue;
                };
                match wanted.iter_mut().find(|(p, _)| p == path) {
                    Some((_, iids)) => iids.push(m.iid),
                    None => wanted.push((path.to_owned(), vec![m.iid])),
                }
            }
            match self.client.head_pipelines(&wanted).await {
                Ok(heads) => {
                    self.graphql_answered(true);
                    by_graphql = true;
                    for m in &watched {
                        let Some((path, _)) = m.reference.rsplit_once('!') else {
                            continue;
                        };
                        let Some(head) = heads.get(&(path.to_owned(), m.iid)) else {
                            continue;
                        };
                        let mut m = fresh.get(&m.id).cloned().unwrap_or_else(|| m.clone());
                        let (id, status) = match head {
                            Some((id, status)) => (Some(*id), Some(*status)),
                            None => (None, None),
                        };
                        if m.pipeline_id != id || m.pipeline != status {
                            m.pipeline_id = id;
                            m.pipeline = status;
                            m.pipeline_updated_at = Some(round_start);
                            report.pipelines += 1;
                            fresh.insert(m.id, m);
                        }
                    }
                }
                Err(e) if fatal(&e) => return Err(e.into()),
                Err(e) => {
                    tracing::info!(error = %e, "head pipelines not read through GraphQL: REST");
                    self.graphql_answered(false);
                }
            }
        }
        if !projects.is_empty() && !by_graphql {
            let since = cursor.pipelines_at.unwrap_or(round_start) - SAFETY_MARGIN;
            let mut reread: Vec<MergeRequest> = Vec::new();
            for p in projects {
                let pipelines = match self.client.pipelines_since(p, since).await {
                    Ok(list) => list,
                    Err(e) if fatal(&e) => return Err(e.into()),
                    Err(e) => {
                        // CI off in that project, or not ours to see.
                        tracing::info!(error = %e, project = p, "pipelines not read");
                        continue;
                    }
                };
                for pl in pipelines {
                    for m in watched.iter().filter(|m| m.project_id == p) {
                        let mut m = fresh.get(&m.id).cloned().unwrap_or_else(|| m.clone());
                        if m.pipeline_id == Some(pl.id) {
                            if m.pipeline != Some(pl.status) {
                                m.pipeline = Some(pl.status);
                                m.pipeline_updated_at = pl.updated_at;
                                report.pipelines += 1;
                                fresh.insert(m.id, m);
                            }
                        } else if pl.sha.is_some()
                            && pl.sha == m.sha
                            && m.pipeline_id.is_none_or(|id| pl.id > id)
                            && !reread.iter().any(|r| r.id == m.id)
                        {
                            // A newer pipeline of its head commit: GitLab
                            // says which is the head one.
                            reread.push(m);
                        }
                    }
                }
            }
            for m in reread {
                let whole = match self.client.merge_request(m.project_id, m.iid).await {
                    Ok(w) => w,
                    Err(e) if fatal(&e) => return Err(e.into()),
                    Err(_) => continue,
                };
                let approved = m.approved;
                let closes = m.closes.clone();
                report.read += 1;
                fresh.insert(m.id, whole.into_merge_request(closes, approved, Some(&m)));
            }
        }
        // Whatever changed before this round began has been read.
        new_cursor.pipelines_at = new_cursor.pipelines_at.max(Some(round_start));
        let upsert: Vec<MergeRequest> = fresh.into_values().collect();
        self.store.save_merge_requests(&upsert, &[], new_cursor)?;
        for m in upsert {
            match self
                .snap
                .ws
                .merge_requests
                .iter_mut()
                .find(|k| k.id == m.id)
            {
                Some(k) => *k = m,
                None => self.snap.ws.merge_requests.push(m),
            }
        }
        report.requests = self.client.request_count() - before;
        Ok(report)
    }
}
