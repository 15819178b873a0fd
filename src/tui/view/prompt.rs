//! The prompts drawn on the left of the status line: a question to
//! confirm, a text being typed (weight, comment, new title), and the
//! filter being typed.

use ratatui::buffer::Buffer;

use super::put;
use crate::core::app::state::{InputPurpose, Severity, StatusMessage};
use crate::core::domain::text;
use crate::tui::theme::Theme;

/// A question waiting for y or n, at (x, y) within `room` cells.
pub(super) fn confirm(buf: &mut Buffer, x: u16, y: u16, room: usize, prompt: &str, theme: &Theme) {
    put(
        buf,
        x,
        y,
        room,
        &text::truncate(prompt, room),
        theme
            .severity(crate::core::app::state::Severity::Warning)
            .add_modifier(ratatui::style::Modifier::BOLD),
    );
}

/// What the text is for, the text (its end, when it is long) and a cursor.
pub(super) fn input(
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
pub(super) fn filter(buf: &mut Buffer, x: u16, y: u16, room: usize, filter: &str, theme: &Theme) {
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
