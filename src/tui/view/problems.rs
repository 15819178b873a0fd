//! The problems overlay: the changes not applied (GitLab refused them, or
//! glboard found a conflict), each with its reason, to retry or discard.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;

use super::list;
use crate::core::app::geometry::cells;
use crate::core::app::state::AppState;
use crate::tui::theme::Theme;

pub(super) fn draw(buf: &mut Buffer, area: TRect, state: &AppState, cursor: usize, theme: &Theme) {
    let n = state.changes.problems.len();
    let inner = list::boxed(
        buf,
        area,
        90,
        cells(n).saturating_mul(2).saturating_add(3).min(24),
        &format!("{n} change{} not applied", if n == 1 { "" } else { "s" }),
        crate::core::app::screens::problems::hint(state.changes.problems.get(cursor)),
        theme,
    );
    list::two_line_rows(
        buf,
        inner,
        n,
        cursor,
        theme.severity(crate::core::app::status::Severity::Error),
        theme,
        |k| {
            let p = state.changes.problems.get(k)?;
            Some((p.change.summary.clone(), p.reason.clone()))
        },
    );
}

impl super::Draw for crate::core::app::screens::problems::ProblemsScreen {
    fn overlay(&self, buf: &mut Buffer, area: TRect, state: &AppState, theme: &Theme) {
        draw(buf, area, state, self.cursor, theme);
    }
}
