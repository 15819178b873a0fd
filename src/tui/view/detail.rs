//! The detail overlay: one issue in full (title, fields, description,
//! comments), as `core::app::panes` lays it out.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;

use super::pager;
use crate::core::app::geometry;
use crate::core::app::panes;
use crate::core::app::state::AppState;
use crate::core::domain::model::IssueId;
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

impl super::Draw for crate::core::app::screens::detail::DetailScreen {
    fn overlay(&self, buf: &mut Buffer, area: TRect, state: &AppState, theme: &Theme) {
        draw(buf, area, state, self.issue, self.scroll, theme);
    }

    /// On the planning issue, the summary's key first.
    fn status(&self, state: &AppState, _room: usize) -> super::StatusLeft {
        let planning = state.ws.issue(self.issue).is_some_and(|i| {
            i.title
                .to_lowercase()
                .contains(&state.team.planning_title.to_lowercase())
        });
        super::StatusLeft::Hint(if planning {
            "S write the planning summary here (shown first) · j/k scroll · card keys act here · Esc close"
        } else {
            "j/k scroll · card keys (t H L a c w x) act here · Esc close · ? help"
        })
    }
}
