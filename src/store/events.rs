//! GitLab's resource events of each issue (issue #29), as last read: one
//! row per issue and kind (`milestone`, `state`, `label`), with the issue's
//! `updated_at` when they were read and when that was. An edit writes an
//! event and bumps `updated_at`, so a row read at the issue's current
//! `updated_at` is complete; events older than the row's read time never
//! change, so a finished iteration's window read after it ended is never
//! asked again.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, from_sql_id, sql_id};
use crate::core::domain::events::{IssueEvents, LabelEvent};
use crate::core::domain::model::IssueId;

/// One kind of an issue's events as read: their JSON (the core's event
/// list), the issue's `updated_at` then, and when it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsRow {
    pub events: String,
    pub updated_at: DateTime<Utc>,
    pub read_at: DateTime<Utc>,
}

fn time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl Store {
    /// Every issue's events of `kind` as last read.
    pub fn issue_events(
        &self,
        kind: &str,
    ) -> Result<std::collections::HashMap<IssueId, EventsRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT issue_id, events, updated_at, read_at FROM issue_events WHERE kind = ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([kind], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = std::collections::HashMap::new();
        for row in rows {
            let (id, events, updated, read) = row.map_err(|e| self.err(e))?;
            if let (Some(updated_at), Some(read_at)) = (time(&updated), time(&read)) {
                out.insert(
                    from_sql_id(id),
                    EventsRow {
                        events,
                        updated_at,
                        read_at,
                    },
                );
            }
        }
        Ok(out)
    }

    /// Whether any events of `kind` were ever read for `issue`.
    pub fn has_issue_events(&self, kind: &str, issue: IssueId) -> Result<bool, StoreError> {
        self.conn()
            .query_row(
                "SELECT 1 FROM issue_events WHERE kind = ?1 AND issue_id = ?2",
                params![kind, sql_id(issue)],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
            .map_err(|e| self.err(e))
    }

    /// Every issue's cached events of the three kinds, for the core (a
    /// row that does not parse counts as none).
    pub fn all_issue_events(
        &self,
    ) -> Result<std::collections::HashMap<IssueId, IssueEvents>, StoreError> {
        let mut out: std::collections::HashMap<IssueId, IssueEvents> =
            std::collections::HashMap::new();
        for kind in ["milestone", "state", "label"] {
            for (id, row) in self.issue_events(kind)? {
                let e = out.entry(id).or_default();
                match kind {
                    "milestone" => {
                        e.milestone = serde_json::from_str(&row.events).unwrap_or_default();
                        e.read.milestone = true;
                    }
                    "state" => {
                        e.state = serde_json::from_str(&row.events).unwrap_or_default();
                        e.read.state = true;
                    }
                    _ => {
                        e.label = serde_json::from_str(&row.events).unwrap_or_default();
                        e.read.label = true;
                    }
                }
            }
        }
        Ok(out)
    }

    /// Keep events read from GitLab, in one transaction. Cards show what
    /// they tell (a lane's age, the insights panel): readers reload.
    pub fn save_issue_events(
        &self,
        kind: &str,
        rows: &[(IssueId, EventsRow)],
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            let rev = super::snapshot::bump_rev(tx)?;
            super::snapshot::set_epoch(tx, rev)?;
            let mut stmt = tx.prepare(
                "INSERT OR REPLACE INTO issue_events (issue_id, kind, events, updated_at, read_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (id, row) in rows {
                stmt.execute(params![
                    sql_id(*id),
                    kind,
                    row.events,
                    row.updated_at.to_rfc3339(),
                    row.read_at.to_rfc3339()
                ])?;
                if kind == "label" {
                    write_label_added(tx, *id, &row.events)?;
                }
            }
            Ok(())
        })
    }

    /// What the cards of the issues `issues` (an SQL query of issue ids)
    /// selects need of their events: each label's last addition, as the
    /// one label event that tells it (a card's age in its lane is the
    /// time its lane label was last added). Read instead of every event
    /// for a board's first frame and `print`, which show nothing else of
    /// them; the whole cache's events follow with the rest of it.
    pub(super) fn label_additions_for(
        &self,
        of: &super::snapshot::Of,
    ) -> Result<std::collections::HashMap<IssueId, IssueEvents>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT x.issue_id, x.label, x.at {}",
                of.source("label_added")
            ))
            .map_err(|e| self.err(e))?;
        // The rows come an issue at a time (the primary key's order): each
        // issue's list is gathered, then put in the map once.
        let mut lists: Vec<(i64, Vec<LabelEvent>)> = Vec::new();
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let id: i64 = r.get(0).map_err(|e| self.err(e))?;
            let label: String = r.get(1).map_err(|e| self.err(e))?;
            let at: i64 = r.get(2).map_err(|e| self.err(e))?;
            let event = LabelEvent {
                at: DateTime::from_timestamp_nanos(at),
                label,
                added: true,
            };
            match lists.last_mut() {
                Some((last, list)) if *last == id => list.push(event),
                _ => lists.push((id, vec![event])),
            }
        }
        let mut out: std::collections::HashMap<IssueId, IssueEvents> =
            std::collections::HashMap::with_capacity(lists.len());
        for (id, list) in lists {
            let e = out.entry(from_sql_id(id)).or_default();
            e.read.label = true;
            e.label.extend(list);
        }
        Ok(out)
    }
}

/// Each label's last addition among an issue's label events (their
/// JSON), in `label_added`, replacing what it held for the issue.
fn write_label_added(
    tx: &rusqlite::Transaction<'_>,
    issue: IssueId,
    events: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM label_added WHERE issue_id = ?1")?
        .execute([sql_id(issue)])?;
    let list: Vec<LabelEvent> = serde_json::from_str(events).unwrap_or_default();
    let mut last: std::collections::BTreeMap<&str, DateTime<Utc>> =
        std::collections::BTreeMap::new();
    for e in list.iter().filter(|e| e.added) {
        let at = last.entry(&e.label).or_insert(e.at);
        *at = (*at).max(e.at);
    }
    let mut put = tx.prepare_cached(
        "INSERT OR REPLACE INTO label_added (issue_id, label, at) VALUES (?1, ?2, ?3)",
    )?;
    for (label, at) in last {
        // Outside what 64-bit nanoseconds hold (years before 1677 or after
        // 2262): not a time GitLab writes; left out.
        if let Some(ns) = at.timestamp_nanos_opt() {
            put.execute(params![sql_id(issue), label, ns])?;
        }
    }
    Ok(())
}

/// `label_added` from every cached issue's label events (migration 11).
pub(super) fn fill_label_added(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare("SELECT issue_id, events FROM issue_events WHERE kind = 'label'")?;
    let rows: Vec<(i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, events) in rows {
        write_label_added(tx, from_sql_id(id), &events)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_kept_per_issue_and_kind() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.sqlite")).unwrap();
        let t = |s: &str| time(s).unwrap();
        let row = EventsRow {
            events: "[]".into(),
            updated_at: t("2025-11-05T10:00:00Z"),
            read_at: t("2025-11-05T11:00:00Z"),
        };
        store
            .save_issue_events("state", &[(7, row.clone())])
            .unwrap();
        assert!(store.has_issue_events("state", 7).unwrap());
        assert!(!store.has_issue_events("label", 7).unwrap());
        assert_eq!(store.issue_events("state").unwrap().get(&7), Some(&row));
        let newer = EventsRow {
            events: "[1]".into(),
            ..row
        };
        store
            .save_issue_events("state", &[(7, newer.clone())])
            .unwrap();
        assert_eq!(store.issue_events("state").unwrap().len(), 1);
        assert_eq!(store.issue_events("state").unwrap().get(&7), Some(&newer));
    }
}
