//! The team's workflow, once: what each action changes on an issue. The
//! board and every command of the command line ask here, so they cannot
//! disagree (take, promote, move, assign, unassign, milestone, weight,
//! close, reopen, priority, comment, and the re-plan of many issues). Pure.

use crate::core::domain::edit::{self, Edit};
use crate::core::domain::model::{
    Issue, IssueId, IssueState, Milestone, MilestoneId, MilestoneState, TeamConfig, User, UserId,
};

/// What a user asks of one issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// Assign me, the doing lane; from the backlog also the current iteration.
    Take,
    /// The ready lane and this milestone.
    Promote(MilestoneId),
    /// To a lane (out of Closed reopens).
    Lane(String),
    /// Out of every lane (the Open column).
    NoLane,
    /// The issue page's close: labels kept.
    Close,
    /// A move to the board's Closed list, as GitLab's board makes it:
    /// closed, and every lane label removed
    /// (`Boards::BaseItemMoveService#issuable_params` sends
    /// `remove_label_ids` of every list label of the board).
    ToClosed,
    Reopen,
    /// Exactly these assignees (the picker's choice).
    Assignees(Vec<UserId>),
    Assign(Vec<UserId>),
    Unassign(Vec<UserId>),
    Milestone(Option<MilestoneId>),
    Weight(Option<u32>),
    /// `priority::N`, or none with 0.
    Priority(u8),
    Comment(String),
    /// A new place in the issue's column: between these two cards, as
    /// GitLab's reorder takes it (`after` is the card above).
    Reorder {
        after: Option<IssueId>,
        before: Option<IssueId>,
        how: Placement,
    },
}

/// Where a reorder puts a card, in the summary's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Top,
    Bottom,
    Up,
    Down,
    /// Carried there (grab mode).
    Carried,
}

impl Placement {
    fn words(self) -> &'static str {
        match self {
            Placement::Top => "moved to the top",
            Placement::Bottom => "moved to the bottom",
            Placement::Up => "moved up",
            Placement::Down => "moved down",
            Placement::Carried => "moved",
        }
    }
}

/// What the workflow needs to know besides the issue.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub team: &'a TeamConfig,
    pub milestones: &'a [Milestone],
    pub members: &'a [User],
    pub me: Option<&'a User>,
    /// The team's current iteration (for take from the backlog).
    pub current: Option<MilestoneId>,
    /// GitLab Free: one assignee per issue, no weights (GitLab drops the
    /// rest silently, so the workflow never asks for them).
    pub free_tier: bool,
    /// Asked from the command line: what to do instead is said as
    /// commands, not as the board's keys.
    pub command_line: bool,
}

/// What GitLab Free cannot keep, in words.
pub const FREE_ONE_ASSIGNEE: &str = "this GitLab (Free) keeps one assignee per issue";
pub const FREE_NO_WEIGHT: &str = "this GitLab (Free) keeps no weights";
/// Said once, when glboard finds out.
pub const FREE_TIER_NOTICE: &str =
    "this GitLab is Free: one assignee per issue and no weights; glboard offers only what it keeps";

/// Why an action makes no change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The issue is already as asked.
    NothingToChange,
    /// It cannot be done (and why, in words for the user).
    Invalid(String),
    /// Not something this GitLab keeps (Free: several assignees, a
    /// weight): a usage error, asked differently it can be done.
    Unsupported(String),
}

/// The change an action makes, and how to say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub edit: Edit,
    pub summary: String,
}

fn member_names(ctx: &Context<'_>, ids: &[UserId]) -> String {
    if ids.is_empty() {
        return "nobody".into();
    }
    ids.iter()
        .map(|id| {
            ctx.members
                .iter()
                .chain(ctx.me)
                .find(|u| u.id == *id)
                .map_or(format!("user {id}"), |u| format!("@{}", u.username))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// GitLab lets an issue hold only its project's milestones and those of
/// the project's groups (any other is dropped without a word,
/// `IssuableBaseService#ensure_milestone_available`): refused before it
/// is sent, in words.
fn available(m: &Milestone, issue: &Issue) -> Result<(), Refusal> {
    match issue.project_path() {
        Some(project) if !m.available_to(&project) => Err(Refusal::Invalid(format!(
            "{} is not available to {project} (GitLab takes only the project's own milestones and its groups')",
            m.title
        ))),
        _ => Ok(()),
    }
}

/// Whether an issue counts as taken "from the backlog": it is in the
/// backlog lane or has no milestone. The board and the command line decide
/// by the issue, never by the screen it was taken from.
pub fn in_backlog(issue: &Issue, team: &TeamConfig) -> bool {
    issue.milestone_id.is_none() || team.lanes_of(issue).contains(&team.backlog_lane.as_str())
}

/// The change `intent` makes on `issue` (as the user sees it, pending
/// changes included); `name` names the issue in the summary.
pub fn plan(
    ctx: &Context<'_>,
    issue: &Issue,
    name: &str,
    intent: &Intent,
) -> Result<Planned, Refusal> {
    let team = ctx.team;
    let me = || {
        ctx.me
            .ok_or_else(|| Refusal::Invalid("who you are is not known yet: sync first".into()))
    };
    let milestone = |id: MilestoneId| -> Result<&Milestone, Refusal> {
        ctx.milestones
            .iter()
            .find(|m| m.id == id)
            .ok_or_else(|| Refusal::Invalid(format!("no milestone {id} in the cache")))
    };
    let (edit, summary) = match intent {
        Intent::Take => {
            let me = me()?;
            // Someone else's issue that went past the doing lane (under
            // review, blocked, done) is not silently taken back.
            let doing = team.lanes.iter().position(|l| *l == team.doing_lane);
            let furthest = team
                .lanes_of(issue)
                .iter()
                .filter_map(|l| team.lanes.iter().position(|k| k == l))
                .max();
            let others: Vec<String> = issue
                .assignees
                .iter()
                .filter(|u| u.id != me.id)
                .map(|u| format!("@{}", u.username))
                .collect();
            if let (Some(d), Some(f)) = (doing, furthest)
                && f > d
                && !others.is_empty()
                && issue.is_open()
            {
                let instead = if ctx.command_line {
                    format!(
                        "`glboard assign {name} {}` or `glboard move {name} LANE`",
                        me.username
                    )
                } else {
                    "assign yourself (a) or move it (m)".to_owned()
                };
                return Err(Refusal::Invalid(format!(
                    "{name} is in {} with {}: not taken; {instead} if you mean to",
                    team.lanes[f],
                    others.join(" ")
                )));
            }
            let mut e = edit::take(issue, team, me.id, ctx.current, in_backlog(issue, team));
            if ctx.free_tier && !others.is_empty() {
                // One assignee: taking it is replacing them, and said so.
                e.unassign = issue
                    .assignees
                    .iter()
                    .filter(|u| u.id != me.id)
                    .map(|u| u.id)
                    .collect();
                (
                    e,
                    format!(
                        "{name} taken by @{} (instead of {}: {FREE_ONE_ASSIGNEE}), {}",
                        me.username,
                        others.join(" "),
                        team.doing_lane
                    ),
                )
            } else {
                (
                    e,
                    format!("{name} taken by @{}, {}", me.username, team.doing_lane),
                )
            }
        }
        Intent::Promote(m) => {
            let m = milestone(*m)?;
            if m.state == MilestoneState::Closed {
                return Err(Refusal::Invalid(format!("{} is closed", m.title)));
            }
            available(m, issue)?;
            (
                edit::promote(issue, team, m.id),
                format!("{name} promoted to {}, {}", m.title, team.ready_lane),
            )
        }
        Intent::Lane(l) => {
            let Some(lane) = team.lanes.iter().find(|x| x.eq_ignore_ascii_case(l)) else {
                return Err(Refusal::Invalid(format!(
                    "no lane {l:?}; lanes: {}",
                    team.lanes.join(", ")
                )));
            };
            let mut e = edit::to_lane(issue, team, Some(lane));
            if !issue.is_open() {
                e.state = Some(IssueState::Opened);
            }
            (e, format!("{name} → {lane}"))
        }
        Intent::NoLane => {
            let mut e = edit::to_lane(issue, team, None);
            if !issue.is_open() {
                e.state = Some(IssueState::Opened);
            }
            (e, format!("{name} → no lane"))
        }
        Intent::Close => (
            Edit {
                state: issue.is_open().then_some(IssueState::Closed),
                ..Edit::default()
            },
            format!("{name} closed"),
        ),
        Intent::ToClosed => {
            let mut e = edit::to_lane(issue, team, None);
            e.state = issue.is_open().then_some(IssueState::Closed);
            (
                e,
                format!("{name} closed (moved to Closed: lane labels removed)"),
            )
        }
        Intent::Reopen => (
            Edit {
                state: (!issue.is_open()).then_some(IssueState::Opened),
                ..Edit::default()
            },
            format!("{name} reopened"),
        ),
        Intent::Assignees(chosen) | Intent::Assign(chosen) if ctx.free_tier && chosen.len() > 1 => {
            return Err(Refusal::Unsupported(format!(
                "{FREE_ONE_ASSIGNEE}: choose one"
            )));
        }
        Intent::Assign(ids) if ctx.free_tier => {
            // One assignee: assigning is replacing.
            let now: Vec<UserId> = issue.assignees.iter().map(|u| u.id).collect();
            let others: Vec<UserId> = now.iter().filter(|id| !ids.contains(id)).copied().collect();
            let instead = if others.is_empty() {
                String::new()
            } else {
                format!(
                    " (instead of {}: {FREE_ONE_ASSIGNEE})",
                    member_names(ctx, &others)
                )
            };
            (
                Edit {
                    assign: ids.iter().filter(|id| !now.contains(id)).copied().collect(),
                    unassign: others,
                    ..Edit::default()
                },
                format!("{name} assigned to {}{instead}", member_names(ctx, ids)),
            )
        }
        Intent::Weight(Some(_)) if ctx.free_tier => {
            return Err(Refusal::Unsupported(format!(
                "{FREE_NO_WEIGHT}: GitLab would drop it"
            )));
        }
        // GitLab keeps no weight on incidents, on any tier
        // (`EE::Issue#supports_weight?` is `!incident?`): not asked for.
        Intent::Weight(Some(_)) if issue.marks.incident => {
            return Err(Refusal::Unsupported(
                "GitLab keeps no weight on incidents: it would drop it".into(),
            ));
        }
        Intent::Assignees(chosen) => {
            let now: Vec<UserId> = issue.assignees.iter().map(|u| u.id).collect();
            (
                Edit {
                    assign: chosen
                        .iter()
                        .filter(|id| !now.contains(id))
                        .copied()
                        .collect(),
                    unassign: now
                        .iter()
                        .filter(|id| !chosen.contains(id))
                        .copied()
                        .collect(),
                    ..Edit::default()
                },
                format!("{name} assigned to {}", member_names(ctx, chosen)),
            )
        }
        Intent::Assign(ids) => (
            Edit {
                assign: ids
                    .iter()
                    .filter(|id| !issue.assignees.iter().any(|u| u.id == **id))
                    .copied()
                    .collect(),
                ..Edit::default()
            },
            format!("{name} assigned to {}", member_names(ctx, ids)),
        ),
        Intent::Unassign(ids) => {
            let ids = if ids.is_empty() {
                vec![me()?.id]
            } else {
                ids.clone()
            };
            let who = if ctx.me.is_some_and(|m| ids == [m.id]) {
                "you".to_owned()
            } else {
                member_names(ctx, &ids)
            };
            (
                Edit {
                    unassign: ids
                        .iter()
                        .filter(|id| issue.assignees.iter().any(|u| u.id == **id))
                        .copied()
                        .collect(),
                    ..Edit::default()
                },
                format!("{name}: unassigned {who}"),
            )
        }
        Intent::Milestone(m) => {
            let title = match m {
                Some(id) => {
                    let ms = milestone(*id)?;
                    if ms.state == MilestoneState::Closed {
                        return Err(Refusal::Invalid(format!("{} is closed", ms.title)));
                    }
                    available(ms, issue)?;
                    ms.title.clone()
                }
                None => "none".into(),
            };
            (
                Edit {
                    milestone: (issue.milestone_id != *m).then_some(*m),
                    ..Edit::default()
                },
                format!("{name} → milestone {title}"),
            )
        }
        Intent::Weight(w) => (
            Edit {
                weight: (issue.weight != *w).then_some(*w),
                ..Edit::default()
            },
            format!(
                "{name} weight {}",
                w.map_or("none".to_owned(), |w| w.to_string())
            ),
        ),
        Intent::Priority(p) => {
            let label = format!("priority::{p}");
            let mut e = Edit {
                remove_labels: issue
                    .labels
                    .iter()
                    .filter(|l| l.starts_with("priority::") && (*p == 0 || **l != label))
                    .cloned()
                    .collect(),
                ..Edit::default()
            };
            if *p > 0 && !issue.has_label(&label) {
                e.add_labels.push(label.clone());
            }
            let what = if *p == 0 {
                "no priority".to_owned()
            } else {
                label
            };
            (e, format!("{name}: {what}"))
        }
        Intent::Reorder { after, before, how } => {
            if after.is_none() && before.is_none() {
                return Err(Refusal::NothingToChange);
            }
            if *after == Some(issue.id) || *before == Some(issue.id) {
                return Err(Refusal::Invalid(format!(
                    "{name} cannot be placed beside itself"
                )));
            }
            (
                Edit {
                    reorder: Some(edit::Reorder {
                        after: *after,
                        before: *before,
                    }),
                    ..Edit::default()
                },
                format!("{name} {}", how.words()),
            )
        }
        Intent::Comment(body) => {
            let body = body.trim();
            if body.is_empty() {
                return Err(Refusal::Invalid("empty comment: nothing sent".into()));
            }
            (
                Edit {
                    comment: Some(body.to_owned()),
                    ..Edit::default()
                },
                format!("{name}: comment"),
            )
        }
    };
    if edit.is_empty() {
        return Err(Refusal::NothingToChange);
    }
    Ok(Planned { edit, summary })
}

/// Several intents on one issue as one change (a carried card dropped in
/// another lane at a new place): each planned over the issue as the ones
/// before leave it; the summary is the first change's. Intents that change
/// nothing are left out; none changing anything is `NothingToChange`.
pub fn plan_together(
    ctx: &Context<'_>,
    issue: &Issue,
    name: &str,
    intents: &[Intent],
) -> Result<Planned, Refusal> {
    let mut now = issue.clone();
    let mut all: Option<Planned> = None;
    for intent in intents {
        let p = match plan(ctx, &now, name, intent) {
            Ok(p) => p,
            Err(Refusal::NothingToChange) => continue,
            Err(e) => return Err(e),
        };
        edit::apply(&mut now, &p.edit, ctx.members);
        all = Some(match all {
            None => p,
            Some(mut a) => {
                a.edit.merge(p.edit);
                a
            }
        });
    }
    all.ok_or(Refusal::NothingToChange)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{issue, team, user};

    fn ctx<'a>(t: &'a TeamConfig, me: &'a User, ms: &'a [Milestone]) -> Context<'a> {
        Context {
            team: t,
            milestones: ms,
            members: std::slice::from_ref(me),
            me: Some(me),
            current: Some(45),
            free_tier: false,
            command_line: false,
        }
    }

    fn ms(id: u64, closed: bool) -> Milestone {
        let mut m =
            crate::core::testing::milestone(id, &format!("Datastores team - W{id}"), None, None);
        if closed {
            m.state = MilestoneState::Closed;
        }
        m
    }

    #[test]
    fn take_from_the_backlog_is_decided_by_the_issue_not_the_screen() {
        let t = team();
        let me = user(7, "zoe", "Zoë");
        let m = [ms(45, false)];
        let c = ctx(&t, &me, &m);
        // In Triage with a milestone: from the backlog, so into the current iteration.
        let mut triage = issue(1, 1, &["team::Datastores", "workflow-infra::Triage"]);
        triage.milestone_id = Some(40);
        let p = plan(&c, &triage, "#1", &Intent::Take).unwrap();
        assert_eq!(p.edit.milestone, Some(Some(45)));
        assert_eq!(p.edit.assign, vec![7]);
        // Ready in another iteration: stays there.
        let mut ready = issue(2, 2, &["team::Datastores", "workflow-infra::Ready"]);
        ready.milestone_id = Some(46);
        let p = plan(&c, &ready, "#2", &Intent::Take).unwrap();
        assert_eq!(p.edit.milestone, None);
        assert_eq!(p.edit.add_labels, vec!["workflow-infra::In Progress"]);
    }

    #[test]
    fn someone_elses_issue_under_review_is_not_taken_back_silently() {
        let t = team();
        let me = user(7, "zoe", "Zoë");
        let m = [ms(45, false)];
        let c = ctx(&t, &me, &m);
        let mut i = issue(1, 1, &["team::Datastores", "workflow-infra::Under Review"]);
        i.milestone_id = Some(45);
        i.assignees = vec![user(8, "ben", "Ben")];
        let why = plan(&c, &i, "#1", &Intent::Take).unwrap_err();
        assert!(
            matches!(&why, Refusal::Invalid(m) if m.contains("Under Review") && m.contains("@ben")),
            "{why:?}"
        );
        assert!(
            matches!(&why, Refusal::Invalid(m) if m.contains("(a)") && m.contains("(m)")),
            "the board's keys on the board: {why:?}"
        );
        // From the command line: commands, not the board's keys.
        let cli = Context {
            command_line: true,
            ..c
        };
        let why = plan(&cli, &i, "#1", &Intent::Take).unwrap_err();
        assert!(
            matches!(&why, Refusal::Invalid(m) if m.contains("`glboard assign #1 zoe`")
                && m.contains("`glboard move #1 LANE`")
                && !m.contains("(a)")),
            "{why:?}"
        );
        // Unassigned, or mine: taken as usual.
        i.assignees.clear();
        assert!(plan(&c, &i, "#1", &Intent::Take).is_ok());
    }

    #[test]
    fn nothing_to_change_and_invalid_requests_are_told_apart() {
        let t = team();
        let me = user(7, "zoe", "Zoë");
        let m = [ms(45, false), ms(44, true)];
        let c = ctx(&t, &me, &m);
        let i = issue(1, 1, &["team::Datastores", "workflow-infra::Ready"]);
        assert_eq!(
            plan(&c, &i, "#1", &Intent::Lane("ready".into())),
            Err(Refusal::NothingToChange)
        );
        assert!(matches!(
            plan(&c, &i, "#1", &Intent::Lane("Nowhere".into())),
            Err(Refusal::Invalid(_))
        ));
        assert!(matches!(
            plan(&c, &i, "#1", &Intent::Milestone(Some(44))),
            Err(Refusal::Invalid(m)) if m.contains("closed")
        ));
        assert_eq!(
            plan(&c, &i, "#1", &Intent::Reopen),
            Err(Refusal::NothingToChange)
        );
        let p = plan(&c, &i, "#1", &Intent::Close).unwrap();
        assert_eq!(p.edit.state, Some(IssueState::Closed));
        assert!(
            p.edit.remove_labels.is_empty(),
            "the issue page's close keeps labels"
        );
    }

    #[test]
    fn an_incident_is_never_given_a_weight_gitlab_would_drop() {
        let t = team();
        let me = user(7, "zoe", "Zoë");
        let c = ctx(&t, &me, &[]);
        let mut i = issue(1, 1, &["team::Datastores"]);
        i.marks.incident = true;
        assert!(matches!(
            plan(&c, &i, "#1", &Intent::Weight(Some(3))),
            Err(Refusal::Unsupported(m)) if m.contains("incidents")
        ));
    }

    #[test]
    fn a_move_to_closed_closes_and_removes_the_lane_labels_as_the_board_does() {
        let t = team();
        let me = user(7, "zoe", "Zoë");
        let c = ctx(&t, &me, &[]);
        let i = issue(
            1,
            1,
            &[
                "team::Datastores",
                "workflow-infra::Done",
                "workflow-infra::Ready",
            ],
        );
        let p = plan(&c, &i, "#1", &Intent::ToClosed).unwrap();
        assert_eq!(p.edit.state, Some(IssueState::Closed));
        let mut removed = p.edit.remove_labels.clone();
        removed.sort();
        assert_eq!(
            removed,
            vec!["workflow-infra::Done", "workflow-infra::Ready"]
        );
        assert!(p.edit.add_labels.is_empty());
        // Closed and without lanes already: nothing to do.
        let mut closed = issue(2, 2, &["team::Datastores"]);
        closed.state = IssueState::Closed;
        assert_eq!(
            plan(&c, &closed, "#2", &Intent::ToClosed),
            Err(Refusal::NothingToChange)
        );
        // Closed with its lane (closed from the issue page): the label goes.
        let mut page = issue(3, 3, &["team::Datastores", "workflow-infra::Done"]);
        page.state = IssueState::Closed;
        let p = plan(&c, &page, "#3", &Intent::ToClosed).unwrap();
        assert_eq!(p.edit.state, None);
        assert_eq!(p.edit.remove_labels, vec!["workflow-infra::Done"]);
    }

    #[test]
    fn priorities_keep_exactly_one_label() {
        let t = team();
        let me = user(7, "zoe", "Zoë");
        let c = ctx(&t, &me, &[]);
        let i = issue(1, 1, &["priority::2", "priority::3"]);
        let p = plan(&c, &i, "#1", &Intent::Priority(2)).unwrap();
        assert_eq!(p.edit.remove_labels, vec!["priority::3"]);
        assert!(p.edit.add_labels.is_empty());
        let p = plan(&c, &i, "#1", &Intent::Priority(0)).unwrap();
        assert_eq!(p.edit.remove_labels.len(), 2);
    }

    #[test]
    fn on_gitlab_free_take_replaces_and_nothing_asks_for_what_free_drops() {
        let t = team();
        let me = user(7, "zoe", "Zoë");
        let m = [ms(45, false)];
        let mut c = ctx(&t, &me, &m);
        c.free_tier = true;
        let mut i = issue(1, 1, &["team::Datastores", "workflow-infra::Ready"]);
        i.milestone_id = Some(45);
        i.assignees = vec![user(8, "ben", "Ben")];
        let p = plan(&c, &i, "#1", &Intent::Take).unwrap();
        assert_eq!(
            (p.edit.assign.clone(), p.edit.unassign.clone()),
            (vec![7], vec![8])
        );
        assert!(p.summary.contains("instead of @ben"), "{}", p.summary);
        let p = plan(&c, &i, "#1", &Intent::Assign(vec![7])).unwrap();
        assert_eq!(p.edit.unassign, vec![8], "assigning replaces");
        assert!(matches!(
            plan(&c, &i, "#1", &Intent::Assign(vec![7, 8])),
            Err(Refusal::Unsupported(why)) if why.contains("one assignee")
        ));
        assert!(matches!(
            plan(&c, &i, "#1", &Intent::Weight(Some(3))),
            Err(Refusal::Unsupported(why)) if why.contains("no weights")
        ));
    }
}
