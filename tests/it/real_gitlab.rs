//! Where real GitLab is less forgiving than a naive fake (issue #25): text
//! written back byte for byte, the tier learnt from positive evidence only,
//! a move to the board's Closed list, what GitLab kept after an assign.
//! Each test runs the real binary against the fake GitLab, which answers
//! as GitLab does (its comments name GitLab's files).

use std::process::Output;

use crate::common::{Home, fake};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A home with a config pointing at the fake, synced.
fn synced_home(server: &fake_gitlab::FakeGitlab) -> Home {
    let home = Home::new();
    home.write_config(&server.url());
    let o = home.run(&["sync"]);
    assert!(o.status.success(), "sync: {}", stderr(&o));
    home
}

/// The first open Ready issue of the current iteration whose iid is unique.
fn first_ready(server: &fake_gitlab::FakeGitlab) -> (u64, u64) {
    let w = server.world();
    let cur = w.milestones[2].id;
    let mut ready: Vec<_> = w
        .issues
        .iter()
        .filter(|i| {
            i.state == "opened"
                && i.milestone_id == Some(cur)
                && i.labels.contains("workflow-infra::Ready")
                && i.issue_type == "issue"
        })
        .filter(|i| w.issues.iter().filter(|j| j.iid == i.iid).count() == 1)
        .collect();
    ready.sort_by_key(|i| i.relative_position);
    (ready[0].iid, ready[0].id)
}

/// GitLab Premium never shows `weight` on incidents: an incremental sync
/// that sees only incidents learns nothing of the tier, and `take` on an
/// issue someone else holds adds you beside them.
#[test]
fn a_sync_that_sees_only_incidents_leaves_premium_as_it_was() {
    let server = fake();
    let (iid, id) = first_ready(&server);
    let (other, incident) = {
        let mut w = server.world();
        let me = w.me;
        let other = w.users.iter().find(|u| u.id != me).unwrap().id;
        w.issues
            .iter_mut()
            .find(|i| i.id == id)
            .unwrap()
            .assignee_ids = vec![other];
        // Another team issue becomes an incident.
        let inc = w
            .issues
            .iter_mut()
            .find(|i| i.id != id && i.state == "opened" && i.labels.contains("team::Datastores"))
            .unwrap();
        inc.issue_type = "incident".into();
        (other, inc.id)
    };
    let home = synced_home(&server);
    // Only the incident changes on GitLab: the next sync sees only it.
    {
        let mut w = server.world();
        let now = w.now() + chrono::Duration::seconds(5);
        let inc = w.issues.iter_mut().find(|i| i.id == incident).unwrap();
        inc.title.push_str(" (paged again)");
        inc.updated_at = now;
    }
    let o = home.run(&["sync"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = home.run(&["take", &iid.to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let w = server.world();
    let i = w.issues.iter().find(|i| i.id == id).unwrap();
    assert!(
        i.assignee_ids.contains(&other) && i.assignee_ids.contains(&w.me),
        "take kept the other assignee on Premium: {:?}",
        i.assignee_ids
    );
}

/// GitLab stores descriptions verbatim: the planning summary is spliced
/// into GitLab's text, and every byte outside the markers comes back as
/// it was (tabs, CRLF, ZWJ emoji, bidi marks, zero-width characters).
#[test]
fn a_planning_summary_keeps_every_byte_outside_its_markers() {
    let server = fake();
    let cur = server.world().milestones[2].id;
    let head = "# Plan\r\n\n| who\t| what |\r\n|\t---\t| --- |\n👩\u{200d}💻 and 👨\u{200d}👩\u{200d}👧 \u{200f}שלום\u{200e} done\u{200b}.\n\n";
    let old_block = "<!-- glboard:summary -->\nold figures\n<!-- /glboard:summary -->";
    let tail = "\n\n## Notes\t(keep)\r\n\u{2067}مرحبا\u{2069} — the end\u{feff}\n";
    let id = {
        let mut w = server.world();
        let p = w
            .issues
            .iter_mut()
            .find(|i| i.title.contains("Iteration Planning") && i.milestone_id == Some(cur))
            .expect("the current planning issue");
        p.description = Some(format!("{head}{old_block}{tail}"));
        p.id
    };
    let home = synced_home(&server);
    let o = home.run(&["planning", "summary", "--write"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let after = server
        .world()
        .issues
        .iter()
        .find(|i| i.id == id)
        .unwrap()
        .description
        .clone()
        .unwrap();
    assert!(
        after.starts_with(head),
        "the text before the markers changed:\n{after:?}"
    );
    assert!(
        after.ends_with(tail),
        "the text after the markers changed:\n{after:?}"
    );
    assert!(!after.contains("old figures"));
    assert!(after.contains("### Committed, by lane"));
}

/// A move to the board's Closed list does what GitLab's board does (closed,
/// every lane label removed); `close` is the issue page's (labels kept).
#[test]
fn a_move_to_closed_leaves_no_lane_label_and_close_keeps_them() {
    let server = fake();
    let home = synced_home(&server);
    let (iid, id) = first_ready(&server);
    let o = home.run(&["move", &iid.to_string(), "Closed"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    {
        let w = server.world();
        let i = w.issues.iter().find(|i| i.id == id).unwrap();
        assert_eq!(i.state, "closed");
        assert!(
            !i.labels.iter().any(|l| l.starts_with("workflow-infra::")),
            "{:?}",
            i.labels
        );
        assert!(i.labels.contains("team::Datastores"));
    }
    // Out of Closed to a lane: reopened with that lane's label.
    let o = home.run(&["move", &iid.to_string(), "Ready"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let o = home.run(&["close", &iid.to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let w = server.world();
    let i = w.issues.iter().find(|i| i.id == id).unwrap();
    assert_eq!(i.state, "closed");
    assert!(i.labels.contains("workflow-infra::Ready"), "{:?}", i.labels);
}

/// GitLab CE's GraphQL has no `blocked` (EE's schema only): the board order
/// is asked again without it, and GraphQL stays on for the rest of the
/// process instead of every board falling back to full REST listings.
#[test]
fn on_gitlab_ce_graphql_is_asked_without_ee_fields_and_stays_on() {
    let server = fake();
    server.world().version = "18.5.1".into();
    let home = synced_home(&server);
    server.world().log.clear();
    let o = home.run(&["sync"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let log = server.world().log.clone();
    let graphql = log
        .iter()
        .filter(|l| l.starts_with("POST /api/graphql"))
        .count();
    assert!(
        graphql >= 3,
        "one refusal naming `blocked`, then GraphQL again without it: {log:#?}"
    );
    // The cache holds every board as GraphQL ordered it: print works.
    let o = home.run(&["print", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A lane's title is read from GitLab once for a batch of changes, not
/// once per change (a 12-issue move makes one label read, not 12).
#[test]
fn a_batch_reads_each_lane_title_once() {
    let server = fake();
    let home = synced_home(&server);
    let refs: Vec<String> = {
        let w = server.world();
        let cur = w.milestones[2].id;
        let mut ready: Vec<_> = w
            .issues
            .iter()
            .filter(|i| {
                i.state == "opened"
                    && i.milestone_id == Some(cur)
                    && !i.labels.contains("workflow-infra::Under Review")
            })
            .collect();
        ready.sort_by_key(|i| i.id);
        let path = |p: u64| w.projects.iter().find(|x| x.id == p).unwrap().path.clone();
        ready
            .iter()
            .take(12)
            .map(|i| format!("{}#{}", path(i.project_id), i.iid))
            .collect()
    };
    assert_eq!(refs.len(), 12);
    server.world().log.clear();
    let mut args: Vec<&str> = vec!["move"];
    args.extend(refs.iter().map(String::as_str));
    args.push("Under Review");
    let o = home.run(&args);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let log = server.world().log.clone();
    let label_reads = log.iter().filter(|l| l.contains("/labels/")).count();
    assert_eq!(label_reads, 1, "{log:#?}");
}

/// Right after the instance became Free (before any sync taught glboard),
/// `take` on an issue someone else holds: GitLab keeps the first assignee
/// only. glboard says who was not kept and why, exits 1, and learns the
/// tier from the answer.
#[test]
fn what_gitlab_kept_is_what_take_reports() {
    let server = fake();
    let (iid, id) = first_ready(&server);
    let other = {
        let mut w = server.world();
        let me = w.me;
        let other = w.users.iter().find(|u| u.id != me).unwrap().id;
        w.issues
            .iter_mut()
            .find(|i| i.id == id)
            .unwrap()
            .assignee_ids = vec![other];
        other
    };
    let home = synced_home(&server);
    server.world().tier = fake_gitlab::Tier::Free;
    let o = home.run(&["take", &iid.to_string()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{}{err}", stdout(&o));
    assert!(!stdout(&o).contains("taken by"), "{}", stdout(&o));
    assert!(err.contains("not kept") && err.contains("Free"), "{err}");
    let w = server.world();
    assert_eq!(
        w.issues.iter().find(|i| i.id == id).unwrap().assignee_ids,
        vec![other]
    );
    drop(w);
    // Learnt: the next assign of two is refused before it is sent.
    let o = home.run(&["pending"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// GitLab lets an issue hold only its project's milestones and its
/// groups': another project's milestone is refused before it is sent,
/// named as such; sub-groups' and projects' milestones (which
/// `include_descendants` lists) are never taken for the team's iteration.
#[test]
fn milestones_as_gitlab_allows_them() {
    let server = fake();
    let (iid, id) = first_ready(&server);
    let (other_project, cur_title) = {
        let mut w = server.world();
        let issue_project = w.issues.iter().find(|i| i.id == id).unwrap().project_id;
        let other = w
            .projects
            .iter()
            .find(|p| p.id != issue_project)
            .unwrap()
            .id;
        let cur = w.milestones[2].clone();
        // Another project's milestone, and a sub-group's dated as the
        // current iteration, both titled as the team titles iterations.
        let mut theirs = cur.clone();
        theirs.id = 9_000_001;
        theirs.iid = 901;
        theirs.title = "Datastores team - their project".into();
        theirs.lives = format!("project:{other}");
        let mut sub = cur.clone();
        sub.id = 9_000_002;
        sub.iid = 902;
        sub.title = "Datastores team - sub-group".into();
        sub.lives = "descendant".into();
        w.milestones.push(theirs);
        w.milestones.push(sub);
        (other, cur.title)
    };
    let home = synced_home(&server);
    let o = home.run(&[
        "milestone",
        &iid.to_string(),
        "Datastores team - their project",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("not available to"), "{}", stderr(&o));
    // Sent anyway (say by another client): GitLab drops it silently; the
    // fake does as GitLab does.
    {
        let w = server.world();
        let i = w.issues.iter().find(|i| i.id == id).unwrap();
        assert_ne!(i.milestone_id, Some(9_000_001));
        assert!(w.milestone_available(&w.milestones[2], other_project));
    }
    // The current iteration is the group's, not the sub-group's.
    let o = home.run(&["print", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["milestone"]["title"], cur_title, "{}", v["milestone"]);
}

/// A planning project outside the group gets none of the group's
/// milestones or labels: refused when the config is read, with its line,
/// by every command and by `doctor`.
#[test]
fn a_planning_project_outside_the_group_is_a_config_error() {
    let home = Home::new();
    home.write_config("https://gitlab.example.com");
    let file = home.path("config/glboard/config.toml");
    let mut src = std::fs::read_to_string(&file).unwrap();
    src.push_str("\nplanning_project = \"elsewhere/plans\"\n");
    std::fs::write(&file, &src).unwrap();
    let line = src
        .lines()
        .position(|l| l.starts_with("planning_project"))
        .unwrap()
        + 1;
    for cmd in [&["print"][..], &["doctor"][..]] {
        let o = home.run(cmd);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{cmd:?}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        let said = format!("{}{}", stdout(&o), stderr(&o));
        assert!(
            said.contains("not in the group") && said.contains(&format!(":{line}")),
            "{cmd:?}: {said}"
        );
    }
}

/// A board whose lists are work item statuses (GitLab 18.2+): `init
/// --board` and `sync` say that glboard does not support them yet, instead
/// of failing or showing a board that is not the web's.
#[test]
fn boards_of_work_item_statuses_are_named_as_such() {
    let server = fake();
    {
        let mut w = server.world();
        let b = w.boards.iter_mut().find(|b| b.id == 1_688_503).unwrap();
        b.lists.push(fake_gitlab::FList {
            id: 99,
            position: 9,
            status: Some("In progress".into()),
            ..Default::default()
        });
    }
    // Said when the sync reads the lists (the first, then half-hourly).
    let home = Home::new();
    home.write_config(&server.url());
    let o = home.run(&["sync"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("work item status lists"),
        "{}",
        stderr(&o)
    );
    let url = format!(
        "{}/groups/{}/-/boards/1688503",
        server.url(),
        fake_gitlab::generate::GROUP
    );
    let fresh = Home::new();
    let o = fresh.run(&["init", "--board", &url]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("work item status lists"),
        "{}",
        stderr(&o)
    );
}
