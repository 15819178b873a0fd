//! The team's workflow as state changes: promote, take, move between lanes,
//! reorder, assign, milestone, weight, comment, close, undo, grab mode, the
//! pickers and prompts they open, the problems panel, and what the outbox
//! reports. Every change is applied to the board at once (optimistic) and
//! handed to the adapters as [`Effect::Enqueue`]; nothing here waits on GitLab.

use super::action::Effect;
use super::board::{BoardKind, ColumnKind, SortMode};
use super::commit::{Step, UndoAs, act, commit, commit_action, create, neighbours, retry, undo};
use super::edit::{self, Edit, Reorder, Seen};
use super::iteration;
use super::keymap::Command;
use super::model::{Issue, IssueId, IssueState, MilestoneState};
use super::picker::{PickItem, PickPurpose, PickValue, Picker};
use super::state::{AppState, InputPurpose, Mode, ReplanScreen};
use super::workflow::Intent;

/// Run a workflow command from the board; `None` when `cmd` is not one.
pub fn board_action(state: &mut AppState, cmd: Command) -> Option<Vec<Effect>> {
    let effects = match cmd {
        Command::ShowProblems => {
            if state.problems.is_empty() {
                state.info("no problems: GitLab accepted every change");
            } else {
                state.mode = Mode::Problems { cursor: 0 };
            }
            Vec::new()
        }
        Command::Undo => undo(state),
        Command::PlanningIssue => planning_issue(state),
        Command::Replan => open_replan(state),
        Command::ShowIntegrity => {
            if integrity(state).is_empty() {
                state.info("lane integrity: every team issue has exactly one known lane and no past milestone");
            } else {
                state.mode = Mode::Integrity { cursor: 0 };
            }
            Vec::new()
        }
        Command::QuickView => {
            state.quick = state.quick.next();
            state.relayout();
            let n = state.layout.card_count();
            state.info(format!("view: {} ({n} cards)", state.quick.name()));
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
                milestone_id: state.milestone,
                ..edit::placeholder(0, &new, None, None)
            };
            open_milestone_picker(state, &shown, PickPurpose::Browse)
        }
        Command::Create => start_new_issue(state),
        _ => {
            let issue = match state.selected_issue() {
                Some(i) if i.iid == 0 && is_workflow(cmd) => {
                    state.info("this issue is still being created on GitLab");
                    return Some(Vec::new());
                }
                Some(i) => i.clone(),
                None if is_workflow(cmd) => {
                    state.info("no card selected");
                    return Some(Vec::new());
                }
                None => return None,
            };
            match cmd {
                Command::Take => take(state, &issue),
                Command::Promote if state.board == BoardKind::Planning => match state.milestone {
                    Some(m) if issue.milestone_id != Some(m) => promote(state, &issue, m),
                    Some(_) => warn(state, "already in this iteration"),
                    None => warn(state, "no iteration to plan into"),
                },
                Command::Promote => match state.iteration.current {
                    Some(m) => promote(state, &issue, m),
                    None => warn(state, "the team has no current iteration to promote to"),
                },
                Command::PromotePick => open_milestone_picker(state, &issue, PickPurpose::Promote),
                Command::PickMilestone => {
                    open_milestone_picker(state, &issue, PickPurpose::Milestone)
                }
                Command::MoveLaneLeft => move_lane(state, &issue, -1),
                Command::MoveLaneRight => move_lane(state, &issue, 1),
                Command::PickLane => open_lane_picker(state, &issue),
                Command::MoveCardTop => reorder(state, &issue, i64::MIN / 4),
                Command::MoveCardBottom => reorder(state, &issue, i64::MAX / 4),
                Command::SetPriority(p) => act(state, &issue, Intent::Priority(p)),
                Command::MoveCardUp => reorder(state, &issue, -1),
                Command::MoveCardDown => reorder(state, &issue, 1),
                Command::PickAssignees => open_member_picker(state, &issue),
                Command::UnassignMe => unassign_me(state, &issue),
                Command::Weight => {
                    state.mode = Mode::Input {
                        purpose: InputPurpose::Weight,
                        issue: issue.id,
                        text: String::new(),
                    };
                    Vec::new()
                }
                Command::Comment if state.editor => {
                    let header = format!(
                        "Comment on {} {}\nLines starting with # are left out; save an empty file to cancel.",
                        state.short_ref(&issue),
                        issue.title
                    );
                    vec![Effect::Compose {
                        issue: issue.id,
                        header,
                    }]
                }
                Command::Comment => {
                    state.mode = Mode::Input {
                        purpose: InputPurpose::Comment,
                        issue: issue.id,
                        text: String::new(),
                    };
                    Vec::new()
                }
                Command::CloseReopen => {
                    let (verb, to) = if issue.is_open() {
                        ("Close", IssueState::Closed)
                    } else {
                        ("Reopen", IssueState::Opened)
                    };
                    let r = state.short_ref(&issue);
                    state.mode = Mode::Confirm {
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
                    };
                    Vec::new()
                }
                Command::OpenInBrowser => {
                    state.info(format!("opening {}", issue.web_url));
                    vec![Effect::OpenUrl(issue.web_url.clone())]
                }
                Command::CopyUrl => {
                    state.info(format!("copied {}", issue.web_url));
                    vec![Effect::Copy(issue.web_url.clone())]
                }
                Command::Grab => {
                    if state.sort != SortMode::Manual {
                        return Some(warn(state, "grab works in board order: press s first"));
                    }
                    state.mode = Mode::Grab {
                        original: Box::new(issue),
                    };
                    state.info("grabbed: hjkl carry the card, Enter drops it, Esc puts it back");
                    Vec::new()
                }
                _ => return None,
            }
        }
    };
    Some(effects)
}

fn is_workflow(cmd: Command) -> bool {
    matches!(
        cmd,
        Command::Take
            | Command::Promote
            | Command::PromotePick
            | Command::PickMilestone
            | Command::MoveLaneLeft
            | Command::MoveLaneRight
            | Command::PickLane
            | Command::MoveCardUp
            | Command::MoveCardDown
            | Command::MoveCardTop
            | Command::MoveCardBottom
            | Command::SetPriority(_)
            | Command::PickAssignees
            | Command::UnassignMe
            | Command::Weight
            | Command::Comment
            | Command::CloseReopen
            | Command::OpenInBrowser
            | Command::CopyUrl
            | Command::Grab
    )
}

fn warn(state: &mut AppState, text: &str) -> Vec<Effect> {
    state.warn(text);
    Vec::new()
}

fn me(state: &mut AppState) -> Option<u64> {
    let me = state.ws.me.as_ref().map(|u| u.id);
    if me.is_none() {
        state.warn("who you are is not known yet: wait for the first sync");
    }
    me
}

fn take(state: &mut AppState, issue: &Issue) -> Vec<Effect> {
    if me(state).is_none() {
        return Vec::new();
    }
    act(state, issue, Intent::Take)
}

fn promote(state: &mut AppState, issue: &Issue, milestone: u64) -> Vec<Effect> {
    act(state, issue, Intent::Promote(milestone))
}

/// The lane column `delta` steps from the selected one (iteration board),
/// or the neighbouring lane in the configured order (backlog).
fn move_lane(state: &mut AppState, issue: &Issue, delta: i64) -> Vec<Effect> {
    if state.board == BoardKind::Planning {
        return warn(
            state,
            "in planning mode p promotes; lanes move on the iteration board",
        );
    }
    let target = match state.board {
        BoardKind::Planning => return Vec::new(),
        BoardKind::Iteration => {
            let col = state.view().col as i64 + delta;
            match state
                .layout
                .columns
                .get(col.max(0) as usize)
                .filter(|_| col >= 0)
            {
                Some(c) => c.kind.clone(),
                None => return warn(state, "no lane further that way"),
            }
        }
        BoardKind::Backlog => {
            let lanes = &state.team.lanes;
            let here = lanes
                .iter()
                .position(|l| *l == state.team.backlog_lane)
                .unwrap_or(0) as i64;
            match lanes
                .get((here + delta).max(0) as usize)
                .filter(|_| here + delta >= 0)
            {
                Some(l) => ColumnKind::Lane(l.clone()),
                None => return warn(state, "no lane further that way"),
            }
        }
    };
    to_column(state, issue, &target)
}

/// Move an issue to a column: a lane, Open (no lane) or Closed (asks first).
fn to_column(state: &mut AppState, issue: &Issue, target: &ColumnKind) -> Vec<Effect> {
    let r = state.short_ref(issue);
    match target {
        ColumnKind::Iteration => warn(state, "lanes move on the iteration board"),
        ColumnKind::Lane(l) => act(state, issue, Intent::Lane(l.clone())),
        ColumnKind::Open => act(state, issue, Intent::NoLane),
        ColumnKind::Closed => {
            state.mode = Mode::Confirm {
                prompt: format!("Close {r} {}? y/n", issue.title),
                issue: issue.id,
                edit: Box::new(Edit {
                    state: Some(IssueState::Closed),
                    ..Edit::default()
                }),
                summary: format!("{r} closed"),
            };
            Vec::new()
        }
    }
}

fn reorder(state: &mut AppState, issue: &Issue, delta: i64) -> Vec<Effect> {
    if state.sort != SortMode::Manual {
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
    let r = state.short_ref(issue);
    commit(
        state,
        issue.id,
        e,
        format!("{r} moved {}", if delta < 0 { "up" } else { "down" }),
        Some(pos),
        UndoAs::Step,
    )
}

/// The reorder that moves `id` one card up or down in the selected column,
/// and its new local position.
fn reorder_edit(state: &AppState, id: IssueId, delta: i64) -> Option<(Edit, i64)> {
    let col = state.layout.columns.get(state.view().col)?;
    let row = col
        .cards
        .iter()
        .position(|c| state.ws.issues[c.issue].id == id)? as i64;
    let card = |r: i64| {
        (r >= 0)
            .then(|| col.cards.get(r as usize))
            .flatten()
            .map(|c| &state.ws.issues[c.issue])
    };
    // Moving up: between row-2 and row-1; down: between row+1 and row+2.
    let last = col.cards.len() as i64 - 1;
    let (above, below) = if delta == i64::MIN / 4 {
        // To the top.
        if row == 0 {
            return None;
        }
        (None, Some(card(0)?))
    } else if delta == i64::MAX / 4 {
        // To the bottom.
        if row == last {
            return None;
        }
        (Some(card(last)?), None)
    } else if delta < 0 {
        (card(row - 2), Some(card(row - 1)?))
    } else {
        (Some(card(row + 1)?), card(row + 2))
    };
    let pos = edit::position_between(above.map(|i| i.position), below.map(|i| i.position));
    let e = Edit {
        reorder: Some(Reorder {
            after: above.map(|i| i.id),
            before: below.map(|i| i.id),
        }),
        ..Edit::default()
    };
    Some((e, pos))
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
    let title = format!("Move {} to lane", state.short_ref(issue));
    state.mode = Mode::Picker(Box::new(Picker::new(
        PickPurpose::Lane,
        title,
        issue.id,
        items,
    )));
    Vec::new()
}

fn open_milestone_picker(state: &mut AppState, issue: &Issue, purpose: PickPurpose) -> Vec<Effect> {
    let cur = state.iteration.current;
    let next = state.iteration.next;
    let mut open: Vec<&super::model::Milestone> = state
        .ws
        .milestones
        .iter()
        .filter(|m| m.state == MilestoneState::Active)
        .collect();
    open.sort_by(|a, b| {
        let rank = |m: &super::model::Milestone| {
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
    let r = state.short_ref(issue);
    let title = match purpose {
        PickPurpose::Promote => format!("Promote {r} to"),
        PickPurpose::Browse => "Show milestone".to_owned(),
        _ => format!("Milestone of {r}"),
    };
    state.mode = Mode::Picker(Box::new(Picker::new(purpose, title, issue.id, items)));
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
    let mut p = Picker::new(
        PickPurpose::Assignees,
        format!("Assignees of {}", state.short_ref(issue)),
        issue.id,
        items,
    );
    for (n, item) in p.items.iter().enumerate() {
        if let PickValue::Member(id) = item.value
            && issue.assignees.iter().any(|u| u.id == id)
        {
            p.selected.insert(n);
        }
    }
    state.mode = Mode::Picker(Box::new(p));
    Vec::new()
}

/// Keys in a picker.
pub fn picker_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let Mode::Picker(p) = &mut state.mode else {
        return Vec::new();
    };
    match cmd {
        Command::Up => p.move_cursor(-1),
        Command::Down => p.move_cursor(1),
        Command::Toggle if p.multi => p.toggle(),
        Command::Backspace => {
            p.query.pop();
            p.refilter();
        }
        Command::ClearText => {
            p.query.clear();
            p.refilter();
        }
        Command::Cancel => state.mode = Mode::Board,
        Command::Accept => {
            let p = match std::mem::replace(&mut state.mode, Mode::Board) {
                Mode::Picker(p) => p,
                _ => return Vec::new(),
            };
            return accept_pick(state, *p);
        }
        _ => {}
    }
    Vec::new()
}

/// A typed character in a picker's search.
pub fn picker_type(state: &mut AppState, c: char) {
    if let Mode::Picker(p) = &mut state.mode {
        p.query.push(c);
        p.refilter();
    }
}

fn accept_pick(state: &mut AppState, p: Picker) -> Vec<Effect> {
    if let (PickPurpose::Project, Some((title, lane))) = (p.purpose, p.new_issue.clone()) {
        return match p.current().map(|i| i.value.clone()) {
            Some(PickValue::Project(project)) => new_issue_in(state, title, lane, project),
            _ => {
                state.info("nothing matches: no issue created");
                Vec::new()
            }
        };
    }
    if p.purpose == PickPurpose::Browse {
        if let Some(PickValue::Milestone(Some(m))) = p.current().map(|i| i.value.clone()) {
            return super::update::show_milestone(state, m);
        }
        return Vec::new();
    }
    let Some(issue) = state.ws.issue(p.issue).cloned() else {
        return Vec::new();
    };
    match p.purpose {
        PickPurpose::Assignees => {
            let chosen: Vec<u64> = p
                .selected
                .iter()
                .filter_map(|&n| match p.items[n].value {
                    PickValue::Member(id) => Some(id),
                    _ => None,
                })
                .collect();
            act(state, &issue, Intent::Assignees(chosen))
        }
        _ => {
            let Some(item) = p.current().cloned() else {
                state.info("nothing matches");
                return Vec::new();
            };
            match (p.purpose, item.value) {
                (PickPurpose::Lane, PickValue::Lane(l)) => {
                    let kind = l.map_or(ColumnKind::Open, ColumnKind::Lane);
                    to_column(state, &issue, &kind)
                }
                (PickPurpose::Milestone, PickValue::Milestone(m)) => {
                    act(state, &issue, Intent::Milestone(m))
                }
                (PickPurpose::Promote, PickValue::Milestone(Some(m))) => promote(state, &issue, m),
                _ => Vec::new(),
            }
        }
    }
}

/// Keys in a yes/no question.
pub fn confirm_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let mode = std::mem::replace(&mut state.mode, Mode::Board);
    match (cmd, mode) {
        (
            Command::Yes,
            Mode::Confirm {
                issue,
                edit,
                summary,
                ..
            },
        ) => commit(state, issue, *edit, summary, None, UndoAs::Step),
        (Command::No, _) => {
            state.info("cancelled");
            Vec::new()
        }
        (_, mode) => {
            state.mode = mode;
            Vec::new()
        }
    }
}

/// Keys in a one-line prompt.
pub fn input_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let Mode::Input {
        purpose,
        issue,
        text,
    } = &mut state.mode
    else {
        return Vec::new();
    };
    match cmd {
        Command::Backspace => {
            text.pop();
        }
        Command::ClearText => text.clear(),
        Command::Cancel => state.mode = Mode::Board,
        Command::Accept => {
            let (purpose, id, text) = (purpose.clone(), *issue, text.trim().to_owned());
            state.mode = Mode::Board;
            if let InputPurpose::NewTitle { lane } = purpose {
                return new_issue_titled(state, text, lane);
            }
            let Some(issue) = state.ws.issue(id).cloned() else {
                return Vec::new();
            };
            match purpose {
                InputPurpose::Weight => {
                    if text.is_empty() {
                        state.info("weight unchanged");
                        return Vec::new();
                    }
                    let w = if text.eq_ignore_ascii_case("none") {
                        None
                    } else {
                        match text.parse::<u32>() {
                            Ok(w) => Some(w),
                            Err(_) => {
                                return warn(state, "a weight is a whole number, or none");
                            }
                        }
                    };
                    return act(state, &issue, Intent::Weight(w));
                }
                InputPurpose::NewTitle { .. } => {}
                InputPurpose::Comment => {
                    if text.is_empty() {
                        state.info("empty comment: nothing sent");
                        return Vec::new();
                    }
                    return act(state, &issue, Intent::Comment(text));
                }
            }
        }
        _ => {}
    }
    Vec::new()
}

/// A typed character in a prompt.
pub fn input_type(state: &mut AppState, c: char) {
    if let Mode::Input { purpose, text, .. } = &mut state.mode {
        if *purpose == InputPurpose::Weight && !(c.is_ascii_alphanumeric()) {
            return;
        }
        text.push(c);
    }
}

/// Keys in the problems panel.
pub fn problems_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let Mode::Problems { cursor } = &mut state.mode else {
        return Vec::new();
    };
    let n = state.problems.len();
    match cmd {
        Command::Up => *cursor = cursor.saturating_sub(1),
        Command::Down => *cursor = (*cursor + 1).min(n.saturating_sub(1)),
        Command::Back => state.mode = Mode::Board,
        Command::Retry | Command::Discard if n > 0 => {
            let at = (*cursor).min(n - 1);
            let problem = state.problems.remove(at);
            if state.problems.is_empty() {
                state.mode = Mode::Board;
            } else if let Mode::Problems { cursor } = &mut state.mode {
                *cursor = at.min(state.problems.len() - 1);
            }
            if cmd == Command::Discard {
                state.info(format!("discarded: {}", problem.change.summary));
                return vec![Effect::Discard(problem.change.id)];
            }
            // Retry on top of what GitLab has now.
            return retry(state, problem.change);
        }
        _ => {}
    }
    Vec::new()
}

/// Keys in grab mode: carry the card locally; Enter makes one change.
pub fn grab_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let Mode::Grab { original } = &state.mode else {
        return Vec::new();
    };
    let original = (**original).clone();
    let id = original.id;
    match cmd {
        Command::Up | Command::Down => {
            let delta = if cmd == Command::Up { -1 } else { 1 };
            if let Some((_, pos)) = reorder_edit(state, id, delta)
                && let Some(i) = state.ws.issues.iter_mut().find(|i| i.id == id)
            {
                i.position = pos;
                state.view_select(id);
                state.relayout();
            }
        }
        Command::Left | Command::Right => {
            let delta = if cmd == Command::Left { -1 } else { 1 };
            if state.board != BoardKind::Iteration {
                return warn(state, "carry between lanes on the iteration board");
            }
            let col = state.view().col as i64 + delta;
            let Some(kind) = state
                .layout
                .columns
                .get(col.max(0) as usize)
                .filter(|_| col >= 0)
                .map(|c| c.kind.clone())
            else {
                return Vec::new();
            };
            let Some(cur) = state.ws.issue(id).cloned() else {
                return Vec::new();
            };
            let mut e = match &kind {
                ColumnKind::Iteration => {
                    return warn(state, "carry between lanes on the iteration board");
                }
                ColumnKind::Lane(l) => edit::to_lane(&cur, &state.team, Some(l)),
                ColumnKind::Open => edit::to_lane(&cur, &state.team, None),
                ColumnKind::Closed => Edit {
                    state: Some(IssueState::Closed),
                    ..Edit::default()
                },
            };
            if kind != ColumnKind::Closed && !cur.is_open() {
                e.state = Some(IssueState::Opened);
            }
            let members = state.ws.members.clone();
            if let Some(i) = state.ws.issues.iter_mut().find(|i| i.id == id) {
                edit::apply(i, &e, &members);
            }
            state.view_select(id);
            state.relayout();
        }
        Command::Cancel => {
            restore(state, original);
            state.mode = Mode::Board;
            state.info("put back");
        }
        Command::Accept => {
            state.mode = Mode::Board;
            let Some(now) = state.ws.issue(id).cloned() else {
                return Vec::new();
            };
            let place = neighbours(state, id);
            let moved_place = now.position != original.position;
            restore(state, original.clone());
            // One change: the lane (and state) difference, and the new place.
            let mut e = Edit::default();
            let before = Seen::of(&original, &state.team);
            let after = Seen::of(&now, &state.team);
            e.add_labels = after
                .lanes
                .iter()
                .filter(|l| !before.lanes.contains(l))
                .cloned()
                .collect();
            e.remove_labels = before
                .lanes
                .iter()
                .filter(|l| !after.lanes.contains(l))
                .cloned()
                .collect();
            if now.state != original.state {
                e.state = Some(now.state);
            }
            let position = if moved_place {
                e.reorder = place;
                Some(now.position)
            } else {
                None
            };
            if e.is_empty() {
                state.info("dropped where it was");
                return Vec::new();
            }
            let summary = match state.team.lanes_of(&now).first() {
                Some(l) if !e.add_labels.is_empty() => format!("{} → {l}", state.short_ref(&now)),
                _ => format!("{} moved", state.short_ref(&now)),
            };
            return commit(state, id, e, summary, position, UndoAs::Step);
        }
        _ => {}
    }
    Vec::new()
}

fn restore(state: &mut AppState, original: Issue) {
    let id = original.id;
    if let Some(i) = state.ws.issues.iter_mut().find(|i| i.id == id) {
        *i = original;
    }
    state.view_select(id);
    state.relayout();
}

/// The shown iteration's planning issue: a team issue with "Iteration
/// Planning" in its title, in that milestone or naming it.
fn planning_issue(state: &mut AppState) -> Vec<Effect> {
    let Some(m) = state.shown_milestone().cloned().or_else(|| {
        state
            .iteration
            .current
            .and_then(|id| state.ws.milestone(id).cloned())
    }) else {
        return warn(state, "no milestone shown");
    };
    let team_label = state.team.team_label.clone();
    let planning = state.team.planning_title.clone();
    let needle = planning.to_lowercase();
    let short = state.team.short_milestone_title(&m).to_owned();
    let found = state
        .ws
        .issues
        .iter()
        .filter(|i| i.has_label(&team_label) && i.title.to_lowercase().contains(&needle))
        .find(|i| {
            i.milestone_id == Some(m.id) || i.title.contains(&m.title) || i.title.contains(&short)
        })
        .map(|i| (i.id, i.project_id, i.iid));
    match found {
        Some((issue, project, iid)) => {
            state.mode = Mode::Detail { issue, scroll: 0 };
            if state.sync.enabled {
                return vec![Effect::LoadNotes {
                    issue,
                    project,
                    iid,
                }];
            }
            Vec::new()
        }
        None => warn(
            state,
            &format!(
                "no planning issue for {}: looked for {team_label} issues titled \"{planning}\" in it or naming it",
                m.title
            ),
        ),
    }
}

/// Open milestones after `from` on the team's timeline (re-plan targets).
fn targets(state: &AppState, from: u64) -> Vec<u64> {
    let ms = iteration::team_milestones(&state.ws.milestones, &state.team);
    let at = ms.iter().position(|m| m.id == from);
    ms.iter()
        .enumerate()
        .filter(|(n, m)| at.is_none_or(|a| *n > a) && m.state == MilestoneState::Active)
        .map(|(_, m)| m.id)
        .collect()
}

/// `R`: the re-plan screen for the shown iteration.
fn open_replan(state: &mut AppState) -> Vec<Effect> {
    let Some(from) = state.milestone else {
        return warn(state, "no iteration shown to re-plan");
    };
    let Some(&target) = targets(state, from).first() else {
        return warn(state, "no later open milestone to move issues to");
    };
    let mut items: Vec<(IssueId, bool)> =
        edit::replan(&state.ws.issues, &state.team, from, target, false)
            .into_iter()
            .map(|(id, _)| (id, true))
            .collect();
    // Grouped by lane, in board order within each.
    let lane_rank = |id: &IssueId| {
        let i = state.ws.issue(*id);
        let lane = i.and_then(|i| state.team.lanes_of(i).first().map(|l| l.to_string()));
        lane.and_then(|l| state.team.lanes.iter().position(|x| *x == l))
            .unwrap_or(usize::MAX)
    };
    items.sort_by_key(|(id, _)| lane_rank(id));
    if items.is_empty() {
        state.info("everything in this iteration is Done: nothing to re-plan");
        return Vec::new();
    }
    state.mode = Mode::Replan(Box::new(ReplanScreen {
        from,
        target,
        items,
        reset_lane: false,
        cursor: 0,
        confirming: false,
    }));
    Vec::new()
}

/// Keys on the re-plan screen.
pub fn replan_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let all_targets = match &state.mode {
        Mode::Replan(r) => targets(state, r.from),
        _ => return Vec::new(),
    };
    let Mode::Replan(r) = &mut state.mode else {
        return Vec::new();
    };
    let n = r.items.len();
    match cmd {
        Command::Up => r.cursor = r.cursor.saturating_sub(1),
        Command::Down => r.cursor = (r.cursor + 1).min(n.saturating_sub(1)),
        Command::Toggle => {
            if let Some(item) = r.items.get_mut(r.cursor) {
                item.1 = !item.1;
            }
        }
        Command::CycleTarget => {
            let at = all_targets
                .iter()
                .position(|t| *t == r.target)
                .map_or(0, |p| (p + 1) % all_targets.len().max(1));
            if let Some(t) = all_targets.get(at) {
                r.target = *t;
            }
        }
        Command::ToggleResetLane => r.reset_lane = !r.reset_lane,
        Command::Cancel if r.confirming => r.confirming = false,
        Command::Cancel => state.mode = Mode::Board,
        Command::Accept => r.confirming = true,
        Command::Yes if r.confirming => {
            let Mode::Replan(r) = std::mem::replace(&mut state.mode, Mode::Board) else {
                return Vec::new();
            };
            return apply_replan(state, *r);
        }
        _ => {}
    }
    Vec::new()
}

fn apply_replan(state: &mut AppState, r: ReplanScreen) -> Vec<Effect> {
    let chosen: Vec<IssueId> = r
        .items
        .iter()
        .filter(|(_, on)| *on)
        .map(|(id, _)| *id)
        .collect();
    let plan = edit::replan(
        &state.ws.issues,
        &state.team,
        r.from,
        r.target,
        r.reset_lane,
    );
    let title = |id| {
        state
            .ws
            .milestone(id)
            .map_or(String::new(), |m| m.title.clone())
    };
    let (from_t, to_t) = (title(r.from), title(r.target));
    let mut steps = Vec::new();
    for (id, e) in plan.into_iter().filter(|(id, _)| chosen.contains(id)) {
        let Some(i) = state.ws.issue(id) else {
            continue;
        };
        steps.push(Step::new(id, e, format!("{} → {to_t}", state.short_ref(i))));
    }
    let short = |id| {
        state.ws.milestone(id).map_or(String::new(), |m| {
            state.team.short_milestone_title(m).to_owned()
        })
    };
    let label = format!("re-plan {} → {}", short(r.from), short(r.target));
    let total = steps.len();
    // One user action: one batch in the outbox, one undo step.
    let mut effects = commit_action(state, steps, label.clone(), UndoAs::Step);
    if let Some(Effect::Enqueue { local, .. }) = effects.first() {
        state.batch = Some(super::state::Batch {
            label,
            local: *local,
            total,
            changes: Vec::new(),
        });
    }
    state.followed = Some(r.target);
    state.milestone = Some(r.target);
    state.relayout();
    state.info(format!(
        "{} issues from {from_t} to {to_t}; the board now follows {to_t}",
        chosen.len()
    ));
    effects.push(Effect::Follow(r.target));
    if state.sync.enabled {
        effects.push(Effect::ShowMilestone(r.target));
    }
    effects
}

/// A lane problem of one issue, and the edit that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityItem {
    pub issue: IssueId,
    pub problem: String,
    pub fix: String,
    pub edit: Edit,
}

/// Open team issues with no lane, several lanes, an unknown lane, or a
/// milestone that is past; each with its one-key fix.
pub fn integrity(state: &AppState) -> Vec<IntegrityItem> {
    let team = &state.team;
    let mut out = Vec::new();
    let mut issues: Vec<&Issue> = state
        .ws
        .issues
        .iter()
        .filter(|i| i.is_open() && i.has_label(&team.team_label) && i.iid != 0)
        .collect();
    issues.sort_by_key(|i| (i.position, i.id));
    for i in issues {
        let lanes = team.lanes_of(i);
        let known: Vec<&str> = lanes
            .iter()
            .copied()
            .filter(|l| team.lanes.iter().any(|c| c == l))
            .collect();
        let default_lane = if i.milestone_id.is_some() {
            team.ready_lane.as_str()
        } else {
            team.backlog_lane.as_str()
        };
        let (problem, lane) = if lanes.is_empty() {
            ("no lane label".to_owned(), Some(default_lane.to_owned()))
        } else if known.len() > 1 || lanes.len() > 1 {
            // Keep the lane furthest along the workflow.
            let furthest = known
                .iter()
                .max_by_key(|l| team.lanes.iter().position(|c| c == *l))
                .map(|l| l.to_string());
            (
                format!("{} lane labels: {}", lanes.len(), lanes.join(", ")),
                furthest.or(Some(default_lane.to_owned())),
            )
        } else if known.is_empty() {
            (
                format!("lane {} is not configured", lanes.join(", ")),
                Some(default_lane.to_owned()),
            )
        } else {
            (String::new(), None)
        };
        if let Some(lane) = lane {
            out.push(IntegrityItem {
                issue: i.id,
                problem,
                fix: format!("move to {lane}"),
                edit: edit::to_lane(i, team, Some(&lane)),
            });
            continue;
        }
        let past = i
            .milestone_id
            .and_then(|m| state.ws.milestone(m))
            .filter(|m| team.is_team_milestone(m) && m.due_date.is_some_and(|d| d < state.today));
        if let (Some(m), Some(cur)) = (past, state.iteration.current) {
            let cur_title = state
                .ws
                .milestone(cur)
                .map_or(String::new(), |m| m.title.clone());
            out.push(IntegrityItem {
                issue: i.id,
                problem: format!("open in past milestone {}", m.title),
                fix: format!("move to {cur_title}"),
                edit: Edit {
                    milestone: Some(Some(cur)),
                    ..Edit::default()
                },
            });
        }
    }
    out
}

/// Keys in the lane-integrity list.
pub fn integrity_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let items = integrity(state);
    let Mode::Integrity { cursor } = &mut state.mode else {
        return Vec::new();
    };
    match cmd {
        Command::Up => *cursor = cursor.saturating_sub(1),
        Command::Down => *cursor = (*cursor + 1).min(items.len().saturating_sub(1)),
        Command::Back => state.mode = Mode::Board,
        Command::Fix => {
            let at = (*cursor).min(items.len().saturating_sub(1));
            let Some(item) = items.get(at).cloned() else {
                state.mode = Mode::Board;
                return Vec::new();
            };
            let Some(i) = state.ws.issue(item.issue) else {
                return Vec::new();
            };
            let summary = format!("{}: {}", state.short_ref(i), item.fix);
            let fx = commit(state, item.issue, item.edit, summary, None, UndoAs::Step);
            let left = integrity(state).len();
            state.mode = if left == 0 {
                Mode::Board
            } else {
                Mode::Integrity {
                    cursor: at.min(left - 1),
                }
            };
            return fx;
        }
        _ => {}
    }
    Vec::new()
}

/// The id `Compose` uses for a new issue's description.
pub const DRAFT: IssueId = u64::MAX;

/// `n`: a new issue in the selected lane; asks for its title.
fn start_new_issue(state: &mut AppState) -> Vec<Effect> {
    let lane = match state.layout.columns.get(state.view().col).map(|c| &c.kind) {
        Some(ColumnKind::Lane(l)) => Some(l.clone()),
        Some(ColumnKind::Open) => None,
        Some(ColumnKind::Iteration) => Some(state.team.ready_lane.clone()),
        Some(ColumnKind::Closed) | None => {
            return warn(state, "new issues go in a lane, not in Closed");
        }
    };
    if state.ws.projects.is_empty() {
        return warn(state, "no project known yet: wait for the first sync");
    }
    state.mode = Mode::Input {
        purpose: InputPurpose::NewTitle { lane },
        issue: 0,
        text: String::new(),
    };
    Vec::new()
}

fn new_issue_titled(state: &mut AppState, title: String, lane: Option<String>) -> Vec<Effect> {
    if title.is_empty() {
        state.info("no title: nothing created");
        return Vec::new();
    }
    // The project: remembered, else that of the cards around, else asked.
    let near = state
        .layout
        .columns
        .get(state.view().col)
        .and_then(|c| c.cards.first())
        .map(|c| state.ws.issues[c.issue].project_id);
    let mut projects = state.ws.projects.clone();
    projects.sort_by_key(|p| {
        (
            Some(p.id) != state.last_project,
            Some(p.id) != near,
            p.path.clone(),
        )
    });
    if projects.len() == 1 {
        return new_issue_in(state, title, lane, projects[0].id);
    }
    let items = projects
        .iter()
        .map(|p| PickItem {
            label: p.name().to_owned(),
            detail: if Some(p.id) == state.last_project {
                format!("{}  (last used)", p.path)
            } else {
                p.path.clone()
            },
            value: PickValue::Project(p.id),
        })
        .collect();
    let mut picker = Picker::new(
        PickPurpose::Project,
        format!("Project of \"{title}\""),
        0,
        items,
    );
    picker.new_issue = Some((title, lane));
    state.mode = Mode::Picker(Box::new(picker));
    Vec::new()
}

fn new_issue_in(
    state: &mut AppState,
    title: String,
    lane: Option<String>,
    project: u64,
) -> Vec<Effect> {
    state.last_project = Some(project);
    let mut labels = vec![state.team.team_label.clone()];
    if let Some(l) = &lane {
        labels.push(state.team.lane_label(l));
    }
    labels.sort();
    let milestone = match state.board {
        BoardKind::Iteration | BoardKind::Planning => state.milestone,
        BoardKind::Backlog => None,
    };
    let new = edit::NewIssue {
        project,
        title,
        description: String::new(),
        labels,
        milestone,
    };
    if state.editor {
        let header = format!(
            "Description of the new issue \"{}\"\nLines starting with # are left out; leave it empty for none.",
            new.title
        );
        state.draft = Some(new);
        return vec![Effect::Compose {
            issue: DRAFT,
            header,
        }];
    }
    create(state, new)
}

/// A comment or description written in `$EDITOR`, or why the editor failed.
pub fn on_composed(
    state: &mut AppState,
    issue: IssueId,
    text: Result<String, String>,
) -> Vec<Effect> {
    if issue == DRAFT {
        let Some(mut new) = state.draft.take() else {
            return Vec::new();
        };
        match text {
            Ok(t) => {
                let body: Vec<&str> = t.lines().filter(|l| !l.starts_with('#')).collect();
                new.description = body.join("\n").trim().to_owned();
            }
            Err(why) => state.warn(format!("{why}; created without a description")),
        }
        return create(state, new);
    }
    let body = match text {
        Ok(t) => t,
        Err(why) => return warn(state, &why),
    };
    let body: String = body
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let body = body.trim().to_owned();
    if body.is_empty() {
        state.info("empty comment: nothing sent");
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
    use crate::core::action::{Action, OutboxEvent, StoreUpdate};
    use crate::core::edit::Change;
    use crate::core::keymap;
    use crate::core::state::Severity;
    use crate::core::testing::{issue, team, user, workspace};
    use crate::core::update::update;
    use chrono::NaiveDate;

    fn state() -> AppState {
        let mut issues = Vec::new();
        for n in 0..6u64 {
            let lane = ["Ready", "In Progress"][(n % 2) as usize];
            let mut i = issue(
                n + 1,
                100 + n,
                &["team::Datastores", &format!("workflow-infra::{lane}")],
            );
            i.milestone_id = Some(1);
            i.position = n as i64 * 1024;
            issues.push(i);
        }
        let mut b = issue(50, 150, &["team::Datastores", "workflow-infra::Triage"]);
        b.position = 99_000;
        issues.push(b);
        let mut ws = workspace(issues);
        ws.me = Some(user(7, "zoe", "Zoë Müller"));
        let mut s = AppState::new(
            ws,
            team(),
            NaiveDate::from_ymd_opt(2025, 11, 5).unwrap(),
            BoardKind::Iteration,
        );
        s.sync.enabled = true;
        update(
            &mut s,
            Action::Resize {
                width: 160,
                height: 40,
            },
        );
        s
    }

    fn keys(s: &mut AppState, ks: &str) -> Vec<Effect> {
        let mut fx = Vec::new();
        for k in keymap::parse_sequence(ks).unwrap_or_default() {
            fx.extend(update(s, Action::Key(k)));
        }
        fx
    }

    fn enqueued(fx: &[Effect]) -> Vec<&Change> {
        fx.iter()
            .flat_map(|e| match e {
                Effect::Enqueue { changes, .. } => changes.iter().collect(),
                Effect::Retry { change, .. } => vec![&**change],
                _ => Vec::new(),
            })
            .collect()
    }

    /// The outbox adapter: what was enqueued is written down, with ids.
    fn saved(s: &mut AppState, fx: &[Effect]) -> Vec<Change> {
        let mut out = Vec::new();
        for e in fx {
            let (local, changes) = match e {
                Effect::Enqueue { local, changes } => (*local, changes.clone()),
                Effect::Retry { local, change, .. } => (*local, vec![(**change).clone()]),
                _ => continue,
            };
            let first = 1000 + 100 * local;
            let ids: Vec<u64> = (0..changes.len() as u64).map(|n| first + n).collect();
            update(
                s,
                Action::Outbox(OutboxEvent::Saved {
                    local,
                    ids: ids.clone(),
                }),
            );
            for (mut c, id) in changes.into_iter().zip(ids) {
                c.id = id;
                c.action = first;
                out.push(c);
            }
        }
        out
    }

    /// The cache after the sender: `sent` applied (with GitLab's issue
    /// when given), `refused` refused.
    fn answered(
        s: &mut AppState,
        sent: &[(u64, Option<Issue>)],
        refused: &[(u64, &str, Option<Issue>)],
    ) {
        let done: Vec<u64> = sent
            .iter()
            .map(|(id, _)| *id)
            .chain(refused.iter().map(|(id, _, _)| *id))
            .collect();
        let queued: Vec<Change> = s
            .pending
            .iter()
            .filter(|c| !done.contains(&c.id))
            .cloned()
            .collect();
        let mut failed: Vec<(Change, String)> = s
            .problems
            .iter()
            .map(|p| (p.change.clone(), p.reason.clone()))
            .collect();
        let mut upsert = Vec::new();
        let mut sent_list = Vec::new();
        for (id, issue) in sent {
            let c = s.pending.iter().find(|c| c.id == *id).unwrap().clone();
            sent_list.push((c, issue.as_ref().map(|i| i.id)));
            upsert.extend(issue.clone());
        }
        for (id, reason, issue) in refused {
            let c = s.pending.iter().find(|c| c.id == *id).unwrap().clone();
            failed.push((c, reason.to_string()));
            upsert.extend(issue.clone());
        }
        update(
            s,
            Action::Store(Box::new(StoreUpdate {
                upsert,
                queued,
                failed,
                sent: sent_list,
                ..StoreUpdate::default()
            })),
        );
    }

    fn sel(s: &AppState) -> &Issue {
        s.selected_issue().unwrap()
    }

    fn col_title(s: &AppState) -> &str {
        &s.layout.columns[s.view().col].title
    }

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
        assert!(s.pending.is_empty(), "pending only once written down");
        saved(&mut s, &fx);
        assert_eq!(s.pending.len(), 1);
        assert!(s.unsaved.is_empty());
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
        assert_eq!(s.layout.card_count(), 0, "it left the backlog");
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
        assert!(matches!(s.mode, Mode::Confirm { .. }));
        let fx = keys(&mut s, "y");
        assert_eq!(enqueued(&fx)[0].edit.state, Some(IssueState::Closed));
        assert_eq!(col_title(&s), "Closed");
        // Out of Closed to the left reopens.
        let fx = keys(&mut s, "H");
        assert_eq!(enqueued(&fx)[0].edit.state, Some(IssueState::Opened));
    }

    #[test]
    fn reorder_goes_between_the_new_neighbours() {
        let mut s = state();
        keys(&mut s, "lljj");
        let ids: Vec<u64> = s.layout.columns[2]
            .cards
            .iter()
            .map(|c| s.ws.issues[c.issue].id)
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
        let ids: Vec<u64> = s.layout.columns[2]
            .cards
            .iter()
            .map(|c| s.ws.issues[c.issue].id)
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
        assert_eq!(s.status.as_ref().unwrap().text, "already at the top");
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
    fn pickers_choose_lanes_milestones_and_assignees() {
        let mut s = state();
        s.ws.members.push(user(8, "ben", "Ben Wright"));
        s.ws.members.push(user(7, "zoe", "Zoë Müller"));
        keys(&mut s, "ll");
        keys(&mut s, "m");
        assert!(matches!(s.mode, Mode::Picker(_)));
        let fx = keys(&mut s, "review<Enter>");
        assert_eq!(
            enqueued(&fx)[0].edit.add_labels,
            vec!["workflow-infra::Under Review"]
        );
        assert_eq!(col_title(&s), "Under Review");

        let fx = keys(&mut s, "Mnone<Enter>");
        assert_eq!(enqueued(&fx)[0].edit.milestone, Some(None));

        keys(&mut s, "2");
        let mut s = state();
        s.ws.members = vec![user(7, "zoe", "Zoë Müller"), user(8, "ben", "Ben Wright")];
        keys(&mut s, "ll");
        keys(&mut s, "a");
        let fx = keys(&mut s, "ben<Tab><Enter>");
        let c = enqueued(&fx)[0];
        assert_eq!(c.edit.assign, vec![8]);
        assert!(c.edit.unassign.is_empty());
        // Reopened, the picker shows ben selected; Tab on the first (you) adds you.
        let fx = keys(&mut s, "a<Tab><Enter>");
        assert_eq!(enqueued(&fx)[0].edit.assign, vec![7]);
        let fx = keys(&mut s, "A");
        assert_eq!(enqueued(&fx)[0].edit.unassign, vec![7]);
    }

    #[test]
    fn weight_and_comment_prompts() {
        let mut s = state();
        keys(&mut s, "ll");
        let fx = keys(&mut s, "w5<Enter>");
        assert_eq!(enqueued(&fx)[0].edit.weight, Some(Some(5)));
        assert_eq!(sel(&s).weight, Some(5));
        let fx = keys(&mut s, "w<C-u>none<Enter>");
        assert_eq!(enqueued(&fx)[0].edit.weight, Some(None));
        let fx = keys(&mut s, "wabc<Enter>");
        assert!(enqueued(&fx).is_empty());
        let fx = keys(&mut s, "cLooks good, taking it<Enter>");
        assert_eq!(
            enqueued(&fx)[0].edit.comment.as_deref(),
            Some("Looks good, taking it")
        );
    }

    #[test]
    fn outbox_results_confirm_or_revert_and_fill_the_problems_panel() {
        let mut s = state();
        keys(&mut s, "ll");
        let fx = keys(&mut s, "t");
        assert!(s.pending.is_empty(), "pending only once written down");
        let c = saved(&mut s, &fx)[0].clone();
        assert_eq!(s.pending.len(), 1);
        // GitLab refuses: the board shows GitLab's version again.
        let mut fresh = s.base.get(&c.issue).unwrap().clone();
        fresh.labels = vec!["team::Datastores".into(), "workflow-infra::Ready".into()];
        fresh.assignees.clear();
        answered(&mut s, &[], &[(c.id, "404 Issue Not Found", Some(fresh))]);
        assert!(s.pending.is_empty());
        assert_eq!(s.problems.len(), 1);
        assert_eq!(col_title(&s), "Ready", "selection followed the card back");
        assert!(s.base.is_empty(), "no changes over it any more");
        keys(&mut s, "!");
        assert_eq!(s.mode, Mode::Problems { cursor: 0 });
        let fx = keys(&mut s, "r");
        assert!(matches!(fx.as_slice(), [Effect::Retry { old, .. }] if *old == c.id));
        assert_eq!(s.mode, Mode::Board);
        assert_eq!(
            col_title(&s),
            "In Progress",
            "the retried change shows at once"
        );
        let again = saved(&mut s, &fx);
        assert_eq!(s.pending.len(), 1);
        answered(&mut s, &[(again[0].id, None)], &[]);
        assert!(s.pending.is_empty());
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
        let full = |ws: &crate::core::model::Workspace, s: &AppState| StoreUpdate {
            full: Some((Box::new(ws.clone()), vec![])),
            queued: s.pending.clone(),
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
        let mut other = s.pending[0].clone();
        other.id = 5000;
        other.edit = Edit {
            weight: Some(Some(8)),
            ..Edit::default()
        };
        let mut u = full(&ws, &s);
        u.queued.push(other);
        update(&mut s, Action::Store(Box::new(u)));
        assert_eq!(sel(&s).weight, Some(8));
        assert_eq!(s.pending.len(), 2);
    }

    #[test]
    fn grab_carries_the_card_and_drops_one_change() {
        let mut s = state();
        keys(&mut s, "ll");
        keys(&mut s, "<Space>");
        assert!(matches!(s.mode, Mode::Grab { .. }));
        let fx = keys(&mut s, "ljj");
        assert!(fx.is_empty(), "carrying changes nothing on GitLab");
        assert_eq!(col_title(&s), "In Progress");
        let fx = keys(&mut s, "<Enter>");
        let cs = enqueued(&fx);
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].edit.add_labels, vec!["workflow-infra::In Progress"]);
        assert!(cs[0].edit.reorder.is_some());
        // Esc puts it back.
        let before = s.ws.clone();
        keys(&mut s, "<Space>hk<Esc>");
        assert_eq!(s.ws.issues, before.issues);
    }

    #[test]
    fn with_an_editor_comments_are_written_there() {
        let mut s = state();
        s.editor = true;
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
                text: Ok("# note to self\nShipping **today**.\n".into()),
            },
        );
        assert_eq!(
            enqueued(&fx)[0].edit.comment.as_deref(),
            Some("Shipping **today**.")
        );
        let fx = update(
            &mut s,
            Action::Composed {
                issue,
                text: Ok("# only a comment line\n".into()),
            },
        );
        assert!(fx.is_empty());
        let fx = update(
            &mut s,
            Action::Composed {
                issue,
                text: Err("cannot run vim: not found".into()),
            },
        );
        assert!(fx.is_empty());
        assert_eq!(s.status.as_ref().unwrap().severity, Severity::Warning);
    }

    #[test]
    fn a_new_issue_appears_at_once_and_becomes_the_real_one() {
        let mut s = state();
        keys(&mut s, "ll");
        assert_eq!(col_title(&s), "Ready");
        keys(&mut s, "nPatroni drill for ci");
        assert!(matches!(s.mode, Mode::Input { .. }));
        keys(&mut s, "<Enter>");
        // Two projects: a picker, the one of the cards around first.
        let Mode::Picker(p) = &s.mode else {
            panic!("{:?}", s.mode)
        };
        assert_eq!(p.current().unwrap().label, "alpha");
        let fx = keys(&mut s, "<Enter>");
        let c = enqueued(&fx)[0].clone();
        let new = c.edit.create.clone().unwrap();
        assert_eq!(
            new.labels,
            vec!["team::Datastores", "workflow-infra::Ready"]
        );
        assert_eq!(new.milestone, Some(1));
        assert_eq!(new.project, 1);
        assert_eq!(sel(&s).title, "Patroni drill for ci");
        assert_eq!(s.short_ref(sel(&s)), "new");
        assert_eq!(s.layout.columns[2].cards.len(), 4, "in Ready");
        assert_eq!(
            s.layout.columns[2]
                .cards
                .last()
                .map(|k| s.ws.issues[k.issue].id),
            Some(sel(&s).id),
            "last, where GitLab puts a new issue"
        );
        // Other workflow keys wait for it to exist.
        assert!(enqueued(&keys(&mut s, "t")).is_empty());
        // Written down, then GitLab created it.
        let c = saved(&mut s, &fx)[0].clone();
        let mut real = issue(900, 321, &["team::Datastores", "workflow-infra::Ready"]);
        real.title = "Patroni drill for ci".into();
        real.milestone_id = Some(1);
        real.position = 90_000;
        answered(&mut s, &[(c.id, Some(real))], &[]);
        assert_eq!(sel(&s).iid, 321);
        assert_eq!(s.layout.columns[2].cards.len(), 4);
        assert!(s.ws.issue(c.issue).is_none(), "the placeholder is gone");
        // The project is remembered: no picker next time.
        keys(&mut s, "nsecond<Enter>");
        let Mode::Picker(p) = &s.mode else { panic!() };
        assert!(p.current().unwrap().detail.contains("last used"));
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
        assert_eq!(s.status.as_ref().unwrap().text, "already at the top");
    }

    #[test]
    fn the_planning_issue_opens_in_the_detail_pane() {
        let mut s = state();
        keys(&mut s, "i");
        assert!(
            s.status
                .as_ref()
                .unwrap()
                .text
                .contains("no planning issue")
        );
        let mut p = issue(
            60,
            160,
            &["team::Datastores", "workflow-infra::In Progress"],
        );
        p.title = "Datastores team - W45 Iteration Planning".into();
        s.ws.issues.push(p);
        keys(&mut s, "i");
        assert!(matches!(s.mode, Mode::Detail { issue: 60, .. }));
    }

    #[test]
    fn the_replan_screen_moves_the_chosen_issues_and_follows_the_target() {
        let mut s = state();
        keys(&mut s, "R");
        let Mode::Replan(r) = &s.mode else {
            panic!("{:?}", s.mode)
        };
        assert_eq!((r.from, r.target, r.items.len()), (1, 2, 6));
        // Leave the second out, reset lanes to Ready.
        keys(&mut s, "j<Space>r<Enter>");
        let Mode::Replan(r) = &s.mode else { panic!() };
        assert!(r.confirming && r.reset_lane);
        let fx = keys(&mut s, "y");
        let cs = enqueued(&fx);
        assert_eq!(cs.len(), 5);
        assert!(cs.iter().all(|c| c.edit.milestone == Some(Some(2))));
        assert!(fx.contains(&Effect::Follow(2)));
        assert_eq!((s.milestone, s.followed), (Some(2), Some(2)));
        assert_eq!(
            s.layout.columns[2].cards.len(),
            5,
            "all in Ready of the next iteration"
        );
        assert!(s.status.as_ref().unwrap().text.starts_with("5 issues from"));
        assert_eq!(s.batch_progress(), Some((0, 0, 5)));
        assert!(
            matches!(fx.as_slice(), [Effect::Enqueue { changes, .. }, ..] if changes.len() == 5),
            "one batch"
        );
        let ids: Vec<u64> = saved(&mut s, &fx).iter().map(|c| c.id).collect();
        assert_eq!(s.batch_progress(), Some((0, 0, 5)));
        let sent: Vec<(u64, Option<Issue>)> = ids[..4].iter().map(|id| (*id, None)).collect();
        answered(&mut s, &sent, &[]);
        assert_eq!(s.batch_progress(), Some((4, 0, 5)));
        answered(&mut s, &[], &[(ids[4], "404", None)]);
        assert_eq!(s.batch, None);
        assert!(
            s.status
                .as_ref()
                .unwrap()
                .text
                .contains("4 applied, 1 refused")
        );
        // One u undoes the whole re-plan, as one batch.
        let fx = keys(&mut s, "u");
        let undo = enqueued(&fx);
        assert_eq!(undo.len(), 5);
        assert!(undo.iter().all(|c| c.edit.milestone == Some(Some(1))));
        assert!(matches!(fx.as_slice(), [Effect::Enqueue { .. }]));
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
        let msg = &s.status.as_ref().unwrap().text;
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
        assert_eq!(s.status.as_ref().unwrap().text, "nothing to undo");
    }

    #[test]
    fn quick_views_and_jumping_to_a_milestone() {
        let mut s = state();
        s.ws.issues[0].assignees = vec![user(7, "zoe", "Zoë Müller")];
        s.relayout();
        keys(&mut s, "f");
        assert_eq!(s.quick, crate::core::state::QuickFilter::Mine);
        assert_eq!(s.layout.card_count(), 1);
        keys(&mut s, "f");
        assert_eq!(s.layout.card_count(), 5, "unassigned");
        keys(&mut s, "fff");
        assert_eq!(s.layout.card_count(), 6, "back to all");
        keys(&mut s, "gm");
        assert!(matches!(s.mode, Mode::Picker(_)));
        keys(&mut s, "W47<Enter>");
        assert_eq!(s.milestone, Some(2));
        assert_eq!(s.followed, None, "browsing only");
    }

    #[test]
    fn lane_integrity_lists_problems_and_fixes_each_with_one_key() {
        let mut s = state();
        s.ws.issues[0].labels = vec!["team::Datastores".into()];
        s.ws.issues[1].labels.push("workflow-infra::Blocked".into());
        s.ws.issues[1].labels.sort();
        s.relayout();
        keys(&mut s, "gi");
        assert_eq!(s.mode, Mode::Integrity { cursor: 0 });
        let items = integrity(&s);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].fix, "move to Ready");
        assert_eq!(
            items[1].fix, "move to Blocked",
            "the lane furthest along is kept"
        );
        let fx = keys(&mut s, "<Enter>");
        assert_eq!(
            enqueued(&fx)[0].edit.add_labels,
            vec!["workflow-infra::Ready"]
        );
        let fx = keys(&mut s, "x");
        assert_eq!(
            enqueued(&fx)[0].edit.remove_labels,
            vec!["workflow-infra::In Progress"]
        );
        assert_eq!(s.mode, Mode::Board, "nothing left");
    }

    #[test]
    fn planning_mode_promotes_into_the_shown_iteration() {
        let mut s = state();
        keys(&mut s, "]");
        assert_eq!(s.milestone, Some(2));
        keys(&mut s, "gp");
        assert_eq!(s.board, BoardKind::Planning);
        assert_eq!(
            s.layout
                .columns
                .iter()
                .map(|c| c.title.as_str())
                .collect::<Vec<_>>(),
            vec!["Triage", "W47"]
        );
        assert_eq!(s.layout.columns[0].cards.len(), 1);
        let fx = keys(&mut s, "p");
        let c = enqueued(&fx)[0];
        assert_eq!(
            c.edit.milestone,
            Some(Some(2)),
            "into the iteration shown, not the current one"
        );
        assert_eq!(s.layout.columns[1].cards.len(), 1);
        assert_eq!(col_title(&s), "W47", "the selection followed the card");
    }

    #[test]
    fn the_demo_changes_locally_and_sends_nothing() {
        let mut s = state();
        s.sync.enabled = false;
        keys(&mut s, "ll");
        let fx = keys(&mut s, "t");
        assert!(enqueued(&fx).is_empty());
        assert!(s.pending.is_empty());
        assert_eq!(col_title(&s), "In Progress");
        assert!(s.status.as_ref().unwrap().text.contains("not sent"));
    }
}
