//! Making changes: one user action (a move, or a re-plan of 500 issues)
//! becomes one batch of changes, shown on the board at once, written to
//! the outbox in one transaction, and undone with one `u`. Also what the
//! outbox reports back about writing them down.

use crate::core::app::action::{Effect, OutboxEvent};
use crate::core::app::changes::{UndoEntry, Unsaved};
use crate::core::app::overlay::placeholder_id;
use crate::core::app::state::AppState;
use crate::core::app::status::{Severity, StatusMessage};
use crate::core::domain::edit::{self, Change, Edit, NewIssue, Reorder, Seen};
use crate::core::domain::model::{Issue, IssueId, label_scope};
use crate::core::domain::workflow::{self, Intent, Refusal};

/// One change of a user action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub issue: IssueId,
    pub edit: Edit,
    pub summary: String,
    /// The card's new place (a reorder), shown at once.
    pub position: Option<i64>,
}

impl Step {
    pub fn new(issue: IssueId, edit: Edit, summary: String) -> Step {
        Step {
            issue,
            edit,
            summary,
            position: None,
        }
    }
}

/// How `u` treats an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndoAs {
    /// One undo step.
    Step,
    /// GitLab cannot take it back (a comment): `u` says so.
    Never,
    /// It is itself an undo.
    Undoing,
}

fn next_local(state: &mut AppState) -> u64 {
    state.changes.local_seq += 1;
    state.changes.local_seq
}

/// The reorder that moves `id` one card up or down in the selected column,
/// and its new local position.
pub(crate) fn reorder_edit(state: &AppState, id: IssueId, delta: i64) -> Option<(Edit, i64)> {
    let col = state.board.selected_column()?;
    let row = col.cards.iter().position(|c| c.id == id)?;
    let card = |r: Option<usize>| {
        r.and_then(|r| col.cards.get(r))
            .and_then(|c| c.issue(&state.ws))
    };
    // Moving up: between row-2 and row-1; down: between row+1 and row+2.
    let last = col.cards.len().saturating_sub(1);
    let (above, below) = if delta == i64::MIN / 4 {
        // To the top.
        if row == 0 {
            return None;
        }
        (None, Some(card(Some(0))?))
    } else if delta == i64::MAX / 4 {
        // To the bottom.
        if row == last {
            return None;
        }
        (Some(card(Some(last))?), None)
    } else if delta < 0 {
        (card(row.checked_sub(2)), Some(card(row.checked_sub(1))?))
    } else {
        (Some(card(row.checked_add(1))?), card(row.checked_add(2)))
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

/// The issues just above and below `id` in the selected column.
pub fn neighbours(state: &AppState, id: IssueId) -> Option<Reorder> {
    let col = state.board.selected_column()?;
    let row = col.cards.iter().position(|c| c.id == id)?;
    let at = |r: Option<usize>| r.and_then(|r| col.cards.get(r)).map(|c| c.id);
    Some(Reorder {
        after: at(row.checked_sub(1)),
        before: at(Some(row + 1)),
    })
}

/// Make a user action's changes: show them on the board now, remember
/// them as one undo step, and queue them for GitLab as one batch (the demo
/// keeps them local). `label` says what the action did.
pub fn commit_action(
    state: &mut AppState,
    steps: Vec<Step>,
    label: String,
    undo: UndoAs,
) -> Vec<Effect> {
    let steps: Vec<Step> = steps.into_iter().filter(|s| !s.edit.is_empty()).collect();
    if steps.is_empty() {
        state.status.info("nothing to change");
        return Vec::new();
    }
    let live = !state.ws.is_demo && state.session.sync.enabled;
    let local = next_local(state);
    let mut changes = Vec::with_capacity(steps.len());
    let mut places = Vec::with_capacity(steps.len());
    let members = state.ws.members.clone();
    let last = steps.last().map(|s| s.issue);
    for step in steps {
        let Some(idx) = state.ws.issues.iter().position(|i| i.id == step.issue) else {
            continue;
        };
        let issue = &state.ws.issues[idx];
        let seen = Seen::of(issue, &state.team);
        places.push(
            step.edit
                .reorder
                .and_then(|_| neighbours(state, step.issue)),
        );
        let issue = &state.ws.issues[idx];
        let change = Change {
            issue: step.issue,
            project: issue.project_id,
            iid: issue.iid,
            edit: step.edit,
            seen,
            summary: step.summary,
            ..Change::default()
        };
        if live && issue.iid != 0 && !state.changes.base.contains_key(&step.issue) {
            state.changes.base.insert(step.issue, issue.clone());
        }
        let issue = &mut state.ws.issues[idx];
        edit::apply(issue, &change.edit, &members);
        if let Some(p) = step.position {
            issue.position = p;
        }
        changes.push(change);
    }
    if changes.is_empty() {
        return Vec::new();
    }
    if undo != UndoAs::Undoing {
        state.changes.undo.push(UndoEntry {
            changes: changes.clone(),
            places,
            label: label.clone(),
            undoable: undo == UndoAs::Step,
            local,
            board_before: None,
        });
    }
    if let Some(id) = last {
        state.board.view_select(id);
    }
    state.relayout();
    let said = format!("{label}{}", nowhere(state, &changes));
    if !live {
        state
            .status
            .info(format!("{said} (demo: changed here, not sent)"));
        return Vec::new();
    }
    state.status.info(said);
    state.changes.unsaved.push(Unsaved {
        local,
        changes: changes.clone(),
    });
    vec![Effect::Enqueue { local, changes }]
}

/// Changed issues now on neither board (a lane past Ready and no
/// milestone): said, with the keys that bring them back.
fn nowhere(state: &AppState, changes: &[Change]) -> String {
    let lost = changes
        .iter()
        .filter_map(|c| state.ws.issue(c.issue))
        .filter(|i| crate::core::domain::board::on_no_board(&state.team, i))
        .count();
    match lost {
        0 => String::new(),
        1 => " · on neither board: no milestone (gi fixes, u undoes)".into(),
        n => format!(" · {n} on neither board: no milestone (gi fixes, u undoes)"),
    }
}

/// One change to one issue as one action.
pub fn commit(
    state: &mut AppState,
    id: IssueId,
    e: Edit,
    summary: String,
    position: Option<i64>,
    undo: UndoAs,
) -> Vec<Effect> {
    let step = Step {
        issue: id,
        edit: e,
        summary: summary.clone(),
        position,
    };
    commit_action(state, vec![step], summary, undo)
}

/// Ask the workflow what `intents` change on `issue` together (a carried
/// card's new lane and place), and make it as one change; `position` is
/// the card's new place on this board until GitLab answers.
pub fn act_together(
    state: &mut AppState,
    issue: &Issue,
    intents: &[Intent],
    position: Option<i64>,
) -> Vec<Effect> {
    let name = state.short_ref(issue);
    let ctx = state.workflow_context();
    let undo = if intents.iter().any(|i| matches!(i, Intent::Comment(_))) {
        UndoAs::Never
    } else {
        UndoAs::Step
    };
    match workflow::plan_together(&ctx, issue, &name, intents) {
        Ok(p) => {
            let position = position.filter(|_| p.edit.reorder.is_some());
            commit(state, issue.id, p.edit, p.summary, position, undo)
        }
        Err(Refusal::NothingToChange) => {
            state.status.info(format!("nothing to change: {name}"));
            Vec::new()
        }
        Err(Refusal::Invalid(why) | Refusal::Unsupported(why)) => {
            state.status.warn(why);
            Vec::new()
        }
    }
}

/// `u`: undo the last user action as a whole, or say why it cannot be.
pub fn undo(state: &mut AppState) -> Vec<Effect> {
    let Some(entry) = state.changes.undo.pop() else {
        state.status.info("nothing to undo");
        return Vec::new();
    };
    if !entry.undoable {
        let next = state
            .changes
            .undo
            .last()
            .map_or("nothing is left to undo".to_owned(), |e| {
                format!("u again undoes: {}", e.label)
            });
        state.status.warn(format!(
            "{} cannot be undone (GitLab keeps it); {next}",
            entry.label
        ));
        return Vec::new();
    }
    let mut steps = Vec::new();
    let scope = state.team.workflow_scope.clone();
    let is_lane = |l: &String| label_scope(l) == Some(scope.as_str());
    for (c, place) in entry.changes.iter().zip(&entry.places).rev() {
        let mut e = edit::inverse(&c.edit, &c.seen);
        // Back to the lane it was in, from the lane it is in now (another
        // change may have moved it since): exactly one lane afterwards.
        if c.edit
            .add_labels
            .iter()
            .chain(&c.edit.remove_labels)
            .any(is_lane)
            && let Some(now) = state.ws.issue(c.issue)
        {
            let now: Vec<String> = state
                .team
                .lanes_of(now)
                .iter()
                .map(|l| state.team.lane_label(l))
                .collect();
            e.add_labels.retain(|l| !is_lane(l));
            e.remove_labels.retain(|l| !is_lane(l));
            e.add_labels
                .extend(c.seen.lanes.iter().filter(|l| !now.contains(l)).cloned());
            e.remove_labels
                .extend(now.iter().filter(|l| !c.seen.lanes.contains(l)).cloned());
        }
        let mut position = None;
        if let (Some(place), Some(_)) = (place, c.edit.reorder) {
            e.reorder = Some(*place);
            let pos =
                |id: Option<IssueId>| id.and_then(|id| state.ws.issue(id)).map(|i| i.position);
            position = Some(edit::position_between(pos(place.after), pos(place.before)));
        }
        steps.push(Step {
            issue: c.issue,
            edit: e,
            summary: format!("undone: {}", c.summary),
            position,
        });
    }
    let label = format!("undone: {}", entry.label);
    let mut fx = commit_action(state, steps, label, UndoAs::Undoing);
    // The board back where the action found it (a re-plan pointed it at
    // its target and followed it).
    if let Some(before) = entry.board_before {
        fx.extend(board_back(state, before));
    }
    fx
}

/// Show and follow again what the board showed and followed before.
fn board_back(state: &mut AppState, before: crate::core::app::changes::BoardBefore) -> Vec<Effect> {
    let mut fx = Vec::new();
    if state.board.followed != before.followed {
        fx.push(match before.followed {
            Some(m) => Effect::Follow(m),
            None => Effect::Unfollow,
        });
        state.board.followed = before.followed;
    }
    if state.board.milestone != before.milestone {
        // Shown from the cache, as the board had it before: no sync of its
        // own (the undo's changes are in flight).
        state.board.milestone = before.milestone;
        state.relayout();
    }
    if let Some(msg) = state.status.message.as_mut() {
        let title = state
            .board
            .milestone
            .and_then(|m| state.ws.milestone(m))
            .map_or("no milestone".to_owned(), |m| m.title.clone());
        msg.text
            .push_str(&format!("; the board shows {title} again"));
    }
    fx
}

/// Queue the creation and show its card at once (last in its column, where
/// GitLab will put it).
pub fn create(state: &mut AppState, new: NewIssue) -> Vec<Effect> {
    let local = next_local(state);
    let id = placeholder_id(state.changes.session, local);
    let me = state.ws.me.clone();
    let mut card = edit::placeholder(id, &new, me, state.session.now);
    card.position = state
        .ws
        .issues
        .iter()
        .map(|i| i.position)
        .max()
        .unwrap_or(0)
        + 1024;
    let summary = format!("new issue: {}", new.title);
    let change = Change {
        issue: id,
        project: new.project,
        iid: 0,
        edit: Edit {
            create: Some(new),
            ..Edit::default()
        },
        seen: Seen::default(),
        summary: summary.clone(),
        ..Change::default()
    };
    state.ws.issues.push(card);
    state.board.view_select(id);
    state.changes.undo.push(UndoEntry {
        changes: vec![change.clone()],
        places: vec![None],
        label: summary.clone(),
        undoable: false,
        local,
        board_before: None,
    });
    state.relayout();
    if state.ws.is_demo || !state.session.sync.enabled {
        state
            .status
            .info(format!("{summary} (demo: created here, not sent)"));
        return Vec::new();
    }
    state.status.info(summary);
    state.changes.unsaved.push(Unsaved {
        local,
        changes: vec![change.clone()],
    });
    vec![Effect::Enqueue {
        local,
        changes: vec![change],
    }]
}

/// Queue a refused change again, on top of what GitLab has now.
pub fn retry(state: &mut AppState, mut change: Change) -> Vec<Effect> {
    let old = change.id;
    let mut again = false;
    if let Some(i) = state
        .changes
        .base
        .get(&change.issue)
        .or(state.ws.issue(change.issue))
    {
        change.seen = Seen::of(i, &state.team);
        // A planning summary is written again over GitLab's text as it is
        // now, not sent into the same conflict.
        again = crate::core::planning::summary::write_again_over(&mut change, i);
    }
    change.id = 0;
    change.attempts = 0;
    change.attempted_at = None;
    let local = next_local(state);
    let issue = change.issue;
    state.changes.unsaved.push(Unsaved {
        local,
        changes: vec![change.clone()],
    });
    state.rebuild(&std::iter::once(issue).collect());
    state.relayout();
    state.status.info(if again {
        format!(
            "retrying: {} over GitLab's text as it is now",
            change.summary
        )
    } else {
        format!("retrying: {}", change.summary)
    });
    vec![Effect::Retry {
        local,
        old,
        change: Box::new(change),
    }]
}

/// When every change of a running batch has an answer, say how it went.
pub fn finish_batch(state: &mut AppState) {
    if let Some((sent, refused, total)) = state.changes.batch_progress()
        && total > 0
        && state
            .changes
            .batch
            .as_ref()
            .is_some_and(|b| !b.changes.is_empty())
        && sent + refused == total
    {
        let label = state
            .changes
            .batch
            .take()
            .map(|b| b.label)
            .unwrap_or_default();
        let text = if refused == 0 {
            format!("{label}: all {total} changes applied")
        } else {
            format!("{label}: {sent} applied, {refused} not applied (! says why)")
        };
        let severity = if refused == 0 {
            Severity::Info
        } else {
            Severity::Warning
        };
        state.status.message = Some(StatusMessage { text, severity });
    }
}

/// What the outbox adapter reports.
pub fn on_outbox(state: &mut AppState, ev: OutboxEvent) -> Vec<Effect> {
    match ev {
        OutboxEvent::Saved { local, ids } => {
            let Some(at) = state.changes.unsaved.iter().position(|u| u.local == local) else {
                return Vec::new();
            };
            let u = state.changes.unsaved.remove(at);
            let issues: std::collections::HashSet<IssueId> =
                u.changes.iter().map(|c| c.issue).collect();
            if ids.len() == u.changes.len() {
                let action = ids.first().copied().unwrap_or(0);
                for (mut c, id) in u.changes.into_iter().zip(&ids) {
                    c.id = *id;
                    c.action = action;
                    if !state.changes.pending.iter().any(|p| p.id == *id) {
                        state.changes.pending.push(c);
                    }
                }
                state.changes.pending.sort_by_key(|c| c.id);
            } else if ids.is_empty() {
                state
                    .status
                    .info("nothing left to retry: newer changes have set those fields since");
            }
            if let Some(b) = state.changes.batch.as_mut()
                && b.local == local
            {
                b.changes = ids;
            }
            state.rebuild(&issues);
            state.relayout();
        }
        OutboxEvent::SaveFailed { local, reason } => {
            let Some(at) = state.changes.unsaved.iter().position(|u| u.local == local) else {
                return Vec::new();
            };
            let u = state.changes.unsaved.remove(at);
            let issues: std::collections::HashSet<IssueId> =
                u.changes.iter().map(|c| c.issue).collect();
            state.changes.undo.retain(|e| e.local != local);
            if state
                .changes
                .batch
                .as_ref()
                .is_some_and(|b| b.local == local)
            {
                state.changes.batch = None;
            }
            state.rebuild(&issues);
            state.relayout();
            state.status.message = Some(StatusMessage {
                text: format!("could not save the change, so it was not sent: {reason}"),
                severity: Severity::Error,
            });
        }
        OutboxEvent::Waiting { why } => state.changes.outbox_wait = Some(why),
        OutboxEvent::Flowing => state.changes.outbox_wait = None,
        OutboxEvent::Said { text } => state.status.info(text),
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::app::action::StoreUpdate;
    use crate::core::domain::board::BoardKind;
    use crate::core::testing::{issue, team, user, workspace};

    #[test]
    fn undo_puts_the_lane_back_even_after_another_move_since() {
        let mut i = issue(1, 10, &["team::Datastores", "workflow-infra::Ready"]);
        i.milestone_id = Some(1);
        let mut ws = workspace(vec![i.clone()]);
        ws.me = Some(user(7, "zoe", "Z"));
        let mut s = AppState::new(
            ws,
            team(),
            chrono::NaiveDate::from_ymd_opt(2025, 11, 5).unwrap_or_default(),
            BoardKind::Iteration,
        );
        s.session.sync.enabled = true;
        let fx = crate::core::app::bulk::act(&mut s, &i, Intent::Lane("In Progress".into()));
        assert_eq!(fx.len(), 1);
        // Written down and applied; then someone moved it to Blocked.
        let mut blocked = i.clone();
        blocked.labels = vec!["team::Datastores".into(), "workflow-infra::Blocked".into()];
        s.changes.unsaved.clear();
        s.apply_store(StoreUpdate {
            upsert: vec![blocked],
            ..StoreUpdate::default()
        });
        let fx = undo(&mut s);
        let Some(Effect::Enqueue { changes, .. }) = fx.first() else {
            panic!("{fx:?}")
        };
        assert_eq!(changes[0].edit.add_labels, vec!["workflow-infra::Ready"]);
        assert_eq!(
            changes[0].edit.remove_labels,
            vec!["workflow-infra::Blocked"]
        );
        let shown = s.ws.issue(1).map(|i| s.team.lanes_of(i).len());
        assert_eq!(shown, Some(1), "exactly one lane");
    }
}
