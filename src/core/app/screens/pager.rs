//! Paging through an overlay of lines, for the screens that page (the
//! detail pane, the help overlay): how many rows show, what the paging
//! keys do, how far a scroll goes. Each such screen brings its lines and
//! its scroll; this module names none of them.

use crate::core::app::command::Command;
use crate::core::app::geometry;
use crate::core::domain::num;

/// An overlay's width inside its border, and the rows it shows below its
/// title, on a terminal of `viewport` cells.
pub(crate) fn overlay_size(viewport: (u16, u16)) -> (u16, usize) {
    let (w, h) = viewport;
    let inner = geometry::overlay_inner(geometry::overlay(w, h));
    // The first row of the overlay holds its title.
    (inner.w, inner.h.saturating_sub(1) as usize)
}

/// An overlay's lines against the rows that show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    pub total: usize,
    pub visible: usize,
}

impl Page {
    /// Keep `scroll` within the lines (after a resize).
    pub(crate) fn clamp(self, scroll: &mut usize) {
        *scroll = (*scroll).min(self.total.saturating_sub(self.visible));
    }

    /// Scroll by `delta` lines, within the lines.
    pub(crate) fn scroll(self, scroll: &mut usize, delta: i64) {
        let lines = self.total.saturating_sub(self.visible).saturating_add(1);
        *scroll = num::step_clamped(*scroll, delta, lines);
    }

    /// A paging key (a line, a page, the top or the bottom): scrolled, and
    /// true; false for any other command.
    pub(crate) fn command(self, scroll: &mut usize, cmd: Command) -> bool {
        let page = num::signed(self.visible.max(1));
        let delta = match cmd {
            Command::Down => 1,
            Command::Up => -1,
            Command::PageDown => page,
            Command::PageUp => -page,
            Command::Top => i64::MIN / 2,
            Command::Bottom => i64::MAX / 2,
            _ => return false,
        };
        self.scroll(scroll, delta);
        true
    }
}
