//! Configuration: the TOML file (`$XDG_CONFIG_HOME/glboard/config.toml` or
//! `--config FILE`), the `GITLAB_HOST` override, and the token from
//! `GITLAB_TOKEN` or `token_command`. Errors name the file, line and key;
//! the token never appears in any of them.

use std::path::{Path, PathBuf};
use std::process::Command;

use secrecy::SecretString;
use serde::Deserialize;

use crate::core::domain::model::TeamConfig;

/// The file's keys. Unknown keys are an error, so typos are caught.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default = "default_host")]
    pub host: String,
    pub group: String,
    pub team_label: String,
    pub workflow_scope: String,
    /// Lane names in board order; discovered from the group's labels when absent.
    #[serde(default)]
    pub lanes: Option<Vec<String>>,
    #[serde(default = "default_backlog")]
    pub backlog_lane: String,
    #[serde(default = "default_ready")]
    pub ready_lane: String,
    #[serde(default = "default_doing")]
    pub doing_lane: String,
    #[serde(default = "default_done")]
    pub done_lane: String,
    #[serde(default)]
    pub milestone_prefix: String,
    /// A shell command printing the token (e.g. `pass show gitlab/token`).
    #[serde(default)]
    pub token_command: Option<String>,
    /// How the token is sent: `personal` (personal, project or group access
    /// token: `PRIVATE-TOKEN`), `oauth` (glab's web login, an OAuth
    /// application: `Authorization: Bearer`). `job` is refused: a CI job
    /// token cannot read issues. Absent: told by the token.
    #[serde(default)]
    pub token_type: Option<crate::gitlab::TokenKind>,
    /// Seconds between background refreshes while the board is open (0: never).
    #[serde(default = "default_refresh")]
    pub refresh_seconds: u64,
    /// Seconds between the live probes while the board is open (one
    /// request: did a team issue change?); 0: none, only `refresh_seconds`.
    #[serde(default = "default_live")]
    pub live_seconds: u64,
    /// `[wip]` lane = limit.
    #[serde(default)]
    pub wip: std::collections::BTreeMap<String, u32>,
    /// `[wip_weight]` lane = limit on the lane's total weight (GitLab
    /// Premium's list `max_issue_weight`).
    #[serde(default)]
    pub wip_weight: std::collections::BTreeMap<String, u32>,
    /// `[capacity]` username = weight per iteration.
    #[serde(default)]
    pub capacity: std::collections::BTreeMap<String, u32>,
    /// `[aging]` lane = days: a card that has sat in the lane longer shows
    /// its age there as a warning (issue #29).
    #[serde(default)]
    pub aging: std::collections::BTreeMap<String, toml::Spanned<u32>>,
    /// Allow plain http to a non-loopback host (the token travels in clear).
    #[serde(default)]
    pub allow_insecure_http: bool,
    /// Words in the title of each iteration's planning issue.
    #[serde(default = "default_planning_title")]
    pub planning_title: String,
    /// Lanes the re-plan leaves where they are, besides the done lane.
    #[serde(default = "default_replan_skip_lanes")]
    pub replan_skip_lanes: Vec<String>,
    /// `[[absence]]` user, from, to: planned absences (capacity drops by
    /// the working days missed).
    #[serde(default)]
    pub absence: Vec<FileAbsence>,
    /// Title pattern of new iteration milestones (`glboard cadence`):
    /// `{week}` (ISO week of the start, two digits), `{year}`, `{n}`.
    /// Absent: `<milestone_prefix>W{week}`.
    #[serde(default)]
    pub milestone_title: Option<String>,
    /// Project (full path or id) where `glboard cadence` creates each
    /// iteration's planning issue.
    #[serde(default)]
    pub planning_project: Option<String>,
    /// A Markdown file whose text, filled in, is a new planning issue's
    /// description (relative paths are from the config file's directory).
    #[serde(default)]
    pub planning_template: Option<PathBuf>,
    /// `[keys.MODE]` action = "key" (or a list of keys): rebindings.
    #[serde(default)]
    pub keys: std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<String, toml::Spanned<KeySpec>>,
    >,
    /// `[[commands]]`: the team's own commands.
    #[serde(default)]
    pub commands: Vec<toml::Spanned<FileCommand>>,
    /// `[views.NAME]`: saved filters (`f` in the board, `print --view`).
    #[serde(default)]
    pub views: std::collections::BTreeMap<String, FileView>,
    /// `dark`, `light` or `auto` (ask the terminal).
    #[serde(default)]
    pub theme: crate::tui::theme::ThemeChoice,
    /// `[styles]` name = "colour and modifiers": single styles overridden.
    #[serde(default)]
    pub styles: std::collections::BTreeMap<String, toml::Spanned<String>>,
    /// `[profiles.NAME]`: other teams and hosts (`--profile NAME`).
    #[serde(default)]
    pub profiles: std::collections::BTreeMap<String, toml::Spanned<ProfileFile>>,
}

/// One `[profiles.NAME]`: another host, group, team or lanes; what it does
/// not say comes from the top level (the default profile).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub host: Option<String>,
    pub group: Option<String>,
    pub team_label: Option<String>,
    pub workflow_scope: Option<String>,
    pub lanes: Option<Vec<String>>,
    pub backlog_lane: Option<String>,
    pub ready_lane: Option<String>,
    pub doing_lane: Option<String>,
    pub done_lane: Option<String>,
    pub milestone_prefix: Option<String>,
    pub milestone_title: Option<String>,
    pub token_command: Option<String>,
    pub token_type: Option<crate::gitlab::TokenKind>,
    pub wip: Option<std::collections::BTreeMap<String, u32>>,
    pub wip_weight: Option<std::collections::BTreeMap<String, u32>>,
    pub capacity: Option<std::collections::BTreeMap<String, u32>>,
    pub aging: Option<std::collections::BTreeMap<String, toml::Spanned<u32>>>,
    pub planning_title: Option<String>,
    pub planning_project: Option<String>,
    pub planning_template: Option<PathBuf>,
    pub replan_skip_lanes: Option<Vec<String>>,
}

impl FileConfig {
    /// The file as profile `name` sees it: its keys over the top level's.
    fn with_profile(&self, p: &ProfileFile) -> FileConfig {
        let mut f = self.clone();
        macro_rules! take {
            ($($k:ident),*) => { $( if let Some(v) = &p.$k { f.$k = v.clone(); } )* };
        }
        take!(
            host,
            group,
            team_label,
            workflow_scope,
            backlog_lane,
            ready_lane,
            doing_lane,
            done_lane,
            milestone_prefix,
            wip,
            wip_weight,
            capacity,
            aging,
            planning_title,
            replan_skip_lanes
        );
        if p.lanes.is_some() {
            f.lanes = p.lanes.clone();
        }
        if p.milestone_title.is_some() {
            f.milestone_title = p.milestone_title.clone();
        }
        if p.token_command.is_some() {
            f.token_command = p.token_command.clone();
        }
        if p.token_type.is_some() {
            f.token_type = p.token_type;
        }
        if p.planning_project.is_some() {
            f.planning_project = p.planning_project.clone();
        }
        if p.planning_template.is_some() {
            f.planning_template = p.planning_template.clone();
        }
        f
    }
}

/// One `[views.NAME]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct FileView {
    #[serde(default)]
    pub lanes: Vec<String>,
    #[serde(default)]
    pub assignees: Vec<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub text: String,
    /// `true` (14 days) or a number of days.
    #[serde(default)]
    pub stale: Option<StaleSpec>,
}

/// `stale = true` or `stale = 30`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum StaleSpec {
    Yes(bool),
    Days(u32),
}

/// Keys of a rebinding: one, or several.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum KeySpec {
    One(String),
    Several(Vec<String>),
}

impl KeySpec {
    fn list(&self) -> Vec<String> {
        match self {
            KeySpec::One(k) => vec![k.clone()],
            KeySpec::Several(v) => v.clone(),
        }
    }
}

/// One `[[commands]]` entry.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileCommand {
    /// Its key (in the board, and the detail pane).
    pub key: String,
    /// What the help overlay and the status line call it.
    pub title: String,
    /// A shell command with placeholders ({reference}, {iid}, {project},
    /// {web_url}, {title}, {branch}; {references}, {iids}, {web_urls}).
    pub command: String,
    /// Run in the terminal (the board suspended) instead of the background.
    #[serde(default)]
    pub interactive: bool,
}

/// A planned absence in the file; dates as `"2026-12-21"` or TOML dates.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileAbsence {
    pub user: String,
    pub from: FileDate,
    pub to: FileDate,
}

/// A day, written quoted or as a TOML date.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum FileDate {
    Text(String),
    Toml(toml::value::Datetime),
}

impl FileDate {
    fn day(&self) -> Option<chrono::NaiveDate> {
        let s = match self {
            FileDate::Text(s) => s.clone(),
            FileDate::Toml(d) => d.to_string(),
        };
        chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
    }
}

fn default_replan_skip_lanes() -> Vec<String> {
    vec!["Cancelled".into()]
}

fn default_planning_title() -> String {
    "Iteration Planning".into()
}

fn default_host() -> String {
    "https://gitlab.com".into()
}
fn default_backlog() -> String {
    "Triage".into()
}
fn default_ready() -> String {
    "Ready".into()
}
fn default_doing() -> String {
    "In Progress".into()
}
fn default_done() -> String {
    "Done".into()
}
fn default_refresh() -> u64 {
    300
}

fn default_live() -> u64 {
    crate::sync::LIVE_PROBE.as_secs()
}

/// A configuration ready to use.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub file: FileConfig,
    /// The profile in use (`None`: the top level, the default).
    pub profile: Option<String>,
    /// The keys in effect (the defaults, `[keys]`, `[[commands]]`).
    pub keymap: crate::core::app::keys::Keymap,
    pub commands: Vec<crate::core::app::custom_command::CustomCommand>,
    /// The saved views, by name.
    pub saved_views: Vec<crate::core::domain::saved_view::SavedView>,
    /// `[styles]`, parsed.
    pub styles: std::collections::BTreeMap<String, ratatui::style::Style>,
    /// `host` after the `GITLAB_HOST` override, without a trailing slash.
    pub host: String,
    /// Things to tell the user at start (insecure settings).
    pub warnings: Vec<String>,
    /// The line of each `[capacity]` member, for warnings that name it.
    pub capacity_lines: std::collections::BTreeMap<String, usize>,
    /// The line of each `[aging]` lane, for warnings.
    pub aging_lines: std::collections::BTreeMap<String, usize>,
}

/// Why the configuration can't be used. Messages are for users: they name
/// the file and what to change, never the token.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error(
        "no configuration at {0} (run `glboard init --host URL --group PATH`, or `glboard --demo`)"
    )]
    Missing(PathBuf),
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Value { path: PathBuf, message: String },
    #[error(
        "no GitLab token: set GITLAB_TOKEN, token_command in {0}, log in with `glboard auth login`, or with glab"
    )]
    NoToken(PathBuf),
    #[error("token_command failed: {0}")]
    TokenCommand(String),
    /// glab's login can't be used (expired, and glab could not renew it).
    #[error("{0}")]
    GlabLogin(String),
    #[error(transparent)]
    InsecureHost(#[from] crate::gitlab::InsecureHost),
    #[error("{path} already exists; not overwriting it")]
    Exists { path: PathBuf },
}

/// Where the config file lives by default.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "glboard").map(|d| d.config_dir().join("config.toml"))
}

/// 1-based line of a byte offset.
fn line_of(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())].matches('\n').count() + 1
}

/// Parse a config file's text. `path` is only used in messages.
pub fn parse(path: &Path, src: &str, env_host: Option<&str>) -> Result<Config, ConfigError> {
    parse_profile(path, src, env_host, None)
}

/// Parse a config file's text as profile `profile` sees it.
pub fn parse_profile(
    path: &Path,
    src: &str,
    env_host: Option<&str>,
    profile: Option<&str>,
) -> Result<Config, ConfigError> {
    let file: FileConfig = toml::from_str(src).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(src, s.start));
        ConfigError::Invalid {
            path: path.to_owned(),
            line,
            message: e.message().trim().to_owned(),
        }
    })?;
    let file = match profile {
        None => file,
        Some(name) => match file.profiles.get(name) {
            Some(p) => file.with_profile(p.get_ref()),
            None => {
                return Err(ConfigError::Value {
                    path: path.to_owned(),
                    message: if file.profiles.is_empty() {
                        format!("no profile {name:?}: the file has no [profiles.NAME]")
                    } else {
                        format!(
                            "no profile {name:?}; profiles: {}",
                            file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                        )
                    },
                });
            }
        },
    };
    let bad = |message: String| ConfigError::Value {
        path: path.to_owned(),
        message,
    };
    if file.group.trim().is_empty() {
        return Err(bad(
            "`group` is empty: set it to the group's full path, e.g. gitlab-com/gl-infra".into(),
        ));
    }
    if file.team_label.trim().is_empty() || file.workflow_scope.trim().is_empty() {
        return Err(bad(
            "`team_label` and `workflow_scope` must not be empty".into()
        ));
    }
    if let Some(lanes) = &file.lanes {
        if lanes.is_empty() {
            return Err(bad(
                "`lanes` is empty: list the lanes, or remove the key to discover them".into(),
            ));
        }
        for (key, lane) in [
            ("backlog_lane", &file.backlog_lane),
            ("ready_lane", &file.ready_lane),
            ("doing_lane", &file.doing_lane),
            ("done_lane", &file.done_lane),
        ] {
            if !lanes.contains(lane) {
                return Err(bad(format!("`{key}` = {lane:?} is not one of `lanes`")));
            }
        }
    }
    for (n, a) in file.absence.iter().enumerate() {
        // The line of the n-th `[[absence]]`.
        let line = src
            .match_indices("[[absence]]")
            .nth(n)
            .map_or(1, |(at, _)| line_of(src, at));
        let at = |message: String| ConfigError::Invalid {
            path: path.to_owned(),
            line,
            message,
        };
        match (a.from.day(), a.to.day()) {
            (Some(f), Some(t)) if f <= t => {}
            (Some(_), Some(_)) => {
                return Err(at(format!("absence of {}: `to` is before `from`", a.user)));
            }
            _ => {
                return Err(at(format!(
                    "absence of {}: write dates as YYYY-MM-DD, e.g. from = \"2026-12-21\"",
                    a.user
                )));
            }
        }
    }
    // A project outside the group gets none of the group's milestones or
    // labels (GitLab drops them silently): every `cadence` would make a
    // planning issue no iteration holds, and make it again.
    if let Some(p) = &file.planning_project
        && !in_group(p, &file.group)
    {
        let line = src
            .find("planning_project")
            .map_or(1, |at| line_of(src, at));
        return Err(ConfigError::Invalid {
            path: path.to_owned(),
            line,
            message: format!(
                "planning_project = {p:?} is not in the group {:?}: a project elsewhere gets none of the group's milestones or labels; name a project under {}/",
                file.group, file.group
            ),
        });
    }
    if let Some(p) = &file.milestone_title
        && !p.contains("{week}")
        && !p.contains("{n}")
    {
        return Err(bad(format!(
            "`milestone_title` = {p:?} has neither {{week}} nor {{n}}: every iteration would get the same title"
        )));
    }
    let (keymap, commands) = keys_and_commands(path, src, &file)?;
    let mut styles = std::collections::BTreeMap::new();
    for (name, text) in &file.styles {
        let line = line_of(src, text.span().start);
        let at = |message: String| ConfigError::Invalid {
            path: path.to_owned(),
            line,
            message,
        };
        if !crate::tui::theme::STYLE_NAMES.contains(&name.as_str()) {
            return Err(at(format!(
                "[styles] {name}: no such style; styles: {}",
                crate::tui::theme::STYLE_NAMES.join(", ")
            )));
        }
        let style = crate::tui::theme::parse_style(text.get_ref())
            .map_err(|e| at(format!("[styles] {name}: {e}")))?;
        styles.insert(name.clone(), style);
    }
    let saved_views: Vec<crate::core::domain::saved_view::SavedView> = file
        .views
        .iter()
        .map(|(name, v)| crate::core::domain::saved_view::SavedView {
            name: name.clone(),
            lanes: v.lanes.clone(),
            assignees: v.assignees.clone(),
            labels: v.labels.clone(),
            text: v.text.clone(),
            stale_days: match v.stale {
                None | Some(StaleSpec::Yes(false)) => None,
                Some(StaleSpec::Yes(true)) => Some(14),
                Some(StaleSpec::Days(d)) => Some(i64::from(d)),
            },
        })
        .collect();
    let host = env_host
        .filter(|h| !h.trim().is_empty())
        .unwrap_or(&file.host);
    let host = normalize_host(host);
    let mut warnings = Vec::new();
    match check_host(&host) {
        Ok(()) => {}
        Err(_) if file.allow_insecure_http => warnings.push(format!(
            "allow_insecure_http: the token goes to {host} in clear text; use https"
        )),
        Err(e) => return Err(e),
    }
    let capacity_lines = capacity_lines(src, profile);
    let aging_lines = file
        .aging
        .iter()
        .map(|(lane, days)| (lane.clone(), line_of(src, days.span().start)))
        .collect();
    Ok(Config {
        path: path.to_owned(),
        profile: profile.map(str::to_owned),
        host,
        aging_lines,
        file,
        keymap,
        commands,
        saved_views,
        styles,
        warnings,
        capacity_lines,
    })
}

/// The line of each member of the `[capacity]` table in effect (the
/// profile's, when it has one, else the top level's).
fn capacity_lines(src: &str, profile: Option<&str>) -> std::collections::BTreeMap<String, usize> {
    let headers: Vec<String> = profile
        .map(|p| format!("[profiles.{p}.capacity]"))
        .into_iter()
        .chain(profile.map(|p| format!("[profiles.\"{p}\".capacity]")))
        .chain(std::iter::once("[capacity]".to_owned()))
        .collect();
    let table = |header: &str| {
        let mut out = std::collections::BTreeMap::new();
        let mut inside = false;
        for (n, line) in src.lines().enumerate() {
            let t = line.trim();
            if t.starts_with('[') {
                inside = t.split('#').next().map(str::trim) == Some(header);
                continue;
            }
            if inside && let Some((k, _)) = t.split_once('=') {
                let k = k.trim().trim_matches('"').trim_matches('\'');
                if !k.is_empty() && !k.starts_with('#') {
                    out.insert(k.to_owned(), n + 1);
                }
            }
        }
        out
    };
    headers
        .iter()
        .map(|h| table(h))
        .find(|t| !t.is_empty())
        .unwrap_or_default()
}

impl Config {
    /// `[capacity]` members the group does not have (as the cache knows
    /// its members): a warning each, naming the file and line, since their
    /// capacity counts for nobody. None before the first sync.
    pub fn capacity_warnings(&self, members: &[crate::core::domain::model::User]) -> Vec<String> {
        if members.is_empty() {
            return Vec::new();
        }
        self.file
            .capacity
            .keys()
            .filter(|name| {
                let name = name.trim_start_matches('@');
                !members
                    .iter()
                    .any(|u| u.username.eq_ignore_ascii_case(name))
            })
            .map(|name| {
                let line = self.capacity_lines.get(name).copied().unwrap_or(1);
                // What is wrong first: the board's status line is short.
                format!(
                    "[capacity] {name} is not a member of {} (a misspelt username? {}:{line})",
                    self.file.group,
                    self.path.display()
                )
            })
            .collect()
    }
}

/// The keymap the file asks for, and its commands; a conflict or an
/// unknown name is an error naming the line.
fn keys_and_commands(
    path: &Path,
    src: &str,
    file: &FileConfig,
) -> Result<
    (
        crate::core::app::keys::Keymap,
        Vec<crate::core::app::custom_command::CustomCommand>,
    ),
    ConfigError,
> {
    use crate::core::app::keys::{Keymap, KeysError, Rebind};
    let at = |e: KeysError| ConfigError::Invalid {
        path: path.to_owned(),
        line: e.line,
        message: e.message,
    };
    let rebinds: Vec<Rebind> = file
        .keys
        .iter()
        .flat_map(|(mode, actions)| {
            actions.iter().map(move |(action, spec)| Rebind {
                context: mode.clone(),
                action: action.clone(),
                keys: spec.get_ref().list(),
                line: line_of(src, spec.span().start),
            })
        })
        .collect();
    let mut keymap = Keymap::default().rebound(&rebinds).map_err(at)?;
    let mut commands = Vec::new();
    for (n, c) in file.commands.iter().enumerate() {
        let line = line_of(src, c.span().start);
        let c = c.get_ref();
        let n = u8::try_from(n).map_err(|_| ConfigError::Invalid {
            path: path.to_owned(),
            line,
            message: "at most 255 [[commands]]".into(),
        })?;
        // Its placeholders are checked now, not when the key is pressed.
        let singles: Vec<(&str, String)> = crate::core::app::custom_command::PLACEHOLDERS[..6]
            .iter()
            .map(|p| (*p, String::new()))
            .collect();
        let lists: Vec<(&str, Vec<String>)> = crate::core::app::custom_command::PLACEHOLDERS[6..]
            .iter()
            .map(|p| (*p, Vec::new()))
            .collect();
        crate::core::app::custom_command::expand(&c.command, &singles, &lists).map_err(|e| {
            ConfigError::Invalid {
                path: path.to_owned(),
                line,
                message: format!("[[commands]] {:?}: {e}", c.title),
            }
        })?;
        for context in [
            crate::core::app::keymap::Context::Board,
            crate::core::app::keymap::Context::Detail,
        ] {
            keymap
                .add(
                    context,
                    &c.key,
                    crate::core::app::command::Command::Custom(n),
                    &c.title,
                    line,
                )
                .map_err(at)?;
        }
        commands.push(crate::core::app::custom_command::CustomCommand {
            key: c.key.clone(),
            title: c.title.clone(),
            command: c.command.clone(),
            interactive: c.interactive,
        });
    }
    Ok((keymap, commands))
}

/// `gitlab.example.com` → `https://gitlab.example.com`; no trailing slash.
pub fn normalize_host(host: &str) -> String {
    let h = host.trim().trim_end_matches('/');
    if h.contains("://") {
        h.to_owned()
    } else {
        format!("https://{h}")
    }
}

/// Whether the project at full path `project` is in `group` or one of its
/// sub-groups.
pub fn in_group(project: &str, group: &str) -> bool {
    project
        .trim_matches('/')
        .strip_prefix(group.trim_matches('/'))
        .is_some_and(|rest| rest.len() > 1 && rest.starts_with('/'))
}

/// The token may only travel over https, or plain http to this machine
/// ([`crate::gitlab::check_host`]).
pub fn check_host(host: &str) -> Result<(), ConfigError> {
    Ok(crate::gitlab::check_host(host)?)
}

/// Read and parse the config file (the default profile).
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    load_profile(path, None)
}

/// Read and parse the config file as `profile` sees it.
pub fn load_profile(path: &Path, profile: Option<&str>) -> Result<Config, ConfigError> {
    let src = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ConfigError::Missing(path.to_owned()));
        }
        Err(e) => {
            return Err(ConfigError::Unreadable {
                path: path.to_owned(),
                reason: e.to_string(),
            });
        }
    };
    let env_host = std::env::var("GITLAB_HOST").ok();
    let mut cfg = parse_profile(path, &src, env_host.as_deref(), profile)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if cfg.file.token_command.is_some()
            && let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o022 != 0
        {
            cfg.warnings.push(format!(
                "{} holds token_command and others can write to it: chmod 600 {}",
                path.display(),
                path.display()
            ));
        }
    }
    Ok(cfg)
}

impl Config {
    /// `[aging]` lanes that are not lanes of the board (`lanes`, the ones
    /// shown): a warning naming the file and line of each.
    pub fn aging_warnings(&self, lanes: &[String]) -> Vec<String> {
        let mut out: Vec<String> = self
            .file
            .aging
            .keys()
            .filter(|lane| !lanes.iter().any(|l| l == *lane))
            .map(|lane| {
                format!(
                    "{}:{}: [aging] \"{lane}\" is not a lane of the board ({})",
                    self.path.display(),
                    self.aging_lines.get(lane).copied().unwrap_or(1),
                    lanes.join(", ")
                )
            })
            .collect();
        // A saved view naming a lane the board lacks shows nothing there.
        for v in &self.saved_views {
            for lane in v.unknown_lanes(lanes) {
                out.push(format!(
                    "{}: [views.{}] lanes: \"{lane}\" is not a lane of the board ({})",
                    self.path.display(),
                    v.name,
                    lanes.join(", ")
                ));
            }
        }
        out
    }

    /// The team configuration for the core; `lanes` are the configured ones,
    /// or `discovered` when the file has none.
    pub fn team(&self, discovered: &[String]) -> TeamConfig {
        let f = &self.file;
        let lanes = match &f.lanes {
            Some(l) => l.clone(),
            None => order_lanes(discovered, f),
        };
        TeamConfig {
            team_label: f.team_label.clone(),
            workflow_scope: f.workflow_scope.clone(),
            lanes,
            backlog_lane: f.backlog_lane.clone(),
            ready_lane: f.ready_lane.clone(),
            doing_lane: f.doing_lane.clone(),
            done_lane: f.done_lane.clone(),
            milestone_prefix: f.milestone_prefix.clone(),
            wip: f.wip.clone(),
            wip_weight: f.wip_weight.clone(),
            capacity: f.capacity.clone(),
            aging: f
                .aging
                .iter()
                .map(|(lane, days)| (lane.clone(), *days.get_ref()))
                .collect(),
            planning_title: f.planning_title.clone(),
            replan_skip_lanes: f.replan_skip_lanes.clone(),
            absences: f
                .absence
                .iter()
                .filter_map(|a| {
                    Some(crate::core::domain::model::Absence {
                        user: a.user.trim_start_matches('@').to_owned(),
                        from: a.from.day()?,
                        to: a.to.day()?,
                    })
                })
                .collect(),
            milestone_title: f.milestone_title.clone().unwrap_or_default(),
        }
    }

    /// Where `planning_template` is (relative to the config file's directory).
    pub fn planning_template_path(&self) -> Option<PathBuf> {
        let p = self.file.planning_template.as_ref()?;
        Some(if p.is_relative() {
            self.path.parent().map_or(p.clone(), |d| d.join(p))
        } else {
            p.clone()
        })
    }

    /// The text of `planning_template`, when set and readable (the board
    /// falls back to the built-in one; `glboard cadence` says why).
    pub fn planning_template_text(&self) -> Option<String> {
        std::fs::read_to_string(self.planning_template_path()?).ok()
    }

    /// `token_command`'s first line of output.
    pub fn token_from_command(&self) -> Result<SecretString, ConfigError> {
        let Some(cmd) = &self.file.token_command else {
            return Err(ConfigError::NoToken(self.path.clone()));
        };
        let out = run_with_deadline(
            Command::new("sh")
                .arg("-c")
                .arg(cmd)
                .stdin(std::process::Stdio::null())
                .stderr(std::process::Stdio::null()),
            token_command_timeout(),
        )
        .map_err(|e| ConfigError::TokenCommand(format!("`{cmd}`: {e}")))?;
        if !out.status.success() {
            // Its output may hold a partial secret: never show it.
            return Err(ConfigError::TokenCommand(format!(
                "`{cmd}` exited with {}",
                out.status
            )));
        }
        let text = String::from_utf8(out.stdout).map_err(|_| {
            ConfigError::TokenCommand(format!("`{cmd}` printed something that is not text"))
        })?;
        match text.lines().next().map(str::trim) {
            Some(t) if !t.is_empty() => Ok(SecretString::from(t.to_owned())),
            _ => Err(ConfigError::TokenCommand(format!(
                "`{cmd}` printed nothing"
            ))),
        }
    }
}

/// How long `token_command` may take: `GLBOARD_TOKEN_COMMAND_TIMEOUT`
/// seconds, else 30 (enough to type a passphrase into a pinentry).
fn token_command_timeout() -> std::time::Duration {
    std::env::var("GLBOARD_TOKEN_COMMAND_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(
            std::time::Duration::from_secs(30),
            std::time::Duration::from_secs_f64,
        )
}

/// Run a command to its end, its output read, or kill it once `deadline`
/// passed (it stays in glboard's process group: a command that asks for a
/// passphrase on the terminal can still read it).
fn run_with_deadline(
    cmd: &mut Command,
    deadline: std::time::Duration,
) -> Result<std::process::Output, String> {
    use std::io::Read;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run it: {e}"))?;
    let mut stdout = child.stdout.take();
    let reading = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut out);
        }
        out
    });
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "gave no token within {}",
                    crate::gitlab::silence::seconds(deadline)
                ));
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    let stdout = reading.join().unwrap_or_default();
    Ok(std::process::Output {
        status,
        stdout,
        stderr: Vec::new(),
    })
}

/// Board order for discovered lanes: backlog, ready, doing, the others by
/// name, then done.
pub fn order_lanes(discovered: &[String], f: &FileConfig) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in [&f.backlog_lane, &f.ready_lane, &f.doing_lane] {
        if !out.contains(l) {
            out.push(l.clone());
        }
    }
    let mut others: Vec<&String> = discovered
        .iter()
        .filter(|l| !out.contains(l) && **l != f.done_lane)
        .collect();
    others.sort();
    others.dedup();
    out.extend(others.into_iter().cloned());
    if !out.contains(&f.done_lane) {
        out.push(f.done_lane.clone());
    }
    out
}

/// A commented starter file for `glboard init`.
pub fn starter(host: &str, group: &str) -> String {
    format!(
        r#"# glboard configuration. Every key is documented in the README.
# The token is never stored here: set GITLAB_TOKEN, or token_command below.

# GitLab instance (GITLAB_HOST overrides it).
host = "{host}"
# Full path of the group whose issues the boards show.
group = "{group}"

# Every team issue carries this label.
team_label = "team::Datastores"
# Lanes are the scoped labels <workflow_scope>::<lane>.
workflow_scope = "workflow-infra"
# Board order of the lanes. Remove to discover them from the group's labels.
lanes = ["Triage", "Ready", "In Progress", "Under Review", "Blocked", "Done", "Cancelled"]
backlog_lane = "Triage"
ready_lane = "Ready"
doing_lane = "In Progress"
done_lane = "Done"

# Titles of the team's iteration milestones start with this.
milestone_prefix = "Datastores team - "

# A command that prints the token, used when GITLAB_TOKEN is not set.
# token_command = "pass show gitlab/token"

# Seconds between background refreshes while the board is open (0: never).
refresh_seconds = 300

# Work-in-progress limits: a lane's header turns to a warning above it.
# [wip]
# "In Progress" = 6

# Days a card may sit in a lane before its age there turns to a warning.
# [aging]
# "In Progress" = 10

# Weight each member takes per iteration; the header compares it with the
# weight committed to the shown iteration.
# [capacity]
# akovacs = 8
# bwright = 8
"#
    )
}

/// Write the starter file, refusing to overwrite. Created 0600.
pub fn write_starter(path: &Path, host: &str, group: &str) -> Result<(), ConfigError> {
    let io = |e: std::io::Error| ConfigError::Unreadable {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    if path.exists() {
        return Err(ConfigError::Exists {
            path: path.to_owned(),
        });
    }
    if let Some(dir) = path.parent() {
        crate::fsutil::create_private_dir(dir).map_err(io)?;
    }
    crate::fsutil::write_private(path, starter(&normalize_host(host), group).as_bytes()).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> PathBuf {
        PathBuf::from("/home/u/.config/glboard/config.toml")
    }

    const GOOD: &str = r#"
group = "gitlab-com/gl-infra"
team_label = "team::Datastores"
workflow_scope = "workflow-infra"
milestone_prefix = "Datastores team - "
"#;

    #[cfg(unix)]
    #[test]
    fn a_command_past_its_deadline_is_killed_and_said() {
        let started = std::time::Instant::now();
        let e = run_with_deadline(
            Command::new("sh").arg("-c").arg("sleep 100"),
            std::time::Duration::from_millis(200),
        )
        .unwrap_err();
        assert_eq!(e, "gave no token within 0.2 s");
        assert!(started.elapsed() < std::time::Duration::from_secs(100));
        let out = run_with_deadline(
            Command::new("sh").arg("-c").arg("echo glpat-x"),
            std::time::Duration::from_secs(30),
        )
        .unwrap();
        assert_eq!(out.stdout, b"glpat-x\n");
    }

    #[test]
    fn keys_and_commands_are_checked_with_their_lines() {
        let ok = format!(
            "{GOOD}\n[keys.board]\ntake = \"T\"\nmove-card-top = [\"gT\"]\n\n[[commands]]\nkey = \"gb\"\ntitle = \"branch\"\ncommand = \"git switch -c {{branch}}\"\ninteractive = true\n"
        );
        let c = parse(&p(), &ok, None).unwrap();
        assert_eq!(
            c.keymap.keys_of(
                crate::core::app::keymap::Context::Board,
                crate::core::app::command::Command::Take
            ),
            Some("T")
        );
        assert_eq!(c.commands.len(), 1);
        assert!(c.commands[0].interactive);
        // A key another action has: both named, and the line.
        let bad = format!("{GOOD}\n[keys.board]\ntake = \"j\"\n");
        let line = bad.lines().position(|l| l.starts_with("take")).unwrap() + 1;
        let err = parse(&p(), &bad, None).unwrap_err().to_string();
        assert!(err.contains(&format!("config.toml:{line}:")), "{err}");
        assert!(err.contains("take") && err.contains("next card"), "{err}");
        // An unclosed key name is a mistake named with its line, not the
        // keys <, C, -, q (issue #28); a lone < is the key itself.
        let bad = format!("{GOOD}\n[keys.board]\ntake = \"<C-q\"\n");
        let line = bad.lines().position(|l| l.starts_with("take")).unwrap() + 1;
        let err = parse(&p(), &bad, None).unwrap_err().to_string();
        assert!(err.contains(&format!("config.toml:{line}:")), "{err}");
        assert!(err.contains("\"<C-q\" is not a key"), "{err}");
        let ok = format!("{GOOD}\n[keys.board]\ntake = \"<\"\n");
        assert!(parse(&p(), &ok, None).is_ok());
        // A command's key in the way of a binding, an unknown placeholder.
        let bad = format!("{GOOD}\n[[commands]]\nkey = \"t\"\ntitle = \"x\"\ncommand = \"echo\"\n");
        let err = parse(&p(), &bad, None).unwrap_err().to_string();
        assert!(err.contains("conflicts with take"), "{err}");
        let bad = format!(
            "{GOOD}\n[[commands]]\nkey = \"Z\"\ntitle = \"x\"\ncommand = \"echo {{titel}}\"\n"
        );
        let err = parse(&p(), &bad, None).unwrap_err().to_string();
        assert!(err.contains("unknown placeholder {titel}"), "{err}");
    }

    #[test]
    fn a_capacity_member_the_group_lacks_is_a_warning_naming_its_line() {
        let src = format!("{GOOD}[capacity]\nakovacs = 8\nnobody = 5\n");
        let c = parse(&p(), &src, None).unwrap();
        let line = src.lines().position(|l| l.starts_with("nobody")).unwrap() + 1;
        let members = vec![crate::core::domain::model::User {
            id: 1,
            username: "akovacs".into(),
            name: "A".into(),
        }];
        let w = c.capacity_warnings(&members);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains(&format!("config.toml:{line})")), "{w:?}");
        assert!(
            w[0].starts_with("[capacity] nobody is not a member"),
            "{w:?}"
        );
        // Before the first sync nobody is known: nothing said.
        assert!(c.capacity_warnings(&[]).is_empty());
    }

    #[test]
    fn theme_and_styles_are_checked() {
        let ok = format!(
            "{GOOD}theme = \"light\"\n[styles]\nreference = \"magenta bold\"\nselection = \"on light-blue\"\n"
        );
        let c = parse(&p(), &ok, None).unwrap();
        assert_eq!(c.file.theme, crate::tui::theme::ThemeChoice::Light);
        assert_eq!(c.styles.len(), 2);
        let bad = format!("{GOOD}theme = \"sepia\"\n");
        let err = parse(&p(), &bad, None).unwrap_err().to_string();
        assert!(
            err.contains(":6:") && err.contains("theme = \"sepia\": dark, light or auto"),
            "{err}"
        );
        let bad = format!("{GOOD}[styles]\nreference = \"puce\"\n");
        let err = parse(&p(), &bad, None).unwrap_err().to_string();
        assert!(err.contains(":7:") && err.contains("not a colour"), "{err}");
        let bad = format!("{GOOD}[styles]\nbackground = \"red\"\n");
        assert!(
            parse(&p(), &bad, None)
                .unwrap_err()
                .to_string()
                .contains("no such style")
        );
    }

    #[test]
    fn the_starter_file_parses() {
        let c = parse(
            &p(),
            &starter("https://gitlab.example.com", "grp/sub"),
            None,
        )
        .unwrap();
        assert_eq!(c.host, "https://gitlab.example.com");
        assert_eq!(c.file.group, "grp/sub");
        assert_eq!(c.team(&[]).lanes.len(), 7);
    }

    #[test]
    fn defaults_fill_what_is_missing() {
        let c = parse(&p(), GOOD, None).unwrap();
        assert_eq!(c.host, "https://gitlab.com");
        assert_eq!(c.file.doing_lane, "In Progress");
        assert_eq!(c.file.lanes, None);
    }

    #[test]
    fn unknown_keys_name_the_file_line_and_key() {
        let src = format!("{GOOD}colour = \"red\"\n");
        let err = parse(&p(), &src, None).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("/home/u/.config/glboard/config.toml:6:"),
            "{msg}"
        );
        assert!(msg.contains("colour"), "{msg}");
    }

    #[test]
    fn wrong_types_and_missing_group_are_named() {
        let src = GOOD.replace("team_label = \"team::Datastores\"", "team_label = 3");
        let msg = parse(&p(), &src, None).unwrap_err().to_string();
        assert!(
            msg.contains(":3:") && msg.contains("team_label") || msg.contains("string"),
            "{msg}"
        );
        let src = GOOD.replace("group = \"gitlab-com/gl-infra\"", "");
        let msg = parse(&p(), &src, None).unwrap_err().to_string();
        assert!(msg.contains("group"), "{msg}");
    }

    #[test]
    fn wip_limits_and_capacity_are_tables() {
        let src = format!(
            "{GOOD}[wip]\n\"In Progress\" = 6\n[wip_weight]\n\"In Progress\" = 20\n[capacity]\nakovacs = 8\nbwright = 5\n"
        );
        let c = parse(&p(), &src, None).unwrap();
        let t = c.team(&[]);
        assert_eq!(t.wip.get("In Progress"), Some(&6));
        assert_eq!(t.wip_weight.get("In Progress"), Some(&20));
        assert_eq!(t.capacity.values().sum::<u32>(), 13);
        // [aging]: days per lane; a lane the board lacks is a warning with
        // its line.
        let src = format!("{GOOD}[aging]\n\"In Progress\" = 10\n\"Doing\" = 3\n");
        let c = parse(&p(), &src, None).unwrap();
        assert_eq!(c.team(&[]).aging.get("In Progress"), Some(&10));
        let lanes: Vec<String> = ["Triage", "Ready", "In Progress", "Done"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let w = c.aging_warnings(&lanes);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("config.toml:8:") && w[0].contains("\"Doing\" is not a lane"),
            "{w:?}"
        );
        // A saved view naming a lane the board lacks: said the same way.
        let src = format!("{GOOD}[views.mine]\nlanes = [\"Ready\", \"Doing\", \"closed\"]\n");
        let c = parse(&p(), &src, None).unwrap();
        let w = c.aging_warnings(&lanes);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("[views.mine]") && w[0].contains("\"Doing\" is not a lane"),
            "{w:?}"
        );
        let bad = format!("{GOOD}[wip]\n\"In Progress\" = \"six\"\n");
        let msg = parse(&p(), &bad, None).unwrap_err().to_string();
        assert!(
            msg.contains("config.toml:7:") && msg.contains("invalid type"),
            "{msg}"
        );
    }

    #[test]
    fn lane_roles_must_be_lanes() {
        let src = format!("{GOOD}lanes = [\"Todo\", \"Doing\"]\n");
        let msg = parse(&p(), &src, None).unwrap_err().to_string();
        assert!(msg.contains("backlog_lane"), "{msg}");
    }

    #[test]
    fn gitlab_host_overrides_and_plain_http_only_to_loopback() {
        let c = parse(&p(), GOOD, Some("http://127.0.0.1:8080/")).unwrap();
        assert_eq!(c.host, "http://127.0.0.1:8080");
        assert!(parse(&p(), GOOD, Some("http://localhost:1")).is_ok());
        assert!(parse(&p(), GOOD, Some("http://[::1]:1")).is_ok());
        assert!(parse(&p(), GOOD, Some("gitlab.example.com")).is_ok());
        let err = parse(&p(), GOOD, Some("http://gitlab.example.com")).unwrap_err();
        assert_eq!(
            err,
            ConfigError::InsecureHost(crate::gitlab::InsecureHost(
                "http://gitlab.example.com".into()
            ))
        );
        assert!(check_host("http://localhost.evil.com").is_err());
        assert!(check_host("http://127.0.0.1.evil.com").is_err());
        assert!(check_host("http://127.0.0.1:3000/gitlab").is_ok());
    }

    #[test]
    fn insecure_http_only_when_asked_and_then_with_a_warning() {
        let src = format!("{GOOD}allow_insecure_http = true\n");
        let c = parse(&p(), &src, Some("http://gitlab.internal")).unwrap();
        assert_eq!(c.host, "http://gitlab.internal");
        assert!(c.warnings[0].contains("clear text"));
        assert!(parse(&p(), GOOD, Some("http://gitlab.internal")).is_err());
        assert!(parse(&p(), GOOD, None).unwrap().warnings.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_world_writable_config_with_token_command_is_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            format!("{GOOD}token_command = \"pass show gitlab\"\n"),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(
            load(&path)
                .unwrap()
                .warnings
                .iter()
                .any(|w| w.contains("chmod 600"))
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(load(&path).unwrap().warnings.is_empty());
    }

    #[test]
    fn discovered_lanes_are_put_in_workflow_order() {
        let c = parse(&p(), GOOD, None).unwrap();
        let found: Vec<String> = [
            "Done",
            "Blocked",
            "Triage",
            "In Progress",
            "Ready",
            "Cancelled",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            c.team(&found).lanes,
            [
                "Triage",
                "Ready",
                "In Progress",
                "Blocked",
                "Cancelled",
                "Done"
            ]
            .map(String::from)
            .to_vec()
        );
    }
}
