//! Iteration insights (issue #29): an iteration's issues replayed from
//! GitLab's resource events into what the team committed, added, removed,
//! finished and carried over, and how long a card has sat in its lane.
//! Pure: the events, the issues and the time arrive as arguments.
//!
//! The rules, in UTC:
//! - The window of iteration M is [start_date 00:00:00Z, due_date + 1 day
//!   00:00:00Z).
//! - The state at an instant `t` of the window has every event at or
//!   before `t` applied (an event at exactly the window's start has
//!   happened at the start). The state **at the window's end** is the state
//!   once every event inside the window has happened: an event at exactly
//!   due + 1 day 00:00:00Z belongs to the next window.
//! - An issue's milestone is replayed from its milestone events; one with
//!   none (GitLab writes them only since 13.x) has held its current
//!   milestone since it was created. A history that starts with a
//!   `remove` held that milestone before it.
//! - Open or closed is replayed from the state events; one with none is
//!   open from its creation until its `closed_at` (when it is closed now).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::model::{Issue, IssueId, Milestone, MilestoneId};

/// A resource milestone event: the issue was added to or removed from a
/// milestone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneEvent {
    pub at: DateTime<Utc>,
    /// `None`: a milestone GitLab no longer has (deleted).
    pub milestone: Option<MilestoneId>,
    pub added: bool,
}

/// A resource state event: the issue was closed or reopened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateEvent {
    pub at: DateTime<Utc>,
    pub closed: bool,
}

/// A resource label event: a label (by its title now) added or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelEvent {
    pub at: DateTime<Utc>,
    pub label: String,
    pub added: bool,
}

/// An issue's history as GitLab's three event lists give it, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueEvents {
    pub milestone: Vec<MilestoneEvent>,
    pub state: Vec<StateEvent>,
    pub label: Vec<LabelEvent>,
}

/// The window of an iteration: [start 00:00Z, due + 1 day 00:00Z). `None`
/// for a milestone without both dates.
pub fn window(m: &Milestone) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t));
    let start = midnight(m.start_date?)?;
    let end = midnight(m.due_date?.succ_opt()?)?;
    Some((start, end))
}

/// Whether the iteration's window has ended at `now`.
pub fn finished(m: &Milestone, now: DateTime<Utc>) -> bool {
    window(m).is_some_and(|(_, end)| end <= now)
}

/// Which events have happened by an instant: `Through(t)` every one at or
/// before `t`, `Before(t)` every one strictly before it.
#[derive(Debug, Clone, Copy)]
enum By {
    Through(DateTime<Utc>),
    Before(DateTime<Utc>),
}

impl By {
    fn has(self, at: DateTime<Utc>) -> bool {
        match self {
            By::Through(t) => at <= t,
            By::Before(t) => at < t,
        }
    }
}

/// The issue's milestone at an instant, replayed from its events.
fn milestone_by(issue: &Issue, events: &[MilestoneEvent], by: By) -> Option<MilestoneId> {
    if events.is_empty() {
        return issue.milestone_id.filter(|_| by.has(issue.created_at));
    }
    // A history that starts with a removal held that milestone before.
    let mut now = events
        .first()
        .filter(|e| !e.added)
        .and_then(|e| e.milestone);
    for e in events.iter().filter(|e| by.has(e.at)) {
        if e.added {
            now = e.milestone;
        } else if now == e.milestone || e.milestone.is_none() {
            now = None;
        }
    }
    now
}

/// Whether the issue is closed at an instant, and when it was last closed
/// by then.
fn closed_by(issue: &Issue, events: &[StateEvent], by: By) -> (bool, Option<DateTime<Utc>>) {
    if events.is_empty() {
        return match issue.closed_at.filter(|_| !issue.is_open()) {
            Some(t) if by.has(t) => (true, Some(t)),
            _ => (false, None),
        };
    }
    // A history that starts with a reopening was closed before it.
    let mut closed = events.first().is_some_and(|e| !e.closed);
    let mut last = None;
    for e in events.iter().filter(|e| by.has(e.at)) {
        closed = e.closed;
        if e.closed {
            last = Some(e.at);
        }
    }
    (closed, last)
}

/// Whether the issue is in `m` at some instant of [start, end): at the
/// start, or once the events of some instant inside have happened.
fn ever_in(
    issue: &Issue,
    events: &[MilestoneEvent],
    m: MilestoneId,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> bool {
    if milestone_by(issue, events, By::Through(start)) == Some(m) {
        return true;
    }
    if events.is_empty() {
        // Its current milestone since it was created.
        return issue.milestone_id == Some(m) && issue.created_at < end;
    }
    events
        .iter()
        .filter(|e| e.at > start && e.at < end)
        .any(|e| milestone_by(issue, events, By::Through(e.at)) == Some(m))
}

/// One set of an iteration: its issues (in the order given) and their
/// weight now (none counts 0).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IssueSet {
    pub issues: Vec<IssueId>,
    pub weight: u64,
}

impl IssueSet {
    fn push(&mut self, issue: &Issue) {
        self.issues.push(issue.id);
        self.weight += u64::from(issue.weight.unwrap_or(0));
    }

    pub fn contains(&self, id: IssueId) -> bool {
        self.issues.contains(&id)
    }
}

/// What an iteration's issues did, by the definitions of issue #29.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Iteration {
    pub milestone: MilestoneId,
    pub title: String,
    pub start_date: NaiveDate,
    pub due_date: NaiveDate,
    /// The window ended before `now`; else the figures are "so far" (the
    /// window's end taken as `now`).
    pub finished: bool,
    pub committed: IssueSet,
    pub added: IssueSet,
    pub removed: IssueSet,
    pub done: IssueSet,
    pub carried_over: IssueSet,
    /// |done ∩ committed| / |committed|; `None` when nothing was committed.
    pub say_do: Option<f64>,
}

/// The insights of iteration `m` from the team's issues and their events
/// (an issue without an entry has no events). `None` for a milestone
/// without both dates. An iteration still running is counted up to `now`.
pub fn iteration(
    m: &Milestone,
    issues: &[(&Issue, &IssueEvents)],
    now: DateTime<Utc>,
) -> Option<Iteration> {
    let (start, window_end) = window(m)?;
    let (start_date, due_date) = (m.start_date?, m.due_date?);
    let finished = window_end <= now;
    // "At the end": every event inside the window (before its end); for a
    // running iteration, every event so far.
    let (end, at_end) = if finished {
        (window_end, By::Before(window_end))
    } else {
        (now.max(start), By::Through(now))
    };
    let mut it = Iteration {
        milestone: m.id,
        title: m.title.clone(),
        start_date,
        due_date,
        finished,
        committed: IssueSet::default(),
        added: IssueSet::default(),
        removed: IssueSet::default(),
        done: IssueSet::default(),
        carried_over: IssueSet::default(),
        say_do: None,
    };
    for (issue, ev) in issues {
        let committed = milestone_by(issue, &ev.milestone, By::Through(start)) == Some(m.id);
        let during = committed || ever_in(issue, &ev.milestone, m.id, start, end);
        let in_at_end = milestone_by(issue, &ev.milestone, at_end) == Some(m.id);
        if committed {
            it.committed.push(issue);
        } else if during {
            it.added.push(issue);
        }
        if during && !in_at_end {
            it.removed.push(issue);
        }
        if in_at_end {
            let (closed, last_close) = closed_by(issue, &ev.state, at_end);
            if closed {
                if last_close.is_some_and(|t| t >= start) {
                    it.done.push(issue);
                }
            } else {
                it.carried_over.push(issue);
            }
        }
    }
    let kept = it
        .committed
        .issues
        .iter()
        .filter(|id| it.done.contains(**id))
        .count();
    it.say_do =
        (!it.committed.issues.is_empty()).then(|| kept as f64 / it.committed.issues.len() as f64);
    Some(it)
}

/// The team's velocity: the mean done weight of `iterations` (`None` for
/// none).
pub fn velocity(iterations: &[Iteration]) -> Option<f64> {
    (!iterations.is_empty()).then(|| {
        iterations.iter().map(|i| i.done.weight as f64).sum::<f64>() / iterations.len() as f64
    })
}

/// A set's size and weight, for summaries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Figure {
    pub issues: usize,
    pub weight: u64,
}

impl From<&IssueSet> for Figure {
    fn from(s: &IssueSet) -> Figure {
        Figure {
            issues: s.issues.len(),
            weight: s.weight,
        }
    }
}

/// How the last finished iteration went and the team's velocity, for the
/// planning summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PastFigures {
    pub milestone: String,
    pub committed: Figure,
    pub added: Figure,
    pub removed: Figure,
    pub done: Figure,
    pub carried_over: Figure,
    pub say_do: Option<f64>,
    /// The mean done weight of the last finished iterations.
    pub velocity: Option<f64>,
    /// How many iterations the velocity is the mean of.
    pub velocity_iterations: usize,
}

// The figures are finite numbers (ratios and means of counts).
impl Eq for PastFigures {}

/// [`PastFigures`] from finished iterations, newest first (`None` for none).
pub fn past_figures(its: &[Iteration]) -> Option<PastFigures> {
    let last = its.first()?;
    Some(PastFigures {
        milestone: last.title.clone(),
        committed: (&last.committed).into(),
        added: (&last.added).into(),
        removed: (&last.removed).into(),
        done: (&last.done).into(),
        carried_over: (&last.carried_over).into(),
        say_do: last.say_do,
        velocity: velocity(its),
        velocity_iterations: its.len(),
    })
}

/// When `lane_label` was last added to the issue, from its label events
/// (`None`: never, as far as the events go).
pub fn lane_since(events: &[LabelEvent], lane_label: &str) -> Option<DateTime<Utc>> {
    events
        .iter()
        .filter(|e| e.added && e.label == lane_label)
        .map(|e| e.at)
        .max()
}

/// Whole days from `since` to `now` (never negative).
pub fn age_days(since: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - since).num_days().max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{IssueState, MilestoneState};
    use chrono::Duration;

    const M: MilestoneId = 41;
    const NEXT: MilestoneId = 42;

    fn milestone() -> Milestone {
        Milestone {
            id: M,
            iid: 1,
            title: "Datastores team - W45".into(),
            description: String::new(),
            start_date: NaiveDate::from_ymd_opt(2025, 11, 3),
            due_date: NaiveDate::from_ymd_opt(2025, 11, 16),
            state: MilestoneState::Active,
            web_url: String::new(),
            owner: None,
        }
    }

    /// 2025-11-DD HH:00Z.
    fn t(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 11, day, hour, 0, 0).unwrap()
    }

    fn start() -> DateTime<Utc> {
        t(3, 0)
    }

    fn end() -> DateTime<Utc> {
        t(17, 0)
    }

    fn after() -> DateTime<Utc> {
        t(20, 0)
    }

    fn issue(id: u64, milestone: Option<MilestoneId>, weight: u32) -> Issue {
        Issue {
            id,
            iid: id,
            project_id: 1,
            title: format!("issue {id}"),
            description: String::new(),
            state: IssueState::Opened,
            labels: vec![],
            milestone_id: milestone,
            assignees: vec![],
            author: None,
            weight: Some(weight),
            created_at: t(1, 9),
            updated_at: t(1, 9),
            closed_at: None,
            web_url: String::new(),
            position: 0,
            marks: Default::default(),
            raw_description: None,
        }
    }

    fn closed(mut i: Issue, at: DateTime<Utc>) -> Issue {
        i.state = IssueState::Closed;
        i.closed_at = Some(at);
        i
    }

    fn add(at: DateTime<Utc>, m: MilestoneId) -> MilestoneEvent {
        MilestoneEvent {
            at,
            milestone: Some(m),
            added: true,
        }
    }

    fn remove(at: DateTime<Utc>, m: MilestoneId) -> MilestoneEvent {
        MilestoneEvent {
            at,
            milestone: Some(m),
            added: false,
        }
    }

    fn close(at: DateTime<Utc>) -> StateEvent {
        StateEvent { at, closed: true }
    }

    fn reopen(at: DateTime<Utc>) -> StateEvent {
        StateEvent { at, closed: false }
    }

    fn events(milestone: Vec<MilestoneEvent>, state: Vec<StateEvent>) -> IssueEvents {
        IssueEvents {
            milestone,
            state,
            label: vec![],
        }
    }

    fn run(cases: &[(Issue, IssueEvents)], now: DateTime<Utc>) -> Iteration {
        let pairs: Vec<(&Issue, &IssueEvents)> = cases.iter().map(|(i, e)| (i, e)).collect();
        iteration(&milestone(), &pairs, now).unwrap()
    }

    fn ids(s: &IssueSet) -> Vec<u64> {
        s.issues.clone()
    }

    #[test]
    fn the_window_runs_from_start_midnight_to_the_day_after_due() {
        let (s, e) = window(&milestone()).unwrap();
        assert_eq!((s, e), (start(), end()));
        let mut undated = milestone();
        undated.start_date = None;
        assert_eq!(window(&undated), None);
        assert!(iteration(&undated, &[], after()).is_none());
        assert!(finished(&milestone(), end()));
        assert!(!finished(&milestone(), end() - Duration::seconds(1)));
    }

    #[test]
    fn no_issues_commit_nothing_and_say_do_is_null() {
        let it = run(&[], after());
        assert!(it.finished);
        assert_eq!(it.committed, IssueSet::default());
        assert_eq!(it.say_do, None);
        assert_eq!(velocity(&[]), None);
    }

    #[test]
    fn an_issue_with_no_events_held_its_milestone_since_it_was_created() {
        // Created before the window: committed; still open: carried over.
        let before = issue(1, Some(M), 3);
        // Created inside the window: added.
        let mut inside = issue(2, Some(M), 2);
        inside.created_at = t(5, 10);
        // Closed inside the window (closed_at, no state events): done.
        let done = closed(issue(3, Some(M), 5), t(10, 12));
        // Closed before the window: committed, neither done nor carried over.
        let old = closed(issue(4, Some(M), 1), t(2, 12));
        // Another milestone: nothing.
        let other = issue(5, Some(NEXT), 8);
        let it = run(
            &[
                (before, IssueEvents::default()),
                (inside, IssueEvents::default()),
                (done, IssueEvents::default()),
                (old, IssueEvents::default()),
                (other, IssueEvents::default()),
            ],
            after(),
        );
        assert_eq!(ids(&it.committed), vec![1, 3, 4]);
        assert_eq!(ids(&it.added), vec![2]);
        assert_eq!(ids(&it.removed), Vec::<u64>::new());
        assert_eq!(ids(&it.done), vec![3]);
        assert_eq!(ids(&it.carried_over), vec![1, 2]);
        assert_eq!(it.committed.weight, 9);
        assert_eq!(it.say_do, Some(1.0 / 3.0));
    }

    #[test]
    fn an_event_exactly_at_the_window_start_has_happened_at_the_start() {
        let added_at_start = issue(1, Some(M), 1);
        let removed_at_start = issue(2, None, 1);
        let closed_at_start = closed(issue(3, Some(M), 1), start());
        let it = run(
            &[
                (added_at_start, events(vec![add(start(), M)], vec![])),
                (
                    removed_at_start,
                    events(vec![add(t(1, 9), M), remove(start(), M)], vec![]),
                ),
                (
                    closed_at_start,
                    events(vec![add(t(1, 9), M)], vec![close(start())]),
                ),
            ],
            after(),
        );
        // Added at the start: committed, not added. Removed at the start:
        // never in M inside the window.
        assert_eq!(ids(&it.committed), vec![1, 3]);
        assert_eq!(ids(&it.added), Vec::<u64>::new());
        assert_eq!(ids(&it.removed), Vec::<u64>::new());
        // Closed at the start: inside the window, so done.
        assert_eq!(ids(&it.done), vec![3]);
        assert_eq!(ids(&it.carried_over), vec![1]);
    }

    #[test]
    fn an_event_exactly_at_the_window_end_belongs_to_the_next_window() {
        // Re-planned at the end's instant: still in M at the end, carried over.
        let replanned = issue(1, Some(NEXT), 2);
        // Closed at the end's instant: open at the end, carried over.
        let late = closed(issue(2, Some(M), 3), end());
        // Added at the end's instant: never in M inside the window.
        let next_one = issue(3, Some(M), 5);
        let it = run(
            &[
                (
                    replanned,
                    events(
                        vec![add(t(1, 9), M), remove(end(), M), add(end(), NEXT)],
                        vec![],
                    ),
                ),
                (late, events(vec![add(t(1, 9), M)], vec![close(end())])),
                (next_one, events(vec![add(end(), M)], vec![])),
            ],
            after(),
        );
        assert_eq!(ids(&it.committed), vec![1, 2]);
        assert_eq!(ids(&it.added), Vec::<u64>::new());
        assert_eq!(ids(&it.removed), Vec::<u64>::new());
        assert_eq!(ids(&it.done), Vec::<u64>::new());
        assert_eq!(ids(&it.carried_over), vec![1, 2]);
        assert_eq!(it.say_do, Some(0.0));
    }

    #[test]
    fn reopened_and_closed_again_counts_its_last_close() {
        let m_events = || vec![add(t(1, 9), M)];
        // Closed before the window, reopened inside, closed again inside: done.
        let again = closed(issue(1, Some(M), 3), t(12, 9));
        // Closed inside, reopened inside: open at the end, carried over.
        let reopened = issue(2, Some(M), 2);
        // Closed inside, reopened and closed again after the window: the
        // end sees it closed inside the window: done.
        let later = closed(issue(3, Some(M), 1), t(19, 9));
        // Closed before the window and never reopened: not done.
        let before = closed(issue(4, Some(M), 1), t(2, 9));
        // A history that starts with a reopening was closed before it.
        let mut old = issue(5, Some(M), 1);
        old.created_at = t(1, 1);
        let it = run(
            &[
                (
                    again,
                    events(
                        m_events(),
                        vec![close(t(2, 9)), reopen(t(5, 9)), close(t(12, 9))],
                    ),
                ),
                (
                    reopened,
                    events(m_events(), vec![close(t(6, 9)), reopen(t(7, 9))]),
                ),
                (
                    later,
                    events(
                        m_events(),
                        vec![close(t(8, 9)), reopen(t(18, 9)), close(t(19, 9))],
                    ),
                ),
                (before, events(m_events(), vec![close(t(2, 9))])),
                (old, events(m_events(), vec![reopen(t(20, 9))])),
            ],
            after(),
        );
        assert_eq!(ids(&it.committed), vec![1, 2, 3, 4, 5]);
        assert_eq!(ids(&it.done), vec![1, 3]);
        assert_eq!(ids(&it.carried_over), vec![2]);
        assert_eq!(it.say_do, Some(2.0 / 5.0));
    }

    #[test]
    fn moved_out_and_back_in_is_not_removed() {
        // Committed, out on day 5, back on day 7: committed, in at the end.
        let back = issue(1, Some(M), 3);
        // Committed, out on day 5 for good: removed.
        let out = issue(2, Some(NEXT), 2);
        // Not committed, in on day 6, out on day 8: added and removed.
        let visit = issue(3, None, 1);
        // Not committed, in and out within the same instant: never in M.
        let blink = issue(4, None, 1);
        // Not committed, in on day 9 and closed on day 10: added and done.
        let unplanned = closed(issue(5, Some(M), 5), t(10, 9));
        let it = run(
            &[
                (
                    back,
                    events(
                        vec![
                            add(t(1, 9), M),
                            remove(t(5, 9), M),
                            add(t(5, 9), NEXT),
                            remove(t(7, 9), NEXT),
                            add(t(7, 9), M),
                        ],
                        vec![],
                    ),
                ),
                (
                    out,
                    events(
                        vec![add(t(1, 9), M), remove(t(5, 9), M), add(t(5, 9), NEXT)],
                        vec![],
                    ),
                ),
                (
                    visit,
                    events(vec![add(t(6, 9), M), remove(t(8, 9), M)], vec![]),
                ),
                (
                    blink,
                    events(vec![add(t(6, 9), M), remove(t(6, 9), M)], vec![]),
                ),
                (
                    unplanned,
                    events(vec![add(t(9, 9), M)], vec![close(t(10, 9))]),
                ),
            ],
            after(),
        );
        assert_eq!(ids(&it.committed), vec![1, 2]);
        assert_eq!(ids(&it.added), vec![3, 5]);
        assert_eq!(ids(&it.removed), vec![2, 3]);
        assert_eq!(ids(&it.done), vec![5]);
        assert_eq!(ids(&it.carried_over), vec![1]);
        assert_eq!(it.added.weight, 6);
        assert_eq!(it.say_do, Some(0.0));
    }

    #[test]
    fn a_history_that_starts_with_a_removal_held_that_milestone_before() {
        // GitLab before 13.x: the add was never written.
        let i = issue(1, Some(NEXT), 2);
        let it = run(
            &[(
                i,
                events(vec![remove(t(12, 9), M), add(t(12, 9), NEXT)], vec![]),
            )],
            after(),
        );
        assert_eq!(ids(&it.committed), vec![1]);
        assert_eq!(ids(&it.removed), vec![1]);
    }

    #[test]
    fn a_running_iteration_is_counted_so_far() {
        let open = issue(1, Some(M), 3);
        let done = closed(issue(2, Some(M), 2), t(6, 9));
        let it = run(
            &[
                (open, events(vec![add(t(1, 9), M)], vec![])),
                (done, events(vec![add(t(1, 9), M)], vec![close(t(6, 9))])),
            ],
            t(8, 12),
        );
        assert!(!it.finished);
        assert_eq!(ids(&it.done), vec![2]);
        assert_eq!(ids(&it.carried_over), vec![1]);
    }

    #[test]
    fn velocity_is_the_mean_done_weight() {
        let a = run(
            &[(
                closed(issue(1, Some(M), 5), t(6, 9)),
                IssueEvents::default(),
            )],
            after(),
        );
        let b = run(&[], after());
        assert_eq!(velocity(&[a, b]), Some(2.5));
    }

    #[test]
    fn lane_since_is_when_the_lane_label_was_last_added() {
        let l = |at, label: &str, added| LabelEvent {
            at,
            label: label.into(),
            added,
        };
        let ev = vec![
            l(t(1, 9), "workflow-infra::In Progress", true),
            l(t(3, 9), "workflow-infra::In Progress", false),
            l(t(3, 9), "workflow-infra::Under Review", true),
            l(t(5, 9), "workflow-infra::Under Review", false),
            l(t(5, 9), "workflow-infra::In Progress", true),
        ];
        assert_eq!(
            lane_since(&ev, "workflow-infra::In Progress"),
            Some(t(5, 9))
        );
        assert_eq!(
            lane_since(&ev, "workflow-infra::Under Review"),
            Some(t(3, 9))
        );
        assert_eq!(lane_since(&ev, "workflow-infra::Done"), None);
        assert_eq!(lane_since(&[], "workflow-infra::Done"), None);
        assert_eq!(age_days(t(5, 9), t(19, 10)), 14);
        assert_eq!(age_days(t(19, 10), t(5, 9)), 0);
    }
}
