//! The picker overlay: a searchable list to choose one item (a milestone,
//! a lane) or several (labels, assignees).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;

use super::{list, put};
use crate::core::app::geometry::cells;
use crate::core::domain::text;
use crate::tui::theme::Theme;

pub(super) fn draw(
    buf: &mut Buffer,
    area: TRect,
    p: &crate::core::app::picker::Picker,
    theme: &Theme,
) {
    let hint = if p.multi {
        "Tab select · Enter done · Esc cancel"
    } else {
        "Enter choose · Esc cancel"
    };
    // Sized to the content: the widest label, a gap, the widest detail
    // (and the title and hint in the border), within the screen.
    let label_w = p
        .items
        .iter()
        .map(|i| text::width(&i.label))
        .max()
        .unwrap_or(0);
    let detail_w = p
        .items
        .iter()
        .map(|i| text::width(&i.detail))
        .max()
        .unwrap_or(0);
    let content = (4 + label_w + 2 + detail_w)
        .max(text::width(&p.title) + 4)
        .max(text::width(hint) + 4)
        .max(36);
    let tall = (area.height.saturating_mul(3) / 4).max(22);
    let h = cells(p.items.len()).saturating_add(4).min(tall);
    let inner = list::boxed(buf, area, cells(content + 4), h, &p.title, hint, theme);
    let w = inner.w as usize;
    // Labels line up in a column; when space is short the label gets at
    // most two thirds of the row.
    let label_col = label_w.min(w.saturating_sub(4) * 2 / 3);
    let x = put(buf, inner.x, inner.y, w, "search: ", theme.dim());
    let x = put(
        buf,
        x,
        inner.y,
        w.saturating_sub((x - inner.x) as usize),
        &p.query,
        theme.bold(),
    );
    put(buf, x, inner.y, 1, "█", theme.bar());
    let rows = inner.h.saturating_sub(2) as usize;
    let first = p.cursor.saturating_sub(rows.saturating_sub(1));
    if p.shown.is_empty() {
        put(buf, inner.x, inner.y + 2, w, "nothing matches", theme.dim());
    }
    for (n, &i) in p.shown.iter().enumerate().skip(first).take(rows) {
        let y = inner.y.saturating_add(2).saturating_add(cells(n - first));
        let Some(item) = p.items.get(i) else {
            continue;
        };
        let selected_row = n == p.cursor;
        let base = theme.card(selected_row);
        list::highlight_row(buf, inner, y, base);
        let mark = match (p.multi, p.selected.contains(&i)) {
            (true, true) => "[x] ",
            (true, false) => "[ ] ",
            (false, _) if selected_row => "▌ ",
            (false, _) => "  ",
        };
        let mut x = put(buf, inner.x, y, w, mark, theme.over(theme.bar(), base));
        put(
            buf,
            x,
            y,
            w.saturating_sub((x - inner.x) as usize),
            &text::truncate(&item.label, label_col),
            theme.over(theme.bold(), base),
        );
        x = x.saturating_add(cells(label_col));
        let room = w.saturating_sub((x - inner.x) as usize + 2);
        put(
            buf,
            x + 2,
            y,
            room,
            &text::truncate(&item.detail, room),
            theme.over(theme.dim(), base),
        );
    }
}

impl super::Draw for crate::core::app::picker::Picker {
    fn overlay(
        &self,
        buf: &mut Buffer,
        area: TRect,
        _state: &crate::core::app::state::AppState,
        theme: &Theme,
    ) {
        draw(buf, area, self, theme);
    }
}
