//! The issue endpoints that do more than a look-up: list with GitLab's
//! filters and orders, create, edit (labels, milestone, assignees, state,
//! with milestone events) and reorder.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::http::{get, get_all, message, respond};
use crate::pagination::paginate_with;
use crate::world::{FIssue, FMilestoneEvent, Tier, World};

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

pub(crate) fn list_issues(
    w: &World,
    project: Option<u64>,
    p: &[(String, String)],
    raw_path: &str,
) -> Response {
    let iids: Vec<u64> = get_all(p, "iids")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    let search = get(p, "search").map(str::to_lowercase);
    let author = get(p, "author_id").and_then(|v| v.parse::<u64>().ok());
    let created_after = get(p, "created_after").and_then(parse_time);
    let state = get(p, "state").unwrap_or("all");
    let labels: Vec<String> = get(p, "labels")
        .map(|l| {
            l.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let milestone = get(p, "milestone");
    let updated_after = get(p, "updated_after").and_then(parse_time);
    let order_by = get(p, "order_by").unwrap_or("created_at");
    let asc = get(p, "sort") == Some("asc");
    let mut items: Vec<&FIssue> = w
        .issues
        .iter()
        .filter(|i| match project {
            // The group's listing: its projects, archived ones left out
            // unless `non_archived=false`.
            None => {
                w.in_group(i.project_id)
                    && (get(p, "non_archived") == Some("false") || !w.archived(i.project_id))
            }
            Some(pid) => i.project_id == pid,
        })
        .filter(|i| iids.is_empty() || iids.contains(&i.iid))
        .filter(|i| {
            search.as_ref().is_none_or(|q| {
                i.title.to_lowercase().contains(q)
                    || (get(p, "in") != Some("title")
                        && i.description
                            .as_deref()
                            .unwrap_or("")
                            .to_lowercase()
                            .contains(q))
            })
        })
        .filter(|i| author.is_none_or(|a| i.author_id == a))
        .filter(|i| created_after.is_none_or(|t| i.created_at >= t))
        .filter(|i| state == "all" || i.state == state)
        .filter(|i| match labels.first().map(|l| l.to_lowercase()) {
            Some(l) if l == "none" && labels.len() == 1 => i.labels.is_empty(),
            Some(l) if l == "any" && labels.len() == 1 => !i.labels.is_empty(),
            _ => labels.iter().all(|l| i.has_label_titled(l)),
        })
        .filter(|i| match milestone {
            None => true,
            Some(m) if m.eq_ignore_ascii_case("none") => i.milestone_id.is_none(),
            Some(m) if m.eq_ignore_ascii_case("any") => i.milestone_id.is_some(),
            Some(m) => i
                .milestone_id
                .and_then(|id| w.milestones.iter().find(|x| x.id == id))
                .is_some_and(|x| x.title == m),
        })
        .filter(|i| updated_after.is_none_or(|t| i.updated_at >= t))
        .collect();
    match order_by {
        "relative_position" => items.sort_by_key(|i| (i.relative_position, i.id)),
        "updated_at" => items.sort_by_key(|i| (i.updated_at, i.id)),
        _ => items.sort_by_key(|i| (i.created_at, i.id)),
    }
    if !asc {
        items.reverse();
    }
    // `with_labels_details=true`: labels as objects with their ids.
    let details = get(p, "with_labels_details") == Some("true");
    paginate_with(
        w,
        items,
        |i| {
            let mut v = w.issue_json(i);
            if details {
                v["labels"] = json!(
                    w.sorted_labels(i)
                        .iter()
                        .map(|l| w.label_json(l))
                        .collect::<Vec<_>>()
                );
            }
            v
        },
        p,
        raw_path,
    )
}

fn touch(i: &mut FIssue, now: DateTime<Utc>) {
    i.updated_at = if now > i.updated_at {
        now
    } else {
        i.updated_at + chrono::Duration::milliseconds(1)
    };
}

const EDITABLE: &[&str] = &[
    "assignee_id",
    "assignee_ids",
    "assignee_ids[]",
    "confidential",
    "created_at",
    "description",
    "discussion_locked",
    "due_date",
    "issue_type",
    "labels",
    "milestone_id",
    "state_event",
    "title",
    "add_labels",
    "remove_labels",
    "weight",
];

pub(crate) fn update_issue(
    w: &mut World,
    project: u64,
    iid: u64,
    p: &[(String, String)],
) -> Response {
    let now = w.now();
    if w.issue(project, iid).is_none() {
        return message(404, "404 Issue Not Found");
    }
    if !p.iter().any(|(k, _)| EDITABLE.contains(&k.as_str())) {
        return respond(
            StatusCode::BAD_REQUEST,
            json!({"error": "assignee_id, assignee_ids, confidential, created_at, description, discussion_locked, due_date, issue_type, labels, milestone_id, state_event, title are missing, at least one parameter must be provided"}),
        );
    }
    if let Some(m) = get(p, "milestone_id").filter(|m| !m.is_empty() && *m != "0") {
        // Not a number is an error; an unknown milestone is not: it is
        // set to none below.
        if m.parse::<u64>().is_err() {
            return respond(
                StatusCode::BAD_REQUEST,
                json!({"error": "milestone_id is invalid"}),
            );
        }
    }
    let assignees: Option<Vec<u64>> = if p
        .iter()
        .any(|(k, _)| k == "assignee_ids" || k == "assignee_ids[]")
    {
        Some(
            get_all(p, "assignee_ids")
                .iter()
                .flat_map(|v| v.split(','))
                .filter_map(|v| v.trim().parse::<u64>().ok())
                .filter(|id| *id != 0)
                .collect(),
        )
    } else {
        get(p, "assignee_id").map(|v| {
            v.parse::<u64>()
                .ok()
                .filter(|id| *id != 0)
                .into_iter()
                .collect()
        })
    };
    // GitLab Free keeps the first assignee and drops the others, silently
    // (`IssuableBaseService#filter_assignees_using_checks`).
    let assignees = match assignees {
        Some(mut a) if w.tier == Tier::Free => {
            a.truncate(1);
            Some(a)
        }
        a => a,
    };
    if let Some(a) = &assignees
        && let Some(bad) = a.iter().find(|id| !w.users.iter().any(|u| u.id == **id))
    {
        return respond(
            StatusCode::BAD_REQUEST,
            json!({"message": {"assignees": [format!("user {bad} not found")]}}),
        );
    }
    let mut labels = w.issue(project, iid).expect("checked").labels.clone();
    if let Some(all) = get(p, "labels") {
        labels.clear();
        for l in all.split(',').map(str::trim).filter(|l| !l.is_empty()) {
            w.add_label(&mut labels, l);
        }
    }
    if let Some(rm) = get(p, "remove_labels") {
        // By title: GitLab finds one label per title, the group's first.
        for l in rm.split(',').map(str::trim) {
            labels.remove(l);
        }
    }
    if let Some(add) = get(p, "add_labels") {
        for l in add.split(',').map(str::trim).filter(|l| !l.is_empty()) {
            w.add_label(&mut labels, l);
            if !w.labels.iter().any(|x| x == l) {
                w.labels.push(l.to_owned());
            }
        }
    }
    let tier = w.tier;
    // A milestone that is not there (deleted), or not available to the
    // issue's project (another project's, a sub-group's the project is not
    // in), is set to none, silently
    // (`IssuableBaseService#ensure_milestone_available`).
    let known: Vec<u64> = w
        .milestones
        .iter()
        .filter(|m| w.milestone_available(m, project))
        .map(|m| m.id)
        .collect();
    let i = w.issue_mut(project, iid).expect("checked");
    let labels_before = std::mem::replace(&mut i.labels, labels);
    let state_before = i.state.clone();
    let mut moved: Option<(Option<u64>, Option<u64>)> = None;
    if let Some(m) = get(p, "milestone_id") {
        let new = m
            .parse::<u64>()
            .ok()
            .filter(|id| *id != 0 && known.contains(id));
        if new != i.milestone_id {
            moved = Some((i.milestone_id, new));
        }
        i.milestone_id = new;
    }
    // Assignee changes leave a system note
    // (`SystemNotes::IssuablesService#change_issuable_assignees`:
    // "assigned to @a and unassigned @b").
    let mut assignee_note: Option<(Vec<u64>, Vec<u64>)> = None;
    if let Some(a) = assignees {
        let added: Vec<u64> = a
            .iter()
            .copied()
            .filter(|x| !i.assignee_ids.contains(x))
            .collect();
        let removed: Vec<u64> = i
            .assignee_ids
            .iter()
            .copied()
            .filter(|x| !a.contains(x))
            .collect();
        if !added.is_empty() || !removed.is_empty() {
            assignee_note = Some((added, removed));
        }
        i.assignee_ids = a;
    }
    if let Some(t) = get(p, "title") {
        i.title = t.to_owned();
    }
    if let Some(d) = get(p, "description") {
        i.description = Some(d.to_owned());
    }
    // Weight is kept only where the licence has it and never on incidents
    // (`EE::IssuableBaseService#filter_params`; `EE::Issue#supports_weight?`
    // is `!incident?`): dropped without a word.
    if tier == Tier::Premium
        && i.issue_type != "incident"
        && let Some(wt) = get(p, "weight")
    {
        i.weight = wt.parse().ok();
    }
    match get(p, "state_event") {
        Some("close") if i.state == "opened" => {
            i.state = "closed".into();
            i.closed_at = Some(now);
        }
        Some("reopen") if i.state == "closed" => {
            i.state = "opened".into();
            i.closed_at = None;
        }
        _ => {}
    }
    touch(i, now);
    let i = i.clone();
    let me = w.me;
    w.record_labels(i.id, &labels_before, &i.labels, me, now);
    if i.state != state_before {
        w.record_state(i.id, i.state == "closed", me, now);
    }
    if let Some((added, removed)) = assignee_note {
        let name = |id: &u64| {
            w.users
                .iter()
                .find(|u| u.id == *id)
                .map_or(String::new(), |u| format!("@{}", u.username))
        };
        let mut parts = Vec::new();
        if !added.is_empty() {
            parts.push(format!(
                "assigned to {}",
                added.iter().map(name).collect::<Vec<_>>().join(" and ")
            ));
        }
        if !removed.is_empty() {
            parts.push(format!(
                "unassigned {}",
                removed.iter().map(name).collect::<Vec<_>>().join(" and ")
            ));
        }
        let id = w.fresh_id();
        let me = w.me;
        w.notes.push(crate::world::FNote {
            id,
            issue_id: i.id,
            body: parts.join(" and "),
            author_id: me,
            created_at: now,
            system: true,
        });
    }
    if let Some((old, new)) = moved {
        for (m, action) in [(old, "remove"), (new, "add")] {
            if let Some(m) = m {
                let id = w.fresh_id();
                w.milestone_events.push(FMilestoneEvent {
                    id,
                    issue_id: i.id,
                    milestone_id: m,
                    action: action.into(),
                    created_at: now,
                });
            }
        }
    }
    respond(StatusCode::OK, w.issue_json(&i))
}

pub(crate) fn reorder(w: &mut World, project: u64, iid: u64, p: &[(String, String)]) -> Response {
    let Some(moved) = w.issue(project, iid).map(|i| i.id) else {
        return message(404, "404 Issue Not Found");
    };
    let before = get(p, "move_before_id").and_then(|v| v.parse::<u64>().ok());
    let after = get(p, "move_after_id").and_then(|v| v.parse::<u64>().ok());
    if before.is_none() && after.is_none() {
        return respond(
            StatusCode::BAD_REQUEST,
            json!({"error": "move_after_id, move_before_id are missing, at least one parameter must be provided"}),
        );
    }
    // Places in the order: position, then id (as GitLab lists them).
    let place = |id: Option<u64>| {
        id.and_then(|id| w.issues.iter().find(|i| i.id == id))
            .map(|i| (i.relative_position, i.id))
    };
    let (bp, ap) = (place(before), place(after));
    if bp.is_none() && ap.is_none() {
        return respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"message": {"error": "Unprocessable Entity"}}),
        );
    }
    // As GitLab's RelativePositioning#move_between: two neighbours given
    // the wrong way round (the client's order was stale) are sorted by
    // position; one neighbour: the issue goes between it and the next (or
    // previous) issue of the whole order.
    let others = || {
        w.issues
            .iter()
            .filter(|i| i.id != moved)
            .map(|i| (i.relative_position, i.id))
    };
    let (lo, hi) = match (bp, ap) {
        (Some(b), Some(a)) => (Some(b.min(a)), Some(b.max(a))),
        (Some(b), None) => (Some(b), others().filter(|k| *k > b).min()),
        (None, Some(a)) => (others().filter(|k| *k < a).max(), Some(a)),
        (None, None) => (None, None),
    };
    // The moved issue lands between them: lo < moved.pos < hi.
    let new_pos = match (lo, hi) {
        (Some((l, _)), Some((h, _))) if h - l > 1 => l + (h - l) / 2,
        (Some(lk), Some(_)) => {
            // No room (or both at one position): as GitLab's mover makes
            // room, everything after `lo` in the order moves down.
            for i in w
                .issues
                .iter_mut()
                .filter(|i| i.id != moved && (i.relative_position, i.id) > lk)
            {
                i.relative_position += 1024;
            }
            lk.0 + 512
        }
        (Some((l, _)), None) => l + 512,
        (None, Some((h, _))) => h - 512,
        (None, None) => 0,
    };
    let i = w.issues.iter_mut().find(|i| i.id == moved).expect("exists");
    i.relative_position = new_pos;
    // Reordering does not bump updated_at on GitLab.
    let i = i.clone();
    respond(StatusCode::OK, w.issue_json(&i))
}

pub(crate) fn create_issue(w: &mut World, project: u64, p: &[(String, String)]) -> Response {
    let Some(title) = get(p, "title")
        .filter(|t| !t.trim().is_empty())
        .map(str::to_owned)
    else {
        return respond(
            StatusCode::BAD_REQUEST,
            json!({"error": "title is missing"}),
        );
    };
    let iid = w
        .issues
        .iter()
        .filter(|i| i.project_id == project)
        .map(|i| i.iid)
        .max()
        .unwrap_or(0)
        + 1;
    let mut labels = BTreeSet::new();
    for l in get(p, "labels")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        w.add_label(&mut labels, l);
    }
    // GitLab creates it with no position; it lists last (nulls last).
    let bottom = w
        .issues
        .iter()
        .map(|i| i.relative_position)
        .max()
        .unwrap_or(0);
    let now = w.now();
    let issue = FIssue {
        id: w.fresh_id(),
        iid,
        project_id: project,
        title,
        description: get(p, "description").map(str::to_owned),
        state: "opened".into(),
        labels,
        // `ensure_milestone_available`, as for an update.
        milestone_id: get(p, "milestone_id")
            .and_then(|m| m.parse::<u64>().ok())
            .filter(|m| *m != 0)
            .filter(|m| {
                w.milestones
                    .iter()
                    .any(|x| x.id == *m && w.milestone_available(x, project))
            }),
        assignee_ids: get_all(p, "assignee_ids")
            .iter()
            .filter_map(|v| v.parse().ok())
            .collect(),
        author_id: w.me,
        weight: if w.tier == Tier::Premium {
            get(p, "weight").and_then(|v| v.parse().ok())
        } else {
            None
        },
        created_at: now,
        updated_at: now,
        closed_at: None,
        relative_position: bottom + 1024,
        time_spent_secs: 0,
        issue_type: "issue".into(),
        confidential: false,
        due_date: None,
        blocked: false,
    };
    w.issues.push(issue.clone());
    // Created with labels and a milestone: their events at its creation
    // (`Issues::CreateService#after_create` →
    // `Issuable::CommonSystemNotesService`).
    let me = w.me;
    w.record_labels(issue.id, &BTreeSet::new(), &issue.labels, me, now);
    if let Some(m) = issue.milestone_id {
        let id = w.fresh_id();
        w.milestone_events.push(FMilestoneEvent {
            id,
            issue_id: issue.id,
            milestone_id: m,
            action: "add".into(),
            created_at: now,
        });
    }
    respond(StatusCode::CREATED, w.issue_json(&issue))
}
