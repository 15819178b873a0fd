//! Several glboard processes on one cache, as people use them: a board in
//! a terminal, `glboard sync` from cron, an action from another shell. Each
//! sees what the others wrote; none reports another's change as a
//! conflict; nothing stays pending for good.

mod common;

use std::time::{Duration, Instant};

use chrono::Local;
use common::{Home, Session, TITLE_WORD, fake};
use fake_gitlab::{FIssue, FakeGitlab, Fault};

/// Wait until the fake's state satisfies `pred`.
fn eventually(server: &FakeGitlab, what: &str, pred: impl Fn(&fake_gitlab::World) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if pred(&server.world()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the server never saw: {what}");
}

/// Wait until the screen satisfies `pred`.
fn screen_until(s: &Session, what: &str, pred: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if pred(&s.contents()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the board never showed {what}; screen:\n{}", s.contents());
}

/// Wait until `glboard pending` has nothing.
fn until_nothing_pending(home: &Home) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let o = home.run(&["pending"]);
        if String::from_utf8_lossy(&o.stdout).contains("no pending changes") {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("changes stayed pending");
}

fn lanes(i: &FIssue) -> Vec<String> {
    i.labels
        .iter()
        .filter(|l| l.starts_with("workflow-infra::"))
        .cloned()
        .collect()
}

/// An open issue of the current iteration in one lane, alone in it by its
/// title's first words (for the board's filter), with its reference.
fn pick(server: &FakeGitlab, lane: &str) -> (FIssue, String, String) {
    let today = Local::now().date_naive();
    let (demo, team) = glboard::demo::load(today);
    let current = glboard::core::iteration::pick(&demo.milestones, &team, today).current;
    let w = server.world();
    let label = format!("workflow-infra::{lane}");
    let candidates: Vec<&FIssue> = w
        .issues
        .iter()
        .filter(|i| i.state == "opened" && i.milestone_id == current && lanes(i) == [label.clone()])
        .collect();
    for i in candidates {
        let word: String = i
            .title
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        let alike = w
            .issues
            .iter()
            .filter(|j| j.title.to_lowercase().contains(&word.to_lowercase()))
            .count();
        if alike == 1 && word.is_ascii() {
            let project = w.projects.iter().find(|p| p.id == i.project_id).unwrap();
            return (i.clone(), word, format!("{}#{}", project.path, i.iid));
        }
    }
    panic!("no issue alone in {lane}");
}

fn on_server(server: &FakeGitlab, id: u64) -> FIssue {
    server
        .world()
        .issues
        .iter()
        .find(|i| i.id == id)
        .unwrap()
        .clone()
}

#[test]
fn a_board_move_shows_in_print_and_the_command_line_acts_on_it() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let mut s = home.start();
    s.wait_for("synced");
    s.wait_for(TITLE_WORD);
    let (issue, word, reference) = pick(&server, "Ready");
    s.send(&format!("/{word}\r"));
    s.wait_for("Ready 1/1");
    s.send("L");
    eventually(&server, "the move", |w| {
        w.issues
            .iter()
            .any(|i| i.id == issue.id && i.labels.contains("workflow-infra::In Progress"))
    });
    until_nothing_pending(&home);
    // Another shell: print shows GitLab's state, the move included.
    let o = home.run(&["print", "--format", "json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let lane_of = |v: &serde_json::Value| {
        v["lanes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| {
                l["issues"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|i| i["reference"] == reference.as_str())
            })
            .map(|l| l["name"].as_str().unwrap().to_owned())
    };
    assert_eq!(lane_of(&v).as_deref(), Some("In Progress"));
    // And the command line acts on it: not "nothing to change".
    let o = home.run(&["move", &reference, "Ready"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.contains("nothing to change"), "{out}");
    assert_eq!(
        lanes(&on_server(&server, issue.id)),
        ["workflow-infra::Ready"]
    );
    // The open board shows it back in Ready, without a restart or a key.
    s.wait_for("Ready 1/1");
    // The first q clears the filter, the second quits.
    s.send("q");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn a_sync_from_another_shell_leaves_the_board_with_no_false_conflict() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let mut s = home.start();
    s.wait_for("synced");
    s.wait_for(TITLE_WORD);
    let (issue, word, _) = pick(&server, "In Progress");
    s.send(&format!("/{word}\r"));
    s.wait_for("In Progress 1/1");
    // GitLab is down: two moves wait in the outbox.
    server.world().always = Some(Fault::Status(503));
    s.send("L");
    s.wait_for("Under Review 1/1");
    s.send("L");
    s.wait_for("Blocked 1/1");
    s.wait_for("2 changes pending");
    // GitLab is back; cron runs `glboard sync` in another process.
    server.world().always = None;
    let o = home.run(&["sync"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    eventually(&server, "both moves, in order", |w| {
        w.issues
            .iter()
            .any(|i| i.id == issue.id && lanes(i) == ["workflow-infra::Blocked"])
    });
    until_nothing_pending(&home);
    // The board: nothing pending, no conflict, the card where it went.
    screen_until(&s, "no pending changes", |c| !c.contains("pending"));
    let screen = s.contents();
    assert!(
        !screen.contains("meanwhile") && !screen.contains("refused"),
        "{screen}"
    );
    assert!(screen.contains("Blocked 1/1"), "{screen}");
    assert_eq!(
        lanes(&on_server(&server, issue.id)),
        ["workflow-infra::Blocked"]
    );
    // The first q clears the filter, the second quits.
    s.send("q");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn what_another_process_synced_reaches_an_open_board() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let mut s = home.start();
    s.wait_for("synced");
    s.wait_for(TITLE_WORD);
    let (issue, word, _) = pick(&server, "Ready");
    s.send(&format!("/{word}\r"));
    s.wait_for("Ready 1/1");
    // Someone moves it on the web; cron's `glboard sync` fetches it.
    {
        let mut w = server.world();
        let i = w.issues.iter_mut().find(|i| i.id == issue.id).unwrap();
        i.labels.retain(|l| !l.starts_with("workflow-infra::"));
        i.labels.insert("workflow-infra::Under Review".into());
        i.updated_at = chrono::Utc::now();
    }
    let o = home.run(&["sync"]);
    assert!(o.status.success());
    // The open board shows it within a second, with no key pressed.
    s.wait_for("Under Review 1/1");
    // The first q clears the filter, the second quits.
    s.send("q");
    s.send("q");
    assert!(s.wait_exit().success());
}
