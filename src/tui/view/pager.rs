//! The bordered, scrolling text overlay the detail and help screens share,
//! with the visible range in its bottom border when the text scrolls.

use ratatui::buffer::Buffer;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Widget};

use super::{clear_wide_edge, put, trect};
use crate::core::app::geometry::{self, Rect, cells};
use crate::core::domain::markdown::RichLine;
use crate::tui::theme::Theme;

pub(super) fn draw(
    buf: &mut Buffer,
    r: Rect,
    title: &str,
    lines: &[RichLine],
    scroll: usize,
    theme: &Theme,
) {
    draw_pinned(buf, r, title, &[], lines, scroll, theme);
}

/// As [`draw`], with `pinned` lines (a question) first that never scroll
/// away, and a blank line under them.
pub(super) fn draw_pinned(
    buf: &mut Buffer,
    r: Rect,
    title: &str,
    pinned: &[RichLine],
    lines: &[RichLine],
    scroll: usize,
    theme: &Theme,
) {
    let area = trect(r);
    clear_wide_edge(buf, area);
    Clear.render(area, buf);
    let mut inner = geometry::overlay_inner(r);
    if !pinned.is_empty() {
        let rows = cells(pinned.len()).min(inner.h.saturating_sub(2));
        for (i, line) in pinned.iter().take(rows as usize).enumerate() {
            let y = inner.y.saturating_add(1).saturating_add(cells(i));
            let mut x = inner.x;
            for run in line {
                let room = (inner.x + inner.w).saturating_sub(x) as usize;
                x = put(buf, x, y, room, &run.text, theme.emphasis(run.emphasis));
            }
        }
        // What scrolls starts under them and a blank line.
        inner.y = inner.y.saturating_add(rows + 1);
        inner.h = inner.h.saturating_sub(rows + 1);
    }
    let visible = inner.h.saturating_sub(1) as usize;
    let mut block = Block::bordered()
        .border_style(theme.border())
        .title(Line::styled(title.to_owned(), theme.bold()));
    if lines.len() > visible {
        let last = (scroll + visible).min(lines.len());
        block = block.title_bottom(
            Line::styled(
                format!(" {}-{} of {} ", scroll + 1, last, lines.len()),
                theme.dim(),
            )
            .right_aligned(),
        );
    }
    block.render(area, buf);
    // The first inner row stays blank, under the title.
    for (i, line) in lines.iter().skip(scroll).take(visible).enumerate() {
        let y = inner.y.saturating_add(1).saturating_add(cells(i));
        let mut x = inner.x;
        for run in line {
            let room = (inner.x + inner.w).saturating_sub(x) as usize;
            x = put(buf, x, y, room, &run.text, theme.emphasis(run.emphasis));
        }
    }
}
