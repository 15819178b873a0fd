//! Changes to issues, as data: what an action asks GitLab to do (an
//! [`Edit`] of deltas), what the user saw when asking ([`Seen`], to detect
//! concurrent edits), applying an edit to an issue (for the optimistic board
//! and for replaying queued changes over fresh data), and the inverse edit
//! (for undo). Pure.

use serde::{Deserialize, Serialize};

use crate::core::domain::model::{
    Issue, IssueId, IssueState, MilestoneId, ProjectId, TeamConfig, User, UserId,
};

/// Where a reordered issue goes, with global ids: it lands after `after`
/// and before `before` (either may be absent at the ends of a column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reorder {
    /// The issue that ends up just above (sent as GitLab's `move_before_id`).
    pub after: Option<IssueId>,
    /// The issue that ends up just below (sent as GitLab's `move_after_id`).
    pub before: Option<IssueId>,
}

/// A new issue to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewIssue {
    pub project: ProjectId,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub labels: Vec<String>,
    #[serde(default)]
    pub milestone: Option<MilestoneId>,
}

/// Where a new issue goes in the manual order: GitLab creates it with no
/// position and places it at the end (nulls sort last), so glboard shows it
/// there at once instead of letting it jump at the next sync.
pub const AT_END: i64 = i64::MAX / 4;

/// The card of an issue being created.
pub fn placeholder(
    id: IssueId,
    new: &NewIssue,
    me: Option<User>,
    now: Option<chrono::DateTime<chrono::Utc>>,
) -> Issue {
    let t = now.unwrap_or_default();
    Issue {
        id,
        iid: 0,
        project_id: new.project,
        title: new.title.clone(),
        description: new.description.clone(),
        state: IssueState::Opened,
        labels: new.labels.clone(),
        milestone_id: new.milestone,
        assignees: Vec::new(),
        author: me,
        weight: None,
        created_at: t,
        updated_at: t,
        closed_at: None,
        web_url: String::new(),
        position: AT_END,
        marks: Default::default(),
        raw_description: None,
    }
}

/// One change to one issue, as deltas. Empty fields change nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Edit {
    #[serde(default)]
    pub add_labels: Vec<String>,
    #[serde(default)]
    pub remove_labels: Vec<String>,
    /// `Some(None)` clears the milestone.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub milestone: Option<Option<MilestoneId>>,
    #[serde(default)]
    pub assign: Vec<UserId>,
    #[serde(default)]
    pub unassign: Vec<UserId>,
    #[serde(default)]
    pub state: Option<IssueState>,
    /// `Some(None)` clears the weight.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub weight: Option<Option<u32>>,
    #[serde(default)]
    pub reorder: Option<Reorder>,
    #[serde(default)]
    pub comment: Option<String>,
    /// Create this issue (the change's `issue` is a placeholder id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create: Option<NewIssue>,
    /// Replace the description (the planning summary), with the text the
    /// user saw: someone else's edit meanwhile is a conflict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<DescriptionEdit>,
    /// Create this milestone (the change's `issue` is a placeholder id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_milestone: Option<NewMilestone>,
}

/// A milestone to create in a group (`glboard cadence`). Titles are unique
/// in a group, so one of this title and these dates there already is this
/// one (an earlier attempt whose answer was lost).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMilestone {
    pub group: String,
    pub title: String,
    pub start_date: chrono::NaiveDate,
    pub due_date: chrono::NaiveDate,
    #[serde(default)]
    pub description: String,
}

/// A new description, and the one it replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescriptionEdit {
    pub text: String,
    pub before: String,
}

/// A field that is present (even as `null`) is `Some`; an absent one is
/// `None` (through `#[serde(default)]`): keeps "clear it" apart from "keep it".
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

impl Edit {
    pub fn is_empty(&self) -> bool {
        *self == Edit::default()
    }

    /// `later` made after this edit, as one edit: a field `later` sets is
    /// its; labels and assignees it adds or removes cancel what this one
    /// did to the same label or person.
    pub fn merge(&mut self, later: Edit) {
        fn join<T: PartialEq + Clone>(
            add: &mut Vec<T>,
            remove: &mut Vec<T>,
            more: &[T],
            less: &[T],
        ) {
            add.retain(|x| !less.contains(x));
            remove.retain(|x| !more.contains(x));
            for x in more {
                if !add.contains(x) {
                    add.push(x.clone());
                }
            }
            for x in less {
                if !remove.contains(x) {
                    remove.push(x.clone());
                }
            }
        }
        join(
            &mut self.add_labels,
            &mut self.remove_labels,
            &later.add_labels,
            &later.remove_labels,
        );
        join(
            &mut self.assign,
            &mut self.unassign,
            &later.assign,
            &later.unassign,
        );
        macro_rules! take {
            ($($f:ident),*) => { $( if later.$f.is_some() { self.$f = later.$f; } )* };
        }
        take!(
            milestone,
            state,
            weight,
            reorder,
            comment,
            create,
            description,
            create_milestone
        );
    }

    /// Whether the edit changes any field a `PUT` carries.
    pub fn has_fields(&self) -> bool {
        !self.add_labels.is_empty()
            || !self.remove_labels.is_empty()
            || self.milestone.is_some()
            || !self.assign.is_empty()
            || !self.unassign.is_empty()
            || self.state.is_some()
            || self.weight.is_some()
            || self.description.is_some()
    }
}

/// The fields an edit touches, as the user saw them when making it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Seen {
    /// Lane labels (full `scope::lane`), sorted.
    pub lanes: Vec<String>,
    pub milestone: Option<MilestoneId>,
    /// Sorted.
    pub assignees: Vec<UserId>,
    pub state: Option<IssueState>,
    pub weight: Option<u32>,
}

impl Seen {
    pub fn of(issue: &Issue, team: &TeamConfig) -> Seen {
        let mut lanes: Vec<String> = team
            .lanes_of(issue)
            .iter()
            .map(|l| team.lane_label(l))
            .collect();
        lanes.sort();
        let mut assignees: Vec<UserId> = issue.assignees.iter().map(|u| u.id).collect();
        assignees.sort_unstable();
        Seen {
            lanes,
            milestone: issue.milestone_id,
            assignees,
            state: Some(issue.state),
            weight: issue.weight,
        }
    }
}

/// A queued change: one edit of one issue, with what the user saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Change {
    /// Unique in the outbox, handed out by the database; increasing in the
    /// order changes were queued. `0` until the change is saved.
    pub id: u64,
    /// The user action it belongs to (a re-plan is one action of many
    /// changes): the id of the action's first change.
    #[serde(default)]
    pub action: u64,
    /// How often it was sent without a known answer (a timeout, a reset):
    /// a write that is not idempotent looks for the first attempt's result
    /// before it is sent again.
    #[serde(default)]
    pub attempts: u32,
    /// GitLab's clock at the first attempt (from its `Date` header).
    #[serde(default)]
    pub attempted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub issue: IssueId,
    pub project: ProjectId,
    pub iid: u64,
    pub edit: Edit,
    pub seen: Seen,
    /// Human summary: `#1234 → In Progress`.
    pub summary: String,
}

/// Apply an edit to an issue (optimistically, or to replay a queued change
/// over fresh data). `members` resolves assignee ids to users.
pub fn apply(issue: &mut Issue, edit: &Edit, members: &[User]) {
    if !edit.remove_labels.is_empty() || !edit.add_labels.is_empty() {
        issue.labels.retain(|l| !edit.remove_labels.contains(l));
        for l in &edit.add_labels {
            if !issue.labels.contains(l) {
                issue.labels.push(l.clone());
            }
        }
        issue.labels.sort();
    }
    if let Some(m) = edit.milestone {
        issue.milestone_id = m;
    }
    issue.assignees.retain(|u| !edit.unassign.contains(&u.id));
    for id in &edit.assign {
        if !issue.assignees.iter().any(|u| u.id == *id)
            && let Some(u) = members.iter().find(|u| u.id == *id)
        {
            issue.assignees.push(u.clone());
        }
    }
    if let Some(s) = edit.state {
        issue.state = s;
    }
    if let Some(w) = edit.weight {
        issue.weight = w;
    }
    if let Some(d) = &edit.description {
        issue.set_description(d.text.clone());
    }
}

/// The edit that undoes `edit`, given what was seen before it.
pub fn inverse(edit: &Edit, seen: &Seen) -> Edit {
    Edit {
        add_labels: edit.remove_labels.clone(),
        remove_labels: edit.add_labels.clone(),
        milestone: edit.milestone.map(|_| seen.milestone),
        assign: edit
            .unassign
            .iter()
            .filter(|u| seen.assignees.contains(u))
            .copied()
            .collect(),
        unassign: edit
            .assign
            .iter()
            .filter(|u| !seen.assignees.contains(u))
            .copied()
            .collect(),
        state: edit.state.and(seen.state),
        weight: edit.weight.map(|_| seen.weight),
        reorder: None,
        comment: None,
        create: None,
        description: edit.description.as_ref().map(|d| DescriptionEdit {
            text: d.before.clone(),
            before: d.text.clone(),
        }),
        create_milestone: None,
    }
}

/// The edit that puts an issue in `lane` (or in no lane with `None`),
/// removing every other label of the workflow scope: exactly one lane
/// label afterwards, whatever the server's scoped-label support.
pub fn to_lane(issue: &Issue, team: &TeamConfig, lane: Option<&str>) -> Edit {
    let target = lane.map(|l| team.lane_label(l));
    let remove: Vec<String> = team
        .lanes_of(issue)
        .iter()
        .map(|l| team.lane_label(l))
        .filter(|l| Some(l) != target.as_ref())
        .collect();
    let add: Vec<String> = target.into_iter().filter(|t| !issue.has_label(t)).collect();
    Edit {
        add_labels: add,
        remove_labels: remove,
        ..Edit::default()
    }
}

/// Take: assign `me`, move to the doing lane; from the backlog (or with no
/// milestone) also into the current iteration; reopen if closed.
pub fn take(
    issue: &Issue,
    team: &TeamConfig,
    me: UserId,
    current: Option<MilestoneId>,
    from_backlog: bool,
) -> Edit {
    let mut e = to_lane(issue, team, Some(&team.doing_lane));
    if !issue.assignees.iter().any(|u| u.id == me) {
        e.assign = vec![me];
    }
    if (from_backlog || issue.milestone_id.is_none())
        && let Some(cur) = current
        && issue.milestone_id != Some(cur)
    {
        e.milestone = Some(Some(cur));
    }
    if !issue.is_open() {
        e.state = Some(IssueState::Opened);
    }
    e
}

/// Promote: the ready lane and `milestone`.
pub fn promote(issue: &Issue, team: &TeamConfig, milestone: MilestoneId) -> Edit {
    let mut e = to_lane(issue, team, Some(&team.ready_lane));
    if issue.milestone_id != Some(milestone) {
        e.milestone = Some(Some(milestone));
    }
    e
}

/// A position strictly between two neighbours' positions (or beyond one).
pub fn position_between(above: Option<i64>, below: Option<i64>) -> i64 {
    match (above, below) {
        (Some(a), Some(b)) if b - a > 1 => a + (b - a) / 2,
        (Some(a), Some(_)) => a,
        (Some(a), None) => a + 1024,
        (None, Some(b)) => b - 1024,
        (None, None) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{issue, team, user};

    #[test]
    fn moving_lanes_leaves_exactly_one_lane_label() {
        let t = team();
        let i = issue(
            1,
            1,
            &[
                "team::Datastores",
                "workflow-infra::Ready",
                "workflow-infra::Blocked",
                "x",
            ],
        );
        let e = to_lane(&i, &t, Some("In Progress"));
        let mut j = i.clone();
        apply(&mut j, &e, &[]);
        assert_eq!(t.lanes_of(&j), vec!["In Progress"]);
        assert!(j.has_label("x") && j.has_label("team::Datastores"));
        let e = to_lane(&j, &t, None);
        apply(&mut j, &e, &[]);
        assert!(t.lanes_of(&j).is_empty());
        // Already there: nothing to add.
        let k = issue(2, 2, &["workflow-infra::Ready"]);
        assert!(to_lane(&k, &t, Some("Ready")).is_empty());
    }

    #[test]
    fn undo_restores_what_was_seen() {
        let t = team();
        let me = user(7, "zoe", "Zoë");
        let mut i = issue(1, 1, &["team::Datastores", "workflow-infra::Triage"]);
        let before = i.clone();
        let seen = Seen::of(&i, &t);
        let mut e = to_lane(&i, &t, Some("In Progress"));
        e.assign = vec![7];
        e.milestone = Some(Some(3));
        e.weight = Some(Some(5));
        e.state = Some(IssueState::Closed);
        apply(&mut i, &e, std::slice::from_ref(&me));
        assert_eq!(i.assignees, vec![me.clone()]);
        apply(&mut i, &inverse(&e, &seen), &[me]);
        assert_eq!(i, before);
    }

    #[test]
    fn edits_survive_a_round_trip_through_json() {
        let e = Edit {
            add_labels: vec!["a::b".into()],
            milestone: Some(None),
            reorder: Some(Reorder {
                after: Some(1),
                before: None,
            }),
            comment: Some("hi".into()),
            ..Edit::default()
        };
        let s = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<Edit>(&s).unwrap(), e);
        let keep = Edit {
            weight: Some(Some(3)),
            ..Edit::default()
        };
        let s = serde_json::to_string(&keep).unwrap();
        assert!(!s.contains("milestone"), "{s}");
        assert_eq!(serde_json::from_str::<Edit>(&s).unwrap(), keep);
        assert!(!e.is_empty());
    }

    #[test]
    fn positions_fall_between_neighbours() {
        assert_eq!(position_between(Some(0), Some(1024)), 512);
        assert!(position_between(None, Some(0)) < 0);
        assert!(position_between(Some(5), None) > 5);
    }
}

/// The Friday re-plan: every open team issue of `from` that is not in the
/// done lane, nor in a lane the team skips (Cancelled), nor the iteration's
/// own planning issue, moves to `to`; with `reset_lane` it also goes back
/// to the ready lane. In board order.
pub fn replan(
    issues: &[Issue],
    team: &TeamConfig,
    from: MilestoneId,
    to: MilestoneId,
    reset_lane: bool,
) -> Vec<(IssueId, Edit)> {
    let done = team.lane_label(&team.done_lane);
    let skipped: Vec<String> = team
        .replan_skip_lanes
        .iter()
        .map(|l| team.lane_label(l))
        .collect();
    let planning = team.planning_title.to_lowercase();
    let mut picked: Vec<&Issue> = issues
        .iter()
        .filter(|i| i.milestone_id == Some(from) && i.is_open() && i.has_label(&team.team_label))
        .filter(|i| !i.has_label(&done) && !skipped.iter().any(|l| i.has_label(l)))
        .filter(|i| planning.is_empty() || !i.title.to_lowercase().contains(&planning))
        .collect();
    picked.sort_by_key(|i| (i.position, i.id));
    picked
        .into_iter()
        .map(|i| {
            let mut e = if reset_lane {
                to_lane(i, team, Some(&team.ready_lane))
            } else {
                Edit::default()
            };
            e.milestone = Some(Some(to));
            (i.id, e)
        })
        .collect()
}

#[cfg(test)]
mod replan_tests {
    use super::*;
    use crate::core::testing::{issue, team};

    #[test]
    fn replan_moves_what_is_not_done_and_leaves_the_rest() {
        let t = team();
        let mk = |id, lanes: &[&str], m: Option<u64>, open: bool| {
            let mut labels = vec!["team::Datastores"];
            labels.extend_from_slice(lanes);
            let mut i = issue(id, id, &labels);
            i.milestone_id = m;
            if !open {
                i.state = IssueState::Closed;
            }
            i
        };
        let issues = vec![
            mk(1, &["workflow-infra::In Progress"], Some(45), true),
            mk(2, &["workflow-infra::Done"], Some(45), true),
            mk(3, &["workflow-infra::Ready"], Some(45), false),
            mk(4, &["workflow-infra::Blocked"], Some(45), true),
            mk(5, &["workflow-infra::Ready"], Some(47), true),
            mk(6, &[], Some(45), true),
            mk(7, &["workflow-infra::Cancelled"], Some(45), true),
            {
                let mut p = mk(8, &["workflow-infra::In Progress"], Some(45), true);
                p.title = "Datastores team - W45 Iteration Planning".into();
                p
            },
        ];
        let plan = replan(&issues, &t, 45, 47, false);
        let ids: Vec<u64> = plan.iter().map(|(id, _)| *id).collect();
        assert_eq!(
            ids,
            vec![1, 4, 6],
            "not Done, Cancelled, closed, nor the planning issue"
        );
        assert!(
            plan.iter()
                .all(|(_, e)| e.milestone == Some(Some(47)) && e.add_labels.is_empty())
        );
        let plan = replan(&issues, &t, 45, 47, true);
        assert_eq!(plan[0].1.add_labels, vec!["workflow-infra::Ready"]);
        assert_eq!(plan[0].1.remove_labels, vec!["workflow-infra::In Progress"]);
    }

    #[test]
    fn a_later_edit_merged_wins_field_by_field_and_cancels_what_it_undoes() {
        let mut a = Edit {
            add_labels: vec!["workflow-infra::Ready".into()],
            remove_labels: vec!["workflow-infra::Triage".into()],
            assign: vec![1],
            weight: Some(Some(3)),
            ..Edit::default()
        };
        a.merge(Edit {
            add_labels: vec!["workflow-infra::Triage".into()],
            unassign: vec![1],
            weight: Some(None),
            reorder: Some(Reorder {
                after: Some(7),
                before: None,
            }),
            ..Edit::default()
        });
        assert_eq!(
            a.add_labels,
            vec!["workflow-infra::Ready", "workflow-infra::Triage"]
        );
        assert!(a.remove_labels.is_empty());
        assert!(a.assign.is_empty());
        assert_eq!(a.unassign, vec![1]);
        assert_eq!(a.weight, Some(None));
        assert_eq!(a.reorder.map(|r| r.after), Some(Some(7)));
    }
}
