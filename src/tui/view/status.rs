//! The status line: the selection's position, the sync state and the
//! outbox on the right; on the left a message, a batch's progress, or what
//! the screen showing says there (its hint, or a prompt of its own: its
//! `Draw`).

use ratatui::buffer::Buffer;
use ratatui::style::Style;

use super::{StatusLeft, drawing, put};
use crate::core::app::geometry::{Rect, cells};
use crate::core::app::state::AppState;
use crate::core::domain::text;
use crate::tui::theme::Theme;

pub(super) fn draw(buf: &mut Buffer, r: Rect, state: &AppState, theme: &Theme) {
    let w = r.w as usize;
    let v = state.board.view();
    // Right: where the selection is.
    // The count whole, the column's title cut to fit.
    let pos = match state.board.layout.columns.get(v.col) {
        Some(c) => {
            let count = if c.cards.is_empty() {
                "0/0".to_owned()
            } else {
                format!(
                    "{}/{}",
                    v.rows.get(v.col).copied().unwrap_or(0) + 1,
                    c.cards.len()
                )
            };
            let room = (w / 4).saturating_sub(text::width(&count) + 1);
            format!("{} {count}", text::truncate(&c.title, room))
        }
        None => String::new(),
    };
    let pos = format!("{} ", text::truncate(&pos, w / 4));
    let pos_w = text::width(&pos);
    // Then the sync state, left of the position.
    let mut left_room = w.saturating_sub(pos_w + 1);
    let mut right_x = r.x.saturating_add(cells(w.saturating_sub(pos_w)));
    let mut outbox: Vec<(String, Style)> = Vec::new();
    if !state.changes.problems.is_empty() {
        outbox.push((
            format!(
                "{} (!)  ",
                crate::core::domain::conflict::problems_count(
                    state.changes.problems.iter().map(|p| p.reason.as_str())
                )
            ),
            theme.severity(crate::core::app::status::Severity::Error),
        ));
    }
    if !state.changes.pending.is_empty() {
        let why = state
            .changes
            .outbox_wait
            .as_ref()
            .map(|w| format!(" · {w}"))
            .unwrap_or_default();
        let n = state.changes.pending.len();
        outbox.push((
            format!("{n} change{} pending{why}  ", if n == 1 { "" } else { "s" }),
            theme.weight(),
        ));
    }
    for (label, style) in outbox {
        let label = text::truncate(&label, w / 3);
        let lw = text::width(&label);
        right_x = right_x.saturating_sub(cells(lw));
        left_room = left_room.saturating_sub(lw);
        put(buf, right_x, r.y, lw, &label, style);
    }
    if let Some((label, severity)) = state.session.sync.label(state.session.now) {
        let label = format!("{}  ", text::truncate(&label, w / 3));
        let lw = text::width(&label);
        left_room = left_room.saturating_sub(lw);
        let style = if severity == crate::core::app::status::Severity::Info {
            theme.dim()
        } else {
            theme.severity(severity)
        };
        put(
            buf,
            right_x.saturating_sub(cells(lw)),
            r.y,
            lw,
            &label,
            style,
        );
    }
    put(
        buf,
        r.x.saturating_add(cells(w.saturating_sub(pos_w))),
        r.y,
        pos_w,
        &pos,
        theme.dim(),
    );

    let x = r.x + 1;
    let room = left_room.saturating_sub(1);
    let left = drawing(&state.focus.mode, |d| d.status(state, room));
    match left {
        StatusLeft::Prompt => {
            drawing(&state.focus.mode, |d| {
                d.status_line(buf, (x, r.y), room, state, theme)
            });
        }
        _ if state.changes.batch_progress().is_some()
            && state
                .status
                .message
                .as_ref()
                .is_none_or(|m| m.severity == crate::core::app::status::Severity::Info) =>
        {
            let (sent, refused, total) = state.changes.batch_progress().unwrap_or((0, 0, 1));
            let label = state
                .changes
                .batch
                .as_ref()
                .map_or("", |b| b.label.as_str());
            let bar_w = 20usize;
            let done = (sent + refused) * bar_w / total.max(1);
            let bar = format!("{}{}", "█".repeat(done), "░".repeat(bar_w - done));
            let line = format!("{label}  {bar}  {}/{total}", sent + refused);
            put(buf, x, r.y, room, &text::truncate(&line, room), theme.bar());
        }
        StatusLeft::Line => {
            drawing(&state.focus.mode, |d| {
                d.status_line(buf, (x, r.y), room, state, theme)
            });
        }
        StatusLeft::Hint(hint) => match &state.status.message {
            Some(msg) => {
                put(
                    buf,
                    x,
                    r.y,
                    room,
                    &text::truncate(&msg.text, room),
                    theme.severity(msg.severity),
                );
            }
            None if state.session.sync.error_detail().is_some() => {
                let detail = state.session.sync.error_detail().unwrap_or_default();
                let style = theme.severity(crate::core::app::status::Severity::Error);
                put(buf, x, r.y, room, &text::truncate(&detail, room), style);
            }
            None => {
                put(buf, x, r.y, room, &text::truncate(hint, room), theme.dim());
            }
        },
    }
}
