//! End-to-end: the real `glboard` binary in a pseudo-terminal, read back
//! through a vt100 emulator, as a user in a terminal would see it.

use crate::common::Session;

#[test]
fn open_the_demo_move_open_help_and_quit_leaves_a_clean_terminal() {
    let mut s = Session::start(&["--demo", "--today", "2025-11-05"], 120, 40);
    s.wait_for("DEMO");
    s.wait_for("In Progress");
    s.wait_for("W45 ·");
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

#[test]
fn a_resize_storm_down_to_one_cell_leaves_it_alive_and_answering() {
    let mut s = Session::start(&["--demo", "--today", "2025-11-05"], 100, 30);
    s.wait_for("W45 ·");
    let mut rng = fastrand::Rng::with_seed(7);
    // 300 resizes, keys typed in between, down to 1x1 and up to 300x100.
    for n in 0..300 {
        let (cols, rows) = match n % 10 {
            0 => (1, 1),
            1 => (300, 100),
            _ => (rng.u16(1..200), rng.u16(1..60)),
        };
        s.resize(cols, rows);
        if n % 3 == 0 {
            s.send(["j", "l", "k", "h"][n % 4]);
        }
    }
    s.resize(1, 1);
    std::thread::sleep(std::time::Duration::from_millis(200));
    s.resize(120, 40);
    // Still alive and answering: the help opens and closes, then it quits.
    s.send("?");
    s.wait_for("Keys");
    s.send("?");
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");
}

#[test]
fn print_on_a_terminal_is_bold_unless_no_color() {
    for (no_color, bold) in [("", true), ("1", false)] {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("none").display().to_string();
        let env = [("XDG_CONFIG_HOME", cfg.as_str()), ("NO_COLOR", no_color)];
        // Tall enough that nothing scrolls off.
        let mut s = Session::start_with_env(
            &["print", "--demo", "--today", "2025-11-05"],
            &env,
            120,
            200,
        );
        let status = s.wait_exit();
        assert!(status.success());
        let screen = s.parser.lock().unwrap();
        let cell = screen.screen().cell(0, 0).unwrap().clone();
        assert_eq!(cell.bold(), bold, "NO_COLOR={no_color:?}");
        assert!(screen.screen().contents().contains("Datastores team - W45"));
    }
}

/// Wait until the program wrote `what` to the terminal.
fn wait_for_raw(s: &Session, what: &[u8]) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if s.raw_since(0).windows(what.len()).any(|w| w == what) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    panic!(
        "the program never wrote {:?}",
        String::from_utf8_lossy(what)
    );
}

fn wrote(s: &Session, what: &str) -> bool {
    s.raw_since(0)
        .windows(what.len())
        .any(|w| w == what.as_bytes())
}

#[test]
fn a_light_terminal_gets_the_light_theme_and_a_silent_one_the_dark_in_time() {
    // NO_COLOR (the sessions' default) would skip the question: colour on;
    // the palettes terminals said are kept in this home's state directory.
    let home = crate::common::Home::new();
    let mut env = home.env();
    env.push(("NO_COLOR".into(), String::new()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let args = ["--demo", "--today", "2025-11-05"];
    let frame = "Backlog";
    // A light terminal answers the background query (OSC 11) and the
    // device attributes that follow it. The first frame does not wait for
    // the answer: it comes first, dark (nothing known of this terminal),
    // then the board is drawn again in the light palette.
    let mut s = Session::start_with_env(&args, &env, 100, 30);
    wait_for_raw(&s, b"\x1b]11;?");
    assert!(
        before(&s, frame, "\x1b]11;?"),
        "the first frame came before the question"
    );
    let asked_at = s.raw_len();
    s.send("\x1b]10;rgb:0000/0000/0000\x1b\\\x1b]11;rgb:ffff/ffff/ffff\x1b\\\x1b[?62;22c");
    // The accent turns blue, not the dark palette's cyan.
    wait_for_raw(&s, b"38;5;4;");
    assert!(
        !String::from_utf8_lossy(&s.raw_since(asked_at)).contains("38;5;6;"),
        "no cyan once the terminal said it is light"
    );
    s.send("q");
    assert!(s.wait_exit().success());
    // The same kind of terminal again: light from the first frame on.
    let mut s = Session::start_with_env(&args, &env, 100, 30);
    wait_for_raw(&s, b"\x1b]11;?");
    assert!(wrote(&s, "38;5;4;"), "blue from the first frame");
    assert!(!wrote(&s, "38;5;6;"), "no cyan on a terminal known light");
    s.kill();
    // A terminal that never answers: the board comes first anyway, in
    // the palette last known (another kind of terminal: dark)...
    let mut silent = env.clone();
    silent.push(("TERM_PROGRAM", "silent"));
    let mut s = Session::start_with_env(&args, &silent, 100, 30);
    wait_for_raw(&s, b"\x1b]11;?");
    assert!(before(&s, frame, "\x1b]11;?"), "the first frame came first");
    assert!(wrote(&s, "38;5;6;"), "the dark palette");
    // ...and once the question has gone unanswered, it is not asked again.
    let palettes = home.path("state/glboard/palettes");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !std::fs::read_to_string(&palettes).is_ok_and(|t| t.contains("|silent\tsilent")) {
        assert!(
            std::time::Instant::now() < deadline,
            "the silence remembered"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    s.send("q");
    assert!(s.wait_exit().success());
    let mut s = Session::start_with_env(&args, &silent, 100, 30);
    s.wait_for("W45 ·");
    s.send("q");
    assert!(s.wait_exit().success());
    assert!(
        !wrote(&s, "\x1b]11;?"),
        "a silent terminal is not asked again"
    );
    assert!(wrote(&s, "38;5;6;"), "the dark palette");
}

/// Whether `first` was written before `then`.
fn before(s: &Session, first: &str, then: &str) -> bool {
    let raw = s.raw_since(0);
    let at = |what: &str| raw.windows(what.len()).position(|w| w == what.as_bytes());
    matches!((at(first), at(then)), (Some(a), Some(b)) if a < b)
}
