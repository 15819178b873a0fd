//! The merge requests behind each card (issue #30), against the fake
//! GitLab over HTTP: which merge requests close an issue (in any project
//! of the group, any state), what the cache keeps of each (state, draft,
//! head pipeline, approval), a pipeline that fails or an approval given on
//! GitLab seen after the next sync, the request budget of a round with
//! nothing changed, and `print --format json` and `next` as a user runs them.

use crate::common;
use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use fake_gitlab::merge_requests::FMergeRequest;
use fake_gitlab::{FakeGitlab, World, generate};
use glboard::core::domain::merge_requests::{MergeRequest, MrState};
use glboard::gitlab::{Client, RetryPolicy};
use glboard::merge_request_sync::{MR_BATCH, MrReport};
use glboard::store::Store;
use glboard::sync::{Syncer, Target};
use secrecy::SecretString;

const TOKEN: &str = "glpat-merge-requests-secret-7";

struct Rig {
    fake: FakeGitlab,
    dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
}

impl Rig {
    fn new(world: World) -> Rig {
        Rig {
            fake: FakeGitlab::start(world),
            dir: tempfile::tempdir().unwrap(),
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    fn syncer(&self) -> Syncer {
        let client = Client::new(
            &self.fake.url(),
            &SecretString::from(TOKEN.to_owned()),
            RetryPolicy {
                retries: 2,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(20),
                max_rate_wait: Duration::from_secs(2),
                timeout: Duration::from_secs(5),
            },
        )
        .unwrap();
        let store = Store::open(&self.dir.path().join("cache.sqlite")).unwrap();
        let target = Target {
            group: generate::GROUP.into(),
            team: glboard::demo::datastores_team(),
            lanes_configured: true,
        };
        Syncer::new(client, store, target).unwrap()
    }

    /// A sync and its merge request rounds (as many as it takes), as the
    /// board's background sync and `glboard sync` run them; the rounds'
    /// sums, and how many rounds.
    fn sync_rounds(&self, s: &mut Syncer) -> (MrReport, usize) {
        self.rt
            .block_on(s.sync(Utc::now(), None, &|_, _| {}))
            .unwrap();
        let mut sum = MrReport::default();
        for round in 1..100 {
            let r = self
                .rt
                .block_on(s.refresh_merge_requests(Utc::now()))
                .unwrap();
            sum.requests += r.requests;
            sum.changed += r.changed;
            sum.read += r.read;
            sum.pipelines += r.pipelines;
            if !r.more {
                return (sum, round);
            }
        }
        panic!("merge request rounds never end");
    }

    fn sync(&self, s: &mut Syncer) -> MrReport {
        self.sync_rounds(s).0
    }

    /// The merge request requests of the fake's log since `from`.
    fn mr_requests(&self, from: usize) -> Vec<String> {
        self.fake.world().log[from..]
            .iter()
            .filter(|l| {
                l.contains("merge_requests")
                    || l.contains("/pipelines")
                    || l.ends_with("/api/graphql mergeRequests")
            })
            .cloned()
            .collect()
    }
}

fn world(n: usize) -> World {
    generate::datastores(n, 4, Utc::now().date_naive(), TOKEN)
}

/// The fake's merge requests that close a team issue.
fn closing_team_issues(w: &World) -> Vec<FMergeRequest> {
    let team: HashSet<u64> = w
        .issues
        .iter()
        .filter(|i| i.has_label_titled(generate::TEAM))
        .map(|i| i.id)
        .collect();
    w.merge_requests
        .iter()
        .filter(|m| m.closes.iter().any(|c| team.contains(c)))
        .cloned()
        .collect()
}

fn cached(s: &Syncer, id: u64) -> MergeRequest {
    s.snap
        .ws
        .merge_requests
        .iter()
        .find(|m| m.id == id)
        .cloned()
        .unwrap_or_else(|| panic!("merge request {id} not cached"))
}

#[test]
fn every_merge_request_that_closes_a_team_issue_is_cached_as_gitlab_has_it() {
    let mut w = world(120);
    // A merge request closed without merging, too.
    let victim = w
        .issues
        .iter()
        .find(|i| i.state == "opened" && i.has_label_titled(generate::TEAM))
        .unwrap()
        .clone();
    w.merge_requests.push(FMergeRequest {
        id: 599_000_001,
        iid: 900,
        project_id: victim.project_id,
        title: "Abandoned \u{1b}[31mattempt".into(),
        state: "closed".into(),
        draft: false,
        author_id: w.users[0].id,
        reviewer_ids: vec![w.users[1].id],
        source_branch: "abandoned".into(),
        sha: "ab".repeat(20),
        closes: vec![victim.id],
        approved_by: vec![],
        head_pipeline: None,
        created_at: victim.updated_at,
        updated_at: victim.updated_at,
    });
    let rig = Rig::new(w);
    let mut s = rig.syncer();
    let report = rig.sync(&mut s);
    let w = rig.fake.world().clone();
    let truth = closing_team_issues(&w);
    // Every state the world seeds, and the closed one.
    let states: HashSet<&str> = truth.iter().map(|m| m.state.as_str()).collect();
    assert_eq!(states, HashSet::from(["opened", "merged", "closed"]));
    assert!(truth.iter().any(|m| m.draft));
    assert_eq!(report.read, truth.len(), "{report:?}");
    for m in &truth {
        let c = cached(&s, m.id);
        let pipeline = m
            .head_pipeline
            .and_then(|id| w.pipelines.iter().find(|p| p.id == id))
            .map(|p| p.status.as_str().into());
        assert_eq!(c.state.as_str(), m.state, "{c:?}");
        assert_eq!(c.draft, m.draft, "{c:?}");
        assert_eq!(c.pipeline, pipeline, "{c:?}");
        assert_eq!(c.approved, !m.approved_by.is_empty(), "{c:?}");
        assert_eq!(c.closes, m.closes);
        let project = w.projects.iter().find(|p| p.id == m.project_id).unwrap();
        assert_eq!(c.reference, format!("{}!{}", project.path, m.iid));
        assert!(!c.title.contains('\u{1b}'), "sanitized: {:?}", c.title);
    }
    // Each kind of card mark is there.
    let statuses: HashSet<&str> = s
        .snap
        .ws
        .merge_requests
        .iter()
        .map(glboard::core::domain::merge_requests::status_mark)
        .collect();
    for want in ["✓", "✗", "◌", "review", "draft", "merged", "closed"] {
        assert!(statuses.contains(want), "{want} in {statuses:?}");
    }
    // One in another project than its issue: found through the merge
    // request's closes_issues, which the issue's closed_by would not list.
    let elsewhere = truth
        .iter()
        .find(|m| {
            let issue = w.issues.iter().find(|i| i.id == m.closes[0]).unwrap();
            issue.project_id != m.project_id
        })
        .expect("a merge request in another project");
    let issue = w
        .issues
        .iter()
        .find(|i| i.id == elsewhere.closes[0])
        .unwrap();
    let url = format!(
        "{}/api/v4/projects/{}/issues/{}/closed_by",
        rig.fake.url(),
        issue.project_id,
        issue.iid
    );
    let closed_by: Vec<serde_json::Value> = rig.rt.block_on(async {
        let body = reqwest::Client::new()
            .get(&url)
            .header("PRIVATE-TOKEN", TOKEN)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        serde_json::from_slice(&body).unwrap()
    });
    assert!(
        closed_by.iter().all(|m| m["id"] != elsewhere.id),
        "closed_by lists only the issue's own project"
    );
    assert_eq!(cached(&s, elsewhere.id).closes, vec![issue.id]);
    // And the next process reads the same from the cache.
    let again = rig.syncer();
    assert_eq!(
        again.snap.ws.merge_requests.len(),
        s.snap.ws.merge_requests.len()
    );
}

#[test]
fn a_pipeline_that_fails_and_an_approval_show_after_the_next_sync() {
    let rig = Rig::new(world(120));
    let mut s = rig.syncer();
    rig.sync(&mut s);
    let running = {
        let w = rig.fake.world();
        closing_team_issues(&w)
            .into_iter()
            .find(|m| {
                m.state == "opened"
                    && m.head_pipeline
                        .and_then(|id| w.pipelines.iter().find(|p| p.id == id))
                        .is_some_and(|p| p.status == "running")
            })
            .expect("a running pipeline")
    };
    assert_eq!(
        cached(&s, running.id).pipeline.map(|p| p.as_str()),
        Some("running")
    );
    let waiting = closing_team_issues(&rig.fake.world())
        .into_iter()
        .find(|m| m.state == "opened" && m.approved_by.is_empty() && m.id != running.id)
        .expect("one awaiting approval");
    {
        let mut w = rig.fake.world();
        let before = w
            .merge_requests
            .iter()
            .find(|m| m.id == running.id)
            .unwrap()
            .updated_at;
        assert!(w.set_pipeline_status(running.project_id, running.iid, "failed"));
        let after = w
            .merge_requests
            .iter()
            .find(|m| m.id == running.id)
            .unwrap()
            .updated_at;
        assert_eq!(before, after, "a pipeline does not touch its merge request");
        let reviewer = w.users[3].id;
        assert!(w.approve(waiting.project_id, waiting.iid, reviewer));
    }
    let report = rig.sync(&mut s);
    assert_eq!(
        cached(&s, running.id).pipeline.map(|p| p.as_str()),
        Some("failed")
    );
    assert_eq!(
        glboard::core::domain::merge_requests::mark(&cached(&s, running.id)),
        format!("!{} ✗", running.iid)
    );
    assert!(cached(&s, waiting.id).approved);
    assert_eq!(report.pipelines, 1, "{report:?}");
    // The cache file says so to the next process (print, another board).
    let fresh = rig.syncer();
    assert!(
        fresh
            .snap
            .ws
            .merge_requests
            .iter()
            .any(|m| m.id == running.id && m.pipeline.map(|p| p.as_str()) == Some("failed"))
    );
}

#[test]
fn a_merged_merge_request_and_a_new_one_are_picked_up() {
    let rig = Rig::new(world(120));
    let mut s = rig.syncer();
    rig.sync(&mut s);
    let (open, issue) = {
        let w = rig.fake.world();
        let m = closing_team_issues(&w)
            .into_iter()
            .find(|m| m.state == "opened" && !m.draft)
            .unwrap();
        // An open team issue with no merge request yet.
        let with: HashSet<u64> = w
            .merge_requests
            .iter()
            .flat_map(|m| m.closes.clone())
            .collect();
        let i = w
            .issues
            .iter()
            .find(|i| {
                i.state == "opened" && i.has_label_titled(generate::TEAM) && !with.contains(&i.id)
            })
            .unwrap()
            .clone();
        (m, i)
    };
    {
        let mut w = rig.fake.world();
        let now = w.now();
        let m = w.merge_request_mut(open.project_id, open.iid).unwrap();
        m.state = "merged".into();
        m.updated_at = now;
        let mut fresh = open.clone();
        fresh.id = 599_000_777;
        fresh.iid = 777;
        fresh.project_id = issue.project_id;
        fresh.state = "opened".into();
        fresh.draft = true;
        fresh.head_pipeline = None;
        fresh.closes = vec![issue.id];
        fresh.created_at = now;
        fresh.updated_at = now;
        w.merge_requests.push(fresh);
    }
    let report = rig.sync(&mut s);
    assert_eq!(report.changed, 2, "{report:?}");
    assert_eq!(cached(&s, open.id).state, MrState::Merged);
    let new = cached(&s, 599_000_777);
    assert_eq!(
        glboard::core::domain::merge_requests::mark(&new),
        "!777 draft".to_owned()
    );
    assert_eq!(new.pipeline, None);
}

/// Nothing changed: one list of the group's merge requests and one
/// GraphQL request for the open ones' head pipelines (per ten projects);
/// no merge request, its links or approvals read again, whatever the
/// number of issues or projects.
#[test]
fn a_round_with_nothing_changed_asks_a_handful_of_times() {
    for n in [120, 1500] {
        let rig = Rig::new(world(n));
        let mut s = rig.syncer();
        let (first, rounds) = rig.sync_rounds(&mut s);
        let (relevant, all) = {
            let w = rig.fake.world();
            (closing_team_issues(&w).len(), w.merge_requests.len())
        };
        let asked = rig.mr_requests(0);
        let lists = asked.iter().filter(|l| l.contains("/groups/")).count();
        // A round after the first asks for the head pipelines of what
        // earlier rounds read: one GraphQL request.
        let probes = asked
            .iter()
            .filter(|l| l.contains("/pipelines") || l.ends_with("mergeRequests"))
            .count();
        assert!(probes < rounds, "{probes} in {rounds} rounds");
        assert_eq!(rounds, all.div_ceil(MR_BATCH), "{MR_BATCH} a round");
        assert_eq!(
            first.requests as usize,
            lists + probes + 3 * relevant + (all - relevant),
            "the first rounds: the lists, and per merge request its links, and for \
             those closing a team issue itself and its approvals ({first:?})"
        );
        assert!(
            lists <= rounds + all / 100,
            "{lists} lists in {rounds} rounds"
        );
        let from = rig.fake.world().log.len();
        let again = rig.sync(&mut s);
        let asked = rig.mr_requests(from);
        assert_eq!(again.requests as usize, asked.len(), "{asked:#?}");
        assert!(again.requests <= 2, "{n} issues: {asked:#?}");
        assert_eq!(
            asked
                .iter()
                .filter(|l| l.contains("/groups/") && l.contains("merge_requests"))
                .count(),
            1
        );
        assert!(
            asked.iter().all(|l| !l.contains("/approvals")
                && !l.contains("/closes_issues")
                && !l.contains("merge_requests/")),
            "{asked:#?}"
        );
        assert_eq!((again.changed, again.read, again.pipelines), (0, 0, 0));
    }
}

/// The quiet round's cost does not grow with the group's projects: on 20
/// projects, one list and two GraphQL requests (ten projects each); on a
/// GitLab without GraphQL, REST's pipelines lists, one per project.
#[test]
fn a_quiet_round_costs_the_same_on_twenty_projects_and_rest_without_graphql() {
    for graphql in [true, false] {
        let mut w = generate::datastores(1500, 20, Utc::now().date_naive(), TOKEN);
        w.no_graphql = !graphql;
        let rig = Rig::new(w);
        let mut s = rig.syncer();
        rig.sync_rounds(&mut s);
        let projects: HashSet<u64> = {
            let w = rig.fake.world();
            let open: HashSet<u64> = w
                .issues
                .iter()
                .filter(|i| i.state == "opened")
                .map(|i| i.id)
                .collect();
            closing_team_issues(&w)
                .iter()
                .filter(|m| m.state == "opened" && m.closes.iter().any(|c| open.contains(c)))
                .map(|m| m.project_id)
                .collect()
        };
        assert!(projects.len() > 10, "{} projects", projects.len());
        let from = rig.fake.world().log.len();
        let again = rig.sync(&mut s);
        let asked = rig.mr_requests(from);
        if graphql {
            assert_eq!(
                again.requests as usize,
                1 + projects.len().div_ceil(10),
                "{asked:#?}"
            );
        } else {
            assert_eq!(
                asked.iter().filter(|l| l.contains("/pipelines")).count(),
                projects.len(),
                "{asked:#?}"
            );
        }
        assert_eq!((again.changed, again.read, again.pipelines), (0, 0, 0));
    }
}

#[test]
fn print_json_lists_each_issues_merge_requests_and_next_marks_someone_elses() {
    let server = common::fake();
    let home = common::Home::new();
    home.write_config(&server.url());
    let o = home.run(&["sync"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = home.run(&["print", "iteration", "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/print.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let w = server.world().clone();
    let mut seen = 0;
    for lane in v["lanes"].as_array().unwrap() {
        for i in lane["issues"].as_array().unwrap() {
            let project = w
                .projects
                .iter()
                .find(|p| p.path == i["project"].as_str().unwrap())
                .unwrap();
            let issue = w.issue(project.id, i["iid"].as_u64().unwrap()).unwrap();
            let mut want: Vec<String> = w
                .merge_requests
                .iter()
                .filter(|m| m.closes.contains(&issue.id))
                .map(|m| {
                    let p = w.projects.iter().find(|p| p.id == m.project_id).unwrap();
                    format!("{}!{}", p.path, m.iid)
                })
                .collect();
            let mut got: Vec<String> = i["merge_requests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["reference"].as_str().unwrap().to_owned())
                .collect();
            want.sort();
            got.sort();
            assert_eq!(got, want, "{}", i["reference"]);
            seen += got.len();
        }
    }
    assert!(seen >= 5, "the in-review cards have theirs: {seen}");
    // Plain shows the marks beside the issue, Markdown the full references.
    let first = v["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["issues"].as_array().unwrap())
        .find(|i| !i["merge_requests"].as_array().unwrap().is_empty())
        .unwrap()
        .clone();
    let reference = first["merge_requests"][0]["reference"].as_str().unwrap();
    let iid = reference.rsplit_once('!').unwrap().1;
    let o = home.run(&["print", "iteration", "--format", "plain"]);
    let plain = String::from_utf8_lossy(&o.stdout);
    let line = plain
        .lines()
        .find(|l| l.contains(&format!("#{} ", first["iid"])))
        .unwrap_or_else(|| panic!("{plain}"));
    assert!(line.contains(&format!("!{iid} ")), "{line}");
    let o = home.run(&["print", "iteration", "--format", "markdown"]);
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.contains(reference), "{md}");
    // The Ready issue someone else has a merge request for: marked, and
    // not what --take would take.
    let o = home.run(&["next", "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let n: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let theirs: Vec<&serde_json::Value> = n["ready"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !i["merge_request_by"].is_null())
        .collect();
    assert_eq!(theirs.len(), 1, "{n:#}");
    let o = home.run(&["next"]);
    let plain = String::from_utf8_lossy(&o.stdout);
    let by = theirs[0]["merge_request_by"].as_str().unwrap();
    assert!(plain.contains(&format!("by @{by}")), "{plain}");
}

/// GitLab Free (and CE) answers the approvals endpoint with `approved`
/// and `approved_by` only: what Free has is read the same.
#[test]
fn on_free_the_approvals_endpoint_says_approved_too() {
    let mut w = world(120);
    w.tier = fake_gitlab::Tier::Free;
    w.version = "18.5.1".into();
    let rig = Rig::new(w);
    let mut s = rig.syncer();
    rig.sync(&mut s);
    let w = rig.fake.world().clone();
    let truth = closing_team_issues(&w);
    assert!(truth.iter().any(|m| m.approved_by.is_empty()));
    assert!(truth.iter().any(|m| !m.approved_by.is_empty()));
    for m in &truth {
        assert_eq!(cached(&s, m.id).approved, !m.approved_by.is_empty());
    }
}

/// As a user sees it: the board at 120x40 against the fake shows an
/// in-review card's running pipeline; the pipeline fails on GitLab, `r`
/// syncs, and the card says so.
#[test]
fn the_board_shows_a_pipeline_that_failed_after_the_next_sync() {
    let server = common::fake();
    let (project, iid) = {
        let w = server.world();
        let review: HashSet<u64> = w
            .issues
            .iter()
            .filter(|i| i.state == "opened" && i.has_label_titled("workflow-infra::Under Review"))
            .map(|i| i.id)
            .collect();
        let m = w
            .merge_requests
            .iter()
            .find(|m| {
                m.state == "opened"
                    && m.closes.iter().any(|c| review.contains(c))
                    && m.head_pipeline
                        .and_then(|id| w.pipelines.iter().find(|p| p.id == id))
                        .is_some_and(|p| p.status == "running")
            })
            .expect("a running pipeline in review");
        (m.project_id, m.iid)
    };
    let home = common::Home::new();
    home.write_config(&server.url());
    let mut s = home.start();
    s.wait_for("synced just now");
    s.wait_for("In Progress");
    s.send("llll");
    s.wait_for("Under Review");
    s.wait_for(&format!("!{iid} ◌"));
    assert!(server.world().set_pipeline_status(project, iid, "failed"));
    s.send("r");
    s.wait_for(&format!("!{iid} ✗"));
    assert!(!s.contents().contains(&format!("!{iid} ◌")));
    s.send("q");
    s.wait_exit();
}

/// A merge request GitLab will not show (404 on its links) holds up none
/// of the others, and the round goes on; GitLab away ends the round with
/// the cache as it was.
#[test]
fn one_unreadable_merge_request_holds_up_none_of_the_others() {
    let rig = Rig::new(world(120));
    let mut s = rig.syncer();
    rig.sync(&mut s);
    let (a, b) = {
        let mut w = rig.fake.world();
        let now = w.now();
        let open: Vec<FMergeRequest> = closing_team_issues(&w)
            .into_iter()
            .filter(|m| m.state == "opened")
            .take(2)
            .collect();
        for (k, m) in open.iter().enumerate() {
            let f = w.merge_request_mut(m.project_id, m.iid).unwrap();
            f.title = format!("Renamed {k}");
            f.updated_at = now + chrono::Duration::seconds(k as i64);
        }
        (open[0].clone(), open[1].clone())
    };
    rig.rt
        .block_on(s.sync(Utc::now(), None, &|_, _| {}))
        .unwrap();
    // The list passes; the first links asked for are refused.
    rig.fake.world().faults =
        vec![fake_gitlab::Fault::Pass, fake_gitlab::Fault::Status(404)].into();
    let r = rig
        .rt
        .block_on(s.refresh_merge_requests(Utc::now()))
        .unwrap();
    assert_eq!((r.changed, r.read), (2, 1), "{r:?}");
    // Read at once, whichever of the two the 404 hit, the other is read.
    let read: Vec<bool> = [(&a, "Renamed 0"), (&b, "Renamed 1")]
        .iter()
        .map(|(m, t)| cached(&s, m.id).title == *t)
        .collect();
    assert_eq!(read.iter().filter(|r| **r).count(), 1, "{read:?}");
    let (kept, title) = if read[0] {
        (&a, "Renamed 0")
    } else {
        (&b, "Renamed 1")
    };
    // GitLab failing: the round fails, nothing is lost.
    rig.fake.world().always = Some(fake_gitlab::Fault::Status(503));
    assert!(
        rig.rt
            .block_on(s.refresh_merge_requests(Utc::now()))
            .is_err()
    );
    rig.fake.world().always = None;
    let again = rig.syncer();
    assert_eq!(cached(&again, kept.id).title, title);
}
