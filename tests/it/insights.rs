//! Iteration insights (issue #29) against the fake GitLab: the resource
//! events the fake writes and serves, `glboard insights` in every format
//! with its JSON schema and exit codes, the sets the definitions give for
//! a hand-made iteration, and what is asked of GitLab (events read once,
//! never again for a finished iteration, none by a sync with nothing new).

use std::process::Output;
use std::time::Duration;

use crate::common::{self, Home, TOKEN};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use fake_gitlab::{FMilestoneEvent, FStateEvent, FakeGitlab, World, generate};
use glboard::core::domain::events::{LabelEvent, StateEvent};
use glboard::events::{self, Kind};
use glboard::gitlab::{Client, RetryPolicy};
use secrecy::SecretString;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn history_world(n: usize) -> World {
    let mut w = generate::datastores(n, 4, today(), TOKEN);
    generate::iteration_history(&mut w, today());
    w
}

/// A home whose config points at `fake`.
fn home_for(fake: &FakeGitlab) -> Home {
    let home = Home::new();
    home.write_config(&fake.url());
    home
}

fn run(home: &Home, args: &[&str]) -> Output {
    let day = today().to_string();
    let mut all = vec!["--today", day.as_str()];
    all.extend_from_slice(args);
    home.run(&all)
}

/// Requests for resource events in the fake's log since it was cleared.
fn event_requests(fake: &FakeGitlab) -> usize {
    fake.world()
        .log
        .iter()
        .filter(|l| l.contains("/resource_"))
        .count()
}

fn clear_log(fake: &FakeGitlab) {
    fake.world().log.clear();
}

fn validate(v: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/insights.schema.json"))
            .expect("docs/insights.schema.json");
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

fn client(fake: &FakeGitlab) -> Client {
    Client::new(
        &fake.url(),
        &SecretString::from(TOKEN.to_owned()),
        RetryPolicy {
            retries: 1,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_rate_wait: Duration::from_secs(1),
            timeout: Duration::from_secs(5),
        },
    )
    .unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn send(fake: &FakeGitlab, method: reqwest::Method, path: &str, form: &[(&str, &str)]) {
    glboard::gitlab::install_crypto();
    let r = reqwest::Client::new()
        .request(method, format!("{}/api/v4{path}", fake.url()))
        .header("PRIVATE-TOKEN", TOKEN)
        .form(form)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
}

#[test]
fn the_fake_writes_label_and_state_events_for_every_change_and_serves_them_by_page() {
    glboard::gitlab::install_crypto();
    let fake = FakeGitlab::start(generate::datastores(12, 1, today(), TOKEN));
    let (pid, iid) = {
        let w = fake.world();
        let i = w
            .issues
            .iter()
            .find(|i| i.labels.contains("workflow-infra::Ready") && i.state == "opened")
            .unwrap();
        (i.project_id, i.iid)
    };
    let issue = format!("/projects/{pid}/issues/{iid}");
    let rt = rt();
    rt.block_on(async {
        // An edit: the lane replaced (a scoped label), then closed.
        send(
            &fake,
            reqwest::Method::PUT,
            &issue,
            &[("add_labels", "workflow-infra::In Progress")],
        )
        .await;
        send(
            &fake,
            reqwest::Method::PUT,
            &issue,
            &[("state_event", "close")],
        )
        .await;
        // Quick actions in a note.
        send(
            &fake,
            reqwest::Method::POST,
            &format!("{issue}/notes"),
            &[("body", "/reopen\n/label ~priority::1")],
        )
        .await;
        // A new issue, with labels and a milestone.
        send(
            &fake,
            reqwest::Method::POST,
            &format!("/projects/{pid}/issues"),
            &[
                ("title", "new one"),
                ("labels", "team::Datastores,workflow-infra::Ready"),
                ("milestone_id", "3561003"),
            ],
        )
        .await;
    });
    let client = client(&fake);
    let labels: Vec<LabelEvent> = serde_json::from_str(
        &rt.block_on(events::read(&client, Kind::Label, pid, iid))
            .unwrap(),
    )
    .unwrap();
    let seen: Vec<(&str, bool)> = labels.iter().map(|e| (e.label.as_str(), e.added)).collect();
    assert_eq!(
        seen,
        vec![
            ("workflow-infra::In Progress", true),
            ("workflow-infra::Ready", false),
            ("priority::1", true),
        ]
    );
    let states: Vec<StateEvent> = serde_json::from_str(
        &rt.block_on(events::read(&client, Kind::State, pid, iid))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        states.iter().map(|e| e.closed).collect::<Vec<_>>(),
        vec![true, false]
    );
    // The new issue: its labels and milestone as events at its creation.
    let new_iid = fake
        .world()
        .issues
        .iter()
        .find(|i| i.title == "new one")
        .unwrap()
        .iid;
    let created: Vec<LabelEvent> = serde_json::from_str(
        &rt.block_on(events::read(&client, Kind::Label, pid, new_iid))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(created.len(), 2);
    assert!(created.iter().all(|e| e.added));
    let ms = rt
        .block_on(events::read(&client, Kind::Milestone, pid, new_iid))
        .unwrap();
    assert!(ms.contains("3561003"), "{ms}");
    // GitLab's fields, a page at a time.
    let page = rt.block_on(async {
        reqwest::Client::new()
            .get(format!(
                "{}/api/v4{issue}/resource_label_events?per_page=1&page=2",
                fake.url()
            ))
            .header("PRIVATE-TOKEN", TOKEN)
            .send()
            .await
            .unwrap()
    });
    assert_eq!(
        page.headers()["x-total"].to_str().unwrap(),
        "3",
        "paginated"
    );
    let body: serde_json::Value = serde_json::from_str(&rt.block_on(page.text()).unwrap()).unwrap();
    let e = &body[0];
    for field in ["id", "user", "created_at", "resource_id", "label", "action"] {
        assert!(!e[field].is_null(), "{field} in {e}");
    }
    assert_eq!(e["resource_type"], "Issue");
    assert_eq!(e["label"]["name"], "workflow-infra::Ready");
    assert_eq!(e["action"], "remove");
    let states: serde_json::Value = serde_json::from_str(&rt.block_on(async {
        reqwest::Client::new()
            .get(format!(
                "{}/api/v4{issue}/resource_state_events",
                fake.url()
            ))
            .header("PRIVATE-TOKEN", TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }))
    .unwrap();
    assert_eq!(states[0]["state"], "closed");
    assert_eq!(states[1]["state"], "reopened");
    assert_eq!(states[0]["resource_type"], "Issue");
}

fn at(d: NaiveDate, days: i64, hour: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(hour, 0, 0).unwrap()) + chrono::Duration::days(days)
}

/// The previous iteration of a small world, with issues whose histories
/// the definitions decide: committed and done; added and done; moved out;
/// carried over (still in it, open); closed, reopened, closed again; no
/// events at all (done by closed_at); closed before the window.
fn crafted() -> (World, String, Vec<(&'static str, Vec<u64>)>) {
    let mut w = generate::datastores(12, 1, today(), TOKEN);
    let prev = w.milestones[1].clone();
    let cur = w.milestones[2].id;
    let s = prev.start_date.unwrap();
    let end = prev.due_date.unwrap() + chrono::Duration::days(1);
    let team: Vec<usize> = w
        .issues
        .iter()
        .enumerate()
        .filter(|(_, i)| i.labels.contains(generate::TEAM))
        .map(|(n, _)| n)
        .take(7)
        .collect();
    let mut evs: Vec<(u64, u64, &str, DateTime<Utc>)> = Vec::new();
    let mut ms = |issue: u64, m: u64, action: &'static str, t: DateTime<Utc>| {
        evs.push((issue, m, action, t));
    };
    let mut ids = Vec::new();
    for (k, n) in team.iter().enumerate() {
        let id = w.issues[*n].id;
        ids.push(w.issues[*n].iid);
        let created = at(s, -20, 9);
        let i = &mut w.issues[*n];
        i.created_at = created;
        i.milestone_id = Some(prev.id);
        i.state = "opened".into();
        i.closed_at = None;
        i.updated_at = at(end, 0, 1);
        let close = |i: &mut fake_gitlab::FIssue, t: DateTime<Utc>| {
            i.state = "closed".into();
            i.closed_at = Some(t);
        };
        match k {
            // Committed exactly at the window's start, done.
            0 => {
                close(i, at(s, 3, 10));
                ms(id, prev.id, "add", at(s, 0, 0));
            }
            // Added mid-iteration, done.
            1 => {
                close(i, at(s, 8, 10));
                ms(id, prev.id, "add", at(s, 2, 10));
            }
            // Moved out mid-iteration, to the current one.
            2 => {
                i.milestone_id = Some(cur);
                ms(id, prev.id, "add", at(s, -3, 14));
                ms(id, prev.id, "remove", at(s, 5, 10));
                ms(id, cur, "add", at(s, 5, 10));
            }
            // Left in it, open past its end: carried over.
            3 => ms(id, prev.id, "add", at(s, -3, 14)),
            // Closed, reopened, closed again inside: done.
            4 => {
                close(i, at(s, 9, 10));
                ms(id, prev.id, "add", at(s, -3, 14));
            }
            // No events at all: committed, done by closed_at.
            5 => close(i, at(s, 4, 10)),
            // Closed before the window: committed, not done.
            _ => {
                close(i, at(s, -1, 10));
                ms(id, prev.id, "add", at(s, -3, 14));
            }
        }
    }
    for (n, (issue_id, milestone_id, action, created_at)) in evs.into_iter().enumerate() {
        w.milestone_events.push(FMilestoneEvent {
            id: 9_000_000 + n as u64,
            issue_id,
            milestone_id,
            action: action.into(),
            created_at,
        });
    }
    let issue4 = w.issues[team[4]].id;
    for (n, (closed, t)) in [
        (true, at(s, 2, 9)),
        (false, at(s, 4, 9)),
        (true, at(s, 9, 10)),
    ]
    .into_iter()
    .enumerate()
    {
        w.state_events.push(FStateEvent {
            id: 9_100_000 + n as u64,
            issue_id: issue4,
            state: if closed { "closed" } else { "reopened" }.into(),
            user_id: w.me,
            created_at: t,
        });
    }
    let r = |k: usize| vec![ids[k]];
    let expect = vec![
        (
            "committed",
            [0usize, 2, 3, 4, 5, 6].iter().map(|k| ids[*k]).collect(),
        ),
        ("added", r(1)),
        ("removed", r(2)),
        ("done", [0usize, 1, 4, 5].iter().map(|k| ids[*k]).collect()),
        ("carried_over", r(3)),
    ];
    (w, prev.title, expect)
}

fn iids(set: &serde_json::Value) -> Vec<u64> {
    let mut v: Vec<u64> = set["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_str()
                .unwrap()
                .rsplit('#')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    v.sort_unstable();
    v
}

#[test]
fn one_iteration_lists_exactly_the_issues_the_definitions_give() {
    let (world, title, expect) = crafted();
    let fake = FakeGitlab::start(world);
    let home = home_for(&fake);
    let o = run(
        &home,
        &["insights", "--milestone", &title, "--format", "json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    validate(&v);
    let it = &v["iterations"][0];
    assert_eq!(it["milestone"], title.as_str());
    for (set, mut want) in expect {
        want.sort_unstable();
        assert_eq!(iids(&it[set]), want, "{set}: {it}");
        assert_eq!(it[set]["issues"], want.len());
    }
    // 3 of the 6 committed were done.
    assert_eq!(it["say_do"], 0.5);
    let refs = it["done"]["references"][0].as_str().unwrap();
    assert!(
        refs.starts_with("gitlab-com/gl-infra/project-00#"),
        "{refs}"
    );
    // Previous is the default; plain and Markdown say the same.
    let o = run(&home, &["insights"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plain = stdout(&o);
    assert!(plain.contains(&title), "{plain}");
    assert!(plain.contains("say/do"), "{plain}");
    assert!(plain.contains("50%"), "{plain}");
    let o = run(&home, &["insights", "--format", "markdown"]);
    let md = stdout(&o);
    assert!(md.contains("| Say/do | 50% | |"), "{md}");
    assert!(md.contains("**Carried over**"), "{md}");
}

#[test]
fn the_last_six_then_again_the_second_asks_for_no_event() {
    let fake = FakeGitlab::start(history_world(300));
    let home = home_for(&fake);
    let o = run(&home, &["sync"]);
    assert!(o.status.success(), "{}", stderr(&o));
    clear_log(&fake);
    let o = run(&home, &["insights", "--last", "6", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first = event_requests(&fake);
    assert!(first > 0, "the first reads the events");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    validate(&v);
    let its = v["iterations"].as_array().unwrap();
    assert_eq!(its.len(), 6, "six finished iterations");
    let starts: Vec<&str> = its
        .iter()
        .map(|i| i["start_date"].as_str().unwrap())
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] > w[1]),
        "newest first: {starts:?}"
    );
    for it in its {
        assert!(it["done"]["issues"].as_u64().unwrap() > 0, "{it}");
        assert!(it["committed"]["issues"].as_u64().unwrap() > 0, "{it}");
    }
    assert!(
        its.iter()
            .any(|i| i["added"]["issues"].as_u64().unwrap() > 0),
        "added mid-iteration"
    );
    assert!(
        its.iter()
            .any(|i| i["removed"]["issues"].as_u64().unwrap() > 0),
        "moved out"
    );
    assert!(
        its.iter()
            .any(|i| i["carried_over"]["issues"].as_u64().unwrap() > 0),
        "carried over"
    );
    // Again: every event is cached, and the iterations are finished.
    clear_log(&fake);
    let o = run(&home, &["insights", "--last", "6"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(event_requests(&fake), 0, "{:?}", fake.world().log);
    let plain = stdout(&o);
    assert!(plain.contains("velocity"), "{plain}");
    assert!(
        plain.chars().any(|c| ('▁'..='█').contains(&c)),
        "sparkline: {plain}"
    );
    let o = run(&home, &["insights", "--last", "6", "--format", "markdown"]);
    let md = stdout(&o);
    assert!(md.contains("| Iteration | Committed |"), "{md}");
    assert!(md.contains("Velocity"), "{md}");
    // An incremental sync with nothing changed reads no event either.
    clear_log(&fake);
    let o = run(&home, &["sync"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(event_requests(&fake), 0, "{:?}", fake.world().log);
    // An issue edited since: only its events are read again, and only
    // when the iteration asked about is still running.
    let o = run(&home, &["insights", "--milestone", "current"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (pid, iid) = {
        let w = fake.world();
        let cur = w.milestones[2].id;
        let i = w
            .issues
            .iter()
            .find(|i| i.milestone_id == Some(cur) && i.labels.contains(generate::TEAM))
            .unwrap();
        (i.project_id, i.iid)
    };
    rt().block_on(send(
        &fake,
        reqwest::Method::PUT,
        &format!("/projects/{pid}/issues/{iid}"),
        &[("weight", "13")],
    ));
    clear_log(&fake);
    let o = run(&home, &["insights", "--last", "6"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(event_requests(&fake), 0, "finished: {:?}", fake.world().log);
    clear_log(&fake);
    let o = run(&home, &["insights", "--milestone", "current"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let log: Vec<String> = fake
        .world()
        .log
        .iter()
        .filter(|l| l.contains("/resource_"))
        .cloned()
        .collect();
    assert!(
        !log.is_empty() && log.iter().all(|l| l.contains(&format!("/issues/{iid}/"))),
        "only the edited issue: {log:?}"
    );
}

#[test]
fn exit_codes_unknown_milestone_2_gitlab_away_with_nothing_cached_75() {
    let fake = FakeGitlab::start(history_world(40));
    let home = home_for(&fake);
    let o = run(&home, &["insights", "--milestone", "no such iteration"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no such iteration"), "{}", stderr(&o));
    let o = run(&home, &["insights", "--last", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(
        &home,
        &["insights", "--last", "2", "--milestone", "current"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Nothing cached and GitLab away.
    let away = Home::new();
    away.write_config("http://127.0.0.1:9");
    let o = run(&away, &["insights"]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    // Cached, then GitLab away: figures from the cache.
    let o = run(&home, &["insights", "--last", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut fake = fake;
    fake.stop();
    let o = run(&home, &["insights", "--last", "3", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["iterations"].as_array().unwrap().len(), 3);
}

#[test]
fn the_planning_summary_carries_the_previous_iteration_and_the_velocity() {
    let fake = FakeGitlab::start(history_world(120));
    let home = home_for(&fake);
    let o = run(&home, &["planning", "summary", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let p = &v["previous"];
    assert_eq!(p["velocity_iterations"], 6, "{p}");
    assert!(p["velocity"].as_f64().unwrap() > 0.0, "{p}");
    assert!(p["committed"]["issues"].as_u64().unwrap() > 0, "{p}");
    // The same figures as `insights` gives for the previous iteration.
    let o = run(&home, &["insights", "--format", "json"]);
    let i: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let prev = &i["iterations"][0];
    assert_eq!(p["milestone"], prev["milestone"]);
    for set in ["committed", "added", "removed", "done", "carried_over"] {
        assert_eq!(p[set]["issues"], prev[set]["issues"], "{set}");
        assert_eq!(p[set]["weight"], prev[set]["weight"], "{set}");
    }
    let o = run(&home, &["planning", "summary"]);
    let md = stdout(&o);
    assert!(md.contains("### How "), "{md}");
    assert!(md.contains("Velocity: **"), "{md}");
}

fn validate_print(v: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/print.schema.json"))
            .expect("docs/print.schema.json");
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The time the fake last added `label` to the issue `project#iid`.
fn last_added(fake: &FakeGitlab, project: &str, iid: u64, label: &str) -> Option<DateTime<Utc>> {
    let w = fake.world();
    let pid = w.projects.iter().find(|p| p.path == project)?.id;
    let id = w
        .issues
        .iter()
        .find(|i| i.project_id == pid && i.iid == iid)?
        .id;
    w.label_events
        .iter()
        .filter(|e| e.issue_id == id && e.label == label && e.action == "add")
        .map(|e| e.created_at)
        .max()
}

/// The open cards of the printed iteration board's lanes: (project, iid,
/// lane label, lane_since).
fn lane_cards(v: &serde_json::Value) -> Vec<(String, u64, String, Option<String>)> {
    let mut out = Vec::new();
    for lane in v["lanes"].as_array().unwrap() {
        if lane["kind"] != "lane" {
            continue;
        }
        let name = lane["name"].as_str().unwrap();
        for i in lane["issues"].as_array().unwrap() {
            if i["state"] != "opened" {
                continue;
            }
            out.push((
                i["project"].as_str().unwrap().to_owned(),
                i["iid"].as_u64().unwrap(),
                format!("{}::{name}", generate::SCOPE),
                i["lane_since"].as_str().map(str::to_owned),
            ));
        }
    }
    out
}

#[test]
fn print_json_gives_each_card_its_lane_since_from_the_label_events_sync_read() {
    let fake = FakeGitlab::start(history_world(120));
    let home = home_for(&fake);
    // An [aging] lane the board lacks is a warning naming its line.
    let path = home.path("config/glboard/config.toml");
    let mut src = std::fs::read_to_string(&path).unwrap();
    src.push_str("\n[aging]\n\"In Progress\" = 10\n\"Doing\" = 3\n");
    let line = src.lines().count();
    std::fs::write(&path, &src).unwrap();
    let o = run(&home, &["sync"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "config.toml:{line}: [aging] \"Doing\" is not a lane"
        )),
        "{}",
        stderr(&o)
    );
    assert!(
        event_requests(&fake) > 0,
        "sync reads the cards' label events"
    );
    // print reads the cache: no request at all.
    clear_log(&fake);
    let o = run(&home, &["print", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(fake.world().log.is_empty(), "{:?}", fake.world().log);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    validate_print(&v);
    let cards = lane_cards(&v);
    assert!(cards.len() > 5, "{cards:?}");
    let mut known = 0;
    for (project, iid, label, since) in &cards {
        let want = last_added(&fake, project, *iid, label);
        let got = since
            .as_deref()
            .map(|s| s.parse::<DateTime<Utc>>().unwrap());
        assert_eq!(got, want, "{project}#{iid} in {label}");
        if let Some(s) = since {
            assert!(s.ends_with('Z'), "RFC 3339 UTC: {s}");
            known += 1;
        }
    }
    assert!(
        known > 0 && known < cards.len(),
        "some with events, some without: {cards:?}"
    );
    // A card moved on GitLab: the next sync reads its events again (and
    // only its), and print shows the new lane's time.
    let (project, iid, _, _) = cards
        .iter()
        .find(|(_, _, l, s)| l.ends_with("::Ready") && s.is_some())
        .cloned()
        .expect("a Ready card with events");
    let pid = fake
        .world()
        .projects
        .iter()
        .find(|p| p.path == project)
        .unwrap()
        .id;
    let before = Utc::now() - chrono::Duration::seconds(5);
    rt().block_on(send(
        &fake,
        reqwest::Method::PUT,
        &format!("/projects/{pid}/issues/{iid}"),
        &[
            ("add_labels", &format!("{}::In Progress", generate::SCOPE)),
            ("remove_labels", &format!("{}::Ready", generate::SCOPE)),
        ],
    ));
    clear_log(&fake);
    let o = run(&home, &["sync"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let read: Vec<String> = fake
        .world()
        .log
        .iter()
        .filter(|l| l.contains("/resource_"))
        .cloned()
        .collect();
    assert!(
        !read.is_empty()
            && read
                .iter()
                .all(|l| l.contains(&format!("/projects/{pid}/issues/{iid}/"))),
        "only the moved card: {read:?}"
    );
    let o = run(&home, &["print", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let moved = lane_cards(&v)
        .into_iter()
        .find(|(p, i, _, _)| *p == project && *i == iid)
        .unwrap();
    assert!(moved.2.ends_with("::In Progress"), "{moved:?}");
    let since: DateTime<Utc> = moved.3.as_deref().unwrap().parse().unwrap();
    assert!(since >= before, "{since} is the move's time");
    // Nothing changed: a sync reads no event.
    clear_log(&fake);
    let o = run(&home, &["sync"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(event_requests(&fake), 0, "{:?}", fake.world().log);
}

/// The team's current iteration in the fake: (id, title).
fn current_iteration(fake: &FakeGitlab) -> (u64, String) {
    let w = fake.world();
    let m = w
        .milestones
        .iter()
        .find(|m| {
            m.title.starts_with("Datastores team - W")
                && m.start_date.is_some_and(|s| s <= today())
                && m.due_date.is_some_and(|d| d >= today())
        })
        .expect("a current iteration");
    (m.id, m.title.clone())
}

#[test]
fn the_board_at_80x24_shows_ages_warns_past_aging_opens_the_panel_and_s_agrees_with_the_cli() {
    // Every open In Progress card of the current iteration entered the
    // lane 15 days ago ([aging] In Progress = 10).
    let mut w = history_world(120);
    let entered = Utc::now() - chrono::Duration::days(15) - chrono::Duration::hours(1);
    let lane = format!("{}::In Progress", generate::SCOPE);
    let current = {
        let today = Utc::now();
        w.milestones
            .iter()
            .find(|m| {
                m.title.starts_with("Datastores team - W")
                    && m.start_date.is_some_and(|s| s <= today.date_naive())
                    && m.due_date.is_some_and(|d| d >= today.date_naive())
            })
            .unwrap()
            .id
    };
    let doing: Vec<u64> = w
        .issues
        .iter()
        .filter(|i| {
            i.milestone_id == Some(current) && i.state == "opened" && i.labels.contains(&lane)
        })
        .map(|i| i.id)
        .collect();
    assert!(!doing.is_empty());
    for e in w.label_events.iter_mut() {
        if doing.contains(&e.issue_id) && e.label == lane && e.action == "add" {
            e.created_at = entered;
        }
    }
    let fake = FakeGitlab::start(w);
    let home = home_for(&fake);
    let path = home.path("config/glboard/config.toml");
    let mut src = std::fs::read_to_string(&path).unwrap();
    src.push_str("\n[aging]\n\"In Progress\" = 10\n");
    std::fs::write(&path, &src).unwrap();
    // The iteration's planning issue, for S.
    let (mid, title) = current_iteration(&fake);
    let pid = fake.world().projects[0].id;
    rt().block_on(send(
        &fake,
        reqwest::Method::POST,
        &format!("/projects/{pid}/issues"),
        &[
            ("title", &format!("{title} Iteration Planning")),
            ("labels", generate::TEAM),
            ("milestone_id", &mid.to_string()),
        ],
    ));
    let env = home.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut s = common::Session::start_with_env(&[], &env, 80, 24);
    s.wait_for("synced just now");
    // To the In Progress column: its cards' age, a warning past 10 days.
    s.send("lll");
    s.wait_for("In Progress");
    s.wait_for("15d!");
    // The panel: the iteration so far, its burn-up, the last iterations.
    s.send("I");
    s.wait_for("Iteration insights");
    s.wait_for("velocity");
    let panel = s.contents();
    assert!(panel.contains("so far"), "{panel}");
    assert!(
        panel.contains("committed w"),
        "the burn-up's legend: {panel}"
    );
    assert!(panel.contains("done w"), "{panel}");
    s.send("q");
    // S: the previous iteration's figures, as the command line gives them.
    let o = run(&home, &["planning", "summary"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let cli = stdout(&o);
    let row = cli
        .lines()
        .skip_while(|l| !l.starts_with("### How"))
        .find(|l| l.starts_with("| ") && l.contains("weight"))
        .expect("the previous iteration's row")
        .to_owned();
    let velocity = cli
        .lines()
        .find(|l| l.starts_with("Velocity: "))
        .unwrap()
        .replace("**", "");
    s.send("S");
    s.wait_for("Write this summary into");
    s.send("jjjjjj");
    s.wait_for("How Datastores team - W");
    let shown = s.contents();
    let first = row.split('|').nth(1).unwrap().trim();
    assert!(shown.contains(first), "{first} in:\n{shown}");
    s.wait_for(velocity.trim_end_matches('.').split(',').next().unwrap());
    s.send("n");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn the_boards_rounds_read_at_most_a_batch_of_issues_and_say_more_are_left() {
    use glboard::core::domain::model::Issue;
    let fake = FakeGitlab::start(history_world(60));
    let home = home_for(&fake);
    let o = run(&home, &["sync"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = tempfile::tempdir().unwrap();
    let store = glboard::store::Store::open(&dir.path().join("c.sqlite")).unwrap();
    let cache = std::fs::read_dir(home.path("cache/glboard"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sqlite"))
        .unwrap();
    let ws = glboard::store::Store::open(&cache)
        .unwrap()
        .load()
        .unwrap()
        .unwrap()
        .ws;
    let issues: Vec<&Issue> = ws.issues.iter().filter(|i| i.iid != 0).take(7).collect();
    let client = client(&fake);
    let now = Utc::now();
    let rt = rt();
    clear_log(&fake);
    let r = rt
        .block_on(events::refresh_at_most(
            &client,
            &store,
            Kind::Milestone,
            &issues,
            None,
            now,
            3,
        ))
        .unwrap();
    assert_eq!((r.read, r.more), (3, true));
    assert_eq!(event_requests(&fake), 3);
    let r = rt
        .block_on(events::refresh_at_most(
            &client,
            &store,
            Kind::Milestone,
            &issues,
            None,
            now,
            3,
        ))
        .unwrap();
    assert_eq!((r.read, r.more), (3, true), "the next three");
    let r = rt
        .block_on(events::refresh_at_most(
            &client,
            &store,
            Kind::Milestone,
            &issues,
            None,
            now,
            3,
        ))
        .unwrap();
    assert_eq!((r.read, r.more), (1, false), "the last one");
    clear_log(&fake);
    let r = rt
        .block_on(events::refresh_at_most(
            &client,
            &store,
            Kind::Milestone,
            &issues,
            None,
            now,
            3,
        ))
        .unwrap();
    assert_eq!((r.read, r.more), (0, false));
    assert_eq!(event_requests(&fake), 0, "every one read");
}
