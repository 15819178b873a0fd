//! What changed since you last looked (`gc`): its lines in a pager.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;

use super::{Draw, pager};
use crate::core::app::screens::changes::ChangesScreen;
use crate::core::app::state::AppState;
use crate::tui::theme::Theme;

impl Draw for ChangesScreen {
    fn overlay(&self, buf: &mut Buffer, area: TRect, state: &AppState, theme: &Theme) {
        let r = crate::core::app::geometry::overlay(area.width, area.height);
        let lines: Vec<crate::core::domain::markdown::RichLine> =
            crate::core::app::screens::changes::lines(state)
                .into_iter()
                .map(|l| {
                    vec![crate::core::domain::markdown::Run {
                        text: l,
                        emphasis: crate::core::domain::markdown::Emphasis::Plain,
                    }]
                })
                .collect();
        pager::draw(
            buf,
            r,
            " What changed since you last looked ",
            &lines,
            self.scroll,
            theme,
        );
    }
}
