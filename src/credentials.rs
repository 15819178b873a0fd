//! Where the token comes from, in order: `GITLAB_TOKEN`, the config's
//! `token_command`, the system keyring (`glboard auth login`), then the
//! login glab already has for the host (its `config.yml` under
//! `$XDG_CONFIG_HOME/glab-cli/` or `~/.config/glab-cli/`: `hosts.<host>.token`,
//! or glab's keyring entry when it keeps the token there; an OAuth login is
//! sent as OAuth). glab's files are only ever read. The token itself is
//! never printed: only where it came from.

use std::path::{Path, PathBuf};

use secrecy::SecretString;

use crate::config::{Config, ConfigError};

/// The keyring service glboard's own tokens are kept under (the host is
/// the user name).
pub const KEYRING_SERVICE: &str = "glboard";

/// Where a token came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Env,
    Command,
    Keyring,
    Glab(PathBuf),
    GlabKeyring,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Env => write!(f, "GITLAB_TOKEN"),
            Source::Command => write!(f, "token_command"),
            Source::Keyring => write!(f, "the system keyring (glboard auth login)"),
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
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
struct GlabConfig {
    #[serde(default)]
    hosts: std::collections::BTreeMap<String, GlabHost>,
}

/// `https://host:port/...` → (`https`, `host:port`, `host`).
fn parts(host: &str) -> (String, String, String) {
    let (scheme, rest) = host.split_once("://").unwrap_or(("https", host));
    let authority = rest.split('/').next().unwrap_or("").to_lowercase();
    let name = authority.split(':').next().unwrap_or("").to_owned();
    (scheme.to_lowercase(), authority, name)
}

/// glab's config file, where glab keeps it.
pub fn glab_config_path() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        let p = PathBuf::from(x).join("glab-cli/config.yml");
        if p.exists() {
            return Some(p);
        }
    }
    let home = std::env::var_os("HOME")?;
    let p = PathBuf::from(home).join(".config/glab-cli/config.yml");
    p.exists().then_some(p)
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
    let text = std::fs::read_to_string(path).ok()?;
    let (key, h) = glab_host(&text, host)?;
    let oauth = truthy(&h.is_oauth2);
    match h.token.filter(|t| !t.trim().is_empty()) {
        Some(t) => Some(Credentials {
            token: SecretString::from(t.trim().to_owned()),
            source: Source::Glab(path.to_owned()),
            oauth,
        }),
        None => keyring_get(&format!("glab:{key}"), "").map(|t| Credentials {
            token: t,
            source: Source::GlabKeyring,
            oauth,
        }),
    }
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
    if let Ok(t) = std::env::var("GITLAB_TOKEN")
        && !t.trim().is_empty()
    {
        return Ok(Credentials {
            token: SecretString::from(t.trim().to_owned()),
            source: Source::Env,
            oauth: false,
        });
    }
    if cfg.file.token_command.is_some() {
        return cfg.token_from_command().map(|token| Credentials {
            token,
            source: Source::Command,
            oauth: false,
        });
    }
    if let Some(token) = keyring_get(KEYRING_SERVICE, &keyring_user(&cfg.host)) {
        return Ok(Credentials {
            token,
            source: Source::Keyring,
            oauth: false,
        });
    }
    if let Some(path) = glab_config_path()
        && let Some(c) = from_glab(&path, &cfg.host)
    {
        return Ok(c);
    }
    Err(ConfigError::NoToken(cfg.path.clone()))
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
