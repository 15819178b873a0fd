//! Opening the cache: the file's place, creating it owner-only, WAL and
//! `synchronous` set-up, refusing a database glboard never wrote or one
//! with tables missing, setting an unreadable file aside (salvaging the
//! changes queued in it), and the read-only open for a full or read-only
//! disk.

use std::path::{Path, PathBuf};

use chrono::Utc;
use rusqlite::{Connection, params};

use super::migrations::{MIGRATIONS, TABLES};
use super::{Cause, DbFault, Store, StoreError};
use crate::core::domain::edit::Change;

/// What an error says of a database glboard did not write (or lacks tables).
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

/// An outbox row as stored: id, issue id, change (JSON), state, reason.
type OutboxRow = (i64, i64, String, String, Option<String>);

/// The outbox rows of a set-aside file, read without touching it: the
/// changes queued in a damaged cache are moved to the new one.
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

/// A file SQLite keeps next to a database: `<path>-wal`, `<path>-shm`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The cache file of a profile: the default profile's is
/// `<dir>/<host>_<group>.sqlite`, profile `NAME`'s `<host>_<group>@NAME.sqlite`.
pub fn path_for_profile(
    cache_dir: &Path,
    host: &str,
    group: &str,
    profile: Option<&str>,
) -> PathBuf {
    let base = path_for(cache_dir, host, group);
    match profile {
        None => base,
        Some(p) => {
            let name: String = p
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let file = base
                .file_name()
                .map(|f| f.to_string_lossy().trim_end_matches(".sqlite").to_owned())
                .unwrap_or_default();
            base.with_file_name(format!("{file}@{name}.sqlite"))
        }
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

/// Read the cache's pages where the kernel holds them (memory-mapped
/// I/O), not through a copy per page: a board's thousands of rows cost a
/// tenth less. SQLite still writes through `write()` (a full disk is an
/// error, not a signal) and reads the WAL as before; the file only ever
/// grows (glboard never vacuums it), so a mapped page is never cut away.
fn map_for_reading(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)
}

/// The most of the cache mapped at once (a 20,000-issue cache is 25 MB).
const MMAP_BYTES: i64 = 1 << 30;

impl Store {
    /// Open (creating if needed) the cache at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let err = |e: &dyn Cause| StoreError::db(path, e);
        if let Some(dir) = path.parent() {
            crate::fsutil::create_private_dir(dir).map_err(|e| err(&e))?;
        }
        // SQLite itself creates the file: closing any descriptor of it
        // drops every POSIX lock this process holds on it, those of its
        // other open connections included ("How To Corrupt An SQLite
        // Database File", 2.2), and the next process to close the cache
        // would then think itself the last one and delete the WAL under
        // them. So the file is never opened outside SQLite; it is made
        // owner-only by its path, before anything is written into it (the
        // -wal and -shm files SQLite creates take its mode).
        let conn = Connection::open(path).map_err(|e| err(&e))?;
        crate::fsutil::make_private(path).map_err(|e| err(&e))?;
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
        map_for_reading(&conn).map_err(|e| err(&e))?;
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
            return Err(self.damaged(format!(
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
            return Err(self.damaged(format!(
                "{NOT_OURS} (tables missing: {})",
                missing.join(", ")
            )));
        }
        Ok(())
    }

    /// Open the cache only to read it, touching nothing on disk (no lock,
    /// no WAL index): for showing it when the disk is full or read-only.
    /// A second connection to a cache another [`Store`] opened (and
    /// migrated), for reading beside it on another thread.
    pub fn reader(path: &Path) -> Result<Store, StoreError> {
        let err = |e: &dyn Cause| StoreError::db(path, e);
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| err(&e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| err(&e))?;
        map_for_reading(&conn).map_err(|e| err(&e))?;
        Ok(Store {
            conn: std::sync::Mutex::new(conn),
            path: path.to_owned(),
        })
    }

    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let err = |e: &dyn Cause| StoreError::db(path, e);
        if !path.is_file() {
            return Err(err(&"no cache file"));
        }
        let conn = open_immutable(path).map_err(|e| err(&e))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| err(&e))?;
        if version != crate::core::domain::num::signed(MIGRATIONS.len()) {
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
            Err(StoreError::Db {
                reason,
                fault: DbFault::Damaged,
                ..
            }) => {
                let aside =
                    path.with_extension(format!("sqlite.corrupt-{}", Utc::now().timestamp()));
                std::fs::rename(path, &aside).map_err(|e| StoreError::Db {
                    path: path.to_owned(),
                    reason: format!("{reason}; and it cannot be moved aside: {e}"),
                    fault: match e.fault() {
                        DbFault::Disk => DbFault::Disk,
                        _ => DbFault::Damaged,
                    },
                })?;
                // Its WAL and shared memory go with it, renamed, never
                // deleted: another process may still have them open (a
                // file deleted under a live connection takes the changes
                // written into it along), and the new cache must not
                // start from them.
                for suffix in ["-wal", "-shm"] {
                    let _ = std::fs::rename(sibling(path, suffix), sibling(&aside, suffix));
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
                                    && matches!(
                                        super::ChangeState::parse(state),
                                        Some(
                                            super::ChangeState::Queued | super::ChangeState::Failed
                                        )
                                    )
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

    /// An error about the file's content: it is set aside by
    /// [`Store::open_or_set_aside`].
    fn damaged(&self, reason: String) -> StoreError {
        StoreError::Db {
            path: self.path.clone(),
            reason,
            fault: DbFault::Damaged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Finished;

    #[cfg(unix)]
    #[test]
    fn the_cache_file_is_owner_only() {
        use crate::store::snapshot::tests::snap;
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

    /// Whether this process holds a POSIX lock on `path` (`/proc/locks`).
    #[cfg(target_os = "linux")]
    fn locked_by_me(path: &Path) -> bool {
        use std::os::unix::fs::MetadataExt;
        let inode = std::fs::metadata(path).unwrap().ino().to_string();
        let pid = std::process::id().to_string();
        std::fs::read_to_string("/proc/locks")
            .unwrap()
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .any(|f| f.len() >= 8 && f[4] == pid && f[5].rsplit(':').next() == Some(inode.as_str()))
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn opening_the_cache_again_keeps_the_locks_of_the_connections_open() {
        use crate::store::snapshot::tests::snap;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        let mut first = Store::open(&path).unwrap();
        first.save_full(&snap()).unwrap();
        assert!(first.load().unwrap().is_some());
        assert!(locked_by_me(&path), "a WAL connection holds a shared lock");
        let _second = Store::open(&path).unwrap();
        let _third = Store::open_or_set_aside(&path).unwrap();
        assert!(
            locked_by_me(&path),
            "another open must not drop the first connection's lock"
        );
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
                    edit: crate::core::domain::edit::Edit {
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
        assert_eq!(
            path_for_profile(
                Path::new("/c"),
                "https://gitlab.com",
                "gitlab-com/gl-infra",
                Some("ops team")
            ),
            PathBuf::from("/c/gitlab.com_gitlab-com_gl-infra@ops_team.sqlite")
        );
    }
}
