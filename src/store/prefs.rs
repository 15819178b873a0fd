//! What the cache remembers besides GitLab's data: the milestone the
//! iteration board follows, and the issues' milestone histories.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::OptionalExtension;
use rusqlite::params;

use super::{Store, StoreError};
use crate::core::domain::model::IssueId;
use crate::core::domain::since::Glimpse;

/// Looks kept: a month of days.
const LOOKS_KEPT: i64 = 31;

/// A look: when, and what the board showed.
pub type Look = (DateTime<Utc>, BTreeMap<IssueId, Glimpse>);

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

    /// Remember what the board showed as it closed (one look a day: a
    /// later one that day replaces it; a month kept).
    pub fn save_look(
        &self,
        at: DateTime<Utc>,
        glimpses: &BTreeMap<IssueId, Glimpse>,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(glimpses).unwrap_or_default();
        let day = at.date_naive().to_string();
        self.write(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO looks (day, at, glimpses) VALUES (?1, ?2, ?3)",
                params![day, at.to_rfc3339(), json],
            )?;
            tx.execute(
                "DELETE FROM looks WHERE day NOT IN (SELECT day FROM looks ORDER BY day DESC LIMIT ?1)",
                [LOOKS_KEPT],
            )?;
            Ok(())
        })
    }

    /// The last look (the board's last close).
    pub fn last_look(&self) -> Result<Option<Look>, StoreError> {
        self.look_where("1", "")
    }

    /// The last look taken before `day` began; `None` when there is none
    /// (a later look would leave out what changed since `day`).
    pub fn look_before(&self, day: NaiveDate) -> Result<Option<Look>, StoreError> {
        self.look_where("day < ?1", &day.to_string())
    }

    /// The first look remembered.
    pub fn first_look(&self) -> Result<Option<Look>, StoreError> {
        let row: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT at, glimpses FROM looks ORDER BY day ASC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(row.and_then(parse_look))
    }

    fn look_where(&self, cond: &str, arg: &str) -> Result<Option<Look>, StoreError> {
        let sql = format!("SELECT at, glimpses FROM looks WHERE {cond} ORDER BY day DESC LIMIT 1");
        let conn = self.conn();
        let row: Option<(String, String)> = if cond.contains("?1") {
            conn.query_row(&sql, [arg], |r| Ok((r.get(0)?, r.get(1)?)))
        } else {
            conn.query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
        }
        .optional()
        .map_err(|e| self.err(e))?;
        Ok(row.and_then(parse_look))
    }
}

fn parse_look((at, json): (String, String)) -> Option<Look> {
    let at = DateTime::parse_from_rfc3339(&at).ok()?.with_timezone(&Utc);
    let g = serde_json::from_str(&json).ok()?;
    Some((at, g))
}
