//! Outbox benchmarks (a bench binary; numbers go to BENCHMARKS.md):
//! - throughput: 500 queued lane moves flushed to the fake GitLab by the
//!   real sender, against the floor of the same 500 PUTs in a plain loop
//!   (one keep-alive client, sequential, no reads, no bookkeeping);
//! - key press to updated frame for a move at 5,000 issues.
//!
//! Run: `cargo bench --bench outbox`

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use fake_gitlab::{FakeGitlab, generate};
use glboard::core::app::action::{Action, Effect, OutboxEvent};
use glboard::core::app::keymap::KeyPress;
use glboard::core::app::state::AppState;
use glboard::core::app::update::update;
use glboard::core::domain::board::BoardKind;
use glboard::core::domain::edit::{self, Change, Seen};
use glboard::gitlab::{Client, RetryPolicy};
use glboard::store::Store;
use glboard::tui::theme::Theme;
use glboard::tui::view;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use secrecy::SecretString;

const TOKEN: &str = "glpat-bench";
const MOVES: usize = 500;
const RUNS: usize = 5;

fn team() -> glboard::core::domain::model::TeamConfig {
    glboard::demo::datastores_team()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let today = Utc::now().date_naive();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut sender = Vec::new();
    let mut floor = Vec::new();
    for _ in 0..RUNS {
        let fake = FakeGitlab::start(generate::datastores(MOVES * 2, 4, today, TOKEN));
        let client = Client::new(
            &fake.url(),
            &SecretString::from(TOKEN.to_owned()),
            RetryPolicy::default(),
        )
        .unwrap();
        // 500 open issues, each moved to "Blocked" once.
        let targets: Vec<_> = {
            let w = fake.world();
            w.issues
                .iter()
                .filter(|i| i.state == "opened" && i.labels.contains(generate::TEAM))
                .take(MOVES)
                .cloned()
                .collect()
        };
        assert_eq!(targets.len(), MOVES);
        let issues: Vec<_> = rt.block_on(async {
            let mut v = Vec::new();
            for t in &targets {
                v.push(
                    client
                        .issue(t.project_id, t.iid)
                        .await
                        .unwrap()
                        .into_issue(0, &Default::default()),
                );
            }
            v
        });

        // The floor: the same PUTs, one after another.
        let floor_client = reqwest_client();
        let t = Instant::now();
        rt.block_on(async {
            for i in &issues {
                let e = edit::to_lane(i, &team(), Some("Blocked"));
                let url = format!(
                    "{}/api/v4/projects/{}/issues/{}",
                    fake.url(),
                    i.project_id,
                    i.iid
                );
                let form = [
                    ("add_labels", e.add_labels.join(",")),
                    ("remove_labels", e.remove_labels.join(",")),
                ];
                let r = floor_client
                    .put(&url)
                    .header("PRIVATE-TOKEN", TOKEN)
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success());
                let _ = r.bytes().await.unwrap();
            }
        });
        floor.push(t.elapsed());
        // Put them back.
        {
            let mut w = fake.world();
            for t in &targets {
                let i = w.issues.iter_mut().find(|i| i.id == t.id).unwrap();
                *i = t.clone();
            }
        }

        // The sender: 500 moves in the outbox, flushed.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.sqlite");
        let store = Store::open(&path).unwrap();
        let changes: Vec<Change> = issues
            .iter()
            .map(|i| Change {
                issue: i.id,
                project: i.project_id,
                iid: i.iid,
                seen: Seen::of(i, &team()),
                edit: edit::to_lane(i, &team(), Some("Blocked")),
                ..Change::default()
            })
            .collect();
        store.enqueue(&changes).unwrap();
        let t = Instant::now();
        // What the board's sender and every command run: the queue sent
        // under the lease, answers written to the cache.
        let outcome = rt
            .block_on(glboard::outbox::flush(
                &client,
                &store,
                &team(),
                None,
                "bench",
            ))
            .unwrap();
        assert!(outcome.refused.is_empty(), "{:?}", outcome.refused);
        let sent = outcome.sent.len();
        sender.push(t.elapsed());
        assert_eq!(sent, MOVES);
        let w = fake.world();
        assert!(targets.iter().all(|t| {
            w.issues
                .iter()
                .find(|i| i.id == t.id)
                .unwrap()
                .labels
                .contains("workflow-infra::Blocked")
        }));
    }
    let (s, f) = (median(sender), median(floor));
    println!(
        "outbox: {MOVES} lane moves flushed (fresh reads batched per project, then PUTs 4 at a time): median {}",
        ms(s)
    );
    println!(
        "floor: the same {MOVES} PUTs in a plain sequential loop: median {}",
        ms(f)
    );
    println!("ratio {:.2}x", s.as_secs_f64() / f.as_secs_f64());

    key_press_to_frame();
}

fn reqwest_client() -> reqwest::Client {
    glboard::gitlab::install_crypto();
    reqwest::Client::new()
}

/// A move (`L`) at 5,000 issues: update (optimistic change, re-layout)
/// plus drawing the frame; the outbox write happens after the frame.
fn key_press_to_frame() {
    let today = NaiveDate::from_ymd_opt(2025, 11, 5).unwrap();
    let (ws, team) = glboard::demo::synthetic(5_000, today).unwrap();
    let mut state = AppState::new(ws, team, today, BoardKind::Iteration);
    state.session.sync.enabled = true;
    update(
        &mut state,
        Action::Resize {
            width: 120,
            height: 40,
        },
    );
    // Select a card in the Ready column.
    for _ in 0..2 {
        update(&mut state, Action::Key(KeyPress::char('l')));
    }
    let theme = Theme::new(true, false);
    let area = Rect::new(0, 0, 120, 40);
    let mut buf = Buffer::empty(area);
    let mut times = Vec::new();
    for n in 0..400 {
        // Right, then back left: the card goes back and forth.
        let key = if n % 2 == 0 { 'L' } else { 'H' };
        let t = Instant::now();
        let fx = update(&mut state, Action::Key(KeyPress::char(key)));
        buf.reset();
        view::render(&mut buf, area, &state, &theme);
        times.push(t.elapsed());
        // The adapter writes it down; then GitLab applied it.
        for e in fx {
            if let Effect::Enqueue { local, changes } = e {
                let ids = (0..changes.len() as u64).collect();
                update(
                    &mut state,
                    Action::Outbox(OutboxEvent::Saved { local, ids }),
                );
            }
        }
        state.changes.pending.clear();
        state.changes.base.clear();
    }
    times.sort();
    println!(
        "key press to updated frame, lane move at 5,000 issues: median {:.2} ms, p99 {:.2} ms",
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[times.len() * 99 / 100].as_secs_f64() * 1000.0
    );
}
