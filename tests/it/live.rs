//! End-to-end against GitLab (the fake, over real HTTP): the real binary in
//! a pseudo-terminal, with its own config, cache and state directories.
//! First run syncs; second run starts offline from the cache; faults while
//! open show and clear; a kill -9 mid-sync leaves a usable cache; bad
//! configuration exits 2 with a message naming the file and line.

use crate::common;
use std::process::Command;

use crate::common::{Home, Session, TITLE_WORD, TOKEN, assert_no_token_anywhere, fake};
use chrono::Local;
use fake_gitlab::{FakeGitlab, Fault};

#[test]
fn syncs_then_starts_offline_from_the_cache() {
    let mut server = fake();
    let home = Home::new();
    home.write_config(&server.url());

    let mut s = home.start();
    s.wait_for("synced just now");
    s.wait_for(TITLE_WORD);
    s.wait_for("In Progress");
    assert!(!s.contents().contains(TOKEN));
    s.send("q");
    assert!(s.wait_exit().success());

    server.stop();
    let mut s = home.start();
    // The cached board at once, then the failed sync says offline.
    s.wait_for(TITLE_WORD);
    s.wait_for("offline");
    s.send("\t");
    s.wait_for("Backlog · workflow-infra::Triage");
    s.send("q");
    assert!(s.wait_exit().success());
    assert_no_token_anywhere(&home);
}

#[test]
fn a_fault_while_open_shows_and_the_next_sync_succeeds() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let mut s = home.start();
    s.wait_for("synced just now");
    server.world().always = Some(Fault::Status(401));
    s.send("r");
    s.wait_for("sync failed: GitLab rejected the token");
    s.wait_for(TITLE_WORD);
    server.world().always = None;
    s.send("r");
    s.wait_for("synced just now");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn with_no_cache_and_no_network_it_says_so() {
    let mut server = fake();
    let url = server.url();
    server.stop();
    let home = Home::new();
    home.write_config(&url);
    let mut s = home.start();
    s.wait_for("No cached data, and the first sync failed");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn a_kill_during_sync_leaves_a_usable_cache() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let mut s = home.start();
    s.wait_for("synced just now");
    s.send("q");
    assert!(s.wait_exit().success());

    // Slow answers: the next sync is in flight when the process dies.
    server.world().latency_ms = 1500;
    server.world().issues[0].updated_at = chrono::Utc::now();
    let asked = server.world().log.len();
    let mut s = home.start();
    s.wait_for(TITLE_WORD);
    // Each request now takes 1.5 s: once GitLab has the first, the sync is
    // in flight.
    eventually(&server, "the sync's first request", |w| w.log.len() > asked);
    s.kill();

    server.world().latency_ms = 0;
    let mut s = home.start();
    s.wait_for(TITLE_WORD);
    s.wait_for("synced just now");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn bad_configuration_exits_2_naming_the_file_and_line() {
    let home = Home::new();
    let dir = home.path("config/glboard");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(
        &file,
        "group = \"g\"\nteam_label = \"t\"\nworkflow_scope = \"w\"\ncolour = 3\n",
    )
    .unwrap();
    let out = home.run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:4:", file.display())) && err.contains("colour"),
        "{err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );

    std::fs::write(&file, "team_label = \"t\"\nworkflow_scope = \"w\"\n").unwrap();
    let out = home.run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("group"));

    // A missing --config file is an error too, not the demo.
    let out = home.run(&["--config", "/nonexistent/glboard.toml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn no_token_and_insecure_hosts_exit_2() {
    let home = Home::new();
    home.write_config("http://gitlab.example.com");
    let out = home.run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to send the token"), "{err}");
    assert!(!err.contains(TOKEN));

    let home = Home::new();
    home.write_config("https://gitlab.example.com");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glboard"));
    for (k, v) in home.env() {
        if k != "GITLAB_TOKEN" {
            cmd.env(k, v);
        }
    }
    cmd.env_remove("GITLAB_TOKEN");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("GITLAB_TOKEN"));
}

#[test]
fn init_writes_a_starter_once() {
    let home = Home::new();
    let out = home.run(&[
        "init",
        "--host",
        "https://gitlab.example.com",
        "--group",
        "grp/sub",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(home.path("config/glboard/config.toml")).unwrap();
    assert!(text.contains("group = \"grp/sub\""));
    let out = home.run(&["init", "--group", "other"]);
    assert_eq!(out.status.code(), Some(2), "never overwrites");
}

fn lanes_on_server(
    server: &FakeGitlab,
    title: &str,
) -> (Vec<String>, Vec<u64>, Option<u64>, String) {
    let w = server.world();
    let i = w.issues.iter().find(|i| i.title.contains(title)).unwrap();
    (
        i.labels
            .iter()
            .filter(|l| l.starts_with("workflow-infra::"))
            .cloned()
            .collect(),
        i.assignee_ids.clone(),
        i.milestone_id,
        i.state.clone(),
    )
}

/// Wait until the screen satisfies `pred`.
fn screen_until(s: &Session, what: &str, pred: impl Fn(&str) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if pred(&s.contents()) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!(
        "the board never showed {what:?} as expected; screen:\n{}",
        s.contents()
    );
}

/// Wait until the fake's state satisfies `pred`.
fn eventually(server: &FakeGitlab, what: &str, pred: impl Fn(&fake_gitlab::World) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if pred(&server.world()) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the server never saw: {what}");
}

#[test]
fn promote_take_and_move_reach_gitlab() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let mut s = home.start_with_args(&["--board", "backlog"]);
    s.wait_for("synced just now");
    // The first backlog card, filtered by a title word to be sure which.
    let title = {
        let w = server.world();
        let mut backlog: Vec<_> = w
            .issues
            .iter()
            .filter(|i| {
                i.state == "opened"
                    && i.labels.contains("workflow-infra::Triage")
                    && i.milestone_id.is_none()
            })
            .collect();
        backlog.sort_by_key(|i| i.relative_position);
        backlog[0].title.clone()
    };
    s.send("p");
    s.wait_for("promoted to");
    let current = glboard::core::domain::iteration::pick(
        &glboard::demo::load(Local::now().date_naive())
            .unwrap()
            .0
            .milestones,
        &glboard::demo::load(Local::now().date_naive()).unwrap().1,
        Local::now().date_naive(),
    )
    .current;
    eventually(&server, "promoted", |w| {
        let i = w.issues.iter().find(|i| i.title == title).unwrap();
        i.labels.contains("workflow-infra::Ready")
            && !i.labels.contains("workflow-infra::Triage")
            && i.milestone_id == current
    });
    // On the iteration board, find it with the filter, take it, move it on.
    s.send("2");
    let word: String = title
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    s.send(&format!("/{word}\r"));
    s.wait_for("Ready 1/1");
    s.send("t");
    s.wait_for("taken");
    eventually(&server, "taken", |w| {
        let i = w.issues.iter().find(|i| i.title == title).unwrap();
        i.labels.contains("workflow-infra::In Progress") && i.assignee_ids.contains(&w.me)
    });
    s.send("L");
    eventually(&server, "moved to Under Review", |w| {
        let i = w.issues.iter().find(|i| i.title == title).unwrap();
        i.labels
            .iter()
            .filter(|l| l.starts_with("workflow-infra::"))
            .collect::<Vec<_>>()
            == vec!["workflow-infra::Under Review"]
    });
    s.send("q");
    s.send("q");
    assert!(s.wait_exit().success());
    let (lanes, _, _, state) = lanes_on_server(&server, &title);
    assert_eq!(
        (lanes, state.as_str()),
        (vec!["workflow-infra::Under Review".to_owned()], "opened")
    );
}

#[test]
fn changes_made_offline_arrive_in_order_after_a_restart() {
    let mut server = fake();
    let url = server.url();
    let home = Home::new();
    home.write_config(&url);
    let mut s = home.start();
    s.wait_for("synced just now");
    // Pick the first Ready card of the iteration board and note its title.
    s.send("ll");
    s.wait_for("Ready 1/");
    let world = server.world().clone();
    server.stop();
    // Five changes, offline: In Progress, Under Review, weight 8, a
    // comment, then an issue that will have been deleted meanwhile.
    s.send("L");
    s.send("L");
    s.send("w8\r");
    s.send("cqueued while offline\r");
    s.wait_for("4 changes pending");
    // The fifth: the first In Progress card, which will be gone on GitLab.
    s.send("hgg");
    s.wait_for("In Progress 1/");
    s.send("w3\r");
    s.wait_for("5 changes pending");
    s.send("q");
    assert!(s.wait_exit().success());
    let current = world
        .milestones
        .iter()
        .find(|m| m.title.contains(&world.milestones[2].title))
        .map(|m| m.id);
    let doomed = world
        .issues
        .iter()
        .filter(|i| {
            i.state == "opened"
                && i.milestone_id == current
                && i.labels.contains("workflow-infra::In Progress")
        })
        .min_by_key(|i| i.relative_position)
        .unwrap()
        .id;
    let mut world = world;
    world.issues.retain(|i| i.id != doomed);

    // The server comes back, glboard starts and sends them in order; the
    // change to the deleted issue goes to the problems panel.
    let server = FakeGitlab::start_on(world, url.trim_start_matches("http://").parse().unwrap());
    let mut s = home.start();
    s.wait_for("synced just now");
    eventually(&server, "all queued changes", |w| {
        w.notes.iter().any(|n| n.body == "queued while offline")
    });
    let w = server.world();
    let puts: Vec<&String> = w.log.iter().filter(|l| l.starts_with("PUT")).collect();
    assert_eq!(puts.len(), 3, "two moves and a weight: {puts:#?}");
    let noted = w
        .notes
        .iter()
        .find(|n| n.body == "queued while offline")
        .unwrap()
        .issue_id;
    let moved = w.issues.iter().find(|i| i.id == noted).unwrap();
    assert!(
        moved.labels.contains("workflow-infra::Under Review"),
        "{:?}",
        moved.labels
    );
    assert_eq!(moved.weight, Some(8));
    // In order: the lane moves, then the weight, then the comment.
    let order: Vec<&str> = w
        .log
        .iter()
        .filter(|l| !l.starts_with("GET /api/v4/groups"))
        .map(String::as_str)
        .collect();
    let first_put = order.iter().position(|l| l.starts_with("PUT")).unwrap();
    let note = order
        .iter()
        .position(|l| l.starts_with("POST") && l.contains("/notes"))
        .unwrap();
    assert!(first_put < note);
    drop(w);
    s.wait_for("1 refused (!)");
    s.send("!");
    s.wait_for("no longer exists");
    s.send("d");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn a_kill_between_the_outbox_write_and_the_send_loses_nothing() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let mut s = home.start();
    s.wait_for("synced just now");
    // Every request now hangs for 3 s: the change is written, not sent.
    server.world().latency_ms = 3000;
    s.send("ll");
    s.wait_for("Ready 1/");
    s.send("L");
    // A change shows as pending only once it is written down: killed the
    // moment it shows, it is still there.
    s.wait_for("1 change pending");
    s.kill();
    let puts_before = server
        .world()
        .log
        .iter()
        .filter(|l| l.starts_with("PUT"))
        .count();
    assert_eq!(puts_before, 0, "not sent before the kill");

    server.world().latency_ms = 0;
    let mut s = home.start();
    eventually(&server, "the change, sent after the restart", |w| {
        w.log.iter().any(|l| l.starts_with("PUT"))
    });
    s.wait_for("synced just now");
    // Sent and answered: nothing left to send twice.
    screen_until(&s, "nothing pending", |c| !c.contains("pending"));
    s.send("q");
    assert!(s.wait_exit().success());
    let w = server.world();
    let puts: Vec<&String> = w.log.iter().filter(|l| l.starts_with("PUT")).collect();
    assert_eq!(puts.len(), 1, "applied once: {puts:#?}");
}

#[test]
fn a_kill_during_the_send_applies_the_change_once_in_effect() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let mut s = home.start();
    s.wait_for("synced just now");
    s.send("ll");
    s.wait_for("Ready 1/");
    server.world().latency_ms = 700;
    s.send("L");
    s.wait_for("1 change pending");
    // The fresh read takes 0.7 s; kill while the PUT is on its way.
    eventually(&server, "the PUT started", |w| {
        w.log.iter().any(|l| l.starts_with("PUT"))
    });
    s.kill();
    server.world().latency_ms = 0;
    let moved = {
        let w = server.world();
        let put = w.log.iter().find(|l| l.starts_with("PUT")).unwrap().clone();
        // PUT /api/v4/projects/P/issues/IID
        let parts: Vec<&str> = put.split('/').collect();
        let (p, iid): (u64, u64) = (
            parts[4].parse().unwrap(),
            parts[6].split('?').next().unwrap().parse().unwrap(),
        );
        w.issues
            .iter()
            .find(|i| i.project_id == p && i.iid == iid)
            .unwrap()
            .id
    };
    let mut s = home.start();
    eventually(
        &server,
        "the move, whether the killed PUT landed or not",
        |w| {
            let i = w.issues.iter().find(|i| i.id == moved).unwrap();
            let lanes: Vec<_> = i
                .labels
                .iter()
                .filter(|l| l.starts_with("workflow-infra::"))
                .collect();
            lanes == vec!["workflow-infra::In Progress"]
        },
    );
    s.wait_for("synced just now");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn a_comment_written_in_the_editor_reaches_gitlab() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let script = home.path("editor.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho 'Written in the editor.' >> \"$1\"\n",
    )
    .unwrap();
    #[cfg(unix)]
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
    eventually(&server, "the comment", |w| {
        w.notes.iter().any(|n| n.body == "Written in the editor.")
    });
    // Back in the board, with the comment in the detail pane (its
    // `Created` line: no other screen has one; a word the board or the
    // compose screen also shows let `G` reach the board under load).
    s.send("\r");
    s.wait_for("Created");
    // The first sync lands the issues, then their merge requests: the
    // pane grows by its merge request (`!2`) when they land, and `G` is
    // the end as it was when pressed.
    s.wait_for("Merge requests");
    // The comments are read when the pane opens: to their end once read.
    s.send("G");
    s.wait_for("Comments");
    screen_until(&s, "the comments read", |c| !c.contains("loading…"));
    s.send("G");
    s.wait_for("Written in the editor.");
    s.send("q");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn at_trace_log_level_the_token_is_still_nowhere() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let mut env = home.env();
    env.push(("RUST_LOG".into(), "trace".into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut s = Session::start_with_env(&[], &env, 120, 40);
    s.wait_for("synced just now");
    s.send("ll");
    s.send("L");
    eventually(&server, "the move", |w| {
        w.log.iter().any(|l| l.starts_with("PUT"))
    });
    s.send("q");
    assert!(s.wait_exit().success());
    assert!(!s.contents().contains(TOKEN));
    let log = std::fs::read_to_string(home.path("state/glboard/glboard.log")).unwrap();
    assert!(log.len() > 1000, "trace logging wrote {} bytes", log.len());
    assert_no_token_anywhere(&home);
    // Command-line output too.
    for args in [&["doctor"][..], &["print"], &["sync"], &["pending"]] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_glboard"));
        cmd.args(args).env("RUST_LOG", "trace");
        for (k, v) in home.env() {
            cmd.env(k, v);
        }
        let o = cmd.output().unwrap();
        for out in [&o.stdout, &o.stderr] {
            assert!(!String::from_utf8_lossy(out).contains(TOKEN), "{args:?}");
        }
    }
}

/// Escape sequences and invisible characters a hostile title could carry.
const CATALOGUE: &[&str] = &[
    "\u{1b}[2J",                                                    // CSI: clear the screen
    "\u{1b}]0;pwned\u{7}",                                          // OSC 0: window title
    "\u{1b}]8;;https://evil.example\u{1b}\\link\u{1b}]8;;\u{1b}\\", // OSC 8 link
    "\u{1b}]52;c;ZXZpbA==\u{7}",                                    // OSC 52: clipboard
    "\u{1b}P+q544e\u{1b}\\",                                        // DCS
    "\u{9b}31m",                                                    // C1 CSI
    "\u{85}\u{8d}",                                                 // C1 controls
    "\u{202e}\u{2066}\u{2069}",                                     // bidi overrides
    "\u{200b}\u{200d}\u{feff}",                                     // zero-width
    "\u{7}\u{0}\r\u{8}\u{7f}",                                      // C0 and DEL
];

/// What must never reach a terminal from GitLab's text: OSC and DCS
/// introducers, BEL, C1 controls, bidi overrides, zero-width characters.
fn hostile_bytes(out: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (what, needle) in [
        ("OSC", "\u{1b}]"),
        ("DCS", "\u{1b}P"),
        ("BEL", "\u{7}"),
        ("C1 CSI", "\u{9b}"),
        ("NEL", "\u{85}"),
        ("RLO", "\u{202e}"),
        ("LRI", "\u{2066}"),
        ("ZWSP", "\u{200b}"),
        ("BOM", "\u{feff}"),
        ("pwned title", "0;pwned"),
    ] {
        if out.contains(needle) {
            found.push(what.to_owned());
        }
    }
    found
}

#[test]
fn a_catalogue_of_escapes_from_gitlab_reaches_no_view_output_or_log() {
    let evil: String = CATALOGUE.concat();
    let server = fake();
    {
        let mut w = server.world();
        for i in w.issues.iter_mut() {
            i.title = format!("Evil{evil} {}", i.title);
            i.description = Some(format!(
                "# Head{evil}\n\nbody {evil} [link{evil}](https://x.example/{evil})"
            ));
            i.labels.insert(format!("note{evil}"));
        }
        for u in w.users.iter_mut() {
            u.name = format!("{}{evil}", u.name);
            u.username = format!("{}{evil}", u.username);
        }
        for m in w.milestones.iter_mut() {
            m.description = format!("desc{evil}");
        }
    }
    let home = Home::new();
    home.write_config(&server.url());
    let mut env = home.env();
    env.push(("RUST_LOG".into(), "trace".into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // Every view: the board, the detail pane, help, the assignee and
    // milestone pickers, a filter.
    let mut s = Session::start_with_env(&[], &env, 120, 40);
    s.wait_for("synced just now");
    s.wait_for("Evil");
    // Each key, then what it shows (or stops showing) before the next.
    for (keys, shows, what) in [
        ("\r", true, "┌ #"),
        ("q", false, "┌ #"),
        ("?", true, "┌ Keys"),
        ("?", false, "┌ Keys"),
        ("a", true, "Assignees of"),
        ("\u{1b}", false, "Assignees of"),
        ("M", true, "Milestone of"),
        ("\u{1b}", false, "Milestone of"),
        ("/Evil", true, "/Evil█"),
        ("\r", true, "filter \"Evil\""),
    ] {
        s.send(keys);
        screen_until(&s, what, |c| c.contains(what) == shows);
    }
    s.send("q");
    s.send("q");
    assert!(s.wait_exit().success());
    let raw = String::from_utf8_lossy(&s.raw.lock().unwrap()).into_owned();
    assert!(raw.contains("Evil"), "the titles were shown");
    assert_eq!(
        hostile_bytes(&raw),
        Vec::<String>::new(),
        "the terminal got them"
    );

    // Every output format, and the log of all of it.
    for format in ["plain", "markdown", "json"] {
        let out = home.run(&["print", "--format", format]);
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Evil"), "{format}");
        assert_eq!(hostile_bytes(&text), Vec::<String>::new(), "{format}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            assert!(v.to_string().contains("Evil"));
        }
    }
    let log = std::fs::read_to_string(home.path("state/glboard/glboard.log")).unwrap();
    assert!(log.len() > 1000);
    assert_eq!(
        hostile_bytes(&log),
        Vec::<String>::new(),
        "the log got them"
    );
}

#[test]
fn a_marked_column_moves_to_the_next_milestone_as_one_action_and_one_undo() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let (current, next, next_title, ready) = {
        let w = server.world();
        let (cur, next) = (w.milestones[2].id, w.milestones[3].clone());
        let ready: Vec<u64> = w
            .issues
            .iter()
            .filter(|i| {
                i.state == "opened"
                    && i.milestone_id == Some(cur)
                    && i.labels.contains("workflow-infra::Ready")
                    && i.labels.contains("team::Datastores")
            })
            .map(|i| i.id)
            .collect();
        (cur, next.id, next.title, ready)
    };
    assert!(ready.len() >= 3, "{ready:?}");
    let mut s = home.start();
    s.wait_for("synced just now");
    // Open, Triage, Ready: mark the whole column.
    s.send("llV");
    s.wait_for(&format!("{} marked", ready.len()));
    // One milestone for all of them.
    s.send("M");
    s.wait_for("Milestone");
    let short = next_title.rsplit(' ').next().unwrap().to_owned();
    s.send(&format!("{short}\r"));
    s.wait_for(&format!("{} issues →", ready.len()));
    eventually(&server, "every marked issue in the next milestone", |w| {
        ready.iter().all(|id| {
            w.issues
                .iter()
                .find(|i| i.id == *id)
                .is_some_and(|i| i.milestone_id == Some(next))
        })
    });
    // One undo puts every one back.
    s.send("u");
    eventually(&server, "every issue back in the current milestone", |w| {
        ready.iter().all(|id| {
            w.issues
                .iter()
                .find(|i| i.id == *id)
                .is_some_and(|i| i.milestone_id == Some(current))
        })
    });
    s.send("\x1b");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn a_rebound_key_works_and_a_command_gets_a_hostile_title_as_data() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let out = home.path("command-output.txt");
    let pwned = home.path("PWNED");
    let hostile = format!(
        "Zebracorn it's \"$(touch {p})\" `touch {p}` $HOME; touch {p}",
        p = pwned.display()
    );
    let id = {
        let mut w = server.world();
        let cur = w.milestones[2].id;
        let i = w
            .issues
            .iter_mut()
            .find(|i| {
                i.state == "opened"
                    && i.milestone_id == Some(cur)
                    && i.labels.contains("workflow-infra::Ready")
            })
            .unwrap();
        i.title = hostile.clone();
        i.id
    };
    let config = home.path("config/glboard/config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[keys.board]\ntake = \"T\"\nmove-card-top = \"gT\"\n\n[[commands]]\nkey = \"gx\"\ntitle = \"record\"\ncommand = \"printf '%s|' {{title}} {{reference}} {{branch}} > '{}'\"\n",
        out.display()
    ));
    std::fs::write(&config, text).unwrap();
    let mut s = home.start();
    s.wait_for("synced just now");
    s.send("/Zebracorn\r");
    s.wait_for("Ready 1/1");
    s.send("gx");
    s.wait_for("record: done");
    let got = std::fs::read_to_string(&out).unwrap();
    let (title, rest) = got.split_once('|').unwrap();
    assert_eq!(title, hostile, "the title arrives whole, as data");
    assert!(rest.starts_with('#'), "{got}");
    assert!(!pwned.exists(), "nothing in the title ran");
    // The rebound key takes; the old one no longer does.
    s.send("t");
    s.send("T");
    s.wait_for("taken");
    eventually(&server, "taken with the rebound key", |w| {
        let i = w.issues.iter().find(|i| i.id == id).unwrap();
        i.labels.contains("workflow-infra::In Progress") && i.assignee_ids.contains(&w.me)
    });
    s.send("\x1b");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn what_changed_since_you_last_looked_is_marked_listed_and_printed() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    // No look yet: said.
    let o = home.run(&["print", "--since", "last"]);
    assert_eq!(o.status.code(), Some(1));
    let mut s = home.start();
    s.wait_for("synced just now");
    s.send("q");
    assert!(s.wait_exit().success());
    // Meanwhile on GitLab: an issue of the current iteration moves on.
    let (id, iid) = {
        let mut w = server.world();
        let cur = w.milestones[2].id;
        let now = w.now();
        let i = w
            .issues
            .iter_mut()
            .find(|i| {
                i.state == "opened"
                    && i.milestone_id == Some(cur)
                    && i.labels.contains("workflow-infra::Ready")
            })
            .unwrap();
        i.labels.remove("workflow-infra::Ready");
        i.labels.insert("workflow-infra::Under Review".into());
        i.updated_at = now;
        (i.id, i.iid)
    };
    let o = home.run(&["sync"]);
    assert!(o.status.success());
    let o = home.run(&["print", "--since", "last", "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{v}");
    assert!(
        changes[0]["reference"]
            .as_str()
            .unwrap()
            .ends_with(&format!("#{iid}"))
    );
    assert_eq!(changes[0]["what"][0]["kind"], "moved");
    assert_eq!(changes[0]["what"][0]["to"], "Under Review");
    // A day before every look: exit 1, naming the first look (comparing
    // with a later one would leave out what changed since that day).
    let o = home.run(&["print", "--since", "2000-01-01"]);
    assert_eq!(o.status.code(), Some(1));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains("no look before 2000-01-01"), "{said}");
    let first = said
        .split("(--since ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    let o = home.run(&["print", "--since", first]);
    assert_eq!(o.status.code(), Some(0), "--since {first}");
    // The board marks it and lists it.
    let mut s = home.start();
    s.wait_for("synced just now");
    s.send("gc");
    s.wait_for("moved Ready → Under Review");
    s.send("q");
    s.send("q");
    assert!(s.wait_exit().success());
    let _ = id;
}

/// An open board whose token from glab's login expires: GitLab answers
/// 401, the board reads glab's file again, has glab renew the login (glab
/// writes its file), and syncs on with the new token.
#[test]
fn an_open_board_reads_glabs_login_again_when_its_token_is_rejected() {
    const FIRST: &str = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3";
    const NEXT: &str = "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4";
    let server = fake();
    server.world().token = FIRST.into();
    let home = Home::new();
    home.write_config(&server.url());
    let glab_dir = home.path("config/glab-cli");
    std::fs::create_dir_all(&glab_dir).unwrap();
    let glab = glab_dir.join("config.yml");
    std::fs::write(
        &glab,
        common::glab_oauth_config(&server.url(), FIRST, &common::glab_expiry(60)),
    )
    .unwrap();
    let tools = tempfile::tempdir().unwrap();
    let bin = common::fake_glab(tools.path(), &glab);
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let home_dir = home.path("").display().to_string();
    let mut env: Vec<(String, String)> = home
        .env()
        .into_iter()
        .filter(|(k, _)| k != "GITLAB_TOKEN")
        .collect();
    for (k, v) in [
        ("GITLAB_TOKEN", ""),
        ("GITLAB_ACCESS_TOKEN", ""),
        ("OAUTH_TOKEN", ""),
        ("GLAB_CONFIG_DIR", ""),
        ("DBUS_SESSION_BUS_ADDRESS", ""),
        ("HOME", home_dir.as_str()),
        ("PATH", path.as_str()),
    ] {
        env.push((k.into(), v.into()));
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut s = Session::start_with_env(&[], &env, 120, 40);
    s.wait_for("synced just now");
    s.wait_for(TITLE_WORD);
    // Two hours on: GitLab takes only the renewed token; glab's file still
    // holds the first, now past its expiry; glab will renew it.
    server.world().token = NEXT.into();
    std::fs::write(
        &glab,
        common::glab_oauth_config(&server.url(), FIRST, &common::glab_expiry(-1)),
    )
    .unwrap();
    std::fs::write(
        tools.path().join("glab-next.yml"),
        common::glab_oauth_config(&server.url(), NEXT, &common::glab_expiry(120)),
    )
    .unwrap();
    {
        let mut w = server.world();
        let i = w
            .issues
            .iter_mut()
            .find(|i| i.state == "opened" && i.title.contains(TITLE_WORD))
            .unwrap();
        i.title = format!("Zq9 {}", i.title);
        i.updated_at = chrono::Utc::now();
    }
    s.send("r");
    s.wait_for("Zq9");
    assert!(!s.contents().contains("rejected the token"));
    assert!(std::fs::read_to_string(tools.path().join("glab.log")).is_ok());
    s.send("q");
    assert!(s.wait_exit().success());
}

/// An interactive command's last output stays on the screen until Enter:
/// the board is not drawn over it at once.
#[test]
fn an_interactive_commands_output_stays_until_enter() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let config = home.path("config/glboard/config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "\n[[commands]]\nkey = \"gx\"\ntitle = \"hello\"\ncommand = \"echo hello-from-the-command\"\ninteractive = true\n",
    );
    std::fs::write(&config, text).unwrap();
    let mut s = home.start();
    s.wait_for("synced just now");
    s.send("gx");
    s.wait_for("hello ended: press Enter to return to the board");
    s.wait_for("hello-from-the-command");
    s.send("\r");
    s.wait_for("hello: done");
    s.send("q");
    assert!(s.wait_exit().success());
}
