//! The prompts drawn on the left of the status line: a question to
//! confirm, a text being typed (weight, comment, new title), and the
//! filter being typed.

use ratatui::buffer::Buffer;

use ratatui::layout::Rect as TRect;

use super::{Draw, StatusLeft, pager, put};
use crate::core::app::screens::confirm::ConfirmScreen;
use crate::core::app::screens::filter::FilterScreen;
use crate::core::app::screens::input::InputPurpose;
use crate::core::app::screens::input::InputScreen;
use crate::core::app::state::AppState;
use crate::core::app::status::{Severity, StatusMessage};
use crate::core::domain::text;
use crate::tui::theme::Theme;

/// A question waiting for y or n, at (x, y) within `room` cells.
fn confirm(buf: &mut Buffer, x: u16, y: u16, room: usize, prompt: &str, theme: &Theme) {
    put(
        buf,
        x,
        y,
        room,
        &text::truncate(prompt, room),
        theme
            .severity(crate::core::app::status::Severity::Warning)
            .add_modifier(ratatui::style::Modifier::BOLD),
    );
}

/// What the text is for, the text (its end, when it is long) and a cursor.
fn input(
    buf: &mut Buffer,
    (x, y): (u16, u16),
    room: usize,
    purpose: &InputPurpose,
    typed: &str,
    why: Option<&StatusMessage>,
    theme: &Theme,
) {
    let label = match purpose {
        InputPurpose::Weight => "weight (a number, or none): ",
        InputPurpose::Comment => "comment: ",
        InputPurpose::NewTitle { .. } => "new issue title: ",
    };
    let nx = put(buf, x, y, room, label, theme.dim());
    let left = room.saturating_sub((nx - x) as usize + 1);
    // Keep the end of a long text in view.
    let shown: String = if text::width(typed) > left {
        let mut t: Vec<char> = typed.chars().rev().take(left.saturating_sub(1)).collect();
        t.reverse();
        format!("…{}", t.into_iter().collect::<String>())
    } else {
        typed.to_owned()
    };
    let nx = put(buf, nx, y, left, &shown, theme.bold());
    let nx = put(buf, nx, y, 1, "█", theme.bar());
    // Why the input was not taken, after it (the prompt keeps the text).
    if let Some(m) = why.filter(|m| m.severity != Severity::Info) {
        let rest = room.saturating_sub((nx - x) as usize + 2);
        put(
            buf,
            nx + 2,
            y,
            rest,
            &text::truncate(&m.text, rest),
            theme.severity(m.severity),
        );
    }
}

/// The filter as typed after a `/`, a cursor, and how to keep or cancel it.
fn filter(buf: &mut Buffer, x: u16, y: u16, room: usize, filter: &str, theme: &Theme) {
    let hint = "  Enter keep · Esc cancel";
    let shown = format!("/{}", filter);
    let nx = put(buf, x, y, room, &shown, theme.bold());
    let nx = put(
        buf,
        nx,
        y,
        room.saturating_sub((nx - x) as usize),
        "█",
        theme.bar(),
    );
    put(
        buf,
        nx,
        y,
        room.saturating_sub((nx - x) as usize),
        hint,
        theme.dim(),
    );
}

impl Draw for ConfirmScreen {
    /// The question, on the status line whatever else there is to say.
    fn status(&self, _state: &AppState, _room: usize) -> StatusLeft {
        StatusLeft::Prompt
    }

    fn status_line(
        &self,
        buf: &mut Buffer,
        (x, y): (u16, u16),
        room: usize,
        _state: &AppState,
        theme: &Theme,
    ) {
        confirm(buf, x, y, room, &self.prompt, theme);
    }

    // What a question will write (a planning issue, its summary).
    // The question stays on top whatever the scroll, wrapped to fit;
    // nothing is said done until it is.
    fn overlay(&self, buf: &mut Buffer, area: TRect, _state: &AppState, theme: &Theme) {
        let Some(text) = &self.preview else {
            return;
        };
        use crate::core::domain::markdown::{Emphasis, Run, wrap_lines};
        let r = crate::core::app::geometry::overlay(area.width, area.height);
        let inner = crate::core::app::geometry::overlay_inner(r);
        let width = inner.w.saturating_sub(1) as usize;
        let lines = wrap_lines(&crate::core::domain::markdown::render(text), width);
        let question = wrap_lines(
            &[vec![Run {
                text: self.prompt.clone(),
                emphasis: Emphasis::Strong,
            }]],
            width,
        );
        pager::draw_pinned(
            buf,
            r,
            " Preview: nothing is written until y ",
            &question,
            &lines,
            self.scroll,
            theme,
        );
    }
}

/// Typed in the status line, no overlay.
impl Draw for InputScreen {
    fn status(&self, _state: &AppState, _room: usize) -> StatusLeft {
        StatusLeft::Prompt
    }

    fn status_line(
        &self,
        buf: &mut Buffer,
        at: (u16, u16),
        room: usize,
        state: &AppState,
        theme: &Theme,
    ) {
        input(
            buf,
            at,
            room,
            &self.purpose,
            &self.text,
            state.status.message.as_ref(),
            theme,
        );
    }
}

/// Typed in the status line, no overlay.
impl Draw for FilterScreen {
    fn status(&self, _state: &AppState, _room: usize) -> StatusLeft {
        StatusLeft::Line
    }

    fn status_line(
        &self,
        buf: &mut Buffer,
        (x, y): (u16, u16),
        room: usize,
        state: &AppState,
        theme: &Theme,
    ) {
        filter(buf, x, y, room, &state.board.filter, theme);
    }
}
