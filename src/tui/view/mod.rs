//! Drawing: the state as a frame. Header, columns of cards, status line,
//! the detail and help overlays, and the "terminal too small" message. Reads
//! the state, never changes it; positions come from `core::app::geometry`, so
//! what is drawn is what mouse clicks hit.
//!
//! One file per screen region or overlay; this module puts them together
//! and holds the small drawing helpers they share.

mod board;
mod capacity;
mod changes;
mod detail;
mod grab;
mod header;
mod help;
mod insights;
mod integrity;
mod list;
mod next;
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
use crate::core::app::screens::Mode;
use crate::core::app::state::AppState;
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
            if state.session.loaded {
                let planning = state.board.kind == crate::core::domain::board::BoardKind::Planning;
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
            if let Some(parent) = &state.focus.back {
                overlay(buf, area, state, parent, theme);
            }
            overlay(buf, area, state, &state.focus.mode, theme);
        }
    }
}

/// A screen's drawing: an overlay over the board (most screens), and what
/// it says on the left of the status line (a hint, a prompt of its own).
/// One implementation per screen, in its own file.
trait Draw {
    fn overlay(&self, buf: &mut Buffer, area: TRect, state: &AppState, theme: &Theme) {
        let _ = (buf, area, state, theme);
    }

    /// How it uses the left of the status line, `room` cells wide: the
    /// status message or a hint of its own (none by default: pickers and
    /// panels say their keys in their border), or a line of its own.
    fn status(&self, state: &AppState, room: usize) -> StatusLeft {
        let _ = (state, room);
        StatusLeft::Hint("")
    }

    /// Its own line on the left of the status line, at (x, y) within `room`
    /// cells, when [`Draw::status`] says it has one.
    fn status_line(
        &self,
        buf: &mut Buffer,
        at: (u16, u16),
        room: usize,
        state: &AppState,
        theme: &Theme,
    ) {
        let _ = (buf, at, room, state, theme);
    }
}

/// How a screen uses the left of the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusLeft {
    /// A prompt of its own (a question, a text being typed), drawn
    /// whatever else there is to say.
    Prompt,
    /// A line of its own, unless a batch's progress shows.
    Line,
    /// The status message, else the sync's error, else this hint.
    Hint(&'static str),
}

impl<T: Draw> Draw for Box<T> {
    fn overlay(&self, buf: &mut Buffer, area: TRect, state: &AppState, theme: &Theme) {
        (**self).overlay(buf, area, state, theme);
    }
    fn status(&self, state: &AppState, room: usize) -> StatusLeft {
        (**self).status(state, room)
    }
    fn status_line(
        &self,
        buf: &mut Buffer,
        at: (u16, u16),
        room: usize,
        state: &AppState,
        theme: &Theme,
    ) {
        (**self).status_line(buf, at, room, state, theme);
    }
}

/// The drawing of each screen of the one list
/// ([`crate::core::app::screens`]).
macro_rules! draw_screens {
    (
        $(#[$board_doc:meta])* $board:ident: $board_ty:ty,
        $(#[$keys_doc:meta])* keys $keys:ident: $keys_ty:ty,
        $( $(#[$doc:meta])* $name:ident($ty:ty), )*
    ) => {
        /// The drawing of the screen a mode shows.
        fn drawing<R>(mode: &Mode, f: impl FnOnce(&dyn Draw) -> R) -> R {
            // The list names the screens' types from the core's screens.
            use crate::core::app::screens::*;
            match mode {
                Mode::$board => f(&<$board_ty>::default()),
                $( Mode::$name(s) => f(s), )*
            }
        }
    };
}

crate::core::app::screens::the_screens!(draw_screens);

/// The overlay of a mode, if it has one.
fn overlay(buf: &mut Buffer, area: TRect, state: &AppState, mode: &Mode, theme: &Theme) {
    drawing(mode, |d| d.overlay(buf, area, state, theme));
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
    use crate::core::app::changes::Problem;
    use crate::core::app::picker::{PickItem, PickPurpose, PickValue, Picker};
    use crate::core::app::screens::integrity::IntegrityScreen;
    use crate::core::app::screens::problems::ProblemsScreen;
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
        let (w, h) = s.session.viewport;
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
        s.changes.problems = (0..40_000)
            .map(|n| Problem {
                change: Change {
                    id: n + 1,
                    summary: format!("change {n}"),
                    ..Change::default()
                },
                reason: "refused".into(),
            })
            .collect();
        s.focus.mode = Mode::Problems(ProblemsScreen { cursor: 39_999 });
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
        s.focus.mode = Mode::Integrity(IntegrityScreen { cursor: 39_999 });
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
        s.focus.mode = Mode::Picker(Box::new(Picker::new(
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
            .board
            .layout
            .columns
            .iter()
            .position(|c| c.title == "Ready")
            .unwrap();
        assert_eq!(s.board.layout.columns[ready].cards.len(), 40_000);
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
