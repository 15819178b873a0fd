//! How the world's records look on the wire: GitLab's JSON entities for
//! users, milestones, issues and notes, and its timestamp format.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::world::{FIssue, FMilestone, FNote, Tier, World, label_title};

impl World {
    /// A label as boards show it, with the id the labels endpoint gives.
    pub(crate) fn label_json(&self, key: &str) -> Value {
        let id = self
            .labels
            .iter()
            .position(|l| l == key)
            .map_or(0, |n| 500 + n);
        json!({"id": id, "name": label_title(key), "color": "#428BCA", "description": Value::Null, "description_html": "", "text_color": "#FFFFFF"})
    }

    /// An issue's label keys sorted by title, as GitLab lists them.
    pub(crate) fn sorted_labels<'a>(&self, i: &'a FIssue) -> Vec<&'a str> {
        let mut v: Vec<&str> = i.labels.iter().map(String::as_str).collect();
        v.sort_by_key(|k| label_title(k));
        v
    }

    /// A board's label lists, as `GET /groups/:id/boards/:board_id/lists`.
    pub(crate) fn lists_json(&self, b: &crate::world::FBoard) -> Vec<Value> {
        let mut lists: Vec<&crate::world::FList> = b.lists.iter().collect();
        lists.sort_by_key(|l| l.position);
        lists
            .into_iter()
            // GitLab's list entity (`lib/api/entities/list.rb`,
            // `ee/lib/ee/api/entities/list.rb`; `spec/fixtures/api/schemas/
            // public_api/v4/board.json` allows nothing else): id, label,
            // position and the limits. A work item status list (GitLab
            // 18.2+, `List#status`) has no label, milestone, iteration or
            // assignee there: that is all REST shows of it.
            .map(|l| {
                json!({
                    "id": l.id,
                    "label": if l.status.is_some() { Value::Null } else { self.label_json(&l.label) },
                    "position": l.position,
                    "max_issue_count": l.max_issue_count, "max_issue_weight": l.max_issue_weight,
                })
            })
            .collect()
    }

    /// A group board, as `GET /groups/:id/boards/:board_id` (doc/api/group_boards.md).
    pub(crate) fn board_json(&self, b: &crate::world::FBoard) -> Value {
        json!({
            "id": b.id, "name": b.name, "hide_backlog_list": false, "hide_closed_list": false,
            "project": Value::Null,
            "group": {"id": self.group_id, "name": self.group_path.rsplit('/').next(), "web_url": format!("{}/groups/{}", self.host, self.group_path)},
            "milestone": b.milestone_id.and_then(|id| self.milestones.iter().find(|m| m.id == id)).map(|m| json!({"id": m.id, "title": m.title})),
            "assignee": Value::Null,
            "labels": b.labels.iter().map(|l| self.label_json(l)).collect::<Vec<_>>(),
            "weight": Value::Null,
            "lists": self.lists_json(b),
        })
    }

    pub(crate) fn user_json(&self, id: u64) -> Value {
        match self.users.iter().find(|u| u.id == id) {
            Some(u) => json!({
                "id": u.id, "username": u.username, "name": u.name, "state": "active",
                "avatar_url": format!("https://www.gravatar.com/avatar/{}?s=80&d=identicon", u.id),
                "web_url": format!("{}/{}", self.host, u.username),
            }),
            None => Value::Null,
        }
    }

    /// A milestone as `doc/api/group_milestones.md` shows it: a group's
    /// has `group_id` and a `/groups/<path>/-/milestones/N` address, a
    /// project's `project_id` and `/<project path>/-/milestones/N`.
    pub(crate) fn milestone_json(&self, m: &FMilestone) -> Value {
        let today = Utc::now().date_naive();
        let project = m
            .lives
            .strip_prefix("project:")
            .and_then(|id| id.parse::<u64>().ok())
            .and_then(|id| self.projects.iter().find(|p| p.id == id));
        let group = match m.lives.as_str() {
            "ancestor" => self
                .group_path
                .rsplit_once('/')
                .map_or(self.group_path.clone(), |(a, _)| a.to_owned()),
            "descendant" => self.sub_group_path(),
            _ => self.group_path.clone(),
        };
        let mut v = json!({
            "id": m.id, "iid": m.iid, "title": m.title,
            "description": m.description, "state": m.state,
            "created_at": "2025-01-06T09:00:00.000Z", "updated_at": "2025-01-06T09:00:00.000Z",
            "due_date": m.due_date, "start_date": m.start_date,
            "expired": m.due_date.is_some_and(|d| d < today),
        });
        match project {
            Some(p) => {
                v["project_id"] = json!(p.id);
                v["web_url"] = json!(format!("{}/{}/-/milestones/{}", self.host, p.path, m.iid));
            }
            None => {
                v["group_id"] = json!(self.group_id);
                v["web_url"] = json!(format!(
                    "{}/groups/{group}/-/milestones/{}",
                    self.host, m.iid
                ));
            }
        }
        v
    }

    /// An issue as GitLab's issue entity shows it (`schemas/issue.json`).
    pub fn issue_json(&self, i: &FIssue) -> Value {
        let project = self.projects.iter().find(|p| p.id == i.project_id);
        let path = project.map_or("unknown/unknown".to_owned(), |p| p.path.clone());
        let name = path.rsplit('/').next().unwrap_or("").to_owned();
        let assignees: Vec<Value> = i
            .assignee_ids
            .iter()
            .map(|id| self.user_json(*id))
            .collect();
        let notes = self.notes.iter().filter(|n| n.issue_id == i.id).count();
        let mut v = json!({
            "id": i.id, "iid": i.iid, "project_id": i.project_id, "title": i.title,
            "description": i.description, "state": i.state,
            "created_at": ts(i.created_at), "updated_at": ts(i.updated_at),
            "closed_at": i.closed_at.map(ts), "closed_by": Value::Null,
            "labels": self.sorted_labels(i).into_iter().map(label_title).collect::<Vec<_>>(),
            "milestone": i.milestone_id.and_then(|id| self.milestones.iter().find(|m| m.id == id)).map(|m| self.milestone_json(m)),
            "assignees": assignees,
            "assignee": assignees.first().cloned().unwrap_or(Value::Null),
            "author": self.user_json(i.author_id),
            "type": i.issue_type.to_uppercase(), "issue_type": i.issue_type,
            "user_notes_count": notes, "merge_requests_count": 0, "upvotes": 0, "downvotes": 0,
            "due_date": i.due_date, "confidential": i.confidential, "discussion_locked": Value::Null,
            "web_url": format!("{}/{path}/-/issues/{}", self.host, i.iid),
            "time_stats": {"time_estimate": 0, "total_time_spent": i.time_spent_secs, "human_time_estimate": Value::Null, "human_total_time_spent": Value::Null},
            "task_completion_status": {"count": 0, "completed_count": 0},
            "has_tasks": false,
            "references": {"short": format!("#{}", i.iid), "relative": format!("{name}#{}", i.iid), "full": format!("{path}#{}", i.iid)},
            "severity": "UNKNOWN", "moved_to_id": Value::Null, "imported": false, "imported_from": "none",
            "_links": {
                "self": format!("{}/api/v4/projects/{}/issues/{}", self.host, i.project_id, i.iid),
                "notes": format!("{}/api/v4/projects/{}/issues/{}/notes", self.host, i.project_id, i.iid),
                "award_emoji": format!("{}/api/v4/projects/{}/issues/{}/award_emoji", self.host, i.project_id, i.iid),
                "project": format!("{}/api/v4/projects/{}", self.host, i.project_id),
                "closed_as_duplicate_of": Value::Null,
            },
        });
        // `ee/lib/ee/api/entities/issue_basic.rb`: `expose :weight, if:
        // ->(issue, _) { issue.weight_available? }`, and
        // `EE::Issue#weight_available?` needs `supports_weight?`, which is
        // `!incident?`: incidents never carry the field, even on Premium.
        if self.tier == Tier::Premium && i.issue_type != "incident" {
            v["weight"] = json!(i.weight);
        }
        v
    }
}

/// GitLab's timestamp format: `2016-01-04T15:31:46.176Z`.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn note_json(w: &World, n: &FNote, issue: &FIssue) -> Value {
    json!({
        "id": n.id, "type": Value::Null, "body": n.body, "attachment": Value::Null,
        "author": w.user_json(n.author_id), "created_at": ts(n.created_at), "updated_at": ts(n.created_at),
        "system": n.system, "noteable_id": issue.id, "noteable_iid": issue.iid, "noteable_type": "Issue",
        "resolvable": false, "confidential": false,
    })
}
