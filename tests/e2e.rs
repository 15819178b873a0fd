//! End-to-end: the real `glboard` binary in a pseudo-terminal, read back
//! through a vt100 emulator, as a user in a terminal would see it.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Session {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Session {
    fn start(args: &[&str], cols: u16, rows: u16) -> Session {
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
        let child = pty.slave.spawn_command(cmd).expect("spawn glboard");
        drop(pty.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().unwrap(),
            cols.try_into().unwrap(),
            0,
        )));
        let mut reader = pty.master.try_clone_reader().unwrap();
        let p = parser.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pty.master.take_writer().unwrap();
        // Keep the master alive as long as the writer is.
        std::mem::forget(pty.master);
        Session {
            parser,
            writer,
            child,
        }
    }

    fn contents(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
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

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
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

#[test]
fn open_the_demo_move_open_help_and_quit_leaves_a_clean_terminal() {
    let mut s = Session::start(&["--demo", "--today", "2025-11-05"], 120, 40);
    s.wait_for("DEMO");
    s.wait_for("In Progress");
    s.wait_for("Datastores team - W45");
    assert!(s.parser.lock().unwrap().screen().alternate_screen());

    // Move to the Ready column and down one card: the status line follows.
    s.send("ll");
    s.wait_for("Ready 1/");
    s.send("j");
    s.wait_for("Ready 2/");

    // Help lists the keys; q closes it; the board is back.
    s.send("?");
    s.wait_for("filter by title, label, assignee");
    s.send("q");
    s.wait_for("Ready 2/");

    // Switch to the backlog and back.
    s.send("\t");
    s.wait_for("Backlog · workflow-infra::Triage");

    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");
    let parser = s.parser.lock().unwrap();
    let screen = parser.screen();
    assert!(!screen.alternate_screen(), "left the alternate screen");
    assert!(!screen.hide_cursor(), "cursor shown again");
    assert_eq!(
        screen.mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "mouse capture off"
    );
}

#[test]
fn ctrl_c_quits_from_the_detail_pane_and_restores_the_terminal() {
    let mut s = Session::start(&["--demo", "--today", "2025-11-05"], 80, 24);
    s.wait_for("DEMO");
    s.send("ll\r");
    s.wait_for("Milestone");
    s.send("\x03");
    let status = s.wait_exit();
    assert!(status.success());
    let parser = s.parser.lock().unwrap();
    assert!(!parser.screen().alternate_screen());
    assert!(!parser.screen().hide_cursor());
}

#[test]
fn a_tiny_terminal_gets_a_message_not_garbage() {
    let mut s = Session::start(&["--demo", "--today", "2025-11-05"], 20, 5);
    s.wait_for("too small");
    s.send("q");
    assert!(s.wait_exit().success());
}
