//! A stateful fake of GitLab's REST API v4, for glboard's integration
//! tests, end-to-end tests and benchmarks. It follows the documented
//! behaviour (see `shared/gitlab-api/API-NOTES.md`): offset pagination with
//! `x-*` and `Link` headers (no totals above 10,000), AND-filtered labels,
//! scoped-label exclusivity on Premium, `updated_at` bumps, manual order via
//! `/reorder`, token checks, and switchable faults (latency, 401/403/404,
//! 429 with `Retry-After`, 5xx, 409 resource lock, malformed or truncated
//! JSON, connection reset).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub mod generate;

/// GitLab's tier decides weight and scoped-label behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tier {
    Free,
    Premium,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FUser {
    pub id: u64,
    pub username: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FProject {
    pub id: u64,
    /// Full path, `group/sub/project`.
    pub path: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FMilestone {
    pub id: u64,
    pub iid: u64,
    pub title: String,
    pub description: String,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    /// `active` or `closed`.
    pub state: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FIssue {
    pub id: u64,
    pub iid: u64,
    pub project_id: u64,
    pub title: String,
    pub description: Option<String>,
    /// `opened` or `closed`.
    pub state: String,
    pub labels: BTreeSet<String>,
    pub milestone_id: Option<u64>,
    pub assignee_ids: Vec<u64>,
    pub author_id: u64,
    pub weight: Option<u32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub relative_position: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FNote {
    pub id: u64,
    pub issue_id: u64,
    pub body: String,
    pub author_id: u64,
    pub created_at: DateTime<Utc>,
}

/// A resource milestone event: the issue was added to or removed from a milestone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FMilestoneEvent {
    pub id: u64,
    pub issue_id: u64,
    pub milestone_id: u64,
    /// `add` or `remove`.
    pub action: String,
    pub created_at: DateTime<Utc>,
}

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
    /// The request is applied, then the connection drops before the answer
    /// (a write whose answer is lost).
    AppliedThenReset,
}

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
            Fault::AppliedThenReset => "applied then reset".into(),
        }
    }
}

/// Chaos mode: every request may be slowed down or get a random fault
/// (429 storms, 5xx with HTML, resets, truncated or malformed bodies, a
/// write applied whose answer is lost), and an issue list may shift while
/// it is paged. Deterministic for a seed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Chaos {
    pub seed: u64,
    /// Chance per 1000 requests of a fault.
    pub fault_permille: u32,
    /// Up to this much latency on every request.
    pub max_latency_ms: u64,
    /// Chance per 1000 requests for a later page that the list shifts first.
    pub shift_permille: u32,
}

/// What chaos mode (and the page shifts) did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChaosCounts {
    pub requests: u64,
    /// Faults injected, by kind.
    pub faults: BTreeMap<String, u64>,
    /// Lists shifted between two pages.
    pub shifts: u64,
}

impl ChaosCounts {
    pub fn total_faults(&self) -> u64 {
        self.faults.values().sum()
    }
}

/// The fake's whole state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct World {
    pub host: String,
    pub token: String,
    pub tier: Tier,
    pub group_id: u64,
    pub group_path: String,
    pub me: u64,
    pub users: Vec<FUser>,
    pub projects: Vec<FProject>,
    pub milestones: Vec<FMilestone>,
    pub labels: Vec<String>,
    pub issues: Vec<FIssue>,
    pub notes: Vec<FNote>,
    /// Milestone history (`resource_milestone_events`).
    #[serde(default)]
    pub milestone_events: Vec<FMilestoneEvent>,
    pub next_id: u64,
    /// Faults for the next requests, in order.
    pub faults: VecDeque<Fault>,
    /// A fault for every request until cleared.
    pub always: Option<Fault>,
    /// Added before every answer.
    pub latency_ms: u64,
    /// The fake's clock runs this many seconds ahead of the machine's (a
    /// negative number: behind). Timestamps and the `Date` header use it.
    #[serde(default)]
    pub clock_offset_secs: i64,
    /// Random faults and latency for every request, while set.
    #[serde(default)]
    pub chaos: Option<Chaos>,
    #[serde(default)]
    pub chaos_counts: ChaosCounts,
    /// The next this many requests for a later page of a group's issues
    /// first move the top issue to the bottom (a web reorder while paging).
    #[serde(default)]
    pub shift_pages: u32,
    /// Every request as `METHOD /path?query`.
    pub log: Vec<String>,
}

impl World {
    pub fn new(group_path: &str, token: &str) -> World {
        World {
            host: "http://127.0.0.1".into(),
            token: token.into(),
            tier: Tier::Premium,
            group_id: 9970,
            group_path: group_path.into(),
            me: 0,
            users: Vec::new(),
            projects: Vec::new(),
            milestones: Vec::new(),
            labels: Vec::new(),
            issues: Vec::new(),
            notes: Vec::new(),
            milestone_events: Vec::new(),
            next_id: 1_000_000,
            faults: VecDeque::new(),
            always: None,
            latency_ms: 0,
            clock_offset_secs: 0,
            chaos: None,
            chaos_counts: ChaosCounts::default(),
            shift_pages: 0,
            log: Vec::new(),
        }
    }

    /// Draw from the chaos generator: a number in `0..n`.
    fn roll(&mut self, n: u64) -> u64 {
        let Some(c) = self.chaos.as_mut() else {
            return n;
        };
        // splitmix64
        c.seed = c.seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = c.seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n.max(1)
    }

    /// Chaos mode's pick for one request: a latency and maybe a fault.
    fn chaos_pick(&mut self, write: bool) -> (u64, Option<Fault>) {
        let Some(c) = self.chaos.clone() else {
            return (0, None);
        };
        self.chaos_counts.requests += 1;
        let latency = self.roll(c.max_latency_ms + 1);
        if self.roll(1000) >= u64::from(c.fault_permille) {
            return (latency, None);
        }
        let fault = match self.roll(if write { 10 } else { 9 }) {
            0 => {
                // A storm: this one and up to four more are rate-limited.
                for _ in 0..self.roll(5) {
                    self.faults.push_back(Fault::RateLimit { retry_after: 0 });
                }
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
    fn maybe_shift(&mut self, p: &[(String, String)]) {
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
            .filter(|i| labels.iter().all(|l| i.labels.contains(*l)))
            .filter(|i| state == "all" || i.state == state)
            .min_by_key(|i| (i.relative_position, i.id))
        {
            top.relative_position = bottom + 1024;
            self.chaos_counts.shifts += 1;
        }
    }

    /// The fake server's own clock.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.clock_offset_secs)
    }

    pub fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn issue(&self, project_id: u64, iid: u64) -> Option<&FIssue> {
        self.issues
            .iter()
            .find(|i| i.project_id == project_id && i.iid == iid)
    }

    /// The issue at `project` / an iid as the URL gives it.
    pub fn issue_by_ref(&self, project: u64, iid: &str) -> Option<FIssue> {
        iid.parse()
            .ok()
            .and_then(|iid| self.issue(project, iid))
            .cloned()
    }

    pub fn issue_mut(&mut self, project_id: u64, iid: u64) -> Option<&mut FIssue> {
        self.issues
            .iter_mut()
            .find(|i| i.project_id == project_id && i.iid == iid)
    }

    /// Apply labels GitLab-style: on Premium a scoped label replaces the
    /// others of its scope (the scope is everything before the last `::`).
    pub fn add_label(&self, labels: &mut BTreeSet<String>, label: &str) {
        if self.tier == Tier::Premium
            && let Some(i) = label.rfind("::")
        {
            let scope = &label[..i];
            labels.retain(|l| l.rfind("::").is_none_or(|j| &l[..j] != scope));
        }
        labels.insert(label.to_owned());
    }

    fn user_json(&self, id: u64) -> Value {
        match self.users.iter().find(|u| u.id == id) {
            Some(u) => json!({
                "id": u.id, "username": u.username, "name": u.name, "state": "active",
                "avatar_url": format!("https://www.gravatar.com/avatar/{}?s=80&d=identicon", u.id),
                "web_url": format!("{}/{}", self.host, u.username),
            }),
            None => Value::Null,
        }
    }

    fn milestone_json(&self, m: &FMilestone) -> Value {
        let today = Utc::now().date_naive();
        json!({
            "id": m.id, "iid": m.iid, "group_id": self.group_id, "title": m.title,
            "description": m.description, "state": m.state,
            "created_at": "2025-01-06T09:00:00.000Z", "updated_at": "2025-01-06T09:00:00.000Z",
            "due_date": m.due_date, "start_date": m.start_date,
            "expired": m.due_date.is_some_and(|d| d < today),
            "web_url": format!("{}/groups/{}/-/milestones/{}", self.host, self.group_path, m.iid),
        })
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
            "labels": i.labels.iter().collect::<Vec<_>>(),
            "milestone": i.milestone_id.and_then(|id| self.milestones.iter().find(|m| m.id == id)).map(|m| self.milestone_json(m)),
            "assignees": assignees,
            "assignee": assignees.first().cloned().unwrap_or(Value::Null),
            "author": self.user_json(i.author_id),
            "type": "ISSUE", "issue_type": "issue",
            "user_notes_count": notes, "merge_requests_count": 0, "upvotes": 0, "downvotes": 0,
            "due_date": Value::Null, "confidential": false, "discussion_locked": Value::Null,
            "web_url": format!("{}/{path}/-/issues/{}", self.host, i.iid),
            "time_stats": {"time_estimate": 0, "total_time_spent": 0, "human_time_estimate": Value::Null, "human_total_time_spent": Value::Null},
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
        if self.tier == Tier::Premium {
            v["weight"] = json!(i.weight);
        }
        v
    }

    fn in_group(&self, project_id: u64) -> bool {
        let prefix = format!("{}/", self.group_path);
        self.projects
            .iter()
            .any(|p| p.id == project_id && p.path.starts_with(&prefix))
    }
}

/// GitLab's timestamp format: `2016-01-04T15:31:46.176Z`.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A running fake server.
pub struct FakeGitlab {
    pub world: Arc<Mutex<World>>,
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeGitlab {
    /// Start serving `world` on a free loopback port, on a thread of its own
    /// (so blocking tests and other runtimes can use it).
    pub fn start(world: World) -> FakeGitlab {
        Self::start_on(world, "127.0.0.1:0".parse().expect("address"))
    }

    pub fn start_on(mut world: World, addr: SocketAddr) -> FakeGitlab {
        let std_listener = std::net::TcpListener::bind(addr).expect("bind the fake server");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("local addr");
        world.host = format!("http://{addr}");
        let world = Arc::new(Mutex::new(world));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let w = world.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
                let app = Router::new().fallback(handle).with_state(w);
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await;
            });
        });
        FakeGitlab {
            world,
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stop serving (the port refuses connections afterwards).
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for FakeGitlab {
    fn drop(&mut self) {
        self.stop();
    }
}

type Shared = Arc<Mutex<World>>;

fn lock(w: &Shared) -> MutexGuard<'_, World> {
    w.lock().unwrap_or_else(|e| e.into_inner())
}

fn respond(status: StatusCode, body: Value) -> Response {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

fn message(status: u16, msg: &str) -> Response {
    respond(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        json!({ "message": msg }),
    )
}

fn fault_response(f: &Fault) -> Option<Response> {
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
        Fault::Truncated | Fault::Reset | Fault::AppliedThenReset => return None,
    })
}

/// Parse `a=1&b[]=2&b[]=3` into pairs (names keep their `[]`).
fn pairs(s: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(s.as_bytes())
        .into_owned()
        .collect()
}

fn get<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
    p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

fn get_all(p: &[(String, String)], k: &str) -> Vec<String> {
    let arr = format!("{k}[]");
    p.iter()
        .filter(|(n, _)| n == k || *n == arr)
        .map(|(_, v)| v.clone())
        .collect()
}

/// Every answer carries the fake's own clock in `Date`, as a real server's.
async fn handle(
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
    let (latency, fault) = {
        let mut w = lock(&world);
        w.log.push(format!(
            "{method} {}",
            uri.path_and_query().map_or("", |p| p.as_str())
        ));
        let mut fault = w.faults.pop_front().or_else(|| w.always.clone());
        let mut latency = w.latency_ms;
        if fault.is_none() && w.chaos.is_some() {
            let (extra, f) = w.chaos_pick(method != Method::GET);
            latency += extra;
            fault = f;
        }
        if let Some(f) = &fault {
            *w.chaos_counts.faults.entry(f.name()).or_default() += 1;
        }
        (latency, fault)
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    if let Some(f) = &fault {
        match f {
            Fault::Reset => {
                // Dropping the connection mid-answer: a body that errors.
                let stream = futures_util::stream::once(async {
                    Err::<Bytes, std::io::Error>(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "reset by the fake",
                    ))
                });
                return Response::new(Body::from_stream(stream));
            }
            Fault::Truncated | Fault::AppliedThenReset => {}
            f => {
                if let Some(r) = fault_response(f) {
                    return r;
                }
            }
        }
    }
    let token_ok = {
        let w = lock(&world);
        headers.get("private-token").and_then(|v| v.to_str().ok()) == Some(w.token.as_str())
            || headers.get("authorization").and_then(|v| v.to_str().ok())
                == Some(format!("Bearer {}", w.token).as_str())
    };
    if !token_ok {
        return message(401, "401 Unauthorized");
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
        route(&mut w, &method, &segs, &params, uri.path())
    };
    if fault == Some(Fault::AppliedThenReset) {
        let stream = futures_util::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "applied, then reset by the fake",
            ))
        });
        return Response::new(Body::from_stream(stream));
    }
    if fault == Some(Fault::Truncated) {
        let (parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let half = bytes.slice(..bytes.len() / 2);
        let mut r = Response::from_parts(parts, Body::from(half));
        r.headers_mut().remove("content-length");
        return r;
    }
    resp
}

/// Control endpoints for a fake running as a separate process.
#[derive(Deserialize)]
struct FaultControl {
    #[serde(default)]
    next: Vec<Fault>,
    #[serde(default)]
    always: Option<Fault>,
    #[serde(default)]
    latency_ms: Option<u64>,
    /// Chaos mode on (an object) or off (`null`); absent: unchanged.
    #[serde(default, deserialize_with = "present")]
    chaos: Option<Option<Chaos>>,
}

/// A field that is present, even as `null`, is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Chaos>>, D::Error> {
    Option::<Chaos>::deserialize(d).map(Some)
}

fn control(world: &Shared, method: &Method, path: &str, body: &[u8]) -> Response {
    let mut w = lock(world);
    match (method.as_str(), path) {
        ("POST", "/__fake/faults") => match serde_json::from_slice::<FaultControl>(body) {
            Ok(c) => {
                w.faults = c.next.into();
                w.always = c.always;
                if let Some(l) = c.latency_ms {
                    w.latency_ms = l;
                }
                if let Some(chaos) = c.chaos {
                    w.chaos = chaos;
                }
                respond(StatusCode::OK, json!({"ok": true}))
            }
            Err(e) => respond(StatusCode::BAD_REQUEST, json!({"error": e.to_string()})),
        },
        ("GET", "/__fake/world") => respond(
            StatusCode::OK,
            serde_json::to_value(&*w).unwrap_or(Value::Null),
        ),
        ("GET", "/__fake/log") => respond(StatusCode::OK, json!(w.log)),
        _ => not_found_route(),
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
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
                    let items: Vec<Value> = w
                        .milestones
                        .iter()
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
                    let items: Vec<Value> = w
                        .labels
                        .iter()
                        .enumerate()
                        .filter(|(_, l)| l.to_lowercase().contains(&search))
                        .map(|(n, l)| json!({"id": 500 + n, "name": l, "color": "#428BCA", "description": Value::Null, "text_color": "#FFFFFF"}))
                        .collect();
                    paginate(w, items, p, raw_path)
                }
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
        (_, ["projects", pid, "issues", rest @ ..]) => {
            let Some(project) = pid.parse::<u64>().ok().filter(|id| w.in_group(*id)) else {
                return message(404, "404 Project Not Found");
            };
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
                    let note = FNote {
                        id: w.fresh_id(),
                        issue_id: issue.id,
                        body: body.to_owned(),
                        author_id: w.me,
                        created_at: w.now(),
                    };
                    w.notes.push(note.clone());
                    let now = w.now();
                    if let Some(i) = w.issue_mut(project, issue.iid) {
                        i.updated_at = now;
                    }
                    respond(StatusCode::CREATED, note_json(w, &note, &issue))
                }
                _ => not_found_route(),
            }
        }
        _ => not_found_route(),
    }
}

fn not_found_route() -> Response {
    respond(StatusCode::NOT_FOUND, json!({"error": "404 Not Found"}))
}

fn note_json(w: &World, n: &FNote, issue: &FIssue) -> Value {
    json!({
        "id": n.id, "type": Value::Null, "body": n.body, "attachment": Value::Null,
        "author": w.user_json(n.author_id), "created_at": ts(n.created_at), "updated_at": ts(n.created_at),
        "system": false, "noteable_id": issue.id, "noteable_iid": issue.iid, "noteable_type": "Issue",
        "resolvable": false, "confidential": false,
    })
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn list_issues(
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
        .filter(|i| w.in_group(i.project_id))
        .filter(|i| project.is_none_or(|pid| i.project_id == pid))
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
            _ => labels.iter().all(|l| i.labels.contains(l)),
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
    paginate_with(w, items, |i| w.issue_json(i), p, raw_path)
}

fn paginate(w: &World, items: Vec<Value>, p: &[(String, String)], raw_path: &str) -> Response {
    paginate_with(w, items, |v| v, p, raw_path)
}

/// Offset pagination with GitLab's headers; no totals above 10,000. Only
/// the page's items are rendered.
fn paginate_with<T>(
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

fn update_issue(w: &mut World, project: u64, iid: u64, p: &[(String, String)]) -> Response {
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
        let Ok(mid) = m.parse::<u64>() else {
            return respond(
                StatusCode::BAD_REQUEST,
                json!({"error": "milestone_id is invalid"}),
            );
        };
        if !w.milestones.iter().any(|x| x.id == mid) {
            return message(404, "404 Milestone Not Found");
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
    if let Some(a) = &assignees {
        if w.tier == Tier::Free && a.len() > 1 {
            return respond(
                StatusCode::BAD_REQUEST,
                json!({"message": {"assignees": ["Only 1 assignee is allowed on GitLab Free"]}}),
            );
        }
        if let Some(bad) = a.iter().find(|id| !w.users.iter().any(|u| u.id == **id)) {
            return respond(
                StatusCode::BAD_REQUEST,
                json!({"message": {"assignees": [format!("user {bad} not found")]}}),
            );
        }
    }
    let mut labels = w.issue(project, iid).expect("checked").labels.clone();
    if let Some(all) = get(p, "labels") {
        labels.clear();
        for l in all.split(',').map(str::trim).filter(|l| !l.is_empty()) {
            w.add_label(&mut labels, l);
        }
    }
    if let Some(rm) = get(p, "remove_labels") {
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
    let i = w.issue_mut(project, iid).expect("checked");
    i.labels = labels;
    let mut moved: Option<(Option<u64>, Option<u64>)> = None;
    if let Some(m) = get(p, "milestone_id") {
        let new = m.parse::<u64>().ok().filter(|id| *id != 0);
        if new != i.milestone_id {
            moved = Some((i.milestone_id, new));
        }
        i.milestone_id = new;
    }
    if let Some(a) = assignees {
        i.assignee_ids = a;
    }
    if let Some(t) = get(p, "title") {
        i.title = t.to_owned();
    }
    if let Some(d) = get(p, "description") {
        i.description = Some(d.to_owned());
    }
    if tier == Tier::Premium
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

fn reorder(w: &mut World, project: u64, iid: u64, p: &[(String, String)]) -> Response {
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
    let pos = |id: Option<u64>| {
        id.and_then(|id| w.issues.iter().find(|i| i.id == id))
            .map(|i| i.relative_position)
    };
    let (bp, ap) = (pos(before), pos(after));
    if bp.is_none() && ap.is_none() {
        return respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"message": {"error": "Unprocessable Entity"}}),
        );
    }
    // The moved issue lands between them: before.pos < moved.pos < after.pos.
    let new_pos = match (bp, ap) {
        (Some(b), Some(a)) if a - b > 1 => b + (a - b) / 2,
        (Some(b), Some(_)) => {
            // No room: spread everything after `b` out.
            for i in w.issues.iter_mut().filter(|i| i.relative_position > b) {
                i.relative_position += 1024;
            }
            b + 512
        }
        (Some(b), None) => b + 512,
        (None, Some(a)) => a - 512,
        (None, None) => unreachable!(),
    };
    let i = w.issues.iter_mut().find(|i| i.id == moved).expect("exists");
    i.relative_position = new_pos;
    // Reordering does not bump updated_at on GitLab.
    let i = i.clone();
    respond(StatusCode::OK, w.issue_json(&i))
}

fn create_issue(w: &mut World, project: u64, p: &[(String, String)]) -> Response {
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
    let top = w
        .issues
        .iter()
        .map(|i| i.relative_position)
        .min()
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
        milestone_id: get(p, "milestone_id")
            .and_then(|m| m.parse().ok())
            .filter(|m| *m != 0),
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
        relative_position: top - 1024,
    };
    w.issues.push(issue.clone());
    respond(StatusCode::CREATED, w.issue_json(&issue))
}
