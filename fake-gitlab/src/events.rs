//! Resource label and state events, as GitLab writes and serves them.
//!
//! Written: every label change (`ResourceEvents::ChangeLabelsService`,
//! `app/services/resource_events/change_labels_service.rb`: one row per
//! label added or removed, all at the change's `system_note_timestamp`)
//! and every close or reopen (`ResourceEvents::ChangeStateService`,
//! `app/services/resource_events/change_state_service.rb`), made through an
//! issue's edit, a quick action or its creation (`Issues::CreateService`
//! runs `Issuable::CommonSystemNotesService` with no old labels, so the
//! labels an issue is created with are `add` events at its creation).
//! Served: `GET /projects/:id/issues/:iid/resource_label_events` and
//! `.../resource_state_events` (`lib/api/resource_label_events.rb`,
//! `lib/api/resource_state_events.rb`): paginated, oldest first, as
//! `API::Entities::ResourceLabelEvent` (`id`, `user`, `created_at`,
//! `resource_type`, `resource_id`, `label` as `LabelBasic`, `action`) and
//! `API::Entities::ResourceStateEvent` (`id`, `user`, `created_at`,
//! `resource_type`, `resource_id`, `source_commit`,
//! `source_merge_request_id`, `state`). A label event names the label by
//! its id (`app/models/resource_label_event.rb` `belongs_to :label`), so a
//! renamed label shows its new name in old events.

use std::collections::BTreeSet;

use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::json::ts;
use crate::pagination::paginate;
use crate::world::{FIssue, World};

/// A resource label event: a label added to or removed from an issue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FLabelEvent {
    pub id: u64,
    pub issue_id: u64,
    /// The label as the world keeps it (its title, or a project label's key).
    pub label: String,
    /// `add` or `remove`.
    pub action: String,
    pub user_id: u64,
    pub created_at: DateTime<Utc>,
}

/// A resource state event: an issue closed or reopened.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FStateEvent {
    pub id: u64,
    pub issue_id: u64,
    /// `closed` or `reopened`.
    pub state: String,
    pub user_id: u64,
    pub created_at: DateTime<Utc>,
}

impl World {
    /// Record the label changes of an issue from `before` to `after`:
    /// removals and additions, one event each, at `at`, by `user`.
    pub fn record_labels(
        &mut self,
        issue_id: u64,
        before: &BTreeSet<String>,
        after: &BTreeSet<String>,
        user: u64,
        at: DateTime<Utc>,
    ) {
        let added: Vec<String> = after.difference(before).cloned().collect();
        let removed: Vec<String> = before.difference(after).cloned().collect();
        for (label, action) in added
            .into_iter()
            .map(|l| (l, "add"))
            .chain(removed.into_iter().map(|l| (l, "remove")))
        {
            let id = self.fresh_id();
            self.label_events.push(FLabelEvent {
                id,
                issue_id,
                label,
                action: action.into(),
                user_id: user,
                created_at: at,
            });
        }
    }

    /// Record a close (`closed` true) or a reopen of an issue.
    pub fn record_state(&mut self, issue_id: u64, closed: bool, user: u64, at: DateTime<Utc>) {
        let id = self.fresh_id();
        self.state_events.push(FStateEvent {
            id,
            issue_id,
            state: if closed { "closed" } else { "reopened" }.into(),
            user_id: user,
            created_at: at,
        });
    }

    /// A renamed label keeps its id, so its events show the new name.
    pub(crate) fn rename_label_events(&mut self, from: &str, to: &str) {
        for e in &mut self.label_events {
            if e.label == from {
                e.label = to.to_owned();
            }
        }
    }
}

/// `GET .../resource_label_events` of `issue`, oldest first.
pub(crate) fn label_events(
    w: &World,
    issue: &FIssue,
    p: &[(String, String)],
    raw_path: &str,
) -> Response {
    let mut events: Vec<&FLabelEvent> = w
        .label_events
        .iter()
        .filter(|e| e.issue_id == issue.id)
        .collect();
    events.sort_by_key(|e| (e.created_at, e.id));
    let items: Vec<Value> = events
        .into_iter()
        .map(|e| {
            json!({
                "id": e.id,
                "user": w.user_json(e.user_id),
                "created_at": ts(e.created_at),
                "resource_type": "Issue",
                "resource_id": issue.id,
                "label": w.label_json(&e.label),
                "action": e.action,
            })
        })
        .collect();
    paginate(w, items, p, raw_path)
}

/// `GET .../resource_state_events` of `issue`, oldest first.
pub(crate) fn state_events(
    w: &World,
    issue: &FIssue,
    p: &[(String, String)],
    raw_path: &str,
) -> Response {
    let mut events: Vec<&FStateEvent> = w
        .state_events
        .iter()
        .filter(|e| e.issue_id == issue.id)
        .collect();
    events.sort_by_key(|e| (e.created_at, e.id));
    let items: Vec<Value> = events
        .into_iter()
        .map(|e| {
            json!({
                "id": e.id,
                "user": w.user_json(e.user_id),
                "created_at": ts(e.created_at),
                "resource_type": "Issue",
                "resource_id": issue.id,
                "source_commit": Value::Null,
                "source_merge_request_id": Value::Null,
                "state": e.state,
            })
        })
        .collect();
    paginate(w, items, p, raw_path)
}
