//! The GitLab REST client (reqwest over rustls): authentication, pagination,
//! retries with backoff and jitter, rate limits, and errors that say what to
//! do. The token is sent only in a sensitive header and never printed.

pub mod address;
pub mod dto;
pub mod merge_requests;
pub mod pagination;
pub mod silence;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt, stream};
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use crate::core::domain::lane_labels::LaneLabels;
pub use address::{InsecureHost, check_host};
use dto::{ApiErrorBody, ApiIssue, ApiLabel, ApiMilestone, ApiUser};
use pagination::PageInfo;

/// Results per page: GitLab's maximum.
pub const PER_PAGE: u32 = 100;
/// Pages fetched at once when the total is known.
pub const CONCURRENT_PAGES: usize = 4;

/// What went wrong talking to GitLab. Messages are for the status line.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum GitlabError {
    /// What to do about it depends on where the token came from and how
    /// it was sent ([`unauthorized_advice`]).
    #[error("GitLab rejected the token (401): {}", unauthorized_advice())]
    Unauthorized,
    #[error("forbidden (403): the token lacks the api or read_api scope, or access to this: {0}")]
    Forbidden(String),
    #[error("not found (404): {0}")]
    NotFound(String),
    /// A write to an archived project (GitLab answers a bare 403).
    #[error(
        "project {0} is archived: GitLab keeps it read-only (unarchive it on GitLab, or move the issue to another project)"
    )]
    Archived(String),
    #[error("rate-limited by GitLab until {}", until_local(*.until))]
    RateLimited { until: DateTime<Utc> },
    #[error("GitLab error {status}: {message}")]
    Server { status: u16, message: String },
    #[error("GitLab refused the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("cannot reach {host}: {reason}")]
    Unreachable { host: String, reason: String },
    /// How long it waited, as [`silence::seconds`] says it.
    #[error("GitLab did not answer within {0}")]
    Timeout(String),
    #[error("unexpected answer from GitLab ({what}): {detail}")]
    Malformed { what: String, detail: String },
    /// A web page where the API answers JSON: a proxy's or single
    /// sign-on's login page in the way, or a host that is not GitLab's.
    #[error(
        "{host} answered with a web page ({page}), not GitLab's API: a proxy or single sign-on is in the way (sign in to it, or set host to an address that reaches GitLab's API directly), or host is not GitLab's address"
    )]
    NotApi { host: String, page: String },
    #[error("{0}")]
    Setup(String),
}

impl GitlabError {
    /// Worth trying again later without changing anything.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            GitlabError::RateLimited { .. }
                | GitlabError::Server { .. }
                | GitlabError::Unreachable { .. }
                | GitlabError::Timeout(_)
                // A cut or garbled body (a proxy's error page, a dropped
                // connection): the next try usually reads it whole.
                | GitlabError::Malformed { .. }
                // Signed in to the proxy, the changes go through: they
                // stay queued, not refused.
                | GitlabError::NotApi { .. }
        )
    }

    /// The network is down or GitLab can't be reached at all.
    pub fn is_offline(&self) -> bool {
        matches!(
            self,
            GitlabError::Unreachable { .. } | GitlabError::Timeout(_)
        )
    }
}

/// What to do about a 401, as the configured client last said (where its
/// token came from, how it was sent, why glab's login could not be
/// renewed). One process talks to one configured GitLab at a time, and
/// `Unauthorized` stays a plain value every caller compares with, so the
/// advice is kept here rather than in the error.
static UNAUTHORIZED_ADVICE: std::sync::RwLock<Option<String>> = std::sync::RwLock::new(None);

/// What a 401 should tell the user to check.
pub fn unauthorized_advice() -> String {
    UNAUTHORIZED_ADVICE
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
        .unwrap_or_else(|| "check GITLAB_TOKEN or token_command".to_owned())
}

fn set_unauthorized_advice(advice: String) {
    *UNAUTHORIZED_ADVICE
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(advice);
}

/// A fresh token after a 401 (glab's login re-read, and renewed through
/// glab when it expired): how to send it, or why there is none.
pub type Reauth =
    std::sync::Arc<dyn Fn() -> Result<(TokenKind, SecretString), String> + Send + Sync>;

/// `HH:MM` in local time, with the date when it is not today.
pub fn until_local(until: DateTime<Utc>) -> String {
    let local = until.with_timezone(&chrono::Local);
    if local.date_naive() == chrono::Local::now().date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%b %-d %H:%M").to_string()
    }
}

/// How hard to retry transient failures.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` up to this long is waited out; longer ones are
    /// returned as [`GitlabError::RateLimited`].
    pub max_rate_wait: Duration,
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 3,
            base_delay: Duration::from_millis(400),
            max_delay: Duration::from_secs(8),
            max_rate_wait: Duration::from_secs(30),
            timeout: silence::request_timeout(),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with full jitter for attempt `n` (0-based).
    pub fn backoff(&self, n: u32) -> Duration {
        let cap = self
            .base_delay
            .saturating_mul(1u32 << n.min(16))
            .min(self.max_delay);
        let ms = crate::core::domain::num::millis(cap);
        Duration::from_millis(ms / 2 + fastrand::u64(0..=ms / 2))
    }
}

/// The longest `Retry-After` believed: anything longer (a misconfigured
/// proxy, a date years ahead) is taken as this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// A 429 without `Retry-After` waits GitLab's throttle period.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);

/// A `Retry-After` value: seconds, or an HTTP date (compared with `now`,
/// the server's own `Date` when it sent one, so that a local clock off by
/// an hour does not add or remove that hour). At most [`MAX_RETRY_AFTER`].
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    let wait = if let Ok(secs) = v.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let when = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
        (when - now).to_std().unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// How long a 429 asks to wait: its `Retry-After` against the server's
/// clock, else [`DEFAULT_RETRY_AFTER`].
pub fn rate_limit_wait(headers: &HeaderMap) -> Duration {
    let server_now = headers
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v.trim()).ok())
        .map_or_else(Utc::now, |d| d.with_timezone(&Utc));
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, server_now))
        .unwrap_or(DEFAULT_RETRY_AFTER)
}

/// An authenticated client for one GitLab instance.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// `https://host/api/v4`
    base: String,
    host: String,
    /// The header carrying the token (`PRIVATE-TOKEN` or `Authorization`),
    /// its value marked sensitive; shared by clones, so that a token
    /// renewed after a 401 serves them all.
    auth: std::sync::Arc<std::sync::RwLock<(reqwest::header::HeaderName, HeaderValue)>>,
    /// Asked once per request for a fresh token when GitLab answers 401
    /// (a token from glab's login, which glab renews).
    reauth: Option<Reauth>,
    /// One renewal at a time (the sync and the sender may both meet the 401).
    renewing: std::sync::Arc<tokio::sync::Mutex<()>>,
    pub policy: RetryPolicy,
    /// Requests sent (every attempt counts), shared by clones.
    requests: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Bytes of answer bodies received, shared by clones.
    received: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// GitLab's clock minus ours, in milliseconds (from `Date` headers).
    clock_offset: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// How long GitLab may stay silent, and since when it has (shared by
    /// clones).
    silence: std::sync::Arc<silence::Silence>,
    /// The lanes' labels by id, to read GitLab's labels and send ours
    /// under their titles now (shared by clones; set by the sync and the
    /// sender from the cache).
    lanes: std::sync::Arc<std::sync::RwLock<std::sync::Arc<LaneLabels>>>,
    /// Whether GraphQL queries may name fields of EE's schema (`blocked`):
    /// true until an answer says the field does not exist (GitLab CE).
    ee_fields: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// While a batch is sent: the lane labels whose titles were read for
    /// it (each read once per batch, not once per change).
    lane_batch: std::sync::Arc<std::sync::Mutex<Option<std::collections::HashSet<u64>>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("token", &"[redacted]")
            .finish()
    }
}

/// Make sure rustls has its crypto provider (ring); idempotent.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The header that carries the token, marked sensitive (never logged).
fn auth_header(
    kind: TokenKind,
    token: &SecretString,
) -> Result<(reqwest::header::HeaderName, HeaderValue), GitlabError> {
    let t = token.expose_secret().trim();
    let (name, value) = match kind {
        TokenKind::Personal => ("private-token", t.to_owned()),
        TokenKind::Oauth => ("authorization", format!("Bearer {t}")),
    };
    if t.starts_with(JOB_TOKEN_PREFIX) {
        return Err(GitlabError::Setup(JOB_TOKEN_REFUSED.into()));
    }
    let mut value = HeaderValue::from_str(&value).map_err(|_| {
        GitlabError::Setup("the token contains characters a header can't carry".into())
    })?;
    value.set_sensitive(true);
    Ok((reqwest::header::HeaderName::from_static(name), value))
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A CI job token's prefix (GitLab 16.8+).
const JOB_TOKEN_PREFIX: &str = "glcbt-";

/// Why a CI job token is no use to glboard: GitLab takes one only on the
/// endpoints whose route says `route_setting :authentication,
/// job_token_allowed: true` (`lib/api/*.rb`, read by
/// `find_user_from_job_token` in `lib/gitlab/auth/auth_finders.rb`):
/// registry, packages, pipelines, releases, deployments... Issues, groups,
/// labels, milestones, users and GraphQL are not among them.
pub const JOB_TOKEN_REFUSED: &str = "a CI job token cannot read issues: GitLab accepts job tokens only on a few endpoints (registry, packages, pipelines, releases), not on the issues, groups, labels, milestones, users or GraphQL glboard reads; in CI give glboard a project or group access token with the api scope as GITLAB_TOKEN";

/// How GitLab takes a token (`lib/gitlab/auth/auth_finders.rb`): personal,
/// project and group access tokens as `PRIVATE-TOKEN`, OAuth tokens as
/// `Authorization: Bearer`. (CI job tokens, `JOB-TOKEN`, cannot read
/// issues: see [`JOB_TOKEN_REFUSED`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum TokenKind {
    Personal,
    Oauth,
}

impl TryFrom<String> for TokenKind {
    type Error = String;

    /// `token_type` in the config: `personal`, `oauth` (or `bearer`); `job`
    /// is refused with the reason.
    fn try_from(s: String) -> Result<TokenKind, String> {
        match s.as_str() {
            "personal" => Ok(TokenKind::Personal),
            "oauth" | "bearer" => Ok(TokenKind::Oauth),
            "job" => Err(format!("token_type = \"job\": {JOB_TOKEN_REFUSED}")),
            other => Err(format!(
                "unknown token_type {other:?}: use \"personal\" (personal, project or group access token) or \"oauth\""
            )),
        }
    }
}

impl TokenKind {
    /// Told by the token itself: a 64-digit hexadecimal string is an
    /// OAuth access token (what `glab auth login` with the web flow
    /// stores), anything else (`glpat-…`) a personal, project or group
    /// access token.
    pub fn detect(token: &str) -> TokenKind {
        let t = token.trim();
        if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            TokenKind::Oauth
        } else {
            TokenKind::Personal
        }
    }
}

/// What the client needs to reach GitLab, as plain values: the adapters
/// fill it from the configuration and the credentials (the client reads
/// neither).
pub struct Connection {
    /// `https://gitlab.example.com`
    pub host: String,
    pub token: SecretString,
    /// How to send the token; `None`: as the token itself tells
    /// ([`TokenKind::detect`]).
    pub kind: Option<TokenKind>,
    /// Plain http to a host that is not loopback (already warned about).
    pub allow_insecure_http: bool,
    /// What a 401 should tell the user to check.
    pub unauthorized_advice: String,
    /// Asked for a fresh token when GitLab answers 401 (glab's login).
    pub reauth: Option<Reauth>,
    pub policy: RetryPolicy,
}

impl Client {
    /// A client for `host` (already checked to be https or loopback http).
    pub fn new(
        host: &str,
        token: &SecretString,
        policy: RetryPolicy,
    ) -> Result<Client, GitlabError> {
        check_host(host).map_err(|e| GitlabError::Setup(e.to_string()))?;
        Self::build(host, token, policy)
    }

    /// A client for a connection: plain http to a non-loopback host only
    /// with `allow_insecure_http`.
    pub fn connect(c: Connection) -> Result<Client, GitlabError> {
        let token = &c.token;
        let mut client = if c.allow_insecure_http {
            Self::build(&c.host, token, c.policy)
        } else {
            Self::new(&c.host, token, c.policy)
        }?;
        if let Some(kind) = c.kind {
            client = client.sending_as(kind, token)?;
        }
        set_unauthorized_advice(c.unauthorized_advice);
        if let Some(reauth) = c.reauth {
            client = client.renewing_with(reauth);
        }
        Ok(client)
    }

    /// Send the token as `kind` says (instead of as its prefix tells).
    pub fn sending_as(
        mut self,
        kind: TokenKind,
        token: &SecretString,
    ) -> Result<Client, GitlabError> {
        self.auth = std::sync::Arc::new(std::sync::RwLock::new(auth_header(kind, token)?));
        Ok(self)
    }

    /// Ask `reauth` for a fresh token when GitLab answers 401.
    pub fn renewing_with(mut self, reauth: Reauth) -> Client {
        self.reauth = Some(reauth);
        self
    }

    /// The header the token goes in now.
    fn auth(&self) -> (reqwest::header::HeaderName, HeaderValue) {
        self.auth
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// After a 401 to the token in `sent`: a fresh one to try, when there
    /// is one (another clone may have renewed it meanwhile).
    async fn renew(&self, sent: &HeaderValue) -> bool {
        let Some(reauth) = self.reauth.clone() else {
            return false;
        };
        let _one = self.renewing.lock().await;
        if self.auth().1 != *sent {
            return true;
        }
        let fresh = tokio::task::spawn_blocking(move || reauth())
            .await
            .unwrap_or_else(|_| Err("renewing the token failed".into()));
        match fresh.and_then(|(kind, token)| auth_header(kind, &token).map_err(|e| e.to_string())) {
            Ok(header) if header.1 != *sent => {
                tracing::info!("GitLab rejected the token; a fresh one was found");
                *self
                    .auth
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = header;
                true
            }
            Ok(_) => false,
            Err(why) => {
                set_unauthorized_advice(why);
                false
            }
        }
    }

    fn build(host: &str, token: &SecretString, policy: RetryPolicy) -> Result<Client, GitlabError> {
        install_crypto();
        let auth = std::sync::Arc::new(std::sync::RwLock::new(auth_header(
            TokenKind::detect(token.expose_secret()),
            token,
        )?));
        let http = reqwest::Client::builder()
            .user_agent(concat!("glboard/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(policy.timeout.min(Duration::from_secs(10)))
            // Never follow a redirect: the token header would go with it,
            // possibly to another host. GitLab's API does not redirect.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(policy.timeout)
            .build()
            .map_err(|e| GitlabError::Setup(format!("cannot set up HTTP: {e}")))?;
        let host = host.trim_end_matches('/').to_owned();
        Ok(Client {
            http,
            base: format!("{host}/api/v4"),
            host,
            auth,
            reauth: None,
            renewing: Default::default(),
            policy,
            requests: Default::default(),
            received: Default::default(),
            clock_offset: Default::default(),
            silence: std::sync::Arc::new(silence::Silence::per_request(silence::budget())),
            lanes: Default::default(),
            ee_fields: std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true)),
            lane_batch: Default::default(),
        })
    }

    /// GitLab may stay silent as `silence` says (a command's budget, shared
    /// by every client of the command).
    pub fn with_silence(mut self, silence: std::sync::Arc<silence::Silence>) -> Client {
        self.silence = silence;
        self
    }

    /// Since when GitLab has not answered (none while it answers).
    pub fn silent_since(&self) -> Option<DateTime<Utc>> {
        self.silence.since()
    }

    /// How many HTTP requests this client (and its clones) has sent.
    /// The lanes' labels as last learnt.
    pub fn lanes(&self) -> std::sync::Arc<LaneLabels> {
        self.lanes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Follow a lane's label renamed on GitLab, as issues read with their
    /// labels' ids show it (before the next refresh of the group's labels).
    fn observe_labels(&self, issues: &[ApiIssue]) {
        let seen: Vec<(u64, &str)> = issues
            .iter()
            .flat_map(|i| i.labels.iter())
            .filter_map(|l| Some((l.id?, l.name.as_str())))
            .collect();
        if seen.is_empty() {
            return;
        }
        let mut lanes = (*self.lanes()).clone();
        if lanes.observe(&seen) {
            tracing::info!("a lane's label was renamed on GitLab; following it by id");
            self.set_lanes(lanes);
        }
    }

    pub fn set_lanes(&self, lanes: LaneLabels) {
        *self
            .lanes
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = std::sync::Arc::new(lanes);
    }

    pub fn request_count(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Bytes of answer bodies received so far.
    pub fn bytes_received(&self) -> u64 {
        self.received.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> String {
        let mut url = format!("{}{}", self.base, path);
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(k);
            url.push('=');
            url.push_str(&encode(v));
        }
        url
    }

    /// GitLab's clock now, as its `Date` headers tell (the local clock
    /// until GitLab answered once).
    pub fn server_now(&self) -> DateTime<Utc> {
        let offset = self.clock_offset.load(std::sync::atomic::Ordering::Relaxed);
        Utc::now() + chrono::Duration::milliseconds(offset)
    }

    fn note_server_clock(&self, headers: &HeaderMap) {
        if let Some(date) = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        {
            let offset = (date.with_timezone(&Utc) - Utc::now()).num_milliseconds();
            self.clock_offset
                .store(offset, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Send one request with retries; returns the successful response.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        form: &[(String, String)],
    ) -> Result<(HeaderMap, bytes::Bytes), GitlabError> {
        self.send_checked(method, url, form, true).await
    }

    /// [`Client::send`]; a request that is not idempotent (creating an
    /// issue, posting a note) is retried only when it surely did not reach
    /// GitLab (no connection, or a 429): after a timeout, a reset or a 5xx
    /// GitLab may have applied it, and the outbox looks for its result
    /// before it sends it again.
    pub async fn send_checked(
        &self,
        method: Method,
        url: &str,
        form: &[(String, String)],
        idempotent: bool,
    ) -> Result<(HeaderMap, bytes::Bytes), GitlabError> {
        let write = method != Method::GET;
        match self.exchange(method, url, form, None, idempotent).await {
            Err(GitlabError::Forbidden(m)) if write => Err(self.why_forbidden(url, m).await),
            r => r,
        }
    }

    /// A write refused with 403: GitLab's body does not say why
    /// (`forbidden!`), and an archived project refuses every write
    /// (`ProjectPolicy`'s `archived` rule) whatever the token's scopes, so
    /// the project is asked; an archived one is named as such.
    async fn why_forbidden(&self, url: &str, message: String) -> GitlabError {
        let Some(id) = url
            .split_once("/projects/")
            .and_then(|(_, rest)| rest.split(['/', '?']).next())
            .filter(|id| !id.is_empty())
        else {
            return GitlabError::Forbidden(message);
        };
        let project_url = self.url(&format!("/projects/{id}"), &[]);
        let project = self
            .exchange(Method::GET, &project_url, &[], None, true)
            .await
            .ok()
            .and_then(|(_, body)| serde_json::from_slice::<serde_json::Value>(&body).ok());
        match project {
            Some(p) if p["archived"].as_bool() == Some(true) => GitlabError::Archived(
                p["path_with_namespace"]
                    .as_str()
                    .map_or_else(|| id.to_owned(), crate::core::domain::sanitize::line),
            ),
            _ => GitlabError::Forbidden(message),
        }
    }

    async fn exchange(
        &self,
        method: Method,
        url: &str,
        form: &[(String, String)],
        json: Option<&serde_json::Value>,
        idempotent: bool,
    ) -> Result<(HeaderMap, bytes::Bytes), GitlabError> {
        let mut attempt = 0u32;
        let mut renewed = false;
        let began = std::time::Instant::now();
        loop {
            let mut not_sent = false;
            // The request's deadline, within what the budget has left.
            let left = self.silence.left(began);
            if left.is_zero() {
                return Err(GitlabError::Timeout(silence::seconds(
                    self.silence.budget(),
                )));
            }
            let deadline = self.policy.timeout.min(left);
            let sent_at = Utc::now();
            self.requests
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (auth_name, auth_value) = self.auth();
            let mut req = self
                .http
                .request(method.clone(), url)
                .timeout(deadline)
                .header(auth_name, auth_value.clone());
            if !form.is_empty() {
                req = req.form(form);
            }
            if let Some(body) = json {
                // reqwest's `json` feature is not needed for one body.
                req = req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.to_string());
            }
            let outcome = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let headers = resp.headers().clone();
                    match resp.bytes().await {
                        Ok(body) => {
                            self.received
                                .fetch_add(body.len() as u64, std::sync::atomic::Ordering::Relaxed);
                            Ok((status, headers, body))
                        }
                        Err(e) => Err(self.transport_error(&e)),
                    }
                }
                Err(e) => {
                    not_sent = e.is_connect();
                    Err(self.transport_error(&e))
                }
            };
            match &outcome {
                Ok((_, headers, _)) => {
                    self.silence.heard();
                    self.note_server_clock(headers);
                }
                Err(GitlabError::Timeout(_)) => self.silence.unanswered(sent_at),
                Err(_) => {}
            }
            // Waited the whole budget: said as the budget.
            let outcome = match outcome {
                Err(GitlabError::Timeout(_)) if !self.silence.may_retry(began) => {
                    return Err(GitlabError::Timeout(silence::seconds(
                        self.silence.budget(),
                    )));
                }
                // How long GitLab has been silent (said if no retry follows).
                Err(GitlabError::Timeout(_)) => Err(GitlabError::Timeout(silence::seconds(
                    self.silence.budget() - self.silence.left(began),
                ))),
                o => o,
            };
            let err = match outcome {
                // A login page (a proxy, single sign-on) where JSON was
                // due: said as such, not as JSON that does not parse.
                Ok((status, headers, body))
                    if status.is_success() && is_web_page(&headers, &body) =>
                {
                    return Err(GitlabError::NotApi {
                        host: self.host.clone(),
                        page: dto::ApiErrorBody::summarize(&body),
                    });
                }
                Ok((status, headers, body)) if status.is_success() => return Ok((headers, body)),
                // GitLab's API never redirects; a proxy sending the browser
                // to its sign-in page does (never followed: the token
                // would go along).
                Ok((status, headers, _)) if status.is_redirection() => {
                    let to = headers
                        .get(reqwest::header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .map_or(String::new(), |l| {
                            format!(" to {}", crate::core::domain::sanitize::line(l))
                        });
                    return Err(GitlabError::NotApi {
                        host: self.host.clone(),
                        page: format!("redirected{to}"),
                    });
                }
                Ok((status, headers, body)) => {
                    let message = ApiErrorBody::summarize(&body);
                    match status {
                        StatusCode::TOO_MANY_REQUESTS => {
                            let now = Utc::now();
                            let wait = rate_limit_wait(&headers);
                            if wait <= self.policy.max_rate_wait && attempt < self.policy.retries {
                                tracing::info!(
                                    wait_s = wait.as_secs_f64(),
                                    "rate-limited; waiting"
                                );
                                tokio::time::sleep(wait).await;
                                // Waiting as GitLab asked is not its silence.
                                self.silence.heard();
                                attempt += 1;
                                continue;
                            }
                            let until = now + chrono::Duration::from_std(wait).unwrap_or_default();
                            return Err(GitlabError::RateLimited { until });
                        }
                        // A token from glab's login may have been renewed
                        // (or may be renewed now): once per request.
                        StatusCode::UNAUTHORIZED => {
                            if !renewed && self.renew(&auth_value).await {
                                renewed = true;
                                continue;
                            }
                            return Err(GitlabError::Unauthorized);
                        }
                        StatusCode::FORBIDDEN => return Err(GitlabError::Forbidden(message)),
                        StatusCode::NOT_FOUND => return Err(GitlabError::NotFound(message)),
                        StatusCode::CONFLICT if message.contains("Resource lock") => {
                            GitlabError::Server {
                                status: 409,
                                message,
                            }
                        }
                        s if s.is_server_error() => GitlabError::Server {
                            status: s.as_u16(),
                            message,
                        },
                        s => {
                            return Err(GitlabError::Rejected {
                                status: s.as_u16(),
                                message,
                            });
                        }
                    }
                }
                Err(e) => e,
            };
            if !err.is_transient() || attempt >= self.policy.retries || !(idempotent || not_sent) {
                return Err(err);
            }
            let delay = self.policy.backoff(attempt).min(self.silence.left(began));
            tracing::warn!(error = %err, attempt, delay_ms = crate::core::domain::num::millis(delay), "transient GitLab error; retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    fn transport_error(&self, e: &reqwest::Error) -> GitlabError {
        // The innermost cause says what happened ("Connection refused");
        // the full chain (with the URL, never the token) goes to the log.
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            reason = s.to_string();
            source = s.source();
        }
        tracing::debug!(error = ?e, "transport error");
        if e.is_timeout() {
            GitlabError::Timeout(reason)
        } else if e.is_decode() || e.is_body() {
            GitlabError::Unreachable {
                host: self.host.clone(),
                reason: format!("connection dropped: {reason}"),
            }
        } else {
            GitlabError::Unreachable {
                host: self.host.clone(),
                reason,
            }
        }
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        url: &str,
        what: &str,
    ) -> Result<(T, PageInfo), GitlabError> {
        let (headers, body) = self.send(Method::GET, url, &[]).await?;
        let info = PageInfo::from_headers(
            headers
                .iter()
                .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v))),
        );
        let value = serde_json::from_slice(&body).map_err(|e| GitlabError::Malformed {
            what: what.to_owned(),
            detail: e.to_string(),
        })?;
        Ok((value, info))
    }

    /// Every page of a list endpoint, in order, de-duplicated by `id`.
    /// Ends only when a page has no `x-next-page` / `rel="next"`; a known
    /// total only lets the pages be fetched `CONCURRENT_PAGES` at a time.
    pub async fn get_all<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        id_of: fn(&T) -> u64,
        progress: &(dyn Fn(usize, Option<u64>) + Send + Sync),
    ) -> Result<Vec<T>, GitlabError> {
        Ok(self.get_all_checked(path, query, id_of, progress).await?.0)
    }

    /// [`Client::get_all`], also telling whether the list moved while it
    /// was paged (an id on two pages, or a total that changed): then an
    /// item may have been skipped.
    pub async fn get_all_checked<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        id_of: fn(&T) -> u64,
        progress: &(dyn Fn(usize, Option<u64>) + Send + Sync),
    ) -> Result<(Vec<T>, bool), GitlabError> {
        let page_url = |page: u32| {
            let mut q: Vec<(&str, String)> = query.to_vec();
            q.push(("per_page", PER_PAGE.to_string()));
            q.push(("page", page.to_string()));
            self.url(path, &q)
        };
        let (first, mut info): (Vec<T>, PageInfo) = self.get_json(&page_url(1), path).await?;
        let total = info.total;
        let mut moved = false;
        let mut out = first;
        progress(out.len(), total);
        let mut page = 1u32;
        if let Some(pages) = info.total_pages
            && pages > 1
        {
            let mut rest = stream::iter(2..=pages)
                .map(|p| {
                    let url = page_url(p);
                    async move { self.get_json::<Vec<T>>(&url, path).await }
                })
                .buffered(CONCURRENT_PAGES);
            while let Some((items, i)) = rest.try_next().await? {
                out.extend(items);
                progress(out.len(), total);
                moved |= i.total.is_some_and(|t| Some(t) != total);
                info = i;
            }
            page = pages;
        }
        let mut guard = 0;
        while info.has_next() {
            guard += 1;
            if guard > 100_000 {
                return Err(GitlabError::Malformed {
                    what: path.into(),
                    detail: "pagination never ends".into(),
                });
            }
            // Follow rel="next" only on our own API (the token goes with it).
            let url = match (&info.next_url, info.next_page) {
                (Some(u), _) if u.starts_with(&self.base) => u.clone(),
                (_, Some(p)) => page_url(p),
                (Some(_), None) => page_url(page + 1),
                (None, None) => break,
            };
            page = info.next_page.unwrap_or(page + 1);
            let (items, i): (Vec<T>, PageInfo) = self.get_json(&url, path).await?;
            if items.is_empty() && i.has_next() && i.next_page == info.next_page {
                break;
            }
            out.extend(items);
            progress(out.len(), total);
            moved |= i.total.is_some_and(|t| Some(t) != total);
            info = i;
        }
        let listed = out.len();
        let mut seen = std::collections::HashSet::with_capacity(out.len());
        out.retain(|t| seen.insert(id_of(t)));
        moved |= out.len() != listed;
        Ok((out, moved))
    }

    fn group_path(group: &str) -> String {
        encode(group)
    }

    /// The token's user.
    pub async fn current_user(&self) -> Result<ApiUser, GitlabError> {
        Ok(self
            .get_json(&self.url("/user", &[]), "current user")
            .await?
            .0)
    }

    /// Direct and inherited members of the group.
    pub async fn group_members(&self, group: &str) -> Result<Vec<ApiUser>, GitlabError> {
        let path = format!("/groups/{}/members/all", Self::group_path(group));
        self.get_all(&path, &[], |u: &ApiUser| u.id, &|_, _| {})
            .await
            .map_err(|e| name_group(e, group))
    }

    /// The group's milestones (and its ancestors'), every state.
    /// A GraphQL query (`POST /api/graphql`, a read: retried like a GET);
    /// GraphQL's own errors come back as [`GitlabError::Rejected`].
    pub async fn graphql(
        &self,
        query: &str,
        variables: serde_json::Value,
    ) -> Result<serde_json::Value, GitlabError> {
        let url = format!("{}/api/graphql", self.host);
        let body = serde_json::json!({ "query": query, "variables": variables });
        let (_, bytes) = self
            .exchange(Method::POST, &url, &[], Some(&body), true)
            .await?;
        let v: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| GitlabError::Malformed {
                what: "GraphQL answer".into(),
                detail: e.to_string(),
            })?;
        if let Some(errors) = v.get("errors").and_then(|e| e.as_array())
            && !errors.is_empty()
        {
            let message = errors
                .iter()
                .filter_map(|e| e.get("message").and_then(|m| m.as_str()))
                .map(crate::core::domain::sanitize::line)
                .collect::<Vec<_>>()
                .join("; ");
            return Err(GitlabError::Rejected {
                status: 200,
                message,
            });
        }
        Ok(v)
    }

    /// The board order of the group's issues with all of `labels` (and in
    /// `milestone`), issues and incidents only, as GraphQL gives it: ids
    /// and places, 100 a request, a fraction of the bytes of REST pages.
    pub async fn issue_order(
        &self,
        group: &str,
        labels: &[String],
        milestone: Option<&str>,
        state: &str,
    ) -> Result<Vec<dto::OrderedIssue>, GitlabError> {
        use std::sync::atomic::Ordering;
        const QUERY: &str = "query($fullPath: ID!, $labels: [String!], $milestone: [String], $state: IssuableState, $after: String) { group(fullPath: $fullPath) { issues(labelName: $labels, milestoneTitle: $milestone, state: $state, types: [ISSUE, INCIDENT], includeSubgroups: true, sort: RELATIVE_POSITION_ASC, first: 100, after: $after) { nodes { id iid projectId relativePosition NODE_EE } pageInfo { hasNextPage endCursor } } } }";
        let mut out: Vec<dto::OrderedIssue> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut after: Option<String> = None;
        loop {
            let variables = serde_json::json!({
                "fullPath": group,
                "labels": labels,
                "milestone": milestone.map(|m| vec![m]),
                "state": state,
                "after": after,
            });
            // `blocked` is in EE's schema only (`ee/app/graphql/ee/types/
            // issue_type.rb`): on CE the query fails validation naming it,
            // and is asked again without it (CE has no blocking links).
            let ee = self.ee_fields.load(Ordering::Relaxed);
            let query = QUERY.replace("NODE_EE", if ee { "blocked" } else { "" });
            let v = match self.graphql(&query, variables.clone()).await {
                Err(GitlabError::Rejected {
                    status: 200,
                    message,
                }) if ee && dto::names_missing_field(&message, "blocked") => {
                    tracing::info!("GraphQL has no `blocked` (GitLab CE): asked without it");
                    self.ee_fields.store(false, Ordering::Relaxed);
                    self.graphql(&QUERY.replace("NODE_EE", ""), variables)
                        .await?
                }
                other => other?,
            };
            let issues = &v["data"]["group"]["issues"];
            if issues.is_null() {
                return Err(GitlabError::NotFound(format!("group {group} (GraphQL)")));
            }
            let page: Vec<dto::OrderedIssue> = serde_json::from_value(issues["nodes"].clone())
                .map_err(|e| GitlabError::Malformed {
                    what: "GraphQL issues".into(),
                    detail: e.to_string(),
                })?;
            for i in page {
                if seen.insert(i.id) {
                    out.push(i);
                }
            }
            // Pages end only when GitLab says there is no next one.
            if issues["pageInfo"]["hasNextPage"].as_bool() != Some(true) {
                return Ok(out);
            }
            after = issues["pageInfo"]["endCursor"].as_str().map(str::to_owned);
            if after.is_none() {
                return Ok(out);
            }
        }
    }

    /// The group's boards, with their lists.
    pub async fn group_boards(&self, group: &str) -> Result<Vec<dto::ApiBoard>, GitlabError> {
        let path = format!("/groups/{}/boards", Self::group_path(group));
        self.get_all(&path, &[], |b: &dto::ApiBoard| b.id, &|_, _| {})
            .await
            .map_err(|e| name_group(e, group))
    }

    /// A group board, with its scope.
    pub async fn group_board(&self, group: &str, board: u64) -> Result<dto::ApiBoard, GitlabError> {
        let path = format!("/groups/{}/boards/{board}", Self::group_path(group));
        Ok(self
            .get_json(&self.url(&path, &[]), "board")
            .await
            .map_err(|e| name_board(e, group, board))?
            .0)
    }

    /// A group board's lists (label lists and, on Premium, others), every page.
    pub async fn board_lists(
        &self,
        group: &str,
        board: u64,
    ) -> Result<Vec<dto::ApiList>, GitlabError> {
        let path = format!("/groups/{}/boards/{board}/lists", Self::group_path(group));
        self.get_all(&path, &[], |l: &dto::ApiList| l.id, &|_, _| {})
            .await
            .map_err(|e| name_board(e, group, board))
    }

    /// GitLab's version (`GET /version`) as (major, minor); `None` when
    /// it does not say.
    pub async fn version(&self) -> Option<(u32, u32)> {
        let (v, _): (serde_json::Value, _) = self
            .get_json(&self.url("/version", &[]), "version")
            .await
            .ok()?;
        let mut parts = v["version"]
            .as_str()?
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|p| p.parse::<u32>().ok());
        Some((parts.next()?, parts.next()?))
    }

    /// The group's milestones with its ancestors' and descendants', as
    /// the web's milestone picker offers them: `include_ancestors` and
    /// `include_descendants` from GitLab 16.7, `include_parent_milestones`
    /// before (where the newer ones are unknown and ignored).
    pub async fn group_milestones(&self, group: &str) -> Result<Vec<ApiMilestone>, GitlabError> {
        let path = format!("/groups/{}/milestones", Self::group_path(group));
        let query: Vec<(&str, String)> = match self.version().await {
            Some(v) if v < (16, 7) => vec![("include_parent_milestones", "true".into())],
            _ => vec![
                ("include_ancestors", "true".into()),
                ("include_descendants", "true".into()),
            ],
        };
        self.get_all(&path, &query, |m: &ApiMilestone| m.id, &|_, _| {})
            .await
            .map_err(|e| name_group(e, group))
    }

    /// The group's own milestone of this title, any state (titles are
    /// unique in a group).
    pub async fn group_milestone_titled(
        &self,
        group: &str,
        title: &str,
    ) -> Result<Option<ApiMilestone>, GitlabError> {
        let path = format!("/groups/{}/milestones", Self::group_path(group));
        let url = self.url(&path, &[("title", title.to_owned())]);
        let (list, _): (Vec<ApiMilestone>, _) = self
            .get_json(&url, "milestones")
            .await
            .map_err(|e| name_group(e, group))?;
        Ok(list.into_iter().find(|m| m.title == title))
    }

    /// `POST /groups/:id/milestones`.
    pub async fn create_group_milestone(
        &self,
        group: &str,
        form: &[(String, String)],
    ) -> Result<ApiMilestone, GitlabError> {
        self.send_json(
            Method::POST,
            &format!("/groups/{}/milestones", Self::group_path(group)),
            form,
            "created milestone",
        )
        .await
        .map_err(|e| name_group(e, group))
    }

    /// A project by full path or id: its id and path.
    pub async fn project(
        &self,
        path_or_id: &str,
    ) -> Result<crate::core::domain::model::Project, GitlabError> {
        #[derive(serde::Deserialize)]
        struct P {
            id: u64,
            path_with_namespace: String,
        }
        let url = self.url(&format!("/projects/{}", encode(path_or_id)), &[]);
        let (p, _): (P, _) = self.get_json(&url, "project").await?;
        Ok(crate::core::domain::model::Project {
            id: p.id,
            path: crate::core::domain::sanitize::line(&p.path_with_namespace),
        })
    }

    /// Label names of the group matching `search`.
    pub async fn group_labels(
        &self,
        group: &str,
        search: &str,
    ) -> Result<Vec<String>, GitlabError> {
        Ok(self
            .group_labels_with_ids(group, search)
            .await?
            .into_iter()
            .map(|(_, name)| name)
            .collect())
    }

    /// The group's labels (and its ancestors') whose title contains
    /// `search`, with their ids.
    pub async fn group_labels_with_ids(
        &self,
        group: &str,
        search: &str,
    ) -> Result<Vec<(u64, String)>, GitlabError> {
        let path = format!("/groups/{}/labels", Self::group_path(group));
        let labels = self
            .get_all(
                &path,
                &[
                    ("search", search.into()),
                    ("include_ancestor_groups", "true".into()),
                ],
                |l: &ApiLabel| if l.id != 0 { l.id } else { name_key(&l.name) },
                &|_, _| {},
            )
            .await
            .map_err(|e| name_group(e, group))?;
        Ok(labels
            .into_iter()
            .map(|l| (l.id, crate::core::domain::sanitize::line(&l.name)))
            .collect())
    }

    /// A label available to a project (its own or its groups'), by id.
    pub async fn project_label(
        &self,
        project: u64,
        id: u64,
    ) -> Result<Option<(u64, String)>, GitlabError> {
        let url = self.url(&format!("/projects/{project}/labels/{id}"), &[]);
        match self.get_json::<ApiLabel>(&url, "label").await {
            Ok((l, _)) => Ok(Some((l.id, crate::core::domain::sanitize::line(&l.name)))),
            Err(GitlabError::NotFound(_) | GitlabError::Forbidden(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Before lane labels are sent: their titles on GitLab now, read by id
    /// (a lane renamed since the last refresh would otherwise be sent
    /// under its old title, and GitLab would make a new label of it).
    pub async fn refresh_lane_titles(
        &self,
        project: u64,
        labels: &[String],
    ) -> Result<(), GitlabError> {
        let known = self.lanes();
        // Only the lanes' labels among them.
        let lanes: Vec<&str> = labels
            .iter()
            .filter(|l| known.lanes.contains_key(*l))
            .map(String::as_str)
            .collect();
        let mut seen: Vec<(u64, String)> = Vec::new();
        for lane in &lanes {
            let Some(l) = known.lanes.get(*lane) else {
                continue;
            };
            if self.lane_read_in_batch(l.id) {
                continue;
            }
            if let Some(found) = self.project_label(project, l.id).await? {
                seen.push(found);
            }
            if let Some(read) = self
                .lane_batch
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .as_mut()
            {
                read.insert(l.id);
            }
        }
        let seen: Vec<(u64, &str)> = seen.iter().map(|(id, t)| (*id, t.as_str())).collect();
        let mut lanes = (*known).clone();
        if lanes.observe(&seen) {
            tracing::info!("a lane's label was renamed on GitLab; sending it under its title now");
            self.set_lanes(lanes);
        }
        Ok(())
    }

    /// Start (`true`) or end a batch of sends: within one, each lane
    /// label's title is read from GitLab once.
    pub fn lane_batch(&self, on: bool) {
        *self
            .lane_batch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            on.then(std::collections::HashSet::new);
    }

    fn lane_read_in_batch(&self, id: u64) -> bool {
        self.lane_batch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .is_some_and(|r| r.contains(&id))
    }

    /// One group label by id (`None`: deleted, or not the group's).
    pub async fn group_label(
        &self,
        group: &str,
        id: u64,
    ) -> Result<Option<(u64, String)>, GitlabError> {
        let url = self.url(
            &format!("/groups/{}/labels/{id}", Self::group_path(group)),
            &[],
        );
        match self.get_json::<ApiLabel>(&url, "label").await {
            Ok((l, _)) => Ok(Some((l.id, crate::core::domain::sanitize::line(&l.name)))),
            Err(GitlabError::NotFound(_) | GitlabError::Forbidden(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Issues of the group matching `query` (`labels`, `state`, `milestone`,
    /// `updated_after`, `order_by`, `sort`, ...), every page.
    /// When the group's most recently updated issue with these labels (any
    /// state) was updated: one request of one item, whatever changed, for
    /// the board's live probe. `None`: no such issue.
    pub async fn latest_update(
        &self,
        group: &str,
        labels: &str,
    ) -> Result<Option<DateTime<Utc>>, GitlabError> {
        #[derive(serde::Deserialize)]
        struct Stamp {
            updated_at: DateTime<Utc>,
        }
        let path = format!("/groups/{}/issues", Self::group_path(group));
        let url = self.url(
            &path,
            &[
                ("labels", labels.to_owned()),
                ("state", "all".into()),
                ("order_by", "updated_at".into()),
                ("sort", "desc".into()),
                ("per_page", "1".into()),
            ],
        );
        let (stamps, _): (Vec<Stamp>, _) = self
            .get_json(&url, "the latest update")
            .await
            .map_err(|e| name_group(e, group))?;
        Ok(stamps.into_iter().map(|s| s.updated_at).next())
    }

    pub async fn group_issues(
        &self,
        group: &str,
        query: &[(&str, String)],
        progress: &(dyn Fn(usize, Option<u64>) + Send + Sync),
    ) -> Result<Vec<ApiIssue>, GitlabError> {
        let path = format!("/groups/{}/issues", Self::group_path(group));
        // Labels with their ids: lanes are labels, not titles.
        let mut query = query.to_vec();
        query.push(("with_labels_details", "true".into()));
        let query = &query[..];
        let list = async |progress: &(dyn Fn(usize, Option<u64>) + Send + Sync)| {
            self.get_all_checked(&path, query, |i: &ApiIssue| i.id, progress)
                .await
                .map_err(|e| name_group(e, group))
        };
        let (mut out, mut moved) = list(progress).await?;
        // The list moved while paged (an issue reordered, added or removed
        // on the web meanwhile): an item may have been skipped. List again,
        // at most twice, keeping the newest order and what only an earlier
        // listing saw.
        for _ in 0..2 {
            if !moved {
                break;
            }
            tracing::info!(path = %path, "the list moved while it was paged; listing again");
            let (again, m) = list(&|_, _| {}).await?;
            let ids: std::collections::HashSet<u64> = again.iter().map(|i| i.id).collect();
            let earlier: Vec<ApiIssue> = out.into_iter().filter(|i| !ids.contains(&i.id)).collect();
            out = again;
            out.extend(earlier);
            moved = m;
        }
        // What the web board shows: issues and incidents, not tasks,
        // test cases, objectives or key results.
        out.retain(ApiIssue::on_boards);
        self.observe_labels(&out);
        Ok(out)
    }
}

/// A note (comment) on an issue.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ApiNote {
    pub id: u64,
    pub body: String,
    pub author: ApiUser,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub system: bool,
}

/// A resource milestone event (`add` / `remove`).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ApiMilestoneEvent {
    pub id: u64,
    #[serde(default)]
    pub milestone: Option<dto::ApiMilestoneRef>,
    pub action: String,
}

impl ApiNote {
    pub fn into_note(self) -> crate::core::domain::model::Note {
        crate::core::domain::model::Note {
            id: self.id,
            author: crate::core::domain::sanitize::line(&self.author.username),
            body: crate::core::domain::sanitize::text(&self.body),
            created_at: self.created_at,
            system: self.system,
        }
    }
}

impl Client {
    fn issue_path(project: u64, iid: u64) -> String {
        format!("/projects/{project}/issues/{iid}")
    }

    /// Several issues of one project by iid, in one request (up to 100).
    pub async fn project_issues_by_iid(
        &self,
        project: u64,
        iids: &[u64],
    ) -> Result<Vec<ApiIssue>, GitlabError> {
        let mut q: Vec<(&str, String)> = iids.iter().map(|i| ("iids[]", i.to_string())).collect();
        q.push(("per_page", PER_PAGE.to_string()));
        q.push(("state", "all".into()));
        q.push(("with_labels_details", "true".into()));
        let list: Vec<ApiIssue> = self
            .get_json(
                &self.url(&format!("/projects/{project}/issues"), &q),
                "issues by iid",
            )
            .await?
            .0;
        self.observe_labels(&list);
        Ok(list)
    }

    /// Issues of a project with this title, by this author, created since then.
    pub async fn find_created(
        &self,
        project: u64,
        title: &str,
        author: Option<u64>,
        since: DateTime<Utc>,
    ) -> Result<Vec<ApiIssue>, GitlabError> {
        let mut q: Vec<(&str, String)> = vec![
            ("search", title.to_owned()),
            ("in", "title".into()),
            ("state", "all".into()),
            (
                "created_after",
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
            ("per_page", PER_PAGE.to_string()),
        ];
        if let Some(a) = author {
            q.push(("author_id", a.to_string()));
        }
        Ok(self
            .get_json(
                &self.url(&format!("/projects/{project}/issues"), &q),
                "issue search",
            )
            .await?
            .0)
    }

    /// `POST /projects/:id/issues`.
    pub async fn create_issue(
        &self,
        project: u64,
        form: &[(String, String)],
    ) -> Result<ApiIssue, GitlabError> {
        self.send_json(
            Method::POST,
            &format!("/projects/{project}/issues"),
            form,
            "created issue",
        )
        .await
    }

    /// One issue, fresh.
    pub async fn issue(&self, project: u64, iid: u64) -> Result<ApiIssue, GitlabError> {
        Ok(self
            .get_json(&self.url(&Self::issue_path(project, iid), &[]), "issue")
            .await?
            .0)
    }

    async fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        form: &[(String, String)],
        what: &str,
    ) -> Result<T, GitlabError> {
        // Only creations are not idempotent among what glboard sends.
        let idempotent = method != Method::POST;
        let (_, body) = self
            .send_checked(method, &self.url(path, &[]), form, idempotent)
            .await?;
        serde_json::from_slice(&body).map_err(|e| GitlabError::Malformed {
            what: what.to_owned(),
            detail: e.to_string(),
        })
    }

    /// `PUT /projects/:id/issues/:iid` with form parameters.
    pub async fn update_issue(
        &self,
        project: u64,
        iid: u64,
        form: &[(String, String)],
    ) -> Result<ApiIssue, GitlabError> {
        self.send_json(
            Method::PUT,
            &Self::issue_path(project, iid),
            form,
            "updated issue",
        )
        .await
    }

    /// `PUT .../reorder`: place the issue just below `above` and just above
    /// `below` (global ids). GitLab's names read the other way round: the
    /// service puts the issue between `move_before_id` (above it) and
    /// `move_after_id` (below it), see shared/gitlab-api/API-NOTES.md §5.
    pub async fn reorder_issue(
        &self,
        project: u64,
        iid: u64,
        above: Option<u64>,
        below: Option<u64>,
    ) -> Result<ApiIssue, GitlabError> {
        let mut form = Vec::new();
        if let Some(a) = above {
            form.push(("move_before_id".to_owned(), a.to_string()));
        }
        if let Some(b) = below {
            form.push(("move_after_id".to_owned(), b.to_string()));
        }
        self.send_json(
            Method::PUT,
            &format!("{}/reorder", Self::issue_path(project, iid)),
            &form,
            "reordered issue",
        )
        .await
    }

    /// An issue's milestone history, oldest first.
    pub async fn milestone_events(
        &self,
        project: u64,
        iid: u64,
    ) -> Result<Vec<ApiMilestoneEvent>, GitlabError> {
        let path = format!(
            "{}/resource_milestone_events",
            Self::issue_path(project, iid)
        );
        self.get_all(&path, &[], |e: &ApiMilestoneEvent| e.id, &|_, _| {})
            .await
    }

    /// The newest notes of an issue.
    pub async fn recent_notes(&self, project: u64, iid: u64) -> Result<Vec<ApiNote>, GitlabError> {
        let url = self.url(
            &format!("{}/notes", Self::issue_path(project, iid)),
            &[
                ("sort", "desc".into()),
                ("order_by", "created_at".into()),
                ("per_page", "50".into()),
            ],
        );
        Ok(self.get_json(&url, "notes").await?.0)
    }

    /// `POST .../notes`. A body of only quick actions (`/spend 1h`) makes
    /// no note: GitLab answers 202 with what the commands did.
    pub async fn post_note(
        &self,
        project: u64,
        iid: u64,
        body: &str,
    ) -> Result<NotePosted, GitlabError> {
        let form = [("body".to_owned(), body.to_owned())];
        let value: serde_json::Value = self
            .send_json(
                Method::POST,
                &format!("{}/notes", Self::issue_path(project, iid)),
                &form,
                "note",
            )
            .await?;
        if value.get("id").is_some() {
            return serde_json::from_value(value)
                .map(NotePosted::Note)
                .map_err(|e| GitlabError::Malformed {
                    what: "note".into(),
                    detail: e.to_string(),
                });
        }
        let summary = value
            .get("summary")
            .and_then(|s| s.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(crate::core::domain::sanitize::line))
                    .collect()
            })
            .unwrap_or_default();
        Ok(NotePosted::Commands { summary })
    }
}

/// What posting a note did.
#[derive(Debug, Clone)]
pub enum NotePosted {
    Note(ApiNote),
    /// Only quick actions: no note, these effects.
    Commands {
        summary: Vec<String>,
    },
}

/// A key for deduplicating a label GitLab sent without an id, from its
/// name (the standard library's SipHash; any stable hash would do).
fn name_key(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// An HTML page: its content type says so, or its doctype does (a body
/// that only starts like HTML under a JSON type is a garbled answer).
fn is_web_page(headers: &HeaderMap, body: &[u8]) -> bool {
    let html_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("text/html"));
    let head: Vec<u8> = body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(14)
        .map(u8::to_ascii_lowercase)
        .collect();
    html_type || head.starts_with(b"<!doctype html")
}

/// A 404 on a board: GitLab says "404 Group Not Found" for the group
/// (`find_group!`), a bare "404 Not found" for a board the group lacks
/// (`lib/api/boards_responses.rb`).
fn name_board(e: GitlabError, group: &str, board: u64) -> GitlabError {
    match e {
        GitlabError::NotFound(m) if !m.to_ascii_lowercase().contains("group") => {
            GitlabError::NotFound(format!("group {group} has no board {board}"))
        }
        e => name_group(e, group),
    }
}

/// A 404 on a group endpoint means the group (or access to it) is missing.
fn name_group(e: GitlabError, group: &str) -> GitlabError {
    match e {
        GitlabError::NotFound(_) => GitlabError::NotFound(format!(
            "group {group} does not exist, or the token can't see it"
        )),
        e => e,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn tokens_are_told_apart_by_their_prefix() {
        assert_eq!(TokenKind::detect("glpat-abc123"), TokenKind::Personal);
        assert_eq!(TokenKind::detect("glcbt-64_abc"), TokenKind::Personal);
        assert_eq!(
            TokenKind::detect(&"a1".repeat(32)),
            TokenKind::Oauth,
            "64 hex digits: an OAuth access token"
        );
        assert_eq!(TokenKind::detect("short-old-token"), TokenKind::Personal);
        for (kind, name) in [
            (TokenKind::Personal, "private-token"),
            (TokenKind::Oauth, "authorization"),
        ] {
            let (h, v) = auth_header(kind, &SecretString::from("t".to_owned())).unwrap();
            assert_eq!(h.as_str(), name);
            assert!(v.is_sensitive());
            // A CI job token cannot read issues: refused, with the reason.
            let job = auth_header(kind, &SecretString::from("glcbt-64_abc".to_owned()));
            assert!(matches!(job, Err(GitlabError::Setup(m)) if m.contains("cannot read issues")));
        }
    }

    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2025-11-05T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 05 Nov 2025 10:01:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed, 05 Nov 2025 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn an_absurd_retry_after_is_capped_and_a_missing_one_is_a_minute() {
        let now = Utc::now();
        for absurd in [
            "99999999999999999",
            "18446744073709551615",
            "Fri, 01 Jan 9999 00:00:00 GMT",
        ] {
            assert_eq!(
                parse_retry_after(absurd, now),
                Some(MAX_RETRY_AFTER),
                "{absurd}"
            );
        }
        assert_eq!(rate_limit_wait(&HeaderMap::new()), DEFAULT_RETRY_AFTER);
    }

    #[test]
    fn a_wait_past_today_shows_its_date() {
        let soon = Utc::now() + chrono::Duration::minutes(1);
        let local = soon.with_timezone(&chrono::Local);
        if local.date_naive() == chrono::Local::now().date_naive() {
            assert_eq!(until_local(soon), local.format("%H:%M").to_string());
        }
        let tomorrow = Utc::now() + chrono::Duration::hours(24);
        assert!(
            until_local(tomorrow).contains(' '),
            "{}",
            until_local(tomorrow)
        );
    }

    #[test]
    fn a_retry_after_date_counts_from_the_servers_clock() {
        // The server's clock is an hour behind ours: its date is 2 minutes
        // after its own now, so the wait is 2 minutes, not 2 minus 60.
        let server_now = Utc::now() - chrono::Duration::hours(1);
        let fmt = |t: DateTime<Utc>| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let mut h = HeaderMap::new();
        h.insert(
            reqwest::header::DATE,
            HeaderValue::from_str(&fmt(server_now)).unwrap(),
        );
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_str(&fmt(server_now + chrono::Duration::seconds(120))).unwrap(),
        );
        let wait = rate_limit_wait(&h).as_secs();
        assert!((119..=121).contains(&wait), "{wait}");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        for n in 0..20 {
            let d = p.backoff(n);
            assert!(d <= p.max_delay, "{n}: {d:?}");
            assert!(d >= p.base_delay.saturating_mul(1 << n.min(16)).min(p.max_delay) / 2);
        }
    }

    #[test]
    fn plain_http_to_another_host_is_refused() {
        let t = SecretString::from("glpat-secret".to_owned());
        let e = Client::new("http://gitlab.example.com", &t, RetryPolicy::default()).unwrap_err();
        assert!(!e.to_string().contains("glpat-secret"));
        assert!(Client::new("http://127.0.0.1:9", &t, RetryPolicy::default()).is_ok());
        let dbg = format!(
            "{:?}",
            Client::new("https://gitlab.com", &t, RetryPolicy::default()).unwrap()
        );
        assert!(!dbg.contains("glpat-secret"));
    }
}
