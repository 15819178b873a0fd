//! The axum handler for GitLab's REST API: every request is logged, may
//! be slowed down or faulted, is checked for a token, and is routed to its
//! endpoint by method and path.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use crate::control::control;
use crate::faults::{fault_response, spoil};
use crate::http::{Shared, get, lock, message, not_found_route, pairs, plain, respond};
use crate::issues::{create_issue, list_issues, reorder, update_issue};
use crate::json::{note_json, ts};
use crate::pagination::paginate;
use crate::quick_actions::run as run_quick_actions;
use crate::world::{FNote, World};

/// Every answer carries the fake's own clock in `Date`, as a real server's.
pub(crate) async fn handle(
    state: axum::extract::State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = lock(&state.0).now();
    let mut r = answer(state, method, uri, headers, body).await;
    let date = now.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    if let Ok(v) = HeaderValue::from_str(&date) {
        r.headers_mut().insert("date", v);
    }
    r
}

async fn answer(
    axum::extract::State(world): axum::extract::State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if uri.path().starts_with("/__fake/") {
        return control(&world, &method, uri.path(), &body);
    }
    let (latency, fault, stream) = {
        let mut w = lock(&world);
        // A GraphQL request is logged with what it asks about (one word),
        // so that tests can tell the board's order from merge requests.
        let about = if uri.path() == "/api/graphql" {
            if body.windows(14).any(|w| w == b"mergeRequests(") {
                " mergeRequests"
            } else {
                " issues"
            }
        } else {
            ""
        };
        w.log.push(format!(
            "{method} {}{about}",
            uri.path_and_query().map_or("", |p| p.as_str())
        ));
        // What a request is, for chaos mode: its method, path and page.
        let page = pairs(uri.query().unwrap_or(""))
            .into_iter()
            .find(|(k, _)| k == "page")
            .map(|(_, v)| v)
            .unwrap_or_default();
        let key = format!("{method} {} {page}", uri.path());
        let (latency, fault) = w.next_fault(method != Method::GET, &key);
        (latency, fault, w.chaos_stream)
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    if let Some(r) = fault.as_ref().and_then(fault_response) {
        return r;
    }
    // As GitLab's auth finders: `PRIVATE-TOKEN` takes personal, project and
    // group access tokens only; `Authorization: Bearer` takes those and
    // OAuth tokens. A CI job token (`JOB-TOKEN`) is taken only on the routes
    // that say `route_setting :authentication, job_token_allowed: true`
    // (`lib/api/*.rb`: registry, packages, pipelines, releases, ...; read by
    // `find_user_from_job_token` in `lib/gitlab/auth/auth_finders.rb`).
    // None of the endpoints glboard uses (issues, groups, labels,
    // milestones, users, GraphQL) says so: without another credential the
    // request is unauthenticated, and a private group answers 401.
    let token_ok = {
        let w = lock(&world);
        let t = w.token.as_str();
        let oauth = t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit());
        let job = t.starts_with("glcbt-");
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        (!oauth && !job && header("private-token") == Some(t))
            || (!job && header("authorization") == Some(format!("Bearer {t}").as_str()))
    };
    if !token_ok {
        return message(401, "401 Unauthorized");
    }
    if uri.path() == "/api/graphql" && method == Method::POST {
        let r = {
            let w = lock(&world);
            if w.no_graphql {
                message(404, "404 Not Found")
            } else {
                crate::graphql::graphql(&w, &body)
            }
        };
        return spoil(fault.as_ref(), r).await;
    }
    let mut params = pairs(uri.query().unwrap_or(""));
    let ctype = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ctype.starts_with("application/json") {
        if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&body) {
            for (k, v) in m {
                match v {
                    Value::Array(a) => {
                        params.extend(a.into_iter().map(|x| (format!("{k}[]"), plain(&x))))
                    }
                    v => params.push((k, plain(&v))),
                }
            }
        }
    } else if !body.is_empty() {
        params.extend(pairs(&String::from_utf8_lossy(&body)));
    }
    let path = uri.path().trim_end_matches('/').to_owned();
    let segs: Vec<String> = path
        .trim_start_matches("/api/v4/")
        .split('/')
        .map(|s| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let resp = {
        let mut w = lock(&world);
        // A page shift draws from this request's chaos stream.
        w.chaos_stream = stream;
        route(&mut w, &method, &segs, &params, uri.path())
    };
    spoil(fault.as_ref(), resp).await
}

fn group_matches(w: &World, id: &str) -> bool {
    id == w.group_id.to_string() || id == w.group_path
}

fn route(
    w: &mut World,
    method: &Method,
    segs: &[&str],
    p: &[(String, String)],
    raw_path: &str,
) -> Response {
    match (method.as_str(), segs) {
        ("GET", ["user"]) => respond(StatusCode::OK, w.user_json(w.me)),
        // `GET /version` and `GET /metadata` (`lib/api/metadata.rb`, 15.2+:
        // `enterprise` is `Gitlab.ee?`).
        ("GET", ["version"] | ["metadata"]) => respond(
            StatusCode::OK,
            json!({"version": w.version, "revision": "fake", "kas": {"enabled": false}, "enterprise": w.enterprise()}),
        ),
        // `POST /groups/:id/milestones` (doc/api/group_milestones.md):
        // titles are unique among the group's milestones, closed ones too
        // (`Milestone#uniqueness_of_title`), answered as the API does.
        ("POST", ["groups", g, "milestones"]) => {
            if !group_matches(w, g) {
                return message(404, "404 Group Not Found");
            }
            let Some(title) = get(p, "title").map(str::trim).filter(|t| !t.is_empty()) else {
                return respond(
                    StatusCode::BAD_REQUEST,
                    json!({"error": "title is missing"}),
                );
            };
            // Unique among the group's own milestones and its direct
            // projects', closed ones included (`Milestone#uniqueness_of_title`).
            let direct = |m: &crate::world::FMilestone| {
                m.lives
                    .strip_prefix("project:")
                    .and_then(|id| id.parse::<u64>().ok())
                    .and_then(|id| w.projects.iter().find(|p| p.id == id))
                    .and_then(|p| p.path.strip_prefix(&format!("{}/", w.group_path)))
                    .is_some_and(|name| !name.contains('/'))
            };
            if w.milestones
                .iter()
                .any(|m| (m.lives.is_empty() || direct(m)) && m.title == title)
            {
                return message(
                    400,
                    "Failed to create milestone {:title=>[\"already being used for another group or project milestone.\"]}",
                );
            }
            let day = |k: &str| {
                get(p, k).and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            };
            let (start, due) = (day("start_date"), day("due_date"));
            if let (Some(s), Some(d)) = (start, due)
                && d < s
            {
                return message(
                    400,
                    "Failed to create milestone {:due_date=>[\"must be greater than start date\"]}",
                );
            }
            let id = w.fresh_id();
            let iid = w.milestones.iter().map(|m| m.iid).max().unwrap_or(0) + 1;
            let m = crate::world::FMilestone {
                id,
                iid,
                title: title.to_owned(),
                description: get(p, "description").unwrap_or("").to_owned(),
                start_date: start,
                due_date: due,
                state: "active".into(),
                lives: String::new(),
            };
            let v = w.milestone_json(&m);
            w.milestones.push(m);
            respond(StatusCode::CREATED, v)
        }
        ("GET", ["groups", g, rest @ ..]) => {
            if !group_matches(w, g) {
                return message(404, "404 Group Not Found");
            }
            match rest {
                ["issues"] => {
                    w.maybe_shift(p);
                    list_issues(w, None, p, raw_path)
                }
                ["milestones"] => {
                    let state = get(p, "state");
                    let title = get(p, "title");
                    // Ancestors' and descendants' milestones as the API
                    // of w.version takes it: 16.7 added include_ancestors
                    // and include_descendants (mutually exclusive with the
                    // older include_parent_milestones); before, they are
                    // unknown and ignored.
                    let modern = w.version_at_least(16, 7);
                    let yes = |k: &str| get(p, k) == Some("true");
                    if modern && yes("include_ancestors") && yes("include_parent_milestones") {
                        return respond(
                            StatusCode::BAD_REQUEST,
                            json!({"error": "include_ancestors, include_parent_milestones are mutually exclusive"}),
                        );
                    }
                    let ancestors =
                        yes("include_parent_milestones") || (modern && yes("include_ancestors"));
                    let descendants = modern && yes("include_descendants");
                    let items: Vec<Value> = w
                        .milestones
                        .iter()
                        .filter(|m| match m.lives.as_str() {
                            "" => true,
                            "ancestor" => ancestors,
                            // Sub-groups' and projects' milestones.
                            _ => descendants,
                        })
                        .filter(|m| state.is_none_or(|s| m.state == s))
                        .filter(|m| title.is_none_or(|t| m.title == t))
                        .map(|m| w.milestone_json(m))
                        .collect();
                    paginate(w, items, p, raw_path)
                }
                ["members", "all"] => {
                    let items: Vec<Value> = w
                        .users
                        .iter()
                        .map(|u| {
                            let mut v = w.user_json(u.id);
                            v["access_level"] = json!(30);
                            v["expires_at"] = Value::Null;
                            v["group_saml_identity"] = Value::Null;
                            v
                        })
                        .collect();
                    paginate(w, items, p, raw_path)
                }
                ["labels"] => {
                    let search = get(p, "search").unwrap_or("").to_lowercase();
                    // The group's labels (`only_group_labels` is the
                    // default): project labels are not listed.
                    let items: Vec<Value> = w
                        .labels
                        .iter()
                        .filter(|l| !l.contains('\u{0}'))
                        .filter(|l| l.to_lowercase().contains(&search))
                        .map(|l| w.label_json(l))
                        .collect();
                    paginate(w, items, p, raw_path)
                }
                // One group label, by id or by title (`GET /groups/:id/labels/:label_id`).
                ["labels", id] => {
                    match w.labels.iter().enumerate().find(|(n, l)| {
                        !l.contains('\u{0}') && ((500 + n).to_string() == *id || l == id)
                    }) {
                        Some((_, l)) => respond(StatusCode::OK, w.label_json(l)),
                        None => message(404, "404 Label Not Found"),
                    }
                }
                ["boards"] => {
                    let items: Vec<Value> = w.boards.iter().map(|b| w.board_json(b)).collect();
                    paginate(w, items, p, raw_path)
                }
                // An unknown board is `board_parent.boards.find` raising
                // RecordNotFound (`lib/api/boards_responses.rb`), which the
                // API answers with a bare "404 Not found" (`lib/api/api.rb`
                // `rescue_from ActiveRecord::RecordNotFound`): not "Board
                // Not Found", and unlike an unknown group's "404 Group Not
                // Found".
                ["boards", id] => match w.boards.iter().find(|b| b.id.to_string() == *id) {
                    Some(b) => respond(StatusCode::OK, w.board_json(b)),
                    None => message(404, "404 Not found"),
                },
                ["boards", id, "lists"] => {
                    match w.boards.iter().find(|b| b.id.to_string() == *id) {
                        Some(b) => {
                            let items: Vec<Value> = w.lists_json(b);
                            paginate(w, items, p, raw_path)
                        }
                        None => message(404, "404 Not found"),
                    }
                }
                ["merge_requests"] => crate::merge_requests::list(w, None, p, raw_path),
                ["projects"] => {
                    let items: Vec<Value> = w
                        .projects
                        .iter()
                        .map(|pr| json!({"id": pr.id, "name": pr.path.rsplit('/').next(), "path": pr.path.rsplit('/').next(), "path_with_namespace": pr.path, "web_url": format!("{}/{}", w.host, pr.path)}))
                        .collect();
                    paginate(w, items, p, raw_path)
                }
                _ => not_found_route(),
            }
        }
        // One project (`lib/api/projects.rb`, `GET /projects/:id`), with
        // `archived` as `API::Entities::Project` gives it.
        ("GET", ["projects", pid]) => {
            match w.projects.iter().find(|pr| pr.id.to_string() == *pid) {
                Some(pr) => respond(
                    StatusCode::OK,
                    json!({"id": pr.id, "name": pr.path.rsplit('/').next(), "path": pr.path.rsplit('/').next(), "path_with_namespace": pr.path, "web_url": format!("{}/{}", w.host, pr.path), "archived": pr.archived}),
                ),
                None => message(404, "404 Project Not Found"),
            }
        }
        // One label available to a project (its own, or its groups'), by
        // id or title: `GET /projects/:id/labels/:label_id`.
        ("GET", ["projects", pid, "labels", id]) => {
            let Some(project) = pid.parse::<u64>().ok().filter(|id| w.project_exists(*id)) else {
                return message(404, "404 Project Not Found");
            };
            let mine = |l: &str| match l.split_once('\u{0}') {
                Some((_, p)) => p == project.to_string(),
                None => true,
            };
            match w.labels.iter().enumerate().find(|(n, l)| {
                mine(l) && ((500 + n).to_string() == *id || crate::world::label_title(l) == *id)
            }) {
                Some((_, l)) => respond(StatusCode::OK, w.label_json(l)),
                None => message(404, "404 Label Not Found"),
            }
        }
        (
            "GET",
            [
                "projects",
                pid,
                kind @ ("merge_requests" | "pipelines"),
                rest @ ..,
            ],
        ) => {
            let Some(project) = pid.parse::<u64>().ok().filter(|id| w.project_exists(*id)) else {
                return message(404, "404 Project Not Found");
            };
            match (*kind, rest) {
                ("merge_requests", []) => {
                    crate::merge_requests::list(w, Some(project), p, raw_path)
                }
                ("merge_requests", [iid, more @ ..]) => {
                    crate::merge_requests::one(w, project, iid, more, p, raw_path)
                }
                ("pipelines", []) => crate::merge_requests::pipelines(w, project, p, raw_path),
                _ => not_found_route(),
            }
        }
        (_, ["projects", pid, "issues", rest @ ..]) => {
            let Some(project) = pid.parse::<u64>().ok().filter(|id| w.project_exists(*id)) else {
                return message(404, "404 Project Not Found");
            };
            // An archived project is read-only: its policy prevents every
            // write ability (`app/policies/project_policy.rb`, `rule {
            // archived }.policy { prevent(*archived_abilities) }`) and the
            // API's `authorize!` answers a bare `forbidden!`
            // (`lib/api/helpers.rb`): the body does not say why.
            if method != Method::GET && w.archived(project) {
                return message(403, "403 Forbidden");
            }
            match (method.as_str(), rest) {
                ("POST", []) => create_issue(w, project, p),
                ("GET", []) => list_issues(w, Some(project), p, raw_path),
                ("GET", [iid]) => match iid.parse().ok().and_then(|iid| w.issue(project, iid)) {
                    Some(i) => respond(StatusCode::OK, w.issue_json(i)),
                    None => message(404, "404 Issue Not Found"),
                },
                ("PUT", [iid]) => update_issue(w, project, iid.parse().unwrap_or(0), p),
                ("PUT", [iid, "reorder"]) => reorder(w, project, iid.parse().unwrap_or(0), p),
                ("GET", [iid, "resource_milestone_events"]) => {
                    let Some(issue) = w.issue_by_ref(project, iid) else {
                        return message(404, "404 Issue Not Found");
                    };
                    let items: Vec<Value> = w
                        .milestone_events
                        .iter()
                        .filter(|e| e.issue_id == issue.id)
                        .map(|e| {
                            json!({
                                "id": e.id,
                                "user": w.user_json(issue.author_id),
                                "created_at": ts(e.created_at),
                                "resource_type": "Issue",
                                "resource_id": issue.id,
                                "milestone": w.milestones.iter().find(|m| m.id == e.milestone_id).map(|m| w.milestone_json(m)),
                                "action": e.action,
                            })
                        })
                        .collect();
                    paginate(w, items, p, raw_path)
                }
                (
                    "GET",
                    [
                        iid,
                        kind @ ("resource_label_events" | "resource_state_events"),
                    ],
                ) => {
                    let Some(issue) = w.issue_by_ref(project, iid) else {
                        return message(404, "404 Issue Not Found");
                    };
                    if *kind == "resource_label_events" {
                        crate::events::label_events(w, &issue, p, raw_path)
                    } else {
                        crate::events::state_events(w, &issue, p, raw_path)
                    }
                }
                ("GET", [iid, kind @ ("closed_by" | "related_merge_requests")]) => {
                    let Some(issue) = w.issue_by_ref(project, iid) else {
                        return message(404, "404 Issue Not Found");
                    };
                    crate::merge_requests::of_issue(
                        w,
                        project,
                        issue.id,
                        *kind == "closed_by",
                        p,
                        raw_path,
                    )
                }
                ("GET", [iid, "notes"]) => {
                    let Some(issue) = w.issue_by_ref(project, iid) else {
                        return message(404, "404 Issue Not Found");
                    };
                    let mut notes: Vec<&FNote> =
                        w.notes.iter().filter(|n| n.issue_id == issue.id).collect();
                    if get(p, "sort") != Some("asc") {
                        notes.reverse();
                    }
                    let items: Vec<Value> =
                        notes.into_iter().map(|n| note_json(w, n, &issue)).collect();
                    paginate(w, items, p, raw_path)
                }
                ("POST", [iid, "notes"]) => {
                    let Some(issue) = w.issue_by_ref(project, iid) else {
                        return message(404, "404 Issue Not Found");
                    };
                    let Some(body) = get(p, "body").filter(|b| !b.trim().is_empty()) else {
                        return respond(
                            StatusCode::BAD_REQUEST,
                            json!({"error": "body is missing"}),
                        );
                    };
                    let Some(done) = run_quick_actions(w, project, issue.iid, body) else {
                        return message(404, "404 Issue Not Found");
                    };
                    if done.body.is_empty() {
                        // Only commands: no note; what they did.
                        return respond(
                            StatusCode::ACCEPTED,
                            json!({"commands_changes": done.changes, "summary": done.summary}),
                        );
                    }
                    let note = FNote {
                        id: w.fresh_id(),
                        issue_id: issue.id,
                        body: done.body,
                        author_id: w.me,
                        created_at: w.now(),
                        system: false,
                    };
                    w.notes.push(note.clone());
                    let now = w.now();
                    if let Some(i) = w.issue_mut(project, issue.iid) {
                        i.updated_at = now;
                    }
                    let issue = w.issue(project, issue.iid).cloned().unwrap_or(issue);
                    respond(StatusCode::CREATED, note_json(w, &note, &issue))
                }
                _ => not_found_route(),
            }
        }
        _ => not_found_route(),
    }
}
