//! Merge requests and their pipelines, as GitLab serves them (issue #30):
//! group and project lists (`lib/api/merge_requests.rb`: `state`,
//! `updated_after`, `order_by`, `sort`, `iids[]`, offset pagination; the
//! group's leaves archived projects out, `non_archived` defaulting to
//! true), a list entry without a pipeline (`MergeRequestBasic`) and a
//! single read with `head_pipeline` (`lib/api/entities/merge_request.rb`),
//! `closes_issues` (issues of any project), an issue's `closed_by` (its
//! own project's merge requests only: `lib/api/issues.rb` finds them with
//! `MergeRequestsFinder.new(current_user, project_id: user_project.id)`)
//! and `related_merge_requests` (any project), approvals (in every tier
//! since 13.2: `lib/api/merge_request_approvals.rb` answers `approved`
//! and `approved_by`; EE adds the counts and rules,
//! `ee/lib/ee/api/merge_request_approvals.rb`), and a project's pipelines
//! (`lib/api/ci/pipelines.rb`: `updated_after`, `sha`, `status`).
//! A pipeline's status changes without touching its merge request's
//! `updated_at`; an approval touches it (the system note it writes,
//! `app/models/note.rb` `touch_noteable`).

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::http::{get, get_all, message, respond};
use crate::json::ts;
use crate::pagination::paginate;
use crate::world::{Tier, World};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FMergeRequest {
    pub id: u64,
    pub iid: u64,
    pub project_id: u64,
    pub title: String,
    /// `opened`, `merged` or `closed`.
    pub state: String,
    pub draft: bool,
    pub author_id: u64,
    pub reviewer_ids: Vec<u64>,
    pub source_branch: String,
    pub sha: String,
    /// Issue ids it closes when merged (any project of the instance).
    pub closes: Vec<u64>,
    pub approved_by: Vec<u64>,
    /// The head pipeline's id.
    pub head_pipeline: Option<u64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FPipeline {
    pub id: u64,
    pub iid: u64,
    pub project_id: u64,
    pub sha: String,
    #[serde(rename = "ref")]
    pub ref_: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

impl World {
    fn project_path(&self, id: u64) -> String {
        self.projects
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| "unknown/unknown".to_owned(), |p| p.path.clone())
    }

    pub(crate) fn pipeline_json(&self, p: &FPipeline) -> Value {
        json!({
            "id": p.id, "iid": p.iid, "project_id": p.project_id, "sha": p.sha,
            "ref": p.ref_, "status": p.status, "source": "merge_request_event",
            "created_at": ts(p.created_at), "updated_at": ts(p.updated_at),
            "web_url": format!("{}/{}/-/pipelines/{}", self.host, self.project_path(p.project_id), p.id),
        })
    }

    /// `MergeRequestBasic` (lists) or, `whole`, `MergeRequest` with the
    /// head pipeline.
    pub(crate) fn merge_request_json(&self, m: &FMergeRequest, whole: bool) -> Value {
        let path = self.project_path(m.project_id);
        let users = |ids: &[u64]| ids.iter().map(|u| self.user_json(*u)).collect::<Vec<_>>();
        let mut v = json!({
            "id": m.id, "iid": m.iid, "project_id": m.project_id, "title": m.title,
            "description": "", "state": m.state,
            "created_at": ts(m.created_at), "updated_at": ts(m.updated_at),
            "merged_at": if m.state == "merged" { json!(ts(m.updated_at)) } else { Value::Null },
            "closed_at": if m.state == "closed" { json!(ts(m.updated_at)) } else { Value::Null },
            "target_branch": "main", "source_branch": m.source_branch,
            "author": self.user_json(m.author_id),
            "assignees": users(&[m.author_id]),
            "reviewers": users(&m.reviewer_ids),
            "source_project_id": m.project_id, "target_project_id": m.project_id,
            "labels": [], "draft": m.draft, "work_in_progress": m.draft,
            "merge_when_pipeline_succeeds": false,
            "merge_status": "can_be_merged", "detailed_merge_status": "mergeable",
            "sha": m.sha,
            "references": {"short": format!("!{}", m.iid), "relative": format!("!{}", m.iid), "full": format!("{path}!{}", m.iid)},
            "web_url": format!("{}/{path}/-/merge_requests/{}", self.host, m.iid),
            "user_notes_count": 0, "has_conflicts": false,
        });
        if whole {
            let head = m
                .head_pipeline
                .and_then(|id| self.pipelines.iter().find(|p| p.id == id))
                .map(|p| self.pipeline_json(p));
            v["head_pipeline"] = head.clone().unwrap_or(Value::Null);
            v["pipeline"] = head.unwrap_or(Value::Null);
        }
        v
    }

    /// The merge request `iid` of `project`.
    pub fn merge_request_mut(&mut self, project: u64, iid: u64) -> Option<&mut FMergeRequest> {
        self.merge_requests
            .iter_mut()
            .find(|m| m.project_id == project && m.iid == iid)
    }

    /// A merge request's head pipeline ends (or runs) as `status`: the
    /// pipeline's `updated_at` moves, its merge request's does not.
    /// False without such a merge request or pipeline.
    pub fn set_pipeline_status(&mut self, project: u64, iid: u64, status: &str) -> bool {
        let now = self.now();
        let Some(pid) = self
            .merge_request_mut(project, iid)
            .and_then(|m| m.head_pipeline)
        else {
            return false;
        };
        match self.pipelines.iter_mut().find(|p| p.id == pid) {
            Some(p) => {
                p.status = status.to_owned();
                p.updated_at = now;
                true
            }
            None => false,
        }
    }

    /// `user` approves a merge request (its system note touches it).
    pub fn approve(&mut self, project: u64, iid: u64, user: u64) -> bool {
        let now = self.now();
        match self.merge_request_mut(project, iid) {
            Some(m) => {
                if !m.approved_by.contains(&user) {
                    m.approved_by.push(user);
                }
                m.updated_at = now;
                true
            }
            None => false,
        }
    }
}

/// A group's (`project` None) or a project's merge requests.
pub(crate) fn list(
    w: &World,
    project: Option<u64>,
    p: &[(String, String)],
    raw_path: &str,
) -> Response {
    let state = get(p, "state").unwrap_or("all");
    if !matches!(state, "opened" | "closed" | "locked" | "merged" | "all") {
        return respond(
            StatusCode::BAD_REQUEST,
            json!({"error": "state does not have a valid value"}),
        );
    }
    let iids: Vec<u64> = get_all(p, "iids")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    let after = get(p, "updated_after").and_then(parse_time);
    let before = get(p, "updated_before").and_then(parse_time);
    let order_by = get(p, "order_by").unwrap_or("created_at");
    let asc = get(p, "sort") == Some("asc");
    let mut items: Vec<&FMergeRequest> = w
        .merge_requests
        .iter()
        .filter(|m| match project {
            None => {
                w.in_group(m.project_id)
                    && (get(p, "non_archived") == Some("false") || !w.archived(m.project_id))
            }
            Some(pid) => m.project_id == pid,
        })
        .filter(|m| state == "all" || m.state == state)
        .filter(|m| iids.is_empty() || iids.contains(&m.iid))
        .filter(|m| after.is_none_or(|t| m.updated_at >= t))
        .filter(|m| before.is_none_or(|t| m.updated_at <= t))
        .collect();
    items.sort_by_key(|m| {
        (
            if order_by == "updated_at" {
                m.updated_at
            } else {
                m.created_at
            },
            m.id,
        )
    });
    if !asc {
        items.reverse();
    }
    let items: Vec<Value> = items
        .into_iter()
        .map(|m| w.merge_request_json(m, false))
        .collect();
    paginate(w, items, p, raw_path)
}

/// `/projects/:id/merge_requests/:iid[/...]`.
pub(crate) fn one(
    w: &World,
    project: u64,
    iid: &str,
    rest: &[&str],
    p: &[(String, String)],
    raw_path: &str,
) -> Response {
    let Some(m) = iid.parse::<u64>().ok().and_then(|iid| {
        w.merge_requests
            .iter()
            .find(|m| m.project_id == project && m.iid == iid)
    }) else {
        return message(404, "404 Not found");
    };
    match rest {
        [] => respond(StatusCode::OK, w.merge_request_json(m, true)),
        ["closes_issues"] => {
            let items: Vec<Value> = w
                .issues
                .iter()
                .filter(|i| m.closes.contains(&i.id))
                .map(|i| w.issue_json(i))
                .collect();
            paginate(w, items, p, raw_path)
        }
        ["approvals"] => {
            let approved_by: Vec<Value> = m
                .approved_by
                .iter()
                .map(|u| json!({"user": w.user_json(*u)}))
                .collect();
            let mut v = json!({
                "id": m.id, "iid": m.iid, "project_id": m.project_id, "title": m.title,
                "description": "", "state": m.state,
                "created_at": ts(m.created_at), "updated_at": ts(m.updated_at),
                "merge_status": "can_be_merged",
                "approved": !m.approved_by.is_empty(),
                "approved_by": approved_by,
                "user_has_approved": m.approved_by.contains(&w.me),
                "user_can_approve": !m.approved_by.contains(&w.me) && m.author_id != w.me,
            });
            if w.tier == Tier::Premium {
                // EE: one approval required by the project's rule.
                let left = if m.approved_by.is_empty() { 1 } else { 0 };
                v["approvals_required"] = json!(1);
                v["approvals_left"] = json!(left);
                v["approval_rules_left"] = json!([]);
                v["has_approval_rules"] = json!(true);
                v["suggested_approvers"] = json!([]);
                v["approvers"] = json!([]);
                v["approver_groups"] = json!([]);
            }
            respond(StatusCode::OK, v)
        }
        _ => message(404, "404 Not Found"),
    }
}

/// An issue's `closed_by` (its project's merge requests only) or
/// `related_merge_requests` (any project).
pub(crate) fn of_issue(
    w: &World,
    project: u64,
    issue_id: u64,
    own_project_only: bool,
    p: &[(String, String)],
    raw_path: &str,
) -> Response {
    let items: Vec<Value> = w
        .merge_requests
        .iter()
        .filter(|m| m.closes.contains(&issue_id))
        .filter(|m| !own_project_only || m.project_id == project)
        .map(|m| w.merge_request_json(m, false))
        .collect();
    paginate(w, items, p, raw_path)
}

/// `GET /projects/:id/pipelines`, newest first (`order_by=id`, `sort=desc`).
pub(crate) fn pipelines(
    w: &World,
    project: u64,
    p: &[(String, String)],
    raw_path: &str,
) -> Response {
    let after = get(p, "updated_after").and_then(parse_time);
    let before = get(p, "updated_before").and_then(parse_time);
    let sha = get(p, "sha");
    let status = get(p, "status");
    let mut items: Vec<&FPipeline> = w
        .pipelines
        .iter()
        .filter(|pl| pl.project_id == project)
        .filter(|pl| after.is_none_or(|t| pl.updated_at >= t))
        .filter(|pl| before.is_none_or(|t| pl.updated_at <= t))
        .filter(|pl| sha.is_none_or(|s| pl.sha == s))
        .filter(|pl| status.is_none_or(|s| pl.status == s))
        .collect();
    items.sort_by_key(|pl| std::cmp::Reverse(pl.id));
    if get(p, "sort") == Some("asc") {
        items.reverse();
    }
    let items: Vec<Value> = items.into_iter().map(|pl| w.pipeline_json(pl)).collect();
    paginate(w, items, p, raw_path)
}

/// Merge requests for a world's issues, as a team's board has them: each
/// open issue in Under Review has one (green and approved, failed,
/// running, draft, green awaiting approval, in turn), some In Progress
/// ones a draft, each closed Done issue a merged one; the first in
/// review has a second one in another project of the group, and a Ready
/// issue one by somebody else.
pub fn seed(
    w: &mut World,
    review_label: &str,
    doing_label: &str,
    done_label: &str,
    ready_label: &str,
) {
    let mut n: u64 = 0;
    let mut kinds_seen = 0usize;
    let mut ready_done = false;
    let users: Vec<u64> = w.users.iter().map(|u| u.id).collect();
    if users.is_empty() {
        return;
    }
    let issues = w.issues.clone();
    let mut iids: std::collections::HashMap<u64, u64> = Default::default();
    let mut add = |w: &mut World,
                   project: u64,
                   issue: &crate::world::FIssue,
                   state: &str,
                   draft: bool,
                   pipeline: Option<&str>,
                   approved: bool,
                   author: u64| {
        n += 1;
        let iid = {
            let e = iids.entry(project).or_insert(0);
            *e += 1;
            *e
        };
        let id = 510_000_000 + n;
        let sha = format!("{:040x}", id * 7919);
        let t = issue.updated_at;
        let head = pipeline.map(|status| {
            let pid = 610_000_000 + n;
            w.pipelines.push(FPipeline {
                id: pid,
                iid: n,
                project_id: project,
                sha: sha.clone(),
                ref_: format!("refs/merge-requests/{iid}/head"),
                status: status.to_owned(),
                created_at: t,
                updated_at: t,
            });
            pid
        });
        let reviewer = users[(n as usize + 2) % users.len()];
        w.merge_requests.push(FMergeRequest {
            id,
            iid,
            project_id: project,
            title: format!("Fix: {}", issue.title),
            state: state.to_owned(),
            draft,
            author_id: author,
            reviewer_ids: if reviewer == author {
                vec![]
            } else {
                vec![reviewer]
            },
            source_branch: format!("{}-fix", issue.iid),
            sha,
            closes: vec![issue.id],
            approved_by: if approved { vec![reviewer] } else { vec![] },
            head_pipeline: head,
            created_at: t,
            updated_at: t,
        });
    };
    let author_of = |i: &crate::world::FIssue| {
        i.assignee_ids
            .first()
            .copied()
            .unwrap_or(users[(i.iid as usize) % users.len()])
    };
    for i in &issues {
        let has = |l: &str| i.labels.iter().any(|x| crate::world::label_title(x) == l);
        if i.title.contains("Iteration Planning") {
            continue;
        }
        if i.state == "opened" && has(review_label) {
            let author = author_of(i);
            match kinds_seen % 5 {
                0 => add(
                    w,
                    i.project_id,
                    i,
                    "opened",
                    false,
                    Some("success"),
                    true,
                    author,
                ),
                1 => add(
                    w,
                    i.project_id,
                    i,
                    "opened",
                    false,
                    Some("failed"),
                    false,
                    author,
                ),
                2 => add(
                    w,
                    i.project_id,
                    i,
                    "opened",
                    false,
                    Some("running"),
                    false,
                    author,
                ),
                3 => add(
                    w,
                    i.project_id,
                    i,
                    "opened",
                    true,
                    Some("success"),
                    false,
                    author,
                ),
                _ => add(
                    w,
                    i.project_id,
                    i,
                    "opened",
                    false,
                    Some("success"),
                    false,
                    author,
                ),
            }
            if kinds_seen == 0
                && let Some(other) = w
                    .projects
                    .iter()
                    .find(|p| p.id != i.project_id && !p.archived)
                    .map(|p| p.id)
            {
                // A merge request in another project of the group.
                add(w, other, i, "opened", false, Some("success"), true, author);
            }
            kinds_seen += 1;
        } else if i.state == "opened" && has(doing_label) && i.iid % 3 == 0 {
            add(
                w,
                i.project_id,
                i,
                "opened",
                true,
                None,
                false,
                author_of(i),
            );
        } else if i.state == "closed" && has(done_label) {
            add(
                w,
                i.project_id,
                i,
                "merged",
                false,
                Some("success"),
                true,
                author_of(i),
            );
        } else if !ready_done
            && i.state == "opened"
            && has(ready_label)
            && i.assignee_ids.is_empty()
        {
            // Somebody already works on it.
            ready_done = true;
            let other = users
                .iter()
                .copied()
                .find(|u| *u != w.me)
                .unwrap_or(users[0]);
            add(
                w,
                i.project_id,
                i,
                "opened",
                false,
                Some("running"),
                false,
                other,
            );
        }
    }
}
