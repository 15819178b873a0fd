//! The detail overlay: one issue in full (title, fields, description,
//! comments), as `core::panes` lays it out.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;

use super::pager;
use crate::core::geometry;
use crate::core::model::IssueId;
use crate::core::panes;
use crate::core::state::AppState;
use crate::tui::theme::Theme;

/// The detail of `issue`, scrolled by `scroll` lines; nothing if the issue
/// is gone.
pub(super) fn draw(
    buf: &mut Buffer,
    area: TRect,
    state: &AppState,
    issue: IssueId,
    scroll: usize,
    theme: &Theme,
) {
    if let Some(issue) = state.ws.issue(issue) {
        let r = geometry::overlay(area.width, area.height);
        let inner = geometry::overlay_inner(r);
        let lines = panes::detail_lines(state, issue, inner.w as usize);
        let title = format!(" {} ", state.short_ref(issue));
        pager::draw(buf, r, &title, &lines, scroll, theme);
    }
}
