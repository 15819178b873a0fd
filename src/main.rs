//! The `glboard` binary: wiring. Command line → config and token → logging
//! → cache → background sync → terminal UI. Exit codes: 0 done, 1 permanent
//! failure, 2 usage or configuration error, 75 retry later.

// No panics and no silent truncation in shipped code: errors propagate,
// screen arithmetic saturates (`core::app::geometry::cells`), index steps are
// checked (`core::domain::num`). Unit tests (`cfg(test)`) may unwrap.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_possible_wrap,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use glboard::cli::{BoardArg, Cli, Cmd};
use glboard::config::{self, Config, ConfigError};
use glboard::core::app::state::AppState;
use glboard::core::domain::board::BoardKind;
use glboard::core::domain::model::Workspace;
use glboard::gitlab::{Client, RetryPolicy};
use glboard::outbox;
use glboard::store::Store;
use glboard::sync::{self, Syncer, Target};
use tokio::sync::mpsc;

/// mimalloc: a board is thousands of small strings read at each start
/// (README, "Dependencies and why").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXIT_FAILURE: u8 = 1;
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse().with_env(
        std::env::var_os("GLBOARD_CONFIG"),
        std::env::var_os("GLBOARD_PROFILE"),
    );
    if cli.command.is_some() {
        // A command's output closed early (`glboard print | head -1`) ends
        // it quietly, as it does any Unix tool, not with a panic.
        default_sigpipe();
    }
    use glboard::commands::{self, Act};
    // Every command writes the board's log, so that a run from cron leaves
    // a trace (not the generated completions and man page).
    let _log = match &cli.command {
        Some(Cmd::Completions { .. } | Cmd::Man) | None => None,
        Some(c) => {
            let log = logging();
            // The command's name only: its arguments may hold a comment's text.
            let debug = format!("{c:?}");
            let name: String = debug
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            tracing::info!(command = %name.to_lowercase(), "starting");
            log
        }
    };
    // color-eyre, once, for every command and the board: unexpected
    // errors and panics get its report, naming the log file (the board's
    // terminal guard installs the same hooks, after its own log is set).
    if cli.command.is_some() {
        glboard::tui::terminal::install_hooks();
    }
    let result = match &cli.command {
        Some(Cmd::Init { board, dry_run, .. }) if !board.is_empty() => match config_path(&cli) {
            Some(path) => commands::init_from_boards(&path, board, *dry_run),
            None => {
                return fail(
                    EXIT_FAILURE,
                    "cannot find a config directory; pass --config FILE",
                );
            }
        },
        Some(Cmd::Init { host, group, .. }) => {
            return init(&cli, host, group.as_deref().unwrap_or_default());
        }
        None => {
            let code = board(&cli);
            // Ended by SIGTERM, SIGHUP or SIGINT: the terminal is restored
            // and the log written; now end by that signal, as a program
            // that handles one should (the shell and `timeout` see it).
            #[cfg(unix)]
            if let Some(sig) = glboard::tui::ended_by() {
                let _ = signal_hook::low_level::emulate_default_handler(sig);
                return ExitCode::from(u8::try_from(128 + sig).unwrap_or(EXIT_FAILURE));
            }
            return code;
        }
        Some(Cmd::Print {
            format,
            refresh,
            view: None,
            since: Some(since),
            ..
        }) => commands::print_since(&cli, since, *format, *refresh),
        Some(Cmd::Print {
            board,
            milestone,
            lanes,
            mine,
            format,
            refresh,
            view,
            ..
        }) => commands::print(
            &cli,
            *board,
            milestone,
            commands::PrintFilter {
                lanes,
                mine: *mine,
                view: view.as_deref(),
            },
            *format,
            *refresh,
        ),
        Some(Cmd::Sync) => commands::sync(&cli),
        Some(Cmd::Promote { references, to }) => {
            commands::act(&cli, references, Act::Promote { to: to.clone() })
        }
        Some(Cmd::Take { references }) => commands::act(&cli, references, Act::Take),
        Some(Cmd::Move { args }) => {
            let (refs, lane) = split_last(args);
            commands::act(&cli, refs, Act::Move { lane })
        }
        Some(Cmd::Assign { args, users }) => {
            let (refs, users) = refs_and_users(args, users);
            commands::act(&cli, &refs, Act::Assign { users })
        }
        Some(Cmd::Unassign { args, users }) => {
            let (refs, users) = refs_and_users(args, users);
            commands::act(&cli, &refs, Act::Unassign { users })
        }
        Some(Cmd::Milestone { args }) => {
            let (refs, milestone) = split_last(args);
            commands::act(&cli, refs, Act::Milestone { milestone })
        }
        Some(Cmd::Weight { args }) => {
            let (refs, weight) = split_last(args);
            commands::act(&cli, refs, Act::Weight { weight })
        }
        Some(Cmd::Close { references }) => commands::act(&cli, references, Act::Close),
        Some(Cmd::Reopen { references }) => commands::act(&cli, references, Act::Reopen),
        Some(Cmd::Pending { action, id }) => commands::pending(&cli, *action, *id),
        Some(Cmd::Replan {
            from,
            to,
            reset_lane,
            dry_run,
            yes,
        }) => commands::replan(&cli, from, to, *reset_lane, *dry_run, *yes),
        Some(Cmd::Cadence {
            ahead,
            dry_run,
            format,
        }) => commands::cadence(&cli, *ahead, *dry_run, *format),
        Some(Cmd::Planning {
            what:
                glboard::cli::PlanningCmd::Summary {
                    milestone,
                    write,
                    format,
                },
        }) => commands::planning_summary(&cli, milestone, *write, *format),
        Some(Cmd::Auth { what }) => commands::auth(&cli, what),
        Some(Cmd::Next {
            format,
            limit,
            take,
            yes,
        }) => commands::next(&cli, *format, *limit, *take, *yes),
        Some(Cmd::Insights {
            milestone,
            last,
            format,
            offline,
        }) => commands::insights(&cli, milestone.as_deref(), *last, *format, *offline),
        Some(Cmd::Comment {
            reference,
            stdin,
            message,
            file,
        }) => match commands::comment_text(stdin.as_deref(), message.as_deref(), file.as_deref()) {
            Ok(text) => commands::act(&cli, std::slice::from_ref(reference), Act::Comment { text }),
            Err(f) => Err(f),
        },
        Some(Cmd::Doctor) => commands::doctor(&cli),
        Some(Cmd::Completions { shell }) => {
            use clap::CommandFactory;
            let shell = match shell {
                glboard::cli::ShellArg::Bash => clap_complete::Shell::Bash,
                glboard::cli::ShellArg::Zsh => clap_complete::Shell::Zsh,
                glboard::cli::ShellArg::Fish => clap_complete::Shell::Fish,
            };
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "glboard",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
        Some(Cmd::Man) => {
            use clap::CommandFactory;
            match glboard::man::render(Cli::command(), &mut std::io::stdout()) {
                Ok(()) => Ok(0),
                Err(e) => Err(glboard::commands::Failure {
                    code: 1,
                    message: e.to_string(),
                }),
            }
        }
    };
    match result {
        Ok(code) => {
            tracing::info!(code, "done");
            ExitCode::from(code)
        }
        Err(f) => {
            tracing::info!(code = f.code, message = %f.message, "failed");
            fail(f.code, f.message)
        }
    }
}

fn fail(code: u8, msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("glboard: {msg}");
    ExitCode::from(code)
}

fn config_path(cli: &Cli) -> Option<PathBuf> {
    cli.config.clone().or_else(config::default_path)
}

fn init(cli: &Cli, host: &str, group: &str) -> ExitCode {
    let Some(path) = config_path(cli) else {
        return fail(
            EXIT_FAILURE,
            "cannot find a config directory; pass --config FILE",
        );
    };
    if let Err(e) = config::check_host(&config::normalize_host(host)) {
        return fail(EXIT_USAGE, e);
    }
    match config::write_starter(&path, host, group) {
        Ok(()) => {
            println!("wrote {}", path.display());
            println!(
                "edit team_label, workflow_scope, lanes and milestone_prefix, then set GITLAB_TOKEN and run glboard"
            );
            ExitCode::SUCCESS
        }
        Err(e @ ConfigError::Exists { .. }) => fail(EXIT_USAGE, e),
        Err(e) => fail(EXIT_FAILURE, e),
    }
}

fn board_kind(cli: &Cli) -> BoardKind {
    match cli.board {
        BoardArg::Backlog => BoardKind::Backlog,
        BoardArg::Iteration => BoardKind::Iteration,
    }
}

/// The board needs a real terminal; scripts and pipes have `print`.
fn need_terminal() -> Result<(), ExitCode> {
    use std::io::IsTerminal;
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() || dumb {
        return Err(fail(
            EXIT_USAGE,
            "the board needs an interactive terminal (this one is not, or TERM=dumb): use `glboard print` to see a board as text",
        ));
    }
    Ok(())
}

fn board(cli: &Cli) -> ExitCode {
    if cli.demo {
        return demo(cli, None);
    }
    // The configuration as every command finds and reads it (one loader).
    match glboard::commands::Live::open(cli) {
        Ok(Some(live_cfg)) => live(cli, live_cfg.cfg, live_cfg.store_path),
        // No configuration at the default place: the demo, with a hint.
        Ok(None) => demo(
            cli,
            config_path(cli).map(|path| {
                format!(
                    "no config at {}: showing the demo (glboard init --group PATH sets one up)",
                    path.display()
                )
            }),
        ),
        Err(f) => fail(f.code, f.message),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| fail(EXIT_FAILURE, format!("cannot start: {e}")))
}

fn demo(cli: &Cli, hint: Option<String>) -> ExitCode {
    if let Err(code) = need_terminal() {
        return code;
    }
    let today = cli.today();
    let (ws, team) = match glboard::demo::load(today) {
        Ok(demo) => demo,
        Err(e) => {
            return fail(
                EXIT_FAILURE,
                format!("the bundled demo cannot be read: {e}"),
            );
        }
    };
    let mut state = AppState::new(ws, team, today, board_kind(cli));
    state.session.clock_today = cli.today.is_none();
    // The demo's comments are written in $EDITOR too; `o` knows a browser.
    state.settings.editor = glboard::tui::editor().is_some();
    state.settings.browser = glboard::effects::has_browser();
    if let Err(code) = open_on_milestone(cli, &mut state) {
        return code;
    }
    if let Some(h) = hint {
        state.status.info(h);
    }
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let (_tx, rx) = mpsc::unbounded_channel();
    // The demo: the dark or light palette as the terminal says.
    let theme = glboard::tui::theme::Theme::chosen(
        glboard::tui::theme::ThemeChoice::Auto,
        Default::default(),
        glboard::tui::theme::remembered_palette,
    );
    match rt.block_on(glboard::tui::run(state, theme, rx, |_| None, |_| ())) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => fail(EXIT_FAILURE, unexpected(e, "the terminal failed")),
    }
}

/// The log's size past which it is rotated (at the next start).
const LOG_ROTATE_BYTES: u64 = 8 * 1024 * 1024;

/// Log to a file under the state directory (never to the terminal the UI
/// owns); level from `RUST_LOG`, default info. The board and every command
/// write it.
/// The team the board shows: the config's, with the lanes found on
/// GitLab when the config names none.
fn board_team(
    cfg: &glboard::config::Config,
    lists: &glboard::store::Snapshot,
) -> glboard::core::domain::model::TeamConfig {
    let mut team = cfg.team(&[]);
    if cfg.file.lanes.is_none() && !lists.meta.lanes.is_empty() {
        team.lanes = lists.meta.lanes.clone();
    }
    team
}

/// Log lines queued for the log's writer thread.
const LOG_QUEUE_LINES: usize = 1024;

fn logging() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dirs = directories::ProjectDirs::from("", "", "glboard")?;
    let dir = dirs
        .state_dir()
        .unwrap_or_else(|| dirs.data_local_dir())
        .to_owned();
    glboard::fsutil::create_private_dir(&dir).ok()?;
    let file = dir.join("glboard.log");
    // Rotated when it grows past LOG_ROTATE_BYTES: the one before is kept
    // as glboard.log.1 (a process still writing to it goes on there).
    if std::fs::metadata(&file).is_ok_and(|m| m.len() > LOG_ROTATE_BYTES) {
        let _ = std::fs::rename(&file, dir.join("glboard.log.1"));
    }
    glboard::fsutil::touch_private(&file).ok()?;
    glboard::tui::terminal::set_log_file(file.clone());
    let appender = tracing_appender::rolling::never(&dir, "glboard.log");
    // A short queue: the default (128,000 lines) is a 4 MB channel whose
    // every page is touched at start, a millisecond of every command.
    // When it is full a line waits for the writer; none is dropped.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(false)
        .finish(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("glboard=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(writer)
        .try_init()
        .ok()?;
    Some(guard)
}

fn live(cli: &Cli, cfg: Config, store_path: PathBuf) -> ExitCode {
    let today = cli.today();
    let creds = match glboard::credentials::find(&cfg) {
        Ok(c) => c,
        Err(e) => return fail(EXIT_USAGE, e),
    };
    let _log = logging();
    glboard::tui::terminal::install_hooks();
    tracing::info!(host = %cfg.host, group = %cfg.file.group, "starting");
    // The HTTP client (its TLS set-up takes milliseconds) is built on
    // another thread while the cache is read; a host glboard refuses is a
    // configuration error, said first.
    if !cfg.file.allow_insecure_http
        && let Err(e) = config::check_host(&cfg.host)
    {
        return fail(EXIT_USAGE, e);
    }
    let client_thread = {
        let cfg = cfg.clone();
        std::thread::spawn(move || {
            Client::connect(glboard::credentials::connection(
                &cfg,
                &creds,
                RetryPolicy::default(),
            ))
        })
    };
    if let Err(code) = need_terminal() {
        return code;
    }
    let (store, store_warning) = match Store::open_or_set_aside(&store_path) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_FAILURE, e),
    };
    // What the board showed when it last closed (cards changed since are
    // marked), read on another core while the board's issues are.
    let look = {
        let path = store_path.clone();
        std::thread::spawn(move || Store::reader(&path).and_then(|s| s.last_look()))
    };
    let target = Target {
        group: cfg.file.group.clone(),
        team: cfg.team(&[]),
        lanes_configured: cfg.file.lanes.is_some(),
    };
    // The first frame shows one board: only its issues are read, without
    // their descriptions. The whole cache follows a moment later (the
    // watcher's first read, off the UI thread).
    let remembered = store.remembered_milestone().ok().flatten();
    let kind = board_kind(cli);
    // The board's issues' rows; what else is kept about them (ages, merge
    // requests) is read for the cards in sight, once they are laid out.
    let mut board_filter = glboard::store::IssueFilter::All;
    let snap = store.load_rows_choosing(|lists| {
        board_filter = match kind {
            BoardKind::Iteration => {
                let team = board_team(&cfg, lists);
                let current =
                    glboard::core::domain::iteration::pick(&lists.ws.milestones, &team, today)
                        .current;
                let shown: Vec<u64> = current.into_iter().chain(remembered).collect();
                glboard::store::IssueFilter::Milestones(shown)
            }
            _ => glboard::store::IssueFilter::Open,
        };
        board_filter.clone()
    });
    let snap = match snap {
        Ok(s) => s,
        Err(e) => return fail(EXIT_FAILURE, e),
    };
    let team = match &snap {
        Some(s) => board_team(&cfg, s),
        None => cfg.team(&[]),
    };
    tracing::debug!("board read");
    let cached = snap.is_some();
    let snap = snap.unwrap_or_default();
    let host = glboard::gitlab::address::shown(&cfg.host);
    let name = match &cfg.profile {
        Some(p) => format!("{p}: {host} · {}", cfg.file.group),
        None => format!("{host} · {}", cfg.file.group),
    };
    let synced_at = snap.meta.synced_at;
    let ws = if cached {
        Workspace { name, ..snap.ws }
    } else {
        Workspace {
            name,
            host: cfg.host.clone(),
            group: cfg.file.group.clone(),
            ..Workspace::default()
        }
    };
    let mut state = AppState::new(ws, team, today, board_kind(cli));
    state.session.loaded = cached;
    state.session.sync.enabled = true;
    state.session.sync.last_success = synced_at;
    state.settings.editor = glboard::tui::editor().is_some();
    state.settings.browser = glboard::effects::has_browser();
    state.settings.keymap = std::sync::Arc::new(cfg.keymap.clone());
    state.settings.commands = cfg.commands.clone();
    state.settings.saved_views = cfg.saved_views.clone();
    state.settings.profiles = cfg.file.profiles.keys().cloned().collect();
    state.settings.profile = cfg.profile.clone();
    state.settings.planning_setup = glboard::core::app::settings::PlanningSetup {
        project: cfg.file.planning_project.clone(),
        template: cfg.planning_template_text(),
    };
    state.changes.session = fastrand::u64(..);
    state.session.clock_today = cli.today.is_none();
    let capacity = cfg.capacity_warnings(&state.ws.members);
    let aging = if state.team.lanes.is_empty() {
        Vec::new()
    } else {
        cfg.aging_warnings(&state.team.lanes)
    };
    for w in &aging {
        tracing::warn!(%w, "config");
    }
    if let Some(w) = cfg.warnings.first().or(capacity.first()).or(aging.first()) {
        state.status.warn(format!("warning: {w}"));
    }
    if let Some(w) = store_warning {
        tracing::warn!(%w, "cache set aside");
        state.status.warn(w);
    }
    // What the board showed when it last closed: cards changed since are marked.
    state.board.last_look = match look.join() {
        Ok(Ok(look)) => look,
        _ => store.last_look().ok().flatten(),
    };
    // Changes queued or refused earlier (by any glboard process) show at once.
    match (store.outbox_queued(), store.outbox_failed()) {
        (Ok(queued), Ok(failed)) => {
            let n = queued.len();
            state.apply_store(glboard::core::app::action::StoreUpdate {
                queued,
                failed,
                ..Default::default()
            });
            if n > 0 {
                state
                    .status
                    .info(format!("{n} changes queued earlier are being sent"));
            }
        }
        (Err(e), _) | (_, Err(e)) => state.status.warn(format!("outbox unreadable: {e}")),
    }
    if remembered.is_some() {
        state.follow_remembered(remembered);
    }
    if let Err(code) = open_on_milestone(cli, &mut state) {
        return code;
    }
    let shown = state.board.milestone;
    // Ages and merge requests of the cards the first frame can show; the
    // rest's are read once it is drawn, before any key is taken. Planning
    // mode's first frame sums up every card: all of them first.
    let rows = crossterm::terminal::size().map_or(200, |(_, h)| usize::from(h));
    let near = (kind != BoardKind::Planning).then(|| state.board.cards_near_sight(rows));
    if cached && let Err(e) = store.add_related(&mut state.ws, &board_filter, near.as_deref()) {
        return fail(EXIT_FAILURE, e);
    }
    let rest = (cached && near.is_some()).then(|| (store_path.clone(), board_filter.clone()));

    tracing::debug!("board laid out");
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    // Four connections to the cache: the sync's, the outbox sender's, the
    // watcher's (what any process wrote reaches the board), and the UI's
    // (which writes each change to the outbox before it is sent).
    let (outbox_writer, outbox_reader, watcher_store) = match (
        Store::open(&store_path),
        Store::open(&store_path),
        Store::open(&store_path),
    ) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return fail(EXIT_FAILURE, e),
    };
    let (action_tx, action_rx) = mpsc::unbounded_channel();
    let (sync_tx, sync_rx) = mpsc::unbounded_channel();
    let (wake_tx, wake_rx) = mpsc::unbounded_channel();
    let (poke_tx, poke_rx) = mpsc::unbounded_channel::<()>();
    let interval =
        (cfg.file.refresh_seconds > 0).then(|| Duration::from_secs(cfg.file.refresh_seconds));
    // The live probe only where the board refreshes at all.
    let live = (interval.is_some() && cfg.file.live_seconds > 0)
        .then(|| Duration::from_secs(cfg.file.live_seconds));
    let client = match client_thread.join() {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return fail(EXIT_USAGE, e),
        Err(_) => return fail(EXIT_FAILURE, "cannot set up HTTP"),
    };
    let me = state.ws.me.clone();
    let sender_client = client.clone();
    let notes_client = client.clone();
    let handle = rt.handle().clone();
    let team_for_sender = state.team.clone();
    let naming = glboard::watch::Naming {
        name: state.ws.name.clone(),
        configured_lanes: cfg.file.lanes.clone(),
    };
    let poke = move |tx: &mpsc::UnboundedSender<()>| {
        let tx = tx.clone();
        move || {
            let _ = tx.send(());
        }
    };
    // What reads the whole cache starts once the first frame is drawn.
    let (drawn_tx, drawn_rx) = tokio::sync::watch::channel(false);
    let first_frame = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        // A board that ends before drawing drops the sender: go on.
        let _ = rx.wait_for(|drawn| *drawn).await;
    };
    // From revision 0: its first read is the whole cache.
    {
        let (actions, drawn) = (action_tx.clone(), drawn_rx.clone());
        rt.spawn(async move {
            first_frame(drawn).await;
            glboard::watch::run(watcher_store, 0, naming, actions, poke_rx).await;
        });
    }
    // The sync starts from the whole cache, read off the UI thread.
    {
        let (actions, written) = (action_tx.clone(), poke(&poke_tx));
        let drawn = drawn_rx.clone();
        rt.spawn(async move {
            first_frame(drawn).await;
            match Syncer::new(client, store, target) {
                Ok(syncer) => {
                    sync::run(syncer, sync_rx, actions, interval, live, shown, written).await;
                }
                Err(e) => {
                    let _ = actions.send(glboard::core::app::action::Action::Sync(
                        glboard::core::app::action::SyncEvent::Failed {
                            message: e.to_string(),
                            offline: false,
                        },
                    ));
                }
            }
        });
    }
    rt.spawn(outbox::run(
        sender_client,
        outbox_reader,
        team_for_sender.clone(),
        me,
        wake_rx,
        action_tx.clone(),
        poke(&poke_tx),
    ));
    let mut runner = glboard::effects::Runner {
        store: outbox_writer,
        team: team_for_sender,
        sync: sync_tx,
        wake: wake_tx,
        poke: poke_tx,
        actions: action_tx,
        notes: Some((notes_client, handle)),
    };
    let theme = glboard::tui::theme::Theme::chosen(
        cfg.file.theme,
        cfg.styles.clone(),
        glboard::tui::theme::remembered_palette,
    );
    let result = rt.block_on(glboard::tui::run(
        state,
        theme,
        action_rx,
        move |effect| runner.run(effect),
        move |state| {
            if let Some((path, filter)) = rest {
                let all = Store::reader(&path)
                    .or_else(|_| Store::open(&path))
                    .and_then(|s| s.add_related(&mut state.ws, &filter, None));
                if let Err(e) = all {
                    tracing::warn!(error = %e, "cards' ages and merge requests unread");
                }
            }
            let _ = drawn_tx.send(true);
        },
    ));
    rt.shutdown_timeout(Duration::from_millis(200));
    // Remember what it showed, for "what changed since you last looked".
    if let Ok(last) = &result
        && last.session.loaded
        && let Ok(s) = Store::open(&store_path)
    {
        let seen = glboard::core::domain::since::glimpses(&last.ws, &last.team);
        if let Err(e) = s.save_look(chrono::Utc::now(), &seen) {
            tracing::warn!(error = %e, "cannot remember what the board showed");
        }
    }
    // The switcher chose another profile: the board again, on it.
    if let Ok(last) = &result
        && let Some(next) = &last.settings.switch_profile
    {
        return reopen_on_profile(next.as_deref());
    }
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => fail(EXIT_FAILURE, unexpected(e, "the terminal failed")),
    }
}

/// Run glboard again with the same arguments on another profile (the
/// terminal is already restored): `--profile NAME`, or none for the
/// default one.
fn reopen_on_profile(profile: Option<&str>) -> ExitCode {
    let mut args: Vec<String> = Vec::new();
    let mut skip = false;
    for a in std::env::args().skip(1) {
        if skip {
            skip = false;
            continue;
        }
        if a == "--profile" {
            skip = true;
            continue;
        }
        if a.starts_with("--profile=") {
            continue;
        }
        args.push(a);
    }
    if let Some(p) = profile {
        args.push("--profile".into());
        args.push(p.to_owned());
    }
    let Ok(me) = std::env::current_exe() else {
        return fail(
            EXIT_FAILURE,
            "cannot find glboard to open the other profile",
        );
    };
    let mut cmd = std::process::Command::new(me);
    cmd.args(&args).env_remove("GLBOARD_PROFILE");
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = cmd.exec();
        fail(EXIT_FAILURE, format!("cannot open the other profile: {e}"))
    }
    #[cfg(not(unix))]
    match cmd.status() {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => fail(EXIT_FAILURE, format!("cannot open the other profile: {e}")),
    }
}

/// Let SIGPIPE end the process (Rust ignores it, so a write to a closed
/// pipe panics in `println!`).
fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default, before any
    // other thread exists, is what every C program does at start.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// An unexpected error, as color-eyre reports it.
fn unexpected(e: impl std::error::Error + Send + Sync + 'static, what: &'static str) -> String {
    format!("{:?}", color_eyre::eyre::Report::new(e).wrap_err(what))
}

/// `--milestone`: open the iteration board on it (browsing, not following).
fn open_on_milestone(cli: &Cli, state: &mut AppState) -> Result<(), ExitCode> {
    let Some(what) = &cli.milestone else {
        return Ok(());
    };
    match glboard::commands::find_milestone(
        &state.ws.milestones,
        &state.team,
        state.session.today,
        what,
    ) {
        Ok(m) => {
            let id = m.id;
            state.board.kind = BoardKind::Iteration;
            state.board.milestone = Some(id);
            state.relayout();
            Ok(())
        }
        // An empty cache has no milestones yet: the board opens as usual.
        Err(_) if state.ws.milestones.is_empty() => Ok(()),
        Err(f) => Err(fail(f.code, f.message)),
    }
}

/// `REF... LAST`: the references and the last argument (clap asks for two
/// or more).
fn split_last(args: &[String]) -> (&[String], String) {
    match args.split_last() {
        Some((last, refs)) => (refs, last.clone()),
        None => (&[], String::new()),
    }
}

/// `REF USER...` (one issue, then people), or `REF... --user USER...`.
fn refs_and_users(args: &[String], users: &[String]) -> (Vec<String>, Vec<String>) {
    if users.is_empty() {
        match args.split_first() {
            Some((r, rest)) => (vec![r.clone()], rest.to_vec()),
            None => (Vec::new(), Vec::new()),
        }
    } else {
        (args.to_vec(), users.to_vec())
    }
}
