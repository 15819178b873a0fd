//! Drawing: the state as a frame. Header, columns of cards, status line,
//! the detail and help overlays, and the "terminal too small" message. Reads
//! the state, never changes it; positions come from `core::geometry`, so
//! what is drawn is what mouse clicks hit.
//!
//! One file per screen region or overlay; this module puts them together
//! and holds the small drawing helpers they share.

mod board;
mod detail;
mod header;
mod help;
mod integrity;
mod list;
mod pager;
mod picker;
mod problems;
mod prompt;
mod replan;
mod status;
mod too_small;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;
use ratatui::style::Style;

use super::theme::Theme;
use crate::core::geometry::{self, Rect};
use crate::core::state::{AppState, Mode};
use crate::core::text;

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme) {
    let area = frame.area();
    render(frame.buffer_mut(), area, state, theme);
}

/// Draw into a buffer (used by `draw`, and directly by benches).
pub fn render(buf: &mut Buffer, area: TRect, state: &AppState, theme: &Theme) {
    match geometry::screen(area.width, area.height) {
        Err(small) => too_small::draw(buf, area, small, theme),
        Ok(scr) => {
            header::draw(buf, scr.header, state, theme);
            if state.loaded {
                board::draw(buf, scr.board, state, theme);
            } else {
                board::not_loaded(buf, scr.board, state, theme);
            }
            status::draw(buf, scr.status, state, theme);
            match &state.mode {
                Mode::Detail { issue, scroll } => {
                    detail::draw(buf, area, state, *issue, *scroll, theme);
                }
                Mode::Help { scroll } => help::draw(buf, area, *scroll, theme),
                Mode::Picker(p) => picker::draw(buf, area, p, theme),
                Mode::Problems { cursor } => problems::draw(buf, area, state, *cursor, theme),
                Mode::Replan(r) => replan::draw(buf, area, state, r, theme),
                Mode::Integrity { cursor } => integrity::draw(buf, area, state, *cursor, theme),
                Mode::Board
                | Mode::Filter { .. }
                | Mode::Confirm { .. }
                | Mode::Input { .. }
                | Mode::Grab { .. } => {}
            }
        }
    }
}

/// A wide character (CJK, emoji) whose first half is just left of an
/// overlay would spill into its border: blank it.
fn clear_wide_edge(buf: &mut Buffer, area: TRect) {
    if area.x == 0 {
        return;
    }
    for y in area.y..area.y + area.height {
        if let Some(cell) = buf.cell_mut((area.x - 1, y))
            && text::width(cell.symbol()) > 1
        {
            cell.set_symbol(" ");
        }
    }
}

fn trect(r: Rect) -> TRect {
    TRect {
        x: r.x,
        y: r.y,
        width: r.w,
        height: r.h,
    }
}

/// Write `s` at (x, y) within `max` cells; returns the x after it.
fn put(buf: &mut Buffer, x: u16, y: u16, max: usize, s: &str, style: Style) -> u16 {
    if max == 0 {
        return x;
    }
    buf.set_stringn(x, y, s, max, style).0
}
