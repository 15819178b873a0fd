//! Grab mode (Space): the lifted card is drawn on the board; the status
//! line says what the keys do while it is carried. No overlay.

use ratatui::buffer::Buffer;

use super::{Draw, StatusLeft, put};
use crate::core::app::screens::grab::GrabScreen;
use crate::core::app::state::AppState;
use crate::core::domain::text;
use crate::tui::theme::Theme;

impl Draw for GrabScreen {
    fn status(&self, _state: &AppState, _room: usize) -> StatusLeft {
        StatusLeft::Line
    }

    fn status_line(
        &self,
        buf: &mut Buffer,
        (x, y): (u16, u16),
        room: usize,
        _state: &AppState,
        theme: &Theme,
    ) {
        put(
            buf,
            x,
            y,
            room,
            &text::truncate(
                "GRAB  hjkl carry the card · Enter drop · Esc put back",
                room,
            ),
            theme.bar(),
        );
    }
}
