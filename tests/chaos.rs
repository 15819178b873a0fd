//! Chaos: the fake's chaos mode (random latency, 429 storms, 5xx with HTML
//! bodies, resets, truncated and malformed bodies, writes applied whose
//! answer is lost, lists that shift while they are paged) for a bounded
//! number of rounds of changes, syncs and outbox flushes, through the real
//! client, sync engine, outbox and SQLite cache.
//!
//! Two writers share one cache, as a board and a command in another shell
//! do: each queues changes from what it sees (its own snapshot, or the
//! cache as it is now, with every queued change over it), both try to send
//! at once (one holds the lease), and the second syncs while the first
//! sends. The changes: lanes, assignees, weights, milestones, comments
//! (some with a quick action, `/spend`) and new issues.
//!
//! glboard never panics; after every sync attempt of the first writer the
//! cache on disk is one whole snapshot (the new one, or the previous one
//! untouched); once the chaos stops every queued change reaches GitLab
//! exactly in effect: the last intent for every field, each comment and
//! each new issue exactly once, none refused, lost or doubled. The counts
//! are printed (`--nocapture`). A seed replays its faults (the fake draws
//! each request's faults from a stream of its own, whatever order
//! concurrent requests arrive in; only what depends on the clock differs).
//!
//! And the neighbours a cache and a network really have (issue #26): now
//! and then a GitLab that never answers or stalls mid-answer (each request
//! then ends at its deadline), other processes opening and closing the
//! cache at random moments (SQLite's library, and Debian's `sqlite3` when
//! it is installed) while the writers sync and send, and a disk that fills
//! for a round (no file of the process may grow: SQLite says the disk is
//! full): a change that cannot be saved is refused, never sent; one whose
//! answer cannot be saved stays queued and is made once in effect.
//!
//! CI runs 3 seeds × 40 rounds and the two seeds that once lost a change
//! (issue #19) × 120 rounds (those replay their old faults: no neighbours);
//! `CHAOS_RANDOM_SEEDS=100` runs that many seeds drawn at random, printed
//! first; the release checklist's run:
//! `CHAOS_SEEDS=50 CHAOS_ROUNDS=200 cargo test --release --test chaos -- --nocapture`;
//! one seed: `CHAOS_SEED=24312 CHAOS_ROUNDS=120 cargo test --release --test chaos -- --nocapture`;
//! add `CHAOS_TRACE=<issue id>` to follow one issue: its changes as
//! queued and as GitLab answered them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use fake_gitlab::{Chaos, FakeGitlab, World, generate};
use glboard::core::domain::edit::{self, Change, Edit, NewIssue, Seen};
use glboard::core::domain::model::{Issue, IssueId, IssueState, TeamConfig, User};
use glboard::gitlab::{Client, RetryPolicy};
use glboard::outbox;
use glboard::store::Store;
use glboard::sync::{Syncer, Target};
use secrecy::SecretString;

const TOKEN: &str = "glpat-chaos-secret";
/// The first seed of a run of several.
const FIRST_SEED: u64 = 0x5eed;
/// What a comment with a quick action spends.
const SPEND_SECS: i64 = 300;

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
    state: Option<IssueState>,
}

#[derive(Debug, Default)]
struct Counts {
    rounds: u64,
    syncs: u64,
    syncs_ok: u64,
    flushes: u64,
    busy: u64,
    queued: u64,
    applied: u64,
    refused: u64,
    lost: u64,
    duplicated: u64,
    comments: u64,
    spends: u64,
    created: u64,
    reorders_checked: u64,
    snapshots_checked: u64,
    /// Rounds with a full disk.
    full_rounds: u64,
    /// Changes the full disk kept from being queued (refused, not sent).
    not_saved: u64,
    /// Sends whose answers the full disk kept from being written down.
    answers_not_saved: u64,
}

impl Counts {
    fn add(&mut self, c: &Counts) {
        self.rounds += c.rounds;
        self.syncs += c.syncs;
        self.syncs_ok += c.syncs_ok;
        self.flushes += c.flushes;
        self.busy += c.busy;
        self.queued += c.queued;
        self.applied += c.applied;
        self.refused += c.refused;
        self.lost += c.lost;
        self.duplicated += c.duplicated;
        self.comments += c.comments;
        self.spends += c.spends;
        self.created += c.created;
        self.reorders_checked += c.reorders_checked;
        self.snapshots_checked += c.snapshots_checked;
        self.full_rounds += c.full_rounds;
        self.not_saved += c.not_saved;
        self.answers_not_saved += c.answers_not_saved;
    }
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

/// The neighbours a run has (issue #26).
#[derive(Debug, Clone, Copy)]
struct Neighbours {
    /// Requests per 1000 (among those chaos left alone) that hang or stall.
    hang_permille: u32,
    /// A round in this many has a full disk (0: never).
    disk_full_one_in: u8,
    /// Other processes open and close the cache at random moments.
    readers: bool,
}

impl Neighbours {
    const NONE: Neighbours = Neighbours {
        hang_permille: 0,
        disk_full_one_in: 0,
        readers: false,
    };

    fn from_env() -> Neighbours {
        Neighbours {
            hang_permille: u32::try_from(env("CHAOS_HANG_PERMILLE", 4)).unwrap_or(4),
            disk_full_one_in: u8::try_from(env("CHAOS_DISK_FULL_ONE_IN", 8)).unwrap_or(8),
            readers: env("CHAOS_READERS", 1) == 1,
        }
    }
}

/// The disk limit is the whole process's: one run at a time.
static ONE_RUN: Mutex<()> = Mutex::new(());

/// A full disk, for as long as this lives: no file of this process grows
/// past the cache's size now (`RLIMIT_FSIZE`, as `prlimit --fsize` does in
/// `tests/it/cli.rs`); SQLite then says "database or disk is full".
struct FullDisk;

impl FullDisk {
    fn fill(path: &std::path::Path) -> FullDisk {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        set_file_size_limit(size);
        FullDisk
    }
}

impl Drop for FullDisk {
    fn drop(&mut self) {
        set_file_size_limit(libc::RLIM_INFINITY);
    }
}

fn set_file_size_limit(bytes: u64) {
    // SIGXFSZ would end the process; the write fails with EFBIG instead.
    // SAFETY: setting a signal to be ignored and this process's soft limit.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        assert_eq!(libc::getrlimit(libc::RLIMIT_FSIZE, &mut l), 0);
        l.rlim_cur = bytes.min(l.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &l), 0);
    }
}

/// How often other programs opened and closed the cache.
static FOREIGN_OPENS: AtomicU64 = AtomicU64::new(0);

/// Other processes reading the cache while `during` runs: `opens` times
/// SQLite's library in a thread of its own, and Debian's `sqlite3` (an
/// older SQLite) now and then, each opening, reading and closing it.
fn with_readers<T>(path: &std::path::Path, opens: usize, during: impl FnOnce() -> T) -> T {
    if opens == 0 {
        return during();
    }
    let path = path.to_owned();
    let reader = std::thread::spawn(move || {
        for n in 0..opens {
            if n % 4 == 3
                && let Ok(o) = std::process::Command::new("sqlite3")
                    .arg(&path)
                    .arg("select count(*) from issues")
                    .output()
            {
                assert!(
                    o.status.success() || !String::from_utf8_lossy(&o.stderr).contains("malformed"),
                    "sqlite3 reads the cache: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                FOREIGN_OPENS.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            // A busy cache may refuse a read: a reader's trouble, not ours.
            if let Ok(c) = rusqlite::Connection::open(&path) {
                let _ = c.query_row("select count(*) from issues", [], |r| r.get::<_, i64>(0));
                FOREIGN_OPENS.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let out = during();
    reader.join().expect("the reader ends");
    out
}

fn sorted(mut issues: Vec<Issue>) -> Vec<Issue> {
    issues.sort_by_key(|i| i.id);
    issues
}

/// A queued change over the board, as the board shows it (a moved card
/// between its new neighbours).
fn replay(view: &mut HashMap<IssueId, Issue>, e: &Edit, id: IssueId, members: &[User]) {
    let pos = |id: Option<IssueId>| id.and_then(|id| view.get(&id)).map(|i| i.position);
    let place = e
        .reorder
        .map(|r| edit::position_between(pos(r.after), pos(r.before)));
    if let Some(i) = view.get_mut(&id) {
        edit::apply(i, e, members);
        if let Some(p) = place {
            i.position = p;
        }
    }
}

/// Whether `CHAOS_TRACE` names this issue.
fn traced(id: IssueId) -> bool {
    std::env::var("CHAOS_TRACE").is_ok_and(|t| t == id.to_string())
}

/// One glboard process: its own connection to the cache, its own idea of
/// the board (a snapshot), its own name for the sender lease.
struct Writer {
    syncer: Syncer,
    store: Store,
    holder: String,
}

fn writer(client: &Client, path: &std::path::Path, team: &TeamConfig, holder: &str) -> Writer {
    Writer {
        syncer: Syncer::new(
            client.clone(),
            Store::open(path).unwrap(),
            Target {
                group: generate::GROUP.into(),
                team: team.clone(),
                lanes_configured: true,
            },
        )
        .unwrap(),
        store: Store::open(path).unwrap(),
        holder: holder.into(),
    }
}

/// This writer sends what is queued (any writer's), if it gets the lease.
async fn send(
    client: &Client,
    w: &Writer,
    team: &TeamConfig,
    me: &User,
) -> Result<outbox::BatchOutcome, glboard::store::StoreError> {
    outbox::flush(client, &w.store, team, Some(me), &w.holder).await
}

/// What one seed did.
fn run(seed: u64, rounds: u64, near: Neighbours) -> (Counts, fake_gitlab::ChaosCounts) {
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
        // A hung request ends here (a stalled one too: the whole body
        // counts).
        timeout: Duration::from_millis(if near.hang_permille > 0 { 1500 } else { 5000 }),
    };
    let client = Client::new(&fake.url(), &SecretString::from(TOKEN.to_owned()), policy).unwrap();
    let mut board = writer(&client, &path, &team, "board");
    rt.block_on(board.syncer.sync(Utc::now(), None, &|_, _| {}))
        .expect("the first sync, before the chaos");
    let mut writers = [board, writer(&client, &path, &team, "shell")];
    let snap = writers[0].syncer.snap.clone();
    let me = snap.ws.me.clone().expect("me");
    let members = snap.ws.members.clone();
    let milestones: Vec<u64> = snap.ws.milestones.iter().map(|m| m.id).collect();
    let projects: Vec<u64> = snap
        .ws
        .issues
        .iter()
        .map(|i| i.project_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let lanes = ["Ready", "In Progress", "Under Review", "Blocked"];
    let spent_before: HashMap<u64, i64> = fake
        .world()
        .issues
        .iter()
        .map(|i| (i.id, i.time_spent_secs))
        .collect();

    fake.world().chaos = Some(Chaos {
        seed,
        fault_permille: 250,
        max_latency_ms: 3,
        shift_permille: 300,
        hang_permille: near.hang_permille,
    });
    let mut rng = fastrand::Rng::with_seed(seed);
    // The neighbours draw from a stream of their own: without them a seed
    // makes the changes it always made.
    let mut near_rng = fastrand::Rng::with_seed(seed ^ 0x6e65_6967_6862_6f72);
    let readers = |near_rng: &mut fastrand::Rng| {
        if near.readers && near_rng.u8(..3) == 0 {
            near_rng.usize(1..12)
        } else {
            0
        }
    };
    let mut c = Counts::default();
    let mut expect: HashMap<IssueId, Expect> = HashMap::new();
    // Comments asked for: (issue, the note's text as GitLab keeps it).
    let mut comments: Vec<(IssueId, String)> = Vec::new();
    let mut spends: HashMap<IssueId, i64> = HashMap::new();
    let mut created: Vec<String> = Vec::new();
    // Reorders asked for, in order: (the issue, the ones above and below).
    let mut reorders: Vec<(IssueId, Option<IssueId>, Option<IssueId>)> = Vec::new();
    let mut closed_by_us: BTreeSet<IssueId> = BTreeSet::new();
    let mut next_change = 1u64;
    // The outbox ids of every change queued.
    let mut enqueued: Vec<u64> = Vec::new();

    for _ in 0..rounds {
        c.rounds += 1;
        // Now and then the disk is full for the whole round.
        let full = (near.disk_full_one_in > 0 && near_rng.u8(..near.disk_full_one_in) == 0)
            .then(|| FullDisk::fill(&path));
        c.full_rounds += u64::from(full.is_some());
        // One writer acts. Its board: its snapshot, or the cache as it is
        // now, with every queued change (any process's) replayed over it.
        let w = rng.usize(..writers.len());
        let base = if rng.bool() {
            writers[w].syncer.snap.ws.issues.clone()
        } else {
            on_disk(&path)
        };
        let mut view: HashMap<IssueId, Issue> = base.into_iter().map(|i| (i.id, i)).collect();
        for q in writers[w].store.outbox_queued().unwrap() {
            replay(&mut view, &q.edit, q.issue, &members);
        }
        // The cards a user can act on: open ones in one lane, and those
        // this run closed (to reopen them).
        let open_of = |view: &HashMap<IssueId, Issue>, closed: &BTreeSet<IssueId>| {
            let mut open: Vec<Issue> = view
                .values()
                .filter(|i| i.state == IssueState::Opened || closed.contains(&i.id))
                .filter(|i| team.lanes_of(i).len() == 1)
                .cloned()
                .collect();
            open.sort_by_key(|i| i.id);
            open
        };
        let mut open = open_of(&view, &closed_by_us);
        for _ in 0..rng.usize(1..=3) {
            let issue = open[rng.usize(..open.len())].clone();
            let n = next_change;
            next_change += 1;
            let kind = rng.u8(..24);
            // What this issue must end as, unless this change is nothing.
            let was = expect.get(&issue.id).cloned();
            let edit = match kind {
                0..=3 => {
                    let lane = lanes[rng.usize(..lanes.len())];
                    expect.entry(issue.id).or_default().lane = Some(lane.to_owned());
                    edit::to_lane(&issue, &team, Some(lane))
                }
                4..=7 => {
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
                    expect.entry(issue.id).or_default().assignees = Some(now);
                    edit
                }
                8..=11 => {
                    let w = Some(rng.u32(1..9));
                    expect.entry(issue.id).or_default().weight = Some(w);
                    Edit {
                        weight: Some(w),
                        ..Edit::default()
                    }
                }
                12..=15 => {
                    let m = Some(milestones[rng.usize(..milestones.len())]);
                    expect.entry(issue.id).or_default().milestone = Some(m);
                    Edit {
                        milestone: Some(m),
                        ..Edit::default()
                    }
                }
                16..=18 => {
                    let text = format!("chaos note {seed}-{n}");
                    comments.push((issue.id, text.clone()));
                    // Now and then a quick action too: it must run once.
                    let body = if kind == 18 {
                        *spends.entry(issue.id).or_default() += SPEND_SECS;
                        format!("{text}\n/spend {}m", SPEND_SECS / 60)
                    } else {
                        text
                    };
                    Edit {
                        comment: Some(body),
                        ..Edit::default()
                    }
                }
                20 | 21 => {
                    // Up or down one place in its lane, as `K`/`J` do:
                    // between the two cards it lands between.
                    let lane = team.lanes_of(&issue)[0].to_owned();
                    let mut column: Vec<&Issue> = view
                        .values()
                        .filter(|i| {
                            i.state == IssueState::Opened && team.lanes_of(i) == [lane.as_str()]
                        })
                        .collect();
                    column.sort_by_key(|i| (i.position, i.id));
                    let Some(row) = column.iter().position(|i| i.id == issue.id) else {
                        continue;
                    };
                    let at = |r: Option<usize>| r.and_then(|r| column.get(r)).map(|i| i.id);
                    let (above, below) = if kind == 20 {
                        (
                            row.checked_sub(2).and_then(|r| at(Some(r))),
                            at(row.checked_sub(1)),
                        )
                    } else {
                        (at(Some(row + 1)), at(Some(row + 2)))
                    };
                    if above.is_none() && below.is_none() {
                        continue;
                    }
                    reorders.push((issue.id, above, below));
                    Edit {
                        reorder: Some(edit::Reorder {
                            after: above,
                            before: below,
                        }),
                        ..Edit::default()
                    }
                }
                22 | 23 => {
                    let to = if issue.state == IssueState::Opened {
                        closed_by_us.insert(issue.id);
                        IssueState::Closed
                    } else {
                        IssueState::Opened
                    };
                    expect.entry(issue.id).or_default().state = Some(to);
                    Edit {
                        state: Some(to),
                        ..Edit::default()
                    }
                }
                _ => {
                    let title = format!("chaos new issue {seed}-{n}");
                    created.push(title.clone());
                    let new = NewIssue {
                        project: projects[rng.usize(..projects.len())],
                        title,
                        description: String::new(),
                        labels: vec![
                            generate::TEAM.to_owned(),
                            "workflow-infra::Ready".to_owned(),
                        ],
                        milestone: Some(milestones[rng.usize(..milestones.len())]),
                    };
                    let change = Change {
                        issue: glboard::core::app::overlay::placeholder_id(seed, n),
                        project: new.project,
                        iid: 0,
                        edit: Edit {
                            create: Some(new),
                            ..Edit::default()
                        },
                        summary: format!("chaos change {n}"),
                        ..Change::default()
                    };
                    match writers[w].store.enqueue(std::slice::from_ref(&change)) {
                        Ok(ids) => enqueued.extend(ids),
                        Err(e) => {
                            // Not made: the user is told, nothing is sent.
                            assert!(full.is_some(), "seed {seed}: enqueue failed: {e}");
                            created.pop();
                            c.not_saved += 1;
                            continue;
                        }
                    }
                    c.queued += 1;
                    continue;
                }
            };
            if edit.is_empty() {
                // Already so on this board (a stale one, maybe): nothing
                // is queued, and nothing is asked of GitLab.
                match was {
                    Some(e) => expect.insert(issue.id, e),
                    None => expect.remove(&issue.id),
                };
                continue;
            }
            let change = Change {
                issue: issue.id,
                project: issue.project_id,
                iid: issue.iid,
                seen: Seen::of(&issue, &team),
                edit,
                summary: format!("chaos change {n}"),
                ..Change::default()
            };
            let ids = match writers[w].store.enqueue(std::slice::from_ref(&change)) {
                Ok(ids) => {
                    enqueued.extend(&ids);
                    ids
                }
                Err(e) => {
                    // Not made: the user is told, nothing is sent; what
                    // this issue must end as is what it was before.
                    assert!(full.is_some(), "seed {seed}: enqueue failed: {e}");
                    match was {
                        Some(e) => expect.insert(issue.id, e),
                        None => expect.remove(&issue.id),
                    };
                    if let Some(body) = &change.edit.comment {
                        comments.pop();
                        if body.contains("/spend") {
                            *spends.entry(issue.id).or_default() -= SPEND_SECS;
                        }
                    }
                    if change.edit.state == Some(IssueState::Closed) {
                        closed_by_us.remove(&issue.id);
                    }
                    if change.edit.reorder.is_some() {
                        reorders.pop();
                    }
                    c.not_saved += 1;
                    continue;
                }
            };
            if traced(issue.id) {
                eprintln!(
                    "TRACE round {}: writer {w} queued {ids:?}: {:?} seen {:?}",
                    c.rounds, change.edit, change.seen
                );
            }
            c.queued += 1;
            // The next change of this round sees this one (as on the board).
            replay(&mut view, &change.edit, issue.id, &members);
            open = open_of(&view, &closed_by_us);
        }

        // The first writer syncs: afterwards the disk holds the new
        // snapshot, or the old one untouched.
        let before = on_disk(&path);
        c.syncs += 1;
        let shown = milestones.get(rng.usize(..milestones.len())).copied();
        let opens = readers(&mut near_rng);
        let synced = with_readers(&path, opens, || {
            rt.block_on(writers[0].syncer.sync(Utc::now(), shown, &|_, _| {}))
        });
        match synced {
            Ok(_) => {
                c.syncs_ok += 1;
                let disk = on_disk(&path);
                let snap = sorted(writers[0].syncer.snap.ws.issues.clone());
                if disk != snap {
                    let ids: BTreeSet<IssueId> = disk.iter().chain(&snap).map(|i| i.id).collect();
                    let differ: Vec<(Option<&Issue>, Option<&Issue>)> = ids
                        .iter()
                        .map(|id| {
                            (
                                disk.iter().find(|i| i.id == *id),
                                snap.iter().find(|i| i.id == *id),
                            )
                        })
                        .filter(|(a, b)| a != b)
                        .collect();
                    panic!(
                        "seed {seed} round {}: the cache is the synced snapshot; (on disk, synced) differ: {differ:#?}",
                        c.rounds
                    );
                }
            }
            Err(e) => {
                assert_eq!(
                    on_disk(&path),
                    before,
                    "seed {seed}: a failed sync ({e}) left the cache as it was"
                );
                // The UI starts again from the cache after a failure.
                writers[0] = writer(&client, &path, &team, "board");
            }
        }
        c.snapshots_checked += 1;

        // Both writers send at once (one holds the lease, the other finds
        // it busy); now and then the second syncs while the first sends,
        // as `glboard sync` from cron does beside an open board.
        c.flushes += 1;
        let [a, b] = &mut writers;
        let (first, second) = if rng.bool() { (a, b) } else { (b, a) };
        let opens = readers(&mut near_rng);
        let outcomes = with_readers(&path, opens, || {
            if rng.u8(..4) == 0 {
                let (o, synced) = rt.block_on(async {
                    tokio::join!(
                        send(&client, first, &team, &me),
                        second.syncer.sync(Utc::now(), shown, &|_, _| {})
                    )
                });
                c.syncs += 1;
                if synced.is_ok() {
                    c.syncs_ok += 1;
                }
                vec![o]
            } else {
                let (o1, o2) = rt.block_on(async {
                    tokio::join!(
                        send(&client, first, &team, &me),
                        send(&client, second, &team, &me)
                    )
                });
                vec![o1, o2]
            }
        });
        for o in outcomes {
            let o = match o {
                Ok(o) => o,
                Err(e) => {
                    // The answer could not be written down: the change
                    // stays queued, to be made once in effect later.
                    assert!(full.is_some(), "seed {seed}: the outbox store works: {e}");
                    c.answers_not_saved += 1;
                    continue;
                }
            };
            for (id, i) in o.sent.iter().filter(|(_, i)| traced(i.id)) {
                eprintln!(
                    "TRACE round {}: {id} applied: {:?}",
                    c.rounds,
                    Seen::of(i, &team)
                );
            }
            if let Some(e) = o
                .waiting
                .as_ref()
                .filter(|_| std::env::var("CHAOS_TRACE").is_ok())
            {
                eprintln!("TRACE round {}: waiting: {e}", c.rounds);
            }
            c.busy += u64::from(o.busy.is_some());
            c.applied += o.sent.len() as u64;
            for (id, reason, _) in &o.refused {
                eprintln!("seed {seed}: change {id} refused: {reason}");
            }
            c.refused += o.refused.len() as u64;
        }
    }

    // The chaos stops: everything queued goes, in effect exactly once.
    set_file_size_limit(libc::RLIM_INFINITY);
    let chaos = {
        let mut w = fake.world();
        w.chaos = None;
        w.faults.clear();
        w.chaos_counts.clone()
    };
    let store = &writers[0].store;
    for _ in 0..10 {
        let o = rt
            .block_on(outbox::flush(&client, store, &team, Some(&me), "chaos"))
            .unwrap();
        c.applied += o.sent.len() as u64;
        for (id, reason, _) in &o.refused {
            eprintln!("seed {seed}: change {id} refused: {reason}");
        }
        c.refused += o.refused.len() as u64;
        if store.outbox_queued().unwrap().is_empty() {
            break;
        }
    }
    assert!(
        store.outbox_queued().unwrap().is_empty(),
        "seed {seed}: the queue drains once GitLab answers"
    );
    // What became of each change, as the outbox says: a send whose answer
    // the full disk kept from being written down had no outcome to count.
    let applied = enqueued
        .iter()
        .filter(|id| {
            store
                .change_state(**id)
                .unwrap()
                .is_none_or(|(state, _)| state == glboard::store::ChangeState::Sent)
        })
        .count() as u64;
    if applied != c.applied {
        assert!(
            c.answers_not_saved > 0,
            "seed {seed}: {} applied as the sends said, {applied} as the outbox says",
            c.applied
        );
        c.applied = applied;
    }
    // An ordinary sync, then the cache says what GitLab says: no older
    // answer (of a resend, of another writer's sync) stayed over a newer.
    let syncer = &mut writers[0].syncer;
    rt.block_on(syncer.sync(Utc::now(), None, &|_, _| {}))
        .unwrap();
    let cached_now: HashMap<IssueId, Issue> = syncer
        .snap
        .ws
        .issues
        .iter()
        .map(|i| (i.id, i.clone()))
        .collect();

    let w = fake.world();
    for (id, e) in &expect {
        let s = w
            .issues
            .iter()
            .find(|i| i.id == *id)
            .expect("never deleted");
        let mut wrong = Vec::new();
        let on: Vec<&String> = s
            .labels
            .iter()
            .filter(|l| l.starts_with("workflow-infra::"))
            .collect();
        if let Some(lane) = &e.lane
            && on != [&format!("workflow-infra::{lane}")]
        {
            wrong.push(format!("lanes {on:?}, wanted {lane}"));
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
        let state = match s.state.as_str() {
            "closed" => IssueState::Closed,
            _ => IssueState::Opened,
        };
        if let Some(st) = e.state
            && state != st
        {
            wrong.push(format!("{state:?}, wanted {st:?}"));
        }
        if !wrong.is_empty() {
            eprintln!("seed {seed}: issue {id}: {}", wrong.join("; "));
            c.lost += 1;
        }
        // The cache, after the chaos, says what GitLab says (a closed
        // issue may have left it).
        let Some(cached) = cached_now.get(id) else {
            assert_eq!(state, IssueState::Closed, "seed {seed}: {id} is cached");
            continue;
        };
        assert_eq!(cached.state, state, "seed {seed}: {id}");
        let cached_lanes: Vec<String> = team
            .lanes_of(cached)
            .iter()
            .map(|l| format!("workflow-infra::{l}"))
            .collect();
        let server_lanes: Vec<String> = on.iter().map(|l| l.to_string()).collect();
        assert_eq!(cached_lanes, server_lanes, "seed {seed}: lanes of {id}");
        assert_eq!(cached.milestone_id, s.milestone_id, "seed {seed}: {id}");
        assert_eq!(cached.weight, s.weight, "seed {seed}: {id}");
        let cached_people: BTreeSet<u64> = cached.assignees.iter().map(|u| u.id).collect();
        let server_people: BTreeSet<u64> = s.assignee_ids.iter().copied().collect();
        assert_eq!(cached_people, server_people, "seed {seed}: {id}");
    }
    // Each issue's last move holds: it is between the cards it was put
    // between, unless a later move took one of them elsewhere (or the
    // fake's page shifts did).
    let pos = |id: IssueId| {
        w.issues
            .iter()
            .find(|i| i.id == id)
            .map(|i| i.relative_position)
    };
    for (k, (issue, above, below)) in reorders.iter().enumerate() {
        let moved_later = |x: &IssueId| reorders[k + 1..].iter().any(|(i, _, _)| i == x);
        let involved = [Some(*issue), *above, *below];
        if involved
            .iter()
            .flatten()
            .any(|x| moved_later(x) || chaos.shifted.contains(x))
        {
            continue;
        }
        c.reorders_checked += 1;
        // Two neighbours are taken in GitLab's order, whatever the board
        // showed (RelativePositioning#move_between sorts them).
        let p = pos(*issue);
        let ok = match (above.and_then(pos), below.and_then(pos)) {
            (Some(a), Some(b)) => a.min(b) < p.unwrap_or(0) && p.unwrap_or(0) < a.max(b),
            (a, b) => a.is_none_or(|a| Some(a) < p) && b.is_none_or(|b| p < Some(b)),
        };
        if !ok {
            eprintln!(
                "seed {seed}: issue {issue} is not between {above:?} and {below:?}: {:?} {:?} {:?}",
                above.and_then(pos),
                p,
                below.and_then(pos)
            );
            c.lost += 1;
        }
    }
    // Each comment once; each quick action ran once.
    for (issue, text) in &comments {
        c.comments += 1;
        let n = w
            .notes
            .iter()
            .filter(|n| n.issue_id == *issue && !n.system && n.body.trim() == text)
            .count();
        match n {
            1 => {}
            0 => {
                eprintln!("seed {seed}: the comment {text:?} never reached GitLab");
                c.lost += 1;
            }
            n => {
                eprintln!("seed {seed}: the comment {text:?} is on GitLab {n} times");
                c.duplicated += 1;
            }
        }
    }
    for (issue, secs) in &spends {
        c.spends += 1;
        let s = w.issues.iter().find(|i| i.id == *issue).unwrap();
        let spent = s.time_spent_secs - spent_before.get(issue).copied().unwrap_or(0);
        if spent != *secs {
            eprintln!("seed {seed}: issue {issue}: {spent} s spent, wanted {secs} s");
            if spent > *secs {
                c.duplicated += 1;
            } else {
                c.lost += 1;
            }
        }
    }
    // Each new issue once, and in the cache.
    for title in &created {
        c.created += 1;
        let made: Vec<u64> = w
            .issues
            .iter()
            .filter(|i| &i.title == title)
            .map(|i| i.id)
            .collect();
        match made.as_slice() {
            [id] => assert!(
                cached_now.contains_key(id),
                "seed {seed}: the new issue {title:?} is in the cache"
            ),
            [] => {
                eprintln!("seed {seed}: {title:?} was never created");
                c.lost += 1;
            }
            more => {
                eprintln!("seed {seed}: {title:?} was created {} times", more.len());
                c.duplicated += 1;
            }
        }
    }
    drop(w);
    let syncer = &mut writers[0].syncer;
    rt.block_on(syncer.full(Utc::now(), None, &|_, _| {}))
        .unwrap();
    let w = fake.world();
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

/// Run these seeds, print the counts, and check that nothing was lost,
/// refused or doubled.
fn seeds(seeds: &[u64], rounds: u64, near: Neighbours) {
    let _one = ONE_RUN.lock().unwrap_or_else(|e| e.into_inner());
    let opens_before = FOREIGN_OPENS.load(Ordering::Relaxed);
    let mut total = Counts::default();
    let mut faults: BTreeMap<String, u64> = Default::default();
    let (mut requests, mut shifts) = (0, 0);
    for &seed in seeds {
        let (c, chaos) = run(seed, rounds, near);
        total.add(&c);
        requests += chaos.requests;
        shifts += chaos.shifts;
        for (k, v) in chaos.faults {
            *faults.entry(k).or_default() += v;
        }
    }
    eprintln!(
        "chaos: {} seeds × {rounds} rounds; {requests} requests, {} faults injected {faults:?}, {shifts} page shifts; \
         syncs attempted {} (succeeded {}), cache snapshots checked {}; flushes {} (lease busy {}); \
         changes queued {}, applied {}, refused {}, lost {}, duplicated {} \
         (comments {}, with /spend {}, new issues {}, moves checked {}); \
         {:?}: rounds with a full disk {} (changes not saved {}, answers not saved {}), foreign opens of the cache {}",
        seeds.len(),
        faults.values().sum::<u64>(),
        total.syncs,
        total.syncs_ok,
        total.snapshots_checked,
        total.flushes,
        total.busy,
        total.queued,
        total.applied,
        total.refused,
        total.lost,
        total.duplicated,
        total.comments,
        total.spends,
        total.created,
        total.reorders_checked,
        near,
        total.full_rounds,
        total.not_saved,
        total.answers_not_saved,
        FOREIGN_OPENS.load(Ordering::Relaxed) - opens_before,
    );
    assert!(faults.values().sum::<u64>() > 0, "chaos did inject faults");
    assert_eq!(total.lost, 0, "no change lost");
    assert_eq!(total.duplicated, 0, "nothing done twice");
    assert_eq!(total.refused, 0, "no change refused: nobody else edits");
    assert_eq!(total.applied, total.queued, "every change applied once");
    if near.disk_full_one_in > 0 && total.rounds >= 40 {
        assert!(total.full_rounds > 0, "the disk did fill");
    }
}

#[test]
fn under_chaos_no_change_is_lost_and_the_cache_stays_whole() {
    if let Ok(one) = std::env::var("CHAOS_SEED") {
        let seed = one.parse().expect("CHAOS_SEED is a number");
        return seeds(&[seed], env("CHAOS_ROUNDS", 120), Neighbours::from_env());
    }
    if let Ok(n) = std::env::var("CHAOS_RANDOM_SEEDS") {
        let n: usize = n.parse().expect("CHAOS_RANDOM_SEEDS is a number");
        let all: Vec<u64> = (0..n).map(|_| fastrand::u64(..1_000_000)).collect();
        eprintln!("chaos: random seeds {all:?}");
        for seed in all {
            eprintln!("chaos: seed {seed}");
            seeds(&[seed], env("CHAOS_ROUNDS", 120), Neighbours::from_env());
        }
        return;
    }
    let n = env("CHAOS_SEEDS", 3);
    let all: Vec<u64> = (0..n).map(|i| FIRST_SEED + i).collect();
    seeds(&all, env("CHAOS_ROUNDS", 40), Neighbours::from_env());
}

/// Issue #19: at 12 seeds × 120 rounds these two seeds once lost a change
/// to a false conflict (glboard's own earlier change, whose answer was
/// lost, taken for someone else's).
#[test]
fn the_seeds_that_once_lost_a_change_lose_nothing() {
    if std::env::var("CHAOS_SEED").is_ok() {
        return;
    }
    seeds(&[FIRST_SEED + 1, FIRST_SEED + 11], 120, Neighbours::NONE);
}

/// Issue #26: among 100 seeds drawn at random, this one failed at round
/// 99 with the cache and the syncer's snapshot apart on one card's place:
/// a sync whose save the full disk refused had changed its snapshot
/// without the cache, and the next one started from it.
#[test]
fn the_seed_that_found_a_snapshot_ahead_of_the_cache() {
    if std::env::var("CHAOS_SEED").is_ok() {
        return;
    }
    seeds(&[454_784], 100, Neighbours::from_env());
}
