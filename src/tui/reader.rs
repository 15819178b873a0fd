//! Terminal events, read on a thread of their own that can be paused: while
//! another program has the terminal (`$EDITOR`, a suspended board), glboard
//! reads nothing, so every key the user types reaches that program. Keys
//! typed before the pause are kept and reach the board afterwards.
//!
//! crossterm's `poll` itself reads the bytes waiting on the terminal into
//! its own queue, so "not reading" means "not polling": `pause` returns
//! only once the thread has stopped polling (within [`POLL`]).
//!
//! A terminal that goes away (an SSH connection drops, a tmux window is
//! killed) ends the reading with a [`io::ErrorKind::BrokenPipe`] error: the
//! board then quits as on SIGHUP instead of spinning on a dead terminal.
//! (crossterm's default event source loops forever on a hung-up terminal;
//! its `use-dev-tty` source returns, and this thread checks for the hang-up.)

use std::io;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crossterm::event::Event;
use tokio::sync::mpsc;

/// How long one poll waits for input before looking at the controls again.
const POLL: Duration = Duration::from_millis(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    Reading,
    PauseAsked,
    Paused,
    Stop,
}

type Control = Arc<(Mutex<Run>, Condvar)>;

/// The reading thread and its controls.
pub struct Reader {
    control: Control,
    thread: Option<JoinHandle<()>>,
    /// Closed when the thread ends.
    ended: std::sync::mpsc::Receiver<()>,
}

impl Reader {
    /// Start reading; events go to `tx` until it closes or [`Reader::stop`].
    pub fn start(tx: mpsc::UnboundedSender<io::Result<Event>>) -> io::Result<Reader> {
        let control: Control = Arc::new((Mutex::new(Run::Reading), Condvar::new()));
        let c = control.clone();
        let (ended_tx, ended) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("terminal-events".into())
            .spawn(move || {
                let _ended = ended_tx;
                read(&c, &tx);
            })?;
        Ok(Reader {
            control,
            thread: Some(thread),
            ended,
        })
    }

    fn set(&self, to: Run) {
        let (lock, cvar) = &*self.control;
        let mut run = lock.lock().unwrap_or_else(PoisonError::into_inner);
        if *run != Run::Stop {
            *run = to;
        }
        cvar.notify_all();
    }

    /// Stop reading; returns once the thread reads no more.
    pub fn pause(&self) {
        self.set(Run::PauseAsked);
        let (lock, cvar) = &*self.control;
        let mut run = lock.lock().unwrap_or_else(PoisonError::into_inner);
        while *run == Run::PauseAsked {
            run = cvar.wait(run).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Read again after [`Reader::pause`].
    pub fn resume(&self) {
        self.set(Run::Reading);
    }

    /// Stop the thread: it ends within one poll. A thread stuck on a dead
    /// terminal is left behind rather than waited for: quitting never hangs.
    pub fn stop(&mut self) {
        self.set(Run::Stop);
        if let Some(t) = self.thread.take() {
            match self.ended.recv_timeout(POLL * 10) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    tracing::warn!("the terminal reader did not stop; leaving it");
                }
                _ => {
                    let _ = t.join();
                }
            }
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.stop();
    }
}

fn read(control: &Control, tx: &mpsc::UnboundedSender<io::Result<Event>>) {
    let (lock, cvar) = &**control;
    loop {
        {
            let mut run = lock.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                match *run {
                    Run::Stop => return,
                    Run::Reading => break,
                    Run::PauseAsked => {
                        *run = Run::Paused;
                        cvar.notify_all();
                    }
                    Run::Paused => {}
                }
                run = cvar.wait(run).unwrap_or_else(PoisonError::into_inner);
            }
        }
        if tx.is_closed() {
            return;
        }
        match crossterm::event::poll(POLL) {
            Ok(false) if hung_up() => {
                let _ = tx.send(Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "the terminal went away",
                )));
                return;
            }
            Ok(false) => {}
            Ok(true) => {
                let ev = crossterm::event::read();
                let failed = ev.is_err();
                if tx.send(ev).is_err() || failed {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        }
    }
}

/// Whether the terminal hung up: the descriptor crossterm reads (standard
/// input when it is a terminal, else `/dev/tty`) reports `POLLHUP`.
fn hung_up() -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: isatty only inspects the descriptor.
    let stdin_tty = unsafe { libc::isatty(libc::STDIN_FILENO) } == 1;
    let dev_tty;
    let fd = if stdin_tty {
        libc::STDIN_FILENO
    } else {
        match std::fs::File::open("/dev/tty") {
            Ok(f) => {
                dev_tty = f;
                dev_tty.as_raw_fd()
            }
            // No controlling terminal any more: it went away.
            Err(_) => return true,
        }
    };
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, a zero timeout.
    let n = unsafe { libc::poll(&mut p, 1, 0) };
    n > 0 && p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}
