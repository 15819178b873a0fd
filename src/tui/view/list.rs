//! The boxed, scrolling lists the pickers and review screens share: a
//! centred bordered box, the highlighted row under the cursor, and a list
//! of two-line rows (a title, and a detail line below it).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Widget};

use super::{clear_wide_edge, put};
use crate::core::app::geometry::{Rect, cells};
use crate::core::domain::text;
use crate::tui::theme::Theme;

/// A centred box of at most `w` x `h` cells, cleared and bordered; returns
/// the inside.
pub(super) fn boxed(
    buf: &mut Buffer,
    area: TRect,
    w: u16,
    h: u16,
    title: &str,
    hint: &str,
    theme: &Theme,
) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(10);
    let h = h.min(area.height.saturating_sub(2)).max(3);
    let r = TRect {
        x: (area.width.saturating_sub(w)) / 2,
        y: (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    };
    clear_wide_edge(buf, r);
    Clear.render(r, buf);
    Block::bordered()
        .border_style(theme.border())
        .title(Line::styled(format!(" {title} "), theme.bold()))
        .title_bottom(Line::styled(format!(" {hint} "), theme.dim()).right_aligned())
        .render(r, buf);
    Rect {
        x: r.x + 2,
        y: r.y + 1,
        w: r.width.saturating_sub(4),
        h: r.height.saturating_sub(2),
    }
}

/// Paint one row of the box's inside (at `y`) in `style`: the row under
/// the cursor, or an unselected one.
pub(super) fn highlight_row(buf: &mut Buffer, inner: Rect, y: u16, style: Style) {
    buf.set_style(
        TRect {
            x: inner.x,
            y,
            width: inner.w,
            height: 1,
        },
        style,
    );
}

/// A scrolling list of `len` two-line rows inside a box, from its second
/// line: a bold title (highlighted under the cursor) and an indented detail
/// line in `detail_style`. `row(k)` gives the two lines of item `k`; `None`
/// leaves its place blank.
pub(super) fn two_line_rows(
    buf: &mut Buffer,
    inner: Rect,
    len: usize,
    cursor: usize,
    detail_style: Style,
    theme: &Theme,
    row: impl Fn(usize) -> Option<(String, String)>,
) {
    let w = inner.w as usize;
    let per = 2usize;
    let rows = (inner.h.saturating_sub(1) as usize / per).max(1);
    let first = cursor.saturating_sub(rows - 1);
    for k in (0..len).skip(first).take(rows) {
        let Some((head, detail)) = row(k) else {
            continue;
        };
        let y = inner
            .y
            .saturating_add(1)
            .saturating_add(cells((k - first).saturating_mul(per)));
        let base = theme.card(k == cursor);
        highlight_row(buf, inner, y, base);
        put(
            buf,
            inner.x,
            y,
            w,
            &text::truncate(&head, w),
            theme.over(theme.bold(), base),
        );
        put(
            buf,
            inner.x + 2,
            y + 1,
            w.saturating_sub(2),
            &text::truncate(&detail, w.saturating_sub(2)),
            detail_style,
        );
    }
}
