//! Sync benchmarks (a bench binary; numbers go to BENCHMARKS.md):
//! - full sync of 5,000 team issues from the fake GitLab, against the floor:
//!   `curl` downloading the very same URLs from the same server;
//! - incremental sync with nothing changed: requests and time;
//! - start to first frame from a 5,000-issue cache, and peak memory.
//!
//! Run: `cargo bench --bench sync`

use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use fake_gitlab::{FakeGitlab, generate};
use glboard::gitlab::{Client, RetryPolicy};
use glboard::store::Store;
use glboard::sync::{Syncer, Target};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use secrecy::SecretString;

const TOKEN: &str = "glpat-bench";
const RUNS: usize = 7;

fn team() -> glboard::core::domain::model::TeamConfig {
    glboard::demo::datastores_team()
}

fn syncer(fake: &FakeGitlab, dir: &std::path::Path) -> Syncer {
    let client = Client::new(
        &fake.url(),
        &SecretString::from(TOKEN.to_owned()),
        RetryPolicy::default(),
    )
    .unwrap();
    let store = Store::open(&dir.join("bench.sqlite")).unwrap();
    Syncer::new(
        client,
        store,
        Target {
            group: generate::GROUP.into(),
            team: team(),
            lanes_configured: true,
        },
    )
    .unwrap()
}

fn stats(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[0])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let today = Utc::now().date_naive();
    let fake = FakeGitlab::start(generate::datastores(5_000, 20, today, TOKEN));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    // Full sync, and the URLs it fetched.
    let mut full = Vec::new();
    let mut urls = Vec::new();
    let mut issues = 0;
    for _ in 0..RUNS {
        let dir = tempfile::tempdir().unwrap();
        let mut s = syncer(&fake, dir.path());
        fake.world().log.clear();
        let t = Instant::now();
        rt.block_on(s.full(Utc::now(), None, &|_, _| {})).unwrap();
        full.push(t.elapsed());
        issues = s.snap.ws.issues.len();
        urls = fake
            .world()
            .log
            .iter()
            .map(|l| format!("{}{}", fake.url(), l.trim_start_matches("GET ")))
            .collect();
    }
    // The floor: curl fetching the same URLs from the same server, one
    // process, connection reused, responses discarded.
    let mut floor = Vec::new();
    for _ in 0..RUNS {
        let mut cmd = Command::new("curl");
        cmd.arg("-sS")
            .arg("-H")
            .arg(format!("PRIVATE-TOKEN: {TOKEN}"));
        for u in &urls {
            cmd.arg(u).arg("-o").arg("/dev/null");
        }
        let t = Instant::now();
        let out = cmd.output().expect("curl");
        floor.push(t.elapsed());
        assert!(out.status.success());
    }
    let (full_med, full_min) = stats(full);
    let (floor_med, floor_min) = stats(floor);
    println!("full sync: {issues} issues in {} requests", urls.len());
    println!(
        "  glboard full sync   median {} (min {})",
        ms(full_med),
        ms(full_min)
    );
    println!(
        "  floor: curl same URLs median {} (min {})",
        ms(floor_med),
        ms(floor_min)
    );
    println!(
        "  ratio {:.2}x",
        full_med.as_secs_f64() / floor_med.as_secs_f64()
    );

    // Incremental sync with nothing changed.
    let dir = tempfile::tempdir().unwrap();
    let mut s = syncer(&fake, dir.path());
    rt.block_on(s.full(Utc::now(), None, &|_, _| {})).unwrap();
    let current =
        glboard::core::domain::iteration::pick(&s.snap.ws.milestones, &team(), today).current;
    let shown = current.map(|m| {
        s.snap
            .ws
            .issues
            .iter()
            .filter(|i| i.milestone_id == Some(m))
            .count()
            + s.snap
                .ws
                .issues
                .iter()
                .filter(|i| i.is_open() && i.has_label("workflow-infra::Triage"))
                .count()
    });
    let mut inc = Vec::new();
    let mut requests = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let r = rt
            .block_on(s.incremental(Utc::now(), current, &|_, _| {}))
            .unwrap();
        inc.push(t.elapsed());
        requests = r.requests;
    }
    let (inc_med, inc_min) = stats(inc);
    println!(
        "incremental sync, nothing changed: {requests} requests ({} issues shown on the two boards), median {} (min {})",
        shown.unwrap_or(0),
        ms(inc_med),
        ms(inc_min)
    );

    // Start to first frame from a 5,000-issue cache, and peak memory.
    let home = tempfile::tempdir().unwrap();
    let cfg_dir = home.path().join("config/glboard");
    std::fs::create_dir_all(&cfg_dir).unwrap();
    std::fs::write(
        cfg_dir.join("config.toml"),
        glboard::config::starter(&fake.url(), generate::GROUP),
    )
    .unwrap();
    let cache = glboard::store::path_for(
        &home.path().join("cache/glboard"),
        &fake.url(),
        generate::GROUP,
    );
    {
        let mut s = syncer(&fake, dir.path());
        s.store = Store::open(&cache).unwrap();
        rt.block_on(s.full(Utc::now(), None, &|_, _| {})).unwrap();
    }
    let bin = env!("CARGO_BIN_EXE_glboard");
    let mut starts = Vec::new();
    let mut peak_kb = 0u64;
    for _ in 0..RUNS {
        let (t, kb) = first_frame(bin, home.path(), &fake.url());
        starts.push(t);
        peak_kb = peak_kb.max(kb);
    }
    let (st_med, st_min) = stats(starts);
    println!(
        "start to first frame from a 5,000-issue cache: median {} (min {})",
        ms(st_med),
        ms(st_min)
    );
    println!(
        "peak memory (VmHWM) after the first sync: {:.1} MB",
        peak_kb as f64 / 1024.0
    );
}

/// Spawn glboard in a pty; time until the cached board is drawn; then wait
/// for the background sync, read peak RSS, quit.
fn first_frame(bin: &str, home: &std::path::Path, _url: &str) -> (Duration, u64) {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(bin);
    cmd.env("TERM", "xterm-256color");
    cmd.env("XDG_CONFIG_HOME", home.join("config"));
    cmd.env("XDG_CACHE_HOME", home.join("cache"));
    cmd.env("XDG_STATE_HOME", home.join("state"));
    cmd.env("GITLAB_TOKEN", TOKEN);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut writer = pty.master.take_writer().unwrap();
    let start = Instant::now();
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let pid = child.process_id();
    let mut seen = Vec::new();
    let mut buf = [0u8; 65536];
    let mut first = None;
    while let Ok(n) = reader.read(&mut buf) {
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        let has = |m: &[u8]| seen.windows(m.len()).any(|w| w == m);
        if first.is_none() && has(b"Datastores team - W") {
            first = Some(start.elapsed());
        }
        if first.is_some() && has(b"synced") {
            break;
        }
    }
    let kb = pid
        .and_then(|p| std::fs::read_to_string(format!("/proc/{p}/status")).ok())
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.to_owned())
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0);
    let _ = writer.write_all(b"q");
    let _ = writer.flush();
    let _ = child.wait();
    (first.unwrap_or_default(), kb)
}
