//! When a change conflicts: a field it touches that someone else changed on
//! GitLab since the change was made. GitLab's value is fine when it is what
//! the user saw, what the change leads to (a resend after a lost answer),
//! or what an earlier change of glboard's (from any process) led to. Pure.

use crate::core::domain::edit::{Change, Seen};
use crate::core::domain::model::{Issue, TeamConfig, label_scope};

/// The fields a change touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fields {
    pub lanes: bool,
    pub milestone: bool,
    pub assignees: bool,
    pub state: bool,
    pub weight: bool,
    pub description: bool,
}

impl Fields {
    pub fn of(change: &Change, team: &TeamConfig) -> Fields {
        let e = &change.edit;
        Fields {
            lanes: e
                .add_labels
                .iter()
                .chain(&e.remove_labels)
                .any(|l| label_scope(l) == Some(team.workflow_scope.as_str())),
            milestone: e.milestone.is_some(),
            assignees: !e.assign.is_empty() || !e.unassign.is_empty(),
            state: e.state.is_some(),
            weight: e.weight.is_some(),
            description: e.description.is_some(),
        }
    }
}

/// What the change leads to, from what the user saw.
pub fn target(change: &Change, team: &TeamConfig) -> Seen {
    let e = &change.edit;
    let seen = &change.seen;
    let scope = |l: &String| label_scope(l) == Some(team.workflow_scope.as_str());
    let mut lanes: Vec<String> = seen
        .lanes
        .iter()
        .filter(|l| !e.remove_labels.contains(l))
        .cloned()
        .chain(e.add_labels.iter().filter(|l| scope(l)).cloned())
        .collect();
    lanes.sort();
    lanes.dedup();
    let mut assignees: Vec<u64> = seen
        .assignees
        .iter()
        .copied()
        .filter(|a| !e.unassign.contains(a))
        .chain(e.assign.iter().copied())
        .collect();
    assignees.sort_unstable();
    assignees.dedup();
    Seen {
        lanes,
        milestone: e.milestone.unwrap_or(seen.milestone),
        assignees,
        state: e.state.or(seen.state),
        weight: e.weight.unwrap_or(seen.weight),
    }
}

/// How a conflict's reason starts: glboard found it, GitLab refused nothing.
pub const CONFLICT: &str = "conflict: ";

/// Why a change was not sent: a field someone else changed on GitLab
/// since the user saw it. Kept as its text ([`Conflict`]'s `Display`, which
/// starts with [`CONFLICT`]) among the reasons GitLab gave for refusing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// Its lanes now (none, one someone else set, or two on Premium).
    Lane {
        now: Vec<String>,
    },
    Milestone,
    /// Its assignees' usernames now.
    Assignees {
        now: Vec<String>,
    },
    /// Closed or reopened.
    State,
    Weight,
    Description,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(CONFLICT)?;
        match self {
            Conflict::Lane { now } if now.is_empty() => {
                f.write_str("its lane changed on GitLab meanwhile (now none)")
            }
            Conflict::Lane { now } => write!(
                f,
                "its lane changed on GitLab meanwhile (now {})",
                now.join(", ")
            ),
            Conflict::Milestone => f.write_str("its milestone changed on GitLab meanwhile"),
            Conflict::Assignees { now } if now.is_empty() => {
                f.write_str("its assignees changed on GitLab meanwhile (now nobody)")
            }
            Conflict::Assignees { now } => {
                f.write_str("its assignees changed on GitLab meanwhile (now")?;
                for u in now {
                    write!(f, " @{u}")?;
                }
                f.write_str(")")
            }
            Conflict::State => f.write_str("it was closed or reopened on GitLab meanwhile"),
            Conflict::Weight => f.write_str("its weight changed on GitLab meanwhile"),
            Conflict::Description => f.write_str(
                "its description was edited on GitLab meanwhile (nothing overwritten: write it again over the new text)",
            ),
        }
    }
}

/// A problem's reason, as the outbox keeps it (text): a conflict glboard
/// found, or what GitLab said when it refused the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem<'a> {
    /// What changed meanwhile (the text after [`CONFLICT`]).
    Conflict(&'a str),
    /// GitLab's answer (or why the change could not be sent).
    Refused(&'a str),
}

impl<'a> Problem<'a> {
    /// A reason read back from the outbox.
    pub fn of(reason: &'a str) -> Problem<'a> {
        match reason.strip_prefix(CONFLICT) {
            Some(why) => Problem::Conflict(why),
            None => Problem::Refused(reason),
        }
    }
}

/// Whether a problem's reason is a conflict glboard found (not a refusal).
pub fn is_conflict(reason: &str) -> bool {
    matches!(Problem::of(reason), Problem::Conflict(_))
}

/// A problem in words, the same in the board's messages and the CLI's:
/// "conflict: its lane changed on GitLab meanwhile (now Blocked)" or
/// "GitLab refused: 404 Not Found".
pub fn problem_text(reason: &str) -> String {
    match Problem::of(reason) {
        Problem::Conflict(_) => reason.to_owned(),
        Problem::Refused(why) => format!("GitLab refused: {why}"),
    }
}

/// "2 refused · 1 conflict": what waits in the problems panel.
pub fn problems_count<'a>(reasons: impl IntoIterator<Item = &'a str>) -> String {
    let (mut conflicts, mut refused) = (0, 0);
    for r in reasons {
        match Problem::of(r) {
            Problem::Conflict(_) => conflicts += 1,
            Problem::Refused(_) => refused += 1,
        }
    }
    let mut parts = Vec::new();
    if refused > 0 {
        parts.push(format!("{refused} refused"));
    }
    match conflicts {
        0 => {}
        1 => parts.push("1 conflict".into()),
        n => parts.push(format!("{n} conflicts")),
    }
    parts.join(" · ")
}

/// A field the change touches that someone else changed since the user saw
/// it; `earlier` are glboard's own changes to the issue that GitLab applied
/// before this one (their results are ours, not someone else's).
pub fn conflict(
    change: &Change,
    fresh: &Issue,
    team: &TeamConfig,
    earlier: &[Change],
) -> Option<Conflict> {
    let touched = Fields::of(change, team);
    let now = Seen::of(fresh, team);
    let mut fine = vec![change.seen.clone(), target(change, team)];
    fine.extend(earlier.iter().map(|c| target(c, team)));
    let ok = |f: &dyn Fn(&Seen) -> bool| fine.iter().any(f);
    if touched.lanes && !ok(&|s| s.lanes == now.lanes) {
        let now = team
            .lanes_of(fresh)
            .into_iter()
            .map(str::to_owned)
            .collect();
        return Some(Conflict::Lane { now });
    }
    if touched.milestone && !ok(&|s| s.milestone == now.milestone) {
        return Some(Conflict::Milestone);
    }
    if touched.assignees && !ok(&|s| s.assignees == now.assignees) {
        let now = fresh.assignees.iter().map(|u| u.username.clone()).collect();
        return Some(Conflict::Assignees { now });
    }
    if touched.state && !ok(&|s| s.state == now.state) {
        return Some(Conflict::State);
    }
    if touched.weight && !ok(&|s| s.weight == now.weight) {
        return Some(Conflict::Weight);
    }
    if let Some(d) = &change.edit.description {
        // Raw with raw: GitLab's bytes against what the user saw.
        let now = fresh.raw_description();
        let fine = now == d.before
            || now == d.text
            || earlier
                .iter()
                .filter_map(|c| c.edit.description.as_ref())
                .any(|e| e.text == now);
        if !fine {
            return Some(Conflict::Description);
        }
    }
    None
}

/// A refused change to retry, without what newer changes (queued or
/// applied, from any process) set since: retrying never reverts a newer
/// change of the same field. `None` when nothing is left to send.
pub fn without_superseded(change: &Change, newer: &[Change], team: &TeamConfig) -> Option<Change> {
    let mut c = change.clone();
    let mut later = Fields::default();
    for n in newer {
        let f = Fields::of(n, team);
        later.lanes |= f.lanes;
        later.milestone |= f.milestone;
        later.assignees |= f.assignees;
        later.state |= f.state;
        later.weight |= f.weight;
        later.description |= f.description;
    }
    let e = &mut c.edit;
    if later.lanes {
        let scope = |l: &String| label_scope(l) == Some(team.workflow_scope.as_str());
        e.add_labels.retain(|l| !scope(l));
        e.remove_labels.retain(|l| !scope(l));
    }
    if later.milestone {
        e.milestone = None;
    }
    if later.assignees {
        e.assign.clear();
        e.unassign.clear();
    }
    if later.state {
        e.state = None;
    }
    if later.weight {
        e.weight = None;
    }
    if later.description {
        e.description = None;
    }
    (!c.edit.is_empty()).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::edit::{Edit, to_lane};
    use crate::core::testing::{issue, team, user};

    fn change(id: u64, seen: &Issue, edit: Edit) -> Change {
        Change {
            id,
            issue: seen.id,
            seen: Seen::of(seen, &team()),
            edit,
            ..Change::default()
        }
    }

    fn lane(i: &Issue, l: &str) -> Issue {
        let mut j = i.clone();
        let t = team();
        crate::core::domain::edit::apply(&mut j, &to_lane(i, &t, Some(l)), &[]);
        j
    }

    #[test]
    fn an_earlier_change_of_ours_is_not_a_conflict() {
        // L L offline (Under Review, then Blocked), both applied: the first
        // one resent after a lost answer finds Blocked, which is ours.
        let t = team();
        let ip = issue(1, 1, &["team::Datastores", "workflow-infra::In Progress"]);
        let ur = lane(&ip, "Under Review");
        let first = change(1, &ip, to_lane(&ip, &t, Some("Under Review")));
        let second = change(2, &ur, to_lane(&ur, &t, Some("Blocked")));
        let blocked = lane(&ur, "Blocked");
        // The second against GitLab after the first: fine.
        assert_eq!(
            conflict(&second, &ur, &t, std::slice::from_ref(&first)),
            None
        );
        // Someone else moved it to Ready instead: a conflict.
        let ready = lane(&ip, "Ready");
        assert!(conflict(&second, &ready, &t, std::slice::from_ref(&first)).is_some());
        // A retry of the first after the second was applied: superseded.
        assert_eq!(without_superseded(&first, &[second], &t), None);
        let _ = blocked;
    }

    #[test]
    fn a_change_of_ours_whose_answer_was_lost_is_applied_for_every_field() {
        // Issue #19: GitLab applied the change, the answer never came, the
        // resend finds GitLab already as the change leaves it; and the next
        // change, made on a board that showed the first one pending, finds
        // the first one's result. Neither is someone else's edit.
        let t = team();
        let i = issue(1, 1, &["team::Datastores", "workflow-infra::Ready"]);
        let edits: Vec<(&str, Edit, Edit)> = vec![
            (
                "lane",
                to_lane(&i, &t, Some("In Progress")),
                to_lane(&lane(&i, "In Progress"), &t, Some("Blocked")),
            ),
            (
                "assignees",
                Edit {
                    assign: vec![7],
                    ..Edit::default()
                },
                Edit {
                    unassign: vec![7],
                    ..Edit::default()
                },
            ),
            (
                "milestone",
                Edit {
                    milestone: Some(Some(3)),
                    ..Edit::default()
                },
                Edit {
                    milestone: Some(Some(4)),
                    ..Edit::default()
                },
            ),
            (
                "weight",
                Edit {
                    weight: Some(Some(3)),
                    ..Edit::default()
                },
                Edit {
                    weight: Some(Some(4)),
                    ..Edit::default()
                },
            ),
            (
                "state",
                Edit {
                    state: Some(crate::core::domain::model::IssueState::Closed),
                    ..Edit::default()
                },
                Edit {
                    state: Some(crate::core::domain::model::IssueState::Opened),
                    ..Edit::default()
                },
            ),
            (
                "order",
                Edit {
                    reorder: Some(crate::core::domain::edit::Reorder {
                        after: Some(5),
                        before: None,
                    }),
                    ..Edit::default()
                },
                Edit {
                    reorder: Some(crate::core::domain::edit::Reorder {
                        after: None,
                        before: Some(5),
                    }),
                    ..Edit::default()
                },
            ),
        ];
        let zoe = [user(7, "zoe", "Z")];
        for (field, e1, e2) in edits {
            let first = change(1, &i, e1.clone());
            let mut applied = i.clone();
            crate::core::domain::edit::apply(&mut applied, &e1, &zoe);
            assert_eq!(
                conflict(&first, &applied, &t, &[]),
                None,
                "{field}: a resend after a lost answer"
            );
            // The second, made while the first showed as pending.
            let second = change(2, &applied, e2.clone());
            assert_eq!(
                conflict(&second, &applied, &t, std::slice::from_ref(&first)),
                None,
                "{field}: the next change over the first"
            );
            // The second, made on a board that had not seen the first
            // (another process's stale snapshot): the first is ours too.
            let stale = change(2, &i, e2.clone());
            assert_eq!(
                conflict(&stale, &applied, &t, std::slice::from_ref(&first)),
                None,
                "{field}: over a stale board"
            );
            // The second resent after its own answer was lost.
            let mut both = applied.clone();
            crate::core::domain::edit::apply(&mut both, &e2, &zoe);
            assert_eq!(
                conflict(&second, &both, &t, std::slice::from_ref(&first)),
                None,
                "{field}: the second resent"
            );
        }
    }

    #[test]
    fn a_retry_keeps_the_fields_no_newer_change_touched() {
        let t = team();
        let i = issue(1, 1, &["team::Datastores", "workflow-infra::Ready"]);
        let mut e = to_lane(&i, &t, Some("In Progress"));
        e.weight = Some(Some(3));
        let old = change(1, &i, e);
        let newer = change(2, &i, to_lane(&i, &t, Some("Blocked")));
        let kept = without_superseded(&old, &[newer], &t).unwrap();
        assert!(kept.edit.add_labels.is_empty() && kept.edit.remove_labels.is_empty());
        assert_eq!(kept.edit.weight, Some(Some(3)));
    }

    #[test]
    fn a_conflict_says_what_changed_in_the_words_the_outbox_keeps() {
        let said = |c: Conflict| c.to_string();
        assert_eq!(
            said(Conflict::Lane { now: vec![] }),
            "conflict: its lane changed on GitLab meanwhile (now none)"
        );
        assert_eq!(
            said(Conflict::Lane {
                now: vec!["Blocked".into(), "Ready".into()]
            }),
            "conflict: its lane changed on GitLab meanwhile (now Blocked, Ready)"
        );
        assert_eq!(
            said(Conflict::Assignees { now: vec![] }),
            "conflict: its assignees changed on GitLab meanwhile (now nobody)"
        );
        assert_eq!(
            said(Conflict::Assignees {
                now: vec!["ann".into(), "ben".into()]
            }),
            "conflict: its assignees changed on GitLab meanwhile (now @ann @ben)"
        );
        assert_eq!(
            said(Conflict::Milestone),
            "conflict: its milestone changed on GitLab meanwhile"
        );
        assert_eq!(
            said(Conflict::State),
            "conflict: it was closed or reopened on GitLab meanwhile"
        );
        assert_eq!(
            said(Conflict::Weight),
            "conflict: its weight changed on GitLab meanwhile"
        );
        assert!(said(Conflict::Description).starts_with(
            "conflict: its description was edited on GitLab meanwhile (nothing overwritten"
        ));
        // Read back from the outbox: a conflict, or what GitLab said.
        let text = said(Conflict::Weight);
        assert_eq!(
            Problem::of(&text),
            Problem::Conflict("its weight changed on GitLab meanwhile")
        );
        assert_eq!(
            Problem::of("409 Conflict"),
            Problem::Refused("409 Conflict")
        );
        assert_eq!(Problem::of("conflict"), Problem::Refused("conflict"));
    }

    #[test]
    fn someone_elses_assignee_is_a_conflict_and_a_lost_answer_is_not() {
        let t = team();
        let mut i = issue(1, 1, &[]);
        i.assignees = vec![user(7, "zoe", "Z")];
        let c = change(
            1,
            &i,
            Edit {
                unassign: vec![7],
                ..Edit::default()
            },
        );
        let mut applied = i.clone();
        applied.assignees.clear();
        assert_eq!(conflict(&c, &applied, &t, &[]), None);
        let mut other = i.clone();
        other.assignees = vec![user(8, "max", "M")];
        let why = conflict(&c, &other, &t, &[]).unwrap();
        assert_eq!(
            why,
            Conflict::Assignees {
                now: vec!["max".into()]
            }
        );
        let why = why.to_string();
        assert_eq!(
            why,
            "conflict: its assignees changed on GitLab meanwhile (now @max)"
        );
        // Said as a conflict glboard found, never as something GitLab refused.
        assert!(is_conflict(&why));
        assert_eq!(problem_text(&why), why);
        assert!(!problem_text(&why).contains("refused"));
        assert_eq!(
            problem_text("404 Not Found"),
            "GitLab refused: 404 Not Found"
        );
        assert_eq!(problems_count([why.as_str()]), "1 conflict");
        assert_eq!(
            problems_count([why.as_str(), "403", why.as_str()]),
            "1 refused · 2 conflicts"
        );
    }
}
