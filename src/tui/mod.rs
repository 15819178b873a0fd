//! The terminal adapter: owns the terminal, turns its events into actions,
//! feeds them to the core's `update`, and redraws when something changed.

pub mod input;
pub mod reader;
pub mod terminal;
pub mod theme;
pub mod view;

use std::io;

use tokio::sync::mpsc;

use crate::core::app::action::{Action, Effect};
use crate::core::app::state::AppState;
use crate::core::app::update::update;
use terminal::TerminalGuard;
use theme::Theme;

/// How often the clock ticks (for "synced 3 min ago").
const TICK: std::time::Duration = std::time::Duration::from_secs(15);

/// Run the interactive board until the user quits. `background` delivers
/// actions from other tasks (sync results, what the cache holds);
/// `on_effect` does what `update` asks of the adapters (refresh, write a
/// change down) and may answer at once (the change is saved), which
/// `update` takes before anything else.
/// How long the terminal has to say whether its background is light
/// (`theme = "auto"`), after the first frame: a local terminal answers in a
/// millisecond; past this (a slow SSH link, a terminal that never answers)
/// the palette stays the one it was drawn in.
const PALETTE_QUERY: std::time::Duration = std::time::Duration::from_millis(150);

/// `drawn` is called once the first frame is on the screen, before any
/// key is read: it may complete the state (what the cards out of sight
/// need besides their rows), and what reads the whole cache in the
/// background starts then, not while the first frame is being made
/// (issue #31: on two cores it would halve its speed).
pub async fn run(
    mut state: AppState,
    mut theme: Theme,
    mut background: mpsc::UnboundedReceiver<Action>,
    mut on_effect: impl FnMut(Effect) -> Option<Action>,
    drawn: impl FnOnce(&mut AppState),
) -> io::Result<AppState> {
    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    update(
        &mut state,
        Action::Resize {
            width: size.width,
            height: size.height,
        },
    );
    update(
        &mut state,
        Action::Tick {
            now: chrono::Utc::now(),
        },
    );
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first frame at once, in this terminal's last known palette...
    guard.terminal.draw(|f| view::draw(f, &state, &theme))?;
    tracing::debug!("first frame drawn");
    drawn(&mut state);
    // ...then the terminal is asked (before the key reader starts, so its
    // answer is not taken for keys; a key typed before the answer goes
    // with it, so a terminal that did not answer in time is not asked
    // again), and the board drawn again only if the answer differs.
    if theme.ask {
        let said = theme::terminal_is_light(PALETTE_QUERY);
        theme::remember_palette(match said {
            Some(true) => theme::Palette::Light,
            Some(false) => theme::Palette::Dark,
            None => theme::Palette::Silent,
        });
        if let Some(light) = said
            && light != theme.light
        {
            theme.light = light;
            // Only the cells whose colours differ are written again (no
            // clear: ratatui's asks the terminal where the cursor is).
            guard.terminal.draw(|f| view::draw(f, &state, &theme))?;
        }
        theme.ask = false;
    }
    let (event_tx, mut events) = mpsc::unbounded_channel();
    let mut reader = reader::Reader::start(event_tx)?;
    let mut signals = Signals::new()?;
    let mut background_open = true;
    loop {
        let mut stop = false;
        let first = tokio::select! {
            ev = events.recv() => match ev {
                Some(Ok(ev)) if is_suspend(&ev) => {
                    suspend(&mut guard, &reader)?;
                    guard.terminal.draw(|f| view::draw(f, &state, &theme))?;
                    continue;
                }
                Some(Ok(ev)) => input::to_action(&ev),
                Some(Err(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
                    // The terminal went away: quit as on SIGHUP.
                    tracing::info!("the terminal went away: quitting");
                    stop = true;
                    None
                }
                Some(Err(e)) => return Err(e),
                None => break,
            },
            (sig, number) = signals.next() => {
                // SIGTERM, SIGHUP, SIGINT: what is queued is written down
                // already; leave as from `q` (the guard restores the
                // terminal), and end as the signal says (see `ended_by`).
                tracing::info!(signal = sig, "quitting on a signal");
                ENDED_BY.store(number, std::sync::atomic::Ordering::SeqCst);
                stop = true;
                None
            },
            msg = background.recv(), if background_open => match msg {
                Some(a) => Some(a),
                None => { background_open = false; None }
            },
            _ = tick.tick() => {
                if state.session.clock_today {
                    update(&mut state, Action::Today(chrono::Local::now().date_naive()));
                }
                Some(Action::Tick { now: chrono::Utc::now() })
            },
        };
        let mut actions: Vec<Action> = first.into_iter().collect();
        // Take every event already waiting (a paste, a held key) before drawing.
        while let Ok(ev) = events.try_recv() {
            let ev = match ev {
                Ok(ev) => ev,
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    stop = true;
                    break;
                }
                Err(e) => return Err(e),
            };
            if is_suspend(&ev) {
                suspend(&mut guard, &reader)?;
                continue;
            }
            actions.extend(input::to_action(&ev));
        }
        while let Ok(a) = background.try_recv() {
            actions.push(a);
        }
        let mut quit = stop;
        let mut effects = Vec::new();
        for a in actions {
            for effect in update(&mut state, a) {
                match effect {
                    Effect::Quit => quit = true,
                    other => effects.push(other),
                }
            }
        }
        quit |= state.session.quit;
        // Draw first: the board shows a change before it is written down.
        if !quit {
            guard.terminal.draw(|f| view::draw(f, &state, &theme))?;
        }
        // A replaced workspace is freed on another thread.
        if !state.retired.is_empty() {
            let old = std::mem::take(&mut state.retired);
            std::thread::spawn(move || drop(old));
        }
        // Then the adapters (an outbox write is durable before we go on),
        // also when quitting, so no change is lost. Their answers (a change
        // is saved, so it counts as pending) are taken at once.
        let mut answered = false;
        let mut queue: std::collections::VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Compose { issue, header } => {
                    // The editor gets the terminal to itself: glboard reads
                    // no key until it is back.
                    reader.pause();
                    guard.suspend();
                    let text = compose(&header);
                    let back = guard.resume();
                    reader.resume();
                    back?;
                    queue.extend(update(&mut state, Action::Composed { issue, text }));
                    answered = true;
                }
                Effect::RunCommand {
                    title,
                    script,
                    args,
                    interactive: true,
                } => {
                    // In the terminal, which it has to itself.
                    reader.pause();
                    guard.suspend();
                    let status = std::process::Command::new("sh")
                        .arg("-c")
                        .arg(&script)
                        .arg("glboard")
                        .args(&args)
                        .status();
                    // Its last output stays readable until the user is
                    // done with it.
                    wait_for_enter(&title);
                    let back = guard.resume();
                    reader.resume();
                    back?;
                    let (ok, output) = match status {
                        Ok(s) if s.success() => (true, String::new()),
                        Ok(s) => (false, format!("exited with {s}")),
                        Err(e) => (false, format!("cannot run sh: {e}")),
                    };
                    queue.extend(update(
                        &mut state,
                        Action::CommandDone { title, ok, output },
                    ));
                    answered = true;
                }
                Effect::Quit => quit = true,
                other => {
                    if let Some(answer) = on_effect(other) {
                        queue.extend(update(&mut state, answer));
                        answered = true;
                    }
                }
            }
        }
        quit |= state.session.quit;
        if answered && !quit {
            guard.terminal.draw(|f| view::draw(f, &state, &theme))?;
        }
        if quit {
            break;
        }
    }
    reader.stop();
    drop(guard);
    Ok(state)
}

/// After an interactive command: say it ended and wait for Enter (the
/// terminal is the shell's, in line mode), so its output is read before
/// the board is drawn over it.
fn wait_for_enter(title: &str) {
    use std::io::{BufRead, Write};
    let mut out = io::stdout();
    let _ = write!(
        out,
        "\r\n[glboard] {title} ended: press Enter to return to the board "
    );
    let _ = out.flush();
    let mut line = String::new();
    let _ = io::stdin().lock().read_line(&mut line);
}

/// `Ctrl-z`: raw mode turns it into a key, so glboard stops itself.
fn is_suspend(ev: &crossterm::event::Event) -> bool {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};
    matches!(ev, Event::Key(k) if k.code == KeyCode::Char('z')
        && k.modifiers.contains(KeyModifiers::CONTROL)
        && k.kind != KeyEventKind::Release)
}

/// Give the terminal back to the shell and stop, as `Ctrl-z` does in any
/// program; `fg` continues here, and the board is drawn again.
fn suspend(guard: &mut TerminalGuard, reader: &reader::Reader) -> io::Result<()> {
    reader.pause();
    guard.suspend();
    // SIGSTOP, not SIGTSTP: it stops the process also where SIGTSTP would
    // be ignored (a process group without a shell's job control).
    #[cfg(unix)]
    if let Err(e) = signal_hook::low_level::raise(signal_hook::consts::SIGSTOP) {
        tracing::warn!(error = %e, "cannot stop");
    }
    let back = guard.resume();
    reader.resume();
    back
}

/// The signal that ended the board, 0 for none.
static ENDED_BY: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// The signal (SIGTERM, SIGHUP, SIGINT) that ended the last board, if one
/// did: the process should end by it too once everything is put away
/// (`signal_hook::low_level::emulate_default_handler`), so that whoever
/// sent it sees it did.
pub fn ended_by() -> Option<i32> {
    Some(ENDED_BY.load(std::sync::atomic::Ordering::SeqCst)).filter(|s| *s != 0)
}

/// The signals that end the board as `q` does.
struct Signals {
    #[cfg(unix)]
    kinds: Vec<(&'static str, i32, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn new() -> io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                kinds: vec![
                    ("SIGTERM", libc::SIGTERM, signal(SignalKind::terminate())?),
                    ("SIGHUP", libc::SIGHUP, signal(SignalKind::hangup())?),
                    ("SIGINT", libc::SIGINT, signal(SignalKind::interrupt())?),
                ],
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// The next signal's name and number.
    async fn next(&mut self) -> (&'static str, i32) {
        #[cfg(unix)]
        {
            let waits = self.kinds.iter_mut().map(|(name, number, s)| {
                Box::pin(async move {
                    s.recv().await;
                    (*name, *number)
                })
            });
            futures_util::future::select_all(waits).await.0
        }
        #[cfg(not(unix))]
        std::future::pending().await
    }
}

/// The editor to write comments in: `$VISUAL`, else `$EDITOR`.
pub fn editor() -> Option<String> {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.trim().is_empty())
}

/// Write a comment in the user's editor: a private temporary file laid
/// out by [`crate::core::domain::compose::template`]; returns what the user wrote.
fn compose(header: &str) -> Result<String, String> {
    let editor = editor().ok_or("no $EDITOR")?;
    let dir = std::env::temp_dir();
    let path = dir.join(format!(
        "glboard-comment-{}-{}.md",
        std::process::id(),
        chrono::Utc::now().timestamp_millis()
    ));
    let template = crate::core::domain::compose::template(header);
    crate::fsutil::write_private(&path, template.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    // Through the shell, so EDITOR may carry arguments ("code --wait").
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status();
    let text = std::fs::read_to_string(&path);
    let _ = std::fs::remove_file(&path);
    match status {
        Ok(s) if s.success() => text
            .map(|t| crate::core::domain::compose::written(&t, header))
            .map_err(|e| format!("cannot read the comment back: {e}")),
        Ok(s) => Err(format!("{editor} exited with {s}: comment not sent")),
        Err(e) => Err(format!("cannot run {editor}: {e}")),
    }
}
