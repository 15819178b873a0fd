//! What to work on next (`gn`): the suggestions in a pager, each wrapped
//! under its reference, the selected one marked and kept in view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;

use super::{Draw, pager};
use crate::core::app::screens::next::NextScreen;
use crate::core::app::state::AppState;
use crate::tui::theme::Theme;

impl Draw for NextScreen {
    fn overlay(&self, buf: &mut Buffer, area: TRect, state: &AppState, theme: &Theme) {
        let r = crate::core::app::geometry::overlay(area.width, area.height);
        use crate::core::domain::markdown::{Emphasis, Run};
        let all = crate::core::app::screens::next::board_lines(state, self.cursor);
        let inner = crate::core::app::geometry::overlay_inner(r);
        // Each suggestion wrapped under its reference (a narrow screen
        // cut titles mid-word), the selected one marked.
        let mut lines: Vec<crate::core::domain::markdown::RichLine> = Vec::new();
        let mut at = 0;
        for l in all {
            let emphasis = if l.starts_with('▶') {
                at = lines.len();
                Emphasis::Strong
            } else if l.starts_with(['A', 'B', 'C']) {
                Emphasis::Heading
            } else {
                Emphasis::Plain
            };
            // The marker and rank ("▶ 3. ") indent what wraps.
            let lead: String = match l.split_once(' ') {
                Some((m, rest)) if m == "▶" || m.is_empty() => {
                    let rank = rest
                        .trim_start()
                        .split_once(". ")
                        .filter(|(n, _)| n.chars().all(|c| c.is_ascii_digit()))
                        .map_or(0, |(n, _)| n.len() + 2);
                    l.chars()
                        .take(m.chars().count() + 1 + (rest.len() - rest.trim_start().len()) + rank)
                        .collect()
                }
                _ => String::new(),
            };
            let rest = l[lead.len()..].to_owned();
            let line = if lead.is_empty() {
                vec![Run {
                    text: rest,
                    emphasis,
                }]
            } else {
                vec![
                    Run {
                        text: lead,
                        emphasis: Emphasis::Marker,
                    },
                    Run {
                        text: rest,
                        emphasis,
                    },
                ]
            };
            lines.extend(crate::core::domain::markdown::wrap_lines(
                &[line],
                usize::from(inner.w),
            ));
        }
        // Keep the selected suggestion in view, its wrapped lines too.
        let visible = inner.h.saturating_sub(2) as usize;
        let scroll = (at + 2).saturating_sub(visible.saturating_sub(1));
        pager::draw(
            buf,
            r,
            " What to work on next · t takes · Enter opens ",
            &lines,
            scroll,
            theme,
        );
    }
}
