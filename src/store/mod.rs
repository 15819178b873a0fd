//! The on-disk cache: one SQLite database per host and group (rusqlite,
//! bundled SQLite), WAL mode, schema versioned by `user_version` with
//! migrations, every sync written in one transaction. Files are 0600. The
//! token is never stored.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::core::edit::Change;
use crate::core::model::{Issue, IssueId, Milestone, Project, User, Workspace};

mod outbox;
mod prefs;
pub use outbox::{Finished, Lease, StoreChanges};

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

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cache {path}: {reason}{}", hint(.reason))]
    Db { path: PathBuf, reason: String },
    #[error("cache {path} was written by a newer glboard (schema {found}, this one knows {known})")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
}

const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE issues (id INTEGER PRIMARY KEY, position INTEGER NOT NULL, data TEXT NOT NULL);
     CREATE TABLE milestones (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
     CREATE TABLE members (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
     CREATE TABLE projects (id INTEGER PRIMARY KEY, path TEXT NOT NULL);",
    // 2: the outbox of changes not yet applied by GitLab.
    "CREATE TABLE outbox (
         id INTEGER PRIMARY KEY,
         issue_id INTEGER NOT NULL,
         change TEXT NOT NULL,
         state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'failed')),
         reason TEXT
     );",
    // 3: what a printed board filters on, as columns.
    "ALTER TABLE issues ADD COLUMN milestone_id INTEGER;
     ALTER TABLE issues ADD COLUMN open INTEGER NOT NULL DEFAULT 1;
     UPDATE issues SET milestone_id = json_extract(data, '$.milestone_id'),
                       open = (json_extract(data, '$.state') = 'opened');
     CREATE INDEX issues_by_milestone ON issues (milestone_id);",
    // 4: milestone history per issue (carry-over).
    "CREATE TABLE milestone_history (issue_id INTEGER PRIMARY KEY, milestones TEXT NOT NULL, fetched_at TEXT NOT NULL);",
    // 5: one source of truth for several processes. Change ids come from
    // the database (AUTOINCREMENT: never reused), grouped by user action;
    // applied changes stay a while as 'sent' (conflict checks against our
    // own earlier changes, undo, other processes' progress); attempts of
    // writes that are not idempotent are counted. Every write bumps
    // `meta.rev` and stamps what it wrote, so an open board reads only
    // what changed; deleted issues leave a tombstone. The sender lease
    // lets one process at a time send.
    "CREATE TABLE outbox_v5 (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         action INTEGER NOT NULL,
         issue_id INTEGER NOT NULL,
         change TEXT NOT NULL,
         state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'failed', 'sent')),
         reason TEXT,
         attempts INTEGER NOT NULL DEFAULT 0,
         attempted_at TEXT,
         result_issue INTEGER,
         rev INTEGER NOT NULL DEFAULT 0,
         done_at TEXT
     );
     INSERT INTO outbox_v5 (id, action, issue_id, change, state, reason)
         SELECT id, id, issue_id, change, state, reason FROM outbox;
     DROP TABLE outbox;
     ALTER TABLE outbox_v5 RENAME TO outbox;
     CREATE INDEX outbox_by_state ON outbox (state, id);
     CREATE INDEX outbox_by_rev ON outbox (rev);
     ALTER TABLE issues ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
     CREATE INDEX issues_by_rev ON issues (rev);
     CREATE TABLE tombstones (id INTEGER PRIMARY KEY, rev INTEGER NOT NULL);
     CREATE TABLE lease (name TEXT PRIMARY KEY, holder TEXT NOT NULL, pid INTEGER NOT NULL, expires_at INTEGER NOT NULL);
     INSERT OR REPLACE INTO meta (key, value) VALUES ('rev', '1'), ('epoch', '1');",
    // 6: descriptions in a table of their own: the board's first frame
    // and `print` read the issues without them (a description is often
    // ten times the rest of an issue, and kept in the row it would leave
    // one issue per page).
    "CREATE TABLE descriptions (id INTEGER PRIMARY KEY, description TEXT NOT NULL);
     INSERT INTO descriptions (id, description)
         SELECT id, json_extract(data, '$.description') FROM issues
          WHERE COALESCE(json_extract(data, '$.description'), '') != '';
     UPDATE issues SET data = json_set(data, '$.description', '');",
];

/// Whether a database error comes from the disk (full, read-only, no
/// permission) rather than from the file's content.
pub fn is_disk_fault(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    [
        "disk i/o error",
        "disk is full",
        "no space",
        "readonly",
        "read-only",
        "permission denied",
        "unable to open",
        "not a directory",
        "file exists",
        "file too large",
    ]
    .iter()
    .any(|k| r.contains(k))
}

fn hint(reason: &str) -> &'static str {
    if is_disk_fault(reason) {
        " (is the disk full or read-only? Nothing in the cache was changed, and changes queued in it stay there; `glboard print --offline` still reads it)"
    } else {
        " (move the file aside to start afresh; changes queued in it stay in that file)"
    }
}

/// The tables of the current schema.
const TABLES: &[&str] = &[
    "meta",
    "issues",
    "milestones",
    "members",
    "projects",
    "outbox",
    "milestone_history",
    "tombstones",
    "lease",
    "descriptions",
];

const NOT_OURS: &str = "not a glboard cache";

/// Open a database file read-only as immutable: no lock, no WAL index, no
/// write of any kind (for a full or read-only disk, or a file set aside).
fn open_immutable(path: &Path) -> rusqlite::Result<Connection> {
    let uri = format!(
        "file:{}?immutable=1",
        url::form_urlencoded::byte_serialize(path.to_string_lossy().as_bytes())
            .collect::<String>()
            .replace("%2F", "/")
    );
    Connection::open_with_flags(
        uri,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
}

/// The outbox rows of a set-aside file, read without touching it: the
/// changes queued in a damaged cache are moved to the new one.
/// An outbox row as stored: id, issue id, change (JSON), state, reason.
type OutboxRow = (i64, i64, String, String, Option<String>);

fn salvage_outbox(path: &Path) -> Result<Vec<OutboxRow>, String> {
    let conn = open_immutable(path).map_err(|e| e.to_string())?;
    let mut stmt = conn
        .prepare("SELECT id, issue_id, change, state, reason FROM outbox ORDER BY id")
        .map_err(|e| e.to_string())?;
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
    .map_err(|e| e.to_string())
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

pub struct Store {
    /// Behind a mutex so the store can live in a task that other threads
    /// may poll; only the sync task uses it.
    conn: std::sync::Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// The cache file for a host and group: `<dir>/<host>_<group>.sqlite`.
pub fn path_for(cache_dir: &Path, host: &str, group: &str) -> PathBuf {
    let host = host.split_once("://").map_or(host, |(_, h)| h);
    let slug: String = format!("{host}_{group}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    cache_dir.join(format!("{slug}.sqlite"))
}

impl Store {
    /// Open (creating if needed) the cache at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let err = |e: &dyn std::fmt::Display| StoreError::Db {
            path: path.to_owned(),
            reason: e.to_string(),
        };
        if let Some(dir) = path.parent() {
            crate::fsutil::create_private_dir(dir).map_err(|e| err(&e))?;
        }
        crate::fsutil::touch_private(path).map_err(|e| err(&e))?;
        let conn = Connection::open(path).map_err(|e| err(&e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| err(&e))?;
        // Switching to WAL needs a moment alone with the file; once it is
        // WAL (it stays so), other processes may be reading or writing.
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(|e| err(&e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(|e| err(&e))?;
        }
        // FULL: a committed sync (and, later, a queued change) survives power loss.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| err(&e))?;
        let mut store = Store {
            conn: std::sync::Mutex::new(conn),
            path: path.to_owned(),
        };
        store.check_foreign()?;
        store.migrate()?;
        store.check_tables()?;
        Ok(store)
    }

    fn table_names(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .map_err(|e| self.err(e))?;
        stmt.query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))
    }

    /// A database that glboard never wrote (schema 0 holding tables) is not
    /// taken over.
    fn check_foreign(&self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let tables = self.table_names()?;
        if version == 0 && !tables.is_empty() {
            return Err(self.err(format!(
                "{NOT_OURS} (it holds other tables: {})",
                tables.join(", ")
            )));
        }
        Ok(())
    }

    /// Every table of the schema is there (a damaged file may lack some).
    fn check_tables(&self) -> Result<(), StoreError> {
        let tables = self.table_names()?;
        let missing: Vec<&str> = TABLES
            .iter()
            .copied()
            .filter(|t| !tables.iter().any(|n| n == t))
            .collect();
        if !missing.is_empty() {
            return Err(self.err(format!(
                "{NOT_OURS} (tables missing: {})",
                missing.join(", ")
            )));
        }
        Ok(())
    }

    /// Open the cache only to read it, touching nothing on disk (no lock,
    /// no WAL index): for showing it when the disk is full or read-only.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let err = |e: &dyn std::fmt::Display| StoreError::Db {
            path: path.to_owned(),
            reason: e.to_string(),
        };
        if !path.is_file() {
            return Err(err(&"no cache file"));
        }
        let conn = open_immutable(path).map_err(|e| err(&e))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| err(&e))?;
        if version != MIGRATIONS.len() as i64 {
            return Err(err(&format!(
                "schema {version}, this glboard reads {}",
                MIGRATIONS.len()
            )));
        }
        Ok(Store {
            conn: std::sync::Mutex::new(conn),
            path: path.to_owned(),
        })
    }

    /// Open the cache; a file that is not a readable database (corrupt, or
    /// something else) is set aside next to it and a new cache started.
    /// The message says where it went: queued changes it may have held are
    /// not silently lost, they stay in that file.
    pub fn open_or_set_aside(path: &Path) -> Result<(Store, Option<String>), StoreError> {
        match Store::open(path) {
            Ok(s) => Ok((s, None)),
            Err(StoreError::Db { reason, .. })
                if reason.contains("not a database")
                    || reason.contains("malformed")
                    || reason.contains(NOT_OURS) =>
            {
                let aside =
                    path.with_extension(format!("sqlite.corrupt-{}", Utc::now().timestamp()));
                std::fs::rename(path, &aside).map_err(|e| StoreError::Db {
                    path: path.to_owned(),
                    reason: format!("{reason}; and it cannot be moved aside: {e}"),
                })?;
                for ext in ["sqlite-wal", "sqlite-shm"] {
                    let _ = std::fs::remove_file(path.with_extension(ext));
                }
                let store = Store::open(path)?;
                // Its queued changes come along when they can be read.
                let rows = salvage_outbox(&aside);
                let queued = match &rows {
                    Ok(rows) => {
                        let valid: Vec<_> = rows
                            .iter()
                            .filter(|(_, _, json, state, _)| {
                                serde_json::from_str::<Change>(json).is_ok()
                                    && (state == "queued" || state == "failed")
                            })
                            .collect();
                        store.write(|tx| {
                            for (id, issue, json, state, reason) in &valid {
                                tx.execute(
                                    "INSERT OR REPLACE INTO outbox (id, action, issue_id, change, state, reason) VALUES (?1, ?1, ?2, ?3, ?4, ?5)",
                                    params![id, issue, json, state, reason],
                                )?;
                            }
                            Ok(())
                        })?;
                        Some((valid.len(), rows.len() - valid.len()))
                    }
                    Err(_) => None,
                };
                let about_changes = match queued {
                    Some((0, 0)) => "It held no queued changes".to_owned(),
                    Some((n, 0)) => format!("Its {n} queued changes were recovered"),
                    Some((n, bad)) => format!(
                        "{n} queued changes were recovered; {bad} could not be read and are still in that file"
                    ),
                    None => "Changes queued in it could not be read and are still in that file"
                        .to_owned(),
                };
                Ok((
                    store,
                    Some(format!(
                        "the cache was unreadable ({reason}); it was moved to {} and is rebuilt from GitLab. {about_changes}",
                        aside.display()
                    )),
                ))
            }
            Err(e) => Err(e),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn err(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Db {
            path: self.path.clone(),
            reason: e.to_string(),
        }
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let mut conn = self.conn();
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(|e| StoreError::Db {
                    path: self.path.clone(),
                    reason: e.to_string(),
                })?;
            // Another process may have migrated while we waited for the lock.
            let now: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| StoreError::Db {
                    path: self.path.clone(),
                    reason: e.to_string(),
                })?;
            if now > i as i64 {
                continue;
            }
            tx.execute_batch(sql).map_err(|e| StoreError::Db {
                path: self.path.clone(),
                reason: e.to_string(),
            })?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(|e| StoreError::Db {
                    path: self.path.clone(),
                    reason: e.to_string(),
                })?;
            tx.commit().map_err(|e| StoreError::Db {
                path: self.path.clone(),
                reason: e.to_string(),
            })?;
        }
        Ok(())
    }

    fn meta_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

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

    fn load_issues(
        &self,
        filter: IssueFilter,
        described: bool,
    ) -> Result<Option<Snapshot>, StoreError> {
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
        };
        let me: Option<User> = self
            .meta_get("me")?
            .and_then(|s| serde_json::from_str(&s).ok());
        let issues: Vec<Issue> = match filter {
            IssueFilter::All => self.issue_rows("1", described)?,
            IssueFilter::Open => self.issue_rows("issues.open = 1", described)?,
            IssueFilter::Milestone(m) => {
                self.issue_rows(&format!("issues.milestone_id = {m}"), described)?
            }
            IssueFilter::Milestones(ms) => {
                let list: Vec<String> = ms.iter().map(|m| m.to_string()).collect();
                self.issue_rows(
                    &format!("issues.milestone_id IN ({})", list.join(",")),
                    described,
                )?
            }
        };
        let milestones: Vec<Milestone> = self.rows("SELECT data FROM milestones ORDER BY id")?;
        let members: Vec<User> = self.rows("SELECT data FROM members ORDER BY id")?;
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT id, path FROM projects ORDER BY id")
            .map_err(|e| self.err(e))?;
        let projects = stmt
            .query_map([], |r| {
                Ok(Project {
                    id: r.get::<_, i64>(0)? as u64,
                    path: r.get(1)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))?;
        drop(stmt);
        drop(conn);
        let mut history = std::collections::HashMap::new();
        let mut history_fetched = std::collections::HashMap::new();
        {
            let conn = self.conn();
            let mut stmt = conn
                .prepare("SELECT issue_id, milestones, fetched_at FROM milestone_history")
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
                    history.insert(id as u64, list);
                }
                if let Ok(t) = DateTime::parse_from_rfc3339(&at) {
                    history_fetched.insert(id as u64, t.with_timezone(&Utc));
                }
            }
        }
        let ws = Workspace {
            history,
            name: String::new(),
            host: self.meta_get("host")?.unwrap_or_default(),
            group: self.meta_get("group")?.unwrap_or_default(),
            issues,
            milestones,
            members,
            projects,
            me,
            is_demo: false,
        };
        Ok(Some(Snapshot {
            ws,
            meta,
            history_fetched,
        }))
    }

    /// Cached issues matching `filter` (SQL), in board order; the place
    /// is the `position` column's. Without descriptions when `described`
    /// is false (the board's first frame, `print`). Sorted here, not by
    /// SQLite: its sorter would carry every row's data along.
    fn issue_rows(&self, filter: &str, described: bool) -> Result<Vec<Issue>, StoreError> {
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
                "SELECT data, position, {desc} FROM issues {join} WHERE {filter}"
            ))
            .map_err(|e| self.err(e))?;
        // Read the rows, then parse them on every core: JSON decoding is
        // most of a large cache's load.
        let mut raw: Vec<(Vec<u8>, i64, String)> = Vec::new();
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let data = r.get_ref(0).map_err(|e| self.err(e))?;
            let bytes = data.as_bytes().map_err(|e| self.err(e))?.to_vec();
            let position: i64 = r.get(1).map_err(|e| self.err(e))?;
            let description: String = if described {
                r.get(2).map_err(|e| self.err(e))?
            } else {
                String::new()
            };
            raw.push((bytes, position, description));
        }
        drop(rows);
        drop(stmt);
        drop(conn);
        let parse = |chunk: &mut [(Vec<u8>, i64, String)]| -> Result<Vec<Issue>, String> {
            chunk
                .iter_mut()
                .map(|(bytes, position, description)| {
                    let mut i: Issue =
                        serde_json::from_slice(bytes).map_err(|e| format!("corrupt row: {e}"))?;
                    i.position = *position;
                    if !description.is_empty() {
                        i.description = std::mem::take(description);
                    }
                    Ok(i)
                })
                .collect()
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4);
        let mut out = if raw.len() < 512 || threads < 2 {
            parse(&mut raw).map_err(|e| self.err(e))?
        } else {
            let size = raw.len().div_ceil(threads);
            let parts: Vec<Result<Vec<Issue>, String>> = std::thread::scope(|scope| {
                let handles: Vec<_> = raw
                    .chunks_mut(size)
                    .map(|chunk| scope.spawn(move || parse(chunk)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err("a parser thread failed".into()))
                    })
                    .collect()
            });
            let mut out = Vec::with_capacity(raw.len());
            for p in parts {
                out.extend(p.map_err(|e| self.err(e))?);
            }
            out
        };
        out.sort_by_key(|i| (i.position, i.id));
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

    /// The cache's revision: it changes with every write readers care about.
    pub fn rev(&self) -> Result<i64, StoreError> {
        Ok(self
            .meta_get("rev")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    fn rows<T: serde::de::DeserializeOwned>(&self, sql: &str) -> Result<Vec<T>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(sql).map_err(|e| self.err(e))?;
        let texts = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))?;
        texts
            .iter()
            .map(|t| serde_json::from_str(t).map_err(|e| self.err(format!("corrupt row: {e}"))))
            .collect()
    }

    /// Run `f` in one IMMEDIATE transaction (it waits for other writers
    /// instead of failing) and commit it.
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        let out = f(&tx).map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(out)
    }

    /// Replace everything with a full sync's result, in one transaction.
    pub fn save_full(&mut self, snap: &Snapshot) -> Result<i64, StoreError> {
        self.write(|tx| {
            let rev = bump_rev(tx)?;
            set_epoch(tx, rev)?;
            tx.execute_batch("DELETE FROM issues; DELETE FROM descriptions; DELETE FROM milestones; DELETE FROM members; DELETE FROM projects; DELETE FROM tombstones;")?;
            write_issues(tx, &snap.ws.issues, rev)?;
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
                del.execute([*id as i64])?;
                tomb.execute(params![*id as i64, rev])?;
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

/// An issue's row: its JSON without the description (which has a column
/// of its own), and the description.
fn issue_row(i: &Issue) -> rusqlite::Result<(String, &str)> {
    let data = if i.description.is_empty() {
        serde_json::to_string(i)
    } else {
        let mut shell = i.clone();
        shell.description = String::new();
        serde_json::to_string(&shell)
    }
    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    Ok((data, &i.description))
}

/// Write issues as GitLab has them, stamped with the write's `rev`.
pub(crate) fn write_issues(
    tx: &rusqlite::Transaction<'_>,
    issues: &[Issue],
    rev: i64,
) -> rusqlite::Result<()> {
    let mut stmt = tx
        .prepare_cached("INSERT OR REPLACE INTO issues (id, position, data, milestone_id, open, rev) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    for i in issues {
        let (data, description) = issue_row(i)?;
        stmt.execute(params![
            i.id as i64,
            i.position,
            data,
            i.milestone_id.map(|m| m as i64),
            i.is_open(),
            rev
        ])?;
        write_description(tx, i.id, description)?;
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
            .execute([id as i64])?;
    } else {
        tx.prepare_cached("INSERT OR REPLACE INTO descriptions (id, description) VALUES (?1, ?2)")?
            .execute(params![id as i64, description])?;
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
            stmt.execute(params![m.id as i64, json(m)?])?;
        }
    }
    if let Some(us) = members {
        let mut stmt =
            tx.prepare_cached("INSERT OR REPLACE INTO members (id, data) VALUES (?1, ?2)")?;
        for u in us {
            stmt.execute(params![u.id as i64, json(u)?])?;
        }
    }
    let mut stmt =
        tx.prepare_cached("INSERT OR REPLACE INTO projects (id, path) VALUES (?1, ?2)")?;
    for p in projects {
        stmt.execute(params![p.id as i64, p.path])?;
    }
    Ok(())
}

/// Write issues from a listing, but never over a newer version of the
/// same issue (a change's answer written after the listing was fetched):
/// the place is taken either way.
fn write_issues_keeping_newer(
    tx: &rusqlite::Transaction<'_>,
    issues: &[Issue],
    rev: i64,
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO issues (id, position, data, milestone_id, open, rev) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET position = excluded.position, rev = excluded.rev,
             data = CASE WHEN newer THEN issues.data ELSE excluded.data END,
             milestone_id = CASE WHEN newer THEN issues.milestone_id ELSE excluded.milestone_id END,
             open = CASE WHEN newer THEN issues.open ELSE excluded.open END"
            .replace(
                "newer",
                "unixepoch(json_extract(issues.data, '$.updated_at'), 'subsec') > unixepoch(json_extract(excluded.data, '$.updated_at'), 'subsec')",
            )
            .as_str(),
    )?;
    let mut kept = tx.prepare_cached(
        "SELECT unixepoch(json_extract(data, '$.updated_at'), 'subsec') > unixepoch(?2, 'subsec') FROM issues WHERE id = ?1",
    )?;
    for i in issues {
        let (data, description) = issue_row(i)?;
        let newer_kept: bool = kept
            .query_row(
                params![
                    i.id as i64,
                    i.updated_at
                        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                ],
                |r| r.get::<_, Option<bool>>(0),
            )
            .optional()?
            .flatten()
            .unwrap_or(false);
        stmt.execute(params![
            i.id as i64,
            i.position,
            data,
            i.milestone_id.map(|m| m as i64),
            i.is_open(),
            rev
        ])?;
        if !newer_kept {
            write_description(tx, i.id, description)?;
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
fn set_epoch(tx: &rusqlite::Transaction<'_>, rev: i64) -> rusqlite::Result<()> {
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{issue, workspace};

    fn snap() -> Snapshot {
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
            },
        }
    }

    #[test]
    fn a_board_can_be_loaded_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
        let mut s = snap();
        s.ws.issues[0].milestone_id = Some(1);
        s.ws.issues[1].state = crate::core::model::IssueState::Closed;
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
    fn a_version_1_cache_is_migrated_keeping_its_issues() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        let mut i = issue(5, 50, &["team::Datastores"]);
        i.milestone_id = Some(9);
        conn.execute(
            "INSERT INTO issues (id, position, data) VALUES (5, 5, ?1)",
            [serde_json::to_string(&i).unwrap()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('synced_at', '2025-11-05T10:00:00+00:00')",
            [],
        )
        .unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        let got = store.load_with(IssueFilter::Milestone(9)).unwrap().unwrap();
        assert_eq!(got.ws.issues, vec![i]);
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

    #[cfg(unix)]
    #[test]
    fn the_cache_file_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        let mut store = Store::open(&path).unwrap();
        store.save_full(&snap()).unwrap();
        for f in std::fs::read_dir(dir.path()).unwrap() {
            let f = f.unwrap();
            let mode = f.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{:?}", f.path());
        }
    }

    #[test]
    fn a_newer_schema_is_refused_not_clobbered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }

    #[test]
    fn garbage_in_place_of_the_cache_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        std::fs::write(
            &path,
            b"this is not a database, just some text that is long enough",
        )
        .unwrap();
        let e = Store::open(&path).unwrap_err().to_string();
        assert!(e.contains("c.sqlite"), "{e}");
    }

    #[test]
    fn an_unreadable_cache_is_set_aside_and_started_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        let (store, warning) = Store::open_or_set_aside(&path).unwrap();
        assert!(store.load().unwrap().is_none());
        let w = warning.unwrap();
        assert!(w.contains("moved to") && w.contains("corrupt"), "{w}");
        let moved: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("corrupt"))
            .collect();
        assert_eq!(moved.len(), 1, "the old file is kept");
        let (_, again) = Store::open_or_set_aside(&path).unwrap();
        assert!(again.is_none());
    }

    #[test]
    fn a_damaged_cache_is_set_aside_and_its_queued_changes_come_along() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        {
            let store = Store::open(&path).unwrap();
            let ids = store
                .enqueue(&[1, 2].map(|n| Change {
                    issue: 7,
                    project: 1,
                    iid: 70,
                    edit: crate::core::edit::Edit {
                        weight: Some(Some(3)),
                        ..Default::default()
                    },
                    summary: format!("change {n}"),
                    ..Change::default()
                }))
                .unwrap();
            store
                .finish(&[Finished::Refused {
                    id: ids[1],
                    reason: "refused by GitLab".into(),
                    issue: None,
                }])
                .unwrap();
            store.conn().execute_batch("DROP TABLE issues").unwrap();
        }
        let (store, warning) = Store::open_or_set_aside(&path).unwrap();
        let w = warning.unwrap();
        assert!(
            w.contains("tables missing: issues") && w.contains("2 queued changes were recovered"),
            "{w}"
        );
        assert_eq!(store.outbox_queued().unwrap().len(), 1);
        assert_eq!(store.outbox_failed().unwrap()[0].1, "refused by GitLab");
        assert!(store.load().unwrap().is_none(), "rebuilt from GitLab");
    }

    #[test]
    fn a_foreign_database_is_set_aside_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('x');")
            .unwrap();
        let (store, warning) = Store::open_or_set_aside(&path).unwrap();
        let w = warning.unwrap();
        assert!(
            w.contains("not a glboard cache (it holds other tables: songs)"),
            "{w}"
        );
        assert!(store.outbox_queued().unwrap().is_empty());
        let aside = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().contains("corrupt"))
            .unwrap();
        let kept: String = Connection::open(aside.path())
            .unwrap()
            .query_row("SELECT title FROM songs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, "x", "the foreign file is kept as it was");
    }

    #[test]
    fn cache_paths_are_per_host_and_group() {
        let p = path_for(Path::new("/c"), "https://gitlab.com", "gitlab-com/gl-infra");
        assert_eq!(p, PathBuf::from("/c/gitlab.com_gitlab-com_gl-infra.sqlite"));
    }
}
