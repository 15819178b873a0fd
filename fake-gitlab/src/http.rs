//! Small helpers the handlers share: the locked world, JSON answers and
//! GitLab's error messages, and query or form parameters.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::world::World;

pub(crate) type Shared = Arc<Mutex<World>>;

pub(crate) fn lock(w: &Shared) -> MutexGuard<'_, World> {
    w.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn respond(status: StatusCode, body: Value) -> Response {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

pub(crate) fn message(status: u16, msg: &str) -> Response {
    respond(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        json!({ "message": msg }),
    )
}

pub(crate) fn not_found_route() -> Response {
    respond(StatusCode::NOT_FOUND, json!({"error": "404 Not Found"}))
}

/// Parse `a=1&b[]=2&b[]=3` into pairs (names keep their `[]`).
pub(crate) fn pairs(s: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(s.as_bytes())
        .into_owned()
        .collect()
}

pub(crate) fn get<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
    p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

pub(crate) fn get_all(p: &[(String, String)], k: &str) -> Vec<String> {
    let arr = format!("{k}[]");
    p.iter()
        .filter(|(n, _)| n == k || *n == arr)
        .map(|(_, v)| v.clone())
        .collect()
}

pub(crate) fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}
