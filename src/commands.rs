//! The command-line adapter: every action without the UI. `print` reads the
//! cache; actions go through the same outbox as the UI and report GitLab's
//! answer with an exit code: 0 done, 1 refused, 2 usage or configuration,
//! 75 queued (GitLab unreachable, or rate-limited for more than 5 minutes).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use secrecy::SecretString;

use crate::cli::{BoardArg, Cli, Format, PendingAction};
use crate::config::{self, Config, ConfigError};
use crate::core::board::{self, BoardKind, BoardSpec, SortMode};
use crate::core::edit::{self, Change, Edit, Seen};
use crate::core::iteration;
use crate::core::model::{Issue, Milestone, MilestoneState, TeamConfig, User, Workspace};
use crate::gitlab::{Client, GitlabError, RetryPolicy};
use crate::outbox;
use crate::report::Report;
use crate::store::{self, Snapshot, Store};
use crate::sync::{Syncer, Target};

pub const EX_OK: u8 = 0;
pub const EX_FAILURE: u8 = 1;
pub const EX_USAGE: u8 = 2;
/// EX_TEMPFAIL: queued, or retry later.
pub const EX_TEMPFAIL: u8 = 75;

/// A command's failure: an exit code and what to tell the user.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

fn fail(code: u8, message: impl Into<String>) -> Failure {
    Failure {
        code,
        message: message.into(),
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        fail(EX_USAGE, e.to_string())
    }
}

impl From<store::StoreError> for Failure {
    fn from(e: store::StoreError) -> Self {
        fail(EX_FAILURE, e.to_string())
    }
}

/// A rate limit longer than this makes a command give up with 75.
pub const MAX_CLI_WAIT: Duration = Duration::from_secs(300);

fn cli_policy() -> RetryPolicy {
    RetryPolicy {
        max_rate_wait: MAX_CLI_WAIT,
        ..RetryPolicy::default()
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(EX_FAILURE, format!("cannot start: {e}")))
}

/// The live workspace's pieces, opened lazily.
pub struct Live {
    pub cfg: Config,
    pub store_path: PathBuf,
}

impl Live {
    /// The configuration (a missing default file is `None`: the demo).
    pub fn open(cli: &Cli) -> Result<Option<Live>, Failure> {
        let path = match cli.config.clone().or_else(config::default_path) {
            Some(p) => p,
            None => return Ok(None),
        };
        let cfg = match config::load(&path) {
            Ok(c) => c,
            Err(ConfigError::Missing(_)) if cli.config.is_none() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let dirs = directories::ProjectDirs::from("", "", "glboard")
            .ok_or_else(|| fail(EX_FAILURE, "no cache directory"))?;
        let store_path = store::path_for(dirs.cache_dir(), &cfg.host, &cfg.file.group);
        Ok(Some(Live { cfg, store_path }))
    }

    pub fn token(&self) -> Result<SecretString, Failure> {
        Ok(self.cfg.token()?)
    }

    pub fn client(&self) -> Result<Client, Failure> {
        let token = self.token()?;
        for w in &self.cfg.warnings {
            eprintln!("glboard: warning: {w}");
        }
        Client::for_config(&self.cfg, &token, cli_policy())
            .map_err(|e| fail(EX_USAGE, e.to_string()))
    }

    pub fn target(&self) -> Target {
        Target {
            group: self.cfg.file.group.clone(),
            team: self.cfg.team(&[]),
            lanes_configured: self.cfg.file.lanes.is_some(),
        }
    }

    pub fn store(&self) -> Result<Store, Failure> {
        let (store, warning) = Store::open_or_set_aside(&self.store_path)?;
        if let Some(w) = warning {
            eprintln!("glboard: warning: {w}");
        }
        Ok(store)
    }

    /// The cache for reading: read-only, with a warning, when the disk is
    /// full or read-only and it cannot be opened for writing.
    pub fn store_for_reading(&self) -> Result<Store, Failure> {
        match Store::open_or_set_aside(&self.store_path) {
            Ok((store, warning)) => {
                if let Some(w) = warning {
                    eprintln!("glboard: warning: {w}");
                }
                Ok(store)
            }
            Err(store::StoreError::Db { reason, .. })
                if store::is_disk_fault(&reason)
                    && let Ok(store) = Store::open_read_only(&self.store_path) =>
            {
                eprintln!(
                    "glboard: warning: the cache cannot be written ({reason}); showing it read-only"
                );
                Ok(store)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The team with the lanes to show (configured, or discovered at the last sync).
    pub fn team(&self, snap: &Snapshot) -> TeamConfig {
        self.cfg.team(&snap.meta.lanes)
    }
}

/// Sync now: send pending changes, then refresh the cache.
fn sync_now(live: &Live, today: chrono::NaiveDate, progress: bool) -> Result<Snapshot, Failure> {
    let rt = runtime()?;
    let client = live.client()?;
    let mut store = live.store()?;
    let snap = store.load()?.unwrap_or_default();
    let team = live.team(&snap);
    let me = snap.ws.me.clone();
    let flushed = rt.block_on(outbox::flush(&client, &mut store, &team, me.as_ref()))?;
    report_flush(&flushed);
    let mut syncer =
        Syncer::new(client, store, live.target()).map_err(|e| fail(EX_FAILURE, e.to_string()))?;
    let shown = iteration::pick(&syncer.snap.ws.milestones, &team, today).current;
    let bar = progress && std::io::stderr().is_terminal();
    let show = move |fetched: usize, total: Option<u64>| {
        if bar {
            let t = total.map(|t| format!("/{t}")).unwrap_or_default();
            eprint!("\r\x1b[2Ksyncing… {fetched}{t} issues");
        }
    };
    let result = rt.block_on(syncer.sync(Utc::now(), shown, &show));
    if bar {
        eprint!("\r\x1b[2K");
    }
    match result {
        Ok(r) => {
            if progress {
                eprintln!(
                    "synced: {} issues fetched in {} requests",
                    r.fetched, r.requests
                );
            }
            Ok(syncer.snap)
        }
        Err(crate::sync::SyncError::Gitlab(e)) => Err(gitlab_failure(e)),
        Err(e) => Err(fail(EX_FAILURE, e.to_string())),
    }
}

fn gitlab_failure(e: GitlabError) -> Failure {
    match &e {
        GitlabError::RateLimited { .. } => fail(EX_TEMPFAIL, e.to_string()),
        e if e.is_transient() => fail(EX_TEMPFAIL, e.to_string()),
        GitlabError::Unauthorized | GitlabError::Setup(_) => fail(EX_USAGE, e.to_string()),
        _ => fail(EX_FAILURE, e.to_string()),
    }
}

fn report_flush(o: &outbox::BatchOutcome) {
    for (_, issue) in &o.sent {
        eprintln!("sent: change to #{}", issue.iid);
    }
    for (id, reason, _) in &o.refused {
        eprintln!("refused: change {id}: {reason} (see glboard pending)");
    }
}

/// `glboard sync`.
pub fn sync(cli: &Cli) -> Result<u8, Failure> {
    let Some(live) = Live::open(cli)? else {
        return Err(fail(
            EX_USAGE,
            "no configuration: run glboard init first (the demo has nothing to sync)",
        ));
    };
    let snap = sync_now(&live, cli.today(), true)?;
    // Changes queued meanwhile (by another glboard) go too. Only what
    // this run could not send makes it exit 75.
    let mut store = live.store()?;
    let client = live.client()?;
    let team = live.team(&snap);
    let flushed = runtime()?.block_on(outbox::flush(
        &client,
        &mut store,
        &team,
        snap.ws.me.as_ref(),
    ))?;
    report_flush(&flushed);
    if let Some(e) = flushed.waiting {
        let queued = store.outbox_queued()?.len();
        return Err(fail(
            EX_TEMPFAIL,
            format!("{queued} changes still queued: {e}"),
        ));
    }
    Ok(EX_OK)
}

/// What `print` prints from.
struct BoardData {
    ws: Workspace,
    team: TeamConfig,
    synced_at: Option<chrono::DateTime<Utc>>,
    pending: usize,
    failed: usize,
}

/// The workspace and team to print from: the cache (only the printed
/// board's issues), or the demo.
fn load_board_data(
    cli: &Cli,
    refresh: bool,
    kind: BoardKind,
    milestone: &str,
) -> Result<BoardData, Failure> {
    let today = cli.today();
    let Some(live) = Live::open(cli)? else {
        let (ws, team) = crate::demo::load(today);
        return Ok(BoardData {
            ws,
            team,
            synced_at: None,
            pending: 0,
            failed: 0,
        });
    };
    let (snap, store) = if refresh {
        (sync_now(&live, today, false)?, live.store()?)
    } else {
        let store = live.store_for_reading()?;
        // Milestones first (no issues), then only the printed board's issues.
        let Some(lists) = store.load_with(store::IssueFilter::Milestone(0))? else {
            return Err(fail(
                EX_FAILURE,
                "no cached data yet: run `glboard sync` (or `glboard print --refresh`)",
            ));
        };
        let filter = match kind {
            BoardKind::Backlog | BoardKind::Planning => store::IssueFilter::Open,
            BoardKind::Iteration => {
                match find_milestone(&lists.ws.milestones, &live.team(&lists), today, milestone) {
                    Ok(m) => store::IssueFilter::Milestone(m.id),
                    Err(_) => store::IssueFilter::All,
                }
            }
        };
        (store.load_with(filter)?.unwrap_or(lists), store)
    };
    let pending = store.outbox_queued()?;
    let failed = store.outbox_failed()?.len();
    let team = live.team(&snap);
    let mut ws = snap.ws;
    let members = ws.members.clone();
    for c in &pending {
        if let Some(i) = ws.issues.iter_mut().find(|i| i.id == c.issue) {
            edit::apply(i, &c.edit, &members);
        }
    }
    Ok(BoardData {
        ws,
        team,
        synced_at: snap.meta.synced_at,
        pending: pending.len(),
        failed,
    })
}

/// Find a milestone by `current`, `next`, or its title (exact, the short
/// title after the prefix, or a unique case-insensitive part).
pub fn find_milestone<'a>(
    ms: &'a [Milestone],
    team: &TeamConfig,
    today: chrono::NaiveDate,
    what: &str,
) -> Result<&'a Milestone, Failure> {
    let pick = iteration::pick(ms, team, today);
    let by_id = |id: Option<u64>, name: &str| {
        id.and_then(|id| ms.iter().find(|m| m.id == id))
            .ok_or_else(|| fail(EX_FAILURE, format!("the team has no {name} iteration")))
    };
    match what.to_lowercase().as_str() {
        "current" => return by_id(pick.current, "current"),
        "next" => return by_id(pick.next, "next"),
        _ => {}
    }
    if let Some(m) = ms
        .iter()
        .find(|m| m.title == what || team.short_milestone_title(m) == what)
    {
        return Ok(m);
    }
    let needle = what.to_lowercase();
    let found: Vec<&Milestone> = ms
        .iter()
        .filter(|m| m.title.to_lowercase().contains(&needle))
        .collect();
    match found.as_slice() {
        [m] => Ok(m),
        [] => Err(fail(EX_FAILURE, format!("no milestone matches {what:?}"))),
        many => Err(fail(
            EX_FAILURE,
            format!(
                "{what:?} matches several milestones: {}",
                many.iter()
                    .map(|m| m.title.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// `glboard print`.
#[allow(clippy::too_many_arguments)]
pub fn print(
    cli: &Cli,
    board_arg: BoardArg,
    milestone: &str,
    lanes: &[String],
    mine: bool,
    format: Format,
    refresh: bool,
) -> Result<u8, Failure> {
    let today = cli.today();
    let kind = match board_arg {
        BoardArg::Backlog => BoardKind::Backlog,
        BoardArg::Iteration => BoardKind::Iteration,
    };
    let BoardData {
        ws,
        team,
        synced_at,
        pending,
        failed,
    } = load_board_data(cli, refresh, kind, milestone)?;
    let ms = match kind {
        BoardKind::Iteration | BoardKind::Planning => {
            Some(find_milestone(&ws.milestones, &team, today, milestone)?)
        }
        BoardKind::Backlog => None,
    };
    let mut layout = board::layout(
        &ws,
        BoardSpec {
            kind,
            team: &team,
            milestone: ms.map(|m| m.id),
            filter: "",
            sort: SortMode::Manual,
        },
    );
    if !lanes.is_empty() {
        let wanted: Vec<String> = lanes.iter().map(|l| l.to_lowercase()).collect();
        let unknown: Vec<&String> = lanes
            .iter()
            .filter(|l| {
                !layout
                    .columns
                    .iter()
                    .any(|c| c.title.eq_ignore_ascii_case(l))
            })
            .collect();
        if !unknown.is_empty() {
            let names: Vec<&str> = layout.columns.iter().map(|c| c.title.as_str()).collect();
            return Err(fail(
                EX_USAGE,
                format!("no lane {:?}; lanes: {}", unknown[0], names.join(", ")),
            ));
        }
        layout
            .columns
            .retain(|c| wanted.contains(&c.title.to_lowercase()));
    }
    if mine {
        let Some(me) = ws.me.as_ref().map(|u| u.id) else {
            return Err(fail(
                EX_FAILURE,
                "who you are is not known yet: run `glboard sync`",
            ));
        };
        for c in &mut layout.columns {
            c.cards
                .retain(|k| ws.issues[k.issue].assignees.iter().any(|u| u.id == me));
            c.weight = c
                .cards
                .iter()
                .filter_map(|k| ws.issues[k.issue].weight)
                .sum();
        }
    }
    let report = Report {
        ws: &ws,
        team: &team,
        layout: &layout,
        milestone: ms,
        today,
        synced_at,
        now: Utc::now(),
        pending,
        failed,
    };
    let tty = std::io::stdout().is_terminal();
    let out = match format {
        Format::Plain => {
            let width = if tty {
                crossterm::terminal::size()
                    .map(|(w, _)| w as usize)
                    .unwrap_or(100)
            } else {
                100
            };
            let color = tty
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb");
            report.plain(width, color)
        }
        Format::Markdown => report.markdown(),
        Format::Json => report.json(),
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    Ok(EX_OK)
}

/// Find an issue by `group/project#123`, `project#123`, `#123` or `123`.
pub fn resolve<'a>(
    ws: &'a Workspace,
    team: &TeamConfig,
    reference: &str,
) -> Result<&'a Issue, Failure> {
    let r = reference.trim();
    let (project, iid) = match r.rsplit_once('#') {
        Some((p, n)) => (Some(p.trim()).filter(|p| !p.is_empty()), n),
        None => (None, r),
    };
    let iid: u64 = iid.trim().parse().map_err(|_| {
        fail(
            EX_USAGE,
            format!("{reference:?} is not an issue reference (like #123 or group/project#123)"),
        )
    })?;
    let candidates: Vec<&Issue> = ws
        .issues
        .iter()
        .filter(|i| i.iid == iid && i.has_label(&team.team_label))
        .filter(|i| match project {
            None => true,
            Some(p) => ws.project(i.project_id).is_some_and(|pr| {
                pr.path == p || pr.name() == p || pr.path.ends_with(&format!("/{p}"))
            }),
        })
        .collect();
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(fail(
            EX_FAILURE,
            format!("no team issue {reference} in the cache (glboard sync refreshes it)"),
        )),
        many => Err(fail(
            EX_USAGE,
            format!(
                "{reference} is ambiguous; say which: {}",
                many.iter()
                    .map(|i| board::full_ref(ws, i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// What an action command asks.
pub enum Act {
    Promote { to: String },
    Take,
    Move { lane: String },
    Assign { users: Vec<String> },
    Unassign { users: Vec<String> },
    Milestone { milestone: String },
    Weight { weight: String },
    Close,
    Reopen,
}

fn find_user<'a>(ws: &'a Workspace, name: &str) -> Result<&'a User, Failure> {
    let n = name.trim_start_matches('@');
    ws.members
        .iter()
        .find(|u| u.username.eq_ignore_ascii_case(n))
        .ok_or_else(|| fail(EX_USAGE, format!("no member @{n} in the group")))
}

fn build(
    act: &Act,
    ws: &Workspace,
    team: &TeamConfig,
    issue: &Issue,
    today: chrono::NaiveDate,
) -> Result<(Edit, String), Failure> {
    let r = board::full_ref(ws, issue);
    let me = || {
        ws.me.as_ref().ok_or_else(|| {
            fail(
                EX_FAILURE,
                "who you are is not known yet: run `glboard sync`",
            )
        })
    };
    Ok(match act {
        Act::Promote { to } => {
            let m = find_milestone(&ws.milestones, team, today, to)?;
            (
                edit::promote(issue, team, m.id),
                format!("{r} promoted to {}, {}", m.title, team.ready_lane),
            )
        }
        Act::Take => {
            let me = me()?;
            let current = iteration::pick(&ws.milestones, team, today).current;
            let in_backlog = team.lanes_of(issue).contains(&team.backlog_lane.as_str());
            (
                edit::take(issue, team, me.id, current, in_backlog),
                format!("{r} taken by @{}, {}", me.username, team.doing_lane),
            )
        }
        Act::Move { lane } => {
            let Some(l) = team.lanes.iter().find(|l| l.eq_ignore_ascii_case(lane)) else {
                return Err(fail(
                    EX_USAGE,
                    format!("no lane {lane:?}; lanes: {}", team.lanes.join(", ")),
                ));
            };
            let mut e = edit::to_lane(issue, team, Some(l));
            if !issue.is_open() {
                e.state = Some(crate::core::model::IssueState::Opened);
            }
            (e, format!("{r} → {l}"))
        }
        Act::Assign { users } => {
            let ids = users
                .iter()
                .map(|u| find_user(ws, u).map(|u| u.id))
                .collect::<Result<Vec<_>, _>>()?;
            let add: Vec<u64> = ids
                .into_iter()
                .filter(|id| !issue.assignees.iter().any(|u| u.id == *id))
                .collect();
            (
                Edit {
                    assign: add,
                    ..Edit::default()
                },
                format!("{r} assigned to {}", users.join(" ")),
            )
        }
        Act::Unassign { users } => {
            let ids: Vec<u64> = if users.is_empty() {
                vec![me()?.id]
            } else {
                users
                    .iter()
                    .map(|u| find_user(ws, u).map(|u| u.id))
                    .collect::<Result<Vec<_>, _>>()?
            };
            let rm: Vec<u64> = ids
                .into_iter()
                .filter(|id| issue.assignees.iter().any(|u| u.id == *id))
                .collect();
            (
                Edit {
                    unassign: rm,
                    ..Edit::default()
                },
                format!("{r} unassigned"),
            )
        }
        Act::Milestone { milestone } => {
            if milestone.eq_ignore_ascii_case("none") {
                let e = if issue.milestone_id.is_none() {
                    Edit::default()
                } else {
                    Edit {
                        milestone: Some(None),
                        ..Edit::default()
                    }
                };
                (e, format!("{r}: milestone cleared"))
            } else {
                let m = find_milestone(&ws.milestones, team, today, milestone)?;
                if m.state == MilestoneState::Closed {
                    return Err(fail(EX_FAILURE, format!("{} is closed", m.title)));
                }
                let e = if issue.milestone_id == Some(m.id) {
                    Edit::default()
                } else {
                    Edit {
                        milestone: Some(Some(m.id)),
                        ..Edit::default()
                    }
                };
                (e, format!("{r} → milestone {}", m.title))
            }
        }
        Act::Weight { weight } => {
            let w = if weight.eq_ignore_ascii_case("none") {
                None
            } else {
                Some(weight.parse::<u32>().map_err(|_| {
                    fail(
                        EX_USAGE,
                        format!("weight {weight:?}: a whole number, or none"),
                    )
                })?)
            };
            let e = if issue.weight == w {
                Edit::default()
            } else {
                Edit {
                    weight: Some(w),
                    ..Edit::default()
                }
            };
            (
                e,
                format!("{r} weight {}", w.map_or("none".into(), |w| w.to_string())),
            )
        }
        Act::Close => {
            let e = if issue.is_open() {
                Edit {
                    state: Some(crate::core::model::IssueState::Closed),
                    ..Edit::default()
                }
            } else {
                Edit::default()
            };
            (e, format!("{r} closed"))
        }
        Act::Reopen => {
            let e = if issue.is_open() {
                Edit::default()
            } else {
                Edit {
                    state: Some(crate::core::model::IssueState::Opened),
                    ..Edit::default()
                }
            };
            (e, format!("{r} reopened"))
        }
    })
}

/// Run an action: queue it in the outbox, send the queue, report.
pub fn act(cli: &Cli, reference: &str, act: Act) -> Result<u8, Failure> {
    let today = cli.today();
    let Some(live) = Live::open(cli)? else {
        return Err(fail(
            EX_USAGE,
            "no configuration: run glboard init first (actions need GitLab)",
        ));
    };
    let client = live.client()?;
    let not_made = |e: store::StoreError| {
        fail(
            EX_FAILURE,
            format!("{e}\nthe change was not made: it is neither saved nor sent"),
        )
    };
    let mut store = match Store::open_or_set_aside(&live.store_path) {
        Ok((store, warning)) => {
            if let Some(w) = warning {
                eprintln!("glboard: warning: {w}");
            }
            store
        }
        Err(e) => return Err(not_made(e)),
    };
    let snap = match store.load()? {
        Some(s) => s,
        None => sync_now(&live, today, false)?,
    };
    let team = live.team(&snap);
    let mut ws = snap.ws;
    for c in store.outbox_queued()? {
        if let Some(i) = ws.issues.iter_mut().find(|i| i.id == c.issue) {
            let members = ws.members.clone();
            edit::apply(i, &c.edit, &members);
        }
    }
    let issue = resolve(&ws, &team, reference)?.clone();
    let (e, summary) = build(&act, &ws, &team, &issue, today)?;
    if e.is_empty() {
        println!("nothing to change: {}", board::full_ref(&ws, &issue));
        return Ok(EX_OK);
    }
    let change = Change {
        id: Utc::now().timestamp_millis() as u64 * 1000 + u64::from(std::process::id() % 1000),
        issue: issue.id,
        project: issue.project_id,
        iid: issue.iid,
        seen: Seen::of(&issue, &team),
        edit: e,
        summary: summary.clone(),
    };
    store.outbox_add(&change).map_err(not_made)?;
    let rt = runtime()?;
    let me = ws.me.clone();
    let outcome = rt.block_on(outbox::flush(&client, &mut store, &team, me.as_ref()))?;
    if outcome.sent.iter().any(|(id, _)| *id == change.id) {
        println!("{summary}");
        return Ok(EX_OK);
    }
    if let Some((_, reason, _)) = outcome.refused.iter().find(|(id, _, _)| *id == change.id) {
        return Err(fail(
            EX_FAILURE,
            format!(
                "GitLab refused: {reason} (glboard pending discard {} drops it)",
                change.id
            ),
        ));
    }
    if outcome.waiting == Some(GitlabError::Unauthorized) {
        return Err(fail(
            EX_USAGE,
            "GitLab rejects the token (401): the change is kept in the queue and goes once GITLAB_TOKEN works (glboard sync)",
        ));
    }
    let why = outcome
        .waiting
        .map_or("an earlier change is waiting".to_owned(), |e| e.to_string());
    Err(fail(
        EX_TEMPFAIL,
        format!("queued, not sent yet: {why}. glboard or `glboard sync` will send it."),
    ))
}

/// `glboard pending [retry|discard ID]`.
pub fn pending(cli: &Cli, action: Option<PendingAction>, id: Option<u64>) -> Result<u8, Failure> {
    let Some(live) = Live::open(cli)? else {
        println!("no pending changes (demo)");
        return Ok(EX_OK);
    };
    let store = if action.is_none() {
        live.store_for_reading()?
    } else {
        live.store()?
    };
    match (action, id) {
        (None, _) => {
            let queued = store.outbox_queued()?;
            let failed = store.outbox_failed()?;
            if queued.is_empty() && failed.is_empty() {
                println!("no pending changes");
            }
            for c in &queued {
                println!("{}  queued   {}", c.id, c.summary);
            }
            for (c, reason) in &failed {
                println!("{}  refused  {}: {reason}", c.id, c.summary);
            }
            Ok(EX_OK)
        }
        (Some(_), None) => Err(fail(
            EX_USAGE,
            "which change? give its id (glboard pending lists them)",
        )),
        (Some(a), Some(id)) => {
            let Some((mut change, _)) =
                store.outbox_failed()?.into_iter().find(|(c, _)| c.id == id)
            else {
                return Err(fail(
                    EX_USAGE,
                    format!("no refused change {id} (glboard pending lists them)"),
                ));
            };
            match a {
                PendingAction::Discard => {
                    store.outbox_discard(id)?;
                    println!("discarded: {}", change.summary);
                    Ok(EX_OK)
                }
                PendingAction::Retry => {
                    // On top of what GitLab has now (the cache's view).
                    if let Some(snap) = store.load()?
                        && let Some(i) = snap.ws.issue(change.issue)
                    {
                        change.seen = Seen::of(i, &live.team(&snap));
                    }
                    store.outbox_add(&change)?;
                    println!("queued again: {} (sending…)", change.summary);
                    drop(store);
                    sync_now(&live, cli.today(), false).map(|_| EX_OK)
                }
            }
        }
    }
}

/// `glboard doctor`: each check as ok/fail with a fix.
pub fn doctor(cli: &Cli) -> Result<u8, Failure> {
    let mut bad = 0;
    let mut line = |ok: bool, what: &str, detail: String| {
        if !ok {
            bad += 1;
        }
        println!("{} {what}: {detail}", if ok { "ok  " } else { "FAIL" });
    };
    let live = match Live::open(cli) {
        Ok(Some(l)) => {
            line(
                true,
                "config",
                format!(
                    "{} (host {}, group {})",
                    l.cfg.path.display(),
                    l.cfg.host,
                    l.cfg.file.group
                ),
            );
            l
        }
        Ok(None) => {
            line(
                false,
                "config",
                "none found: run `glboard init --group PATH` (glboard shows the demo until then)"
                    .into(),
            );
            return Ok(EX_USAGE);
        }
        Err(f) => {
            line(false, "config", f.message);
            return Ok(EX_USAGE);
        }
    };
    let client = match live.client() {
        Ok(c) => {
            line(
                true,
                "token",
                "found (GITLAB_TOKEN or token_command)".into(),
            );
            Some(c)
        }
        Err(f) => {
            line(false, "token", f.message);
            None
        }
    };
    if let Some(client) = client {
        let rt = runtime()?;
        match rt.block_on(client.current_user()) {
            Ok(u) => line(
                true,
                "GitLab",
                format!("{} answers; the token is @{}'s", live.cfg.host, u.username),
            ),
            Err(e) => line(false, "GitLab", format!("{e}")),
        }
        match rt.block_on(client.group_labels(
            &live.cfg.file.group,
            &format!("{}::", live.cfg.file.workflow_scope),
        )) {
            Ok(l) => line(
                true,
                "group",
                format!(
                    "{} is visible; {} lane labels",
                    live.cfg.file.group,
                    l.len()
                ),
            ),
            Err(e) => line(false, "group", e.to_string()),
        }
    }
    match live.store().and_then(|s| {
        Ok((
            s.load()?,
            s.outbox_queued()?.len(),
            s.outbox_failed()?.len(),
        ))
    }) {
        Ok((snap, q, f)) => {
            match snap {
                Some(s) => line(
                    true,
                    "cache",
                    format!(
                        "{} ({} issues, synced {})",
                        live.store_path.display(),
                        s.ws.issues.len(),
                        s.meta
                            .synced_at
                            .map_or("never".into(), |t| crate::core::state::age(t, Utc::now()))
                    ),
                ),
                None => line(false, "cache", "empty: run `glboard sync`".into()),
            }
            line(
                f == 0,
                "pending changes",
                format!(
                    "{q} queued, {f} refused{}",
                    if f > 0 { " (glboard pending)" } else { "" }
                ),
            );
        }
        Err(e) => line(false, "cache", e.message),
    }
    Ok(if bad == 0 { EX_OK } else { EX_FAILURE })
}

/// `glboard replan`: every issue not Done of `from` to `to`, through the outbox.
pub fn replan(
    cli: &Cli,
    from: &str,
    to: &str,
    reset_lane: bool,
    dry_run: bool,
    yes: bool,
) -> Result<u8, Failure> {
    let today = cli.today();
    let Some(live) = Live::open(cli)? else {
        return Err(fail(
            EX_USAGE,
            "no configuration: run glboard init first (the demo has nothing to re-plan)",
        ));
    };
    let mut store = live.store()?;
    let snap = match store.load()? {
        Some(s) => s,
        None => sync_now(&live, today, false)?,
    };
    let team = live.team(&snap);
    let ws = &snap.ws;
    let from_m = find_milestone(&ws.milestones, &team, today, from)?.clone();
    let to_m = find_milestone(&ws.milestones, &team, today, to)?.clone();
    if from_m.id == to_m.id {
        return Err(fail(
            EX_USAGE,
            format!("from and to are both {}", from_m.title),
        ));
    }
    if to_m.state == MilestoneState::Closed {
        return Err(fail(EX_USAGE, format!("{} is closed", to_m.title)));
    }
    let plan = edit::replan(&ws.issues, &team, from_m.id, to_m.id, reset_lane);
    let verb = if dry_run { "would move" } else { "moving" };
    println!(
        "{verb} {} issues from {} to {}{}",
        plan.len(),
        from_m.title,
        to_m.title,
        if reset_lane {
            " (back to the ready lane)"
        } else {
            ""
        }
    );
    for (id, _) in &plan {
        if let Some(i) = ws.issue(*id) {
            let lane = team
                .lanes_of(i)
                .first()
                .map(|l| l.to_string())
                .unwrap_or_else(|| "no lane".into());
            println!("  {}  {}  [{lane}]", board::full_ref(ws, i), i.title);
        }
    }
    if dry_run || plan.is_empty() {
        return Ok(EX_OK);
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(fail(
                EX_USAGE,
                "not a terminal: add --yes to apply (or --dry-run to look)",
            ));
        }
        eprint!("apply? [y/N] ");
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !answer.trim().eq_ignore_ascii_case("y") {
            println!("nothing changed");
            return Ok(EX_OK);
        }
    }
    let base = Utc::now().timestamp_millis() as u64 * 1000;
    let mut ids = Vec::new();
    for (n, (id, e)) in plan.into_iter().enumerate() {
        let Some(i) = ws.issue(id) else { continue };
        let change = Change {
            id: base + n as u64,
            issue: id,
            project: i.project_id,
            iid: i.iid,
            seen: Seen::of(i, &team),
            summary: format!("{} → {}", board::full_ref(ws, i), to_m.title),
            edit: e,
        };
        store.outbox_add(&change)?;
        ids.push(change.id);
    }
    store.remember_milestone(to_m.id)?;
    let client = live.client()?;
    let rt = runtime()?;
    let me = ws.me.clone();
    let outcome = rt.block_on(outbox::flush(&client, &mut store, &team, me.as_ref()))?;
    let sent = outcome
        .sent
        .iter()
        .filter(|(id, _)| ids.contains(id))
        .count();
    let refused: Vec<_> = outcome
        .refused
        .iter()
        .filter(|(id, _, _)| ids.contains(id))
        .collect();
    println!(
        "{sent} of {} moved to {}; the board now follows {}",
        ids.len(),
        to_m.title,
        to_m.title
    );
    for (id, reason, _) in &refused {
        println!("  refused: change {id}: {reason}");
    }
    let queued = ids.len() - sent - refused.len();
    if queued > 0 {
        let why = outcome.waiting.map_or(String::new(), |e| format!(": {e}"));
        return Err(fail(
            EX_TEMPFAIL,
            format!("{queued} queued, not sent yet{why}; glboard or `glboard sync` will send them"),
        ));
    }
    Ok(if refused.is_empty() {
        EX_OK
    } else {
        EX_FAILURE
    })
}
