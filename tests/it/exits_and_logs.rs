//! What a script or cron sees of a command: a sync that leaves a change
//! not applied (a conflict) exits 1, and every command writes the board's
//! log (owner-only, rotated), so that "what happened at 03:00" has an
//! answer.

use std::process::{Command, Output};

use crate::common::{Home, fake};
use fake_gitlab::{FakeGitlab, Fault};

fn run(home: &Home, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glboard"));
    cmd.args(args).env("TERM", "dumb").env_remove("GITLAB_HOST");
    for (k, v) in home.env() {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// An open issue of the team's with a unique iid, and its id.
fn some_issue(server: &FakeGitlab) -> (u64, u64) {
    let w = server.world();
    let i = w
        .issues
        .iter()
        .filter(|i| i.state == "opened" && i.labels.iter().any(|l| l == "team::Datastores"))
        .find(|i| w.issues.iter().filter(|j| j.iid == i.iid).count() == 1)
        .expect("an issue");
    (i.iid, i.id)
}

#[test]
fn a_sync_that_leaves_a_change_in_conflict_exits_1() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    assert_eq!(run(&home, &["sync"]).status.code(), Some(0));
    let (iid, id) = some_issue(&server);
    // GitLab away: the weight waits.
    server.world().always = Some(Fault::Status(503));
    let o = run(&home, &["weight", &iid.to_string(), "8"]);
    assert_eq!(o.status.code(), Some(75), "{}", text(&o));
    // Someone sets another weight on the web meanwhile.
    {
        let mut w = server.world();
        let i = w.issues.iter_mut().find(|i| i.id == id).unwrap();
        i.weight = Some(13);
        i.updated_at = chrono::Utc::now();
        w.always = None;
    }
    let o = run(&home, &["sync"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("conflict") && text(&o).contains("1 changes not applied"),
        "{}",
        text(&o)
    );
    let weight = server
        .world()
        .issues
        .iter()
        .find(|i| i.id == id)
        .and_then(|i| i.weight);
    assert_eq!(weight, Some(13), "the web's edit stays");
    // Said once: the next sync has nothing new to report.
    let o = run(&home, &["sync"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[cfg(unix)]
#[test]
fn every_command_writes_the_log_owner_only_and_rotates_it() {
    use std::os::unix::fs::PermissionsExt;
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let log = home.path("state/glboard/glboard.log");
    assert_eq!(run(&home, &["sync"]).status.code(), Some(0));
    assert_eq!(run(&home, &["pending"]).status.code(), Some(0));
    let written = std::fs::read_to_string(&log).expect("a log");
    assert!(
        written.contains("command=sync") && written.contains("command=pending"),
        "{written}"
    );
    let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // Past 8 MB it is set aside as glboard.log.1 and a new one started.
    std::fs::write(&log, vec![b'x'; 9 * 1024 * 1024]).unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(run(&home, &["pending"]).status.code(), Some(0));
    let old = home.path("state/glboard/glboard.log.1");
    assert_eq!(std::fs::metadata(&old).unwrap().len(), 9 * 1024 * 1024);
    let fresh = std::fs::read_to_string(&log).unwrap();
    assert!(
        fresh.len() < 4096 && fresh.contains("command=pending"),
        "{fresh}"
    );
    for f in [&log, &old] {
        let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
}

/// `GLBOARD_MAX_RATE_WAIT` bounds how long a command waits out a rate
/// limit: a cron job that would rather try again later gets 75 at once,
/// with the time GitLab gave, and the change stays queued.
#[test]
fn a_rate_limit_longer_than_the_wait_asked_for_exits_75_at_once() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    assert_eq!(run(&home, &["sync"]).status.code(), Some(0));
    let (iid, id) = some_issue(&server);
    // A 429 without Retry-After: a minute, which a command waits out...
    server.world().always = Some(Fault::RateLimitRaw(None));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glboard"));
    cmd.args(["weight", &iid.to_string(), "8"])
        .env("TERM", "dumb")
        .env_remove("GITLAB_HOST")
        // ...unless told to wait 2 s at most.
        .env("GLBOARD_MAX_RATE_WAIT", "2");
    for (k, v) in home.env() {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    assert_eq!(o.status.code(), Some(75), "{}", text(&o));
    assert!(
        text(&o).contains("rate-limited by GitLab until"),
        "{}",
        text(&o)
    );
    let pending = run(&home, &["pending"]);
    assert!(text(&pending).contains("queued"), "{}", text(&pending));
    server.world().always = None;
    assert_eq!(run(&home, &["sync"]).status.code(), Some(0));
    let w = server.world();
    assert_eq!(
        w.issues.iter().find(|i| i.id == id).unwrap().weight,
        Some(8)
    );
}
