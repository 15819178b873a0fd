//! Saved views (`[views.NAME]` in the config): named filters by lanes,
//! assignees, labels, text and staleness. The board's `f` cycles them after
//! the built-in quick views; `glboard print --view NAME` prints one.

use chrono::NaiveDate;

use crate::core::domain::board::{self, BoardLayout, ColumnKind};
use crate::core::domain::model::{Issue, User, Workspace};

/// A named filter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SavedView {
    pub name: String,
    /// Only these columns (lane names, `Open`, `Closed`), any case.
    pub lanes: Vec<String>,
    /// Issues assigned to any of these (`@me` is you, `none` unassigned).
    pub assignees: Vec<String>,
    /// Issues with every one of these labels.
    pub labels: Vec<String>,
    /// Every word in the title, labels, assignees or reference.
    pub text: String,
    /// Not updated in this many days.
    pub stale_days: Option<i64>,
}

impl SavedView {
    /// Whether an issue is in the view (columns aside).
    pub fn matches(&self, issue: &Issue, me: Option<&User>, today: NaiveDate) -> bool {
        let assignee_ok = self.assignees.is_empty()
            || self.assignees.iter().any(|a| {
                let a = a.trim_start_matches('@');
                if a.eq_ignore_ascii_case("none") {
                    issue.assignees.is_empty()
                } else if a.eq_ignore_ascii_case("me") {
                    me.is_some_and(|m| issue.assignees.iter().any(|u| u.id == m.id))
                } else {
                    issue
                        .assignees
                        .iter()
                        .any(|u| u.username.eq_ignore_ascii_case(a))
                }
            });
        let labels_ok = self.labels.iter().all(|l| issue.has_label(l));
        let text = self.text.trim().to_lowercase();
        let text_ok = text.is_empty() || board::matches_filter(issue, &text);
        let stale_ok = self
            .stale_days
            .is_none_or(|d| issue.updated_at.date_naive() < today - chrono::Duration::days(d));
        assignee_ok && labels_ok && text_ok && stale_ok
    }

    /// Whether a column shows in the view.
    pub fn shows_column(&self, title: &str, kind: &ColumnKind) -> bool {
        self.lanes.is_empty()
            || self.lanes.iter().any(|l| {
                l.eq_ignore_ascii_case(title)
                    || (matches!(kind, ColumnKind::Lane(x) if x.eq_ignore_ascii_case(l)))
            })
    }

    /// The layout narrowed to the view: its columns, its cards, the
    /// columns' weights again.
    pub fn apply(&self, layout: &mut BoardLayout, ws: &Workspace, today: NaiveDate) {
        let me = ws.me.as_ref();
        layout
            .columns
            .retain(|c| self.shows_column(&c.title, &c.kind));
        for col in &mut layout.columns {
            col.cards
                .retain(|c| c.issue(ws).is_some_and(|i| self.matches(i, me, today)));
            col.weight = col
                .cards
                .iter()
                .filter_map(|c| c.issue(ws).and_then(|i| i.weight))
                .sum();
        }
    }

    /// Lanes it names that the team does not have (a config mistake).
    pub fn unknown_lanes(&self, lanes: &[String]) -> Vec<String> {
        self.lanes
            .iter()
            .filter(|l| {
                !lanes.iter().any(|t| t.eq_ignore_ascii_case(l))
                    && !["open", "closed", "backlog", "iteration"]
                        .contains(&l.to_lowercase().as_str())
            })
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{issue, user};

    #[test]
    fn a_view_filters_by_people_labels_text_and_age() {
        let today = NaiveDate::from_ymd_opt(2025, 11, 20).unwrap();
        let me = user(7, "zoe", "Zoë");
        let mut i = issue(
            1,
            101,
            &["team::Datastores", "workflow-infra::Ready", "database::pg"],
        );
        i.title = "Vacuum the partitions".into();
        i.assignees = vec![me.clone()];
        let mine = SavedView {
            name: "mine-pg".into(),
            assignees: vec!["@me".into()],
            labels: vec!["database::pg".into()],
            text: "vacuum".into(),
            ..SavedView::default()
        };
        assert!(mine.matches(&i, Some(&me), today));
        assert!(!mine.matches(&i, None, today), "no me known: not mine");
        let unassigned = SavedView {
            assignees: vec!["none".into()],
            ..SavedView::default()
        };
        assert!(!unassigned.matches(&i, Some(&me), today));
        let stale = SavedView {
            stale_days: Some(7),
            ..SavedView::default()
        };
        i.updated_at = chrono::DateTime::parse_from_rfc3339("2025-11-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert!(stale.matches(&i, Some(&me), today));
        let lanes = SavedView {
            lanes: vec!["ready".into(), "Nope".into()],
            ..SavedView::default()
        };
        assert!(lanes.shows_column("Ready", &ColumnKind::Lane("Ready".into())));
        assert!(!lanes.shows_column("Done", &ColumnKind::Lane("Done".into())));
        assert_eq!(
            lanes.unknown_lanes(&crate::core::testing::team().lanes),
            vec!["Nope".to_owned()]
        );
    }
}
