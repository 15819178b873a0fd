//! Shared by the end-to-end tests: the real `glboard` binary in a
//! pseudo-terminal, its screen read back through a vt100 emulator.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Local;
use fake_gitlab::{FakeGitlab, generate};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

pub struct Session {
    pub parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the process wrote to the terminal.
    pub raw: Arc<Mutex<Vec<u8>>>,
    writer: Option<Box<dyn Write + Send>>,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    master: Option<Box<dyn portable_pty::MasterPty + Send>>,
    /// Ends the thread that reads the terminal.
    stop: Arc<std::sync::atomic::AtomicBool>,
    reading: Option<std::thread::JoinHandle<()>>,
}

impl Session {
    pub fn start(args: &[&str], cols: u16, rows: u16) -> Session {
        Self::start_with_env(args, &[], cols, rows)
    }

    /// Start with extra environment variables (XDG dirs, GITLAB_TOKEN).
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Session {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_glboard"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn glboard");
        drop(pty.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().unwrap(),
            cols.try_into().unwrap(),
            0,
        )));
        let mut reader = pty.master.try_clone_reader().unwrap();
        let fd = pty.master.as_raw_fd().expect("a unix pty");
        let p = parser.clone();
        let raw = Arc::new(Mutex::new(Vec::new()));
        let r = raw.clone();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let reading = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            // Polled, so that `hang_up` can end this thread and close the
            // last descriptor of the master side.
            while !stopping.load(std::sync::atomic::Ordering::SeqCst) {
                let mut pfd = libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                if unsafe { libc::poll(&mut pfd, 1, 50) } <= 0 {
                    continue;
                }
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        r.lock().unwrap().extend_from_slice(&buf[..n]);
                        p.lock().unwrap().process(&buf[..n]);
                    }
                }
            }
        });
        let writer = pty.master.take_writer().unwrap();
        Session {
            parser,
            raw,
            writer: Some(writer),
            child,
            master: Some(pty.master),
            stop,
            reading: Some(reading),
        }
    }

    pub fn contents(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn wait_for(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.contents().contains(what) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "timed out waiting for {what:?}; screen:\n{}",
            self.contents()
        );
    }

    /// Resize the terminal (the process gets SIGWINCH), and the emulator.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        // The emulator first, so that the redraw lands at the new size.
        self.parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(rows.try_into().unwrap(), cols.try_into().unwrap());
        self.master
            .as_ref()
            .expect("the terminal is there")
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    pub fn send(&mut self, keys: &str) {
        let w = self.writer.as_mut().expect("the terminal is there");
        w.write_all(keys.as_bytes()).unwrap();
        w.flush().unwrap();
    }

    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last bytes.
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("glboard did not exit; screen:\n{}", self.contents());
    }
}

impl Session {
    /// The terminal's modes now, as the kernel has them (`ICANON`, `ECHO`
    /// and the rest, in words): raw mode shows as their absence.
    pub fn termios(&self) -> String {
        format!("{:?}", self.master.as_ref().and_then(|m| m.get_termios()))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.process_id().unwrap_or(0)
    }

    /// Everything written to the terminal since byte `from`.
    pub fn raw_since(&self, from: usize) -> Vec<u8> {
        self.raw.lock().unwrap()[from..].to_vec()
    }

    pub fn raw_len(&self) -> usize {
        self.raw.lock().unwrap().len()
    }

    /// Kill the process at once (SIGKILL): no chance to clean up.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The terminal goes away (the SSH connection drops, the tmux window
    /// is killed): the pty's master side closes; the process stays.
    pub fn hang_up(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.reading.take() {
            t.join().unwrap();
        }
        self.writer = None;
        self.master = None;
    }

    /// Whether the process has ended.
    pub fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Session {
    /// A test that fails leaves no glboard running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub const TOKEN: &str = "glpat-live-test-secret-42";
/// A title from the demo data, to know the board is drawn.
pub const TITLE_WORD: &str = "Iteration Planning";

pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "XDG_CONFIG_HOME".into(),
                self.path("config").display().to_string(),
            ),
            (
                "XDG_CACHE_HOME".into(),
                self.path("cache").display().to_string(),
            ),
            (
                "XDG_STATE_HOME".into(),
                self.path("state").display().to_string(),
            ),
            ("GITLAB_TOKEN".into(), TOKEN.into()),
        ]
    }

    pub fn write_config(&self, host: &str) {
        let dir = self.path("config/glboard");
        std::fs::create_dir_all(&dir).unwrap();
        let src = glboard::config::starter(host, generate::GROUP);
        std::fs::write(dir.join("config.toml"), src).unwrap();
    }

    pub fn start(&self) -> Session {
        self.start_with_args(&[])
    }

    pub fn start_with_args(&self, args: &[&str]) -> Session {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Session::start_with_env(args, &env, 120, 40)
    }

    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.run_with(args, &[])
    }

    /// `run` with more environment variables.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_glboard"));
        cmd.args(args);
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        cmd.envs(env.iter().copied());
        cmd.env_remove("GITLAB_HOST");
        cmd.output().unwrap()
    }
}

pub fn fake() -> FakeGitlab {
    let today = Local::now().date_naive();
    let world =
        generate::from_demo_json(include_str!("../../assets/demo.json"), today, TOKEN).unwrap();
    FakeGitlab::start(world)
}

pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

pub fn assert_no_token_anywhere(home: &Home) {
    let files = files_under(home.dir.path());
    assert!(
        files
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "sqlite")),
        "a cache was written"
    );
    assert!(
        files.iter().any(|f| f.ends_with("glboard.log")),
        "a log was written"
    );
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
            "token in {}",
            f.display()
        );
        #[cfg(unix)]
        if !f.ends_with("config.toml") {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", f.display());
        }
    }
}

/// Display width in terminal cells.
pub fn width(s: &str) -> usize {
    glboard::core::domain::text::width(s)
}

/// glab's `config.yml` holding an OAuth login for the fake at `url` (as
/// `glab auth login` writes it): `token`, its refresh token and expiry.
pub fn glab_oauth_config(url: &str, token: &str, expiry: &str) -> String {
    let port = url.rsplit(':').next().unwrap();
    format!(
        "git_protocol: ssh\nhosts:\n  127.0.0.1:\n    token: {token}\n    api_host: 127.0.0.1:{port}\n    api_protocol: http\n    is_oauth2: \"true\"\n    oauth2_refresh_token: refresh-{token}\n    oauth2_expiry_date: {expiry}\n    user: dsilva\n"
    )
}

/// `minutes` from now as glab writes `oauth2_expiry_date` (Go's
/// `time.RFC822`: `07 Dec 26 08:00 UTC`).
pub fn glab_expiry(minutes: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(minutes))
        .format("%d %b %y %H:%M UTC")
        .to_string()
}

/// A fake `glab` in `dir/bin` (put that first on PATH): it logs its
/// arguments to `dir/glab.log`; when `dir/glab-next.yml` exists it writes
/// that over `target` (glab renewing its login: glab writes its file,
/// glboard never does) and exits 0, else it fails as glab does when the
/// refresh token is refused.
pub fn fake_glab(dir: &Path, target: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = format!(
        "#!/bin/sh\necho \"$*\" >> '{log}'\nif [ -f '{next}' ]; then cat '{next}' > '{target}'; exit 0; fi\necho 'glab: oauth2: \"invalid_grant\" \"The provided authorization grant is invalid, expired, revoked\"' >&2\nexit 1\n",
        log = dir.join("glab.log").display(),
        next = dir.join("glab-next.yml").display(),
        target = target.display(),
    );
    let path = bin.join("glab");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// Apply one change to GitLab through the outbox's sender, as the first
/// change of its issue (no earlier ones), read fresh first; the issue as
/// GitLab answered.
pub async fn send_one(
    client: &glboard::gitlab::Client,
    change: &glboard::core::domain::edit::Change,
    team: &glboard::core::domain::model::TeamConfig,
    me: Option<&glboard::core::domain::model::User>,
) -> Result<glboard::core::domain::model::Issue, glboard::outbox::SendError> {
    let a = glboard::outbox::send_with(client, change, team, me, None, &[]).await?;
    a.issue.ok_or_else(|| glboard::outbox::SendError::Refused {
        reason: "not a change to an issue".into(),
        issue: None,
    })
}
