//! Integration: every workflow change through the real outbox sender and
//! client against the fake GitLab, checking the server's state afterwards.

use std::time::Duration;

use crate::common::send_one;
use chrono::Utc;
use fake_gitlab::{FIssue, FakeGitlab, Fault, Tier, World, generate};
use glboard::core::domain::edit::{self, Change, Edit, Reorder, Seen};
use glboard::core::domain::model::{Issue, IssueState};
use glboard::gitlab::{Client, RetryPolicy};
use glboard::outbox::SendError;
use secrecy::SecretString;

const TOKEN: &str = "glpat-actions-secret";

fn team() -> glboard::core::domain::model::TeamConfig {
    glboard::demo::datastores_team()
}

struct Rig {
    fake: FakeGitlab,
    client: Client,
    rt: tokio::runtime::Runtime,
}

fn rig(tier: Tier) -> Rig {
    let mut w: World = generate::datastores(40, 2, Utc::now().date_naive(), TOKEN);
    w.tier = tier;
    let fake = FakeGitlab::start(w);
    let policy = RetryPolicy {
        retries: 1,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(10),
        max_rate_wait: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
    };
    let client = Client::new(&fake.url(), &SecretString::from(TOKEN.to_owned()), policy).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    Rig { fake, client, rt }
}

impl Rig {
    /// The issue as the client reads it (what the user saw).
    fn seen(&self, f: &FIssue) -> Issue {
        self.rt
            .block_on(self.client.issue(f.project_id, f.iid))
            .unwrap()
            .into_issue(0, &self.client.lanes())
    }

    fn find(&self, pred: impl Fn(&FIssue) -> bool) -> FIssue {
        self.fake
            .world()
            .issues
            .iter()
            .find(|i| pred(i))
            .cloned()
            .expect("an issue like that")
    }

    fn server(&self, id: u64) -> FIssue {
        self.fake
            .world()
            .issues
            .iter()
            .find(|i| i.id == id)
            .cloned()
            .unwrap()
    }

    fn change(&self, seen: &Issue, edit: Edit) -> Change {
        Change {
            id: 1,
            issue: seen.id,
            project: seen.project_id,
            iid: seen.iid,
            seen: Seen::of(seen, &team()),
            edit,
            summary: "test".into(),
            ..Change::default()
        }
    }

    fn send(&self, c: &Change) -> Result<Issue, SendError> {
        let me = glboard::core::domain::model::User {
            id: 4001004,
            username: "dsilva".into(),
            name: "Diego Silva".into(),
        };
        self.rt
            .block_on(send_one(&self.client, c, &team(), Some(&me)))
    }
}

fn lanes(i: &FIssue) -> Vec<String> {
    i.labels
        .iter()
        .filter(|l| l.starts_with("workflow-infra::"))
        .cloned()
        .collect()
}

fn open_in(lane: &'static str) -> impl Fn(&FIssue) -> bool {
    move |i: &FIssue| {
        i.state == "opened"
            && i.labels.contains(generate::TEAM)
            && i.labels.contains(&format!("workflow-infra::{lane}"))
    }
}

#[test]
fn moving_lanes_leaves_one_lane_label_on_premium_and_on_free() {
    for tier in [Tier::Premium, Tier::Free] {
        let r = rig(tier);
        let f = r.find(open_in("Ready"));
        // A second, stray lane label too: both go.
        r.fake
            .world()
            .issues
            .iter_mut()
            .find(|i| i.id == f.id)
            .unwrap()
            .labels
            .insert("workflow-infra::Blocked".into());
        let seen = r.seen(&f);
        let c = r.change(&seen, edit::to_lane(&seen, &team(), Some("In Progress")));
        let back = r.send(&c).unwrap();
        assert_eq!(
            lanes(&r.server(f.id)),
            vec!["workflow-infra::In Progress"],
            "{tier:?}"
        );
        assert_eq!(team().lanes_of(&back), vec!["In Progress"]);
        assert!(
            r.server(f.id).labels.contains(generate::TEAM),
            "other labels kept"
        );
    }
}

#[test]
fn take_assigns_me_keeping_other_assignees_and_moves_to_doing() {
    let r = rig(Tier::Premium);
    let f = r.find(|i| open_in("Triage")(i) && !i.assignee_ids.is_empty());
    let other = f.assignee_ids[0];
    let seen = r.seen(&f);
    let mut e = edit::to_lane(&seen, &team(), Some("In Progress"));
    e.assign = vec![4001004];
    e.milestone = Some(Some(r.fake.world().milestones[2].id));
    r.send(&r.change(&seen, e)).unwrap();
    let s = r.server(f.id);
    assert_eq!(lanes(&s), vec!["workflow-infra::In Progress"]);
    assert!(s.assignee_ids.contains(&4001004) && s.assignee_ids.contains(&other));
    assert_eq!(s.milestone_id, Some(r.fake.world().milestones[2].id));
}

#[test]
fn unassign_and_clear_milestone_and_weight() {
    let r = rig(Tier::Premium);
    let f = r.find(|i| {
        i.state == "opened"
            && !i.assignee_ids.is_empty()
            && i.milestone_id.is_some()
            && i.weight.is_some()
    });
    let seen = r.seen(&f);
    let e = Edit {
        unassign: f.assignee_ids.clone(),
        milestone: Some(None),
        weight: Some(None),
        ..Edit::default()
    };
    r.send(&r.change(&seen, e)).unwrap();
    let s = r.server(f.id);
    assert!(s.assignee_ids.is_empty());
    assert_eq!(s.milestone_id, None);
    assert_eq!(s.weight, None);
    let seen = r.seen(&s);
    r.send(&r.change(
        &seen,
        Edit {
            weight: Some(Some(8)),
            ..Edit::default()
        },
    ))
    .unwrap();
    assert_eq!(r.server(f.id).weight, Some(8));
}

#[test]
fn close_and_reopen() {
    let r = rig(Tier::Premium);
    let f = r.find(open_in("Done"));
    let seen = r.seen(&f);
    let back = r
        .send(&r.change(
            &seen,
            Edit {
                state: Some(IssueState::Closed),
                ..Edit::default()
            },
        ))
        .unwrap();
    assert_eq!(back.state, IssueState::Closed);
    assert_eq!(r.server(f.id).state, "closed");
    let seen = r.seen(&r.server(f.id));
    r.send(&r.change(
        &seen,
        Edit {
            state: Some(IssueState::Opened),
            ..Edit::default()
        },
    ))
    .unwrap();
    assert_eq!(r.server(f.id).state, "opened");
}

/// The backlog's ids in GitLab's order.
fn backlog_order(r: &Rig) -> Vec<u64> {
    let w = r.fake.world();
    let mut v: Vec<&FIssue> = w.issues.iter().filter(|i| open_in("Triage")(i)).collect();
    v.sort_by_key(|i| (i.relative_position, i.id));
    v.into_iter().map(|i| i.id).collect()
}

/// A move between these two issues (either may be absent at an end).
fn between(after: Option<u64>, before: Option<u64>) -> Edit {
    Edit {
        reorder: Some(Reorder { after, before }),
        ..Edit::default()
    }
}

#[test]
fn reorder_at_the_top_middle_and_bottom() {
    let r = rig(Tier::Premium);
    let order = backlog_order(&r);
    assert!(order.len() >= 5);
    let moving = order[2];
    let f = r.server(moving);
    // To the top: before the first.
    let seen = r.seen(&f);
    r.send(&r.change(&seen, between(None, Some(order[0]))))
        .unwrap();
    assert_eq!(backlog_order(&r)[0], moving);
    // To the bottom: after the last.
    let last = *order.last().unwrap();
    r.send(&r.change(&seen, between(Some(last), None))).unwrap();
    assert_eq!(*backlog_order(&r).last().unwrap(), moving);
    // Between the 2nd and 3rd (of the original order, without the mover).
    let rest: Vec<u64> = order.iter().copied().filter(|id| *id != moving).collect();
    r.send(&r.change(&seen, between(Some(rest[1]), Some(rest[2]))))
        .unwrap();
    let now = backlog_order(&r);
    let at = now.iter().position(|id| *id == moving).unwrap();
    assert_eq!((now[at - 1], now[at + 1]), (rest[1], rest[2]));
    assert_eq!(
        r.server(moving).updated_at,
        f.updated_at,
        "a reorder does not touch updated_at"
    );
}

#[test]
fn a_move_between_neighbours_given_the_wrong_way_round_lands_between_them() {
    // A board whose order was stale names the card above as the one
    // below: GitLab sorts the two by position (RelativePositioning#
    // move_between) and puts the issue between them.
    let r = rig(Tier::Premium);
    let order = backlog_order(&r);
    assert!(order.len() >= 6);
    let moving = order[4];
    let seen = r.seen(&r.server(moving));
    r.send(&r.change(&seen, between(Some(order[2]), Some(order[0]))))
        .unwrap();
    let pos = |id| r.server(id).relative_position;
    assert!(
        pos(order[0]) < pos(moving) && pos(moving) < pos(order[2]),
        "between the two: {} < {} < {}",
        pos(order[0]),
        pos(moving),
        pos(order[2])
    );
    // Two neighbours at one position (GitLab's midpoints can meet another
    // issue's place): GitLab makes room, and the issue lands between them.
    let same = pos(order[1]);
    r.fake
        .world()
        .issues
        .iter_mut()
        .find(|i| i.id == order[3])
        .unwrap()
        .relative_position = same;
    let (a, b) = if order[1] < order[3] {
        (order[1], order[3])
    } else {
        (order[3], order[1])
    };
    r.send(&r.change(&seen, between(Some(a), Some(b)))).unwrap();
    assert!(
        pos(a) < pos(moving) && pos(moving) < pos(b),
        "between the two: {} < {} < {}",
        pos(a),
        pos(moving),
        pos(b)
    );
}

#[test]
fn a_comment_is_posted_once_even_when_sent_twice() {
    let r = rig(Tier::Premium);
    let f = r.find(open_in("Ready"));
    let seen = r.seen(&f);
    let c = comment(&r, &seen, "Taking this one.");
    r.send(&c).unwrap();
    // The answer was lost; the outbox sends it again after a restart,
    // knowing it was attempted.
    let again = Change {
        attempts: 1,
        attempted_at: Some(Utc::now()),
        ..c.clone()
    };
    r.send(&again).unwrap();
    let notes: Vec<_> = r
        .fake
        .world()
        .notes
        .iter()
        .filter(|n| n.issue_id == f.id)
        .cloned()
        .collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].body, "Taking this one.");
}

#[test]
fn sending_a_change_twice_changes_nothing_more() {
    let r = rig(Tier::Free);
    let f = r.find(open_in("Ready"));
    let seen = r.seen(&f);
    let mut e = edit::to_lane(&seen, &team(), Some("Blocked"));
    e.assign = vec![4001002];
    let c = r.change(&seen, e);
    r.send(&c).unwrap();
    let once = r.server(f.id);
    r.send(&c).unwrap();
    let twice = r.server(f.id);
    assert_eq!(
        (once.labels, once.assignee_ids),
        (twice.labels, twice.assignee_ids)
    );
}

#[test]
fn a_concurrent_edit_of_the_same_field_is_a_conflict_not_an_overwrite() {
    let r = rig(Tier::Premium);
    let f = r.find(open_in("Ready"));
    let seen = r.seen(&f);
    let c = r.change(&seen, edit::to_lane(&seen, &team(), Some("In Progress")));
    {
        let mut w = r.fake.world();
        let i = w.issues.iter_mut().find(|i| i.id == f.id).unwrap();
        i.labels.remove("workflow-infra::Ready");
        i.labels.insert("workflow-infra::Blocked".into());
    }
    let Err(SendError::Refused { reason, issue }) = r.send(&c) else {
        panic!("expected a conflict")
    };
    assert!(reason.contains("Blocked"), "{reason}");
    assert_eq!(
        team().lanes_of(&issue.unwrap()),
        vec!["Blocked"],
        "GitLab's state comes back"
    );
    assert_eq!(
        lanes(&r.server(f.id)),
        vec!["workflow-infra::Blocked"],
        "not overwritten"
    );
}

#[test]
fn a_concurrent_edit_of_another_field_is_kept() {
    let r = rig(Tier::Premium);
    let f = r.find(open_in("Ready"));
    let seen = r.seen(&f);
    let c = r.change(&seen, edit::to_lane(&seen, &team(), Some("In Progress")));
    r.fake
        .world()
        .issues
        .iter_mut()
        .find(|i| i.id == f.id)
        .unwrap()
        .title = "Renamed on the web".into();
    r.send(&c).unwrap();
    let s = r.server(f.id);
    assert_eq!(s.title, "Renamed on the web");
    assert_eq!(lanes(&s), vec!["workflow-infra::In Progress"]);
}

#[test]
fn permanent_and_transient_failures_are_told_apart() {
    let r = rig(Tier::Premium);
    let f = r.find(open_in("Ready"));
    let seen = r.seen(&f);
    // A milestone that no longer exists: refused, with GitLab's issue.
    let c = r.change(
        &seen,
        Edit {
            milestone: Some(Some(999_999)),
            ..Edit::default()
        },
    );
    assert!(matches!(
        r.send(&c),
        Err(SendError::Refused { issue: Some(_), .. })
    ));
    // A deleted issue: refused.
    r.fake.world().issues.retain(|i| i.id != f.id);
    let c = r.change(&seen, edit::to_lane(&seen, &team(), Some("Done")));
    let Err(SendError::Refused { reason, .. }) = r.send(&c) else {
        panic!()
    };
    assert!(reason.contains("no longer exists"), "{reason}");
    // GitLab failing or rate-limiting: transient, try later.
    let g = r.find(open_in("Ready"));
    let seen = r.seen(&g);
    let c = r.change(&seen, edit::to_lane(&seen, &team(), Some("Done")));
    for fault in [
        Fault::Status(503),
        Fault::RateLimit { retry_after: 600 },
        Fault::ResourceLock,
    ] {
        r.fake.world().always = Some(fault.clone());
        assert!(
            matches!(r.send(&c), Err(SendError::Transient(_))),
            "{fault:?}"
        );
    }
    r.fake.world().always = Some(Fault::Status(403));
    assert!(matches!(r.send(&c), Err(SendError::Refused { .. })));
    r.fake.world().always = None;
    r.send(&c).unwrap();
}

#[test]
fn fresh_reads_of_a_batch_take_one_request_per_project() {
    let r = rig(Tier::Premium);
    let project = r.fake.world().projects[0].id;
    let issues: Vec<FIssue> = r
        .fake
        .world()
        .issues
        .iter()
        .filter(|i| i.project_id == project && i.state == "opened")
        .take(5)
        .cloned()
        .collect();
    let changes: Vec<Change> = issues
        .iter()
        .map(|f| {
            let seen = r.seen(f);
            r.change(
                &seen,
                Edit {
                    weight: Some(Some(2)),
                    ..Edit::default()
                },
            )
        })
        .collect();
    r.fake.world().log.clear();
    let fresh =
        r.rt.block_on(glboard::outbox::read_fresh(&r.client, &changes));
    assert_eq!(fresh.len(), 5);
    let log = r.fake.world().log.clone();
    assert_eq!(log.len(), 1, "{log:#?}");
    assert!(
        log[0].contains(&format!("/projects/{project}/issues?iids")),
        "{log:#?}"
    );
}

#[test]
fn creating_an_issue_twice_after_a_lost_answer_creates_one() {
    let r = rig(Tier::Premium);
    let project = r.fake.world().projects[1].id;
    let milestone = r.fake.world().milestones[2].id;
    let new = edit::NewIssue {
        project,
        title: "Runbook: Patroni switchover for the ci cluster".into(),
        description: "## Steps\n\n- [ ] drain".into(),
        labels: vec![generate::TEAM.into(), "workflow-infra::Ready".into()],
        milestone: Some(milestone),
    };
    let c = Change {
        id: 1,
        issue: glboard::core::app::overlay::placeholder_id(1, 1),
        project,
        iid: 0,
        edit: Edit {
            create: Some(new.clone()),
            ..Edit::default()
        },
        seen: Seen::default(),
        summary: "new".into(),
        ..Change::default()
    };
    let created = r.send(&c).unwrap();
    assert!(created.iid > 0);
    assert_eq!(created.milestone_id, Some(milestone));
    assert!(created.has_label("workflow-infra::Ready"));
    // The answer was lost; after a restart the outbox sends it again,
    // knowing it was attempted.
    let c = Change {
        attempts: 1,
        attempted_at: Some(Utc::now()),
        ..c
    };
    let again = r.send(&c).unwrap();
    assert_eq!(again.id, created.id);
    let n = r
        .fake
        .world()
        .issues
        .iter()
        .filter(|i| i.title == new.title)
        .count();
    assert_eq!(n, 1);
}

/// The outbox on disk, for the tests that go through it.
fn outbox(r: &Rig) -> (tempfile::TempDir, glboard::store::Store) {
    let _ = r;
    let dir = tempfile::tempdir().unwrap();
    let store = glboard::store::Store::open(&dir.path().join("c.sqlite")).unwrap();
    (dir, store)
}

fn flush(r: &Rig, store: &glboard::store::Store) -> glboard::outbox::BatchOutcome {
    let me = glboard::core::domain::model::User {
        id: 4001004,
        username: "dsilva".into(),
        name: "Diego Silva".into(),
    };
    r.rt.block_on(glboard::outbox::flush(
        &r.client,
        store,
        &team(),
        Some(&me),
        "test",
    ))
    .unwrap()
}

/// A change that posts `body` as a comment on `seen`.
fn comment(r: &Rig, seen: &Issue, body: &str) -> Change {
    r.change(
        seen,
        Edit {
            comment: Some(body.into()),
            ..Edit::default()
        },
    )
}

#[test]
fn a_note_whose_answer_is_lost_is_posted_once_through_the_outbox() {
    let r = rig(Tier::Premium);
    let f = r.find(open_in("Ready"));
    let seen = r.seen(&f);
    let (_dir, store) = outbox(&r);
    let c = comment(&r, &seen, "Taking this one.");
    store.enqueue(&[c]).unwrap();
    // GitLab posts it, and the answer is lost: the client does not post it
    // again by itself; the change waits.
    r.fake.world().faults.push_back(Fault::AppliedThenReset);
    let o = flush(&r, &store);
    assert!(o.waiting.is_some() && o.sent.is_empty(), "{o:?}");
    assert_eq!(store.outbox_queued().unwrap()[0].attempts, 1);
    // Sent again: it finds the note the first attempt made.
    let o = flush(&r, &store);
    assert_eq!(o.sent.len(), 1, "{o:?}");
    let notes = r
        .fake
        .world()
        .notes
        .iter()
        .filter(|n| n.issue_id == f.id)
        .count();
    assert_eq!(notes, 1);
    assert!(store.outbox_queued().unwrap().is_empty());
}

#[test]
fn on_gitlab_free_a_second_assignee_is_dropped_and_said_so() {
    // GitLab Free keeps the first of several assignee_ids, silently.
    let r = rig(Tier::Free);
    let f = r.find(|i| {
        i.state == "opened" && i.assignee_ids.len() == 1 && i.labels.contains("team::Datastores")
    });
    let seen = r.seen(&f);
    let (_dir, store) = outbox(&r);
    let me = r.fake.world().me;
    assert_ne!(f.assignee_ids[0], me);
    let c = r.change(
        &seen,
        Edit {
            assign: vec![me],
            ..Edit::default()
        },
    );
    store.enqueue(&[c]).unwrap();
    let o = flush(&r, &store);
    assert_eq!(o.sent.len(), 1, "{o:?}");
    assert_eq!(
        r.server(f.id).assignee_ids,
        f.assignee_ids,
        "as GitLab Free"
    );
    assert!(
        o.not_kept
            .iter()
            .any(|(_, t)| t.contains("one assignee") && t.contains("not kept")),
        "{o:?}"
    );
    // The cache holds what GitLab kept.
    let cached = o.sent[0]
        .1
        .assignees
        .iter()
        .map(|u| u.id)
        .collect::<Vec<_>>();
    assert_eq!(cached, f.assignee_ids);
}

#[test]
fn a_spend_comment_is_applied_once_and_says_what_it_did() {
    // As GitLab: a note of only quick actions answers 202 and leaves no
    // note, only system notes; its answer lost, it is not run again.
    let r = rig(Tier::Premium);
    let f = r.find(open_in("Ready"));
    let seen = r.seen(&f);
    let (_dir, store) = outbox(&r);
    let c = comment(&r, &seen, "/spend 1h");
    store.enqueue(&[c]).unwrap();
    r.fake.world().faults.push_back(Fault::AppliedThenReset);
    let o = flush(&r, &store);
    assert!(o.waiting.is_some() && o.sent.is_empty(), "{o:?}");
    let o = flush(&r, &store);
    assert_eq!(o.sent.len(), 1, "{o:?}");
    assert!(store.outbox_queued().unwrap().is_empty());
    let w = r.fake.world();
    let i = w.issues.iter().find(|i| i.id == f.id).unwrap();
    assert_eq!(i.time_spent_secs, 3600, "applied once, not twice");
    assert!(
        !w.notes.iter().any(|n| n.issue_id == f.id && !n.system),
        "no note, as GitLab"
    );
    drop(w);
    // Answered: it says what GitLab did.
    let c = comment(&r, &r.seen(&r.server(f.id)), "/spend 30m");
    store.enqueue(&[c]).unwrap();
    let o = flush(&r, &store);
    assert_eq!(o.said.len(), 1, "{o:?}");
    assert!(o.said[0].1.contains("Added 30m spent time."), "{o:?}");
}

#[test]
fn a_lost_spend_is_matched_by_its_effect_not_by_any_note_of_mine() {
    // My own take a moment earlier left a system note ("assigned to
    // @me"); a `/spend` whose request never reached GitLab is sent again,
    // not taken for done because some note of mine is there.
    let r = rig(Tier::Premium);
    let f = r.find(|i| open_in("Ready")(i) && i.assignee_ids.is_empty());
    let seen = r.seen(&f);
    let (_dir, store) = outbox(&r);
    let me = r.fake.world().me;
    let take = r.change(
        &seen,
        Edit {
            assign: vec![me],
            ..Edit::default()
        },
    );
    store.enqueue(&[take]).unwrap();
    let o = flush(&r, &store);
    assert_eq!(o.sent.len(), 1, "{o:?}");
    assert!(
        r.fake
            .world()
            .notes
            .iter()
            .any(|n| n.issue_id == f.id && n.system && n.body.starts_with("assigned to")),
        "GitLab notes assignee changes"
    );
    let c = comment(&r, &r.seen(&r.server(f.id)), "/spend 1h");
    store.enqueue(&[c]).unwrap();
    r.fake.world().faults.push_back(Fault::Reset);
    let o = flush(&r, &store);
    assert!(o.waiting.is_some() && o.sent.is_empty(), "{o:?}");
    let o = flush(&r, &store);
    assert_eq!(o.sent.len(), 1, "{o:?}");
    assert_eq!(r.server(f.id).time_spent_secs, 3600, "sent again, once");
    // Applied, its answer lost: GitLab's time note of that amount says so.
    let c = comment(&r, &r.seen(&r.server(f.id)), "/spend 90m");
    store.enqueue(&[c]).unwrap();
    r.fake.world().faults.push_back(Fault::AppliedThenReset);
    let _ = flush(&r, &store);
    let o = flush(&r, &store);
    assert_eq!(o.sent.len(), 1, "{o:?}");
    assert_eq!(r.server(f.id).time_spent_secs, 3600 + 5400, "not run twice");
}

#[test]
fn a_mixed_comment_is_stored_without_its_commands_and_posted_once() {
    let r = rig(Tier::Premium);
    let f = r.find(open_in("Ready"));
    let seen = r.seen(&f);
    let (_dir, store) = outbox(&r);
    let c = comment(&r, &seen, "Measured the lag.\n/spend 2h\nDone for today.");
    store.enqueue(&[c]).unwrap();
    r.fake.world().faults.push_back(Fault::AppliedThenReset);
    let _ = flush(&r, &store);
    let o = flush(&r, &store);
    assert_eq!(o.sent.len(), 1, "{o:?}");
    let w = r.fake.world();
    let bodies: Vec<&str> = w
        .notes
        .iter()
        .filter(|n| n.issue_id == f.id && !n.system)
        .map(|n| n.body.as_str())
        .collect();
    assert_eq!(bodies, ["Measured the lag.\nDone for today."]);
    let i = w.issues.iter().find(|i| i.id == f.id).unwrap();
    assert_eq!(i.time_spent_secs, 7200);
}

#[test]
fn a_new_issue_whose_answer_is_lost_is_created_once_through_the_outbox() {
    let r = rig(Tier::Premium);
    let project = r.find(open_in("Ready")).project_id;
    let (_dir, store) = outbox(&r);
    let title = "Runbook: failover drill for the registry cluster";
    let c = Change {
        issue: glboard::core::app::overlay::placeholder_id(7, 1),
        project,
        edit: Edit {
            create: Some(edit::NewIssue {
                project,
                title: title.into(),
                description: String::new(),
                labels: vec![generate::TEAM.into()],
                milestone: None,
            }),
            ..Edit::default()
        },
        summary: "new".into(),
        ..Change::default()
    };
    store.enqueue(&[c]).unwrap();
    r.fake.world().faults.push_back(Fault::AppliedThenReset);
    let o = flush(&r, &store);
    assert!(o.waiting.is_some() && o.sent.is_empty(), "{o:?}");
    let o = flush(&r, &store);
    assert_eq!(o.sent.len(), 1, "{o:?}");
    let n = r
        .fake
        .world()
        .issues
        .iter()
        .filter(|i| i.title == title)
        .count();
    assert_eq!(n, 1);
    // The created issue is in the cache, last in its lists: GitLab gives
    // a new issue no position and lists it last, so it never jumps.
    let created = &o.sent[0].1;
    let cached = store.issues_by_id(&[created.id]).unwrap();
    assert_eq!(cached.len(), 1);
    assert!(cached[0].position > 0, "after what the cache holds");
    let w = r.fake.world();
    let last = w
        .issues
        .iter()
        .filter(|i| i.project_id == project)
        .max_by_key(|i| i.relative_position)
        .unwrap();
    assert_eq!(last.title, title, "the fake lists it last, as GitLab");
}

#[test]
fn an_applied_change_is_in_the_cache_when_it_leaves_the_queue() {
    let r = rig(Tier::Premium);
    let f = r.find(open_in("Ready"));
    let seen = r.seen(&f);
    let (_dir, store) = outbox(&r);
    let c = r.change(&seen, edit::to_lane(&seen, &team(), Some("In Progress")));
    let ids = store.enqueue(&[c]).unwrap();
    let o = flush(&r, &store);
    assert_eq!(o.sent.len(), 1);
    assert_eq!(
        store.change_state(ids[0]).unwrap().unwrap().0,
        glboard::store::ChangeState::Sent
    );
    let cached = store.issues_by_id(&[f.id]).unwrap();
    assert!(
        cached[0].has_label("workflow-infra::In Progress"),
        "{:?}",
        cached[0].labels
    );
}

#[test]
fn a_change_to_a_milestone_deleted_meanwhile_is_reported_and_clears_nothing() {
    // GitLab sets a milestone it does not have to none, silently.
    let r = rig(Tier::Premium);
    let f = r.find(|i| {
        i.state == "opened" && i.milestone_id.is_some() && i.labels.contains("team::Datastores")
    });
    let seen = r.seen(&f);
    let target = {
        let w = r.fake.world();
        w.milestones
            .iter()
            .map(|m| m.id)
            .find(|m| Some(*m) != f.milestone_id)
            .unwrap()
    };
    let (_dir, store) = outbox(&r);
    let c = r.change(
        &seen,
        Edit {
            milestone: Some(Some(target)),
            ..Edit::default()
        },
    );
    store.enqueue(&[c]).unwrap();
    r.fake.world().milestones.retain(|m| m.id != target);
    let o = flush(&r, &store);
    assert_eq!(o.refused.len(), 1, "{o:?}");
    assert!(
        o.refused[0].1.contains("not available to") && o.refused[0].1.contains("deleted"),
        "{o:?}"
    );
    assert_eq!(
        r.server(f.id).milestone_id,
        f.milestone_id,
        "the issue keeps its milestone"
    );
}

/// A change that creates milestone `title` in the fake's group.
fn new_milestone(title: &str, start: &str, due: &str) -> Change {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    Change {
        issue: glboard::core::app::overlay::placeholder_id(9, 1),
        summary: format!("milestone {title}"),
        edit: Edit {
            create_milestone: Some(edit::NewMilestone {
                group: generate::GROUP.into(),
                title: title.into(),
                start_date: day(start),
                due_date: day(due),
                description: String::new(),
            }),
            ..Edit::default()
        },
        ..Change::default()
    }
}

#[test]
fn a_milestone_whose_answer_is_lost_is_created_once() {
    let r = rig(Tier::Premium);
    let (_dir, mut store) = outbox(&r);
    // A cache synced once (empty).
    store
        .save_full(&glboard::store::Snapshot {
            meta: glboard::store::SyncMeta {
                synced_at: Some(Utc::now()),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
    let title = "Datastores team - W07";
    store
        .enqueue(&[new_milestone(title, "2027-02-15", "2027-02-28")])
        .unwrap();
    // The look for it first passes; GitLab makes it and the answer is lost.
    r.fake
        .world()
        .faults
        .extend([Fault::Pass, Fault::AppliedThenReset]);
    let o = flush(&r, &store);
    assert!(o.waiting.is_some() && o.milestones.is_empty(), "{o:?}");
    let count = |r: &Rig| {
        r.fake
            .world()
            .milestones
            .iter()
            .filter(|m| m.title == title)
            .count()
    };
    assert_eq!(count(&r), 1, "GitLab made it");
    // Sent again: the one the first attempt made is adopted.
    let o = flush(&r, &store);
    assert_eq!(o.milestones.len(), 1, "{o:?}");
    assert_eq!(count(&r), 1, "not made twice");
    assert!(store.outbox_queued().unwrap().is_empty());
    // The cache has it.
    let snap = store.load().unwrap().unwrap_or_default();
    assert!(snap.ws.milestones.iter().any(|m| m.title == title));
}

#[test]
fn a_milestone_title_taken_by_another_is_refused_saying_by_what() {
    let r = rig(Tier::Premium);
    let (_dir, store) = outbox(&r);
    let taken = r.fake.world().milestones[0].title.clone();
    store
        .enqueue(&[new_milestone(&taken, "2030-01-07", "2030-01-20")])
        .unwrap();
    let o = flush(&r, &store);
    assert_eq!(o.refused.len(), 1, "{o:?}");
    assert!(
        o.refused[0].1.contains("is taken by another milestone"),
        "{o:?}"
    );
    // And GitLab's own answer to a duplicate (found by no look-up first)
    // is a 400 naming the title.
    let resp = r.rt.block_on(
        r.client
            .create_group_milestone(generate::GROUP, &[("title".into(), taken.clone())]),
    );
    assert!(
        matches!(&resp, Err(glboard::gitlab::GitlabError::Rejected { status: 400, message }) if message.contains("already being used")),
        "{resp:?}"
    );
}

#[test]
fn a_description_edited_meanwhile_is_a_conflict_never_overwritten() {
    use glboard::core::planning::summary::{BEGIN, END, splice};
    let r = rig(Tier::Premium);
    let f = r.find(open_in("Ready"));
    r.fake
        .world()
        .issues
        .iter_mut()
        .find(|i| i.id == f.id)
        .unwrap()
        .description = Some("## Priorities\n\n1. the team's text".into());
    let seen = r.seen(&f);
    let (_dir, store) = outbox(&r);
    let write = |seen: &Issue, body: &str| {
        r.change(
            seen,
            Edit {
                description: Some(edit::DescriptionEdit {
                    text: splice(&seen.description, &format!("{BEGIN}\n{body}\n{END}")),
                    before: seen.description.clone(),
                }),
                ..Edit::default()
            },
        )
    };
    store.enqueue(&[write(&seen, "summary one")]).unwrap();
    let o = flush(&r, &store);
    assert_eq!(o.sent.len(), 1, "{o:?}");
    let now = r.server(f.id).description.unwrap();
    assert!(
        now.starts_with("## Priorities\n\n1. the team's text\n\n"),
        "{now}"
    );
    assert!(now.contains("summary one"));
    // Someone edits it on the web after glboard read it.
    let seen = r.seen(&f);
    r.fake
        .world()
        .issues
        .iter_mut()
        .find(|i| i.id == f.id)
        .unwrap()
        .description = Some(format!("{now}\n\n2. added on the web"));
    store.enqueue(&[write(&seen, "summary two")]).unwrap();
    let o = flush(&r, &store);
    assert_eq!(o.refused.len(), 1, "{o:?}");
    assert!(
        o.refused[0].1.starts_with("conflict: its description"),
        "{o:?}"
    );
    let after = r.server(f.id).description.unwrap();
    assert!(after.contains("added on the web") && !after.contains("summary two"));
}
