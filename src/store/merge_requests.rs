//! The merge requests that close cached issues (issue #30): one JSON row
//! each, and how far the last reads went (the newest merge request
//! `updated_at` and head pipeline `updated_at` seen), so the next sync
//! asks GitLab only for what changed since.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Store, StoreError, sql_id};
use crate::core::domain::merge_requests::MergeRequest;

/// How far the merge request reads went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MrCursor {
    /// The newest merge request `updated_at` seen in the group's list.
    pub updated_at: Option<DateTime<Utc>>,
    /// The newest head pipeline `updated_at` seen.
    pub pipelines_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Every cached merge request, by id.
    pub(super) fn merge_requests(&self) -> Result<Vec<MergeRequest>, StoreError> {
        self.rows("SELECT data FROM merge_requests ORDER BY id")
    }

    /// The merge requests that close any of the issues `of` names, by id.
    /// Read through a join (an issue, then the merge requests closing it:
    /// no list of merge request ids built first); one closing two of the
    /// issues comes twice and is parsed once.
    pub(super) fn merge_requests_closing(
        &self,
        of: &super::snapshot::Of,
    ) -> Result<Vec<MergeRequest>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT m.id, m.data {}",
                of.source_joined("mr_closes", "JOIN merge_requests m ON m.id = x.mr_id")
            ))
            .map_err(|e| self.err(e))?;
        let mut seen = std::collections::HashSet::new();
        let mut out: Vec<(i64, MergeRequest)> = Vec::new();
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let id: i64 = r.get(0).map_err(|e| self.err(e))?;
            if !seen.insert(id) {
                continue;
            }
            // Parsed where SQLite holds the text, not from a copy of it.
            let text = r
                .get_ref(1)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(|e| self.err(e))?;
            let mr =
                serde_json::from_str(text).map_err(|e| self.err(format!("corrupt row: {e}")))?;
            out.push((id, mr));
        }
        out.sort_unstable_by_key(|(id, _)| *id);
        Ok(out.into_iter().map(|(_, mr)| mr).collect())
    }

    /// How far the last merge request reads went.
    pub fn mr_cursor(&self) -> Result<MrCursor, StoreError> {
        let time = |k: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
            Ok(self
                .meta_get(k)?
                .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
                .map(|d| d.with_timezone(&Utc)))
        };
        Ok(MrCursor {
            updated_at: time("mr_updated_at")?,
            pipelines_at: time("mr_pipelines_at")?,
        })
    }

    /// Write merge requests read again (replacing their rows), drop those
    /// that close no cached issue any more, and move the cursor, in one
    /// transaction. Readers reload (cards show them).
    pub fn save_merge_requests(
        &mut self,
        upsert: &[MergeRequest],
        delete: &[u64],
        cursor: MrCursor,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            if !upsert.is_empty() || !delete.is_empty() {
                let rev = super::snapshot::bump_rev(tx)?;
                super::snapshot::set_epoch(tx, rev)?;
            }
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO merge_requests (id, data) VALUES (?1, ?2)",
            )?;
            // Which issues each closes, beside it: a board reads only its
            // cards' merge requests.
            let mut unlink = tx.prepare_cached("DELETE FROM mr_closes WHERE mr_id = ?1")?;
            let mut link = tx.prepare_cached(
                "INSERT OR IGNORE INTO mr_closes (issue_id, mr_id) VALUES (?1, ?2)",
            )?;
            for m in upsert {
                let json = serde_json::to_string(m)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                put.execute(params![sql_id(m.id), json])?;
                unlink.execute([sql_id(m.id)])?;
                for issue in &m.closes {
                    link.execute(params![sql_id(*issue), sql_id(m.id)])?;
                }
            }
            let mut del = tx.prepare_cached("DELETE FROM merge_requests WHERE id = ?1")?;
            for id in delete {
                del.execute([sql_id(*id)])?;
                unlink.execute([sql_id(*id)])?;
            }
            let mut meta =
                tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?;
            for (k, v) in [
                ("mr_updated_at", cursor.updated_at),
                ("mr_pipelines_at", cursor.pipelines_at),
            ] {
                if let Some(t) = v {
                    meta.execute(params![k, t.to_rfc3339()])?;
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::merge_requests::MrState;

    fn mr(id: u64) -> MergeRequest {
        MergeRequest {
            id,
            project_id: 1,
            iid: id,
            reference: format!("g/p!{id}"),
            title: "t".into(),
            author: "a".into(),
            reviewers: vec!["b".into()],
            state: MrState::Opened,
            draft: false,
            pipeline: Some("running".into()),
            pipeline_id: Some(9),
            pipeline_updated_at: None,
            sha: None,
            approved: false,
            web_url: String::new(),
            closes: vec![5],
            updated_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    #[test]
    fn merge_requests_round_trip_with_their_cursor() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
        store
            .save_full(&crate::store::snapshot::tests::snap())
            .unwrap();
        let at = DateTime::parse_from_rfc3339("2025-11-05T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let cursor = MrCursor {
            updated_at: Some(at),
            pipelines_at: None,
        };
        store
            .save_merge_requests(&[mr(1), mr(2)], &[], cursor)
            .unwrap();
        let mut failed = mr(2);
        failed.pipeline = Some("failed".into());
        store
            .save_merge_requests(&[failed.clone()], &[1], cursor)
            .unwrap();
        let snap = store.load().unwrap().unwrap();
        assert_eq!(snap.ws.merge_requests, vec![failed]);
        assert_eq!(store.mr_cursor().unwrap(), cursor);
    }

    /// A board's merge requests: each once (one closing two of its cards
    /// too), by id, none closing only issues elsewhere.
    #[test]
    fn a_boards_merge_requests_come_once_each_by_id() {
        use crate::store::IssueFilter;
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
        let mut snap = crate::store::snapshot::tests::snap();
        snap.ws.issues[0].milestone_id = Some(1);
        snap.ws.issues[1].milestone_id = Some(1);
        let mut elsewhere = crate::core::testing::issue(3, 12, &[]);
        elsewhere.milestone_id = Some(2);
        snap.ws.issues.push(elsewhere);
        store.save_full(&snap).unwrap();
        let (mut both, mut one, mut other) = (mr(9), mr(4), mr(6));
        both.closes = vec![2, 1];
        one.closes = vec![2];
        other.closes = vec![3];
        store
            .save_merge_requests(&[both, one, other], &[], MrCursor::default())
            .unwrap();
        let board = store
            .load_undescribed(IssueFilter::Milestone(1))
            .unwrap()
            .unwrap();
        let ids: Vec<u64> = board.ws.merge_requests.iter().map(|m| m.id).collect();
        assert_eq!(ids, [4, 9]);
    }

    /// The board's first frame reads the ages and merge requests of the
    /// cards in sight, then the rest's: together, what a whole read of the
    /// board gives.
    #[test]
    fn the_cards_in_sight_then_the_rest_read_what_the_whole_board_does() {
        use crate::core::domain::events::LabelEvent;
        use crate::store::{EventsRow, IssueFilter};
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
        let mut snap = crate::store::snapshot::tests::snap();
        for i in &mut snap.ws.issues {
            i.milestone_id = Some(1);
        }
        store.save_full(&snap).unwrap();
        let at = DateTime::parse_from_rfc3339("2025-11-05T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (mut one, mut two) = (mr(1), mr(2));
        one.closes = vec![1];
        two.closes = vec![2];
        let cursor = MrCursor {
            updated_at: Some(at),
            pipelines_at: None,
        };
        store.save_merge_requests(&[one, two], &[], cursor).unwrap();
        let events = |label: &str| EventsRow {
            events: serde_json::to_string(&[LabelEvent {
                at,
                label: label.into(),
                added: true,
            }])
            .unwrap(),
            updated_at: at,
            read_at: at,
        };
        store
            .save_issue_events("label", &[(1, events("a")), (2, events("b"))])
            .unwrap();
        let board = IssueFilter::Milestone(1);
        let whole = store.load_undescribed(board.clone()).unwrap().unwrap().ws;
        assert_eq!(whole.merge_requests.len(), 2);
        assert_eq!(whole.events.len(), 2);

        let mut ws = store
            .load_rows_choosing(|_| board.clone())
            .unwrap()
            .unwrap()
            .ws;
        assert_eq!(ws.issues, whole.issues);
        assert!(ws.events.is_empty() && ws.merge_requests.is_empty());
        store.add_related(&mut ws, &board, Some(&[2])).unwrap();
        assert_eq!(
            ws.merge_requests.iter().map(|m| m.id).collect::<Vec<_>>(),
            [2]
        );
        assert_eq!(ws.events.keys().copied().collect::<Vec<_>>(), [2]);
        store.add_related(&mut ws, &board, None).unwrap();
        assert_eq!(ws.merge_requests, whole.merge_requests);
        assert_eq!(ws.events, whole.events);
        assert_eq!(ws.history, whole.history);
    }
}
