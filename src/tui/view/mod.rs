//! Drawing: the state as a frame. Header, columns of cards, status line,
//! the detail and help overlays, and the "terminal too small" message. Reads
//! the state, never changes it; positions come from `core::app::geometry`, so
//! what is drawn is what mouse clicks hit.
//!
//! One file per screen region or overlay; this module puts them together
//! and holds the small drawing helpers they share.

mod board;
mod capacity;
mod detail;
mod header;
mod help;
mod insights;
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
use crate::core::app::geometry::{self, Rect};
use crate::core::app::state::{AppState, Mode};
use crate::core::domain::text;

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
                let planning = state.board == crate::core::domain::board::BoardKind::Planning;
                let (cards, panel) = geometry::split_planning(scr.board, planning);
                board::draw(buf, cards, state, theme);
                if let Some(p) = panel {
                    capacity::draw(buf, p, state, theme);
                }
            } else {
                board::not_loaded(buf, scr.board, state, theme);
            }
            status::draw(buf, scr.status, state, theme);
            // What a picker, prompt or help was opened from (the detail
            // pane, the re-plan screen) stays visible under it.
            if let Some(parent) = &state.back {
                overlay(buf, area, state, parent, theme);
            }
            overlay(buf, area, state, &state.mode, theme);
        }
    }
}

/// The overlay of a mode, if it has one.
fn overlay(buf: &mut Buffer, area: TRect, state: &AppState, mode: &Mode, theme: &Theme) {
    match mode {
        Mode::Detail { issue, scroll } => {
            detail::draw(buf, area, state, *issue, *scroll, theme);
        }
        Mode::Help {
            scroll,
            query,
            typing,
        } => help::draw(buf, area, state, *scroll, query, *typing, theme),
        Mode::Picker(p) => picker::draw(buf, area, p, theme),
        Mode::Problems { cursor } => problems::draw(buf, area, state, *cursor, theme),
        Mode::Replan(r) => replan::draw(buf, area, state, r, theme),
        Mode::Integrity { cursor } => integrity::draw(buf, area, state, *cursor, theme),
        Mode::Insights => insights::draw(buf, area, state, theme),
        Mode::Next { cursor } => {
            let r = crate::core::app::geometry::overlay(area.width, area.height);
            use crate::core::domain::markdown::{Emphasis, Run};
            let all = crate::core::domain::next::board_lines(state, *cursor);
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
                            .take(
                                m.chars().count()
                                    + 1
                                    + (rest.len() - rest.trim_start().len())
                                    + rank,
                            )
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
        Mode::Changes { scroll } => {
            let r = crate::core::app::geometry::overlay(area.width, area.height);
            let lines: Vec<crate::core::domain::markdown::RichLine> =
                crate::core::domain::since::lines(state)
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
                *scroll,
                theme,
            );
        }
        // What a question will write (a planning issue, its summary).
        // The question stays on top whatever the scroll, wrapped to fit;
        // nothing is said done until it is.
        Mode::Confirm {
            preview: Some(text),
            scroll,
            prompt,
            ..
        } => {
            use crate::core::domain::markdown::{Emphasis, Run, wrap_lines};
            let r = crate::core::app::geometry::overlay(area.width, area.height);
            let inner = crate::core::app::geometry::overlay_inner(r);
            let width = inner.w.saturating_sub(1) as usize;
            let lines = wrap_lines(&crate::core::domain::markdown::render(text), width);
            let question = wrap_lines(
                &[vec![Run {
                    text: prompt.clone(),
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
                *scroll,
                theme,
            );
        }
        Mode::Board
        | Mode::Filter { .. }
        | Mode::Confirm { .. }
        | Mode::Input { .. }
        | Mode::Grab { .. } => {}
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::app::action::Action;
    use crate::core::app::picker::{PickItem, PickPurpose, PickValue, Picker};
    use crate::core::app::state::Problem;
    use crate::core::app::update::update;
    use crate::core::domain::edit::Change;
    use crate::core::domain::model::IssueId;
    use crate::core::testing::{issue, keys, team, workspace};

    /// A state of `issues` on the W45 iteration board, 120 x 40.
    fn board_of(issues: Vec<crate::core::domain::model::Issue>) -> AppState {
        let mut s = AppState::new(
            workspace(issues),
            team(),
            chrono::NaiveDate::from_ymd_opt(2025, 11, 5).unwrap(),
            crate::core::domain::board::BoardKind::Iteration,
        );
        update(
            &mut s,
            Action::Resize {
                width: 120,
                height: 40,
            },
        );
        s
    }

    /// `n` open team issues of W45 with these labels (ids and iids 1..=n).
    fn many(n: u64, labels: &[&str]) -> Vec<crate::core::domain::model::Issue> {
        (1..=n)
            .map(|id| {
                let mut i = issue(id, id, labels);
                i.milestone_id = Some(1);
                i
            })
            .collect()
    }

    /// The screen as lines of text.
    fn screen(s: &AppState) -> Vec<String> {
        let (w, h) = s.viewport;
        let area = TRect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        render(&mut buf, area, s, &Theme::new(false, false));
        (0..h)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect())
            .collect()
    }

    /// Rows from the one containing `top` to the one containing `bottom`.
    fn box_height(lines: &[String], top: &str, bottom: &str) -> usize {
        let row = |s: &str| lines.iter().position(|l| l.contains(s)).unwrap();
        row(bottom) - row(top) + 1
    }

    #[test]
    fn forty_thousand_refused_changes_fill_the_box() {
        // The box's height was `n as u16 * 2`: past 32,767 changes it
        // overflowed (a panic in debug builds, a wrapped height otherwise).
        let mut s = board_of(many(3, &["team::Datastores"]));
        s.problems = (0..40_000)
            .map(|n| Problem {
                change: Change {
                    id: n + 1,
                    summary: format!("change {n}"),
                    ..Change::default()
                },
                reason: "refused".into(),
            })
            .collect();
        s.mode = Mode::Problems { cursor: 39_999 };
        let lines = screen(&s);
        assert_eq!(
            box_height(&lines, "40000 changes not applied", "r retry"),
            24
        );
        assert!(lines.iter().any(|l| l.contains("change 39999")));
    }

    #[test]
    fn forty_thousand_integrity_items_fill_the_screen() {
        let mut s = board_of(many(40_000, &["team::Datastores"]));
        s.mode = Mode::Integrity { cursor: 39_999 };
        let lines = screen(&s);
        assert_eq!(
            box_height(&lines, "Lane integrity: 40000 issues", "Enter fix"),
            36,
            "the height left around it, not a wrapped one"
        );
        assert!(lines.iter().any(|l| l.contains("#40000 Issue 40000")));
    }

    #[test]
    fn a_picker_of_65536_items_is_not_drawn_empty() {
        // `65_536 as u16` is 0: the box was 4 rows, with no item in it.
        let mut s = board_of(many(3, &["team::Datastores"]));
        let items = (0..65_536u64)
            .map(|n| PickItem {
                label: format!("item {n}"),
                detail: String::new(),
                value: PickValue::Member(n),
            })
            .collect();
        s.mode = Mode::Picker(Box::new(Picker::new(
            PickPurpose::Assignees,
            "Assignees",
            1,
            items,
        )));
        let lines = screen(&s);
        assert_eq!(
            box_height(&lines, "Assignees", "Tab select"),
            30,
            "three quarters of a 40-row screen"
        );
        assert!(lines.iter().any(|l| l.contains("item 17")));
    }

    #[test]
    fn forty_thousand_cards_in_one_column_scroll_to_the_last() {
        let mut s = board_of(many(40_000, &["team::Datastores", "workflow-infra::Ready"]));
        let ready = s
            .layout
            .columns
            .iter()
            .position(|c| c.title == "Ready")
            .unwrap();
        assert_eq!(s.layout.columns[ready].cards.len(), 40_000);
        keys(&mut s, &"l".repeat(ready));
        keys(&mut s, "G");
        let last: IssueId = 40_000;
        assert_eq!(s.selected_issue().map(|i| i.id), Some(last));
        let lines = screen(&s);
        assert!(lines.iter().any(|l| l.contains("-40000 of 40000")));
        assert!(lines.iter().any(|l| l.contains("#40000")));
        keys(&mut s, "gg");
        assert_eq!(s.selected_issue().map(|i| i.id), Some(1));
        assert!(screen(&s).iter().any(|l| l.contains("1-9 of 40000")));
    }
}
