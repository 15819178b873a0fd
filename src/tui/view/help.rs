//! The help overlay: the keys, scrolled by `scroll` lines, narrowed by a
//! search typed after `/` (shown in the title).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;

use super::pager;
use crate::core::app::geometry;
use crate::core::app::screens::help;
use crate::tui::theme::Theme;

pub(super) fn draw(
    buf: &mut Buffer,
    area: TRect,
    state: &crate::core::app::state::AppState,
    scroll: usize,
    query: &str,
    typing: bool,
    theme: &Theme,
) {
    let r = geometry::overlay(area.width, area.height);
    let width = help::width(geometry::overlay_inner(r).w);
    let title = if typing || !query.is_empty() {
        format!(" Keys · search: {query}{} ", if typing { "▏" } else { "" })
    } else {
        " Keys ".to_owned()
    };
    pager::draw(
        buf,
        r,
        &title,
        &help::help_lines(&state.settings.keymap, query, width),
        scroll,
        theme,
    );
}

impl super::Draw for crate::core::app::screens::help::HelpScreen {
    fn status(
        &self,
        _state: &crate::core::app::state::AppState,
        _room: usize,
    ) -> super::StatusLeft {
        super::StatusLeft::Hint(if self.typing {
            "type to search the keys · Enter keep · Esc clear"
        } else {
            "j/k scroll · / search · Esc close"
        })
    }

    fn overlay(
        &self,
        buf: &mut Buffer,
        area: TRect,
        state: &crate::core::app::state::AppState,
        theme: &Theme,
    ) {
        draw(
            buf,
            area,
            state,
            self.scroll,
            &self.query,
            self.typing,
            theme,
        );
    }
}
