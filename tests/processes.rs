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
    let (demo, team) = glboard::demo::load(today).unwrap();
    let current = glboard::core::domain::iteration::pick(&demo.milestones, &team, today).current;
    let w = server.world();
    let label = format!("workflow-infra::{lane}");
    let candidates: Vec<&FIssue> = w
        .issues
        .iter()
        // Issues, not incidents: GitLab keeps no weight on an incident,
        // and the weights set here are checked on GitLab.
        .filter(|i| i.state == "opened" && i.milestone_id == current && lanes(i) == [label.clone()])
        .filter(|i| i.issue_type == "issue")
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
    s.wait_for("synced just now");
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
    s.wait_for("synced just now");
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
        !screen.contains("meanwhile")
            && !screen.contains("refused")
            && !screen.contains("conflict"),
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
    s.wait_for("synced just now");
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

/// The cache's files a process has open that were deleted under it
/// (`/proc/PID/fd` links ending in "(deleted)").
fn deleted_under(pid: u32, cache: &std::path::Path) -> Vec<String> {
    let name = cache.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|rd| {
            rd.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .map(|l| l.display().to_string())
                .filter(|l| l.contains(&name) && l.ends_with("(deleted)"))
                .collect()
        })
        .unwrap_or_default()
}

/// The cache's files a process has open.
fn cache_fds(pid: u32, cache: &std::path::Path) -> Vec<String> {
    let name = cache.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|rd| {
            rd.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .map(|l| l.display().to_string())
                .filter(|l| l.contains(&name))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a process holds a lock on the database file itself (in WAL
/// mode every SQLite connection keeps a shared one while it is open: it
/// tells a closing connection elsewhere that it is not the last).
fn holds_db_lock(pid: u32, cache: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let inode = std::fs::metadata(cache).unwrap().ino();
    std::fs::read_to_string("/proc/locks")
        .unwrap()
        .lines()
        .any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // "1: POSIX  ADVISORY  READ 4242 fe:00:123 1073741826 1073742335"
            f.len() >= 8
                && f[4] == pid.to_string()
                && f[5].rsplit(':').next() == Some(inode.to_string().as_str())
        })
}

/// Another program reads the cache and closes it, as `sqlite3 CACHE
/// "select count(*) from issues"` does: the system's `sqlite3` when there
/// is one (Debian 12's 3.40 deletes the WAL on close when no other process
/// holds a lock on the database file; the 3.53 bundled here also looks at
/// the -shm file's locks first), and SQLite's library here.
fn foreign_read(cache: &std::path::Path) {
    if let Ok(o) = std::process::Command::new("sqlite3")
        .arg(cache)
        .arg("select count(*) from issues")
        .output()
    {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let db = rusqlite::Connection::open(cache).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    let _: i64 = db
        .query_row("SELECT count(*) FROM issues", [], |r| r.get(0))
        .unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn readers_in_other_processes_leave_an_open_board_its_files_and_its_queued_change() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let mut s = home.start();
    s.wait_for("synced just now");
    s.wait_for(TITLE_WORD);
    let cache = cache_file(&home);
    let pid = s.pid();
    let wal = format!("{}-wal", cache.display());
    assert!(
        cache_fds(pid, &cache).iter().any(|l| l == &wal),
        "the board has its write-ahead log open: {:?}",
        cache_fds(pid, &cache)
    );
    // Other processes open and close the cache: SQLite's own library (as
    // `sqlite3` would), and a second glboard, while the board syncs.
    let neighbours = |home: &Home| {
        for round in 0..30 {
            foreign_read(&cache);
            if round % 10 == 0 {
                assert!(home.run(&["pending"]).status.success());
            }
            let gone = deleted_under(pid, &cache);
            assert!(gone.is_empty(), "deleted under the board: {gone:?}");
            assert!(
                holds_db_lock(pid, &cache),
                "the board lost its lock on the cache (round {round})"
            );
        }
    };
    s.send("r");
    neighbours(&home);
    // GitLab is away: a weight set on the board waits in the outbox.
    server.world().always = Some(Fault::Status(503));
    s.send("ll");
    s.wait_for("Ready 1/");
    s.send("w8\r");
    s.wait_for("1 change pending");
    neighbours(&home);
    let o = home.run(&["pending"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("queued"), "another shell sees it: {out}");
    // The board dies without a word; its change is still there.
    s.kill();
    foreign_read(&cache);
    let o = home.run(&["pending"]);
    let after = String::from_utf8_lossy(&o.stdout);
    assert_eq!(after, out, "the queued change survives kill -9");
}

/// What the test asked for on one issue, in the order it asked.
#[derive(Debug, Clone)]
struct Tracked {
    id: u64,
    word: String,
    reference: String,
    lane: String,
    weight: Option<u32>,
}

/// What `u` on the board will do next, as the board's undo stack has it.
#[derive(Debug, Clone)]
enum UndoStep {
    Lane {
        k: usize,
        before: String,
    },
    Weight {
        k: usize,
        before: Option<u32>,
    },
    /// A comment or a new issue: `u` says it cannot, and goes no further.
    Never,
}

/// The cache file of a home.
fn cache_file(home: &Home) -> std::path::PathBuf {
    let dir = home.path("cache/glboard");
    std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "sqlite"))
        .expect("a cache file")
}

/// The highest change id written down so far (by any process).
fn last_change(home: &Home) -> i64 {
    let db = rusqlite::Connection::open_with_flags(
        cache_file(home),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    db.query_row("SELECT COALESCE(MAX(id), 0) FROM outbox", [], |r| r.get(0))
        .unwrap()
}

/// Wait until the board has written down a change newer than `before`.
fn until_written(home: &Home, before: i64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if last_change(home) > before {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the board never wrote down: {what}");
}

/// Filter the board down to one tracked issue.
fn show_only(s: &mut Session, t: &Tracked) {
    s.send("/\u{15}");
    s.send(&t.word);
    s.send("\r");
    s.wait_for(&format!("{} 1/1", t.lane));
}

fn cli_ok(o: &std::process::Output, what: &str) {
    // 0: applied; 75: queued (GitLab away or failing), sent later.
    assert!(
        matches!(o.status.code(), Some(0) | Some(75)),
        "{what}: exit {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The commands from other shells wait out a rate limit of a second at most
/// (a 429 without `Retry-After` is a minute): exit 75, queued, and sent by
/// whoever sends next, as a cron job that would rather try again later.
const SHORT_RATE_WAIT: &[(&str, &str)] = &[("GLBOARD_MAX_RATE_WAIT", "1")];

/// Several processes on one cache against a GitLab in chaos mode: a board
/// in a pseudo-terminal, actions and `glboard sync` from other shells, the
/// same fields changed from both, undo, comments, new issues, a re-plan
/// undone, GitLab going away and coming back. When all has settled, GitLab
/// holds the last intent for every field, the cache equals GitLab, nothing
/// is pending or refused, and nothing was posted or created twice.
/// `GLBOARD_CHAOS_ROUNDS` and `GLBOARD_CHAOS_SEED` make it longer or
/// different (README: long runs).
#[test]
fn several_processes_under_chaos_settle_on_the_last_intent() {
    let rounds: usize = std::env::var("GLBOARD_CHAOS_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let seed: u64 = std::env::var("GLBOARD_CHAOS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11);
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let env = home.env();
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.push(("EDITOR", ""));
    env.push(("VISUAL", ""));
    let mut s = Session::start_with_env(&[], &env, 120, 40);
    s.wait_for("synced just now");
    s.wait_for(TITLE_WORD);
    let lanes = ["Ready", "In Progress", "Under Review", "Blocked"];
    let mut tracked: Vec<Tracked> = Vec::new();
    for lane in lanes {
        let (i, word, reference) = pick(&server, lane);
        tracked.push(Tracked {
            id: i.id,
            word,
            reference,
            lane: lane.to_owned(),
            weight: i.weight,
        });
    }
    server.world().chaos = Some(fake_gitlab::Chaos {
        seed,
        fault_permille: 150,
        max_latency_ms: 20,
        shift_permille: 200,
        ..Default::default()
    });
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut undo: Vec<UndoStep> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut created: Vec<String> = Vec::new();
    let mut away = 0;
    for round in 0..rounds {
        if away > 0 {
            away -= 1;
            if away == 0 {
                server.world().always = None;
            }
        }
        let k = rng.usize(..tracked.len());
        let other = |rng: &mut fastrand::Rng, now: &str| loop {
            let l = lanes[rng.usize(..lanes.len())];
            if l != now {
                return l.to_owned();
            }
        };
        match rng.u32(..10) {
            0 | 1 => {
                // The board: a lane move through the lane picker.
                let to = other(&mut rng, &tracked[k].lane);
                show_only(&mut s, &tracked[k]);
                let before = last_change(&home);
                s.send("m");
                s.send(&to);
                s.send("\r");
                until_written(&home, before, "a lane move");
                undo.push(UndoStep::Lane {
                    k,
                    before: tracked[k].lane.clone(),
                });
                tracked[k].lane = to;
            }
            2 => {
                // The board: the weight.
                let w = rng.u32(1..13);
                show_only(&mut s, &tracked[k]);
                if tracked[k].weight == Some(w) {
                    continue;
                }
                let before = last_change(&home);
                s.send(&format!("w{w}\r"));
                until_written(&home, before, "a weight");
                undo.push(UndoStep::Weight {
                    k,
                    before: tracked[k].weight,
                });
                tracked[k].weight = Some(w);
            }
            3 => {
                // The board: a comment, typed in its prompt.
                let body = format!("chaos note {seed}-{round}");
                show_only(&mut s, &tracked[k]);
                let before = last_change(&home);
                s.send("c");
                s.send(&body);
                s.send("\r");
                until_written(&home, before, "a comment");
                undo.push(UndoStep::Never);
                notes.push(body);
            }
            4 => {
                // The board: undo its last action.
                let before = last_change(&home);
                s.send("u");
                match undo.pop() {
                    None => s.wait_for("nothing to undo"),
                    Some(UndoStep::Never) => s.wait_for("cannot be undone"),
                    Some(UndoStep::Lane { k, before: lane }) => {
                        until_written(&home, before, "an undone move");
                        tracked[k].lane = lane;
                    }
                    Some(UndoStep::Weight { k, before: w }) => {
                        until_written(&home, before, "an undone weight");
                        tracked[k].weight = w;
                    }
                }
            }
            5 if created.len() < 2 => {
                // The board: a new issue in the shown lane.
                let title = format!("Chaos drill {seed}-{round}");
                show_only(&mut s, &tracked[k]);
                let before = last_change(&home);
                s.send("n");
                s.send(&title);
                s.send("\r");
                s.wait_for("Project of");
                s.send("\r");
                until_written(&home, before, "a new issue");
                undo.push(UndoStep::Never);
                created.push(title);
            }
            6 | 7 => {
                // Another shell: a lane move of the same issues.
                let to = other(&mut rng, &tracked[k].lane);
                let o = home.run_with(&["move", &tracked[k].reference, &to], SHORT_RATE_WAIT);
                cli_ok(&o, "glboard move");
                tracked[k].lane = to;
            }
            8 => {
                let w = rng.u32(1..13);
                let o = home.run_with(
                    &["weight", &tracked[k].reference, &w.to_string()],
                    SHORT_RATE_WAIT,
                );
                cli_ok(&o, "glboard weight");
                if o.status.success()
                    && String::from_utf8_lossy(&o.stdout).contains("nothing to change")
                {
                    assert_eq!(tracked[k].weight, Some(w));
                }
                tracked[k].weight = Some(w);
            }
            _ => {
                // Cron, or GitLab going away for a while.
                if rng.bool() {
                    let o = home.run_with(&["sync"], SHORT_RATE_WAIT);
                    cli_ok(&o, "glboard sync");
                } else {
                    server.world().always = Some(Fault::Status(503));
                    away = 2;
                }
            }
        }
    }
    server.world().always = None;
    // A re-plan from the board, undone with one u.
    let milestones_before: Vec<(u64, Option<u64>)> = server
        .world()
        .issues
        .iter()
        .map(|i| (i.id, i.milestone_id))
        .collect();
    s.send("/\u{15}\r");
    s.send("R");
    s.wait_for("Re-plan");
    s.send("\r");
    let before = last_change(&home);
    s.send("y");
    until_written(&home, before, "the re-plan");
    let before = last_change(&home);
    s.send("u");
    until_written(&home, before, "the re-plan undone");

    // GitLab calms down; cron syncs until nothing is left.
    let counts = {
        let mut w = server.world();
        w.chaos = None;
        w.chaos_counts.clone()
    };
    until_nothing_pending_syncing(&home);
    screen_until(&s, "nothing pending", |c| !c.contains("pending"));
    let screen = s.contents();
    assert!(
        !screen.contains("meanwhile")
            && !screen.contains("refused")
            && !screen.contains("conflict"),
        "{screen}"
    );
    s.send("q");
    s.send("q");
    assert!(s.wait_exit().success());
    eprintln!(
        "seed {seed}, {rounds} rounds: {} requests, {} faults, {} page shifts",
        counts.requests,
        counts.total_faults(),
        counts.shifts
    );

    // GitLab holds the last intent for every field.
    let w = server.world();
    for t in &tracked {
        let i = w.issues.iter().find(|i| i.id == t.id).unwrap();
        assert_eq!(
            lanes_of(i),
            vec![format!("workflow-infra::{}", t.lane)],
            "{t:?}"
        );
        assert_eq!(i.weight, t.weight, "{t:?}");
    }
    // The re-plan and its undo: every milestone as it was.
    for (id, m) in &milestones_before {
        if let Some(i) = w.issues.iter().find(|i| i.id == *id) {
            assert_eq!(
                i.milestone_id, *m,
                "issue {id} after the re-plan was undone"
            );
        }
    }
    // Nothing posted or created twice (nor lost).
    for body in &notes {
        assert_eq!(
            w.notes.iter().filter(|n| n.body == *body).count(),
            1,
            "{body}"
        );
    }
    for title in &created {
        assert_eq!(
            w.issues.iter().filter(|i| i.title == *title).count(),
            1,
            "{title}"
        );
    }
    // The cache equals GitLab.
    let store = glboard::store::Store::open_read_only(&cache_file(&home)).unwrap();
    let snap = store.load().unwrap().unwrap();
    for i in w
        .issues
        .iter()
        .filter(|i| i.labels.contains(fake_gitlab::generate::TEAM))
    {
        let c = snap
            .ws
            .issues
            .iter()
            .find(|c| c.id == i.id)
            .unwrap_or_else(|| panic!("issue {} not cached", i.id));
        let mut labels: Vec<String> = c.labels.clone();
        labels.sort();
        assert_eq!(
            labels,
            i.labels.iter().cloned().collect::<Vec<_>>(),
            "labels of {}",
            i.id
        );
        assert_eq!(c.milestone_id, i.milestone_id, "milestone of {}", i.id);
        assert_eq!(c.weight, i.weight, "weight of {}", i.id);
        assert_eq!(c.is_open(), i.state == "opened", "state of {}", i.id);
        let mut a: Vec<u64> = c.assignees.iter().map(|u| u.id).collect();
        a.sort_unstable();
        let mut b = i.assignee_ids.clone();
        b.sort_unstable();
        assert_eq!(a, b, "assignees of {}", i.id);
    }
    assert!(store.outbox_queued().unwrap().is_empty());
    assert!(
        store.outbox_failed().unwrap().is_empty(),
        "refused: {:?}",
        store.outbox_failed()
    );
}

fn lanes_of(i: &FIssue) -> Vec<String> {
    lanes(i)
}

/// Run `glboard sync` until nothing is pending (GitLab is calm now).
fn until_nothing_pending_syncing(home: &Home) {
    for _ in 0..30 {
        let o = home.run(&["pending"]);
        if String::from_utf8_lossy(&o.stdout).contains("no pending changes") {
            return;
        }
        let _ = home.run(&["sync"]);
    }
    let o = home.run(&["pending"]);
    panic!("still pending: {}", String::from_utf8_lossy(&o.stdout));
}

/// Live during the planning call (issue #31): with the iteration board
/// open, a lane move made by another client (the web) shows within the
/// live probe's period and a sync, with no key pressed.
#[test]
fn a_move_made_elsewhere_shows_on_an_open_board_by_itself() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let cfg = home.path("config/glboard/config.toml");
    let config = std::fs::read_to_string(&cfg).unwrap();
    // A probe a second (10 by default).
    std::fs::write(&cfg, format!("live_seconds = 1\n{config}")).unwrap();
    let mut s = home.start();
    s.wait_for("synced just now");
    let (issue, word, _) = pick(&server, "Ready");
    let t = Tracked {
        id: issue.id,
        word,
        reference: String::new(),
        lane: "Ready".into(),
        weight: issue.weight,
    };
    show_only(&mut s, &t);
    {
        let mut w = server.world();
        let i = w.issues.iter_mut().find(|i| i.id == issue.id).unwrap();
        i.labels.remove("workflow-infra::Ready");
        i.labels.insert("workflow-infra::In Progress".into());
        i.updated_at = chrono::Utc::now();
    }
    s.wait_for("In Progress 1/1");
    s.send("q");
    s.send("q");
    assert!(s.wait_exit().success());
}
