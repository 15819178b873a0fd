//! GitLab's offset pagination: a page of a list, with the `x-*` and
//! `Link` headers (no totals above 10,000).

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;

use crate::http::{get, respond};
use crate::world::World;

pub(crate) fn paginate(
    w: &World,
    items: Vec<Value>,
    p: &[(String, String)],
    raw_path: &str,
) -> Response {
    paginate_with(w, items, |v| v, p, raw_path)
}

/// Offset pagination with GitLab's headers; no totals above 10,000. Only
/// the page's items are rendered.
pub(crate) fn paginate_with<T>(
    w: &World,
    items: Vec<T>,
    render: impl Fn(T) -> Value,
    p: &[(String, String)],
    raw_path: &str,
) -> Response {
    let per_page = get(p, "per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(20)
        .clamp(1, 100);
    let page = get(p, "page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let total = items.len();
    let pages = total.div_ceil(per_page).max(1);
    let start = (page - 1) * per_page;
    let slice: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(per_page)
        .map(render)
        .collect();
    let mut r = respond(StatusCode::OK, Value::Array(slice));
    let link_for = |n: usize| {
        let mut q: Vec<(String, String)> = p.iter().filter(|(k, _)| k != "page").cloned().collect();
        q.push(("page".into(), n.to_string()));
        let qs: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(q)
            .finish();
        format!("{}{}?{}", w.host, raw_path, qs)
    };
    let h = r.headers_mut();
    let set = |h: &mut HeaderMap, k: &'static str, v: String| {
        h.insert(k, HeaderValue::from_str(&v).expect("header value"));
    };
    let big = total > 10_000;
    let has_next = page < pages;
    set(h, "x-page", page.to_string());
    set(h, "x-per-page", per_page.to_string());
    set(
        h,
        "x-next-page",
        if has_next {
            (page + 1).to_string()
        } else {
            String::new()
        },
    );
    set(
        h,
        "x-prev-page",
        if page > 1 {
            (page - 1).to_string()
        } else {
            String::new()
        },
    );
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("<{}>; rel=\"prev\"", link_for(page - 1)));
    }
    if has_next {
        links.push(format!("<{}>; rel=\"next\"", link_for(page + 1)));
    }
    links.push(format!("<{}>; rel=\"first\"", link_for(1)));
    if !big {
        set(h, "x-total", total.to_string());
        set(h, "x-total-pages", pages.to_string());
        links.push(format!("<{}>; rel=\"last\"", link_for(pages)));
    }
    set(h, "link", links.join(", "));
    r
}
