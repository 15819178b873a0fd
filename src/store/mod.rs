//! The on-disk cache: one SQLite database per host and group (rusqlite,
//! bundled SQLite), WAL mode, schema versioned by `user_version` with
//! migrations, every sync written in one transaction. Files are 0600. The
//! token is never stored.
//!
//! Here: the [`Store`] handle, its errors and the transaction helper. The
//! rest, one file each: opening it (`open`), the schema (`migrations`),
//! GitLab's data read and written (`snapshot`), the outbox of queued
//! changes (`outbox`), and what it remembers besides (`prefs`).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OptionalExtension, ffi};

mod events;
mod issue_row;
mod merge_requests;
mod migrations;
mod open;
mod outbox;
mod prefs;
mod snapshot;
pub use events::EventsRow;
pub use merge_requests::MrCursor;
pub use open::{path_for, path_for_profile};
pub use outbox::{ChangeState, Finished, Lease, StoreChanges};
pub use snapshot::{Delta, IssueFilter, Snapshot, SyncMeta};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cache {path}: {reason}{}", hint(.fault))]
    Db {
        path: PathBuf,
        reason: String,
        /// What kind of fault it is: from SQLite's error code (or the
        /// I/O error's kind) where there is one.
        fault: DbFault,
    },
    #[error("cache {path} was written by a newer glboard (schema {found}, this one knows {known})")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
}

impl StoreError {
    /// A database error about the cache at `path`, with its kind of fault.
    fn db(path: &Path, e: &dyn Cause) -> StoreError {
        StoreError::Db {
            path: path.to_owned(),
            reason: e.to_string(),
            fault: e.fault(),
        }
    }
}

/// What kind of fault a database error is: it picks the hint shown with
/// it, whether an unreadable file is set aside and a new cache started,
/// and whether the cache may still be shown read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFault {
    /// The disk rather than the file's content: full, read-only, no
    /// permission, cannot be opened, an I/O error.
    Disk,
    /// The file's content: not a database, damaged, or not a glboard
    /// cache.
    Damaged,
    /// Anything else.
    Other,
}

impl DbFault {
    /// From SQLite's error code; an error of rusqlite's own (a type that
    /// does not convert, ...) by its text.
    pub fn of_sqlite(e: &rusqlite::Error) -> DbFault {
        match e {
            rusqlite::Error::SqliteFailure(ffi::Error { code, .. }, _) => match code {
                ErrorCode::DiskFull
                | ErrorCode::ReadOnly
                | ErrorCode::CannotOpen
                | ErrorCode::PermissionDenied
                | ErrorCode::SystemIoFailure => DbFault::Disk,
                ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => DbFault::Damaged,
                _ => DbFault::Other,
            },
            e => DbFault::of_text(&e.to_string()),
        }
    }

    /// From an I/O error's kind (creating the directory or the file,
    /// moving a file aside); other kinds by the text.
    pub fn of_io(e: &std::io::Error) -> DbFault {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::StorageFull
            | K::ReadOnlyFilesystem
            | K::NotADirectory
            | K::AlreadyExists
            | K::FileTooLarge => DbFault::Disk,
            _ => DbFault::of_text(&e.to_string()),
        }
    }

    /// The last resort, for an error that is only a message: the words
    /// SQLite and the system use.
    pub fn of_text(reason: &str) -> DbFault {
        if is_disk_fault(reason) {
            DbFault::Disk
        } else if reason.contains("not a database") || reason.contains("malformed") {
            DbFault::Damaged
        } else {
            DbFault::Other
        }
    }
}

/// An error the cache meets: its text, and what kind of fault it is.
trait Cause: std::fmt::Display {
    fn fault(&self) -> DbFault {
        DbFault::of_text(&self.to_string())
    }
}

impl Cause for rusqlite::Error {
    fn fault(&self) -> DbFault {
        DbFault::of_sqlite(self)
    }
}

impl Cause for std::io::Error {
    fn fault(&self) -> DbFault {
        DbFault::of_io(self)
    }
}

impl Cause for rusqlite::types::FromSqlError {}
impl Cause for String {}
impl Cause for &str {}

/// Whether a database error's text says it comes from the disk (full,
/// read-only, no permission) rather than from the file's content. The
/// last resort: [`StoreError::Db`]'s `fault` says so from the error's code.
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

fn hint(fault: &DbFault) -> &'static str {
    if *fault == DbFault::Disk {
        " (is the disk full or read-only? Nothing in the cache was changed, and changes queued in it stay there; `glboard print --offline` still reads it)"
    } else {
        " (move the file aside to start afresh; changes queued in it stay in that file)"
    }
}

/// An id (GitLab's, or a change's) as an SQLite integer, bit for bit.
/// SQLite integers are signed and ids are `u64`: GitLab's and the outbox's
/// row ids are below 2^63, but a placeholder id (the card of an issue being
/// created, [`crate::core::app::overlay::placeholder_id`]) has the top bit set and
/// is stored as a negative number. [`from_sql_id`] reads it back unchanged.
fn sql_id(id: u64) -> i64 {
    i64::from_ne_bytes(id.to_ne_bytes())
}

/// An id stored by [`sql_id`], back as it was.
fn from_sql_id(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
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

impl Store {
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn err(&self, e: impl Cause) -> StoreError {
        StoreError::db(&self.path, &e)
    }

    /// The lanes' labels as the last sync learnt them (see `lane_labels`).
    pub fn lane_labels(&self) -> Result<crate::core::domain::lane_labels::LaneLabels, StoreError> {
        Ok(self
            .meta_get("lane_labels")?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    fn meta_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
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

    /// Run raw SQL (tests that damage the cache on purpose).
    #[cfg(test)]
    pub(crate) fn write_for_tests(&self, sql: &str) -> Result<(), StoreError> {
        self.write(|tx| tx.execute_batch(sql))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_go_through_sqlite_integers_unchanged() {
        let placeholder = crate::core::app::overlay::placeholder_id(7, 1);
        for id in [0, 1, 500_000, (1 << 63) - 1, 1 << 63, placeholder, u64::MAX] {
            assert_eq!(from_sql_id(sql_id(id)), id);
        }
        assert!(
            sql_id(placeholder) < 0,
            "a placeholder is a negative integer"
        );
        assert_eq!(sql_id(500_000), 500_000, "GitLab's ids are themselves");
    }

    fn sqlite(code: std::ffi::c_int, message: &str) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), Some(message.into()))
    }

    #[test]
    fn faults_come_from_sqlite_error_codes() {
        for code in [
            ffi::SQLITE_FULL,
            ffi::SQLITE_READONLY,
            ffi::SQLITE_READONLY_DBMOVED,
            ffi::SQLITE_CANTOPEN,
            ffi::SQLITE_PERM,
            ffi::SQLITE_IOERR,
            ffi::SQLITE_IOERR_WRITE,
        ] {
            // The code decides, whatever the message says.
            assert_eq!(
                DbFault::of_sqlite(&sqlite(code, "x")),
                DbFault::Disk,
                "{code}"
            );
        }
        for code in [
            ffi::SQLITE_NOTADB,
            ffi::SQLITE_CORRUPT,
            ffi::SQLITE_CORRUPT_INDEX,
        ] {
            assert_eq!(
                DbFault::of_sqlite(&sqlite(code, "x")),
                DbFault::Damaged,
                "{code}"
            );
        }
        assert_eq!(
            DbFault::of_sqlite(&sqlite(ffi::SQLITE_BUSY, "database is locked")),
            DbFault::Other
        );
        assert_eq!(
            DbFault::of_sqlite(&rusqlite::Error::QueryReturnedNoRows),
            DbFault::Other
        );
    }

    #[test]
    fn an_error_that_is_only_text_is_classified_by_its_words() {
        assert_eq!(DbFault::of_text("database or disk is full"), DbFault::Disk);
        assert_eq!(DbFault::of_text("file is not a database"), DbFault::Damaged);
        assert_eq!(DbFault::of_text("corrupt row: eof"), DbFault::Other);
    }

    #[test]
    fn the_hint_follows_the_fault() {
        let e = |fault| {
            StoreError::Db {
                path: "c.sqlite".into(),
                reason: "why".into(),
                fault,
            }
            .to_string()
        };
        assert!(
            e(DbFault::Disk).starts_with("cache c.sqlite: why (is the disk full or read-only?")
        );
        assert!(e(DbFault::Damaged).starts_with("cache c.sqlite: why (move the file aside"));
        assert_eq!(e(DbFault::Other), e(DbFault::Damaged));
    }

    #[test]
    fn garbage_is_damaged_and_a_file_for_a_directory_is_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        let Err(StoreError::Db { fault, .. }) = Store::open(&path) else {
            panic!("garbage opened")
        };
        assert_eq!(fault, DbFault::Damaged);
        let Err(StoreError::Db { fault, .. }) = Store::open(&path.join("c.sqlite")) else {
            panic!("a file opened as a directory")
        };
        assert_eq!(fault, DbFault::Disk);
    }
}
