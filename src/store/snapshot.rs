//! What the cache holds of GitLab's data and how it is read and written:
//! the [`Snapshot`] (workspace and sync metadata), a sync's [`Delta`],
//! loading all or some issues ([`IssueFilter`]), saving a full sync or a
//! delta, and the row writers the outbox shares (issues, descriptions,
//! lists, metadata, the revision every write bumps and the epoch from
//! which readers reload).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, from_sql_id, issue_row, sql_id};
use crate::core::domain::model::{Issue, IssueId, Milestone, Project, User, Workspace};

/// What the last syncs left behind, besides the data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncMeta {
    /// Last successful sync of any kind.
    pub synced_at: Option<DateTime<Utc>>,
    /// Last successful full sync.
    pub full_synced_at: Option<DateTime<Utc>>,
    /// Last refresh of milestones and members.
    pub lists_synced_at: Option<DateTime<Utc>>,
    /// Highest `updated_at` seen: the next incremental sync asks for later ones.
    pub max_updated_at: Option<DateTime<Utc>>,
    /// Lanes discovered from the group's labels.
    pub lanes: Vec<String>,
    /// The instance keeps no weights and one assignee per issue (GitLab
    /// Free): its issues come without a `weight` field. `None`: not known.
    pub free_tier: Option<bool>,
    /// The configured lanes' labels on GitLab, by id (renames followed).
    pub lane_labels: crate::core::domain::lane_labels::LaneLabels,
}

/// Everything the cache holds.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub ws: Workspace,
    pub meta: SyncMeta,
    /// When each issue's milestone history was read.
    pub history_fetched: std::collections::HashMap<IssueId, DateTime<Utc>>,
}

/// A change to the cached issues from an incremental sync.
#[derive(Debug, Clone, Default)]
pub struct Delta {
    pub upsert: Vec<Issue>,
    pub delete: Vec<IssueId>,
    pub milestones: Option<Vec<Milestone>>,
    pub members: Option<Vec<User>>,
    pub projects: Vec<Project>,
    pub meta: SyncMeta,
}

/// What is kept about some issues besides their rows.
struct Related {
    history: std::collections::HashMap<IssueId, Vec<u64>>,
    history_fetched: std::collections::HashMap<IssueId, DateTime<Utc>>,
    events: std::collections::HashMap<IssueId, crate::core::domain::events::IssueEvents>,
    merge_requests: Vec<crate::core::domain::merge_requests::MergeRequest>,
}

/// Which cached issues to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueFilter {
    All,
    /// Open issues (the backlog board's candidates).
    Open,
    /// Issues of one milestone (an iteration board).
    Milestone(u64),
    /// Issues of any of these milestones.
    Milestones(Vec<u64>),
}

impl Store {
    /// The cached workspace, or `None` when nothing was ever synced.
    pub fn load(&self) -> Result<Option<Snapshot>, StoreError> {
        self.load_with(IssueFilter::All)
    }

    /// The cache with only some of its issues (for printing one board).
    pub fn load_with(&self, filter: IssueFilter) -> Result<Option<Snapshot>, StoreError> {
        self.load_issues(filter, true)
    }

    /// [`Store::load_with`] without the issues' descriptions: what a board
    /// or a printed board shows (a description is read when it is shown).
    pub fn load_undescribed(&self, filter: IssueFilter) -> Result<Option<Snapshot>, StoreError> {
        self.load_issues(filter, false)
    }

    /// The cache with one board's issues, the board chosen once the
    /// milestones are read (the current iteration's, the backlog's): the
    /// lists are read once, and then only that board's issues, without
    /// their descriptions.
    pub fn load_undescribed_choosing(
        &self,
        choose: impl FnOnce(&Snapshot) -> IssueFilter,
    ) -> Result<Option<Snapshot>, StoreError> {
        let Some(mut snap) = self.read_lists()? else {
            return Ok(None);
        };
        let filter = choose(&snap);
        self.read_issues_into(&mut snap, filter, false)?;
        Ok(Some(snap))
    }

    /// [`Store::load_undescribed_choosing`] with the issues' rows only:
    /// what is kept about them besides (history, events, merge requests)
    /// is read with [`Store::add_related`], for the cards in sight first.
    pub fn load_rows_choosing(
        &self,
        choose: impl FnOnce(&Snapshot) -> IssueFilter,
    ) -> Result<Option<Snapshot>, StoreError> {
        let Some(mut snap) = self.read_lists()? else {
            return Ok(None);
        };
        let selected = filter_sql(&choose(&snap));
        snap.ws.issues = self.issue_rows(selected.as_deref().unwrap_or("1"), false)?;
        Ok(Some(snap))
    }

    /// Add what is kept about some cached issues besides their rows (their
    /// milestone history, label additions and the merge requests that
    /// close them) to a workspace holding them: those `filter` selects, or
    /// only `ids` among them.
    pub fn add_related(
        &self,
        ws: &mut Workspace,
        filter: &IssueFilter,
        ids: Option<&[IssueId]>,
    ) -> Result<(), StoreError> {
        let of = match ids {
            Some([]) => return Ok(()),
            Some(ids) => Of::ids(ids),
            None => Of::Selected(filter_sql(filter)),
        };
        merge_related(ws, self.related(&of)?);
        Ok(())
    }

    fn load_issues(
        &self,
        filter: IssueFilter,
        described: bool,
    ) -> Result<Option<Snapshot>, StoreError> {
        let Some(mut snap) = self.read_lists()? else {
            return Ok(None);
        };
        self.read_issues_into(&mut snap, filter, described)?;
        Ok(Some(snap))
    }

    /// The sync's metadata, milestones, members and projects, without any
    /// issue; `None` when nothing was ever synced.
    fn read_lists(&self) -> Result<Option<Snapshot>, StoreError> {
        let Some(synced) = self.meta_get("synced_at")? else {
            return Ok(None);
        };
        let time = |s: Option<String>| {
            s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
                .map(|d| d.with_timezone(&Utc))
        };
        let meta = SyncMeta {
            synced_at: time(Some(synced)),
            full_synced_at: time(self.meta_get("full_synced_at")?),
            lists_synced_at: time(self.meta_get("lists_synced_at")?),
            max_updated_at: time(self.meta_get("max_updated_at")?),
            lanes: self
                .meta_get("lanes")?
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default(),
            free_tier: self.meta_get("free_tier")?.map(|v| v == "true"),
            lane_labels: self
                .meta_get("lane_labels")?
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default(),
        };
        let me: Option<User> = self
            .meta_get("me")?
            .and_then(|s| serde_json::from_str(&s).ok());
        let milestones: Vec<Milestone> = self.rows("SELECT data FROM milestones ORDER BY id")?;
        let members: Vec<User> = self.rows("SELECT data FROM members ORDER BY id")?;
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT id, path FROM projects ORDER BY id")
            .map_err(|e| self.err(e))?;
        let projects = stmt
            .query_map([], |r| {
                Ok(Project {
                    id: from_sql_id(r.get(0)?),
                    path: r.get(1)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))?;
        drop(stmt);
        drop(conn);
        let ws = Workspace {
            name: String::new(),
            host: self.meta_get("host")?.unwrap_or_default(),
            group: self.meta_get("group")?.unwrap_or_default(),
            milestones,
            members,
            projects,
            me,
            is_demo: false,
            free_tier: meta.free_tier == Some(true),
            ..Workspace::default()
        };
        Ok(Some(Snapshot {
            ws,
            meta,
            history_fetched: std::collections::HashMap::new(),
        }))
    }

    /// The issues `filter` selects, and what is kept about them (history,
    /// events, merge requests), into a snapshot of the lists: a board or a
    /// printed milestone costs what it shows, not the whole cache.
    fn read_issues_into(
        &self,
        snap: &mut Snapshot,
        filter: IssueFilter,
        described: bool,
    ) -> Result<(), StoreError> {
        let selected = filter_sql(&filter);
        let started = std::time::Instant::now();
        let of = Of::Selected(selected.clone());
        // Some issues: what is kept about them is read on a second
        // connection, on another core, while their rows are read here.
        let beside = selected.is_some().then(|| {
            let path = self.path.clone();
            let of = of.clone();
            std::thread::spawn(move || -> Result<Related, StoreError> {
                let other = Store::reader(&path)?;
                other.related(&of)
            })
        });
        let issues: Vec<Issue> = self.issue_rows(selected.as_deref().unwrap_or("1"), described)?;
        let read_issues = started.elapsed();
        let Related {
            history,
            history_fetched,
            events,
            merge_requests,
        } = match beside {
            None => {
                let (history, history_fetched) = self.history_for(None)?;
                Related {
                    history,
                    history_fetched,
                    events: self.all_issue_events()?,
                    merge_requests: self.merge_requests()?,
                }
            }
            Some(thread) => match thread.join() {
                Ok(Ok(related)) => related,
                // A second connection that could not be had (a cache
                // opened read-only): the same read, here.
                Ok(Err(_)) => self.related(&of)?,
                Err(_) => return Err(self.err("a reader thread failed")),
            },
        };
        let read_related = started.elapsed();
        snap.ws.issues = issues;
        snap.ws.history = history;
        snap.ws.events = events;
        snap.ws.merge_requests = merge_requests;
        snap.history_fetched = history_fetched;
        // RUST_LOG=glboard=debug: where a load's time goes (BENCHMARKS.md).
        tracing::debug!(
            issues = snap.ws.issues.len(),
            read_issues = ?read_issues,
            read_related = ?read_related,
            "cache read"
        );
        Ok(())
    }

    /// Cached issues matching `filter` (SQL), in board order; the place
    /// is the `position` column's. Without descriptions when `described`
    /// is false (the board's first frame, `print`). Read from the row's
    /// columns ([`super::issue_row`]), not its JSON. Sorted here, not by
    /// SQLite: its sorter would carry every row's data along.
    fn issue_rows(&self, filter: &str, described: bool) -> Result<Vec<Issue>, StoreError> {
        Ok(in_board_order(self.rows_where(filter, described)?))
    }

    /// The issues `filter` selects, in the order SQLite reads them.
    fn rows_where(&self, filter: &str, described: bool) -> Result<Vec<Issue>, StoreError> {
        let conn = self.conn();
        let (desc, join) = if described {
            (
                "COALESCE(d.description, '')",
                "LEFT JOIN descriptions d ON d.id = issues.id",
            )
        } else {
            ("''", "")
        };
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {}, {desc} FROM issues {join} WHERE {filter}",
                issue_row::SELECT
            ))
            .map_err(|e| self.err(e))?;
        // A milestone's issues are counted from its index first (a tenth
        // of a millisecond for thousands): the list is had at its size,
        // not grown and copied a dozen times.
        let expected = if filter.starts_with("issues.milestone_id") {
            conn.query_row(
                &format!("SELECT count(*) FROM issues WHERE {filter}"),
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(|e| self.err(e))?
        } else {
            0
        };
        let mut out = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let mut i = issue_row::read(r, 0).map_err(|e| self.err(e))?;
            if described {
                let description: String = r.get(issue_row::WIDTH).map_err(|e| self.err(e))?;
                if !description.is_empty() {
                    i.set_description(description);
                }
            }
            out.push(i);
        }
        Ok(out)
    }

    /// These cached issues (those not cached are left out).
    pub fn issues_by_id(&self, ids: &[IssueId]) -> Result<Vec<Issue>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        self.issue_rows(&format!("issues.id IN ({})", list.join(",")), true)
    }

    /// What a board or a printed milestone shows about the issues `of`
    /// names, besides their rows: their milestone history, each label's
    /// last addition (their age in their lane; every event only when the
    /// whole cache is read), and the merge requests that close them.
    fn related(&self, of: &Of) -> Result<Related, StoreError> {
        let started = std::time::Instant::now();
        let (history, history_fetched) = self.history_for(Some(of))?;
        let read_history = started.elapsed();
        let events = self.label_additions_for(of)?;
        let read_events = started.elapsed();
        let merge_requests = self.merge_requests_closing(of)?;
        tracing::debug!(
            ?read_history,
            ?read_events,
            read_merge_requests = ?started.elapsed(),
            "related read"
        );
        Ok(Related {
            history,
            history_fetched,
            events,
            merge_requests,
        })
    }

    /// The milestones each issue was in, and when that was read, of the
    /// issues `of` names, or of all.
    #[allow(clippy::type_complexity)]
    fn history_for(
        &self,
        of: Option<&Of>,
    ) -> Result<
        (
            std::collections::HashMap<IssueId, Vec<u64>>,
            std::collections::HashMap<IssueId, DateTime<Utc>>,
        ),
        StoreError,
    > {
        let mut history = std::collections::HashMap::new();
        let mut fetched = std::collections::HashMap::new();
        let conn = self.conn();
        let from = of.map_or("FROM milestone_history x".to_owned(), |of| {
            of.source("milestone_history")
        });
        let mut stmt = conn
            .prepare(&format!(
                "SELECT x.issue_id, x.milestones, x.fetched_at {from}"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))?;
        for (id, ms, at) in rows {
            if let Ok(list) = serde_json::from_str::<Vec<u64>>(&ms) {
                history.insert(from_sql_id(id), list);
            }
            if let Ok(t) = DateTime::parse_from_rfc3339(&at) {
                fetched.insert(from_sql_id(id), t.with_timezone(&Utc));
            }
        }
        Ok((history, fetched))
    }

    /// Add these cached issues to a snapshot read for some of them (an
    /// issue with a queued change may be moving onto a printed board),
    /// with their events and merge requests, without their descriptions.
    pub fn load_more(&self, snap: &mut Snapshot, ids: &[IssueId]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let of = Of::ids(ids);
        let Of::Ids(list) = &of else {
            return Ok(());
        };
        snap.ws
            .issues
            .extend(self.issue_rows(&format!("issues.id IN ({list})"), false)?);
        let mut related = self.related(&of)?;
        snap.history_fetched
            .extend(std::mem::take(&mut related.history_fetched));
        merge_related(&mut snap.ws, related);
        Ok(())
    }

    /// Iids that more than one project's cached issues have: those issues
    /// are named `project#iid` wherever glboard names them (a printed board
    /// holds only some of the cache's issues, and a reference must resolve
    /// among all of them).
    pub fn ambiguous_iids(&self) -> Result<std::collections::HashSet<u64>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT iid FROM issues GROUP BY iid HAVING COUNT(DISTINCT project_id) > 1")
            .map_err(|e| self.err(e))?;
        stmt.query_map([], |r| r.get::<_, i64>(0))
            .and_then(|rows| {
                rows.map(|r| r.map(|n| u64::try_from(n).unwrap_or(0)))
                    .collect()
            })
            .map_err(|e| self.err(e))
    }

    /// The cache's revision: it changes with every write readers care about.
    pub fn rev(&self) -> Result<i64, StoreError> {
        Ok(self
            .meta_get("rev")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    pub(super) fn rows<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
    ) -> Result<Vec<T>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(sql).map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        // Parsed where SQLite holds the text, not from a copy of it.
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let text = r
                .get_ref(0)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(|e| self.err(e))?;
            out.push(
                serde_json::from_str(text).map_err(|e| self.err(format!("corrupt row: {e}")))?,
            );
        }
        Ok(out)
    }

    /// Replace everything with a full sync's result, in one transaction.
    pub fn save_full(&mut self, snap: &Snapshot) -> Result<i64, StoreError> {
        self.save_full_over(snap, None)
    }

    /// Replace everything with a full sync's result, in one transaction,
    /// keeping what other writers wrote since revision `base` (when the
    /// sync read the cache): a sender's answer that landed while the
    /// listing was on its way is newer than the listing's copy of that
    /// issue (only its place is taken from the listing, as a delta does),
    /// and an issue written meanwhile that the listing did not hold (one
    /// just created) stays until a sync sees it.
    pub fn save_full_over(
        &mut self,
        snap: &Snapshot,
        base: Option<i64>,
    ) -> Result<i64, StoreError> {
        self.write(|tx| {
            let rev = bump_rev(tx)?;
            set_epoch(tx, rev)?;
            match base {
                None => tx.execute_batch("DELETE FROM issues; DELETE FROM descriptions;")?,
                Some(base) => {
                    tx.execute("DELETE FROM issues WHERE rev <= ?1", [base])?;
                    tx.execute("DELETE FROM descriptions WHERE id NOT IN (SELECT id FROM issues)", [])?;
                }
            }
            tx.execute_batch("DELETE FROM milestones; DELETE FROM members; DELETE FROM projects; DELETE FROM tombstones;")?;
            write_issues_keeping_newer(tx, &snap.ws.issues, rev)?;
            write_lists(tx, Some(&snap.ws.milestones), Some(&snap.ws.members), &snap.ws.projects)?;
            write_meta(tx, &snap.meta)?;
            let kv = [
                ("host", snap.ws.host.clone()),
                ("group", snap.ws.group.clone()),
                ("me", serde_json::to_string(&snap.ws.me).unwrap_or_default()),
            ];
            for (k, v) in kv {
                tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", params![k, v])?;
            }
            Ok(rev)
        })
    }

    /// Apply an incremental sync's changes, in one transaction.
    pub fn save_delta(&mut self, delta: &Delta) -> Result<i64, StoreError> {
        self.write(|tx| {
            let rev = bump_rev(tx)?;
            write_issues_keeping_newer(tx, &delta.upsert, rev)?;
            let mut del = tx.prepare_cached("DELETE FROM issues WHERE id = ?1")?;
            let mut tomb =
                tx.prepare_cached("INSERT OR REPLACE INTO tombstones (id, rev) VALUES (?1, ?2)")?;
            for id in &delta.delete {
                del.execute([sql_id(*id)])?;
                tomb.execute(params![sql_id(*id), rev])?;
                write_description(tx, *id, "")?;
            }
            if delta.milestones.is_some() || delta.members.is_some() || !delta.projects.is_empty() {
                // Lists changed: readers take the whole workspace again.
                set_epoch(tx, rev)?;
            }
            if delta.milestones.is_some() {
                tx.execute("DELETE FROM milestones", [])?;
            }
            if delta.members.is_some() {
                tx.execute("DELETE FROM members", [])?;
            }
            write_lists(
                tx,
                delta.milestones.as_deref(),
                delta.members.as_deref(),
                &delta.projects,
            )?;
            write_meta(tx, &delta.meta)?;
            Ok(rev)
        })
    }
}

/// What is kept about some issues, added to a workspace holding them (a
/// merge request it has already is kept once).
fn merge_related(ws: &mut Workspace, related: Related) {
    ws.history.extend(related.history);
    ws.events.extend(related.events);
    let have: std::collections::HashSet<u64> = ws.merge_requests.iter().map(|m| m.id).collect();
    ws.merge_requests.extend(
        related
            .merge_requests
            .into_iter()
            .filter(|m| !have.contains(&m.id)),
    );
    ws.merge_requests.sort_by_key(|m| m.id);
}

/// The SQL condition on `issues` a filter is; `None` for every issue.
/// Which cached issues a read of what is kept about them (history, label
/// additions, merge requests) covers.
#[derive(Debug, Clone)]
pub(super) enum Of {
    /// Those an SQL condition on `issues` selects (`None`: every one).
    Selected(Option<String>),
    /// These ids (an SQL list).
    Ids(String),
}

impl Of {
    pub(super) fn ids(ids: &[IssueId]) -> Self {
        let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        Of::Ids(list.join(","))
    }

    /// The `FROM` (and `WHERE`) of a read of `table`, aliased `x`, whose
    /// `issue_id` names an issue: joined to the issues a condition
    /// selects, read through their index (no list of their ids is built
    /// first), or limited to a list of ids.
    pub(super) fn source(&self, table: &str) -> String {
        self.source_joined(table, "")
    }

    /// [`Of::source`] with `join` (joined to `x`) before its `WHERE`.
    pub(super) fn source_joined(&self, table: &str, join: &str) -> String {
        match self {
            Of::Selected(w) => format!(
                "FROM issues JOIN {table} x ON x.issue_id = issues.id {join} WHERE {}",
                w.as_deref().unwrap_or("1")
            ),
            Of::Ids(list) => format!("FROM {table} x {join} WHERE x.issue_id IN ({list})"),
        }
    }
}

fn filter_sql(filter: &IssueFilter) -> Option<String> {
    match filter {
        IssueFilter::All => None,
        IssueFilter::Open => Some("issues.open = 1".to_owned()),
        IssueFilter::Milestone(m) => Some(format!("issues.milestone_id = {m}")),
        IssueFilter::Milestones(ms) => {
            let list: Vec<String> = ms.iter().map(|m| m.to_string()).collect();
            Some(format!("issues.milestone_id IN ({})", list.join(",")))
        }
    }
}

/// Issues sorted by (position, id), in place, each moved by one swap: an
/// issue is a few hundred bytes, and a sort moving thousands of them a
/// dozen times each cost more than reading them (and a sorted copy, as
/// much memory again).
fn in_board_order(mut issues: Vec<Issue>) -> Vec<Issue> {
    let mut order: Vec<(i64, u64, usize)> = issues
        .iter()
        .enumerate()
        .map(|(k, i)| (i.position, i.id, k))
        .collect();
    if order.is_sorted() {
        return issues;
    }
    order.sort_unstable();
    // `from[j]`: where the issue that goes to `j` is now. Each cycle of
    // that permutation is followed once, the issue at its start carried
    // along by the swaps until its own place comes.
    let mut from: Vec<usize> = order.into_iter().map(|(_, _, k)| k).collect();
    for start in 0..from.len() {
        let mut j = start;
        while from[j] != usize::MAX {
            let src = from[j];
            from[j] = usize::MAX;
            if src == start {
                break;
            }
            issues.swap(j, src);
            j = src;
        }
    }
    issues
}

/// Write issues as GitLab has them, stamped with the write's `rev`: a
/// column per field ([`issue_row`]; the JSON only for an issue the
/// columns cannot hold), and the description in its own table, as GitLab
/// sent it (sanitized when read).
pub(crate) fn write_issues(
    tx: &rusqlite::Transaction<'_>,
    issues: &[Issue],
    rev: i64,
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(issue_row::INSERT)?;
    for i in issues {
        let c = issue_row::columns(i);
        let data = match c.title {
            Some(_) => None,
            None => {
                let mut shell = i.clone();
                shell.description = String::new();
                shell.raw_description = None;
                Some(
                    serde_json::to_string(&shell)
                        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
                )
            }
        };
        c.insert(
            &mut stmt,
            (
                sql_id(i.id),
                i.position,
                data.as_deref(),
                i.milestone_id.map(sql_id),
                i.is_open(),
                rev,
            ),
        )?;
        write_description(tx, i.id, i.raw_description())?;
    }
    Ok(())
}

/// An issue's description, in its own table.
fn write_description(
    tx: &rusqlite::Transaction<'_>,
    id: IssueId,
    description: &str,
) -> rusqlite::Result<()> {
    if description.is_empty() {
        tx.prepare_cached("DELETE FROM descriptions WHERE id = ?1")?
            .execute([sql_id(id)])?;
    } else {
        tx.prepare_cached("INSERT OR REPLACE INTO descriptions (id, description) VALUES (?1, ?2)")?
            .execute(params![sql_id(id), description])?;
    }
    Ok(())
}

fn write_lists(
    tx: &rusqlite::Transaction<'_>,
    milestones: Option<&[Milestone]>,
    members: Option<&[User]>,
    projects: &[Project],
) -> rusqlite::Result<()> {
    let json = |v: &dyn erased::Json| {
        v.json()
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
    };
    if let Some(ms) = milestones {
        let mut stmt =
            tx.prepare_cached("INSERT OR REPLACE INTO milestones (id, data) VALUES (?1, ?2)")?;
        for m in ms {
            stmt.execute(params![sql_id(m.id), json(m)?])?;
        }
    }
    if let Some(us) = members {
        let mut stmt =
            tx.prepare_cached("INSERT OR REPLACE INTO members (id, data) VALUES (?1, ?2)")?;
        for u in us {
            stmt.execute(params![sql_id(u.id), json(u)?])?;
        }
    }
    let mut stmt =
        tx.prepare_cached("INSERT OR REPLACE INTO projects (id, path) VALUES (?1, ?2)")?;
    for p in projects {
        stmt.execute(params![sql_id(p.id), p.path])?;
    }
    Ok(())
}

/// Write issues from a listing, but never over a newer version of the
/// same issue (a change's answer written after the listing was fetched):
/// the place is taken either way.
pub(crate) fn write_issues_keeping_newer(
    tx: &rusqlite::Transaction<'_>,
    issues: &[Issue],
    rev: i64,
) -> rusqlite::Result<()> {
    let mut kept = tx.prepare_cached(
        "SELECT CASE WHEN title IS NOT NULL THEN updated_at > ?3 \
         ELSE unixepoch(json_extract(data, '$.updated_at'), 'subsec') > unixepoch(?2, 'subsec') END \
         FROM issues WHERE id = ?1",
    )?;
    let mut place = tx.prepare_cached("UPDATE issues SET position = ?2, rev = ?3 WHERE id = ?1")?;
    for i in issues {
        let newer_kept: bool = kept
            .query_row(
                params![
                    sql_id(i.id),
                    i.updated_at
                        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                    i.updated_at.timestamp_nanos_opt().unwrap_or(i64::MAX)
                ],
                |r| r.get::<_, Option<bool>>(0),
            )
            .optional()?
            .flatten()
            .unwrap_or(false);
        if newer_kept {
            place.execute(params![sql_id(i.id), i.position, rev])?;
        } else {
            write_issues(tx, std::slice::from_ref(i), rev)?;
        }
    }
    Ok(())
}

/// The next revision of the cache: every write transaction that changes
/// what readers show takes one, so readers ask only for what is newer.
pub(crate) fn bump_rev(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<i64> {
    tx.query_row(
        "INSERT INTO meta (key, value) VALUES ('rev', '1')
         ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1
         RETURNING CAST(value AS INTEGER)",
        [],
        |r| r.get(0),
    )
}

/// Readers reload everything (not only newer rows) from this revision on.
/// One milestone's row (a milestone glboard created).
pub(super) fn write_milestone(
    tx: &rusqlite::Transaction<'_>,
    m: &Milestone,
) -> rusqlite::Result<()> {
    let json = serde_json::to_string(m)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    tx.execute(
        "INSERT OR REPLACE INTO milestones (id, data) VALUES (?1, ?2)",
        params![sql_id(m.id), json],
    )
    .map(drop)
}

pub(super) fn set_epoch(tx: &rusqlite::Transaction<'_>, rev: i64) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('epoch', ?1)",
        [rev.to_string()],
    )
    .map(drop)
}

mod erased {
    /// Serialize to JSON behind a trait object (milestones and users alike).
    pub trait Json {
        fn json(&self) -> Result<String, serde_json::Error>;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> Result<String, serde_json::Error> {
            serde_json::to_string(self)
        }
    }
}

fn write_meta(tx: &rusqlite::Transaction<'_>, meta: &SyncMeta) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?;
    let times = [
        ("synced_at", meta.synced_at),
        ("full_synced_at", meta.full_synced_at),
        ("lists_synced_at", meta.lists_synced_at),
        ("max_updated_at", meta.max_updated_at),
    ];
    for (k, v) in times {
        if let Some(t) = v {
            stmt.execute(params![k, t.to_rfc3339()])?;
        }
    }
    stmt.execute(params![
        "lanes",
        serde_json::to_string(&meta.lanes).unwrap_or_default()
    ])?;
    if let Some(free) = meta.free_tier {
        stmt.execute(params!["free_tier", free.to_string()])?;
    }
    stmt.execute(params![
        "lane_labels",
        serde_json::to_string(&meta.lane_labels).unwrap_or_default()
    ])?;
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::core::testing::{issue, workspace};

    #[test]
    fn board_order_in_place_is_the_sorted_order() {
        let mut rng = fastrand::Rng::with_seed(31);
        for n in [0, 1, 2, 3, 7, 50, 300] {
            for _ in 0..20 {
                let issues: Vec<Issue> = (0..n)
                    .map(|k| {
                        let mut i = issue(rng.u64(1..1000), k, &[]);
                        i.position = rng.i64(-5..5);
                        i
                    })
                    .collect();
                let mut want = issues.clone();
                want.sort_by_key(|i| (i.position, i.id));
                let got = in_board_order(issues);
                let key = |v: &[Issue]| {
                    v.iter()
                        .map(|i| (i.position, i.id, i.iid))
                        .collect::<Vec<_>>()
                };
                assert_eq!(key(&got), key(&want));
            }
        }
    }

    pub(in crate::store) fn snap() -> Snapshot {
        let mut ws = workspace(vec![
            issue(1, 10, &["team::Datastores"]),
            issue(2, 11, &["x"]),
        ]);
        ws.group = "grp".into();
        let t = DateTime::parse_from_rfc3339("2025-11-05T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        Snapshot {
            history_fetched: Default::default(),
            ws,
            meta: SyncMeta {
                synced_at: Some(t),
                full_synced_at: Some(t),
                lists_synced_at: Some(t),
                max_updated_at: Some(t),
                lanes: vec!["Ready".into()],
                free_tier: None,
                lane_labels: Default::default(),
            },
        }
    }

    #[test]
    fn a_board_can_be_loaded_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
        let mut s = snap();
        s.ws.issues[0].milestone_id = Some(1);
        s.ws.issues[1].state = crate::core::domain::model::IssueState::Closed;
        store.save_full(&s).unwrap();
        let ids = |f| {
            store
                .load_with(f)
                .unwrap()
                .unwrap()
                .ws
                .issues
                .iter()
                .map(|i| i.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(IssueFilter::Milestone(1)), vec![1]);
        assert_eq!(ids(IssueFilter::Open), vec![1]);
        assert_eq!(ids(IssueFilter::All), vec![1, 2]);
    }

    #[test]
    fn an_empty_cache_loads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.sqlite")).unwrap();
        assert!(store.load().unwrap().is_none());
    }

    #[test]
    fn a_full_sync_round_trips_and_a_delta_applies() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/c.sqlite");
        let mut store = Store::open(&path).unwrap();
        let s = snap();
        store.save_full(&s).unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        let back = store.load().unwrap().unwrap();
        assert_eq!(back.ws.issues, s.ws.issues);
        assert_eq!(back.ws.milestones, s.ws.milestones);
        assert_eq!(back.ws.projects, s.ws.projects);
        assert_eq!(back.meta, s.meta);
        assert_eq!(back.ws.group, "grp");

        let mut store = store;
        let mut changed = s.ws.issues[0].clone();
        changed.title = "changed".into();
        store
            .save_delta(&Delta {
                upsert: vec![changed],
                delete: vec![2],
                meta: s.meta.clone(),
                ..Delta::default()
            })
            .unwrap();
        let back = store.load().unwrap().unwrap();
        assert_eq!(back.ws.issues.len(), 1);
        assert_eq!(back.ws.issues[0].title, "changed");
        assert_eq!(
            back.ws.milestones.len(),
            2,
            "lists untouched by a delta without them"
        );
    }
}
