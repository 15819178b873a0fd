//! A scrolled overlay's keys and scrolling, shared by the detail pane and
//! the help overlay: how many lines it has, how far it scrolls.

use crate::core::app::command::Command;
use crate::core::app::geometry;
use crate::core::app::panes;
use crate::core::app::screens::Mode;
use crate::core::app::screens::detail::DetailScreen;
use crate::core::app::screens::help::{self, HelpScreen};
use crate::core::app::state::AppState;
use crate::core::domain::num;

fn overlay_lines(state: &AppState) -> Option<(usize, usize)> {
    let (w, h) = state.session.viewport;
    let inner = geometry::overlay_inner(geometry::overlay(w, h));
    // The first row of the overlay holds its title.
    let visible = inner.h.saturating_sub(1) as usize;
    let total = match &state.focus.mode {
        Mode::Detail(DetailScreen { issue, .. }) => {
            let issue = state.ws.issue(*issue)?;
            panes::detail_lines(state, issue, inner.w as usize).len()
        }
        Mode::Help(HelpScreen { query, .. }) => {
            help::help_lines(&state.settings.keymap, query, help::width(inner.w)).len()
        }
        _ => return None,
    };
    Some((total, visible))
}

pub(crate) fn clamp_overlay_scroll(state: &mut AppState) {
    if let Some((total, visible)) = overlay_lines(state) {
        let max = total.saturating_sub(visible);
        if let Mode::Detail(DetailScreen { scroll, .. }) | Mode::Help(HelpScreen { scroll, .. }) =
            &mut state.focus.mode
        {
            *scroll = (*scroll).min(max);
        }
    }
}

pub(crate) fn scroll_overlay(state: &mut AppState, delta: i64) {
    if let Some((total, visible)) = overlay_lines(state) {
        let lines = total.saturating_sub(visible).saturating_add(1);
        if let Mode::Detail(DetailScreen { scroll, .. }) | Mode::Help(HelpScreen { scroll, .. }) =
            &mut state.focus.mode
        {
            *scroll = num::step_clamped(*scroll, delta, lines);
        }
    }
}

pub(crate) fn overlay_command(state: &mut AppState, cmd: Command) {
    let page = num::signed(overlay_lines(state).map_or(1, |(_, v)| v.max(1)));
    match cmd {
        Command::Down => scroll_overlay(state, 1),
        Command::Up => scroll_overlay(state, -1),
        Command::PageDown => scroll_overlay(state, page),
        Command::PageUp => scroll_overlay(state, -page),
        Command::Top => scroll_overlay(state, i64::MIN / 2),
        Command::Bottom => scroll_overlay(state, i64::MAX / 2),
        Command::Help => help::open_help(state),
        Command::StartFilter => help::start_search(state),
        Command::Back => state.focus.mode = Mode::Board,
        _ => {}
    }
}
