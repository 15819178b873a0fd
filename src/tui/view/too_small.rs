//! The message shown instead of the board when the terminal is too small
//! for it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;

use super::put;
use crate::core::app::geometry::{TooSmall, cells};
use crate::core::domain::text;
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
    let top = area.height.saturating_sub(cells(lines.len())) / 2;
    for (i, l) in lines.iter().enumerate() {
        let x = area.width.saturating_sub(cells(text::width(l))) / 2;
        let y = top.saturating_add(cells(i));
        put(buf, x, y, usize::from(area.width), l, theme.bold());
    }
}
