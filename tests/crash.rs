//! Crash consistency: the real binary is killed with SIGKILL at random
//! points while it queues and sends a change (`glboard weight`) and while it
//! syncs and flushes the outbox (`glboard sync`), 200 times. After every
//! kill the cache opens, the board prints from it, and every change that
//! was accepted (queued in the outbox, or already on GitLab) reaches GitLab
//! in the end: none is lost.
//!
//! With the neighbours of issue #26 in the loop: while each command runs,
//! another program opens and closes the cache (Debian's `sqlite3`, or a
//! second glboard printing from it), and one run in eight meets a GitLab
//! that never answers or stalls mid-answer (with a budget of a second,
//! the command ends with exit 75 and its change queued).
//!
//! `CRASH_RUNS=2000 cargo test --release --test crash -- --nocapture` runs
//! the long version.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::Home;
use fake_gitlab::{FakeGitlab, Fault, generate};
use glboard::store::Store;

fn glboard(home: &Home, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glboard"));
    cmd.args(args)
        .env("TERM", "dumb")
        .env_remove("GITLAB_HOST")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in home.env() {
        cmd.env(k, v);
    }
    cmd
}

fn run(home: &Home, args: &[&str]) -> Output {
    glboard(home, args).output().unwrap()
}

fn cache_file(home: &Home) -> PathBuf {
    common::files_under(&home.path("cache"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "sqlite"))
        .expect("a cache file")
}

/// How long a command takes when left alone.
fn duration(home: &Home, args: &[&str]) -> Duration {
    let t = Instant::now();
    let o = run(home, args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    t.elapsed()
}

#[test]
fn sigkill_at_random_points_loses_no_change() {
    let runs: u64 = std::env::var("CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let today = chrono::Local::now().date_naive();
    let mut world = generate::datastores(400, 4, today, common::TOKEN);
    // A little latency spreads the requests, so kills land between them too.
    world.latency_ms = 1;
    let server = FakeGitlab::start(world);
    let home = Home::new();
    home.write_config(&server.url());
    assert!(run(&home, &["sync"]).status.success());

    // The issues changed: open team issues, each used once.
    let targets: Vec<(u64, String)> = {
        let w = server.world();
        let mut v: Vec<(u64, String)> = w
            .issues
            .iter()
            .filter(|i| i.state == "opened" && i.labels.contains(generate::TEAM))
            .map(|i| {
                let p = w.projects.iter().find(|p| p.id == i.project_id).unwrap();
                (i.id, format!("{}#{}", p.path, i.iid))
            })
            .collect();
        v.sort();
        v
    };
    let weight_ms = duration(&home, &["weight", &targets[0].1, "1"]).as_millis() as u64;
    let sync_ms = duration(&home, &["sync"]).as_millis() as u64;
    let mut rng = fastrand::Rng::with_seed(0xc4a5);
    // Accepted weights: issue id → the value asked for.
    let mut accepted: HashMap<u64, u32> = HashMap::new();
    let mut asked: Vec<(u64, u32)> = Vec::new();
    let (mut killed, mut finished, mut hangs, mut foreign) = (0u64, 0u64, 0u64, 0u64);
    let has_sqlite3 = Command::new("sqlite3").arg("-version").output().is_ok();
    for n in 0..runs {
        let sync = n % 2 == 1;
        let (issue, reference) = &targets[(n as usize / 2) % (targets.len() - 1) + 1];
        let value = 100 + n as u32;
        let args: Vec<String> = if sync {
            vec!["sync".into()]
        } else {
            vec!["weight".into(), reference.clone(), value.to_string()]
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let budget = if sync { sync_ms } else { weight_ms };
        let delay = Duration::from_micros(rng.u64(0..=budget * 1100));
        let hung = rng.u8(..8) == 0;
        let mut cmd = glboard(&home, &args);
        if hung {
            let fault = if rng.bool() {
                Fault::Hang
            } else {
                Fault::Stall
            };
            server.world().faults.push_back(fault);
            cmd.env("GLBOARD_REQUEST_TIMEOUT", "1")
                .env("GLBOARD_GITLAB_BUDGET", "1");
            hangs += 1;
        }
        let mut child = cmd.spawn().unwrap();
        // Another program opens and closes the cache meanwhile.
        let mut reader = if rng.bool() && has_sqlite3 {
            Command::new("sqlite3")
                .arg(cache_file(&home))
                .arg("select count(*) from issues")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        } else {
            glboard(&home, &["print", "--offline"])
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        };
        std::thread::sleep(delay);
        match child.try_wait().unwrap() {
            Some(_) => finished += 1,
            None => {
                child.kill().unwrap(); // SIGKILL
                killed += 1;
            }
        }
        let status = child.wait().unwrap();
        reader.wait().unwrap();
        foreign += 1;
        server.world().faults.clear();
        assert!(
            status.code().is_none() || matches!(status.code(), Some(0 | 75)),
            "run {n} {args:?}: {status:?}"
        );
        // A request the dying process sent may still be on its way.
        std::thread::sleep(Duration::from_millis(20));

        // The cache opens, its queue reads, and the board prints from it.
        let store = Store::open(&cache_file(&home))
            .unwrap_or_else(|e| panic!("run {n}: the cache opens: {e}"));
        let queued = store.outbox_queued().expect("the queue reads");
        drop(store);
        let printed = run(&home, &["print", "--offline"]);
        assert!(
            printed.status.success() && String::from_utf8_lossy(&printed.stdout).contains("Ready"),
            "run {n}: the board prints after the kill: {}",
            String::from_utf8_lossy(&printed.stderr)
        );

        if !sync {
            asked.push((*issue, value));
            let in_queue = queued
                .iter()
                .any(|c| c.issue == *issue && c.edit.weight == Some(Some(value)));
            let on_gitlab = server
                .world()
                .issues
                .iter()
                .any(|i| i.id == *issue && i.weight == Some(value));
            if in_queue || on_gitlab || status.success() {
                accepted.insert(*issue, value);
            }
        }
    }

    // Left alone, everything queued goes.
    let o = run(&home, &["sync"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pending = run(&home, &["pending"]);
    assert_eq!(
        String::from_utf8_lossy(&pending.stdout).trim(),
        "no pending changes"
    );
    let w = server.world();
    let mut lost = Vec::new();
    for (issue, value) in &accepted {
        let now = w.issues.iter().find(|i| i.id == *issue).unwrap().weight;
        if now != Some(*value) {
            lost.push((issue, value, now));
        }
    }
    eprintln!(
        "crash: {runs} runs ({killed} killed by SIGKILL, {finished} finished first; {hangs} against a GitLab that hung or stalled, {foreign} with another program reading the cache); {} changes asked, {} accepted, {} lost",
        asked.len(),
        accepted.len(),
        lost.len()
    );
    assert!(killed * 2 > runs, "most runs were killed mid-way: {killed}");
    assert!(lost.is_empty(), "lost: {lost:?}");
}
