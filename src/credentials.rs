//! Where the token comes from, in order: `GITLAB_TOKEN`, the config's
//! `token_command`, the system keyring (`glboard auth login`), then the
//! login glab already has, as glab reads it: `GITLAB_ACCESS_TOKEN` or
//! `OAUTH_TOKEN`, else its `config.yml` where glab looks for it
//! (`$GLAB_CONFIG_DIR`, `~/.config/glab-cli/`, the XDG config directory):
//! `hosts.<host>.token`, or glab's keyring entry when it keeps the token
//! there; an OAuth login is sent as OAuth, and renewed through glab when
//! its two hours have passed. glab's files are only ever read (glab writes
//! them). The token itself is never printed: only where it came from.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::config::{Config, ConfigError};
use crate::gitlab::{Connection, RetryPolicy, TokenKind};

/// The keyring service glboard's own tokens are kept under (the host is
/// the user name).
pub const KEYRING_SERVICE: &str = "glboard";

/// Where a token came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Env,
    Command,
    Keyring,
    /// `GITLAB_ACCESS_TOKEN` or `OAUTH_TOKEN`, which glab reads too.
    GlabEnv(&'static str),
    Glab(PathBuf),
    GlabKeyring,
}

impl Source {
    /// A login glab keeps (and renews).
    pub fn is_glab(&self) -> bool {
        matches!(self, Source::Glab(_) | Source::GlabKeyring)
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Env => write!(f, "GITLAB_TOKEN"),
            Source::Command => write!(f, "token_command"),
            Source::Keyring => write!(f, "the system keyring (glboard auth login)"),
            Source::GlabEnv(var) => write!(f, "{var} (as glab reads it)"),
            Source::Glab(p) => write!(f, "glab's login ({})", p.display()),
            Source::GlabKeyring => write!(f, "glab's login (its keyring entry)"),
        }
    }
}

/// A token and where it came from.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub token: SecretString,
    pub source: Source,
    /// glab logged in with OAuth: send it as `Authorization: Bearer`.
    pub oauth: bool,
}

/// glab's settings for one host.
#[derive(Debug, Clone, Default, serde::Deserialize)]
struct GlabHost {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    api_host: Option<String>,
    #[serde(default)]
    api_protocol: Option<String>,
    #[serde(default)]
    is_oauth2: Option<serde_yaml_ng::Value>,
    /// When glab's OAuth access token expires (Go's `time.RFC822`, in
    /// the local time of the machine glab ran on: `07 Dec 26 08:00 UTC`).
    #[serde(default)]
    oauth2_expiry_date: Option<String>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
struct GlabConfig {
    #[serde(default)]
    hosts: std::collections::BTreeMap<String, GlabHost>,
}

/// `https://host:port/...` → (`https`, `host:port`, `host`); an address
/// without a scheme is https. Lowercase; no port when it is the scheme's
/// own; nothing but the scheme when it is not an address.
fn parts(host: &str) -> (String, String, String) {
    let url = if host.contains("://") {
        url::Url::parse(host)
    } else {
        url::Url::parse(&format!("https://{host}"))
    };
    match url {
        Ok(u) => {
            let name = u.host_str().unwrap_or("").to_owned();
            let authority = match u.port() {
                Some(p) => format!("{name}:{p}"),
                None => name.clone(),
            };
            (u.scheme().to_owned(), authority, name)
        }
        Err(_) => {
            let scheme = host.split_once("://").map_or("https", |(s, _)| s);
            (scheme.to_lowercase(), String::new(), String::new())
        }
    }
}

/// glab's config file, found where glab looks for it
/// (`internal/config/config_file.go`, `SearchConfigFile`):
/// `$GLAB_CONFIG_DIR/config.yml` alone when that is set; else the legacy
/// `~/.config/glab-cli/config.yml`; else the XDG config directory's
/// (`$XDG_CONFIG_HOME`, or on macOS `~/Library/Application Support`), then
/// the system ones (`$XDG_CONFIG_DIRS`, `/etc/xdg`).
pub fn glab_config_path() -> Option<PathBuf> {
    glab_config_candidates().into_iter().find(|p| p.is_file())
}

fn glab_config_candidates() -> Vec<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    const FILE: &str = "glab-cli/config.yml";
    if let Some(dir) = var("GLAB_CONFIG_DIR") {
        return vec![dir.join("config.yml")];
    }
    let home =
        var("HOME").or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_owned()));
    let mut out = Vec::new();
    if let Some(h) = &home {
        out.push(h.join(".config").join(FILE));
    }
    // As github.com/adrg/xdg, which glab uses, has them.
    let config_home = var("XDG_CONFIG_HOME").or_else(|| {
        if cfg!(target_os = "macos") {
            home.as_ref().map(|h| h.join("Library/Application Support"))
        } else if cfg!(windows) {
            var("LOCALAPPDATA")
        } else {
            home.as_ref().map(|h| h.join(".config"))
        }
    });
    out.extend(config_home.map(|d| d.join(FILE)));
    let system: Vec<PathBuf> = match std::env::var_os("XDG_CONFIG_DIRS").filter(|v| !v.is_empty()) {
        Some(dirs) => std::env::split_paths(&dirs).collect(),
        None if cfg!(target_os = "macos") => {
            let mut d: Vec<PathBuf> = home.iter().map(|h| h.join("Library/Preferences")).collect();
            d.push("/Library/Application Support".into());
            d.push("/Library/Preferences".into());
            d
        }
        None if cfg!(windows) => var("PROGRAMDATA").into_iter().collect(),
        None => vec!["/etc/xdg".into()],
    };
    out.extend(system.into_iter().map(|d| d.join(FILE)));
    out
}

/// The host entry of glab's config that is `host` (by its name, or its
/// `api_host`; the protocol must agree when glab names one).
fn glab_host(text: &str, host: &str) -> Option<(String, GlabHost)> {
    let cfg: GlabConfig = serde_yaml_ng::from_str(text).ok()?;
    let (scheme, authority, name) = parts(host);
    cfg.hosts.into_iter().find(|(key, h)| {
        let key = key.to_lowercase();
        let api = h.api_host.as_deref().map(str::to_lowercase);
        let same = key == authority
            || key == name && !authority.contains(':')
            || api.as_deref() == Some(authority.as_str());
        let proto_ok = h
            .api_protocol
            .as_deref()
            .is_none_or(|p| p.eq_ignore_ascii_case(&scheme));
        same && proto_ok
    })
}

fn truthy(v: &Option<serde_yaml_ng::Value>) -> bool {
    match v {
        Some(serde_yaml_ng::Value::Bool(b)) => *b,
        Some(serde_yaml_ng::Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The token glab has for `host` in its config file `path` (or in its
/// keyring entry, when the file names the host without a token).
pub fn from_glab(path: &Path, host: &str) -> Option<Credentials> {
    glab_login(path, host).map(|l| l.creds)
}

/// glab's login for one host, as its file says now.
struct GlabLogin {
    /// The host's name in glab's file (what `--hostname` takes).
    key: String,
    creds: Credentials,
    /// When its OAuth access token expires (OAuth logins only).
    expires: Option<DateTime<Utc>>,
}

impl GlabLogin {
    /// Expired at `now`, as glab would judge it (golang.org/x/oauth2
    /// renews a token 10 seconds before its expiry).
    fn expired(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.expires
            .filter(|e| now + chrono::Duration::seconds(10) >= *e)
    }
}

fn glab_login(path: &Path, host: &str) -> Option<GlabLogin> {
    let text = std::fs::read_to_string(path).ok()?;
    let (key, h) = glab_host(&text, host)?;
    let oauth = truthy(&h.is_oauth2);
    let expires = h
        .oauth2_expiry_date
        .as_deref()
        .filter(|_| oauth)
        .and_then(parse_glab_expiry);
    let creds = match h.token.filter(|t| !t.trim().is_empty()) {
        Some(t) => Credentials {
            token: SecretString::from(t.trim().to_owned()),
            source: Source::Glab(path.to_owned()),
            oauth,
        },
        None => keyring_get(&format!("glab:{key}"), "").map(|t| Credentials {
            token: t,
            source: Source::GlabKeyring,
            oauth,
        })?,
    };
    Some(GlabLogin {
        key,
        creds,
        expires,
    })
}

/// glab's `oauth2_expiry_date`: Go's `time.RFC822` (`07 Dec 26 08:00 UTC`)
/// as glab writes it, in the local time of the machine it ran on (a zone
/// name other than UTC or GMT is read as local time, as Go reads it
/// there); RFC 3339 too. `None` when it can't be read (the token is then
/// used as it is).
fn parse_glab_expiry(s: &str) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.to_utc());
    }
    let [day, month, year, time, zone] = s.split_whitespace().collect::<Vec<_>>()[..] else {
        return None;
    };
    let naive = chrono::NaiveDateTime::parse_from_str(
        &format!("{day} {month} {year} {time}"),
        "%d %b %y %H:%M",
    )
    .ok()?;
    let numeric = |z: &str| {
        let sign = match z.as_bytes().first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let digits = z
            .get(1..)
            .filter(|d| d.len() == 4 && d.bytes().all(|b| b.is_ascii_digit()))?;
        let (h, m): (i32, i32) = (digits[..2].parse().ok()?, digits[2..].parse().ok()?);
        chrono::FixedOffset::east_opt(sign * (h * 3600 + m * 60))
    };
    match zone.to_ascii_uppercase().as_str() {
        "UTC" | "GMT" | "UT" | "Z" => Some(naive.and_utc()),
        z => match numeric(z) {
            Some(offset) => offset
                .from_local_datetime(&naive)
                .single()
                .map(|t| t.to_utc()),
            None => chrono::Local
                .from_local_datetime(&naive)
                .earliest()
                .map(|t| t.to_utc()),
        },
    }
}

/// How long glab may take to renew its login.
const GLAB_WAIT: Duration = Duration::from_secs(30);

/// Why running glab did not renew the login.
enum GlabRun {
    NotInstalled,
    Failed(String),
}

/// Run a glab command that makes an API request to `key` (glab's client
/// renews an expired OAuth token before it, and writes it to its file:
/// `internal/oauth2/` in gitlab-org/cli). Its output is not shown.
fn run_glab(key: &str) -> Result<(), GlabRun> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new("glab")
        .args(["api", "--hostname", key, "user"])
        .env("NO_PROMPT", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => GlabRun::NotInstalled,
            _ => GlabRun::Failed(format!("cannot run glab: {e}")),
        })?;
    let mut stderr = child.stderr.take();
    let said = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.read_to_string(&mut text);
        }
        text
    });
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < GLAB_WAIT => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(GlabRun::Failed(format!(
                    "no answer in {} s",
                    GLAB_WAIT.as_secs()
                )));
            }
            Err(e) => return Err(GlabRun::Failed(e.to_string())),
        }
    };
    if status.success() {
        return Ok(());
    }
    let text = said.join().unwrap_or_default();
    let last = text
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .map(|l| {
            crate::core::domain::sanitize::line(l)
                .chars()
                .take(200)
                .collect::<String>()
        });
    Err(GlabRun::Failed(match last {
        Some(l) => format!("{status}: {l}"),
        None => status.to_string(),
    }))
}

/// glab's login for `host` from its file `path`, its OAuth token renewed
/// through glab when it has expired; why not, in words (glab's files are
/// never written here: glab writes them).
fn from_glab_fresh(path: &Path, host: &str) -> Result<Option<Credentials>, ConfigError> {
    let Some(login) = glab_login(path, host) else {
        return Ok(None);
    };
    let Some(at) = login.expired(Utc::now()) else {
        return Ok(Some(login.creds));
    };
    let key = login.key;
    let when = at
        .with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    tracing::info!(host = %key, "glab's login expired; renewing it through glab");
    let why = match run_glab(&key) {
        // glab's request went through: the file has the token it used.
        Ok(()) => match glab_login(path, host) {
            Some(l) => return Ok(Some(l.creds)),
            None => "glab left no login for it".to_owned(),
        },
        Err(GlabRun::NotInstalled) => {
            return Err(ConfigError::GlabLogin(format!(
                "glab's login for {key} expired at {when} (GitLab's OAuth tokens last 2 hours), and glab is not on PATH to renew it: run any glab command for that host (`glab api --hostname {key} user`), or log in again with `glab auth login --hostname {key}`"
            )));
        }
        Err(GlabRun::Failed(why)) => why,
    };
    Err(ConfigError::GlabLogin(format!(
        "glab's login for {key} expired at {when} (GitLab's OAuth tokens last 2 hours), and glab could not renew it (`glab api --hostname {key} user`: {why}): log in again with `glab auth login --hostname {key}`"
    )))
}

fn keyring_get(service: &str, user: &str) -> Option<SecretString> {
    let entry = keyring::Entry::new(service, user).ok()?;
    match entry.get_password() {
        Ok(p) if !p.trim().is_empty() => Some(SecretString::from(p.trim().to_owned())),
        Ok(_) => None,
        Err(e) => {
            tracing::debug!(error = %e, service, "no keyring entry");
            None
        }
    }
}

/// The user name glboard's keyring entry for `host` has.
pub fn keyring_user(host: &str) -> String {
    parts(host).1
}

/// Store `token` for `host` in the system keyring; why not, in words.
pub fn keyring_store(host: &str, token: &SecretString) -> Result<(), String> {
    use secrecy::ExposeSecret;
    let entry = keyring::Entry::new(KEYRING_SERVICE, &keyring_user(host))
        .map_err(|e| format!("no system keyring here: {e}"))?;
    entry
        .set_password(token.expose_secret())
        .map_err(|e| format!("the system keyring refused it: {e}"))
}

/// Forget the token for `host`; whether there was one.
pub fn keyring_forget(host: &str) -> Result<bool, String> {
    let entry = keyring::Entry::new(KEYRING_SERVICE, &keyring_user(host))
        .map_err(|e| format!("no system keyring here: {e}"))?;
    match entry.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(format!("the system keyring refused: {e}")),
    }
}

/// The token for a configuration, and where it came from.
pub fn find(cfg: &Config) -> Result<Credentials, ConfigError> {
    find_for(&cfg.host, Some(cfg), &cfg.path)
}

/// The token for `host`, as for a configuration; with no configuration
/// (`init --board`), everything but `token_command`. `path` is the
/// config file the message names when there is none.
pub fn find_for(host: &str, cfg: Option<&Config>, path: &Path) -> Result<Credentials, ConfigError> {
    if let Ok(t) = std::env::var("GITLAB_TOKEN")
        && !t.trim().is_empty()
    {
        return Ok(Credentials {
            token: SecretString::from(t.trim().to_owned()),
            source: Source::Env,
            oauth: false,
        });
    }
    if let Some(cfg) = cfg
        && cfg.file.token_command.is_some()
    {
        return cfg.token_from_command().map(|token| Credentials {
            token,
            source: Source::Command,
            oauth: false,
        });
    }
    if let Some(token) = keyring_get(KEYRING_SERVICE, &keyring_user(host)) {
        return Ok(Credentials {
            token,
            source: Source::Keyring,
            oauth: false,
        });
    }
    // glab's login, as glab reads it: these two before its file
    // (`EnvKeyEquivalence("token")` in glab's `internal/config`; glab
    // reads `GITLAB_TOKEN` first, as glboard did above).
    for var in ["GITLAB_ACCESS_TOKEN", "OAUTH_TOKEN"] {
        if let Ok(t) = std::env::var(var)
            && !t.trim().is_empty()
        {
            return Ok(Credentials {
                token: SecretString::from(t.trim().to_owned()),
                source: Source::GlabEnv(var),
                oauth: var == "OAUTH_TOKEN",
            });
        }
    }
    if let Some(glab) = glab_config_path()
        && let Some(c) = from_glab_fresh(&glab, host)?
    {
        return Ok(c);
    }
    Err(ConfigError::NoToken(path.to_owned()))
}

/// A fresh token after GitLab rejected one from glab's login: glab's file
/// read again (glab may have renewed it since), and renewed through glab
/// when it has expired; how to send it, or why there is none.
pub fn renew(cfg: &Config) -> Result<(TokenKind, SecretString), String> {
    let c = find(cfg).map_err(|e| e.to_string())?;
    let kind = cfg
        .file
        .token_type
        .or(c.oauth.then_some(TokenKind::Oauth))
        .unwrap_or_else(|| TokenKind::detect(c.token.expose_secret()));
    Ok((kind, c.token))
}

/// What the GitLab client needs, from the configuration and the
/// credentials: the token sent as the config says, else glab's OAuth login
/// as OAuth; glab's login read again (and renewed) after a 401.
pub fn connection(cfg: &Config, creds: &Credentials, policy: RetryPolicy) -> Connection {
    let kind = cfg
        .file
        .token_type
        .or(creds.oauth.then_some(TokenKind::Oauth));
    let sent_as = kind.unwrap_or_else(|| TokenKind::detect(creds.token.expose_secret()));
    let reauth: Option<crate::gitlab::Reauth> = creds.source.is_glab().then(|| {
        let cfg = cfg.clone();
        std::sync::Arc::new(move || renew(&cfg)) as crate::gitlab::Reauth
    });
    Connection {
        host: cfg.host.clone(),
        token: creds.token.clone(),
        kind,
        allow_insecure_http: cfg.file.allow_insecure_http,
        unauthorized_advice: advice(cfg, creds, sent_as),
        reauth,
        policy,
    }
}

/// What to check when GitLab rejects the token (401): where it came from,
/// and, for a token sent as a personal one that may be OAuth, `token_type`.
pub fn advice(cfg: &Config, creds: &Credentials, sent_as: TokenKind) -> String {
    let file = cfg.path.display();
    let mut advice = match &creds.source {
        Source::Env => "check GITLAB_TOKEN".to_owned(),
        Source::Command => format!("check token_command in {file}"),
        Source::Keyring => "log in again with `glboard auth login`".to_owned(),
        Source::GlabEnv(var) => format!("check {var}"),
        Source::Glab(_) | Source::GlabKeyring => format!(
            "glab's login for {0} was refused: log in again with `glab auth login --hostname {0}`",
            parts(&cfg.host).2
        ),
    };
    if sent_as == TokenKind::Personal && !creds.token.expose_secret().starts_with("glpat-") {
        advice.push_str(&format!(
            "; it was sent as a personal access token: if it is an OAuth token (glab's web login, an OAuth application), set token_type = \"oauth\" in {file}"
        ));
    }
    advice
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    const GLAB: &str = r#"
git_protocol: ssh
hosts:
  gitlab.com:
    token: glpat-from-glab-com
    api_protocol: https
    api_host: gitlab.com
  gitlab.example.com:
    token: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    is_oauth2: "true"
    api_protocol: https
  127.0.0.1:
    token: glpat-local
    api_host: 127.0.0.1:18081
    api_protocol: http
"#;

    #[test]
    fn glabs_expiry_dates_are_read_as_glab_writes_them() {
        let at = |s: &str| parse_glab_expiry(s).map(|t| t.to_rfc3339());
        // Go's time.RFC822, as glab's internal/oauth2 writes it.
        assert_eq!(
            at("07 Dec 26 08:00 UTC").as_deref(),
            Some("2026-12-07T08:00:00+00:00")
        );
        assert_eq!(
            at("13 Mar 23 15:47 GMT").as_deref(),
            Some("2023-03-13T15:47:00+00:00")
        );
        assert_eq!(
            at("07 Dec 26 09:00 +0100").as_deref(),
            Some("2026-12-07T08:00:00+00:00")
        );
        assert_eq!(
            at("2026-06-18T14:00:00Z").as_deref(),
            Some("2026-06-18T14:00:00+00:00")
        );
        // A zone by name is the local time of the machine glab ran on.
        assert!(at("07 Dec 26 08:00 CET").is_some());
        for bad in ["", "tomorrow", "07 Dec 26", "32 Dec 26 08:00 UTC"] {
            assert_eq!(at(bad), None, "{bad:?}");
        }
        let login = |expires| GlabLogin {
            key: "gitlab.com".into(),
            creds: Credentials {
                token: SecretString::from("t".to_owned()),
                source: Source::GlabKeyring,
                oauth: true,
            },
            expires,
        };
        let now = Utc::now();
        assert!(login(None).expired(now).is_none(), "no date: used as it is");
        assert!(
            login(Some(now + chrono::Duration::minutes(5)))
                .expired(now)
                .is_none()
        );
        assert!(
            login(Some(now + chrono::Duration::seconds(5)))
                .expired(now)
                .is_some(),
            "renewed 10 s early, as glab does"
        );
    }

    #[test]
    fn only_the_matching_host_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.yml");
        std::fs::write(&p, GLAB).unwrap();
        let c = from_glab(&p, "https://gitlab.com").unwrap();
        assert_eq!(c.token.expose_secret(), "glpat-from-glab-com");
        assert!(!c.oauth);
        let c = from_glab(&p, "https://gitlab.example.com").unwrap();
        assert!(c.oauth, "glab's OAuth login goes as OAuth");
        let c = from_glab(&p, "http://127.0.0.1:18081").unwrap();
        assert_eq!(c.token.expose_secret(), "glpat-local");
        assert!(
            from_glab(&p, "https://127.0.0.1:18081").is_none(),
            "the protocol must agree"
        );
        assert!(from_glab(&p, "https://gitlab.other.org").is_none());
        assert!(from_glab(&p, "http://127.0.0.1:9").is_none());
    }
}
