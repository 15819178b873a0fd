//! The board: its own keys (moving the selection, switching boards and
//! milestones, the filter, sort and refresh, closing what is open); the
//! workflow's keys on a card are [`crate::core::app::workflow_keys`].
//! Planning mode (`gp`) is the board with a layer of keys over it.

use crate::core::app::action::Effect;
use crate::core::app::command::{Binding, Command};
use crate::core::app::geometry;
use crate::core::app::navigation::{show_board, show_milestone};
use crate::core::app::screens::filter::FilterScreen;
use crate::core::app::screens::{Keys, Mode, Screen, help};
use crate::core::app::state::AppState;
use crate::core::app::workflow_keys;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::core::domain::board::{BoardKind, BoardLayout, SortMode};
use crate::core::domain::iteration::{self, IterationPick};
use crate::core::domain::model::{IssueId, MilestoneId};
use crate::core::domain::num;
use crate::core::domain::since::Glimpse;

/// The board: its state is the application's (what is shown, where the
/// selection is), so the screen holds none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BoardScreen;

/// The board's view (a part of the state): which board shows which
/// milestone, with what filter, sort and quick view, its layout, and where
/// the selection is on each board. Laid out again by
/// [`AppState::relayout`] (it needs the workspace and the settings).
#[derive(Debug, Clone)]
pub struct Board {
    pub kind: BoardKind,
    /// The current and next iteration, as the team's rule picks them today.
    pub iteration: IterationPick,
    /// The iteration board's milestone.
    pub milestone: Option<MilestoneId>,
    /// The milestone the iteration board follows (remembered per workspace).
    pub followed: Option<MilestoneId>,
    pub sort: SortMode,
    /// Filter text as typed.
    pub filter: String,
    pub quick: QuickFilter,
    pub layout: BoardLayout,
    /// Per board (indexed by [`BoardKind::index`]).
    pub views: [BoardView; 3],
    /// What the board showed when it last closed (and when): cards changed
    /// since are marked.
    pub last_look: Option<(DateTime<Utc>, BTreeMap<IssueId, Glimpse>)>,
}

impl Board {
    /// `kind` shown, on the current iteration of `iteration`, not laid out yet.
    pub fn new(kind: BoardKind, iteration: IterationPick) -> Board {
        Board {
            kind,
            milestone: iteration.current,
            iteration,
            followed: None,
            sort: SortMode::Manual,
            filter: String::new(),
            quick: QuickFilter::All,
            layout: BoardLayout {
                kind,
                columns: Vec::new(),
            },
            views: Default::default(),
            last_look: None,
        }
    }

    /// The shown board's selection and scroll.
    pub fn view(&self) -> &BoardView {
        &self.views[self.kind.index()]
    }

    /// The column the selection is in, if the board has it.
    pub fn selected_column(&self) -> Option<&crate::core::domain::board::Column> {
        self.layout.columns.get(self.view().col)
    }

    pub(crate) fn view_mut(&mut self) -> &mut BoardView {
        &mut self.views[self.kind.index()]
    }

    /// The issues of every card that can be in sight on a screen of
    /// `rows` rows (a card takes one row at least): in each column, those
    /// from `rows` above its first visible card or its selected one to
    /// `rows` below. What the first frame needs read of them besides their
    /// rows (ages, merge requests) is read before the rest.
    pub fn cards_near_sight(&self, rows: usize) -> Vec<IssueId> {
        let v = self.view();
        let mut ids = Vec::new();
        for (k, col) in self.layout.columns.iter().enumerate() {
            let offset = v.offsets.get(k).copied().unwrap_or(0);
            let row = v.rows.get(k).copied().unwrap_or(0);
            let from = offset.min(row).saturating_sub(rows);
            let to = offset.max(row).saturating_add(2 * rows);
            ids.extend(col.cards.iter().skip(from).take(to - from).map(|c| c.id));
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Select this issue (on the shown board) at the next re-layout.
    pub fn view_select(&mut self, id: IssueId) {
        self.view_mut().selected = Some(id);
    }
}

/// Selection and scroll position of one board.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BoardView {
    /// Selected column.
    pub col: usize,
    /// Selected row in each column.
    pub rows: Vec<usize>,
    /// First visible card in each column.
    pub offsets: Vec<usize>,
    /// First visible column.
    pub col_offset: usize,
    /// The selected issue, kept across re-layouts.
    pub selected: Option<IssueId>,
}

/// Quick views (`f` cycles them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuickFilter {
    #[default]
    All,
    Mine,
    Unassigned,
    /// Not updated in 14 days.
    Stale,
    /// No lane, several lanes, or an unknown lane.
    Flagged,
    /// The n-th saved view of the config (`[views.NAME]`).
    Saved(u8),
}

impl QuickFilter {
    /// The next view: the built-in ones, then the `saved` ones, then all.
    pub fn next(self, saved: usize) -> Self {
        let first_saved = || {
            if saved > 0 {
                QuickFilter::Saved(0)
            } else {
                QuickFilter::All
            }
        };
        match self {
            QuickFilter::All => QuickFilter::Mine,
            QuickFilter::Mine => QuickFilter::Unassigned,
            QuickFilter::Unassigned => QuickFilter::Stale,
            QuickFilter::Stale => QuickFilter::Flagged,
            QuickFilter::Flagged => first_saved(),
            QuickFilter::Saved(n) if usize::from(n) + 1 < saved => QuickFilter::Saved(n + 1),
            QuickFilter::Saved(_) => QuickFilter::All,
        }
    }

    pub fn name(self, saved: &[crate::core::domain::saved_view::SavedView]) -> String {
        match self {
            QuickFilter::All => "all".into(),
            QuickFilter::Mine => "mine".into(),
            QuickFilter::Unassigned => "unassigned".into(),
            QuickFilter::Stale => "stale (14 days)".into(),
            QuickFilter::Flagged => "flagged".into(),
            QuickFilter::Saved(n) => saved
                .get(usize::from(n))
                .map_or("saved view".into(), |v| v.name.clone()),
        }
    }
}

impl Keys for BoardScreen {
    const NAME: &'static str = "board";
    const TITLE: &'static str = "Board";
    const BINDINGS: &'static [Binding] = &[
        Binding::new("k|<Up>", Command::Up, "previous card"),
        Binding::new("j|<Down>", Command::Down, "next card"),
        Binding::new("h|<Left>", Command::Left, "column to the left"),
        Binding::new("l|<Right>", Command::Right, "column to the right"),
        Binding::new("gg|<Home>", Command::Top, "first card of the column"),
        Binding::new("G|<End>", Command::Bottom, "last card of the column"),
        Binding::new("<C-u>|<PageUp>", Command::PageUp, "page up"),
        Binding::new("<C-d>|<PageDown>", Command::PageDown, "page down"),
        Binding::new("<Tab>|<BackTab>", Command::SwitchBoard, "switch board"),
        Binding::new("1", Command::ShowBacklog, "backlog board"),
        Binding::new("2", Command::ShowIteration, "iteration board"),
        Binding::new("[", Command::PrevMilestone, "previous milestone (browse)"),
        Binding::new("]", Command::NextMilestone, "next milestone (browse)"),
        Binding::new(
            "N",
            Command::FollowNext,
            "follow the next iteration (again: the current)",
        ),
        Binding::new("<Enter>", Command::OpenDetail, "open the issue's details"),
        Binding::new(
            "/",
            Command::StartFilter,
            "filter by title, label, assignee",
        ),
        Binding::new(
            "s",
            Command::ToggleSort,
            "sort: manual order / priority label",
        ),
        Binding::new(
            "p",
            Command::Promote,
            "promote to the current iteration (ready lane)",
        ),
        Binding::new("P", Command::PromotePick, "promote to a milestone you pick"),
        Binding::new(
            "t",
            Command::Take,
            "take: assign yourself, move to the doing lane",
        ),
        Binding::new(
            "H|<S-Left>",
            Command::MoveLaneLeft,
            "move the card to the lane on the left",
        ),
        Binding::new(
            "L|<S-Right>",
            Command::MoveLaneRight,
            "move the card to the lane on the right",
        ),
        Binding::new("m", Command::PickLane, "move the card to a lane you pick"),
        Binding::new(
            "K|<S-Up>",
            Command::MoveCardUp,
            "move the card up (priority)",
        ),
        Binding::new(
            "J|<S-Down>",
            Command::MoveCardDown,
            "move the card down (priority)",
        ),
        Binding::new("T", Command::MoveCardTop, "move the card to the top"),
        Binding::new("B", Command::MoveCardBottom, "move the card to the bottom"),
        Binding::new("=1", Command::SetPriority(1), "priority::1"),
        Binding::new("=2", Command::SetPriority(2), "priority::2"),
        Binding::new("=3", Command::SetPriority(3), "priority::3"),
        Binding::new("=4", Command::SetPriority(4), "priority::4"),
        Binding::new("=0", Command::SetPriority(0), "clear the priority label"),
        Binding::new(
            "i",
            Command::PlanningIssue,
            "the iteration's planning issue",
        ),
        Binding::new(
            "S",
            Command::WriteSummary,
            "write the planning summary into the planning issue (preview first)",
        ),
        Binding::new(
            "R",
            Command::Replan,
            "re-plan: move what is not Done to another iteration",
        ),
        Binding::new(
            "f",
            Command::QuickView,
            "quick view: all, mine, unassigned, stale, flagged",
        ),
        Binding::new(
            "gm",
            Command::JumpMilestone,
            "jump to any milestone (browse)",
        ),
        Binding::new(
            "gp",
            Command::ShowPlanning,
            "planning mode: backlog and iteration side by side",
        ),
        Binding::new(
            "gn",
            Command::ShowNext,
            "what to work on next: priorities, ready lane, backlog (t takes)",
        ),
        Binding::new(
            "gw",
            Command::SwitchProfile,
            "switch profile: another team or host of the config",
        ),
        Binding::new(
            "gc",
            Command::ShowChanges,
            "what changed since you last looked (marked ✦ on the cards)",
        ),
        Binding::new(
            "gi",
            Command::ShowIntegrity,
            "lane integrity: issues with lane problems",
        ),
        Binding::new(
            "I",
            Command::ShowInsights,
            "iteration insights: this iteration so far, the last ones, velocity, burn-up",
        ),
        Binding::new(
            "<Space>",
            Command::Grab,
            "grab the card: carry it with hjkl, Enter drops",
        ),
        Binding::new(
            "v",
            Command::MarkCard,
            "mark / unmark the card: card actions then apply to every marked card",
        ),
        Binding::new("V", Command::MarkColumn, "mark / unmark the whole column"),
        Binding::new(
            "*",
            Command::MarkShown,
            "mark / unmark everything the board shows (after the filter)",
        ),
        Binding::new("a", Command::PickAssignees, "assign / unassign members"),
        Binding::new("A", Command::UnassignMe, "unassign yourself"),
        Binding::new("M", Command::PickMilestone, "set the milestone"),
        Binding::new("w", Command::Weight, "set the weight"),
        Binding::new("c", Command::Comment, "comment on the issue"),
        Binding::new("n", Command::Create, "new issue in this lane"),
        Binding::new("x", Command::CloseReopen, "close (or reopen) the issue"),
        Binding::new("o", Command::OpenInBrowser, "open in the browser"),
        Binding::new("y", Command::CopyUrl, "copy the issue's URL"),
        Binding::new("u", Command::Undo, "undo your last change"),
        Binding::new(
            "!",
            Command::ShowProblems,
            "changes not applied: refused by GitLab, or in conflict",
        ),
        Binding::new("r", Command::Refresh, "refresh from GitLab now"),
        Binding::new("?", Command::Help, "this help"),
        Binding::new(
            "q",
            Command::Back,
            "close what is open (filter, quick view, planning mode), else quit",
        ),
        Binding::new(
            "<Esc>",
            Command::Escape,
            "close what is open (filter, quick view, planning mode); never quits",
        ),
        Binding::new("<C-c>", Command::Quit, "quit"),
    ];
}

impl Screen for BoardScreen {
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        board_command(state, cmd)
    }
}

/// Planning mode's keys: a layer over the board's, no screen of its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanningKeys;

impl Keys for PlanningKeys {
    const NAME: &'static str = "planning";
    const TITLE: &'static str = "Planning mode (gp): board keys, and";
    const BINDINGS: &'static [Binding] = &[
        Binding::new(
            "p",
            Command::Promote,
            "promote the backlog card into the iteration on the right",
        ),
        Binding::new("q|<Esc>", Command::Back, "close planning mode"),
    ];
}

fn board_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    if let Some(fx) = workflow_keys::board_action(state, cmd) {
        return fx;
    }
    let (w, h) = state.session.viewport;
    let page = geometry::screen(w, h).map_or(1, |s| geometry::cards_per_column(s.board.h));
    match cmd {
        Command::Up => move_row(state, -1),
        Command::Down => move_row(state, 1),
        Command::PageUp => move_row(state, -num::signed(page)),
        Command::PageDown => move_row(state, num::signed(page)),
        Command::Top => move_row(state, i64::MIN / 2),
        Command::Bottom => move_row(state, i64::MAX / 2),
        Command::Left => move_col(state, -1),
        Command::Right => move_col(state, 1),
        Command::SwitchBoard => {
            let next = match state.board.kind {
                BoardKind::Backlog => BoardKind::Iteration,
                BoardKind::Iteration | BoardKind::Planning => BoardKind::Backlog,
            };
            show_board(state, next);
        }
        Command::ShowBacklog => show_board(state, BoardKind::Backlog),
        Command::ShowPlanning => {
            show_board(state, BoardKind::Planning);
            state.status.info("planning: p promotes the backlog card into the iteration on the right; J/K place it");
        }
        Command::ShowIteration => show_board(state, BoardKind::Iteration),
        Command::FollowNext if state.board.followed.is_some() => {
            // Back to the current iteration, and forget the following.
            state.board.followed = None;
            let mut fx = vec![Effect::Unfollow];
            match state.board.iteration.current {
                Some(id) => fx.extend(show_milestone(state, id)),
                None => {
                    show_board(state, BoardKind::Iteration);
                    state.board.milestone = None;
                    state.relayout();
                }
            }
            let title = state
                .shown_milestone()
                .map(|m| m.title.clone())
                .unwrap_or_else(|| "no current iteration".into());
            state.status.info(format!(
                "the board shows the current iteration again: {title}"
            ));
            return fx;
        }
        Command::FollowNext => match state.board.iteration.next {
            Some(id) => {
                let mut fx = vec![Effect::Follow(id)];
                fx.extend(show_milestone(state, id));
                state.board.followed = Some(id);
                let title = state
                    .shown_milestone()
                    .map(|m| m.title.clone())
                    .unwrap_or_default();
                state.status.info(format!("the board now follows {title}"));
                return fx;
            }
            None => state.status.info("no later milestone to follow"),
        },
        Command::PrevMilestone => return step_milestone(state, -1),
        Command::NextMilestone => return step_milestone(state, 1),
        Command::OpenDetail => match state.selected_issue().map(|i| i.id) {
            Some(issue) => return crate::core::app::screens::detail::open_detail(state, issue),
            None => state.status.info("no card selected"),
        },
        Command::StartFilter => {
            state.focus.mode = Mode::Filter(FilterScreen {
                previous: state.board.filter.clone(),
            })
        }
        Command::ToggleSort => {
            state.board.sort = match state.board.sort {
                SortMode::Manual => SortMode::Priority,
                SortMode::Priority => SortMode::Manual,
            };
            state.relayout();
            state.status.info(match state.board.sort {
                SortMode::Manual => "sorted by board order",
                SortMode::Priority => "sorted by priority label, then board order",
            });
        }
        Command::Refresh => {
            if state.session.sync.enabled {
                return vec![Effect::Refresh];
            }
            state
                .status
                .info("the demo workspace has nothing to refresh");
        }
        Command::Help => help::open_help(state),
        Command::Back | Command::Escape => {
            // Close what is open, innermost first; only q on the plain
            // board quits.
            if crate::core::app::bulk::clear(state) {
            } else if !state.board.filter.is_empty() {
                state.board.filter.clear();
                state.relayout();
                state.status.info("filter cleared");
            } else if state.board.quick != QuickFilter::All {
                state.board.quick = QuickFilter::All;
                state.relayout();
                state.status.info("view: all");
            } else if state.board.kind == BoardKind::Planning {
                show_board(state, BoardKind::Iteration);
                state.status.info("planning mode closed");
            } else if cmd == Command::Back {
                state.session.quit = true;
                return vec![Effect::Quit];
            } else {
                state.status.info("q quits (Ctrl-c from anywhere)");
            }
        }
        _ => {}
    }
    Vec::new()
}

fn step_milestone(state: &mut AppState, delta: i32) -> Vec<Effect> {
    // Planning mode stays planning mode, on the next or previous iteration.
    if state.board.kind != BoardKind::Planning {
        show_board(state, BoardKind::Iteration);
    }
    match iteration::step(
        &state.ws.milestones,
        &state.team,
        state.board.milestone,
        delta,
    ) {
        Some(id) => return show_milestone(state, id),
        None => state.status.info(if delta < 0 {
            "no earlier milestone"
        } else {
            "no later milestone"
        }),
    }
    Vec::new()
}

fn move_row(state: &mut AppState, delta: i64) {
    let col = state.board.view().col;
    let len = state
        .board
        .layout
        .columns
        .get(col)
        .map_or(0, |c| c.cards.len());
    if len == 0 {
        return;
    }
    let v = &mut state.board.views[state.board.kind.index()];
    let Some(row) = v.rows.get_mut(col) else {
        return;
    };
    *row = num::step_clamped(*row, delta, len);
    state.sync_selected();
    state.ensure_visible();
}

fn move_col(state: &mut AppState, delta: i64) {
    let ncols = state.board.layout.columns.len();
    if ncols == 0 {
        return;
    }
    let v = &mut state.board.views[state.board.kind.index()];
    v.col = num::step_clamped(v.col, delta, ncols);
    state.sync_selected();
    state.ensure_visible();
}
