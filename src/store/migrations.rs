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
    // 11: what boards and `print` show of an issue, as columns (issue
    // #31: no JSON parse per issue at start; `issue_row`). The table is
    // rebuilt: rows are copied into it one by one from their JSON
    // ([`FILL_ISSUE_COLUMNS`]), which stays only where the columns cannot
    // hold an issue, so a row is a third of its size and a board's rows
    // are read from a third of the pages. Iids by project, for names that
    // need the project; which issues each merge request closes, so a
    // board reads only its cards' ones; when each label was last added to
    // each issue (from its label events), for a card's age in its lane.
    "CREATE TABLE issues_v11 (
         id INTEGER PRIMARY KEY,
         position INTEGER NOT NULL,
         milestone_id INTEGER,
         open INTEGER NOT NULL DEFAULT 1,
         rev INTEGER NOT NULL DEFAULT 0,
         title TEXT,
         iid INTEGER,
         project_id INTEGER,
         state TEXT,
         labels TEXT,
         assignees TEXT,
         author TEXT,
         weight INTEGER,
         created_at INTEGER,
         updated_at INTEGER,
         closed_at INTEGER,
         web_url TEXT,
         marks INTEGER,
         due_date TEXT,
         data TEXT
     );
     CREATE TABLE mr_closes (issue_id INTEGER NOT NULL, mr_id INTEGER NOT NULL,
                             PRIMARY KEY (issue_id, mr_id)) WITHOUT ROWID;
     CREATE INDEX mr_closes_by_mr ON mr_closes (mr_id);
     INSERT OR IGNORE INTO mr_closes (issue_id, mr_id)
         SELECT j.value, m.id FROM merge_requests m, json_each(m.data, '$.closes') j;
     CREATE TABLE label_added (issue_id INTEGER NOT NULL, label TEXT NOT NULL, at INTEGER NOT NULL,
                               PRIMARY KEY (issue_id, label)) WITHOUT ROWID;",
    // 12: a milestone's issues, in board order, with every column a board
    // or `print` reads (`issue_row::SELECT`): a board's rows are one range
    // of this index, read in order, instead of a seek into the table for
    // each (issue #31: a fifth of the rows' read at 20,000 issues).
    // `issues_by_milestone` stays: what needs only a milestone's ids
    // (their history, label additions, merge requests) reads them from
    // its few pages.
    "CREATE INDEX issues_board ON issues (milestone_id, position, id, title, iid, project_id,
         state, labels, assignees, author, weight, created_at, updated_at, closed_at, web_url,
         marks, due_date, data);",
];

/// The migration (an index into [`MIGRATIONS`]) after whose SQL every
/// issue is copied into the new table from its JSON, then
/// [`AFTER_FILL`] runs, in the same transaction.
const FILL_ISSUE_COLUMNS: usize = 10;

/// The end of migration 11, after the rows were copied.
const AFTER_FILL: &str = "DROP TABLE issues;
     ALTER TABLE issues_v11 RENAME TO issues;
     CREATE INDEX issues_by_milestone ON issues (milestone_id);
     CREATE INDEX issues_by_rev ON issues (rev);
     CREATE INDEX issues_by_iid ON issues (iid, project_id);";

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
    "mr_closes",
    "label_added",
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
            if i == FILL_ISSUE_COLUMNS {
                super::issue_row::copy_into_columns(&tx).map_err(|e| self.err(e))?;
                super::events::fill_label_added(&tx).map_err(|e| self.err(e))?;
                tx.execute_batch(AFTER_FILL).map_err(|e| self.err(e))?;
            }
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

    /// A cache as glboard wrote it before issue #31 (schema 10): issues
    /// as JSON, label events, a merge request.
    fn version_10_cache(path: &std::path::Path, issues: &[crate::core::domain::model::Issue]) {
        let conn = Connection::open(path).unwrap();
        for sql in &MIGRATIONS[..10] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 10).unwrap();
        for i in issues {
            conn.execute(
                "INSERT INTO issues (id, position, data, milestone_id, open, rev) VALUES (?1, ?2, ?3, ?4, ?5, 1)",
                rusqlite::params![
                    i.id as i64,
                    i.position,
                    serde_json::to_string(i).unwrap(),
                    i.milestone_id.map(|m| m as i64),
                    i.is_open()
                ],
            )
            .unwrap();
        }
        conn.execute_batch(
            "INSERT INTO meta (key, value) VALUES ('synced_at', '2025-11-05T10:00:00+00:00');
             INSERT INTO issue_events (issue_id, kind, events, updated_at, read_at) VALUES
               (5, 'label', '[{\"at\":\"2025-10-01T08:00:00Z\",\"label\":\"workflow-infra::Ready\",\"added\":true},
                              {\"at\":\"2025-10-03T08:00:00Z\",\"label\":\"workflow-infra::Ready\",\"added\":false},
                              {\"at\":\"2025-10-04T09:30:00.5Z\",\"label\":\"workflow-infra::Ready\",\"added\":true}]',
                '2025-11-01T12:00:00Z', '2025-11-05T10:00:00Z');",
        )
        .unwrap();
        let mr = serde_json::json!({
            "id": 70, "project_id": 1, "iid": 7, "reference": "grp/alpha!7", "title": "fix",
            "author": "ann", "reviewers": [], "state": "opened", "draft": false,
            "pipeline": null, "pipeline_id": null, "pipeline_updated_at": null,
            "approved": false, "web_url": "https://gitlab.example.com/grp/alpha/-/merge_requests/7",
            "closes": [5], "updated_at": "2025-11-01T12:00:00Z"
        });
        conn.execute(
            "INSERT INTO merge_requests (id, data) VALUES (70, ?1)",
            [mr.to_string()],
        )
        .unwrap();
    }

    #[test]
    fn a_version_10_cache_is_migrated_in_place_to_columns_and_reads_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        let mut ready = issue(5, 50, &["team::Datastores", "workflow-infra::Ready"]);
        ready.milestone_id = Some(9);
        let mut other = issue(6, 51, &["team::Datastores"]);
        other.title = "held as JSON: \u{1e}".into();
        version_10_cache(&path, &[ready.clone(), other.clone()]);
        let store = Store::open(&path).unwrap();
        let all = store.load().unwrap().unwrap();
        assert_eq!(all.ws.issues, vec![ready.clone(), other]);
        // One board read alone: its issue, its merge request, and its
        // card's age in the lane as the whole cache's events tell it.
        let board = store
            .load_undescribed(IssueFilter::Milestone(9))
            .unwrap()
            .unwrap();
        assert_eq!(board.ws.issues, vec![ready.clone()]);
        assert_eq!(board.ws.merge_requests, all.ws.merge_requests);
        assert_eq!(board.ws.merge_requests.len(), 1);
        let team = crate::core::testing::team();
        let since = |ws| crate::core::domain::insights::card_lane_since(ws, &team, &ready);
        assert_eq!(since(&board.ws), since(&all.ws));
        assert_eq!(
            since(&board.ws).map(|t| t.to_rfc3339()),
            Some("2025-10-04T09:30:00.500+00:00".to_owned())
        );
        // Events read again replace what the board reads of them.
        let t = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        let events =
            r#"[{"at":"2025-11-02T07:00:00Z","label":"workflow-infra::Ready","added":true}]"#;
        store
            .save_issue_events(
                "label",
                &[(
                    5,
                    crate::store::EventsRow {
                        events: events.into(),
                        updated_at: t("2025-11-02T07:00:00Z"),
                        read_at: t("2025-11-05T11:00:00Z"),
                    },
                )],
            )
            .unwrap();
        let all = store.load().unwrap().unwrap();
        let board = store
            .load_undescribed(IssueFilter::Milestone(9))
            .unwrap()
            .unwrap();
        assert_eq!(since(&board.ws), since(&all.ws));
        assert_eq!(since(&board.ws), Some(t("2025-11-02T07:00:00Z")));
    }

    #[test]
    fn a_boards_rows_are_read_from_one_index_range_in_board_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        let store = Store::open(&path).unwrap();
        let conn = store.conn();
        let plan = |sql: String| -> Vec<String> {
            conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map([], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        // Every column the board reads is in the index: no seek into the
        // table per row (a column added to the read must be added to it).
        assert_eq!(
            plan(format!(
                "SELECT {}, '' FROM issues WHERE issues.milestone_id = 9",
                super::super::issue_row::SELECT
            )),
            vec!["SEARCH issues USING COVERING INDEX issues_board (milestone_id=?)"]
        );
        // What is read of a board's issues besides their rows finds them
        // in the narrow index (a few pages, not the board's rows again).
        let of = super::super::snapshot::Of::Selected(Some("issues.milestone_id = 9".into()));
        assert_eq!(
            plan(format!(
                "SELECT x.issue_id, x.label, x.at {}",
                of.source("label_added")
            ))[0],
            "SEARCH issues USING COVERING INDEX issues_by_milestone (milestone_id=?)"
        );
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
