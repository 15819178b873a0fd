//! The message shown instead of the board when the terminal is too small
//! for it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;

use super::put;
use crate::core::geometry::TooSmall;
use crate::core::text;
use crate::tui::theme::Theme;

pub(super) fn draw(buf: &mut Buffer, area: TRect, small: TooSmall, theme: &Theme) {
    let msg = format!(
        "terminal too small (needs {}x{})",
        small.need_w, small.need_h
    );
    let mut lines = text::wrap(&msg, area.width as usize, area.height as usize);
    if lines.len() < area.height as usize {
        lines.push(format!("now {}x{}", area.width, area.height));
    }
    let top = area.height.saturating_sub(lines.len() as u16) / 2;
    for (i, l) in lines.iter().enumerate() {
        let x = area.width.saturating_sub(text::width(l) as u16) / 2;
        put(buf, x, top + i as u16, area.width as usize, l, theme.bold());
    }
}
