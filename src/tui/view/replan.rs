//! The re-plan overlay: move a milestone's unfinished issues to another
//! one, grouped by lane, each included or left out, with a confirmation.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;

use super::{list, put};
use crate::core::app::geometry::cells;
use crate::core::app::state::AppState;
use crate::core::domain::text;
use crate::tui::theme::Theme;

pub(super) fn draw(
    buf: &mut Buffer,
    area: TRect,
    state: &AppState,
    r: &crate::core::app::screens::replan::ReplanScreen,
    theme: &Theme,
) {
    let title = |id| {
        state
            .ws
            .milestone(id)
            .map_or(String::new(), |m| m.title.clone())
    };
    let (from, to) = (title(r.from), title(r.target));
    let chosen = r.items.iter().filter(|(_, on)| *on).count();
    let hint = if r.confirming {
        "y apply · Esc back"
    } else {
        "Space/a include · t target · r lanes · Enter · Esc"
    };
    let inner = list::boxed(
        buf,
        area,
        100,
        area.height.saturating_sub(4),
        &format!("Re-plan {from}"),
        hint,
        theme,
    );
    let w = inner.w as usize;
    let lanes = if r.reset_lane {
        format!("back to {}", state.team.ready_lane)
    } else {
        "lanes kept".to_owned()
    };
    let head = format!(
        "to {to} · {lanes} · {chosen} of {} issues · {}/{}",
        r.items.len(),
        r.cursor.saturating_add(1).min(r.items.len()),
        r.items.len()
    );
    put(
        buf,
        inner.x,
        inner.y,
        w,
        &text::truncate(&head, w),
        theme.bold(),
    );
    if r.confirming {
        let q = format!("Move {chosen} issues from {from} to {to}? y/n");
        put(
            buf,
            inner.x,
            inner.y + 1,
            w,
            &text::truncate(&q, w),
            theme.severity(crate::core::app::status::Severity::Warning),
        );
    }
    // Rows: a lane header when the lane changes, then the issue.
    let mut rows: Vec<(Option<usize>, String)> = Vec::new();
    let mut last_lane = String::new();
    for (n, (id, _)) in r.items.iter().enumerate() {
        let Some(i) = state.ws.issue(*id) else {
            continue;
        };
        let lane = state
            .team
            .lanes_of(i)
            .first()
            .map_or("no lane".to_owned(), |l| l.to_string());
        if lane != last_lane {
            rows.push((None, lane.clone()));
            last_lane = lane;
        }
        let carried = state.ws.carried_over(&state.team, i);
        let mark = if carried > 0 {
            format!("↻{carried} ")
        } else {
            String::new()
        };
        rows.push((Some(n), format!("{mark}{} {}", state.short_ref(i), i.title)));
    }
    let visible = inner.h.saturating_sub(3) as usize;
    let cursor_row = rows
        .iter()
        .position(|(n, _)| *n == Some(r.cursor))
        .unwrap_or(0);
    let first = cursor_row.saturating_sub(visible.saturating_sub(1));
    for (k, (n, label)) in rows.iter().enumerate().skip(first).take(visible) {
        let y = inner.y.saturating_add(3).saturating_add(cells(k - first));
        match n {
            None => {
                put(
                    buf,
                    inner.x,
                    y,
                    w,
                    &text::truncate(label, w),
                    theme.column_title(false),
                );
            }
            Some(n) => {
                let selected = *n == r.cursor;
                let base = theme.card(selected);
                list::highlight_row(buf, inner, y, base);
                let mark = if r.items[*n].1 { "  [x] " } else { "  [ ] " };
                let x = put(buf, inner.x, y, w, mark, theme.over(theme.bar(), base));
                let room = w.saturating_sub((x - inner.x) as usize);
                put(buf, x, y, room, &text::truncate(label, room), base);
            }
        }
    }
}

impl super::Draw for crate::core::app::screens::replan::ReplanScreen {
    fn overlay(&self, buf: &mut Buffer, area: TRect, state: &AppState, theme: &Theme) {
        draw(buf, area, state, self, theme);
    }
}
