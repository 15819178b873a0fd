//! The board's workflow commands, one key each: take, promote, move
//! between lanes, reorder, priority, assign, milestone, weight, comment,
//! close or reopen, undo, quick views, picking up a card (grab), and the
//! ways into the screens that have a module of their own (problems,
//! re-plan, lane integrity, new issue, planning issue). The pickers these
//! keys open are built here; what choosing in one does is in
//! [`crate::core::app::screens::picker`]. Every change is applied to the board at once
//! (optimistic) and handed to the adapters as [`Effect::Enqueue`]; nothing
//! here waits on GitLab.

use crate::core::app::action::Effect;
use crate::core::app::bulk::act;
use crate::core::app::command::Command;
use crate::core::app::commit::{reorder_edit, undo};
use crate::core::app::new_issue::{self, DRAFT};
use crate::core::app::picker::{PickItem, PickPurpose, PickValue, Picker};
use crate::core::app::screens::Mode;
use crate::core::app::screens::confirm::ConfirmScreen;
use crate::core::app::screens::grab::GrabScreen;
use crate::core::app::screens::input::InputPurpose;
use crate::core::app::screens::input::InputScreen;
use crate::core::app::screens::integrity;
use crate::core::app::screens::problems;
use crate::core::app::screens::replan;
use crate::core::app::state::AppState;
use crate::core::domain::board::{BoardKind, ColumnKind, SortMode};
use crate::core::domain::edit::{self, Edit};
use crate::core::domain::iteration;
use crate::core::domain::model::{Issue, IssueId, IssueState, Milestone, MilestoneState};
use crate::core::domain::workflow::{Intent, Placement};
use crate::core::planning;

/// Run a workflow command from the board; `None` when `cmd` is not one.
pub fn board_action(state: &mut AppState, cmd: Command) -> Option<Vec<Effect>> {
    let effects = match cmd {
        Command::ShowProblems => problems::show_problems(state),
        Command::Undo => undo(state),
        Command::PlanningIssue => planning::issue::planning_issue(state),
        Command::WriteSummary => planning::issue::write_summary(state),
        Command::Replan => replan::open_replan(state),
        Command::ShowIntegrity => integrity::show_integrity(state),
        Command::ShowChanges => crate::core::app::screens::changes::show_changes(state),
        Command::ShowInsights => crate::core::app::screens::insights::show_insights(state),
        Command::SwitchProfile => open_profile_picker(state),
        Command::ShowNext => crate::core::app::screens::next::show_next(state),
        Command::QuickView => {
            state.board.quick = state.board.quick.next(state.settings.saved_views.len());
            state.relayout();
            let n = state.board.layout.card_count();
            state.status.info(format!(
                "view: {} ({n} cards)",
                state.board.quick.name(&state.settings.saved_views)
            ));
            Vec::new()
        }
        Command::JumpMilestone => {
            let new = edit::NewIssue {
                project: 0,
                title: String::new(),
                description: String::new(),
                labels: vec![],
                milestone: None,
            };
            let shown = Issue {
                milestone_id: state.board.milestone,
                ..edit::placeholder(0, &new, None, None)
            };
            open_milestone_picker(state, &shown, PickPurpose::Browse)
        }
        Command::Create => new_issue::start_new_issue(state),
        Command::MarkCard => crate::core::app::bulk::toggle(state),
        Command::Custom(n) => {
            crate::core::app::custom_command::run::run(state, usize::from(n), None)
        }
        Command::MarkColumn => crate::core::app::bulk::column(state),
        Command::MarkShown => crate::core::app::bulk::shown(state),
        _ => match state.selected_issue() {
            Some(i) => {
                let id = i.id;
                return card_action(state, cmd, id);
            }
            None if card_command(cmd).is_some() => {
                state.status.info("no card selected");
                Vec::new()
            }
            None => return None,
        },
    };
    Some(effects)
}

/// Run a workflow command on one issue (the selected card, or the detail
/// pane's issue); `None` when `cmd` is not one.
pub fn card_action(state: &mut AppState, cmd: Command, id: IssueId) -> Option<Vec<Effect>> {
    if cmd == Command::Undo {
        return Some(undo(state));
    }
    let on_card = card_command(cmd)?;
    let Some(issue) = state.ws.issue(id).cloned() else {
        state.status.info("this issue is no longer in the cache");
        return Some(Vec::new());
    };
    if issue.iid == 0 {
        state
            .status
            .info("this issue is still being created on GitLab");
        return Some(Vec::new());
    }
    Some(on_card(state, issue))
}

/// What a card action does to its card's issue.
type OnCard = Box<dyn FnOnce(&mut AppState, Issue) -> Vec<Effect>>;

/// The card actions, each with what it does to its card: the one list of
/// them (a key on the board or in the detail pane raises them); `None`
/// when `cmd` is not one.
fn card_command(cmd: Command) -> Option<OnCard> {
    Some(match cmd {
        Command::Take => Box::new(|state, issue| take(state, &issue)),
        Command::Promote => Box::new(|state, issue| promote_here(state, &issue)),
        Command::PromotePick => {
            Box::new(|state, issue| open_milestone_picker(state, &issue, PickPurpose::Promote))
        }
        Command::PickMilestone => {
            Box::new(|state, issue| open_milestone_picker(state, &issue, PickPurpose::Milestone))
        }
        Command::MoveLaneLeft => Box::new(|state, issue| move_lane(state, &issue, -1)),
        Command::MoveLaneRight => Box::new(|state, issue| move_lane(state, &issue, 1)),
        Command::PickLane => Box::new(|state, issue| open_lane_picker(state, &issue)),
        Command::MoveCardTop => Box::new(|state, issue| reorder(state, &issue, i64::MIN / 4)),
        Command::MoveCardBottom => Box::new(|state, issue| reorder(state, &issue, i64::MAX / 4)),
        Command::SetPriority(p) => {
            Box::new(move |state, issue| act(state, &issue, Intent::Priority(p)))
        }
        Command::MoveCardUp => Box::new(|state, issue| reorder(state, &issue, -1)),
        Command::MoveCardDown => Box::new(|state, issue| reorder(state, &issue, 1)),
        Command::PickAssignees => Box::new(|state, issue| open_member_picker(state, &issue)),
        Command::UnassignMe => Box::new(|state, issue| unassign_me(state, &issue)),
        Command::Weight => Box::new(|state, issue| weight(state, &issue)),
        Command::Comment => Box::new(|state, issue| comment(state, &issue)),
        Command::CloseReopen => Box::new(|state, issue| close_reopen(state, &issue)),
        Command::OpenInBrowser => Box::new(|state, issue| open_url(state, &issue.web_url)),
        Command::CopyUrl => Box::new(|state, issue| {
            state.status.info(format!("copied {}", issue.web_url));
            vec![Effect::Copy(issue.web_url)]
        }),
        Command::Grab => Box::new(grab),
        _ => return None,
    })
}

/// `p`: into the iteration planning mode shows, else the current one.
fn promote_here(state: &mut AppState, issue: &Issue) -> Vec<Effect> {
    if state.board.kind == BoardKind::Planning {
        return match state.board.milestone {
            Some(m) if issue.milestone_id != Some(m) => promote(state, issue, m),
            Some(_) => warn(state, "already in this iteration"),
            None => warn(state, "no iteration to plan into"),
        };
    }
    match state.board.iteration.current {
        Some(m) => promote(state, issue, m),
        None => warn(state, "the team has no current iteration to promote to"),
    }
}

/// `w`: a prompt for the weight (GitLab Free drops weights).
fn weight(state: &mut AppState, issue: &Issue) -> Vec<Effect> {
    if state.ws.free_tier {
        return warn(
            state,
            &format!(
                "{}: GitLab would drop it",
                crate::core::domain::workflow::FREE_NO_WEIGHT
            ),
        );
    }
    state.focus.mode = Mode::Input(InputScreen {
        purpose: InputPurpose::Weight,
        issue: issue.id,
        text: String::new(),
    });
    Vec::new()
}

/// `c`: a comment written in `$EDITOR`, else in a prompt.
fn comment(state: &mut AppState, issue: &Issue) -> Vec<Effect> {
    if state.settings.editor {
        let header = format!(
            "Comment on {} {}\nSave with nothing above the line to cancel.",
            state.short_ref(issue),
            issue.title
        );
        return vec![Effect::Compose {
            issue: issue.id,
            header,
        }];
    }
    state.focus.mode = Mode::Input(InputScreen {
        purpose: InputPurpose::Comment,
        issue: issue.id,
        text: String::new(),
    });
    Vec::new()
}

/// `x`: close (or reopen) the issue, or the marked ones, once confirmed.
fn close_reopen(state: &mut AppState, issue: &Issue) -> Vec<Effect> {
    let (verb, to) = if issue.is_open() {
        ("Close", IssueState::Closed)
    } else {
        ("Reopen", IssueState::Opened)
    };
    if !state.marked.is_empty() {
        // Marked cards: closed, or reopened when the acting card is closed.
        let n = crate::core::app::bulk::marked(state).len();
        state.focus.mode = Mode::Confirm(ConfirmScreen {
            prompt: format!("{verb} the {n} marked issues? y/n"),
            issue: issue.id,
            edit: Box::new(Edit {
                state: Some(to),
                ..Edit::default()
            }),
            summary: format!("{n} issues {}", verb.to_lowercase()),
            preview: None,
            scroll: 0,
        });
        return Vec::new();
    }
    let r = state.short_ref(issue);
    state.focus.mode = Mode::Confirm(ConfirmScreen {
        prompt: format!("{verb} {r} {}? y/n", issue.title),
        issue: issue.id,
        edit: Box::new(Edit {
            state: Some(to),
            ..Edit::default()
        }),
        summary: format!(
            "{r} {}",
            if to == IssueState::Closed {
                "closed"
            } else {
                "reopened"
            }
        ),
        preview: None,
        scroll: 0,
    });
    Vec::new()
}

/// Space: pick the card up (in board order only).
fn grab(state: &mut AppState, issue: Issue) -> Vec<Effect> {
    if state.board.sort != SortMode::Manual {
        return warn(state, "grab works in board order: press s first");
    }
    state.focus.mode = Mode::Grab(GrabScreen {
        original: Box::new(issue),
    });
    state
        .status
        .info("grabbed: hjkl carry the card, Enter drops it, Esc puts it back");
    Vec::new()
}

/// `gw`: the config's profiles to switch to.
fn open_profile_picker(state: &mut AppState) -> Vec<Effect> {
    if state.settings.profiles.is_empty() {
        state
            .status
            .info("one profile only: [profiles.NAME] in the config adds others");
        return Vec::new();
    }
    let mut items = vec![PickItem {
        label: "default".into(),
        detail: if state.settings.profile.is_none() {
            "the top level of the config  (shown)".into()
        } else {
            "the top level of the config".into()
        },
        value: PickValue::Profile(None),
    }];
    for p in &state.settings.profiles {
        items.push(PickItem {
            label: p.clone(),
            detail: if state.settings.profile.as_deref() == Some(p) {
                "(shown)".into()
            } else {
                String::new()
            },
            value: PickValue::Profile(Some(p.clone())),
        });
    }
    state.focus.mode = Mode::Picker(Box::new(Picker::new(
        PickPurpose::Profile,
        "Switch to profile",
        0,
        items,
    )));
    Vec::new()
}

/// Open an address in the browser; over SSH, or with no opener, say it
/// (to open elsewhere).
pub fn open_url(state: &mut AppState, url: &str) -> Vec<Effect> {
    if state.settings.browser {
        state.status.info(format!("opening {url}"));
        vec![Effect::OpenUrl(url.to_owned())]
    } else {
        state
            .status
            .info(format!("no browser here: {url} (y copies it)"));
        Vec::new()
    }
}

/// `o` in the detail pane of an issue with merge requests: a picker of
/// the issue and its merge requests (issue #30). `None` without any.
pub fn open_choice(state: &mut AppState, issue: &Issue) -> Option<Vec<Effect>> {
    use crate::core::domain::merge_requests as mrs;
    let closing = mrs::closing(&state.ws.merge_requests, issue.id);
    if closing.is_empty() {
        return None;
    }
    let mut items = vec![PickItem {
        label: format!("{} (the issue)", state.short_ref(issue)),
        detail: String::new(),
        value: PickValue::Url(issue.web_url.clone()),
    }];
    for m in closing {
        items.push(PickItem {
            label: format!("{} {}", mrs::mark_for(m, issue.project_id), m.title),
            detail: m.reference.clone(),
            value: PickValue::Url(m.web_url.clone()),
        });
    }
    state.focus.mode = Mode::Picker(Box::new(Picker::new(
        PickPurpose::Open,
        "Open",
        issue.id,
        items,
    )));
    Some(Vec::new())
}

/// What a picker acts on: the card, or the marked cards.
fn subject(state: &AppState, issue: &Issue) -> String {
    match crate::core::app::bulk::marked(state).len() {
        0 => state.short_ref(issue),
        n => format!("the {n} marked issues"),
    }
}

fn warn(state: &mut AppState, text: &str) -> Vec<Effect> {
    state.status.warn(text);
    Vec::new()
}

fn me(state: &mut AppState) -> Option<u64> {
    let me = state.ws.me.as_ref().map(|u| u.id);
    if me.is_none() {
        state
            .status
            .warn("who you are is not known yet: wait for the first sync");
    }
    me
}

fn take(state: &mut AppState, issue: &Issue) -> Vec<Effect> {
    if me(state).is_none() {
        return Vec::new();
    }
    act(state, issue, Intent::Take)
}

pub(crate) fn promote(state: &mut AppState, issue: &Issue, milestone: u64) -> Vec<Effect> {
    act(state, issue, Intent::Promote(milestone))
}

/// The lane column `delta` steps from the selected one (iteration board),
/// or the neighbouring lane in the configured order (backlog).
fn move_lane(state: &mut AppState, issue: &Issue, delta: i64) -> Vec<Effect> {
    if state.board.kind == BoardKind::Planning {
        return warn(
            state,
            "in planning mode p promotes; lanes move on the iteration board",
        );
    }
    // Out of Closed to the left: reopened in the lane it has (a closed Done
    // issue goes back to Done, not to whatever lane is left of Closed).
    let in_closed = matches!(
        state.board.selected_column().map(|c| &c.kind),
        Some(ColumnKind::Closed)
    );
    if in_closed && delta < 0 && !issue.is_open() {
        let known = state
            .team
            .lanes_of(issue)
            .iter()
            .any(|l| state.team.lanes.iter().any(|k| k == l));
        if known {
            return act(state, issue, Intent::Reopen);
        }
    }
    let target = match state.board.kind {
        BoardKind::Planning => return Vec::new(),
        BoardKind::Iteration => {
            let ncols = state.board.layout.columns.len();
            match crate::core::domain::num::step(state.board.view().col, delta, ncols)
                .and_then(|col| state.board.layout.columns.get(col))
            {
                Some(c) => c.kind.clone(),
                None => return warn(state, "no lane further that way"),
            }
        }
        BoardKind::Backlog => {
            let lanes = &state.team.lanes;
            // The column's lane (Triage, or Ready with no milestone).
            let col = match state.board.selected_column().map(|c| &c.kind) {
                Some(ColumnKind::Lane(l)) => l.clone(),
                _ => state.team.backlog_lane.clone(),
            };
            let here = lanes.iter().position(|l| *l == col).unwrap_or(0);
            match crate::core::domain::num::step(here, delta, lanes.len())
                .and_then(|l| lanes.get(l))
            {
                Some(l) => ColumnKind::Lane(l.clone()),
                None => return warn(state, "no lane further that way"),
            }
        }
    };
    to_column(state, issue, &target)
}

/// Move an issue to a column: a lane, Open (no lane) or Closed (asks first).
pub(crate) fn to_column(state: &mut AppState, issue: &Issue, target: &ColumnKind) -> Vec<Effect> {
    let r = state.short_ref(issue);
    match target {
        ColumnKind::Iteration => warn(state, "lanes move on the iteration board"),
        ColumnKind::Lane(l) => act(state, issue, Intent::Lane(l.clone())),
        ColumnKind::Open => act(state, issue, Intent::NoLane),
        ColumnKind::Closed => {
            // As GitLab's board: closed, and the lane labels removed.
            let ctx = state.workflow_context();
            let planned =
                match crate::core::domain::workflow::plan(&ctx, issue, &r, &Intent::ToClosed) {
                    Ok(p) => p,
                    Err(crate::core::domain::workflow::Refusal::NothingToChange) => {
                        state.status.info(format!("nothing to change: {r}"));
                        return Vec::new();
                    }
                    Err(
                        crate::core::domain::workflow::Refusal::Invalid(why)
                        | crate::core::domain::workflow::Refusal::Unsupported(why),
                    ) => return warn(state, &why),
                };
            state.focus.mode = Mode::Confirm(ConfirmScreen {
                // The question first: a narrow screen cuts the title.
                prompt: format!(
                    "Close {r} and remove its lane label, as the board does? y/n · {}",
                    issue.title
                ),
                issue: issue.id,
                edit: Box::new(planned.edit),
                summary: planned.summary,
                preview: None,
                scroll: 0,
            });
            Vec::new()
        }
    }
}

fn reorder(state: &mut AppState, issue: &Issue, delta: i64) -> Vec<Effect> {
    if state.board.sort != SortMode::Manual {
        return warn(state, "reordering works in board order: press s first");
    }
    let Some((e, pos)) = reorder_edit(state, issue.id, delta) else {
        return warn(
            state,
            if delta < 0 {
                "already at the top"
            } else {
                "already at the bottom"
            },
        );
    };
    let how = match delta {
        d if d == i64::MIN / 4 => Placement::Top,
        d if d == i64::MAX / 4 => Placement::Bottom,
        d if d < 0 => Placement::Up,
        _ => Placement::Down,
    };
    let Some(r) = e.reorder else {
        return Vec::new();
    };
    let intent = Intent::Reorder {
        after: r.after,
        before: r.before,
        how,
    };
    crate::core::app::commit::act_together(state, issue, &[intent], Some(pos))
}

fn unassign_me(state: &mut AppState, issue: &Issue) -> Vec<Effect> {
    let Some(me) = me(state) else {
        return Vec::new();
    };
    if !issue.assignees.iter().any(|u| u.id == me) {
        return warn(state, "you are not assigned to it");
    }
    act(state, issue, Intent::Unassign(vec![me]))
}

fn open_lane_picker(state: &mut AppState, issue: &Issue) -> Vec<Effect> {
    let current = state
        .team
        .lanes_of(issue)
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    let mut items: Vec<PickItem> = state
        .team
        .lanes
        .iter()
        .map(|l| PickItem {
            label: l.clone(),
            detail: if current.contains(l) {
                "current".into()
            } else {
                String::new()
            },
            value: PickValue::Lane(Some(l.clone())),
        })
        .collect();
    items.push(PickItem {
        label: "no lane".into(),
        detail: "Open column".into(),
        value: PickValue::Lane(None),
    });
    let title = format!("Move {} to lane", subject(state, issue));
    state.focus.mode = Mode::Picker(Box::new(Picker::new(
        PickPurpose::Lane,
        title,
        issue.id,
        items,
    )));
    Vec::new()
}

fn open_milestone_picker(state: &mut AppState, issue: &Issue, purpose: PickPurpose) -> Vec<Effect> {
    let cur = state.board.iteration.current;
    let next = state.board.iteration.next;
    // Only what GitLab lets this issue hold (its project's and its groups').
    let project = issue.project_path();
    let mut open: Vec<&Milestone> = state
        .ws
        .milestones
        .iter()
        .filter(|m| m.state == MilestoneState::Active)
        .filter(|m| project.as_deref().is_none_or(|p| m.available_to(p)))
        .collect();
    open.sort_by(|a, b| {
        let rank = |m: &Milestone| {
            if Some(m.id) == cur {
                0
            } else if Some(m.id) == next {
                1
            } else if state.team.is_team_milestone(m) {
                2
            } else {
                3
            }
        };
        rank(a)
            .cmp(&rank(b))
            .then_with(|| iteration::timeline_cmp(a, b))
    });
    let mut items: Vec<PickItem> = open
        .into_iter()
        .map(|m| {
            let mut detail = match (m.start_date, m.due_date) {
                (Some(s), Some(d)) => format!("{s} → {d}"),
                (None, Some(d)) => format!("due {d}"),
                _ => String::new(),
            };
            if Some(m.id) == cur {
                detail.push_str("  current");
            } else if Some(m.id) == next {
                detail.push_str("  next");
            }
            if Some(m.id) == issue.milestone_id {
                detail.push_str("  (now)");
            }
            PickItem {
                label: m.title.clone(),
                detail,
                value: PickValue::Milestone(Some(m.id)),
            }
        })
        .collect();
    if purpose == PickPurpose::Milestone {
        items.push(PickItem {
            label: "none".into(),
            detail: "no milestone".into(),
            value: PickValue::Milestone(None),
        });
    }
    let r = subject(state, issue);
    let title = match purpose {
        PickPurpose::Promote => format!("Promote {r} to"),
        PickPurpose::Browse => "Show milestone".to_owned(),
        _ => format!("Milestone of {r}"),
    };
    state.focus.mode = Mode::Picker(Box::new(Picker::new(purpose, title, issue.id, items)));
    Vec::new()
}

fn open_member_picker(state: &mut AppState, issue: &Issue) -> Vec<Effect> {
    let me = state.ws.me.as_ref().map(|u| u.id);
    let mut members = state.ws.members.clone();
    members.sort_by_key(|u| (Some(u.id) != me, u.username.to_lowercase()));
    let items: Vec<PickItem> = members
        .iter()
        .map(|u| PickItem {
            label: format!("@{}", u.username),
            detail: if Some(u.id) == me {
                format!("{} (you)", u.name)
            } else {
                u.name.clone()
            },
            value: PickValue::Member(u.id),
        })
        .collect();
    let free = state.ws.free_tier;
    let mut p = Picker::new(
        PickPurpose::Assignees,
        if free {
            // One assignee (GitLab Free): choosing is replacing.
            format!("Assignee of {} (GitLab Free: one)", subject(state, issue))
        } else {
            format!("Assignees of {}", subject(state, issue))
        },
        issue.id,
        items,
    );
    p.multi = !free;
    for (n, item) in p.items.iter().enumerate() {
        if let PickValue::Member(id) = item.value
            && issue.assignees.iter().any(|u| u.id == id)
        {
            p.selected.insert(n);
        }
    }
    state.focus.mode = Mode::Picker(Box::new(p));
    Vec::new()
}

/// A comment or description written in `$EDITOR`, or why the editor failed.
pub fn on_composed(
    state: &mut AppState,
    issue: IssueId,
    text: Result<String, String>,
) -> Vec<Effect> {
    if issue == DRAFT {
        return new_issue::on_description(state, text);
    }
    let body = match text {
        Ok(t) => t,
        Err(why) => return warn(state, &why),
    };
    // The adapter kept only what the user wrote (`compose::written`).
    let body = body.trim().to_owned();
    if body.is_empty() {
        state.status.info("empty comment: nothing sent");
        return Vec::new();
    }
    let Some(i) = state.ws.issue(issue).cloned() else {
        return Vec::new();
    };
    act(state, &i, Intent::Comment(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::app::action::{Action, StoreUpdate};
    use crate::core::app::screens::detail::DetailScreen;
    use crate::core::app::status::Severity;
    use crate::core::app::update::update;
    use crate::core::domain::edit::Reorder;
    use crate::core::testing::{col_title, enqueued, keys, saved, sel, state, user};

    #[test]
    fn take_assigns_me_and_moves_to_doing_in_one_change() {
        let mut s = state();
        keys(&mut s, "ll");
        assert_eq!(col_title(&s), "Ready");
        let fx = keys(&mut s, "t");
        let cs = enqueued(&fx);
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].edit.assign, vec![7]);
        assert_eq!(cs[0].edit.add_labels, vec!["workflow-infra::In Progress"]);
        assert_eq!(cs[0].edit.remove_labels, vec!["workflow-infra::Ready"]);
        // The board shows it at once, and the selection followed the card.
        assert_eq!(col_title(&s), "In Progress");
        assert_eq!(sel(&s).iid, 100);
        assert_eq!(sel(&s).assignees[0].username, "zoe");
        assert!(
            s.changes.pending.is_empty(),
            "pending only once written down"
        );
        saved(&mut s, &fx);
        assert_eq!(s.changes.pending.len(), 1);
        assert!(s.changes.unsaved.is_empty());
    }

    #[test]
    fn take_from_the_backlog_also_sets_the_current_iteration() {
        let mut s = state();
        keys(&mut s, "1");
        let fx = keys(&mut s, "t");
        assert_eq!(enqueued(&fx)[0].edit.milestone, Some(Some(1)));
    }

    #[test]
    fn promote_sets_the_current_milestone_and_the_ready_lane() {
        let mut s = state();
        keys(&mut s, "1");
        let fx = keys(&mut s, "p");
        let c = enqueued(&fx)[0];
        assert_eq!(c.edit.milestone, Some(Some(1)));
        assert_eq!(c.edit.add_labels, vec!["workflow-infra::Ready"]);
        assert_eq!(c.edit.remove_labels, vec!["workflow-infra::Triage"]);
        assert_eq!(s.board.layout.card_count(), 0, "it left the backlog");
    }

    #[test]
    fn h_and_l_move_between_neighbouring_lanes_and_closed_asks_first() {
        let mut s = state();
        keys(&mut s, "ll");
        let fx = keys(&mut s, "L");
        assert_eq!(enqueued(&fx).len(), 1);
        assert_eq!(col_title(&s), "In Progress");
        keys(&mut s, "H");
        assert_eq!(col_title(&s), "Ready");
        // Walk to the last lane, then into Closed: a question.
        for _ in 0..5 {
            keys(&mut s, "L");
        }
        assert_eq!(col_title(&s), "Cancelled");
        let fx = keys(&mut s, "L");
        assert!(enqueued(&fx).is_empty());
        assert!(matches!(s.focus.mode, Mode::Confirm(ConfirmScreen { .. })));
        let fx = keys(&mut s, "y");
        // As GitLab's board: closed, and the lane label removed.
        assert_eq!(enqueued(&fx)[0].edit.state, Some(IssueState::Closed));
        assert_eq!(
            enqueued(&fx)[0].edit.remove_labels,
            vec!["workflow-infra::Cancelled"]
        );
        assert_eq!(col_title(&s), "Closed");
        // Out of Closed to the left reopens with the label of the list it
        // goes to, as the board does (here Cancelled, left of Closed).
        let fx = keys(&mut s, "H");
        let c = enqueued(&fx)[0];
        assert_eq!(c.edit.state, Some(IssueState::Opened));
        assert_eq!(c.edit.add_labels, vec!["workflow-infra::Cancelled"]);
        assert!(c.edit.remove_labels.is_empty());
        assert_eq!(col_title(&s), "Cancelled");
    }

    #[test]
    fn a_closed_done_issue_goes_back_to_done_not_to_the_lane_left_of_closed() {
        let mut s = state();
        keys(&mut s, "ll");
        // Move it to Done, then close it.
        keys(&mut s, "mDone<Enter>");
        assert_eq!(col_title(&s), "Done");
        keys(&mut s, "x");
        keys(&mut s, "y");
        assert_eq!(col_title(&s), "Closed");
        let fx = keys(&mut s, "H");
        let c = enqueued(&fx)[0];
        assert_eq!(c.edit.state, Some(IssueState::Opened));
        assert!(c.edit.add_labels.is_empty(), "not relabelled: {:?}", c.edit);
        assert_eq!(col_title(&s), "Done");
    }

    #[test]
    fn reorder_goes_between_the_new_neighbours() {
        let mut s = state();
        keys(&mut s, "lljj");
        let ids: Vec<u64> = s.board.layout.columns[2]
            .cards
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, vec![1, 3, 5]);
        let fx = keys(&mut s, "K");
        let c = enqueued(&fx)[0];
        assert_eq!(
            c.edit.reorder,
            Some(Reorder {
                after: Some(1),
                before: Some(3)
            })
        );
        let ids: Vec<u64> = s.board.layout.columns[2]
            .cards
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, vec![1, 5, 3]);
        assert_eq!(sel(&s).id, 5);
        let fx = keys(&mut s, "K");
        assert_eq!(
            enqueued(&fx)[0].edit.reorder,
            Some(Reorder {
                after: None,
                before: Some(1)
            })
        );
        keys(&mut s, "K");
        assert_eq!(
            s.status.message.as_ref().unwrap().text,
            "already at the top"
        );
        // Undo puts it back between its old neighbours.
        let fx = keys(&mut s, "u");
        assert_eq!(
            enqueued(&fx)[0].edit.reorder,
            Some(Reorder {
                after: Some(1),
                before: Some(3)
            })
        );
    }

    #[test]
    fn priority_keys_keep_exactly_one_priority_label() {
        let mut s = state();
        keys(&mut s, "ll");
        let fx = keys(&mut s, "=2");
        assert_eq!(enqueued(&fx)[0].edit.add_labels, vec!["priority::2"]);
        let fx = keys(&mut s, "=1");
        let c = enqueued(&fx)[0];
        assert_eq!(
            (c.edit.add_labels.clone(), c.edit.remove_labels.clone()),
            (
                vec!["priority::1".to_owned()],
                vec!["priority::2".to_owned()]
            )
        );
        let fx = keys(&mut s, "=0");
        assert_eq!(enqueued(&fx)[0].edit.remove_labels, vec!["priority::1"]);
        assert_eq!(sel(&s).priority(), None);
    }

    #[test]
    fn t_and_b_move_a_card_to_the_top_and_bottom() {
        let mut s = state();
        keys(&mut s, "llj");
        let fx = keys(&mut s, "B");
        assert_eq!(
            enqueued(&fx)[0].edit.reorder,
            Some(Reorder {
                after: Some(5),
                before: None
            })
        );
        let fx = keys(&mut s, "T");
        assert_eq!(
            enqueued(&fx)[0].edit.reorder,
            Some(Reorder {
                after: None,
                before: Some(1)
            })
        );
        keys(&mut s, "T");
        assert_eq!(
            s.status.message.as_ref().unwrap().text,
            "already at the top"
        );
    }

    #[test]
    fn with_an_editor_comments_are_written_there() {
        let mut s = state();
        s.settings.editor = true;
        keys(&mut s, "ll");
        let fx = keys(&mut s, "c");
        let [Effect::Compose { issue, header }] = fx.as_slice() else {
            panic!("{fx:?}")
        };
        assert!(header.contains("#100"));
        let issue = *issue;
        let fx = update(
            &mut s,
            Action::Composed {
                issue,
                text: Ok("\n# Status\nShipping **today**.\n".into()),
            },
        );
        assert_eq!(
            enqueued(&fx)[0].edit.comment.as_deref(),
            Some("# Status\nShipping **today**."),
            "a Markdown heading is the user's"
        );
        let fx = update(
            &mut s,
            Action::Composed {
                issue,
                text: Ok("  \n".into()),
            },
        );
        assert!(fx.is_empty(), "nothing written: nothing sent");
        let fx = update(
            &mut s,
            Action::Composed {
                issue,
                text: Err("cannot run vim: not found".into()),
            },
        );
        assert!(fx.is_empty());
        assert_eq!(
            s.status.message.as_ref().unwrap().severity,
            Severity::Warning
        );
    }

    #[test]
    fn undo_takes_back_the_last_action_and_says_when_it_cannot() {
        let mut s = state();
        keys(&mut s, "ll");
        let fx = keys(&mut s, "L");
        saved(&mut s, &fx);
        let moved = sel(&s).id;
        // A comment cannot be undone: u says so instead of skipping it.
        keys(&mut s, "c");
        keys(&mut s, "hello<Enter>");
        let fx = keys(&mut s, "u");
        assert!(fx.is_empty());
        let msg = &s.status.message.as_ref().unwrap().text;
        assert!(
            msg.contains("cannot be undone") && msg.contains("u again undoes"),
            "{msg}"
        );
        let fx = keys(&mut s, "u");
        let undo = enqueued(&fx);
        assert_eq!(undo.len(), 1);
        assert_eq!(undo[0].issue, moved);
        assert_eq!(undo[0].edit.add_labels, vec!["workflow-infra::Ready"]);
        assert_eq!(keys(&mut s, "u"), Vec::new());
        assert_eq!(s.status.message.as_ref().unwrap().text, "nothing to undo");
    }

    #[test]
    fn quick_views_and_jumping_to_a_milestone() {
        let mut s = state();
        s.ws.issues[0].assignees = vec![user(7, "zoe", "Zoë Müller")];
        s.relayout();
        keys(&mut s, "f");
        assert_eq!(
            s.board.quick,
            crate::core::app::screens::board::QuickFilter::Mine
        );
        assert_eq!(s.board.layout.card_count(), 1);
        keys(&mut s, "f");
        assert_eq!(s.board.layout.card_count(), 5, "unassigned");
        keys(&mut s, "fff");
        assert_eq!(s.board.layout.card_count(), 6, "back to all");
        keys(&mut s, "gm");
        assert!(matches!(s.focus.mode, Mode::Picker(_)));
        keys(&mut s, "W47<Enter>");
        assert_eq!(s.board.milestone, Some(2));
        assert_eq!(s.board.followed, None, "browsing only");
    }

    #[test]
    fn planning_mode_promotes_into_the_shown_iteration() {
        let mut s = state();
        keys(&mut s, "]");
        assert_eq!(s.board.milestone, Some(2));
        keys(&mut s, "gp");
        assert_eq!(s.board.kind, BoardKind::Planning);
        assert_eq!(
            s.board
                .layout
                .columns
                .iter()
                .map(|c| c.title.as_str())
                .collect::<Vec<_>>(),
            vec!["Triage", "W47"]
        );
        assert_eq!(s.board.layout.columns[0].cards.len(), 1);
        let fx = keys(&mut s, "p");
        let c = enqueued(&fx)[0];
        assert_eq!(
            c.edit.milestone,
            Some(Some(2)),
            "into the iteration shown, not the current one"
        );
        assert_eq!(s.board.layout.columns[1].cards.len(), 1);
        assert_eq!(col_title(&s), "W47", "the selection followed the card");
    }

    #[test]
    fn pending_changes_survive_a_sync_replacing_the_data() {
        let mut s = state();
        keys(&mut s, "ll");
        let fx = keys(&mut s, "t");
        let ws = {
            let mut ws = s.ws.clone();
            // GitLab's state: the change is not applied yet.
            let i = ws.issues.iter_mut().find(|i| i.id == 1).unwrap();
            i.labels = vec!["team::Datastores".into(), "workflow-infra::Ready".into()];
            i.assignees.clear();
            ws
        };
        let full = |ws: &crate::core::domain::model::Workspace, s: &AppState| StoreUpdate {
            full: Some((Box::new(ws.clone()), vec![])),
            queued: s.changes.pending.clone(),
            ..StoreUpdate::default()
        };
        // Not yet written down, then written down: shown either way.
        let u = full(&ws, &s);
        update(&mut s, Action::Store(Box::new(u)));
        assert_eq!(col_title(&s), "In Progress");
        assert_eq!(sel(&s).assignees.len(), 1);
        saved(&mut s, &fx);
        let u = full(&ws, &s);
        update(&mut s, Action::Store(Box::new(u)));
        assert_eq!(col_title(&s), "In Progress");
        assert!(s.is_pending(sel(&s).id));
        // Another process queued a change of the weight meanwhile.
        let mut other = s.changes.pending[0].clone();
        other.id = 5000;
        other.edit = Edit {
            weight: Some(Some(8)),
            ..Edit::default()
        };
        let mut u = full(&ws, &s);
        u.queued.push(other);
        update(&mut s, Action::Store(Box::new(u)));
        assert_eq!(sel(&s).weight, Some(8));
        assert_eq!(s.changes.pending.len(), 2);
    }

    #[test]
    fn the_demo_changes_locally_and_sends_nothing() {
        let mut s = state();
        s.session.sync.enabled = false;
        keys(&mut s, "ll");
        let fx = keys(&mut s, "t");
        assert!(enqueued(&fx).is_empty());
        assert!(s.changes.pending.is_empty());
        assert_eq!(col_title(&s), "In Progress");
        assert!(s.status.message.as_ref().unwrap().text.contains("not sent"));
    }

    /// A Triage card moved on with `L` stays on the backlog board, in its
    /// Ready column (no milestone yet); `L` there moves it on from Ready,
    /// and a card then on neither board says so and `gi` gives it the
    /// current iteration.
    #[test]
    fn a_backlog_card_moved_to_ready_stays_on_the_backlog_board() {
        let mut s = state();
        keys(&mut s, "1");
        let fx = keys(&mut s, "L");
        assert_eq!(
            enqueued(&fx)[0].edit.add_labels,
            vec!["workflow-infra::Ready"]
        );
        assert_eq!(col_title(&s), "Ready, no milestone");
        assert_eq!(sel(&s).iid, 150);
        let fx = keys(&mut s, "L");
        assert_eq!(
            enqueued(&fx)[0].edit.add_labels,
            vec!["workflow-infra::In Progress"]
        );
        let said = &s.status.message.as_ref().unwrap().text;
        assert!(
            said.contains("on neither board: no milestone (gi fixes"),
            "{said}"
        );
        let items = crate::core::app::screens::integrity::integrity(&s);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].fix, "move to W45");
        keys(&mut s, "gi");
        let fx = keys(&mut s, "<Enter>");
        assert_eq!(enqueued(&fx)[0].edit.milestone, Some(Some(1)));
    }

    /// `o` where no browser can be opened (over SSH) says the address
    /// instead of "opening…" and nothing.
    #[test]
    fn o_without_a_browser_shows_the_address() {
        let mut s = state();
        keys(&mut s, "ll");
        let url = sel(&s).web_url.clone();
        assert!(keys(&mut s, "o").is_empty());
        assert_eq!(
            s.status.message.as_ref().unwrap().text,
            format!("no browser here: {url} (y copies it)")
        );
        s.settings.browser = true;
        assert_eq!(keys(&mut s, "o"), vec![Effect::OpenUrl(url)]);
    }

    /// `o` in the detail pane of an issue with merge requests asks which
    /// to open (issue #30); on the board it opens the issue as before.
    #[test]
    fn o_in_the_detail_pane_picks_the_issue_or_a_merge_request() {
        use crate::core::domain::merge_requests::{MergeRequest, MrState};
        let mut s = state();
        s.settings.browser = true;
        keys(&mut s, "ll");
        let issue = sel(&s).clone();
        s.ws.merge_requests = vec![MergeRequest {
            id: 1,
            project_id: issue.project_id,
            iid: 42,
            reference: "grp/alpha!42".into(),
            title: "Fix it".into(),
            author: "ben".into(),
            reviewers: vec![],
            state: MrState::Opened,
            draft: false,
            pipeline: Some("failed".into()),
            pipeline_id: None,
            pipeline_updated_at: None,
            sha: None,
            approved: false,
            web_url: "https://gitlab.example.com/grp/alpha/-/merge_requests/42".into(),
            closes: vec![issue.id],
            updated_at: issue.updated_at,
        }];
        assert_eq!(
            keys(&mut s, "o"),
            vec![Effect::OpenUrl(issue.web_url.clone())],
            "the board's o opens the issue"
        );
        keys(&mut s, "<Enter>");
        assert!(keys(&mut s, "o").is_empty());
        let Mode::Picker(p) = &s.focus.mode else {
            panic!("{:?}", s.focus.mode)
        };
        let labels: Vec<&str> = p.items.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(labels.len(), 2);
        assert!(labels[1].starts_with("!42 ✗ Fix it"), "{labels:?}");
        assert_eq!(
            keys(&mut s, "42<Enter>"),
            vec![Effect::OpenUrl(
                "https://gitlab.example.com/grp/alpha/-/merge_requests/42".into()
            )]
        );
        assert!(
            matches!(s.focus.mode, Mode::Detail(DetailScreen { .. })),
            "back to the pane"
        );
        // Without a browser, the address is said.
        s.settings.browser = false;
        keys(&mut s, "o");
        assert!(keys(&mut s, "42<Enter>").is_empty());
        assert!(
            s.status.message.as_ref().unwrap().text.contains(
                "no browser here: https://gitlab.example.com/grp/alpha/-/merge_requests/42"
            )
        );
    }

    /// `T` and `B` say where the card went ("moved up" said of `T`).
    #[test]
    fn top_and_bottom_say_so() {
        let mut s = state();
        keys(&mut s, "lljj");
        keys(&mut s, "T");
        assert_eq!(
            s.status.message.as_ref().unwrap().text,
            "#104 moved to the top"
        );
        keys(&mut s, "B");
        assert_eq!(
            s.status.message.as_ref().unwrap().text,
            "#104 moved to the bottom"
        );
        keys(&mut s, "K");
        assert_eq!(s.status.message.as_ref().unwrap().text, "#104 moved up");
    }
}
