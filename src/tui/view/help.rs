//! The help overlay: the keys, scrolled by `scroll` lines.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;

use super::pager;
use crate::core::geometry;
use crate::core::panes;
use crate::tui::theme::Theme;

pub(super) fn draw(buf: &mut Buffer, area: TRect, scroll: usize, theme: &Theme) {
    let r = geometry::overlay(area.width, area.height);
    pager::draw(buf, r, " Keys ", &panes::help_lines(), scroll, theme);
}
