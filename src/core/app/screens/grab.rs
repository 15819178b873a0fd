//! Grab mode (entered with Space from the board's workflow keys): the card
//! is carried with hjkl on the board alone, Enter drops it as one change
//! (lane, state and place), Esc puts it back.

use crate::core::app::action::Effect;
use crate::core::app::command::{Binding, Command};
use crate::core::app::commit::{act_together, neighbours, reorder_edit};
use crate::core::app::screens::Mode;
use crate::core::app::screens::{Keys, Screen};
use crate::core::app::state::AppState;

use crate::core::domain::board::{BoardKind, ColumnKind};
use crate::core::domain::edit::{self, Edit, Seen};
use crate::core::domain::model::{Issue, IssueState};
use crate::core::domain::workflow::{Intent, Placement};

/// A card lifted with Space: moves are local until Enter; `original` is
/// the card as it was, put back by Esc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrabScreen {
    pub original: Box<Issue>,
}

impl Keys for GrabScreen {
    const NAME: &'static str = "grab";
    const TITLE: &'static str = "Grab mode";
    const BINDINGS: &'static [Binding] = &[
        Binding::new("k|<Up>", Command::Up, "carry up"),
        Binding::new("j|<Down>", Command::Down, "carry down"),
        Binding::new("h|<Left>", Command::Left, "carry to the lane on the left"),
        Binding::new(
            "l|<Right>",
            Command::Right,
            "carry to the lane on the right",
        ),
        Binding::new(
            "<Enter>|<Space>",
            Command::Accept,
            "drop here: one change (lane and position)",
        ),
        Binding::new("<Esc>|q", Command::Cancel, "put it back"),
        Binding::new("<C-c>", Command::Quit, "quit"),
    ];
}

impl Screen for GrabScreen {
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        grab_command(state, cmd)
    }
}

/// Keys in grab mode: carry the card locally; Enter makes one change.
pub fn grab_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let Mode::Grab(GrabScreen { original }) = &state.focus.mode else {
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
                state.board.view_select(id);
                state.relayout();
            }
        }
        Command::Left | Command::Right => {
            let delta = if cmd == Command::Left { -1 } else { 1 };
            if state.board.kind != BoardKind::Iteration {
                state
                    .status
                    .warn("carry between lanes on the iteration board");
                return Vec::new();
            }
            let ncols = state.board.layout.columns.len();
            let Some(kind) = crate::core::domain::num::step(state.board.view().col, delta, ncols)
                .and_then(|col| state.board.layout.columns.get(col))
                .map(|c| c.kind.clone())
            else {
                return Vec::new();
            };
            let Some(cur) = state.ws.issue(id).cloned() else {
                return Vec::new();
            };
            let mut e = match &kind {
                ColumnKind::Iteration => {
                    state
                        .status
                        .warn("carry between lanes on the iteration board");
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
            state.board.view_select(id);
            state.relayout();
        }
        Command::Cancel => {
            restore(state, original);
            state.focus.mode = Mode::Board;
            state.status.info("put back");
        }
        Command::Accept => {
            state.focus.mode = Mode::Board;
            let Some(now) = state.ws.issue(id).cloned() else {
                return Vec::new();
            };
            let place = neighbours(state, id);
            let moved_place = now.position != original.position;
            // Where it was dropped, as the workflow's intents: the column
            // it is in (a lane, Open, Closed) when that is not where it
            // was, then its place there. One change, planned as the keys
            // and the command line plan the same move.
            let mut intents = Vec::new();
            if Seen::of(&now, &state.team) != Seen::of(&original, &state.team) {
                let kind = state.board.selected_column().map(|c| c.kind.clone());
                intents.push(match kind {
                    Some(ColumnKind::Lane(l)) => Intent::Lane(l),
                    Some(ColumnKind::Closed) => Intent::ToClosed,
                    _ => Intent::NoLane,
                });
            }
            let position = now.position;
            restore(state, original.clone());
            if moved_place && let Some(r) = place {
                intents.push(Intent::Reorder {
                    after: r.after,
                    before: r.before,
                    how: Placement::Carried,
                });
            }
            if intents.is_empty() {
                state.status.info("dropped where it was");
                return Vec::new();
            }
            return act_together(state, &original, &intents, Some(position));
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
    state.board.view_select(id);
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
        assert!(matches!(s.focus.mode, Mode::Grab(GrabScreen { .. })));
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

    /// A card carried to Closed or Open is the move the keys and the
    /// command line make there (issue #27): the same change, in the same
    /// words (before, it was "#N moved", and its own edit).
    #[test]
    fn a_dropped_card_is_planned_as_the_same_move_from_the_keys() {
        use crate::core::domain::workflow::{self, Intent};
        let mut s = state();
        keys(&mut s, "ll");
        let issue = s.selected_issue().cloned().expect("a card");
        let name = s.short_ref(&issue);
        let ctx = s.workflow_context();
        let to_closed = workflow::plan(&ctx, &issue, &name, &Intent::ToClosed).unwrap();
        let ncols = s.board.layout.columns.len();
        keys(&mut s, "<Space>");
        for _ in 0..ncols {
            keys(&mut s, "l");
        }
        let fx = keys(&mut s, "<Enter>");
        let cs = enqueued(&fx);
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].edit.add_labels, to_closed.edit.add_labels);
        assert_eq!(cs[0].edit.remove_labels, to_closed.edit.remove_labels);
        assert_eq!(cs[0].edit.state, to_closed.edit.state);
        assert_eq!(cs[0].summary, to_closed.summary);
    }
}
