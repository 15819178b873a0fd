//! Background sync: keeps the on-disk cache equal to GitLab, and tells the
//! UI through [`SyncEvent`]s. A full sync fetches everything; an incremental
//! one asks only for issues updated since the last one, plus GitLab's order
//! of the shown boards (the manual order is not in the payload and a reorder
//! may not touch `updated_at`). Milestones and members refresh less often.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use crate::core::app::action::{Action, SyncEvent};
use crate::core::domain::lane_labels::LaneLabels;
use crate::core::domain::model::{
    Issue, IssueId, Milestone, MilestoneId, Project, TeamConfig, User, Workspace,
};
use crate::core::domain::num;
use crate::gitlab::dto::ApiIssue;
use crate::gitlab::{Client, GitlabError};
use crate::store::{Delta, Snapshot, Store, StoreError, SyncMeta};

/// How far back closed issues are fetched in a full sync (the Closed column
/// of recent iterations).
pub const CLOSED_WINDOW_DAYS: i64 = 120;
/// Incremental syncs ask from this long before the newest `updated_at` seen.
pub const SAFETY_MARGIN: chrono::Duration = chrono::Duration::minutes(5);
/// Milestones and members are refreshed after this long.
pub const LISTS_MAX_AGE: chrono::Duration = chrono::Duration::minutes(30);
/// Milestone histories read per sync round.
pub const HISTORY_BATCH: usize = 200;
/// Issues whose resource events (of one kind) the board's background
/// sync reads before it looks for a request from the board again.
pub const EVENTS_BATCH: usize = 200;
/// Everything is fetched again after this long.
pub const FULL_MAX_AGE: chrono::Duration = chrono::Duration::hours(12);

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Gitlab(#[from] GitlabError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a sync did, for tests, benches and the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub full: bool,
    pub requests: u64,
    pub fetched: usize,
    pub removed: usize,
    /// What the user should know (a board of work item statuses).
    pub warnings: Vec<String>,
}

/// Which team and group to sync.
#[derive(Debug, Clone)]
pub struct Target {
    pub group: String,
    pub team: TeamConfig,
    /// Lanes come from the config; otherwise they are discovered.
    pub lanes_configured: bool,
}

/// Owns the client, the cache and the last synced state.
pub struct Syncer {
    pub client: Client,
    pub store: Store,
    pub target: Target,
    pub snap: Snapshot,
    /// The cache's revision `snap` reflects: when another writer (the
    /// sender, another process) moved it on, `snap` is read again.
    rev: i64,
    /// How GraphQL answered the board order: an instance without it
    /// (disabled, too old, failing) is asked through REST meanwhile.
    graphql: GraphqlHealth,
    /// What the last refresh of the lists found the user should know.
    warnings: Vec<String>,
}

/// GraphQL's record in this process: one refusal never switches it off
/// for good; after failures in a row it rests a while (1, 2, 4 ... 30
/// minutes) and is asked again.
#[derive(Debug, Default)]
struct GraphqlHealth {
    failures: u32,
    resting_until: Option<std::time::Instant>,
}

impl GraphqlHealth {
    fn usable(&self) -> bool {
        self.resting_until
            .is_none_or(|t| std::time::Instant::now() >= t)
    }

    fn worked(&mut self) {
        *self = GraphqlHealth::default();
    }

    fn failed(&mut self) {
        self.failures = self.failures.saturating_add(1);
        let minutes = (1u64 << self.failures.min(6).saturating_sub(1)).min(30);
        self.resting_until =
            Some(std::time::Instant::now() + std::time::Duration::from_secs(minutes * 60));
    }
}

/// Whether a cached issue belonged to a listed board before this sync.
type WasOn = Box<dyn Fn(&Issue) -> bool + Send + Sync>;

/// A board whose order and members an incremental sync reads.
struct Listed {
    labels: Vec<String>,
    milestone: Option<String>,
    state: &'static str,
    was_on: WasOn,
    /// Every open team issue, ids only (GraphQL): for removals, not order.
    sweep: bool,
}

type Progress<'a> = &'a (dyn Fn(usize, Option<u64>) + Send + Sync);

impl Syncer {
    /// Whether GraphQL is worth asking now (it did not fail lately).
    pub(crate) fn graphql_usable(&self) -> bool {
        self.graphql.usable()
    }

    /// How a GraphQL request went, for [`Syncer::graphql_usable`].
    pub(crate) fn graphql_answered(&mut self, worked: bool) {
        if worked {
            self.graphql.worked();
        } else {
            self.graphql.failed();
        }
    }

    /// A syncer starting from whatever the cache holds.
    pub fn new(client: Client, store: Store, target: Target) -> Result<Syncer, SyncError> {
        let rev = store.rev()?;
        let snap = store.load()?.unwrap_or_default();
        client.set_lanes(snap.meta.lane_labels.clone());
        Ok(Syncer {
            client,
            store,
            target,
            snap,
            rev,
            graphql: GraphqlHealth::default(),
            warnings: Vec::new(),
        })
    }

    /// The lanes to show: configured, or discovered at the last sync.
    pub fn lanes(&self) -> Vec<String> {
        if self.target.lanes_configured || self.snap.meta.lanes.is_empty() {
            self.target.team.lanes.clone()
        } else {
            self.snap.meta.lanes.clone()
        }
    }

    fn team_label(&self) -> String {
        self.target.team.team_label.clone()
    }

    /// Read fresh the cached issues a listing did not return. Offset
    /// pagination skips an item when the list shifts between two pages (an
    /// issue reordered or changed on the web meanwhile), so absence from a
    /// listing is not proof. Read through the group, 100 iids a request:
    /// as the group's listings and GitLab's boards, it leaves out projects
    /// that were deleted, archived, hidden from us or moved out of the
    /// group, so their issues go instead of failing every sync.
    /// Returns the fresh issues that still carry the team label; the other
    /// ids have left the team or were deleted.
    async fn recheck(&self, ids: &HashSet<IssueId>) -> Result<Vec<ApiIssue>, GitlabError> {
        let iids: Vec<u64> = self
            .snap
            .ws
            .issues
            .iter()
            .filter(|i| ids.contains(&i.id))
            .map(|i| i.iid)
            .collect();
        let found = self.by_iids(&iids, ids).await?;
        if !found.is_empty() {
            tracing::info!(
                kept = found.len(),
                "issues missing from a listing are still there (the list shifted while paged)"
            );
        }
        Ok(found)
    }

    /// The team's issues `ids` (with these iids), read through the group,
    /// 100 iids a request.
    async fn by_iids(
        &self,
        iids: &[u64],
        ids: &HashSet<IssueId>,
    ) -> Result<Vec<ApiIssue>, GitlabError> {
        let mut iids = iids.to_vec();
        iids.sort_unstable();
        iids.dedup();
        let team = self.team_label();
        let mut found = Vec::new();
        for chunk in iids.chunks(100) {
            let mut q: Vec<(&str, String)> =
                chunk.iter().map(|i| ("iids[]", i.to_string())).collect();
            q.push(("state", "all".into()));
            // An iid matches in every project of the group: the team label
            // keeps a chunk of 100 to the team's (not thousands of issues).
            q.push(("labels", team.clone()));
            let fresh = self
                .client
                .group_issues(&self.target.group, &q, &|_, _| {})
                .await?;
            found.extend(
                fresh
                    .into_iter()
                    .filter(|a| ids.contains(&a.id) && a.labels.iter().any(|l| l.name == team)),
            );
        }
        Ok(found)
    }

    /// A board's order through GraphQL; `None` when this GitLab does not
    /// answer it (then REST lists it, and GraphQL rests a while).
    async fn order(
        &mut self,
        group: &str,
        labels: &[String],
        milestone: Option<&str>,
        state: &str,
    ) -> Result<Option<Vec<crate::gitlab::dto::OrderedIssue>>, GitlabError> {
        if !self.graphql.usable() {
            return Ok(None);
        }
        match self
            .client
            .issue_order(group, labels, milestone, state)
            .await
        {
            Ok(order) => {
                self.graphql.worked();
                Ok(Some(order))
            }
            Err(e) if e.is_transient() || e == GitlabError::Unauthorized => Err(e),
            Err(e) => {
                tracing::info!(error = %e, "no board order from GraphQL; reading it through REST");
                self.graphql.failed();
                Ok(None)
            }
        }
    }

    /// Others wrote to the cache since (answers to changes, another
    /// process's sync): start from what it holds now.
    fn catch_up(&mut self) -> Result<(), SyncError> {
        let rev = self.store.rev()?;
        if rev != self.rev {
            self.snap = self.store.load()?.unwrap_or_default();
            self.rev = rev;
            self.client.set_lanes(self.snap.meta.lane_labels.clone());
        }
        Ok(())
    }

    /// Whether a team issue changed on GitLab since the last sync saw: one
    /// request (the most recently updated one), for the board's live
    /// probe. A change that leaves no `updated_at` (a reorder within a
    /// lane, an issue leaving the team) waits for the next regular sync.
    pub async fn changed_on_gitlab(&mut self) -> Result<bool, SyncError> {
        self.catch_up()?;
        let Some(known) = self.snap.meta.max_updated_at else {
            return Ok(true);
        };
        let team = self.team_label();
        let latest = self.client.latest_update(&self.target.group, &team).await?;
        Ok(latest.is_some_and(|t| t > known))
    }

    /// Full when never synced or too long ago, else incremental.
    pub async fn sync(
        &mut self,
        now: DateTime<Utc>,
        shown: Option<MilestoneId>,
        progress: Progress<'_>,
    ) -> Result<SyncReport, SyncError> {
        self.catch_up()?;
        let stale = self
            .snap
            .meta
            .full_synced_at
            .is_none_or(|t| now - t > FULL_MAX_AGE);
        let result = if stale || self.snap.meta.max_updated_at.is_none() {
            self.full(now, shown, progress).await
        } else {
            self.incremental(now, shown, progress).await
        };
        if result.is_err() {
            // A sync that failed part way (GitLab, or a save the disk
            // refused) may have changed this snapshot without the cache:
            // the next one starts from the cache again, never from a copy
            // ahead of it (from which a delta would leave the cache and
            // this snapshot apart, and a later save write old places back).
            self.rev = -1;
        }
        result
    }

    /// The configured lanes' labels among the group's: followed by id from
    /// what the cache knew (a renamed lane keeps its cards), else by title.
    /// Best effort: without an answer, what was known stays.
    async fn learn_lane_labels(&self) -> Result<LaneLabels, GitlabError> {
        let group = &self.target.group;
        let team = &self.target.team;
        let known = &self.snap.meta.lane_labels;
        let mut found = match self
            .client
            .group_labels_with_ids(group, &format!("{}::", team.workflow_scope))
            .await
        {
            Ok(f) => f,
            Err(e) if e.is_transient() || e == GitlabError::Unauthorized => return Err(e),
            Err(e) => {
                tracing::info!(error = %e, "cannot list the group's labels; lanes stay as known");
                return Ok(known.clone());
            }
        };
        // A lane's label renamed out of the search (another scope): by id.
        for l in known.lanes.values() {
            if !found.iter().any(|(id, _)| *id == l.id)
                && let Some(f) = self.client.group_label(group, l.id).await?
            {
                found.push(f);
            }
        }
        let learnt = LaneLabels::learn(team, known, &found);
        for (lane, now) in learnt.renamed() {
            tracing::info!(
                lane,
                now,
                "a lane's label was renamed on GitLab; following it by id"
            );
        }
        Ok(learnt)
    }

    async fn lists(
        &mut self,
    ) -> Result<(User, Vec<Milestone>, Vec<User>, Option<(Vec<String>, bool)>), GitlabError> {
        let group = &self.target.group.clone();
        let me: User = self.client.current_user().await?.into();
        let milestones = self
            .client
            .group_milestones(group)
            .await?
            .into_iter()
            .map(|m| m.into_milestone(group))
            .collect();
        let members = self
            .client
            .group_members(group)
            .await?
            .into_iter()
            .map(User::from)
            .collect();
        // The group's boards, best effort (after what the sync needs): lanes
        // in their lists' order, and a word when a board's lists are work
        // item statuses (GitLab 18.2+), which glboard does not read.
        let boards = self.client.group_boards(group).await;
        if let Ok(b) = &boards {
            self.warnings = crate::gitlab::dto::status_board_warnings(b);
        }
        let lanes = if self.target.lanes_configured {
            None
        } else {
            let scope = &self.target.team.workflow_scope;
            let names = self
                .client
                .group_labels(group, &format!("{scope}::"))
                .await?;
            let mut found: Vec<String> = names
                .iter()
                .filter(|n| crate::core::domain::model::label_scope(n) == Some(scope.as_str()))
                .filter_map(|n| {
                    crate::core::domain::model::label_value(n)
                        .map(crate::core::domain::sanitize::line)
                })
                .collect();
            // In the order of the group's board lists (positions), as the
            // web board shows them; the others after. Best effort.
            if let Ok(boards) = boards {
                let mut lists: Vec<(i64, String)> = boards
                    .iter()
                    .flat_map(|b| b.lists.iter())
                    .filter_map(|l| Some((l.position.unwrap_or(0), l.label.as_ref()?.name.clone())))
                    .filter(|(_, n)| {
                        crate::core::domain::model::label_scope(n) == Some(scope.as_str())
                    })
                    .collect();
                lists.sort_by_key(|(p, _)| *p);
                let ordered: Vec<String> = lists
                    .into_iter()
                    .filter_map(|(_, n)| {
                        crate::core::domain::model::label_value(&n)
                            .map(crate::core::domain::sanitize::line)
                    })
                    .collect();
                let mut by_board: Vec<String> = Vec::new();
                for l in ordered {
                    if found.contains(&l) && !by_board.contains(&l) {
                        by_board.push(l);
                    }
                }
                if !by_board.is_empty() {
                    found.retain(|l| !by_board.contains(l));
                    found.sort();
                    by_board.extend(found);
                    return Ok((me, milestones, members, Some((by_board, true))));
                }
            }
            Some((found, false))
        };
        Ok((me, milestones, members, lanes))
    }

    /// The lanes from the group's labels: in the board lists' order when
    /// `ordered` (the backlog lane first, the done lane last if the board
    /// leaves it out), else the configured roles first and the others
    /// alphabetically.
    fn discovered_lanes(&self, (found, ordered): (Vec<String>, bool)) -> Vec<String> {
        let t = &self.target.team;
        if ordered {
            let mut out = found;
            out.retain(|l| *l != t.backlog_lane);
            out.insert(0, t.backlog_lane.clone());
            if !out.contains(&t.done_lane) {
                out.push(t.done_lane.clone());
            }
            return out;
        }
        let mut out: Vec<String> = Vec::new();
        for l in [&t.backlog_lane, &t.ready_lane, &t.doing_lane] {
            if !out.contains(l) {
                out.push(l.clone());
            }
        }
        let mut others: Vec<String> = found
            .into_iter()
            .filter(|l| !out.contains(l) && *l != t.done_lane)
            .collect();
        others.sort();
        others.dedup();
        out.extend(others);
        if !out.contains(&t.done_lane) {
            out.push(t.done_lane.clone());
        }
        out
    }

    /// Fetch everything and replace the cache in one transaction.
    pub async fn full(
        &mut self,
        now: DateTime<Utc>,
        shown: Option<MilestoneId>,
        progress: Progress<'_>,
    ) -> Result<SyncReport, SyncError> {
        let before = self.client.request_count();
        // What others write to the cache from here on is newer than the
        // listing: the save keeps it.
        let base = self.store.rev()?;
        let group = self.target.group.clone();
        let (me, milestones, members, found) = self.lists().await?;
        let lane_labels = self.learn_lane_labels().await?;
        self.client.set_lanes(lane_labels.clone());
        let team = self.team_label();
        let open = self
            .client
            .group_issues(
                &group,
                &[
                    ("labels", team.clone()),
                    ("state", "opened".into()),
                    ("order_by", "relative_position".into()),
                    ("sort", "asc".into()),
                ],
                progress,
            )
            .await?;
        let since = now - chrono::Duration::days(CLOSED_WINDOW_DAYS);
        let closed = self
            .client
            .group_issues(
                &group,
                &[
                    ("labels", team),
                    ("state", "closed".into()),
                    (
                        "updated_after",
                        since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    ),
                    ("order_by", "relative_position".into()),
                    ("sort", "asc".into()),
                ],
                &|_, _| {},
            )
            .await?;
        // The shown milestone whole: its closed issues of any age.
        let shown_title = shown.and_then(|id| milestones.iter().find(|m| m.id == id));
        let whole = match shown_title.map(|m| m.title.clone()) {
            Some(title) => {
                self.client
                    .group_issues(
                        &group,
                        &[
                            ("labels", self.team_label()),
                            ("milestone", title),
                            ("state", "closed".into()),
                            ("order_by", "relative_position".into()),
                            ("sort", "asc".into()),
                        ],
                        &|_, _| {},
                    )
                    .await?
            }
            None => Vec::new(),
        };
        let closed: Vec<ApiIssue> = closed.into_iter().chain(whole).collect();
        let mut fetched = open.len() + closed.len();
        // GitLab Free leaves the weight field out of every issue.
        // (Incidents never carry it, even on Premium: they say nothing.)
        let free =
            crate::gitlab::dto::free_tier(open.iter().chain(&closed)).or(self.snap.meta.free_tier);
        // What the cache had and the listing did not return: gone, or
        // skipped by a list that shifted while it was paged.
        let listed: HashSet<IssueId> = open.iter().chain(&closed).map(|i| i.id).collect();
        let missing: HashSet<IssueId> = self
            .snap
            .ws
            .issues
            .iter()
            .filter(|i| !listed.contains(&i.id))
            .filter(|i| i.is_open() || i.updated_at >= since)
            .map(|i| i.id)
            .collect();
        let skipped = if missing.is_empty() {
            Vec::new()
        } else {
            self.recheck(&missing)
                .await?
                .into_iter()
                .filter(|a| a.state == "opened" || a.updated_at >= since)
                .collect()
        };
        fetched += skipped.len();
        let mut projects: HashMap<u64, Project> = HashMap::new();
        let mut issues = Vec::with_capacity(fetched);
        let mut seen = HashSet::new();
        for (n, api) in open.into_iter().chain(closed).chain(skipped).enumerate() {
            if let Some(p) = api.project() {
                projects.insert(p.id, p);
            }
            if seen.insert(api.id) {
                issues.push(api.into_issue(num::signed(n).saturating_mul(1024), &lane_labels));
            }
        }
        // Blocked comes with the board order (GraphQL), not in REST: keep
        // what the cache knew until the next incremental sync says.
        let was_blocked: HashSet<IssueId> = self
            .snap
            .ws
            .issues
            .iter()
            .filter(|i| i.marks.blocked)
            .map(|i| i.id)
            .collect();
        for i in issues.iter_mut() {
            i.marks.blocked = was_blocked.contains(&i.id);
        }
        // Closed issues last changed before the window stay as cached: a
        // past iteration's Closed column stays complete (a milestone's own
        // listing, when shown or printed with --refresh, brought them), and
        // the counts do not change between syncs with nothing changed.
        let kept_closed: Vec<Issue> = self
            .snap
            .ws
            .issues
            .iter()
            .filter(|i| !i.is_open() && i.updated_at < since && !seen.contains(&i.id))
            .cloned()
            .collect();
        for i in kept_closed {
            if let Some(p) = self.snap.ws.project(i.project_id) {
                projects.entry(p.id).or_insert_with(|| p.clone());
            }
            issues.push(i);
        }
        let lanes = match found {
            Some(f) => self.discovered_lanes(f),
            None => Vec::new(),
        };
        let max_updated = issues.iter().map(|i| i.updated_at).max();
        let mut projects: Vec<Project> = projects.into_values().collect();
        projects.sort_by_key(|p| p.id);
        let snap = Snapshot {
            ws: Workspace {
                name: String::new(),
                host: self.client.host().to_owned(),
                group: group.clone(),
                issues,
                milestones,
                members,
                projects,
                me: Some(me),
                is_demo: false,
                free_tier: free == Some(true),
                // Histories are read separately (refresh_history) and kept.
                history: std::mem::take(&mut self.snap.ws.history),
                events: std::mem::take(&mut self.snap.ws.events),
                // Read separately (refresh_merge_requests) and kept.
                merge_requests: std::mem::take(&mut self.snap.ws.merge_requests),
            },
            history_fetched: std::mem::take(&mut self.snap.history_fetched),
            meta: SyncMeta {
                synced_at: Some(now),
                full_synced_at: Some(now),
                lists_synced_at: Some(now),
                max_updated_at: max_updated.or(self.snap.meta.max_updated_at).or(Some(now)),
                lanes,
                free_tier: free,
                // With renames seen in the issues' labels meanwhile.
                lane_labels: (*self.client.lanes()).clone(),
            },
        };
        let rev = self.store.save_full_over(&snap, Some(base))?;
        if rev == base + 1 {
            self.snap = snap;
        } else {
            // Another writer wrote to the cache while this sync was on its
            // way (see `incremental`): what it wrote was kept, so the
            // snapshot is the cache's, read again.
            self.snap = self.store.load()?.unwrap_or_default();
        }
        self.rev = rev;
        Ok(SyncReport {
            full: true,
            requests: self.client.request_count() - before,
            fetched,
            removed: 0,
            warnings: std::mem::take(&mut self.warnings),
        })
    }

    /// Ask only for what changed, and for the order of the shown boards.
    pub async fn incremental(
        &mut self,
        now: DateTime<Utc>,
        shown: Option<MilestoneId>,
        progress: Progress<'_>,
    ) -> Result<SyncReport, SyncError> {
        let before = self.client.request_count();
        let group = self.target.group.clone();
        let team = self.team_label();
        let mut delta = Delta {
            meta: self.snap.meta.clone(),
            ..Delta::default()
        };

        // Milestones, members and lanes: only now and then.
        if self
            .snap
            .meta
            .lists_synced_at
            .is_none_or(|t| now - t > LISTS_MAX_AGE)
        {
            let (me, milestones, members, found) = self.lists().await?;
            let lane_labels = self.learn_lane_labels().await?;
            self.client.set_lanes(lane_labels.clone());
            self.snap.meta.lane_labels = lane_labels.clone();
            delta.meta.lane_labels = lane_labels;
            self.snap.ws.me = Some(me);
            self.snap.ws.milestones = milestones.clone();
            self.snap.ws.members = members.clone();
            delta.milestones = Some(milestones);
            delta.members = Some(members);
            if let Some(f) = found {
                delta.meta.lanes = self.discovered_lanes(f);
            }
            delta.meta.lists_synced_at = Some(now);
        }

        // 1. Everything updated since the last sync (open and closed).
        let since = self.snap.meta.max_updated_at.unwrap_or(now) - SAFETY_MARGIN;
        let changed = self
            .client
            .group_issues(
                &group,
                &[
                    ("labels", team.clone()),
                    ("state", "all".into()),
                    (
                        "updated_after",
                        since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    ),
                    ("order_by", "updated_at".into()),
                    ("sort", "asc".into()),
                ],
                progress,
            )
            .await?;
        let changed_ids: HashSet<IssueId> = changed.iter().map(|i| i.id).collect();
        let mut fetched = changed.len();
        let mut updates: Vec<ApiIssue> = changed;

        // 2. The order (and membership) of the backlog and the shown
        // milestone: ids and places through GraphQL (a fraction of the
        // bytes), else every card through REST.
        let backlog_label = self.target.team.lane_label(&self.target.team.backlog_lane);
        let lane_labels = self.client.lanes();
        let mut specs: Vec<Listed> = Vec::new();
        let bl = backlog_label.clone();
        specs.push(Listed {
            // GitLab filters by the label's title there now.
            labels: vec![
                team.clone(),
                lane_labels
                    .on_gitlab(&backlog_label)
                    .unwrap_or(backlog_label),
            ],
            milestone: None,
            state: "opened",
            was_on: Box::new(move |i: &Issue| i.is_open() && i.has_label(&bl)),
            sweep: false,
        });
        // Now and then (with the lists, every 30 minutes), every open team
        // issue's id: issues that left everywhere else (a deleted or
        // archived project, a label removed without `updated_at`) go
        // within the half hour, not at the next full sync. Through GraphQL
        // only: ids are cheap there.
        let sweep = delta.meta.lists_synced_at == Some(now) && self.graphql.usable();
        if sweep {
            specs.push(Listed {
                labels: vec![team.clone()],
                milestone: None,
                state: "opened",
                was_on: Box::new(|i: &Issue| i.is_open()),
                sweep: true,
            });
        }
        if let Some(mid) = shown
            && let Some(title) = self.snap.ws.milestone(mid).map(|m| m.title.clone())
        {
            specs.push(Listed {
                labels: vec![team.clone()],
                milestone: Some(title),
                state: "all",
                was_on: Box::new(move |i: &Issue| i.milestone_id == Some(mid)),
                sweep: false,
            });
        }
        let known: HashSet<IssueId> = self.snap.ws.issues.iter().map(|i| i.id).collect();
        let mut removed: HashSet<IssueId> = HashSet::new();
        let mut orders: Vec<Vec<IssueId>> = Vec::new();
        let mut unknown_iids: Vec<u64> = Vec::new();
        let mut unknown_ids: HashSet<IssueId> = HashSet::new();
        // Blocked (issue links) is only in GraphQL: taken with the order.
        let mut blocked: HashMap<IssueId, bool> = HashMap::new();
        for Listed {
            labels,
            milestone,
            state,
            was_on,
            sweep: is_sweep,
        } in specs
        {
            let ids: Vec<IssueId> = match self
                .order(&group, &labels, milestone.as_deref(), state)
                .await?
            {
                None if is_sweep => continue,
                Some(order) => {
                    for o in &order {
                        blocked.insert(o.id, o.blocked);
                        if !known.contains(&o.id) && !changed_ids.contains(&o.id) {
                            unknown_iids.push(o.iid);
                            unknown_ids.insert(o.id);
                        }
                    }
                    fetched += order.len();
                    order.iter().map(|o| o.id).collect()
                }
                None => {
                    let mut q: Vec<(&str, String)> = vec![
                        ("labels", labels.join(",")),
                        ("state", state.into()),
                        ("order_by", "relative_position".into()),
                        ("sort", "asc".into()),
                    ];
                    if let Some(m) = milestone {
                        q.push(("milestone", m));
                    }
                    let list = self.client.group_issues(&group, &q, &|_, _| {}).await?;
                    fetched += list.len();
                    let ids = list.iter().map(|i| i.id).collect();
                    updates.extend(list);
                    ids
                }
            };
            // Issues that were on this board, changed no field GitLab's
            // filter can see, and are gone from it have left the team.
            let on: HashSet<IssueId> = ids.iter().copied().collect();
            for i in &self.snap.ws.issues {
                if was_on(i) && !on.contains(&i.id) && !changed_ids.contains(&i.id) {
                    removed.insert(i.id);
                }
            }
            if !is_sweep {
                orders.push(ids);
            }
        }
        // On a board with no change GitLab's `updated_after` sees (a
        // renamed label or milestone): read them.
        if !unknown_iids.is_empty() {
            for api in self.by_iids(&unknown_iids, &unknown_ids).await? {
                fetched += 1;
                updates.push(api);
            }
        }
        // Absent from a list is not proof (a list can shift while paged):
        // what is still on the team is kept, with GitLab's fresh version.
        if !removed.is_empty() {
            for api in self.recheck(&removed).await? {
                removed.remove(&api.id);
                fetched += 1;
                updates.push(api);
            }
        }

        // Learnt from positive evidence only, and one incremental sync never
        // turns a known Premium into Free (a full sync or an answer that
        // dropped what Free drops does).
        if let Some(free) = crate::gitlab::dto::free_tier(&updates)
            && !(free && self.snap.meta.free_tier == Some(false))
        {
            delta.meta.free_tier = Some(free);
            self.snap.ws.free_tier = free;
        }

        // Apply: upsert what came back (newest wins), drop what left.
        let mut by_id: HashMap<IssueId, usize> = self
            .snap
            .ws
            .issues
            .iter()
            .enumerate()
            .map(|(n, i)| (i.id, n))
            .collect();
        let mut upserted: HashSet<IssueId> = HashSet::new();
        let mut next_pos = self
            .snap
            .ws
            .issues
            .iter()
            .map(|i| i.position)
            .max()
            .unwrap_or(0)
            + 1024;
        for api in updates {
            if let Some(p) = api.project()
                && self.snap.ws.project(p.id).is_none()
            {
                self.snap.ws.projects.push(p.clone());
                delta.projects.push(p);
            }
            let id = api.id;
            match by_id.get(&id) {
                Some(&n) => {
                    let old = &self.snap.ws.issues[n];
                    if api.updated_at >= old.updated_at {
                        let pos = old.position;
                        let was_blocked = old.marks.blocked;
                        let mut fresh = api.into_issue(pos, &lane_labels);
                        fresh.marks.blocked = was_blocked;
                        self.snap.ws.issues[n] = fresh;
                    }
                }
                None => {
                    self.snap
                        .ws
                        .issues
                        .push(api.into_issue(next_pos, &lane_labels));
                    next_pos += 1024;
                    by_id.insert(id, self.snap.ws.issues.len() - 1);
                }
            }
            upserted.insert(id);
        }
        for (id, b) in blocked {
            if let Some(&n) = by_id.get(&id)
                && self.snap.ws.issues[n].marks.blocked != b
            {
                self.snap.ws.issues[n].marks.blocked = b;
                upserted.insert(id);
            }
        }
        // The lists may share issues (a Triage issue in the milestone):
        // merge them into one order before handing out positions.
        let order = orders
            .into_iter()
            .reduce(|a, b| merge_orders(&a, &b))
            .unwrap_or_default();
        for id in reposition(&mut self.snap.ws.issues, &by_id, &order) {
            upserted.insert(id);
        }
        self.snap.ws.issues.retain(|i| !removed.contains(&i.id));
        self.snap.ws.issues.sort_by_key(|i| (i.position, i.id));
        delta.upsert = self
            .snap
            .ws
            .issues
            .iter()
            .filter(|i| upserted.contains(&i.id) && !removed.contains(&i.id))
            .cloned()
            .collect();
        delta.delete = removed.iter().copied().collect();
        delta.meta.synced_at = Some(now);
        delta.meta.max_updated_at = self
            .snap
            .ws
            .issues
            .iter()
            .map(|i| i.updated_at)
            .max()
            .max(self.snap.meta.max_updated_at);
        // Renames seen in the issues' labels meanwhile.
        delta.meta.lane_labels = (*self.client.lanes()).clone();
        let rev = self.store.save_delta(&delta)?;
        if rev == self.rev + 1 {
            self.snap.meta = delta.meta;
        } else {
            // Another writer (a sender's answer, another process's sync)
            // wrote to the cache while this sync was on its way: this
            // snapshot's copy of what it wrote is older than the cache's
            // (a card moved meanwhile has its old place here), so the
            // snapshot is read again rather than taken for this revision,
            // from which a later sync would write the old place back.
            self.snap = self.store.load()?.unwrap_or_default();
        }
        self.rev = rev;
        Ok(SyncReport {
            full: false,
            requests: self.client.request_count() - before,
            fetched,
            removed: removed.len(),
            warnings: std::mem::take(&mut self.warnings),
        })
    }

    /// Read the milestone history of the shown iteration's open issues that
    /// changed since it was last read (at most [`HISTORY_BATCH`] a round,
    /// [`crate::gitlab::CONCURRENT_PAGES`] at a time). Best effort: a
    /// failure leaves the old history. Returns how many were read.
    pub async fn refresh_history(
        &mut self,
        now: DateTime<Utc>,
        shown: Option<MilestoneId>,
    ) -> Result<usize, SyncError> {
        use futures_util::StreamExt;
        let Some(m) = shown else { return Ok(0) };
        let team = self.target.team.team_label.clone();
        let todo: Vec<(IssueId, u64, u64)> = self
            .snap
            .ws
            .issues
            .iter()
            .filter(|i| i.milestone_id == Some(m) && i.is_open() && i.has_label(&team))
            // Read once, then again only when the issue went to another
            // milestone since (its history then ends elsewhere): an edit
            // of anything else changes no history. An issue whose history
            // GitLab refused (404, 403) counts as read.
            .filter(|i| match self.snap.history_fetched.get(&i.id) {
                None => true,
                Some(at) => {
                    let last = self.snap.ws.history.get(&i.id).and_then(|h| h.last());
                    i.updated_at > *at && last.is_some_and(|l| *l != m)
                }
            })
            .take(HISTORY_BATCH)
            .map(|i| (i.id, i.project_id, i.iid))
            .collect();
        if todo.is_empty() {
            return Ok(0);
        }
        let client = &self.client;
        let results: Vec<(
            IssueId,
            Result<Vec<crate::gitlab::ApiMilestoneEvent>, GitlabError>,
        )> = futures_util::stream::iter(
            todo.into_iter()
                .map(|(id, p, iid)| async move { (id, client.milestone_events(p, iid).await) }),
        )
        .buffer_unordered(crate::gitlab::CONCURRENT_PAGES)
        .collect()
        .await;
        let mut rows = Vec::new();
        for (id, r) in results {
            match r {
                Ok(events) => {
                    let added: Vec<u64> = events
                        .iter()
                        .filter(|e| e.action == "add")
                        .filter_map(|e| e.milestone.as_ref().map(|m| m.id))
                        .collect();
                    rows.push((id, added));
                }
                Err(e) if e.is_transient() => return Err(e.into()),
                Err(e) => {
                    // Remembered: not asked again until the issue changes.
                    tracing::debug!(error = %e, issue = id, "no milestone history");
                    rows.push((id, Vec::new()));
                }
            }
        }
        self.store.save_history(&rows, now)?;
        let n = rows.len();
        for (id, added) in rows {
            self.snap.history_fetched.insert(id, now);
            self.snap.ws.history.insert(id, added);
        }
        Ok(n)
    }

    /// The team with the lanes shown (configured, or discovered).
    fn shown_team(&self) -> TeamConfig {
        let mut team = self.target.team.clone();
        team.lanes = self.lanes();
        team
    }

    /// Read the label events of the shown iteration's cards that changed
    /// since they were last read (their age in the lane, issue #29), and
    /// take every cached event into the snapshot. Best effort: a failure
    /// is said in the log; what was read is kept. At most `limit` issues
    /// are read; returns whether more are left for another round.
    pub async fn refresh_lane_events(
        &mut self,
        now: DateTime<Utc>,
        shown: Option<MilestoneId>,
        limit: usize,
    ) -> Result<bool, SyncError> {
        let team = self.shown_team();
        // A first sync knows the milestones only now: the current one.
        let shown = shown.or_else(|| {
            crate::core::domain::iteration::pick(&self.snap.ws.milestones, &team, now.date_naive())
                .current
        });
        let Some(m) = shown else {
            return Ok(false);
        };
        let r = crate::events::refresh_lanes(
            &self.client,
            &self.store,
            &self.snap.ws,
            &team,
            m,
            now,
            limit,
        )
        .await
        .map_err(|crate::events::EventsError::Store(e)| SyncError::Store(e))?;
        if let Some(why) = &r.failed {
            tracing::warn!(%why, "label events not read");
        }
        if r.read > 0 {
            self.snap.ws.events = self.store.all_issue_events()?;
        }
        Ok(r.more && r.failed.is_none())
    }

    /// Read what the board's insights (the panel, `S`) need and the cache
    /// lacks: the milestone and state events of the last finished
    /// iterations' issues and of the shown one's (see
    /// [`crate::events::refresh_insights`]: a finished iteration's are read
    /// once). Best effort, as [`Syncer::refresh_lane_events`]; at most
    /// `limit` issues' lists of each kind a round, returning whether more
    /// are left.
    pub async fn refresh_insight_events(
        &mut self,
        now: DateTime<Utc>,
        shown: Option<MilestoneId>,
        limit: usize,
    ) -> Result<bool, SyncError> {
        use crate::core::domain::insights;
        let team = self.shown_team();
        let ws = &self.snap.ws;
        let shown = shown.or_else(|| {
            crate::core::domain::iteration::pick(&ws.milestones, &team, now.date_naive()).current
        });
        let finished: Vec<&Milestone> = insights::finished_iterations(ws, &team, now)
            .into_iter()
            .take(insights::VELOCITY_ITERATIONS)
            .collect();
        let running: Vec<&Milestone> = shown
            .and_then(|id| ws.milestone(id))
            .filter(|m| !insights::finished(m, now) && insights::window(m).is_some())
            .into_iter()
            .collect();
        let mut read = 0;
        let mut more = false;
        for ms in [finished, running] {
            if ms.is_empty() {
                continue;
            }
            let r = crate::events::refresh_insights(
                &self.client,
                &self.store,
                ws,
                &team,
                &ms,
                now,
                limit,
            )
            .await
            .map_err(|crate::events::EventsError::Store(e)| SyncError::Store(e))?;
            read += r.read;
            if let Some((why, _)) = r.failed {
                tracing::warn!(%why, "milestone and state events not read");
                more = false;
                break;
            }
            if r.more {
                // The finished iterations first; the shown one next round.
                more = true;
                break;
            }
        }
        if read > 0 {
            self.snap.ws.events = self.store.all_issue_events()?;
        }
        Ok(more)
    }

    /// The workspace to show, named for the status line.
    pub fn workspace(&self) -> Workspace {
        let mut ws = self.snap.ws.clone();
        let host = crate::gitlab::address::shown(&ws.host);
        ws.name = format!("{host} · {}", self.target.group);
        ws
    }
}

/// Give the issues of `order` increasing positions in that order, reusing
/// the positions they already hold (so their places relative to issues not
/// in the list stay as they were). Returns the ids whose position changed.
pub fn reposition(
    issues: &mut [Issue],
    index: &HashMap<IssueId, usize>,
    order: &[IssueId],
) -> Vec<IssueId> {
    let slots: Vec<usize> = order
        .iter()
        .filter_map(|id| index.get(id).copied())
        .collect();
    let mut positions: Vec<i64> = slots.iter().map(|&n| issues[n].position).collect();
    positions.sort_unstable();
    positions.dedup();
    // Duplicates (new issues) need fresh slots after the highest.
    let mut extra = positions.last().copied().unwrap_or(0);
    while positions.len() < slots.len() {
        extra += 1;
        positions.push(extra);
    }
    let mut changed = Vec::new();
    for (&n, &pos) in slots.iter().zip(&positions) {
        if issues[n].position != pos {
            issues[n].position = pos;
            changed.push(issues[n].id);
        }
    }
    changed
}

/// One order containing both `a` and `b`, each of which is a subsequence of
/// GitLab's one manual order; the result keeps both orders.
pub fn merge_orders(a: &[IssueId], b: &[IssueId]) -> Vec<IssueId> {
    let in_a: HashSet<IssueId> = a.iter().copied().collect();
    let in_b: HashSet<IssueId> = b.iter().copied().collect();
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut emitted: HashSet<IssueId> = HashSet::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && emitted.contains(&a[i]) {
            i += 1;
        } else if j < b.len() && emitted.contains(&b[j]) {
            j += 1;
        } else if i < a.len() && (j >= b.len() || !in_b.contains(&a[i]) || a[i] == b[j]) {
            emitted.insert(a[i]);
            out.push(a[i]);
            i += 1;
        } else if j < b.len() && (i >= a.len() || !in_a.contains(&b[j])) {
            emitted.insert(b[j]);
            out.push(b[j]);
            j += 1;
        } else {
            // Both heads are shared but differ: inconsistent lists (the
            // order changed between the two requests). Take a's head.
            emitted.insert(a[i]);
            out.push(a[i]);
            i += 1;
        }
    }
    out
}

/// What the UI asks of the sync task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncRequest {
    Refresh,
    Show(MilestoneId),
}

/// How often the board asks GitLab whether anything changed, unless the
/// config's `live_seconds` says.
pub const LIVE_PROBE: Duration = Duration::from_secs(10);

/// The background task: sync at start, on request, and every `interval`;
/// every `live` in between it asks GitLab whether a team issue changed
/// (one request) and syncs at once when one did, so that what others do
/// on either board shows within `live` and a sync. Reports
/// each step as an [`Action`]. Ends when the UI's channel closes.
pub async fn run(
    mut syncer: Syncer,
    mut requests: mpsc::UnboundedReceiver<SyncRequest>,
    actions: mpsc::UnboundedSender<Action>,
    interval: Option<Duration>,
    live: Option<Duration>,
    mut shown: Option<MilestoneId>,
    written: impl Fn() + Send + 'static,
) {
    let mut wait_until: Option<tokio::time::Instant> = None;
    loop {
        let now = Utc::now();
        let _ = actions.send(Action::Sync(SyncEvent::Started));
        let tx = actions.clone();
        let progress = move |fetched: usize, total: Option<u64>| {
            let _ = tx.send(Action::Sync(SyncEvent::Progress { fetched, total }));
        };
        let result = syncer.sync(now, shown, &progress).await;
        let next = match result {
            Ok(report) => {
                tracing::info!(?report, "sync done");
                let _ = actions.send(Action::Sync(SyncEvent::Done { at: now }));
                for w in &report.warnings {
                    tracing::warn!(warning = %w, "sync");
                    let _ = actions.send(Action::Outbox(
                        crate::core::app::action::OutboxEvent::Said { text: w.clone() },
                    ));
                }
                written();
                // Then the carry-over history, which the board can wait for.
                match syncer.refresh_history(now, shown).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(n, "milestone histories read");
                        written();
                    }
                    Err(e) => tracing::warn!(error = %e, "milestone history not read"),
                }
                // Then the events: the cards' age in their lane, and the
                // insights panel's figures (issue #29), EVENTS_BATCH issues
                // a round: the board's requests (r, another milestone)
                // wait for one round at most.
                loop {
                    let lanes = syncer.refresh_lane_events(now, shown, EVENTS_BATCH).await;
                    let insights = syncer
                        .refresh_insight_events(now, shown, EVENTS_BATCH)
                        .await;
                    written();
                    let more = match (lanes, insights) {
                        (Ok(a), Ok(b)) => a || b,
                        (a, b) => {
                            for e in [a.err(), b.err()].into_iter().flatten() {
                                tracing::warn!(error = %e, "events not read");
                            }
                            false
                        }
                    };
                    if !more || !requests.is_empty() {
                        break;
                    }
                }
                // And the merge requests behind the cards (issue #30):
                // what changed, and the open ones' pipelines.
                // MR_BATCH a round, each written as read (the cards show
                // them as they come).
                for _ in 0..100 {
                    match syncer.refresh_merge_requests(now).await {
                        Ok(r) => {
                            tracing::info!(?r, "merge requests read");
                            if r.read + r.pipelines + r.changed > 0 {
                                written();
                            }
                            if !r.more {
                                break;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "merge requests not read");
                            break;
                        }
                    }
                }
                wait_until = None;
                interval.map(|d| tokio::time::Instant::now() + d)
            }
            Err(SyncError::Gitlab(GitlabError::RateLimited { until })) => {
                let local = crate::gitlab::until_local(until);
                tracing::warn!(%local, "rate-limited");
                let _ = actions.send(Action::Sync(SyncEvent::RateLimited { until: local }));
                let wait = (until - Utc::now())
                    .to_std()
                    .unwrap_or(Duration::from_secs(1));
                let at = tokio::time::Instant::now() + wait;
                wait_until = Some(at);
                Some(at)
            }
            Err(e) => {
                tracing::warn!(error = %e, "sync failed");
                let offline = matches!(&e, SyncError::Gitlab(g) if g.is_offline());
                let silent = syncer
                    .client
                    .silent_since()
                    .filter(|_| matches!(&e, SyncError::Gitlab(GitlabError::Timeout(_))));
                let _ = actions.send(Action::Sync(match silent {
                    Some(since) => SyncEvent::NotAnswering {
                        since: since
                            .with_timezone(&chrono::Local)
                            .format("%H:%M")
                            .to_string(),
                    },
                    None => SyncEvent::Failed {
                        message: e.to_string(),
                        offline,
                    },
                }));
                // Retry transient failures sooner than the regular interval.
                let transient = matches!(&e, SyncError::Gitlab(g) if g.is_transient());
                let retry = if transient {
                    Some(Duration::from_secs(30))
                } else {
                    interval
                };
                retry.map(|d| tokio::time::Instant::now() + d)
            }
        };
        // Wait for a request, the next periodic sync, or (not
        // rate-limited) the next probe.
        loop {
            let now = tokio::time::Instant::now();
            let probe = live
                .filter(|_| wait_until.is_none_or(|w| w <= now))
                .map(|d| now + d)
                .filter(|p| next.is_none_or(|n| *p < n));
            let req = match (probe, next) {
                (Some(at), _) => tokio::select! {
                    r = requests.recv() => r,
                    _ = tokio::time::sleep_until(at) => {
                        match syncer.changed_on_gitlab().await {
                            Ok(true) => break,
                            Ok(false) => continue,
                            Err(e) => {
                                tracing::debug!(error = %e, "the live probe failed");
                                continue;
                            }
                        }
                    },
                },
                (None, Some(at)) => tokio::select! {
                    r = requests.recv() => r,
                    _ = tokio::time::sleep_until(at) => break,
                },
                (None, None) => requests.recv().await,
            };
            match req {
                None => return,
                Some(SyncRequest::Refresh) => {
                    if wait_until.is_some_and(|w| w > tokio::time::Instant::now()) {
                        continue; // rate-limited: the status line already says until when
                    }
                    break;
                }
                Some(SyncRequest::Show(id)) => {
                    shown = Some(id);
                    if wait_until.is_none_or(|w| w <= tokio::time::Instant::now()) {
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::issue;

    #[test]
    fn merged_orders_keep_both_orders() {
        let a = [1, 2, 5, 7];
        let b = [3, 2, 4, 7, 8];
        let m = merge_orders(&a, &b);
        let pos = |x| m.iter().position(|y| *y == x).unwrap();
        for w in a.windows(2).chain(b.windows(2)) {
            assert!(pos(w[0]) < pos(w[1]), "{m:?}");
        }
        assert_eq!(m.len(), 7);
        assert_eq!(merge_orders(&[], &b), b.to_vec());
        assert_eq!(merge_orders(&a, &[]), a.to_vec());
    }

    #[test]
    fn reposition_reuses_positions_and_follows_the_new_order() {
        let mut issues = vec![
            issue(1, 1, &[]),
            issue(2, 2, &[]),
            issue(3, 3, &[]),
            issue(4, 4, &[]),
        ];
        for (n, i) in issues.iter_mut().enumerate() {
            i.position = (n as i64 + 1) * 10;
        }
        let index: HashMap<IssueId, usize> =
            issues.iter().enumerate().map(|(n, i)| (i.id, n)).collect();
        // GitLab now orders 3 before 1; issue 2 and 4 are not in the list.
        let changed = reposition(&mut issues, &index, &[3, 1]);
        assert_eq!(issues[2].position, 10);
        assert_eq!(issues[0].position, 30);
        assert_eq!(issues[1].position, 20, "others keep their places");
        assert_eq!(changed.len(), 2);
        assert!(
            reposition(&mut issues, &index, &[3, 1]).is_empty(),
            "stable when nothing moved"
        );
    }
}
