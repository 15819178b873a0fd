//! Benchmarks: board layout and one full frame at 80 (the demo), 5,000 and
//! 20,000 issues, and process start to first frame on the demo (against the
//! floor of starting `true` in the same kind of pseudo-terminal).
//! Run: `cargo bench --bench board`. Numbers go in BENCHMARKS.md.

use std::io::Read;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use glboard::core::app::action::Action;
use glboard::core::app::state::AppState;
use glboard::core::app::update::update;
use glboard::core::domain::board::{self, BoardKind, BoardSpec, SortMode};
use glboard::core::domain::model::{TeamConfig, Workspace};
use glboard::demo;
use glboard::tui::theme::Theme;
use glboard::tui::view;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 11, 5).unwrap()
}

fn workspaces() -> Vec<(usize, Workspace, TeamConfig)> {
    let (demo_ws, team) = demo::load(today()).unwrap();
    let mut v = vec![(demo_ws.issues.len(), demo_ws, team)];
    for n in [5_000, 20_000] {
        let (ws, team) = demo::synthetic(n, today()).unwrap();
        v.push((n, ws, team));
    }
    v
}

fn layout_and_frame(c: &mut Criterion) {
    let mut g = c.benchmark_group("layout");
    for (n, ws, team) in workspaces() {
        let current =
            glboard::core::domain::iteration::pick(&ws.milestones, &team, today()).current;
        g.bench_with_input(BenchmarkId::new("iteration", n), &n, |b, _| {
            b.iter(|| {
                board::layout(
                    &ws,
                    BoardSpec {
                        kind: BoardKind::Iteration,
                        team: &team,
                        milestone: current,
                        filter: "",
                        sort: SortMode::Manual,
                    },
                )
            })
        });
        g.bench_with_input(BenchmarkId::new("backlog_by_priority", n), &n, |b, _| {
            b.iter(|| {
                board::layout(
                    &ws,
                    BoardSpec {
                        kind: BoardKind::Backlog,
                        team: &team,
                        milestone: None,
                        filter: "",
                        sort: SortMode::Priority,
                    },
                )
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("frame_120x40");
    let theme = Theme::new(true, false);
    for (n, ws, team) in workspaces() {
        let mut state = AppState::new(ws, team, today(), BoardKind::Iteration);
        update(
            &mut state,
            Action::Resize {
                width: 120,
                height: 40,
            },
        );
        let area = Rect::new(0, 0, 120, 40);
        let mut buf = Buffer::empty(area);
        g.bench_with_input(BenchmarkId::new("render", n), &n, |b, _| {
            b.iter(|| {
                buf.reset();
                view::render(&mut buf, area, &state, &theme);
            })
        });
        // A key press as the user makes it: update (which re-lays out on a
        // filter change) plus the frame.
        g.bench_with_input(
            BenchmarkId::new("filter_keystroke_and_render", n),
            &n,
            |b, _| {
                b.iter(|| {
                    state.board.filter = if state.board.filter.is_empty() {
                        "patroni".into()
                    } else {
                        String::new()
                    };
                    state.relayout();
                    buf.reset();
                    view::render(&mut buf, area, &state, &theme);
                })
            },
        );
    }
    g.finish();
}

/// Time from spawning `program` in a 120x40 pty until `marker` has been
/// printed (for `true`, until it exits and its output closes).
fn spawn_until(program: &str, args: &[&str], marker: Option<&[u8]>) -> Duration {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(program);
    cmd.args(args);
    cmd.env("TERM", "xterm-256color");
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut writer = pty.master.take_writer().unwrap();
    let start = Instant::now();
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut seen = Vec::new();
    let mut buf = [0u8; 16384];
    let elapsed = loop {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break start.elapsed(),
            Ok(n) => {
                seen.extend_from_slice(&buf[..n]);
                if let Some(m) = marker
                    && seen.windows(m.len()).any(|w| w == m)
                {
                    break start.elapsed();
                }
            }
        }
        if marker.is_none() && child.try_wait().ok().flatten().is_some() {
            break start.elapsed();
        }
    };
    if marker.is_some() {
        let _ = writer.write_all(b"q");
        let _ = writer.flush();
    }
    let _ = child.wait();
    elapsed
}

use std::io::Write;

fn start_to_first_frame(c: &mut Criterion) {
    let mut g = c.benchmark_group("startup");
    g.sample_size(20);
    g.bench_function("floor: spawn true in a pty", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| spawn_until("true", &[], None)).sum())
    });
    let bin = env!("CARGO_BIN_EXE_glboard");
    g.bench_function("glboard --demo: start to first frame", |b| {
        b.iter_custom(|iters| {
            // The first frame ends with the status line's position ("... 0/0" or "n/m").
            (0..iters)
                .map(|_| spawn_until(bin, &["--demo", "--today", "2025-11-05"], Some(b"q quit")))
                .sum()
        })
    });
    g.finish();
}

/// Issue #8's worst case: 10,000 cached issues, 1,000 cards in one lane,
/// a key held (each repeat: update plus a frame) and a background sync
/// landing (the new workspace applied, re-laid out, plus a frame). The
/// budget is a 16 ms frame.
fn held_key_while_a_sync_lands(c: &mut Criterion) {
    let (mut ws, team) = demo::synthetic(10_000, today()).unwrap();
    let current = glboard::core::domain::iteration::pick(&ws.milestones, &team, today())
        .current
        .unwrap();
    let ready = team.lane_label("Ready");
    for i in ws.issues.iter_mut().take(1_000) {
        i.labels.retain(|l| !l.starts_with("workflow-infra::"));
        i.labels.push(ready.clone());
        i.milestone_id = Some(current);
        i.state = glboard::core::domain::model::IssueState::Opened;
    }
    let mut state = AppState::new(ws, team, today(), BoardKind::Iteration);
    update(
        &mut state,
        Action::Resize {
            width: 120,
            height: 40,
        },
    );
    while !state.board.layout.columns[state.board.view().col]
        .title
        .contains("Ready")
    {
        let k = glboard::core::app::keymap::parse_sequence("l").unwrap()[0];
        update(&mut state, Action::Key(k));
    }
    let theme = Theme::new(true, false);
    let area = Rect::new(0, 0, 120, 40);
    let mut buf = Buffer::empty(area);
    let j = glboard::core::app::keymap::parse_sequence("j").unwrap()[0];
    let k = glboard::core::app::keymap::parse_sequence("k").unwrap()[0];
    let mut g = c.benchmark_group("held_key_10k_issues_1k_in_a_lane");
    let mut down = true;
    let mut n = 0;
    g.bench_function("key_repeat_and_frame", |b| {
        b.iter(|| {
            n += 1;
            if n % 900 == 0 {
                down = !down;
            }
            update(&mut state, Action::Key(if down { j } else { k }));
            buf.reset();
            view::render(&mut buf, area, &state, &theme);
        })
    });
    let fresh = state.ws.clone();
    let lanes = state.team.lanes.clone();
    // The new workspace is built by the sync task and the old one freed on
    // another thread (see tui::run): neither is measured.
    g.bench_function("sync_lands_and_frame", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let ws = Box::new(fresh.clone());
                let t = Instant::now();
                update(
                    &mut state,
                    Action::Store(Box::new(glboard::core::app::action::StoreUpdate {
                        full: Some((ws, lanes.clone())),
                        ..Default::default()
                    })),
                );
                buf.reset();
                view::render(&mut buf, area, &state, &theme);
                total += t.elapsed();
                state.retired.clear();
            }
            total
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    layout_and_frame,
    held_key_while_a_sync_lands,
    start_to_first_frame
);
criterion_main!(benches);
