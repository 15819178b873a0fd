//! The terminal, as real programs share it: an editor that reads the
//! terminal key by key (as vim does) gets every key, and the board none of
//! them; `Ctrl-z` stops the board and `fg` (SIGCONT) brings it back;
//! SIGTERM and SIGHUP leave the terminal as it was; a closed pipe ends a
//! command quietly.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Home, Session, fake};

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The process's state letter in /proc (`T`: stopped).
fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(") ")?.1;
    after.chars().next()
}

fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("never: {what}");
}

#[test]
fn an_editor_that_reads_key_by_key_gets_every_key_and_the_board_none() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    // An editor as vim reads: the terminal raw, one key at a time, until
    // Enter; it announces itself first.
    let script = home.path("editor.sh");
    std::fs::write(
        &script,
        r#"#!/bin/sh
exec < /dev/tty
stty raw -echo
printf 'EDITOR READY'
text=""
cr=$(printf '\r')
while :; do
  c=$(dd bs=1 count=1 2>/dev/null)
  [ "$c" = "$cr" ] && break
  text="$text$c"
done
stty sane
printf '%s\n' "$text" > "$1"
"#,
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut env = home.env();
    env.push(("EDITOR".into(), script.display().to_string()));
    env.push(("VISUAL".into(), String::new()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut s = Session::start_with_env(&[], &env, 120, 40);
    s.wait_for("synced just now");
    s.send("ll");
    s.wait_for("Ready 1/");
    s.send("c");
    s.wait_for("EDITOR READY");
    // Typed while the editor runs: `L` would move a card on the board.
    s.send("Hello LLLL world\r");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline
        && !server
            .world()
            .notes
            .iter()
            .any(|n| n.body.contains("world"))
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let w = server.world();
    let bodies: Vec<&str> = w.notes.iter().map(|n| n.body.as_str()).collect();
    assert_eq!(bodies, ["Hello LLLL world"], "exactly as typed");
    assert!(
        !w.log.iter().any(|l| l.starts_with("PUT")),
        "the board took no key: {:?}",
        w.log
    );
    drop(w);
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn ctrl_z_stops_the_board_and_fg_brings_it_back() {
    let mut s = Session::start(&["--demo", "--today", "2025-11-05"], 100, 30);
    s.wait_for("W45 ·");
    let pid = s.pid();
    let from = s.raw_len();
    s.send("\u{1a}");
    until("the board stops", || proc_state(pid) == Some('T'));
    let out = s.raw_since(from);
    assert!(
        contains(&out, b"\x1b[?1049l"),
        "the alternate screen is left"
    );
    assert!(
        s.termios().contains("ICANON"),
        "raw mode is off while stopped: {}",
        s.termios()
    );
    // `fg`: the shell sends SIGCONT.
    let from = s.raw_len();
    Command::new("kill")
        .args(["-CONT", &pid.to_string()])
        .status()
        .unwrap();
    until("the board is drawn again", || {
        contains(&s.raw_since(from), b"\x1b[?1049h") && s.contents().contains("W45 ·")
    });
    assert!(!s.termios().contains("ICANON"), "raw again");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn sigterm_sighup_and_sigint_leave_a_sane_terminal_and_end_the_board_by_the_signal() {
    for signal in ["-TERM", "-HUP", "-INT"] {
        let mut s = Session::start(&["--demo", "--today", "2025-11-05"], 100, 30);
        s.wait_for("W45 ·");
        assert!(!s.termios().contains("ICANON"), "raw mode while open");
        let from = s.raw_len();
        Command::new("kill")
            .args([signal, &s.pid().to_string()])
            .status()
            .unwrap();
        // It ends by the signal, as the sender asked (the shell, `timeout`
        // and systemd see it), after restoring the terminal.
        let status = s.wait_exit();
        let said = status.signal().map(str::to_lowercase).unwrap_or_default();
        let expected = match signal {
            "-TERM" => "terminated",
            "-HUP" => "hangup",
            _ => "interrupt",
        };
        assert!(said.contains(expected), "{signal}: {status:?}");
        let out = s.raw_since(from);
        assert!(
            contains(&out, b"\x1b[?1049l"),
            "{signal}: alternate screen left"
        );
        assert!(contains(&out, b"\x1b[?25h"), "{signal}: cursor shown");
        let modes = s.termios();
        assert!(
            modes.contains("ICANON") && modes.contains("ECHO"),
            "{signal}: cooked mode again: {modes}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    let home = Home::new();
    for args in [
        &["man"][..],
        &["print", "--demo", "--today", "2025-11-05"],
        &["doctor"],
        &["completions", "bash"],
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_glboard"));
        cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        for (k, v) in home.env() {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        drop(out); // `| head -1`
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
        assert_ne!(o.status.code(), Some(101), "{args:?}");
    }
    let _ = fake;
}

/// In a real terminal, `Esc` and `q` close the mode they are typed in and
/// never the program: planning mode, help and its search, the detail pane
/// and what it opens, pickers, the weight prompt with bad input, the
/// re-plan screen and its target picker, grab. `q` on the plain board quits.
#[test]
fn esc_and_q_close_each_mode_and_never_the_program() {
    let mut s = Session::start(&["--demo", "--today", "2025-11-05"], 120, 40);
    let board = "Datastores team - W45 · Nov 3";
    s.wait_for(board);
    s.send("ll");
    s.wait_for("Ready 1/");
    // Each: keys that open something, what it shows, the closing keys
    // (one at a time: Esc then a key at once reads as Alt+key), and what
    // shows after.
    let steps: &[(&str, &str, &[&str], &str)] = &[
        ("gp", "Planning: backlog", &["\x1b"], board),
        ("gp", "Planning: backlog", &["q"], board),
        ("?", " Keys ", &["\x1b"], "? help · / filter"),
        ("?", " Keys ", &["q"], "? help · / filter"),
        (
            "?/grab",
            "search: grab",
            &["\x1b", "\x1b"],
            "? help · / filter",
        ),
        ("\r", "card keys", &["\x1b"], "? help · / filter"),
        ("\r?", " Keys ", &["\x1b"], "card keys"),
        ("a", "Assignees of", &["\x1b"], "card keys"),
        ("w", "weight (a number", &["\x1b"], "card keys"),
        ("", "card keys", &["q"], "? help · / filter"),
        ("a", "Assignees of", &["\x1b"], "? help · / filter"),
        ("wabc\r", "a whole number", &["\x1b"], "? help · / filter"),
        ("R", "Re-plan Datastores", &["\x1b"], "? help · / filter"),
        ("Rt", "Re-plan to", &["\x1b"], "t target"),
        ("", "t target", &["q"], "? help · / filter"),
        (" ", "Enter drop", &["\x1b"], "put back"),
        (" ", "Enter drop", &["q"], "put back"),
        ("", "put back", &["\x1b"], "q quits"),
    ];
    for (open, shows, close, after) in steps {
        if !open.is_empty() {
            s.send(open);
        }
        s.wait_for(shows);
        for k in *close {
            let before = s.contents();
            s.send(k);
            until(&format!("{open:?} then {k:?} changes the screen"), || {
                s.contents() != before
            });
        }
        s.wait_for(after);
        assert!(
            proc_state(s.pid()).is_some(),
            "{open:?} then {close:?}: still running"
        );
    }
    s.send("q");
    assert!(s.wait_exit().success());
}

/// The terminal goes away under an open board (an SSH connection drops, a
/// tmux window is killed): glboard ends, it does not spin on a dead
/// terminal forever.
#[test]
fn a_board_whose_terminal_goes_away_ends() {
    let mut s = Session::start(&["--demo", "--today", "2025-11-05"], 100, 30);
    s.wait_for("W45 ·");
    s.hang_up();
    until("glboard ends", || s.exited());
}
