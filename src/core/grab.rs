//! Grab mode (entered with Space from the board's workflow keys): the card
//! is carried with hjkl on the board alone, Enter drops it as one change
//! (lane, state and place), Esc puts it back.

use super::action::Effect;
use super::board::{BoardKind, ColumnKind};
use super::commit::{UndoAs, commit, neighbours};
use super::edit::{self, Edit, Seen};
use super::keymap::Command;
use super::model::{Issue, IssueState};
use super::state::{AppState, Mode};
use super::workflow_keys::reorder_edit;

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
                state.warn("carry between lanes on the iteration board");
                return Vec::new();
            }
            let ncols = state.layout.columns.len();
            let Some(kind) = super::num::step(state.view().col, delta, ncols)
                .and_then(|col| state.layout.columns.get(col))
                .map(|c| c.kind.clone())
            else {
                return Vec::new();
            };
            let Some(cur) = state.ws.issue(id).cloned() else {
                return Vec::new();
            };
            let mut e = match &kind {
                ColumnKind::Iteration => {
                    state.warn("carry between lanes on the iteration board");
                    return Vec::new();
                }
                ColumnKind::Lane(l) => edit::to_lane(&cur, &state.team, Some(l)),
                ColumnKind::Open => edit::to_lane(&cur, &state.team, None),
                // As GitLab's board: closed, and the lane labels removed
                // (`Boards::BaseItemMoveService#issuable_params`).
                ColumnKind::Closed => Edit {
                    state: Some(IssueState::Closed),
                    ..edit::to_lane(&cur, &state.team, None)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{col_title, enqueued, keys, state};

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
}
