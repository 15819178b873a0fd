//! What the cache remembers besides GitLab's data: the milestone the
//! iteration board follows, and the issues' milestone histories.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Store, StoreError};
use crate::core::model::IssueId;

impl Store {
    /// The milestone the iteration board follows (set by `N` and re-plans).
    pub fn remembered_milestone(&self) -> Result<Option<u64>, StoreError> {
        Ok(self
            .meta_get("board_milestone")?
            .and_then(|v| v.parse().ok()))
    }

    pub fn remember_milestone(&self, id: u64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('board_milestone', ?1)",
                [id.to_string()],
            )
            .map(drop)
        })
    }

    /// The iteration board shows the current iteration again.
    pub fn forget_milestone(&self) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM meta WHERE key = 'board_milestone'", [])
                .map(drop)
        })
    }

    /// Milestone histories read from GitLab.
    pub fn save_history(
        &mut self,
        rows: &[(IssueId, Vec<u64>)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            // Carry-over shows on cards: readers reload.
            let rev = super::snapshot::bump_rev(tx)?;
            super::snapshot::set_epoch(tx, rev)?;
            for (id, ms) in rows {
                let json = serde_json::to_string(ms)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                tx.execute(
                    "INSERT OR REPLACE INTO milestone_history (issue_id, milestones, fetched_at) VALUES (?1, ?2, ?3)",
                    params![super::sql_id(*id), json, at.to_rfc3339()],
                )?;
            }
            Ok(())
        })
    }
}
