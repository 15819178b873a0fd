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
use serde::Serialize;

use crate::core::domain::events::{IssueEvents, LabelEvent, MilestoneEvent, StateEvent};
use crate::core::domain::model::{
    Issue, IssueId, Milestone, MilestoneId, TeamConfig, Workspace, label_scope,
};

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

/// How many finished iterations the velocity is the mean of, in the
/// planning summary and the board's panel.
pub const VELOCITY_ITERATIONS: usize = 6;

/// The team's iteration milestones whose window ended by `now`, newest
/// first.
pub fn finished_iterations<'a>(
    ws: &'a Workspace,
    team: &TeamConfig,
    now: DateTime<Utc>,
) -> Vec<&'a Milestone> {
    let mut v: Vec<&Milestone> =
        crate::core::domain::iteration::team_milestones(&ws.milestones, team)
            .into_iter()
            .filter(|m| finished(m, now))
            .collect();
    v.reverse();
    v
}

/// The team's issues that may have been in one of `ms` inside its window:
/// those in one of them now, and those changed since the oldest window
/// began (a move out of it changed them), but none created after the
/// newest window ended (it was in none of them). Issues and incidents
/// carrying the team label now.
pub fn candidates<'a>(ws: &'a Workspace, team: &TeamConfig, ms: &[&Milestone]) -> Vec<&'a Issue> {
    let oldest = ms.iter().filter_map(|m| window(m).map(|(s, _)| s)).min();
    let newest_end = ms.iter().filter_map(|m| window(m).map(|(_, e)| e)).max();
    ws.issues
        .iter()
        .filter(|i| i.has_label(&team.team_label) && i.iid != 0)
        .filter(|i| newest_end.is_none_or(|e| i.created_at < e))
        .filter(|i| {
            i.milestone_id
                .is_some_and(|id| ms.iter().any(|m| m.id == id))
                || oldest.is_some_and(|s| i.updated_at >= s)
        })
        .collect()
}

/// The iterations `ms` (in that order) from the events the workspace
/// holds (an issue without cached events has none).
pub fn iterations_of(
    ws: &Workspace,
    team: &TeamConfig,
    ms: &[&Milestone],
    now: DateTime<Utc>,
) -> Vec<Iteration> {
    let none = IssueEvents::default();
    let issues: Vec<(&Issue, &IssueEvents)> = candidates(ws, team, ms)
        .into_iter()
        .map(|i| (i, ws.events.get(&i.id).unwrap_or(&none)))
        .collect();
    ms.iter()
        .filter_map(|m| iteration(m, &issues, now))
        .collect()
}

/// Whether the workspace holds the events the insights of `ms` need: the
/// milestone events of every candidate, and the state events of those in
/// one of `ms` now or by their events (what `glboard insights` reads).
pub fn events_complete(ws: &Workspace, team: &TeamConfig, ms: &[&Milestone]) -> bool {
    let mine = |id: MilestoneId| ms.iter().any(|m| m.id == id);
    candidates(ws, team, ms).iter().all(|i| {
        let Some(e) = ws.events.get(&i.id) else {
            return false;
        };
        let touches = i.milestone_id.is_some_and(mine)
            || e.milestone.iter().any(|x| x.milestone.is_some_and(mine));
        e.read.milestone && (!touches || e.read.state)
    })
}

/// The last [`VELOCITY_ITERATIONS`] finished iterations, newest first.
pub fn last_finished<'a>(
    ws: &'a Workspace,
    team: &TeamConfig,
    now: DateTime<Utc>,
) -> Vec<&'a Milestone> {
    finished_iterations(ws, team, now)
        .into_iter()
        .take(VELOCITY_ITERATIONS)
        .collect()
}

/// How the previous iteration went and the velocity of the last
/// [`VELOCITY_ITERATIONS`] finished ones, from the events the workspace
/// holds: the one computation of the CLI's `planning summary` and the
/// board's `S`.
/// `None` when the team has no finished iteration, or the workspace lacks
/// some of the events they need ([`events_complete`]): never figures from
/// half the events.
pub fn past_figures_of(
    ws: &Workspace,
    team: &TeamConfig,
    now: DateTime<Utc>,
) -> Option<PastFigures> {
    let ms = last_finished(ws, team, now);
    if !events_complete(ws, team, &ms) {
        return None;
    }
    past_figures(&iterations_of(ws, team, &ms, now))
}

/// When the issue's current lane label was last added (its card's age in
/// the lane), from its cached label events: `None` for an issue without a
/// lane, without cached label events, or whose events never add it.
pub fn card_lane_since(ws: &Workspace, team: &TeamConfig, issue: &Issue) -> Option<DateTime<Utc>> {
    // The first label of the workflow's scope is the lane's label
    // (`team.lane_label` of the first of `team.lanes_of`), as it is.
    let label = issue
        .labels
        .iter()
        .find(|l| label_scope(l) == Some(team.workflow_scope.as_str()))?;
    let events = ws.events.get(&issue.id)?;
    lane_since(&events.label, label)
}

/// A card's age in its lane: whole days, and whether it is past the
/// lane's `[aging]` limit (a warning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardAge {
    pub days: i64,
    pub warning: bool,
}

/// The card's age in its lane at `now`, for an open issue whose lane
/// label's addition is known.
pub fn card_age(
    ws: &Workspace,
    team: &TeamConfig,
    issue: &Issue,
    now: DateTime<Utc>,
) -> Option<CardAge> {
    if !issue.is_open() {
        return None;
    }
    let since = card_lane_since(ws, team, issue)?;
    let days = age_days(since, now);
    let lane = team.lanes_of(issue).into_iter().next()?;
    let warning = team
        .aging
        .get(lane)
        .is_some_and(|limit| days > i64::from(*limit));
    Some(CardAge { days, warning })
}

/// `4d`, `12d`; `3w` past 99 days would not fit: weeks from 100 days on.
pub fn age_text(days: i64) -> String {
    if days >= 100 {
        format!("{}w", days / 7)
    } else {
        format!("{days}d")
    }
}

/// The oldest cards of iteration `m` in their lanes: open team issues of
/// it whose lane age is known, oldest first, at most `n`.
pub fn oldest_cards<'a>(
    ws: &'a Workspace,
    team: &TeamConfig,
    m: MilestoneId,
    now: DateTime<Utc>,
    n: usize,
) -> Vec<(&'a Issue, String, CardAge)> {
    let mut v: Vec<(&Issue, String, CardAge)> = ws
        .issues
        .iter()
        .filter(|i| i.milestone_id == Some(m) && i.is_open() && i.has_label(&team.team_label))
        .filter_map(|i| {
            let lane = team.lanes_of(i).into_iter().next()?.to_owned();
            Some((i, lane, card_age(ws, team, i, now)?))
        })
        .collect();
    v.sort_by_key(|(i, _, a)| (std::cmp::Reverse(a.days), i.id));
    v.truncate(n);
    v
}

/// What the board's insights panel shows (`gI`).
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// The shown iteration, so far when it is running.
    pub shown: Option<Iteration>,
    /// The last finished iterations, newest first.
    pub last: Vec<Iteration>,
    pub velocity: Option<f64>,
    /// The burn-up of the shown iteration: for each day of its window up
    /// to now, (day number from 0, done weight at that day's end).
    pub burnup: Vec<(u32, u64)>,
    /// The days of the shown iteration's window.
    pub days: u32,
    /// The cache holds every event the last iterations' figures need (else
    /// `last` is empty: the next sync reads them).
    pub last_read: bool,
    /// Likewise for the shown iteration.
    pub shown_read: bool,
    /// The shown iteration's window has begun (else its sets are what is
    /// planned so far, and there is no burn-up).
    pub started: bool,
}

/// The panel for iteration `shown` from the workspace's cached events.
pub fn panel(
    ws: &Workspace,
    team: &TeamConfig,
    shown: Option<MilestoneId>,
    now: DateTime<Utc>,
) -> Panel {
    let last_ms = last_finished(ws, team, now);
    let complete = events_complete(ws, team, &last_ms);
    let last = if complete {
        iterations_of(ws, team, &last_ms, now)
    } else {
        Vec::new()
    };
    let velocity = velocity(&last);
    let m = shown.and_then(|id| ws.milestone(id));
    let shown_read = m.is_some_and(|m| events_complete(ws, team, &[m]));
    let started = m.and_then(window).is_some_and(|(start, _)| start <= now);
    let (shown, burnup, days) = match m.and_then(|m| Some((m, window(m)?))) {
        Some((m, (start, end))) => {
            let none = IssueEvents::default();
            let issues: Vec<(&Issue, &IssueEvents)> = candidates(ws, team, &[m])
                .into_iter()
                .map(|i| (i, ws.events.get(&i.id).unwrap_or(&none)))
                .collect();
            let days = u32::try_from((end - start).num_days()).unwrap_or(0);
            let mut burnup = Vec::new();
            for d in 0..days {
                let day_end = start + chrono::Duration::days(i64::from(d) + 1);
                // A day not begun yet is not drawn.
                if day_end - chrono::Duration::days(1) > now {
                    break;
                }
                let at = (day_end - chrono::Duration::seconds(1)).min(now);
                if let Some(it) = iteration(m, &issues, at) {
                    burnup.push((d, it.done.weight));
                }
            }
            (iteration(m, &issues, now), burnup, days)
        }
        None => (None, Vec::new(), 0),
    };
    Panel {
        shown,
        last,
        velocity,
        burnup,
        days,
        last_read: complete,
        shown_read,
        started,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::events::ReadKinds;
    use crate::core::domain::model::{IssueState, MilestoneState};
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
            read: ReadKinds::default(),
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

    fn lane(at: DateTime<Utc>, lane: &str, added: bool) -> LabelEvent {
        LabelEvent {
            at,
            label: format!("workflow-infra::{lane}"),
            added,
        }
    }

    /// A workspace of W45 (`milestone()`) with `issues` on the team, their
    /// events read.
    fn ws_of(issues: Vec<(Issue, IssueEvents)>) -> (Workspace, TeamConfig) {
        let mut team = crate::demo::datastores_team();
        team.aging = [("In Progress".to_owned(), 10)].into_iter().collect();
        let mut ws = crate::core::testing::workspace(vec![]);
        ws.milestones = vec![milestone()];
        for (mut i, mut e) in issues {
            i.labels.insert(0, team.team_label.clone());
            e.read = ReadKinds {
                milestone: true,
                state: true,
                label: true,
            };
            ws.events.insert(i.id, e);
            ws.issues.push(i);
        }
        (ws, team)
    }

    fn in_lane(mut i: Issue, lane: &str) -> Issue {
        i.labels.push(format!("workflow-infra::{lane}"));
        i
    }

    #[test]
    fn a_cards_age_is_from_its_current_lane_label_and_warns_past_the_lanes_days() {
        let mut e = events(vec![], vec![]);
        e.label = vec![
            lane(t(1, 9), "Ready", true),
            lane(t(2, 9), "Ready", false),
            lane(t(2, 9), "In Progress", true),
        ];
        let (ws, team) = ws_of(vec![
            (in_lane(issue(1, Some(M), 3), "In Progress"), e.clone()),
            (in_lane(issue(2, Some(M), 3), "Ready"), e.clone()),
            (in_lane(issue(3, Some(M), 3), "Under Review"), e),
        ]);
        let at = |id| ws.issue(id).unwrap();
        assert_eq!(card_lane_since(&ws, &team, at(1)), Some(t(2, 9)));
        assert_eq!(card_lane_since(&ws, &team, at(2)), Some(t(1, 9)));
        assert_eq!(card_lane_since(&ws, &team, at(3)), None, "never added");
        // Ten days is not past ten; eleven is (In Progress = 10).
        let ten = card_age(&ws, &team, at(1), t(12, 10)).unwrap();
        assert_eq!((ten.days, ten.warning), (10, false));
        let sixteen = card_age(&ws, &team, at(1), t(18, 10)).unwrap();
        assert_eq!((sixteen.days, sixteen.warning), (16, true));
        // A lane with no [aging] days never warns.
        assert!(!card_age(&ws, &team, at(2), t(28, 10)).unwrap().warning);
        // Not read: no age; closed: none shown.
        let mut unread = ws.clone();
        unread.events.clear();
        assert_eq!(card_age(&unread, &team, at(1), t(18, 10)), None);
        let mut shut = ws.clone();
        shut.issues[0] = closed(shut.issues[0].clone(), t(5, 9));
        assert_eq!(card_age(&shut, &team, &shut.issues[0], t(18, 10)), None);
        assert_eq!(age_text(4), "4d");
        assert_eq!(age_text(99), "99d");
        assert_eq!(age_text(140), "20w");
        // The oldest first, with their lanes.
        let oldest = oldest_cards(&ws, &team, M, t(18, 10), 2);
        let got: Vec<(u64, &str, i64)> = oldest
            .iter()
            .map(|(i, l, a)| (i.id, l.as_str(), a.days))
            .collect();
        assert_eq!(got, vec![(2, "Ready", 17), (1, "In Progress", 16)]);
    }

    #[test]
    fn past_figures_need_every_event_read_and_match_the_sets() {
        // W45 finished: 1 committed and done, 2 committed and carried over,
        // 3 added on day 5.
        let cases = vec![
            (
                closed(issue(1, Some(M), 3), t(6, 9)),
                events(vec![add(t(1, 9), M)], vec![close(t(6, 9))]),
            ),
            (issue(2, Some(M), 5), events(vec![add(t(1, 9), M)], vec![])),
            (issue(3, Some(M), 2), events(vec![add(t(5, 9), M)], vec![])),
        ];
        let (ws, team) = ws_of(cases);
        let p = past_figures_of(&ws, &team, after()).unwrap();
        assert_eq!(p.milestone, milestone().title);
        assert_eq!((p.committed.issues, p.committed.weight), (2, 8));
        assert_eq!((p.added.issues, p.done.weight), (1, 3));
        assert_eq!(p.carried_over.issues, 2);
        assert_eq!(p.say_do, Some(0.5));
        assert_eq!(p.velocity, Some(3.0));
        assert_eq!(p.velocity_iterations, 1);
        // One issue's milestone events not read: no figures at all.
        let mut half = ws.clone();
        half.events.get_mut(&3).unwrap().read.milestone = false;
        assert!(!events_complete(
            &half,
            &team,
            &last_finished(&half, &team, after())
        ));
        assert_eq!(past_figures_of(&half, &team, after()), None);
        // An issue created after the window ended, its events not read
        // yet (a new planning issue): it was in no finished window.
        let mut new = ws.clone();
        let mut late = issue(9, Some(NEXT), 1);
        late.labels.push(team.team_label.clone());
        late.created_at = end();
        late.updated_at = after();
        new.issues.push(late);
        assert_eq!(past_figures_of(&new, &team, after()), Some(p.clone()));
        // Running: not finished, no figures.
        assert_eq!(past_figures_of(&ws, &team, t(10, 9)), None);
    }

    #[test]
    fn the_panel_burns_up_done_weight_day_by_day() {
        let cases = vec![
            (
                closed(issue(1, Some(M), 3), t(4, 9)),
                events(vec![add(t(1, 9), M)], vec![close(t(4, 9))]),
            ),
            (
                closed(issue(2, Some(M), 5), t(6, 9)),
                events(
                    vec![add(t(1, 9), M)],
                    vec![close(t(5, 9)), reopen(t(5, 12)), close(t(6, 9))],
                ),
            ),
            (issue(3, Some(M), 2), events(vec![add(t(1, 9), M)], vec![])),
        ];
        let (ws, team) = ws_of(cases);
        // On day 5 (Nov 7) at 10:00, the iteration is running.
        let p = panel(&ws, &team, Some(M), t(7, 10));
        let shown = p.shown.unwrap();
        assert!(!shown.finished);
        assert!(p.shown_read);
        assert_eq!(shown.committed.weight, 10);
        assert_eq!(shown.done.weight, 8);
        assert_eq!(p.days, 14);
        // Nov 3 0, Nov 4 3, Nov 5 (closed and reopened) 3, Nov 6 8, Nov 7 8.
        assert_eq!(p.burnup, vec![(0, 0), (1, 3), (2, 3), (3, 8), (4, 8)]);
        assert!(p.last.is_empty(), "nothing finished yet");
        assert!(p.started);
        // Before its start: nothing burnt up, not started.
        let p = panel(&ws, &team, Some(M), t(2, 10));
        assert!(!p.started);
        assert!(p.burnup.is_empty());
        // Finished: the whole window, and W45 among the last.
        let p = panel(&ws, &team, Some(M), after());
        assert_eq!(p.burnup.len(), 14);
        assert_eq!(p.last.len(), 1);
        assert_eq!(p.velocity, Some(8.0));
    }
}
