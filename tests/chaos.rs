//! Chaos: the fake's chaos mode (random latency, 429 storms, 5xx with HTML
//! bodies, resets, truncated and malformed bodies, writes applied whose
//! answer is lost, lists that shift while they are paged) for a bounded
//! number of rounds of changes, syncs and outbox flushes, through the real
//! client, sync engine, outbox and SQLite cache.
//!
//! glboard never panics; after every sync attempt the cache on disk is one
//! whole snapshot (the new one, or the previous one untouched); once the
//! chaos stops every queued change reaches GitLab exactly in effect, and
//! none is refused or lost. The counts are printed (`--nocapture`).
//!
//! CI runs 3 seeds × 40 rounds; the long version:
//! `CHAOS_SEEDS=50 CHAOS_ROUNDS=200 cargo test --release --test chaos -- --nocapture`.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use chrono::Utc;
use fake_gitlab::{Chaos, FakeGitlab, World, generate};
use glboard::core::edit::{self, Change, Edit, Seen};
use glboard::core::model::{Issue, IssueId, IssueState};
use glboard::gitlab::{Client, RetryPolicy};
use glboard::outbox;
use glboard::store::Store;
use glboard::sync::{Syncer, Target};
use secrecy::SecretString;

const TOKEN: &str = "glpat-chaos-secret";

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the user asked for last, per field: what GitLab must show in the end.
#[derive(Debug, Default, Clone)]
struct Expect {
    lane: Option<String>,
    assignees: Option<BTreeSet<u64>>,
    weight: Option<Option<u32>>,
    milestone: Option<Option<u64>>,
}

#[derive(Debug, Default)]
struct Counts {
    rounds: u64,
    syncs: u64,
    syncs_ok: u64,
    flushes: u64,
    queued: u64,
    applied: u64,
    refused: u64,
    lost: u64,
    snapshots_checked: u64,
}

/// The cache as another process would read it now.
fn on_disk(path: &std::path::Path) -> Vec<Issue> {
    let store = Store::open(path).expect("the cache always opens");
    let mut issues = store
        .load()
        .expect("the cache always loads")
        .map(|s| s.ws.issues)
        .unwrap_or_default();
    issues.sort_by_key(|i| i.id);
    issues
}

fn sorted(mut issues: Vec<Issue>) -> Vec<Issue> {
    issues.sort_by_key(|i| i.id);
    issues
}

fn run(seed: u64, rounds: u64) -> (Counts, fake_gitlab::ChaosCounts) {
    let team = glboard::demo::datastores_team();
    let world: World = generate::datastores(300, 4, Utc::now().date_naive(), TOKEN);
    let fake = FakeGitlab::start(world);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let policy = RetryPolicy {
        retries: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_rate_wait: Duration::from_millis(20),
        timeout: Duration::from_secs(5),
    };
    let client = Client::new(&fake.url(), &SecretString::from(TOKEN.to_owned()), policy).unwrap();
    let target = Target {
        group: generate::GROUP.into(),
        team: team.clone(),
        lanes_configured: true,
    };
    let mut syncer = Syncer::new(client.clone(), Store::open(&path).unwrap(), target).unwrap();
    rt.block_on(syncer.sync(Utc::now(), None, &|_, _| {}))
        .expect("the first sync, before the chaos");
    let me = syncer.snap.ws.me.clone().expect("me");
    let members = syncer.snap.ws.members.clone();
    let milestones: Vec<u64> = syncer.snap.ws.milestones.iter().map(|m| m.id).collect();
    let lanes = ["Ready", "In Progress", "Under Review", "Blocked"];
    let outbox_store = Store::open(&path).unwrap();

    fake.world().chaos = Some(Chaos {
        seed,
        fault_permille: 250,
        max_latency_ms: 3,
        shift_permille: 300,
    });
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut c = Counts::default();
    let mut expect: HashMap<IssueId, Expect> = HashMap::new();
    let mut next_change = 1u64;

    for _ in 0..rounds {
        c.rounds += 1;
        // The board as the user sees it: the cache with the queued changes
        // replayed over it.
        let mut view: HashMap<IssueId, Issue> = syncer
            .snap
            .ws
            .issues
            .iter()
            .map(|i| (i.id, i.clone()))
            .collect();
        for q in outbox_store.outbox_queued().unwrap() {
            if let Some(i) = view.get_mut(&q.issue) {
                edit::apply(i, &q.edit, &members);
            }
        }
        let mut open: Vec<&Issue> = view
            .values()
            .filter(|i| i.state == IssueState::Opened && team.lanes_of(i).len() == 1)
            .collect();
        open.sort_by_key(|i| i.id);
        for _ in 0..rng.usize(1..=3) {
            let issue = open[rng.usize(..open.len())];
            let e = expect.entry(issue.id).or_default();
            let edit = match rng.u8(..4) {
                0 => {
                    let lane = lanes[rng.usize(..lanes.len())];
                    e.lane = Some(lane.to_owned());
                    edit::to_lane(issue, &team, Some(lane))
                }
                1 => {
                    let mut now: BTreeSet<u64> = issue.assignees.iter().map(|u| u.id).collect();
                    let edit = if now.contains(&me.id) {
                        now.remove(&me.id);
                        Edit {
                            unassign: vec![me.id],
                            ..Edit::default()
                        }
                    } else {
                        now.insert(me.id);
                        Edit {
                            assign: vec![me.id],
                            ..Edit::default()
                        }
                    };
                    e.assignees = Some(now);
                    edit
                }
                2 => {
                    let w = Some(rng.u32(1..9));
                    e.weight = Some(w);
                    Edit {
                        weight: Some(w),
                        ..Edit::default()
                    }
                }
                _ => {
                    let m = Some(milestones[rng.usize(..milestones.len())]);
                    e.milestone = Some(m);
                    Edit {
                        milestone: Some(m),
                        ..Edit::default()
                    }
                }
            };
            if edit.is_empty() {
                continue;
            }
            let change = Change {
                issue: issue.id,
                project: issue.project_id,
                iid: issue.iid,
                seen: Seen::of(issue, &team),
                edit,
                summary: format!("chaos change {next_change}"),
                ..Change::default()
            };
            next_change += 1;
            outbox_store.enqueue(std::slice::from_ref(&change)).unwrap();
            c.queued += 1;
            // The next change of this round sees this one (as on the board).
            let id = issue.id;
            let mut after = issue.clone();
            edit::apply(&mut after, &change.edit, &members);
            view.insert(id, after);
            open = view
                .values()
                .filter(|i| i.state == IssueState::Opened && team.lanes_of(i).len() == 1)
                .collect();
            open.sort_by_key(|i| i.id);
        }

        // A sync: afterwards the disk holds the new snapshot, or the old
        // one untouched.
        let before = on_disk(&path);
        c.syncs += 1;
        let shown = milestones.get(rng.usize(..milestones.len())).copied();
        match rt.block_on(syncer.sync(Utc::now(), shown, &|_, _| {})) {
            Ok(_) => {
                c.syncs_ok += 1;
                assert_eq!(
                    on_disk(&path),
                    sorted(syncer.snap.ws.issues.clone()),
                    "seed {seed}: the cache is the synced snapshot"
                );
            }
            Err(e) => {
                assert_eq!(
                    on_disk(&path),
                    before,
                    "seed {seed}: a failed sync ({e}) left the cache as it was"
                );
                // The UI starts again from the cache after a failure.
                syncer = Syncer::new(
                    client.clone(),
                    Store::open(&path).unwrap(),
                    Target {
                        group: generate::GROUP.into(),
                        team: team.clone(),
                        lanes_configured: true,
                    },
                )
                .unwrap();
            }
        }
        c.snapshots_checked += 1;

        // A flush of the outbox.
        c.flushes += 1;
        let o = rt
            .block_on(outbox::flush(
                &client,
                &outbox_store,
                &team,
                Some(&me),
                "chaos",
            ))
            .expect("the outbox store works");
        c.applied += o.sent.len() as u64;
        for (id, reason, _) in &o.refused {
            eprintln!("seed {seed}: change {id} refused: {reason}");
        }
        c.refused += o.refused.len() as u64;
    }

    // The chaos stops: everything queued goes, in effect exactly once.
    let chaos = {
        let mut w = fake.world();
        w.chaos = None;
        w.faults.clear();
        w.chaos_counts.clone()
    };
    for _ in 0..10 {
        let o = rt
            .block_on(outbox::flush(
                &client,
                &outbox_store,
                &team,
                Some(&me),
                "chaos",
            ))
            .unwrap();
        c.applied += o.sent.len() as u64;
        c.refused += o.refused.len() as u64;
        if outbox_store.outbox_queued().unwrap().is_empty() {
            break;
        }
    }
    assert!(
        outbox_store.outbox_queued().unwrap().is_empty(),
        "seed {seed}: the queue drains once GitLab answers"
    );
    rt.block_on(syncer.full(Utc::now(), None, &|_, _| {}))
        .unwrap();

    let w = fake.world();
    for (id, e) in &expect {
        let s = w
            .issues
            .iter()
            .find(|i| i.id == *id)
            .expect("never deleted");
        let mut wrong = Vec::new();
        if let Some(lane) = &e.lane {
            let on: Vec<&String> = s
                .labels
                .iter()
                .filter(|l| l.starts_with("workflow-infra::"))
                .collect();
            if on != [&format!("workflow-infra::{lane}")] {
                wrong.push(format!("lanes {on:?}, wanted {lane}"));
            }
        }
        if let Some(a) = &e.assignees {
            let on: BTreeSet<u64> = s.assignee_ids.iter().copied().collect();
            if &on != a {
                wrong.push(format!("assignees {on:?}, wanted {a:?}"));
            }
        }
        if let Some(wt) = e.weight
            && s.weight != wt
        {
            wrong.push(format!("weight {:?}, wanted {wt:?}", s.weight));
        }
        if let Some(m) = e.milestone
            && s.milestone_id != m
        {
            wrong.push(format!("milestone {:?}, wanted {m:?}", s.milestone_id));
        }
        if !wrong.is_empty() {
            eprintln!("seed {seed}: issue {id}: {}", wrong.join("; "));
            c.lost += 1;
        }
        // The cache, after the chaos, says what GitLab says.
        let cached = syncer.snap.ws.issues.iter().find(|i| i.id == *id).unwrap();
        assert_eq!(cached.milestone_id, s.milestone_id, "seed {seed}");
        assert_eq!(cached.weight, s.weight, "seed {seed}");
    }
    let server: BTreeSet<u64> = w
        .issues
        .iter()
        .filter(|i| i.labels.contains(generate::TEAM) && i.state == "opened")
        .map(|i| i.id)
        .collect();
    let cached: BTreeSet<u64> = syncer
        .snap
        .ws
        .issues
        .iter()
        .filter(|i| i.state == IssueState::Opened)
        .map(|i| i.id)
        .collect();
    assert_eq!(
        cached, server,
        "seed {seed}: the cache holds every open team issue"
    );
    (c, chaos)
}

#[test]
fn under_chaos_no_change_is_lost_and_the_cache_stays_whole() {
    let seeds = env("CHAOS_SEEDS", 3);
    let rounds = env("CHAOS_ROUNDS", 40);
    let mut total = Counts::default();
    let mut faults: std::collections::BTreeMap<String, u64> = Default::default();
    let (mut requests, mut shifts) = (0, 0);
    for seed in 0..seeds {
        let (c, chaos) = run(0x5eed + seed, rounds);
        total.rounds += c.rounds;
        total.syncs += c.syncs;
        total.syncs_ok += c.syncs_ok;
        total.flushes += c.flushes;
        total.queued += c.queued;
        total.applied += c.applied;
        total.refused += c.refused;
        total.lost += c.lost;
        total.snapshots_checked += c.snapshots_checked;
        requests += chaos.requests;
        shifts += chaos.shifts;
        for (k, v) in chaos.faults {
            *faults.entry(k).or_default() += v;
        }
    }
    eprintln!(
        "chaos: {seeds} seeds × {rounds} rounds; {requests} requests, {} faults injected {faults:?}, {shifts} page shifts; \
         syncs attempted {} (succeeded {}), cache snapshots checked {}; flushes {}; \
         changes queued {}, applied {}, refused {}, lost {}",
        faults.values().sum::<u64>(),
        total.syncs,
        total.syncs_ok,
        total.snapshots_checked,
        total.flushes,
        total.queued,
        total.applied,
        total.refused,
        total.lost,
    );
    assert!(faults.values().sum::<u64>() > 0, "chaos did inject faults");
    assert_eq!(total.lost, 0, "no change lost");
    assert_eq!(total.refused, 0, "no change refused: nobody else edits");
}
