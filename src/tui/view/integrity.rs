//! The lane integrity overlay: issues whose labels, milestone or state
//! disagree with their lane, each with the fix that Enter applies.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;

use super::list;
use crate::core::app::geometry::cells;
use crate::core::app::state::AppState;
use crate::tui::theme::Theme;

pub(super) fn draw(buf: &mut Buffer, area: TRect, state: &AppState, cursor: usize, theme: &Theme) {
    let items = crate::core::app::screens::integrity::integrity(state);
    let n = items.len();
    let inner = list::boxed(
        buf,
        area,
        100,
        cells(n)
            .saturating_mul(2)
            .saturating_add(3)
            .min(area.height.saturating_sub(4)),
        &format!("Lane integrity: {n} issues"),
        "Enter fix · j/k move · Esc close",
        theme,
    );
    list::two_line_rows(buf, inner, n, cursor, theme.weight(), theme, |k| {
        let item = items.get(k)?;
        let i = state.ws.issue(item.issue)?;
        let head = format!("{} {}", state.short_ref(i), i.title);
        let detail = format!("{} → fix: {}", item.problem, item.fix);
        Some((head, detail))
    });
}

impl super::Draw for crate::core::app::screens::integrity::IntegrityScreen {
    fn overlay(&self, buf: &mut Buffer, area: TRect, state: &AppState, theme: &Theme) {
        draw(buf, area, state, self.cursor, theme);
    }
}
