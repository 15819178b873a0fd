//! The terminal guard: raw mode, alternate screen and mouse capture on the
//! way in; restored on the way out by `Drop` (also when SIGTERM, SIGHUP or
//! SIGINT end the loop, see `tui::run`), by the panic hook (before its
//! report is printed), and around `Ctrl-z` and `$EDITOR`, so the terminal
//! is never left broken.

use std::io::{self, Stdout, Write};
use std::sync::Once;

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Owns the terminal while the UI runs; restores it when dropped.
pub struct TerminalGuard {
    pub terminal: Term,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<Self> {
        install_hooks();
        HELD.store(true, std::sync::atomic::Ordering::SeqCst);
        enable_raw_mode()?;
        let mut out = io::stdout();
        if let Err(e) = execute!(out, EnterAlternateScreen, EnableMouseCapture, Hide) {
            restore();
            return Err(e);
        }
        match Terminal::new(CrosstermBackend::new(out)) {
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl TerminalGuard {
    /// Hand the terminal to another program (an editor) for a while.
    pub fn suspend(&mut self) {
        restore();
    }

    /// Take the terminal back after [`TerminalGuard::suspend`].
    pub fn resume(&mut self) -> io::Result<()> {
        HELD.store(true, std::sync::atomic::Ordering::SeqCst);
        enable_raw_mode()?;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            Hide,
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
        // A new terminal has an empty previous frame, so the next draw is
        // complete (`Terminal::clear` would query the cursor, whose answer
        // the event reader would swallow).
        self.terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Put the terminal back as we found it. Safe to call more than once.
pub fn restore() {
    HELD.store(false, std::sync::atomic::Ordering::SeqCst);
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen, Show);
    let _ = out.flush();
}

/// Where the log is, for the panic report.
static LOG_FILE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Name the log file in panic reports.
pub fn set_log_file(path: std::path::PathBuf) {
    let _ = LOG_FILE.set(path);
}

/// Whether the board holds the terminal (raw mode, the alternate screen):
/// only then does a panic have a terminal to give back first.
static HELD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// color-eyre, once, for the board and every command: an unexpected error
/// (an `eyre::Report`) and a panic get its report, naming the log file (set
/// with [`set_log_file`] before); a panic in the board restores the
/// terminal first and prints the report on the restored terminal. Expected
/// errors stay one clear line (they never reach here).
pub fn install_hooks() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let mut builder = color_eyre::config::HookBuilder::default().display_env_section(false);
        if !std::io::IsTerminal::is_terminal(&io::stderr())
            || std::env::var_os("NO_COLOR").is_some()
        {
            // Into a file or a pipe: no colour codes.
            builder = builder.theme(color_eyre::config::Theme::new());
        }
        if let Some(log) = LOG_FILE.get() {
            builder = builder.panic_section(format!(
                "glboard's log is {}: please attach it to a report",
                log.display()
            ));
        }
        let (panic_hook, eyre_hook) = builder.into_hooks();
        let _ = eyre_hook.install();
        std::panic::set_hook(Box::new(move |info| {
            if HELD.load(std::sync::atomic::Ordering::SeqCst) {
                restore();
            }
            eprintln!("{}", panic_hook.panic_report(info));
        }));
    });
}
