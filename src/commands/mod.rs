//! The command-line adapter: every action without the UI, one file per
//! command. `print` reads the cache (GitLab's state with the changes still
//! queued by any process on top); actions map their arguments onto the
//! core's workflow, go through the same outbox as the board and report
//! GitLab's answer with an exit code: 0 done, 1 refused, 2 usage or
//! configuration, 75 queued (GitLab unreachable, or rate-limited for more
//! than 5 minutes).

mod act;
mod auth;
mod cadence;
mod doctor;
mod init_board;
mod insights;
mod next;
mod pending;
mod planning;
mod print;
mod replan;
mod sync;

pub use act::{Act, act, comment_text};
pub use auth::auth;
pub use cadence::cadence;
pub use doctor::doctor;
pub use init_board::init_from_boards;
pub use insights::insights;
pub(crate) use insights::past_figures;
pub use next::next;
pub use pending::pending;
pub use planning::planning_summary;
pub use print::PrintFilter;
pub use print::{print, print_since};
pub use replan::replan;
pub use sync::sync;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use secrecy::SecretString;

use crate::cli::Cli;
use crate::config::{self, Config, ConfigError};
use crate::core::domain::board;
use crate::core::domain::iteration;
use crate::core::domain::model::{Issue, Milestone, TeamConfig, User, Workspace};
use crate::gitlab::{Client, GitlabError, RetryPolicy};
use crate::outbox;
use crate::store::{self, ChangeState, Snapshot, Store};
use crate::sync::{Syncer, Target};

/// The worse of two exit statuses, by README's rule for every command: a
/// usage error (2) over a failure (1) over "queued, retry later" (75) over
/// done (0). Never a numeric `max`, which would let 75 hide a 1 or a 2.
pub(crate) fn worst(a: u8, b: u8) -> u8 {
    let rank = |c: u8| match c {
        EX_USAGE => 3,
        EX_FAILURE => 2,
        EX_TEMPFAIL => 1,
        _ => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

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

pub(crate) fn fail(code: u8, message: impl Into<String>) -> Failure {
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

/// A rate limit longer than this makes a command give up with 75, unless
/// `GLBOARD_MAX_RATE_WAIT` (seconds) says less or more.
pub const MAX_CLI_WAIT: Duration = Duration::from_secs(300);

/// How long a command waits out a rate limit: `GLBOARD_MAX_RATE_WAIT`
/// seconds (a cron job that would rather try again later), else 5 minutes.
fn max_cli_wait() -> Duration {
    rate_wait(std::env::var("GLBOARD_MAX_RATE_WAIT").ok().as_deref())
}

/// `GLBOARD_MAX_RATE_WAIT`'s value as a wait: seconds (decimals allowed,
/// 0: never wait), else [`MAX_CLI_WAIT`].
fn rate_wait(value: Option<&str>) -> Duration {
    value
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(MAX_CLI_WAIT, Duration::from_secs_f64)
}

pub(crate) fn cli_policy() -> RetryPolicy {
    RetryPolicy {
        max_rate_wait: max_cli_wait(),
        ..RetryPolicy::default()
    }
}

/// The command's patience with GitLab, shared by every client it makes:
/// GitLab may stay silent for [`crate::gitlab::silence::budget`] from the
/// first one on (an answer renews it).
pub(crate) fn command_silence() -> std::sync::Arc<crate::gitlab::silence::Silence> {
    static SILENCE: std::sync::OnceLock<std::sync::Arc<crate::gitlab::silence::Silence>> =
        std::sync::OnceLock::new();
    SILENCE
        .get_or_init(|| {
            std::sync::Arc::new(crate::gitlab::silence::Silence::for_command(
                crate::gitlab::silence::budget(),
            ))
        })
        .clone()
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
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
        let cfg = match config::load_profile(&path, cli.profile.as_deref()) {
            Ok(c) => c,
            Err(ConfigError::Missing(_)) if cli.config.is_none() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let dirs = directories::ProjectDirs::from("", "", "glboard")
            .ok_or_else(|| fail(EX_FAILURE, "no cache directory"))?;
        // One cache per profile.
        let store_path = store::path_for_profile(
            dirs.cache_dir(),
            &cfg.host,
            &cfg.file.group,
            cfg.profile.as_deref(),
        );
        Ok(Some(Live { cfg, store_path }))
    }

    pub fn token(&self) -> Result<SecretString, Failure> {
        Ok(crate::credentials::find(&self.cfg)?.token)
    }

    pub fn client(&self) -> Result<Client, Failure> {
        let creds = crate::credentials::find(&self.cfg)?;
        for w in &self.cfg.warnings {
            eprintln!("glboard: warning: {w}");
        }
        Client::connect(crate::credentials::connection(
            &self.cfg,
            &creds,
            cli_policy(),
        ))
        .map(|c| c.with_silence(command_silence()))
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
        let team = self.cfg.team(&snap.meta.lanes);
        // An [aging] lane the board lacks: said once (lanes known).
        static AGING: std::sync::Once = std::sync::Once::new();
        if !team.lanes.is_empty() {
            AGING.call_once(|| {
                for w in self.cfg.aging_warnings(&team.lanes) {
                    eprintln!("glboard: warning: {w}");
                }
            });
        }
        team
    }

    /// The cache as the user sees it (synced first when it is empty):
    /// GitLab's state with every change still queued on top, and the team.
    pub fn seen(
        &self,
        store: &Store,
        today: chrono::NaiveDate,
    ) -> Result<(Workspace, TeamConfig), Failure> {
        let snap = match store.load()? {
            Some(s) => s,
            None => sync_now(self, today, false)?,
        };
        let team = self.team(&snap);
        let (ws, _) = current_view(store, snap.ws)?;
        Ok((ws, team))
    }
}

/// Sync now: send pending changes, then refresh the cache.
pub(crate) fn sync_now(
    live: &Live,
    today: chrono::NaiveDate,
    progress: bool,
) -> Result<Snapshot, Failure> {
    // `glboard sync` (the one with progress) also reads the label events
    // of the cards whose lane age `print` shows; the other commands' syncs
    // ask GitLab for nothing more than they need.
    sync_showing(live, today, progress, None, progress)
}

/// [`sync_now`], keeping `milestone` (a title, `current`, `next`) complete:
/// its issues, open and closed, are read whole (`print --refresh
/// --milestone X` refreshes X). Unknown: the current iteration.
pub(crate) fn sync_showing(
    live: &Live,
    today: chrono::NaiveDate,
    progress: bool,
    milestone: Option<&str>,
    lanes: bool,
) -> Result<Snapshot, Failure> {
    let rt = runtime()?;
    let client = live.client()?;
    let store = live.store()?;
    let snap = store.load()?.unwrap_or_default();
    let team = live.team(&snap);
    let me = snap.ws.me.clone();
    let flushed = rt.block_on(outbox::flush(
        &client,
        &store,
        &team,
        me.as_ref(),
        &outbox::holder(),
    ))?;
    sync::report_flush(&flushed);
    let mut syncer =
        Syncer::new(client, store, live.target()).map_err(|e| fail(EX_FAILURE, e.to_string()))?;
    let shown = milestone
        .and_then(|m| find_milestone(&syncer.snap.ws.milestones, &team, today, m).ok())
        .map(|m| m.id)
        .or_else(|| iteration::pick(&syncer.snap.ws.milestones, &team, today).current);
    let bar = progress && std::io::stderr().is_terminal();
    let show = move |fetched: usize, total: Option<u64>| {
        if bar {
            let t = total.map(|t| format!("/{t}")).unwrap_or_default();
            eprint!("\r\x1b[2Ksyncing… {fetched}{t} issues");
        }
    };
    let was_free = syncer.snap.meta.free_tier;
    let result = rt.block_on(syncer.sync(Utc::now(), shown, &show));
    if bar {
        eprint!("\r\x1b[2K");
    }
    match result {
        Ok(r) => {
            for w in &r.warnings {
                eprintln!("warning: {w}");
            }
            // Said once: when this sync found out.
            if syncer.snap.meta.free_tier == Some(true) && was_free != Some(true) {
                eprintln!("note: {}", crate::core::domain::workflow::FREE_TIER_NOTICE);
            }
            for (lane, now) in syncer.snap.meta.lane_labels.renamed() {
                if progress {
                    eprintln!(
                        "note: lane {lane} is called {now} on GitLab now (followed by its id)"
                    );
                }
            }
            if progress {
                eprintln!(
                    "synced: {} issues fetched in {} requests",
                    r.fetched, r.requests
                );
            }
            // The cards' age in their lane (print's lane_since): the label
            // events of the shown iteration's cards that changed.
            // A first sync knows the milestones only now.
            let shown =
                shown.or_else(|| iteration::pick(&syncer.snap.ws.milestones, &team, today).current);
            if lanes
                && let Err(e) =
                    rt.block_on(syncer.refresh_lane_events(Utc::now(), shown, usize::MAX))
            {
                eprintln!("note: label events not read ({e}); lane_since may be missing");
            }
            // The merge requests behind the cards (issue #30): best effort,
            // the issues are synced either way.
            let (mut changed, mut read, mut requests) = (0, 0, 0);
            // MR_BATCH a round; a first sync of a large group takes several.
            for _ in 0..100 {
                match rt.block_on(syncer.refresh_merge_requests(Utc::now())) {
                    Ok(m) => {
                        (changed, read, requests) =
                            (changed + m.changed, read + m.read, requests + m.requests);
                        if !m.more {
                            break;
                        }
                    }
                    Err(e) => {
                        eprintln!("note: merge requests not read ({e})");
                        break;
                    }
                }
            }
            if progress {
                eprintln!("merge requests: {changed} changed, {read} read in {requests} requests");
            }
            Ok(syncer.snap)
        }
        Err(crate::sync::SyncError::Gitlab(e)) => Err(gitlab_failure(e)),
        Err(e) => Err(fail(EX_FAILURE, e.to_string())),
    }
}

/// The cache with the milestone histories (carry-overs, ↻) of the open
/// team issues of `milestones` read; a history GitLab does not give is
/// said, not fatal.
pub(crate) fn with_history(live: &Live, milestones: &[u64]) -> Result<Snapshot, Failure> {
    let rt = runtime()?;
    let mut syncer = Syncer::new(live.client()?, live.store()?, live.target())
        .map_err(|e| fail(EX_FAILURE, e.to_string()))?;
    for m in milestones {
        // HISTORY_BATCH issues a round; an iteration has far fewer rounds.
        for _ in 0..50 {
            match rt.block_on(syncer.refresh_history(Utc::now(), Some(*m))) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    eprintln!("note: milestone history not read ({e}); carry-overs may be missing");
                    break;
                }
            }
        }
    }
    Ok(syncer.snap)
}

pub(crate) fn gitlab_failure(e: GitlabError) -> Failure {
    match &e {
        GitlabError::RateLimited { .. } => fail(EX_TEMPFAIL, e.to_string()),
        e if e.is_transient() => fail(EX_TEMPFAIL, e.to_string()),
        GitlabError::Unauthorized | GitlabError::Setup(_) => fail(EX_USAGE, e.to_string()),
        _ => fail(EX_FAILURE, e.to_string()),
    }
}

/// How long a command waits for another glboard process that is sending
/// (it holds the sender lease) to send this command's changes.
pub const WAIT_FOR_SENDER: Duration = Duration::from_secs(30);

/// What became of a command's changes.
#[derive(Debug, Default)]
pub(crate) struct Delivery {
    pub sent: Vec<u64>,
    pub refused: Vec<(u64, String)>,
    /// Still queued (GitLab unreachable, failing, rate-limited).
    pub queued: Vec<u64>,
    pub waiting: Option<GitlabError>,
    /// What GitLab said the changes did beyond them (quick actions).
    pub said: Vec<String>,
    /// Changes applied in part: what GitLab did not keep, by change.
    pub not_kept: Vec<(u64, String)>,
}

/// Send what is queued (by any process, in order) until GitLab answered
/// the changes `ids`: this process sends when it gets the sender lease,
/// else it waits for the process that holds it (a board) to send them.
pub(crate) fn deliver(
    live: &Live,
    store: &Store,
    team: &TeamConfig,
    me: Option<&User>,
    ids: &[u64],
) -> Result<Delivery, Failure> {
    let client = live.client()?;
    let rt = runtime()?;
    let holder = outbox::holder();
    let deadline = std::time::Instant::now() + WAIT_FOR_SENDER;
    let mut waiting = None;
    let mut said = Vec::new();
    let mut not_kept = Vec::new();
    loop {
        let o = rt.block_on(outbox::flush(&client, store, team, me, &holder))?;
        not_kept.extend(
            o.not_kept
                .iter()
                .filter(|(id, _)| ids.contains(id))
                .cloned(),
        );
        if o.waiting.is_some() {
            waiting = o.waiting.clone();
        }
        said.extend(
            o.said
                .iter()
                .filter(|(id, _)| ids.contains(id))
                .map(|(_, t)| t.clone()),
        );
        let open = ids
            .iter()
            .filter(|id| {
                store
                    .change_state(**id)
                    .ok()
                    .flatten()
                    .is_some_and(|(s, _)| s == ChangeState::Queued)
            })
            .count();
        if open == 0 || o.busy.is_none() || std::time::Instant::now() > deadline {
            break;
        }
        // Another glboard is sending: look again shortly.
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut d = Delivery {
        waiting,
        said,
        not_kept,
        ..Delivery::default()
    };
    for id in ids {
        sort_out(&mut d, *id, store.change_state(*id)?);
    }
    Ok(d)
}

/// A change in its list by the state the outbox has it in.
fn sort_out(d: &mut Delivery, id: u64, state: Option<(ChangeState, Option<String>)>) {
    match state {
        Some((ChangeState::Sent, _)) => d.sent.push(id),
        Some((ChangeState::Failed, reason)) => d.refused.push((id, reason.unwrap_or_default())),
        Some((ChangeState::Queued, _)) => d.queued.push(id),
        // Gone: discarded meanwhile (or long since applied and pruned).
        None => d.sent.push(id),
    }
}

/// The cached workspace as the user sees it: GitLab's state with every
/// change still queued (by any process) on top, and which issues have one.
pub(crate) fn current_view(
    store: &Store,
    mut ws: Workspace,
) -> Result<(Workspace, std::collections::HashSet<u64>), Failure> {
    let queued = store.outbox_queued()?;
    let pending = crate::core::app::overlay::apply_pending(&mut ws, &queued);
    Ok((ws, pending))
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
        [] => Err(fail(EX_USAGE, format!("no milestone matches {what:?}"))),
        // A usage error as an unknown one (and as an ambiguous reference).
        many => Err(fail(
            EX_USAGE,
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

pub(crate) fn find_user<'a>(ws: &'a Workspace, name: &str) -> Result<&'a User, Failure> {
    let n = name.trim_start_matches('@');
    ws.members
        .iter()
        .find(|u| u.username.eq_ignore_ascii_case(n))
        .ok_or_else(|| fail(EX_USAGE, format!("no member @{n} in the group")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{issue, milestone, team, user, workspace};
    use chrono::NaiveDate;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 11, 5).unwrap()
    }

    /// #101 in grp/alpha, #102 in grp/alpha and in grp/beta, #103 not the
    /// team's.
    fn ws() -> Workspace {
        let team_issue = |id, iid, project| {
            let mut i = issue(id, iid, &["team::Datastores", "workflow-infra::Ready"]);
            i.project_id = project;
            i
        };
        let mut other = issue(4, 103, &["team::Gitaly"]);
        other.project_id = 1;
        workspace(vec![
            team_issue(1, 101, 1),
            team_issue(2, 102, 1),
            team_issue(3, 102, 2),
            other,
        ])
    }

    fn found(ws: &Workspace, reference: &str) -> Result<u64, (u8, String)> {
        resolve(ws, &team(), reference)
            .map(|i| i.id)
            .map_err(|f| (f.code, f.message))
    }

    #[test]
    fn a_reference_is_found_by_its_number_with_or_without_a_hash() {
        let ws = ws();
        assert_eq!(found(&ws, "#101"), Ok(1));
        assert_eq!(found(&ws, "101"), Ok(1));
        assert_eq!(found(&ws, "  #101 "), Ok(1));
    }

    #[test]
    fn a_project_in_a_reference_is_its_path_its_name_or_the_end_of_its_path() {
        let ws = ws();
        assert_eq!(found(&ws, "grp/beta#102"), Ok(3));
        assert_eq!(found(&ws, "beta#102"), Ok(3));
        assert_eq!(found(&ws, "alpha#102"), Ok(2));
        // Not a suffix of a path segment.
        assert_eq!(found(&ws, "eta#102").unwrap_err().0, EX_FAILURE);
    }

    #[test]
    fn the_same_number_in_two_projects_is_ambiguous_and_names_both() {
        let (code, message) = found(&ws(), "#102").unwrap_err();
        assert_eq!(code, EX_USAGE);
        assert!(
            message.contains("ambiguous") && message.contains("grp/alpha#102, grp/beta#102"),
            "{message}"
        );
    }

    #[test]
    fn a_reference_that_is_no_number_is_a_usage_error() {
        for bad in ["", "#", "abc", "#12a", "grp/alpha#", "-1"] {
            let (code, message) = found(&ws(), bad).unwrap_err();
            assert_eq!(code, EX_USAGE, "{bad:?}");
            assert!(message.contains("is not an issue reference"), "{message}");
        }
    }

    #[test]
    fn an_issue_not_cached_or_not_the_teams_is_a_failure_saying_sync() {
        for missing in ["#999", "#103", "gamma#101"] {
            let (code, message) = found(&ws(), missing).unwrap_err();
            assert_eq!(code, EX_FAILURE, "{missing}");
            assert!(
                message.contains(&format!("no team issue {missing} in the cache"))
                    && message.contains("glboard sync"),
                "{message}"
            );
        }
    }

    fn ms() -> Vec<Milestone> {
        let mut ms = workspace(Vec::new()).milestones;
        ms.push(milestone(3, "Gitaly - W45", None, None));
        ms
    }

    fn milestone_named(what: &str) -> Result<u64, (u8, String)> {
        find_milestone(&ms(), &team(), day(), what)
            .map(|m| m.id)
            .map_err(|f| (f.code, f.message))
    }

    #[test]
    fn current_and_next_are_the_teams_iterations_in_any_case() {
        assert_eq!(milestone_named("current"), Ok(1));
        assert_eq!(milestone_named("CURRENT"), Ok(1));
        assert_eq!(milestone_named("Next"), Ok(2));
        // After the last iteration: none current, none next.
        let late = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let f = find_milestone(&ms(), &team(), late, "next").unwrap_err();
        assert_eq!(f.code, EX_FAILURE);
        assert_eq!(f.message, "the team has no next iteration");
    }

    #[test]
    fn a_milestone_is_found_by_title_short_title_or_a_unique_part() {
        assert_eq!(milestone_named("Datastores team - W47"), Ok(2));
        assert_eq!(milestone_named("W47"), Ok(2));
        assert_eq!(milestone_named("gitaly"), Ok(3));
        // The exact title wins over a part it shares with others.
        assert_eq!(milestone_named("Gitaly - W45"), Ok(3));
    }

    #[test]
    fn a_milestone_matching_none_or_several_is_a_usage_error() {
        let (code, message) = milestone_named("W99").unwrap_err();
        assert_eq!(
            (code, message.as_str()),
            (EX_USAGE, "no milestone matches \"W99\"")
        );
        let (code, message) = milestone_named("w4").unwrap_err();
        assert_eq!(code, EX_USAGE);
        assert_eq!(
            message,
            "\"w4\" matches several milestones: Datastores team - W45, Datastores team - W47, Gitaly - W45"
        );
    }

    #[test]
    fn a_member_is_found_with_or_without_at_in_any_case() {
        let mut ws = workspace(Vec::new());
        ws.members.push(user(8, "Max.Power", "Max"));
        assert_eq!(find_user(&ws, "zoe").unwrap().id, 7);
        assert_eq!(find_user(&ws, "@ZOE").unwrap().id, 7);
        assert_eq!(find_user(&ws, "@max.power").unwrap().id, 8);
        let f = find_user(&ws, "@nobody").unwrap_err();
        assert_eq!(
            (f.code, f.message.as_str()),
            (EX_USAGE, "no member @nobody in the group")
        );
    }

    #[test]
    fn gitlab_errors_map_onto_the_exit_codes_scripts_rely_on() {
        let code = |e: GitlabError| gitlab_failure(e).code;
        let until = Utc::now();
        assert_eq!(code(GitlabError::RateLimited { until }), EX_TEMPFAIL);
        let unreachable = GitlabError::Unreachable {
            host: "h".into(),
            reason: "refused".into(),
        };
        assert_eq!(code(unreachable), EX_TEMPFAIL);
        assert_eq!(code(GitlabError::Timeout("45 s".into())), EX_TEMPFAIL);
        let server = GitlabError::Server {
            status: 502,
            message: "bad gateway".into(),
        };
        assert_eq!(code(server), EX_TEMPFAIL);
        let page = GitlabError::NotApi {
            host: "h".into(),
            page: "Sign in".into(),
        };
        assert_eq!(code(page), EX_TEMPFAIL, "signed in to the proxy, it goes");
        assert_eq!(code(GitlabError::Unauthorized), EX_USAGE);
        assert_eq!(code(GitlabError::Setup("no http".into())), EX_USAGE);
        assert_eq!(code(GitlabError::NotFound("group".into())), EX_FAILURE);
        assert_eq!(code(GitlabError::Forbidden("x".into())), EX_FAILURE);
        assert_eq!(code(GitlabError::Archived("p".into())), EX_FAILURE);
        let rejected = GitlabError::Rejected {
            status: 422,
            message: "title taken".into(),
        };
        let f = gitlab_failure(rejected);
        assert_eq!(f.code, EX_FAILURE);
        assert!(f.message.contains("title taken"), "{}", f.message);
    }

    #[test]
    fn config_mistakes_are_usage_errors_and_cache_ones_failures() {
        let f: Failure = ConfigError::Missing("/nowhere/config.toml".into()).into();
        assert_eq!(f.code, EX_USAGE);
        assert!(f.message.contains("/nowhere/config.toml"), "{}", f.message);
        let f: Failure = store::StoreError::TooNew {
            path: "/c.sqlite".into(),
            found: 99,
            known: 1,
        }
        .into();
        assert_eq!(f.code, EX_FAILURE);
        assert!(f.message.contains("newer glboard"), "{}", f.message);
    }

    #[test]
    fn a_rate_limit_is_waited_out_as_long_as_the_variable_says() {
        assert_eq!(rate_wait(None), MAX_CLI_WAIT);
        assert_eq!(rate_wait(Some("10")), Duration::from_secs(10));
        assert_eq!(rate_wait(Some(" 0.5 ")), Duration::from_millis(500));
        assert_eq!(
            rate_wait(Some("0")),
            Duration::ZERO,
            "never wait: 75 at once"
        );
        for ignored in ["", "-1", "soon", "inf", "NaN"] {
            assert_eq!(rate_wait(Some(ignored)), MAX_CLI_WAIT, "{ignored:?}");
        }
    }

    #[test]
    fn each_change_is_told_sent_refused_or_queued_by_its_state() {
        let mut d = Delivery::default();
        sort_out(&mut d, 1, Some((ChangeState::Sent, None)));
        sort_out(
            &mut d,
            2,
            Some((ChangeState::Failed, Some("404 Not Found".into()))),
        );
        sort_out(&mut d, 3, Some((ChangeState::Queued, None)));
        // Gone: discarded meanwhile, or applied long ago and pruned.
        sort_out(&mut d, 4, None);
        sort_out(&mut d, 5, Some((ChangeState::Failed, None)));
        assert_eq!(d.sent, vec![1, 4]);
        assert_eq!(
            d.refused,
            vec![(2, "404 Not Found".to_owned()), (5, String::new())]
        );
        assert_eq!(d.queued, vec![3]);
    }

    #[test]
    fn the_worst_status_is_usage_then_failure_then_queued_then_done() {
        let all = [EX_OK, EX_TEMPFAIL, EX_FAILURE, EX_USAGE];
        for (i, a) in all.iter().enumerate() {
            for (j, b) in all.iter().enumerate() {
                assert_eq!(worst(*a, *b), all[i.max(j)], "worst({a}, {b})");
            }
        }
        // 75 never hides a refusal, whatever the order.
        assert_eq!(worst(EX_FAILURE, EX_TEMPFAIL), EX_FAILURE);
        assert_eq!(worst(EX_TEMPFAIL, EX_FAILURE), EX_FAILURE);
    }
}
