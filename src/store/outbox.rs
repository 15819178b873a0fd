//! The outbox: changes written down before any request is made. A change
//! is `queued` until GitLab applied it (`sent`, kept a while for conflict
//! checks and for other processes to see) or refused it (`failed`, until
//! retried or discarded). Ids come from the database, a user action's
//! changes are written in one transaction, and the issue as GitLab answered
//! is written in the same transaction that marks its change sent. One
//! process at a time sends, under a lease.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::snapshot::{bump_rev, write_issues_keeping_newer};
use super::{Store, StoreError, from_sql_id, sql_id};
use crate::core::domain::edit::Change;
use crate::core::domain::model::{Issue, IssueId};

/// What became of a change that was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finished {
    /// GitLab applied it; the issue as GitLab has it now, when known, or
    /// the milestone it created.
    Sent {
        id: u64,
        issue: Option<Issue>,
        milestone: Option<crate::core::domain::model::Milestone>,
    },
    /// GitLab refused it (or it conflicts); the issue as GitLab has it.
    Refused {
        id: u64,
        reason: String,
        issue: Option<Issue>,
    },
}

/// Where a change stands, as the `state` column keeps it (`queued`,
/// `sent`, `failed`): the text is converted here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeState {
    /// Written down, not yet applied by GitLab.
    Queued,
    /// Applied by GitLab (kept a while for conflict checks and readers).
    Sent,
    /// Refused by GitLab, or in conflict: waits to be retried or discarded.
    Failed,
}

impl ChangeState {
    /// The column's text.
    pub const fn as_str(self) -> &'static str {
        match self {
            ChangeState::Queued => "queued",
            ChangeState::Sent => "sent",
            ChangeState::Failed => "failed",
        }
    }

    /// The column's text read back; `None` for a text this version does
    /// not know.
    pub fn parse(s: &str) -> Option<ChangeState> {
        match s {
            "queued" => Some(ChangeState::Queued),
            "sent" => Some(ChangeState::Sent),
            "failed" => Some(ChangeState::Failed),
            _ => None,
        }
    }
}

impl rusqlite::types::ToSql for ChangeState {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl rusqlite::types::FromSql for ChangeState {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let text = value.as_str()?;
        ChangeState::parse(text).ok_or_else(|| {
            rusqlite::types::FromSqlError::Other(format!("unknown change state {text:?}").into())
        })
    }
}

/// Who holds the sender lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub holder: String,
    pub pid: u32,
}

/// What changed in the cache since a reader's revision.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreChanges {
    /// The cache's revision now.
    pub rev: i64,
    /// The whole workspace changed (a full sync, new lists): reload it.
    pub full: bool,
    pub upsert: Vec<Issue>,
    pub delete: Vec<IssueId>,
    /// Every change still queued, oldest first.
    pub queued: Vec<Change>,
    /// Every change GitLab refused, with the reason.
    pub failed: Vec<(Change, String)>,
    /// Changes applied since the reader's revision, with the issue a
    /// creation made.
    pub sent: Vec<(Change, Option<IssueId>)>,
    pub synced_at: Option<DateTime<Utc>>,
    /// GitLab Free (as its answers show), when known.
    pub free_tier: Option<bool>,
}

/// Applied changes kept for conflict checks and other readers.
const KEEP_SENT: i64 = 2000;

fn change_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Change, Option<String>)> {
    let json: String = r.get("change")?;
    let mut c: Change = serde_json::from_str(&json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })?;
    c.id = from_sql_id(r.get("id")?);
    c.action = from_sql_id(r.get("action")?);
    // A count: one past u32::MAX attempts is still "very many".
    c.attempts = u32::try_from(r.get::<_, i64>("attempts")?.max(0)).unwrap_or(u32::MAX);
    c.attempted_at = r
        .get::<_, Option<String>>("attempted_at")?
        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|d| d.with_timezone(&Utc));
    Ok((c, r.get("reason")?))
}

const COLUMNS: &str = "id, action, change, reason, attempts, attempted_at";

fn select_changes(
    conn: &rusqlite::Connection,
    sql_where: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<(Change, Option<String>)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE {sql_where} ORDER BY id"
    ))?;
    stmt.query_map(params, change_from_row)?.collect()
}

/// Whether a process of this machine is still running.
fn alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    } else {
        // Elsewhere the lease's expiry decides.
        true
    }
}

impl Store {
    /// Queue the changes of one user action, in one transaction: durable
    /// once this returns. Returns their ids, in order.
    pub fn enqueue(&self, changes: &[Change]) -> Result<Vec<u64>, StoreError> {
        self.write(|tx| {
            let rev = bump_rev(tx)?;
            let mut ids = Vec::with_capacity(changes.len());
            let mut action = 0i64;
            let mut stmt = tx.prepare_cached(
                "INSERT INTO outbox (action, issue_id, change, state, rev) VALUES (?1, ?2, ?3, ?5, ?4)",
            )?;
            for c in changes {
                let json = serde_json::to_string(c)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                stmt.execute(params![
                    action,
                    sql_id(c.issue),
                    json,
                    rev,
                    ChangeState::Queued
                ])?;
                let id = tx.last_insert_rowid();
                if action == 0 {
                    action = id;
                    tx.execute("UPDATE outbox SET action = ?1 WHERE id = ?1", [id])?;
                }
                ids.push(from_sql_id(id));
            }
            Ok(ids)
        })
    }

    /// Changes waiting to be sent, oldest first.
    pub fn outbox_queued(&self) -> Result<Vec<Change>, StoreError> {
        let conn = self.conn();
        Ok(select_changes(&conn, "state = ?1", [ChangeState::Queued])
            .map_err(|e| self.err(format!("outbox: {e}")))?
            .into_iter()
            .map(|(c, _)| c)
            .collect())
    }

    /// Changes GitLab refused, with the reason.
    pub fn outbox_failed(&self) -> Result<Vec<(Change, String)>, StoreError> {
        let conn = self.conn();
        Ok(select_changes(&conn, "state = ?1", [ChangeState::Failed])
            .map_err(|e| self.err(format!("outbox: {e}")))?
            .into_iter()
            .map(|(c, r)| (c, r.unwrap_or_default()))
            .collect())
    }

    /// Changes of glboard's (any process) to this issue that GitLab applied
    /// before change `before`: their results are not someone else's edits.
    pub fn sent_before(&self, issue: IssueId, before: u64) -> Result<Vec<Change>, StoreError> {
        let conn = self.conn();
        Ok(select_changes(
            &conn,
            "state = ?3 AND issue_id = ?1 AND id < ?2",
            params![sql_id(issue), sql_id(before), ChangeState::Sent],
        )
        .map_err(|e| self.err(e))?
        .into_iter()
        .map(|(c, _)| c)
        .collect())
    }

    /// Changes to this issue made after change `after` (queued or applied).
    pub fn changes_after(&self, issue: IssueId, after: u64) -> Result<Vec<Change>, StoreError> {
        let conn = self.conn();
        Ok(select_changes(
            &conn,
            "state IN (?3, ?4) AND issue_id = ?1 AND id > ?2",
            params![
                sql_id(issue),
                sql_id(after),
                ChangeState::Queued,
                ChangeState::Sent
            ],
        )
        .map_err(|e| self.err(e))?
        .into_iter()
        .map(|(c, _)| c)
        .collect())
    }

    /// The state of one change (with the reason it failed), or `None` when
    /// it is gone (discarded).
    pub fn change_state(
        &self,
        id: u64,
    ) -> Result<Option<(ChangeState, Option<String>)>, StoreError> {
        self.conn()
            .query_row(
                "SELECT state, reason FROM outbox WHERE id = ?1",
                [sql_id(id)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// These changes are about to be sent (again): count the attempt, and
    /// remember GitLab's clock at the first one.
    pub fn mark_attempt(&self, ids: &[u64], server_now: DateTime<Utc>) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, attempted_at = COALESCE(attempted_at, ?2) WHERE id = ?1",
            )?;
            for id in ids {
                stmt.execute(params![sql_id(*id), server_now.to_rfc3339()])?;
            }
            Ok(())
        })
    }

    /// Record what GitLab did with sent changes, in one transaction: the
    /// issue as GitLab answered goes into the cached snapshot (keeping its
    /// place; a new issue goes last, as GitLab places it) together with the
    /// change leaving the queue.
    /// The tier an answer of GitLab showed (Free or not), for every
    /// process on this cache; written only when it changes.
    pub fn learn_free_tier(&self, free: bool) -> Result<(), StoreError> {
        if self.meta_get("free_tier")?.as_deref() == Some(&free.to_string()) {
            return Ok(());
        }
        self.write(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('free_tier', ?1)",
                [free.to_string()],
            )?;
            bump_rev(tx)?;
            Ok(())
        })
    }

    pub fn finish(&self, results: &[Finished]) -> Result<(), StoreError> {
        if results.is_empty() {
            return Ok(());
        }
        let now = Utc::now().to_rfc3339();
        self.write(|tx| {
            let rev = bump_rev(tx)?;
            let cached_position = |id: IssueId| -> rusqlite::Result<Option<i64>> {
                tx.query_row(
                    "SELECT position FROM issues WHERE id = ?1",
                    [sql_id(id)],
                    |r| r.get(0),
                )
                .optional()
            };
            // A move the sender applied: the place it put the issue, between
            // its new neighbours (as the board showed it while pending), not
            // the place it left.
            let moved_to = |change: u64| -> rusqlite::Result<Option<i64>> {
                let json: Option<String> = tx
                    .query_row(
                        "SELECT change FROM outbox WHERE id = ?1",
                        [sql_id(change)],
                        |r| r.get(0),
                    )
                    .optional()?;
                let Some(r) = json
                    .and_then(|j| serde_json::from_str::<Change>(&j).ok())
                    .and_then(|c| c.edit.reorder)
                else {
                    return Ok(None);
                };
                let near = |id: Option<IssueId>| -> rusqlite::Result<Option<i64>> {
                    Ok(match id {
                        Some(id) => cached_position(id)?,
                        None => None,
                    })
                };
                let (above, below) = (near(r.after)?, near(r.before)?);
                Ok((above.is_some() || below.is_some())
                    .then(|| crate::core::domain::edit::position_between(above, below)))
            };
            let write_issue = |issue: &Issue, moved: Option<i64>| -> rusqlite::Result<()> {
                let pos = match moved {
                    Some(p) => Some(p),
                    None => cached_position(issue.id)?,
                };
                let pos = match pos {
                    Some(p) => p,
                    None => {
                        tx.query_row("SELECT COALESCE(MAX(position), 0) FROM issues", [], |r| {
                            r.get::<_, i64>(0)
                        })?
                        .saturating_add(1024)
                    }
                };
                let mut i = issue.clone();
                i.position = pos;
                // Never over a newer version (another answer, a sync).
                write_issues_keeping_newer(tx, std::slice::from_ref(&i), rev)
            };
            for r in results {
                match r {
                    // Only the process that takes the change off the queue
                    // writes its answer.
                    Finished::Sent {
                        id,
                        issue,
                        milestone,
                    } => {
                        let taken = tx.execute(
                            "UPDATE outbox SET state = ?5, rev = ?2, done_at = ?3, result_issue = ?4, reason = NULL WHERE id = ?1 AND state = ?6",
                            params![
                                sql_id(*id),
                                rev,
                                now,
                                issue.as_ref().map(|i| sql_id(i.id)),
                                ChangeState::Sent,
                                ChangeState::Queued
                            ],
                        )?;
                        if let Some(i) = issue.as_ref().filter(|_| taken > 0) {
                            write_issue(i, moved_to(*id)?)?;
                        }
                        if let Some(m) = milestone.as_ref().filter(|_| taken > 0) {
                            // A new milestone: readers take the lists again.
                            super::snapshot::write_milestone(tx, m)?;
                            super::snapshot::set_epoch(tx, rev)?;
                        }
                    }
                    Finished::Refused { id, reason, issue } => {
                        let taken = tx.execute(
                            "UPDATE outbox SET state = ?5, rev = ?2, done_at = ?3, reason = ?4 WHERE id = ?1 AND state = ?6",
                            params![
                                sql_id(*id),
                                rev,
                                now,
                                reason,
                                ChangeState::Failed,
                                ChangeState::Queued
                            ],
                        )?;
                        if let Some(i) = issue.as_ref().filter(|_| taken > 0) {
                            write_issue(i, None)?;
                        }
                    }
                }
            }
            tx.execute(
                "DELETE FROM outbox WHERE state = ?2 AND id < (SELECT MAX(id) FROM outbox) - ?1",
                params![KEEP_SENT, ChangeState::Sent],
            )?;
            Ok(())
        })
    }

    /// The user dropped a refused change.
    pub fn outbox_discard(&self, id: u64) -> Result<bool, StoreError> {
        self.write(|tx| {
            let rev = bump_rev(tx)?;
            let n = tx.execute(
                "DELETE FROM outbox WHERE id = ?1 AND state = ?2",
                params![sql_id(id), ChangeState::Failed],
            )?;
            let _ = rev;
            Ok(n > 0)
        })
    }

    /// Queue a refused change again as a new change (after every change
    /// made since), in one transaction with dropping the refused one.
    /// `None` only drops it (a newer change superseded all it did).
    pub fn outbox_requeue(
        &self,
        old: u64,
        new: Option<&Change>,
    ) -> Result<Option<u64>, StoreError> {
        self.write(|tx| {
            let rev = bump_rev(tx)?;
            tx.execute(
                "DELETE FROM outbox WHERE id = ?1 AND state = ?2",
                params![sql_id(old), ChangeState::Failed],
            )?;
            let Some(c) = new else { return Ok(None) };
            let json = serde_json::to_string(c)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            tx.execute(
                "INSERT INTO outbox (action, issue_id, change, state, rev) VALUES (0, ?1, ?2, ?4, ?3)",
                params![sql_id(c.issue), json, rev, ChangeState::Queued],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute("UPDATE outbox SET action = ?1 WHERE id = ?1", [id])?;
            Ok(Some(from_sql_id(id)))
        })
    }

    /// Take the sender lease (or keep it) for `ttl`: one process at a time
    /// sends. A lease whose holder died or expired is taken over. `Err`
    /// names the holder.
    pub fn take_lease(
        &self,
        holder: &str,
        ttl: std::time::Duration,
    ) -> Result<Result<(), Lease>, StoreError> {
        let now = Utc::now().timestamp_millis();
        let pid = std::process::id();
        self.write(|tx| {
            let current: Option<(String, i64, i64)> = tx
                .query_row(
                    "SELECT holder, pid, expires_at FROM lease WHERE name = 'sender'",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            // A pid that is no pid (a damaged row) holds nothing.
            if let Some((h, p, exp)) = current
                && h != holder
                && exp > now
                && let Ok(their) = u32::try_from(p)
                && alive(their)
            {
                return Ok(Err(Lease {
                    holder: h,
                    pid: their,
                }));
            }
            tx.execute(
                "INSERT OR REPLACE INTO lease (name, holder, pid, expires_at) VALUES ('sender', ?1, ?2, ?3)",
                params![
                    holder,
                    pid,
                    now.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX))
                ],
            )?;
            Ok(Ok(()))
        })
    }

    /// Give the lease back (when held by `holder`).
    pub fn release_lease(&self, holder: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM lease WHERE name = 'sender' AND holder = ?1",
                [holder],
            )
            .map(drop)
        })
    }

    /// A number that changes whenever another connection (this process's
    /// or another's) commits to the cache: cheap to poll.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.conn()
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// What changed since revision `since` (0: everything), read in one
    /// transaction so it is consistent.
    pub fn changes_since(&self, since: i64) -> Result<StoreChanges, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        let meta = |k: &str| -> rusqlite::Result<Option<String>> {
            tx.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .optional()
        };
        let num = |v: Option<String>| v.and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
        let read = || -> rusqlite::Result<StoreChanges> {
            let rev = num(meta("rev")?);
            let epoch = num(meta("epoch")?);
            let synced_at = meta("synced_at")?
                .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
                .map(|d| d.with_timezone(&Utc));
            let free_tier = meta("free_tier")?.map(|v| v == "true");
            let full = since == 0 || epoch > since;
            let mut upsert = Vec::new();
            let mut delete = Vec::new();
            if !full {
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT {}, COALESCE(d.description, '') FROM issues
                       LEFT JOIN descriptions d ON d.id = issues.id WHERE rev > ?1",
                    super::issue_row::SELECT
                ))?;
                let mut rows = stmt.query([since])?;
                while let Some(r) = rows.next()? {
                    // A row that does not read is left out, as before.
                    if let Ok(mut i) = super::issue_row::read(r, 0) {
                        let description: String = r.get(super::issue_row::WIDTH)?;
                        if !description.is_empty() {
                            i.set_description(description);
                        }
                        upsert.push(i);
                    }
                }
                let mut stmt = tx.prepare_cached("SELECT id FROM tombstones WHERE rev > ?1")?;
                delete = stmt
                    .query_map([since], |r| r.get::<_, i64>(0).map(from_sql_id))?
                    .collect::<Result<_, _>>()?;
            }
            let queued = select_changes(&tx, "state = ?1", [ChangeState::Queued])?
                .into_iter()
                .map(|(c, _)| c)
                .collect();
            let failed = select_changes(&tx, "state = ?1", [ChangeState::Failed])?
                .into_iter()
                .map(|(c, r)| (c, r.unwrap_or_default()))
                .collect();
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {COLUMNS}, result_issue FROM outbox WHERE state = ?2 AND rev > ?1 ORDER BY id"
            ))?;
            let sent = stmt
                .query_map(params![since, ChangeState::Sent], |r| {
                    let (c, _) = change_from_row(r)?;
                    let created: Option<i64> = r.get("result_issue")?;
                    Ok((c, created.map(from_sql_id)))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(StoreChanges {
                rev,
                full,
                upsert,
                delete,
                queued,
                failed,
                sent,
                synced_at,
                free_tier,
            })
        };
        let out = read().map_err(|e| self.err(e))?;
        drop(tx);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::edit::Edit;
    use crate::core::testing::issue;

    fn change(issue: u64, w: u32) -> Change {
        Change {
            issue,
            project: 1,
            iid: issue * 10,
            edit: Edit {
                weight: Some(Some(w)),
                ..Edit::default()
            },
            summary: format!("#{issue} weight {w}"),
            ..Change::default()
        }
    }

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.sqlite")).unwrap();
        (dir, store)
    }

    #[test]
    fn ids_come_from_the_database_and_an_action_is_one_batch() {
        let (dir, store) = open();
        let a = store.enqueue(&[change(7, 1), change(8, 2)]).unwrap();
        // A second process on the same file never gets the same ids.
        let other = Store::open(&dir.path().join("c.sqlite")).unwrap();
        let b = other.enqueue(&[change(7, 3)]).unwrap();
        assert!(a[0] < a[1] && a[1] < b[0], "{a:?} {b:?}");
        let q = store.outbox_queued().unwrap();
        assert_eq!(
            q.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![a[0], a[1], b[0]]
        );
        assert_eq!(q[0].action, a[0]);
        assert_eq!(q[1].action, a[0], "one user action");
        assert_eq!(q[2].action, b[0]);
    }

    #[test]
    fn the_answer_lands_in_the_snapshot_with_the_change_leaving_the_queue() {
        let (_dir, mut store) = open();
        let mut snap = crate::store::Snapshot::default();
        let mut i = issue(7, 70, &["team::Datastores"]);
        i.position = 555;
        snap.ws.issues = vec![i.clone()];
        snap.meta.synced_at = Some(Utc::now());
        store.save_full(&snap).unwrap();
        let rev = store.rev().unwrap();
        let ids = store.enqueue(&[change(7, 5), change(7, 6)]).unwrap();
        let mut answered = i.clone();
        answered.weight = Some(5);
        answered.position = 0; // GitLab's payload has no position
        store
            .finish(&[Finished::Sent {
                id: ids[0],
                issue: Some(answered),
                milestone: None,
            }])
            .unwrap();
        let ch = store.changes_since(rev).unwrap();
        assert!(!ch.full);
        assert_eq!(ch.upsert.len(), 1);
        assert_eq!(ch.upsert[0].weight, Some(5));
        assert_eq!(ch.upsert[0].position, 555, "its place is kept");
        assert_eq!(
            ch.queued.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![ids[1]]
        );
        assert_eq!(ch.sent.len(), 1);
        assert_eq!(
            store.change_state(ids[0]).unwrap().unwrap().0,
            ChangeState::Sent
        );
        // Nothing new since: nothing to read.
        let again = store.changes_since(ch.rev).unwrap();
        assert!(again.upsert.is_empty() && again.sent.is_empty());
        assert_eq!(store.sent_before(7, ids[1]).unwrap().len(), 1);
    }

    #[test]
    fn an_applied_move_keeps_the_place_it_moved_to() {
        // Seen on the board against the fake: J moved a card down, GitLab
        // applied it, and the card jumped back to its old place when the
        // answer landed (the answer has no place; the old one was kept).
        let (_dir, mut store) = open();
        let mut snap = crate::store::Snapshot::default();
        snap.ws.issues = [(1, 100), (2, 200), (3, 300)]
            .map(|(id, pos)| {
                let mut i = issue(id, id * 10, &["team::Datastores"]);
                i.position = pos;
                i
            })
            .to_vec();
        snap.meta.synced_at = Some(Utc::now());
        store.save_full(&snap).unwrap();
        let rev = store.rev().unwrap();
        // 1 moves down, between 2 and 3.
        let mv = Change {
            edit: Edit {
                reorder: Some(crate::core::domain::edit::Reorder {
                    after: Some(2),
                    before: Some(3),
                }),
                ..Edit::default()
            },
            ..change(1, 0)
        };
        let ids = store.enqueue(&[mv]).unwrap();
        let mut answered = snap.ws.issues[0].clone();
        answered.position = 0; // GitLab's payload has no place
        store
            .finish(&[Finished::Sent {
                id: ids[0],
                issue: Some(answered),
                milestone: None,
            }])
            .unwrap();
        let ch = store.changes_since(rev).unwrap();
        let pos = ch.upsert[0].position;
        assert!(200 < pos && pos < 300, "between its new neighbours: {pos}");
    }

    #[test]
    fn an_older_answer_never_overwrites_a_newer_one_nor_does_a_second_sender() {
        let (_dir, mut store) = open();
        let mut snap = crate::store::Snapshot::default();
        let mut newer = issue(7, 70, &["team::Datastores", "workflow-infra::Blocked"]);
        newer.updated_at += chrono::Duration::seconds(5);
        snap.ws.issues = vec![newer.clone()];
        snap.meta.synced_at = Some(Utc::now());
        store.save_full(&snap).unwrap();
        let ids = store.enqueue(&[change(7, 5), change(7, 6)]).unwrap();
        // An answer older than what the cache holds (a sender that was
        // slower than another): the change leaves the queue, the issue stays.
        let older = issue(7, 70, &["team::Datastores", "workflow-infra::In Progress"]);
        store
            .finish(&[Finished::Sent {
                id: ids[0],
                issue: Some(older.clone()),
                milestone: None,
            }])
            .unwrap();
        let cached = store.issues_by_id(&[7]).unwrap();
        assert!(cached[0].has_label("workflow-infra::Blocked"));
        // A change already finished by another process: its answer is not
        // written again.
        let mut later = older.clone();
        later.updated_at = newer.updated_at + chrono::Duration::seconds(5);
        store
            .finish(&[Finished::Sent {
                id: ids[0],
                issue: Some(later),
                milestone: None,
            }])
            .unwrap();
        let cached = store.issues_by_id(&[7]).unwrap();
        assert!(cached[0].has_label("workflow-infra::Blocked"));
    }

    #[test]
    fn a_changes_state_is_kept_as_the_text_earlier_versions_wrote() {
        let (_dir, store) = open();
        let ids = store.enqueue(&[change(7, 5), change(8, 6)]).unwrap();
        store
            .finish(&[
                Finished::Sent {
                    id: ids[0],
                    issue: None,
                    milestone: None,
                },
                Finished::Refused {
                    id: ids[1],
                    reason: "404".into(),
                    issue: None,
                },
            ])
            .unwrap();
        let text = |id: u64| -> String {
            store
                .conn()
                .query_row(
                    "SELECT state FROM outbox WHERE id = ?1",
                    [sql_id(id)],
                    |r| r.get(0),
                )
                .unwrap()
        };
        assert_eq!(text(ids[0]), "sent");
        assert_eq!(text(ids[1]), "failed");
        assert_eq!(
            store.change_state(ids[0]).unwrap(),
            Some((ChangeState::Sent, None))
        );
        assert_eq!(
            store.change_state(ids[1]).unwrap(),
            Some((ChangeState::Failed, Some("404".into())))
        );
        let queued = store.enqueue(&[change(9, 1)]).unwrap()[0];
        assert_eq!(text(queued), "queued");
        assert_eq!(
            store.change_state(queued).unwrap(),
            Some((ChangeState::Queued, None))
        );
        assert_eq!(store.change_state(queued + 100).unwrap(), None);
        for s in [ChangeState::Queued, ChangeState::Sent, ChangeState::Failed] {
            assert_eq!(ChangeState::parse(s.as_str()), Some(s));
        }
        assert_eq!(ChangeState::parse("Queued"), None);
        assert_eq!(ChangeState::parse(""), None);
    }

    #[test]
    fn a_refused_change_is_retried_as_a_new_change_or_dropped() {
        let (_dir, store) = open();
        let ids = store.enqueue(&[change(7, 5)]).unwrap();
        store
            .finish(&[Finished::Refused {
                id: ids[0],
                reason: "404".into(),
                issue: None,
            }])
            .unwrap();
        assert_eq!(store.outbox_failed().unwrap()[0].1, "404");
        let new = store
            .outbox_requeue(ids[0], Some(&change(7, 5)))
            .unwrap()
            .unwrap();
        assert!(new > ids[0]);
        assert!(store.outbox_failed().unwrap().is_empty());
        assert_eq!(store.outbox_queued().unwrap()[0].id, new);
        store
            .finish(&[Finished::Refused {
                id: new,
                reason: "403".into(),
                issue: None,
            }])
            .unwrap();
        assert!(store.outbox_discard(new).unwrap());
        assert!(store.outbox_failed().unwrap().is_empty());
        assert!(!store.outbox_discard(new).unwrap());
    }

    #[test]
    fn one_sender_at_a_time_and_a_dead_holders_lease_is_taken_over() {
        let (_dir, store) = open();
        let ttl = std::time::Duration::from_secs(60);
        assert_eq!(store.take_lease("a", ttl).unwrap(), Ok(()));
        assert_eq!(store.take_lease("a", ttl).unwrap(), Ok(()), "renewed");
        let held = store.take_lease("b", ttl).unwrap().unwrap_err();
        assert_eq!(held.holder, "a");
        store.release_lease("a").unwrap();
        assert_eq!(store.take_lease("b", ttl).unwrap(), Ok(()));
        // A holder whose process is gone.
        store
            .write(|tx| {
                tx.execute("UPDATE lease SET holder = 'dead', pid = 999999999", [])
                    .map(drop)
            })
            .unwrap();
        assert_eq!(store.take_lease("c", ttl).unwrap(), Ok(()));
        // An expired one.
        store
            .take_lease("c", std::time::Duration::ZERO)
            .unwrap()
            .unwrap();
        assert_eq!(store.take_lease("d", ttl).unwrap(), Ok(()));
    }

    #[test]
    fn attempts_of_writes_that_are_not_idempotent_are_written_down() {
        let (_dir, store) = open();
        let ids = store.enqueue(&[change(7, 5)]).unwrap();
        let at = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        store.mark_attempt(&ids, at).unwrap();
        store
            .mark_attempt(&ids, at + chrono::Duration::minutes(5))
            .unwrap();
        let c = &store.outbox_queued().unwrap()[0];
        assert_eq!(c.attempts, 2);
        assert_eq!(c.attempted_at, Some(at), "the first attempt's time");
    }
}
