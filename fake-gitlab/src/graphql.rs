//! The part of GitLab's GraphQL API glboard reads: a group's issues in
//! board order (`sort: RELATIVE_POSITION_ASC`), filtered by labels,
//! milestone, state and work item types, as ids and positions with cursor
//! pagination (`pageInfo { hasNextPage endCursor }`). Other queries get
//! GraphQL's error answer (HTTP 200 with `errors`).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::http::respond;
use crate::world::{FIssue, World};

const PAGE: usize = 100;

fn error(message: &str) -> Response {
    respond(StatusCode::OK, json!({"errors": [{"message": message}]}))
}

/// Fields of `Issue` that only EE's schema has
/// (`ee/app/graphql/ee/types/issue_type.rb`).
const EE_ISSUE_FIELDS: &[&str] = &[
    "blocked",
    "blockedByCount",
    "weight",
    "healthStatus",
    "iteration",
];

/// A selection naming an EE-only field fails validation on CE, with HTTP
/// 200 and GraphQL's `undefinedField` error
/// (`graphql-ruby`'s `FieldsAreDefinedOnType` static validation).
fn ce_rejects(query: &str) -> Option<Response> {
    let nodes = query.split_once("nodes {")?.1.split('}').next()?;
    let field = nodes
        .split_whitespace()
        .find(|f| EE_ISSUE_FIELDS.contains(f))?;
    Some(respond(
        StatusCode::OK,
        json!({"errors": [{
            "message": format!("Field '{field}' doesn't exist on type 'Issue'"),
            "locations": [{"line": 1, "column": 1}],
            "path": ["query", "group", "issues", "nodes", field],
            "extensions": {"code": "undefinedField", "typeName": "Issue", "fieldName": field},
        }]}),
    ))
}

pub(crate) fn graphql(w: &World, body: &[u8]) -> Response {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return respond(
            StatusCode::BAD_REQUEST,
            json!({"errors": [{"message": "Invalid JSON"}]}),
        );
    };
    let query = v["query"].as_str().unwrap_or("");
    if query.contains("mergeRequests(iids:") {
        return head_pipelines(w, &v["variables"]);
    }
    if !query.contains("group(") || !query.contains("issues(") {
        return error("this fake answers only a group's issues in board order");
    }
    if !w.enterprise()
        && let Some(refusal) = ce_rejects(query)
    {
        return refusal;
    }
    let vars = &v["variables"];
    let path = vars["fullPath"].as_str().unwrap_or("");
    if path != w.group_path {
        return respond(StatusCode::OK, json!({"data": {"group": null}}));
    }
    let labels: Vec<&str> = vars["labels"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let milestone = vars["milestone"]
        .as_array()
        .and_then(|a| a.first())
        .and_then(Value::as_str);
    let state = vars["state"].as_str().unwrap_or("all");
    let offset: usize = vars["after"]
        .as_str()
        .and_then(|c| c.strip_prefix("offset:"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut items: Vec<&FIssue> = w
        .issues
        .iter()
        .filter(|i| w.in_group(i.project_id) && !w.archived(i.project_id))
        .filter(|i| matches!(i.issue_type.as_str(), "issue" | "incident"))
        .filter(|i| labels.iter().all(|l| i.has_label_titled(l)))
        .filter(|i| state == "all" || i.state == state)
        .filter(|i| {
            milestone.is_none_or(|m| {
                i.milestone_id
                    .and_then(|id| w.milestones.iter().find(|x| x.id == id))
                    .is_some_and(|x| x.title == m)
            })
        })
        .collect();
    items.sort_by_key(|i| (i.relative_position, i.id));
    let page: Vec<Value> = items
        .iter()
        .skip(offset)
        .take(PAGE)
        .map(|i| {
            let mut node = json!({
                "id": format!("gid://gitlab/Issue/{}", i.id),
                "iid": i.iid.to_string(),
                "projectId": i.project_id,
                "relativePosition": i.relative_position,
            });
            // Only what was asked for (GraphQL answers the selection).
            if query.contains("blocked") {
                node["blocked"] = json!(i.blocked);
            }
            node
        })
        .collect();
    let next = offset + page.len();
    let more = next < items.len();
    respond(
        StatusCode::OK,
        json!({"data": {"group": {"issues": {
            "nodes": page,
            "pageInfo": {"hasNextPage": more, "endCursor": if more { Value::String(format!("offset:{next}")) } else { Value::Null }},
        }}}}),
    )
}

/// Projects' merge requests by iid with their head pipelines, one aliased
/// `project(fullPath: $pN) { mergeRequests(iids: $iN) { nodes { iid
/// headPipeline { id status } } } }` per project, as GitLab's
/// `app/graphql/types/project_type.rb` (`mergeRequests`, its `iids`
/// argument), `app/graphql/types/merge_request_type.rb` (`headPipeline`)
/// and `app/graphql/types/ci/pipeline_status_enum.rb` (the status in
/// capitals) answer: a project the token cannot see is `null`, an iid it
/// does not have is left out, the pipeline's id is a global id.
fn head_pipelines(w: &World, vars: &Value) -> Response {
    let mut data = serde_json::Map::new();
    let Some(vars) = vars.as_object() else {
        return error("variables are missing");
    };
    for (key, path) in vars.iter().filter(|(k, _)| k.starts_with('p')) {
        let n = &key[1..];
        let Some(project) = path
            .as_str()
            .and_then(|p| w.projects.iter().find(|x| x.path == p))
        else {
            data.insert(key.clone(), Value::Null);
            continue;
        };
        let iids: Vec<u64> = vars
            .get(&format!("i{n}"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().and_then(|s| s.parse().ok()))
                    .collect()
            })
            .unwrap_or_default();
        let nodes: Vec<Value> = w
            .merge_requests
            .iter()
            .filter(|m| m.project_id == project.id && iids.contains(&m.iid))
            .map(|m| {
                let head = m
                    .head_pipeline
                    .and_then(|id| w.pipelines.iter().find(|p| p.id == id))
                    .map_or(Value::Null, |p| {
                        json!({
                            "id": format!("gid://gitlab/Ci::Pipeline/{}", p.id),
                            "status": p.status.to_uppercase(),
                        })
                    });
                json!({"iid": m.iid.to_string(), "headPipeline": head})
            })
            .collect();
        data.insert(key.clone(), json!({"mergeRequests": {"nodes": nodes}}));
    }
    respond(StatusCode::OK, json!({ "data": data }))
}
