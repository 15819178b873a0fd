//! Fault injection: the [`Fault`]s a test queues or keeps on, chaos mode
//! (random faults, latency and lists that shift while they are paged), and
//! the answers a fault puts in place of the real one.

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::http::{get, message};
use crate::world::World;

/// A fault injected into responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fault {
    /// Answer with this status and GitLab's body for it.
    Status(u16),
    /// 429 with `Retry-After: secs`; the body is GitLab's plain text.
    RateLimit { retry_after: u64 },
    /// 409 `Resource lock` (transient).
    ResourceLock,
    /// 200 with a body that is not JSON.
    Malformed,
    /// 200 with the JSON cut in half.
    Truncated,
    /// Close the connection without an answer.
    Reset,
    /// 302 to this URL (a hostile or misconfigured proxy).
    Redirect(String),
    /// 429 with this `Retry-After` value as is (seconds, an HTTP date,
    /// anything), or with none at all.
    RateLimitRaw(Option<String>),
    /// This status with an HTML body, as a proxy in front of GitLab sends
    /// (502/503 while GitLab restarts).
    Html(u16),
    /// 200 with a sign-in page, as a single sign-on proxy in front of
    /// GitLab answers a request it has no session for (not GitLab's own
    /// behaviour: its API answers 401 JSON, `lib/api/helpers.rb`
    /// `unauthorized!`).
    SignIn,
    /// The request is applied, then the connection drops before the answer
    /// (a write whose answer is lost).
    AppliedThenReset,
    /// No fault for this request: aims the faults queued after it at later
    /// requests.
    Pass,
    /// Accept the request and answer nothing, not even a status line, for
    /// a day (a GitLab whose workers are all stuck behind a load balancer
    /// that still accepts connections); the request is not applied.
    Hang,
    /// Apply the request, send the headers and half the body, then nothing
    /// more, the connection left open (a proxy or a worker that stalls
    /// mid-answer).
    Stall,
}

/// How long [`Fault::Hang`] keeps a request waiting.
const HANG_MS: u64 = 24 * 3600 * 1000;

impl Fault {
    /// A short name, for counts.
    pub fn name(&self) -> String {
        match self {
            Fault::Status(s) => format!("status {s}"),
            Fault::RateLimit { .. } | Fault::RateLimitRaw(_) => "429".into(),
            Fault::ResourceLock => "409 lock".into(),
            Fault::Malformed => "malformed".into(),
            Fault::Truncated => "truncated".into(),
            Fault::Reset => "reset".into(),
            Fault::Redirect(_) => "redirect".into(),
            Fault::Html(s) => format!("html {s}"),
            Fault::SignIn => "sign-in page".into(),
            Fault::AppliedThenReset => "applied then reset".into(),
            Fault::Pass => "pass".into(),
            Fault::Hang => "hang".into(),
            Fault::Stall => "stall".into(),
        }
    }
}

/// Chaos mode: every request may be slowed down or get a random fault
/// (429 storms, 5xx with HTML, resets, truncated or malformed bodies, a
/// write applied whose answer is lost), and an issue list may shift while
/// it is paged. Deterministic for a seed: each request draws from a stream
/// of its own (see `chaos_pick`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Chaos {
    pub seed: u64,
    /// Chance per 1000 requests of a fault.
    pub fault_permille: u32,
    /// Up to this much latency on every request.
    pub max_latency_ms: u64,
    /// Chance per 1000 requests for a later page that the list shifts first.
    pub shift_permille: u32,
    /// Chance per 1000 requests, among those chaos left alone, of a server
    /// that never answers ([`Fault::Hang`]) or stalls mid-answer
    /// ([`Fault::Stall`]), half each. Drawn only when above 0, so a seed
    /// without it replays the faults it always had.
    #[serde(default)]
    pub hang_permille: u32,
}

/// What chaos mode (and the page shifts) did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChaosCounts {
    pub requests: u64,
    /// Faults injected, by kind.
    pub faults: BTreeMap<String, u64>,
    /// Lists shifted between two pages.
    pub shifts: u64,
    /// The issues moved to the bottom by those shifts (their place in the
    /// order is the fake's doing, not a client's).
    #[serde(default)]
    pub shifted: std::collections::BTreeSet<u64>,
}

impl ChaosCounts {
    pub fn total_faults(&self) -> u64 {
        self.faults.values().sum()
    }
}

/// splitmix64: the next number of a stream, in `0..n`.
fn draw(state: &mut u64, n: u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) % n.max(1)
}

/// FNV-1a: a request's key as a number.
fn fnv(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl World {
    /// Draw from the current request's chaos stream: a number in `0..n`.
    fn roll(&mut self, n: u64) -> u64 {
        draw(&mut self.chaos_stream, n)
    }

    /// Chaos mode's pick for one request: a latency and maybe a fault.
    /// Each request draws from its own stream, seeded by the chaos seed,
    /// the request's key and how many requests of that key came before:
    /// what a request gets does not depend on how concurrent requests
    /// interleave, so a seed replays the same faults.
    fn chaos_pick(&mut self, write: bool, key: &str) -> (u64, Option<Fault>) {
        let Some(c) = self.chaos.clone() else {
            return (0, None);
        };
        self.chaos_counts.requests += 1;
        let nth = self.chaos_seen.entry(key.to_owned()).or_default();
        *nth += 1;
        self.chaos_stream = c.seed ^ fnv(key) ^ nth.wrapping_mul(0xd6e8_feb8_6659_fd93);
        // A storm goes on: this request's retries are rate-limited too.
        if let Some(left) = self.chaos_storms.get_mut(key).filter(|n| **n > 0) {
            *left -= 1;
            return (0, Some(Fault::RateLimit { retry_after: 0 }));
        }
        let latency = self.roll(c.max_latency_ms + 1);
        if self.roll(1000) >= u64::from(c.fault_permille) {
            if c.hang_permille > 0 && self.roll(1000) < u64::from(c.hang_permille) {
                let f = if self.roll(2) == 0 {
                    Fault::Hang
                } else {
                    Fault::Stall
                };
                return (latency, Some(f));
            }
            return (latency, None);
        }
        let fault = match self.roll(if write { 10 } else { 9 }) {
            0 => {
                // A storm: this one and up to four more tries of it.
                let more = u32::try_from(self.roll(5)).unwrap_or(0);
                self.chaos_storms.insert(key.to_owned(), more);
                Fault::RateLimit { retry_after: 0 }
            }
            1 => Fault::Status(500),
            2 => Fault::Html(502),
            3 => Fault::Html(503),
            4 => Fault::Reset,
            5 => Fault::Truncated,
            6 => Fault::Malformed,
            7 => Fault::ResourceLock,
            8 => Fault::RateLimitRaw(None),
            _ => Fault::AppliedThenReset,
        };
        (latency, Some(fault))
    }

    /// Before a later page of a list: maybe move the top issue to the
    /// bottom, so that every item after it shifts up by one.
    pub(crate) fn maybe_shift(&mut self, p: &[(String, String)]) {
        let later_page = get(p, "page")
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(1)
            > 1;
        if !later_page {
            return;
        }
        let chaos = self
            .chaos
            .as_ref()
            .map_or(0, |c| u64::from(c.shift_permille));
        let shift = if self.shift_pages > 0 {
            self.shift_pages -= 1;
            true
        } else {
            chaos > 0 && self.roll(1000) < chaos
        };
        if !shift {
            return;
        }
        // The top issue of this list (by its labels and state).
        let labels: Vec<&str> = get(p, "labels")
            .map(|l| l.split(',').map(str::trim).collect())
            .unwrap_or_default();
        let state = get(p, "state").unwrap_or("all");
        let bottom = self
            .issues
            .iter()
            .map(|i| i.relative_position)
            .max()
            .unwrap_or(0);
        if let Some(top) = self
            .issues
            .iter_mut()
            .filter(|i| labels.iter().all(|l| i.has_label_titled(l)))
            .filter(|i| state == "all" || i.state == state)
            .min_by_key(|i| (i.relative_position, i.id))
        {
            top.relative_position = bottom + 1024;
            self.chaos_counts.shifts += 1;
            self.chaos_counts.shifted.insert(top.id);
        }
    }

    /// The fault and latency for the next request (`key`: its method, path
    /// and page): a queued fault, else the standing one, else chaos mode's
    /// pick; a fault is counted by kind.
    pub(crate) fn next_fault(&mut self, write: bool, key: &str) -> (u64, Option<Fault>) {
        let mut fault = self.faults.pop_front().or_else(|| self.always.clone());
        let mut latency = self.latency_ms;
        if fault.is_none() && self.chaos.is_some() {
            let (extra, f) = self.chaos_pick(write, key);
            latency += extra;
            fault = f;
        }
        if fault == Some(Fault::Pass) {
            return (latency, None);
        }
        if let Some(f) = &fault {
            *self.chaos_counts.faults.entry(f.name()).or_default() += 1;
        }
        // A hang is a wait that outlasts any client, before anything is done.
        if fault == Some(Fault::Hang) {
            return (HANG_MS, None);
        }
        (latency, fault)
    }
}

/// Dropping the connection mid-answer: a body that errors.
fn reset_connection(why: &'static str) -> Response {
    let stream = futures_util::stream::once(async move {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            why,
        ))
    });
    Response::new(Body::from_stream(stream))
}

/// The answer a fault gives instead of handling the request; `None` for the
/// faults that let the request through (they spoil its answer afterwards,
/// see [`spoil`]).
pub(crate) fn fault_response(f: &Fault) -> Option<Response> {
    Some(match f {
        Fault::Status(401) => message(401, "401 Unauthorized"),
        Fault::Status(403) => message(403, "403 Forbidden"),
        Fault::Status(404) => message(404, "404 Not found"),
        Fault::Status(s) => message(*s, &format!("{s} Internal Server Error")),
        Fault::RateLimit { retry_after } => {
            let mut r = Response::new(Body::from("Retry later\n"));
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            let h = r.headers_mut();
            h.insert("content-type", HeaderValue::from_static("text/plain"));
            h.insert(
                "retry-after",
                HeaderValue::from_str(&retry_after.to_string()).expect("digits"),
            );
            h.insert(
                "ratelimit-name",
                HeaderValue::from_static("throttle_authenticated_api"),
            );
            h.insert("ratelimit-limit", HeaderValue::from_static("2000"));
            h.insert("ratelimit-observed", HeaderValue::from_static("2001"));
            h.insert("ratelimit-remaining", HeaderValue::from_static("0"));
            let reset = Utc::now().timestamp() as u64 + retry_after;
            h.insert(
                "ratelimit-reset",
                HeaderValue::from_str(&reset.to_string()).expect("digits"),
            );
            r
        }
        Fault::ResourceLock => message(409, "409 Conflict: Resource lock"),
        Fault::Malformed => {
            let mut r = Response::new(Body::from("<html><body>502 Bad Gateway</body></html>"));
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static("application/json"));
            r
        }
        Fault::Redirect(to) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::FOUND;
            r.headers_mut().insert(
                "location",
                HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/")),
            );
            r
        }
        Fault::RateLimitRaw(value) => {
            let mut r = Response::new(Body::from("Retry later\n"));
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            let h = r.headers_mut();
            h.insert("content-type", HeaderValue::from_static("text/plain"));
            if let Some(v) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                h.insert("retry-after", v);
            }
            r
        }
        Fault::Html(status) => {
            let code = StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY);
            let reason = code.canonical_reason().unwrap_or("Error");
            let page = format!(
                "<!DOCTYPE html>\n<html>\n<head>\n  <title>GitLab is not responding ({status})</title>\n  <style>body {{ color: #666; }}</style>\n</head>\n<body>\n  <h1>{status} {reason}</h1>\n  <p>Whoops, GitLab is taking too much time to respond.</p>\n</body>\n</html>\n"
            );
            let mut r = Response::new(Body::from(page));
            *r.status_mut() = code;
            r.headers_mut().insert(
                "content-type",
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            r
        }
        Fault::SignIn => {
            let page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <title>Sign in · Example Corp SSO</title>\n</head>\n<body>\n  <form method=\"post\" action=\"/oauth2/start\"><button>Sign in with Example Corp</button></form>\n</body>\n</html>\n";
            let mut r = Response::new(Body::from(page));
            *r.status_mut() = StatusCode::OK;
            r.headers_mut().insert(
                "content-type",
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            r
        }
        Fault::Reset => reset_connection("reset by the fake"),
        Fault::Truncated | Fault::AppliedThenReset | Fault::Pass | Fault::Hang | Fault::Stall => {
            return None;
        }
    })
}

/// After the request was handled: a write whose answer is lost drops the
/// connection, a truncated answer loses the second half of its body.
pub(crate) async fn spoil(fault: Option<&Fault>, resp: Response) -> Response {
    match fault {
        Some(Fault::AppliedThenReset) => reset_connection("applied, then reset by the fake"),
        Some(Fault::Truncated) => {
            let (parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            let mut r = Response::from_parts(parts, Body::from(half));
            r.headers_mut().remove("content-length");
            r
        }
        Some(Fault::Stall) => {
            let (parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            // `content-length` stays the whole body's: the client waits
            // for the rest.
            let stream = futures_util::StreamExt::chain(
                futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(half) }),
                futures_util::stream::pending(),
            );
            let mut r = Response::from_parts(parts, Body::from_stream(stream));
            r.headers_mut().insert(
                "content-length",
                HeaderValue::from_str(&bytes.len().to_string()).expect("digits"),
            );
            r
        }
        _ => resp,
    }
}
