//! Showing a board or a milestone: the moves between boards and iterations
//! that both the board's own keys ([`crate::core::app::update`]) and the pickers
//! ([`crate::core::app::screens::picker`]) make; selecting a card, and
//! keeping a card selected when the filter changes.

use crate::core::app::action::Effect;
use crate::core::app::state::AppState;
use crate::core::domain::board::BoardKind;
use crate::core::domain::model::MilestoneId;

/// Switch to `board`, laying it out again when it was not shown.
pub fn show_board(state: &mut AppState, board: BoardKind) {
    if state.board.kind != board {
        state.board.kind = board;
        state.relayout();
    }
}

/// Show a milestone on the iteration board, or in planning mode when that
/// is shown (browsing; what is followed stays), and ask the sync to keep
/// it fresh.
pub fn show_milestone(state: &mut AppState, id: MilestoneId) -> Vec<Effect> {
    let planning = state.board.kind == BoardKind::Planning;
    if !planning {
        show_board(state, BoardKind::Iteration);
    }
    state.board.milestone = Some(id);
    state.relayout();
    let title = state
        .shown_milestone()
        .map(|m| m.title.clone())
        .unwrap_or_default();
    state.status.info(if planning {
        format!("planning: backlog → {title}")
    } else {
        format!("showing {title}")
    });
    if state.session.sync.enabled {
        vec![Effect::ShowMilestone(id)]
    } else {
        Vec::new()
    }
}

/// Select the card at `row` of column `col`, and scroll to it.
pub(crate) fn select(state: &mut AppState, col: usize, row: usize) {
    let v = &mut state.board.views[state.board.kind.index()];
    let Some(r) = v.rows.get_mut(col) else {
        return;
    };
    *r = row;
    v.col = col;
    state.sync_selected();
    state.ensure_visible();
}

/// Re-layout after the filter text changed; when the selected column has
/// no card left, select the first card that still shows.
pub(crate) fn refilter(state: &mut AppState) {
    state.relayout();
    if state.selected_issue().is_none()
        && let Some(col) = state
            .board
            .layout
            .columns
            .iter()
            .position(|c| !c.cards.is_empty())
    {
        select(state, col, 0);
    }
}
