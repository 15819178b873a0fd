//! The cache's schema: the migrations from an empty file to the current
//! version (`user_version` counts those applied), the tables the current
//! schema has, and applying what is missing when a cache is opened.

use super::{Store, StoreError};
use crate::core::domain::num;

/// The schema, one step per version: `user_version` is how many were applied.
pub(super) const MIGRATIONS: &[&str] = &[
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
    // 7: what the board showed when it closed, one look a day (for "what
    // changed since you last looked" and `print --since`).
    "CREATE TABLE looks (day TEXT PRIMARY KEY, at TEXT NOT NULL, glimpses TEXT NOT NULL);",
    // 8: descriptions are kept as GitLab sent them (sanitized only when
    // shown); the ones cached before were sanitized: the next sync is a
    // full one, which writes every description again.
    "DELETE FROM meta WHERE key = 'full_synced_at';",
    // 9: GitLab's resource events per issue and kind (iteration insights,
    // issue #29), with the issue's updated_at when read and when.
    "CREATE TABLE issue_events (
         issue_id INTEGER NOT NULL,
         kind TEXT NOT NULL,
         events TEXT NOT NULL,
         updated_at TEXT NOT NULL,
         read_at TEXT NOT NULL,
         PRIMARY KEY (issue_id, kind)
     );",
    // 10: the merge requests that close cached issues (issue #30), as
    // JSON; what the last reads reached is in `meta` (`mr_updated_at`,
    // `mr_pipelines_at`).
    "CREATE TABLE merge_requests (id INTEGER PRIMARY KEY, data TEXT NOT NULL);",
];

/// The tables of the current schema.
pub(super) const TABLES: &[&str] = &[
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
    "looks",
    "issue_events",
    "merge_requests",
];

impl Store {
    /// Bring the schema up to date, one migration per transaction.
    pub(super) fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let known = num::signed(MIGRATIONS.len());
        if version > known {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known,
            });
        }
        // SQLite starts files at version 0; a negative one was never
        // written by glboard: migrate from the first as well (which fails
        // on tables the file already holds, rather than skipping them all).
        let done = usize::try_from(version).unwrap_or(0);
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
            let mut conn = self.conn();
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(|e| self.err(e))?;
            // Another process may have migrated while we waited for the lock.
            let now: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            if now > num::signed(i) {
                continue;
            }
            tx.execute_batch(sql).map_err(|e| self.err(e))?;
            tx.pragma_update(None, "user_version", num::signed(i + 1))
                .map_err(|e| self.err(e))?;
            tx.commit().map_err(|e| self.err(e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::issue;
    use crate::store::IssueFilter;
    use rusqlite::Connection;

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
}
