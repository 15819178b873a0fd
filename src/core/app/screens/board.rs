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
use crate::core::domain::board::{BoardKind, SortMode};
use crate::core::domain::iteration;
use crate::core::domain::num;

/// The board: its state is the application's (what is shown, where the
/// selection is), so the screen holds none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BoardScreen;

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
            let next = match state.board {
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
        Command::FollowNext if state.followed.is_some() => {
            // Back to the current iteration, and forget the following.
            state.followed = None;
            let mut fx = vec![Effect::Unfollow];
            match state.iteration.current {
                Some(id) => fx.extend(show_milestone(state, id)),
                None => {
                    show_board(state, BoardKind::Iteration);
                    state.milestone = None;
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
        Command::FollowNext => match state.iteration.next {
            Some(id) => {
                let mut fx = vec![Effect::Follow(id)];
                fx.extend(show_milestone(state, id));
                state.followed = Some(id);
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
            Some(issue) => return crate::core::app::panes::open_detail(state, issue),
            None => state.status.info("no card selected"),
        },
        Command::StartFilter => {
            state.focus.mode = Mode::Filter(FilterScreen {
                previous: state.filter.clone(),
            })
        }
        Command::ToggleSort => {
            state.sort = match state.sort {
                SortMode::Manual => SortMode::Priority,
                SortMode::Priority => SortMode::Manual,
            };
            state.relayout();
            state.status.info(match state.sort {
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
            } else if !state.filter.is_empty() {
                state.filter.clear();
                state.relayout();
                state.status.info("filter cleared");
            } else if state.quick != crate::core::app::state::QuickFilter::All {
                state.quick = crate::core::app::state::QuickFilter::All;
                state.relayout();
                state.status.info("view: all");
            } else if state.board == BoardKind::Planning {
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
    if state.board != BoardKind::Planning {
        show_board(state, BoardKind::Iteration);
    }
    match iteration::step(&state.ws.milestones, &state.team, state.milestone, delta) {
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
    let col = state.view().col;
    let len = state.layout.columns.get(col).map_or(0, |c| c.cards.len());
    if len == 0 {
        return;
    }
    let v = &mut state.views[state.board.index()];
    let Some(row) = v.rows.get_mut(col) else {
        return;
    };
    *row = num::step_clamped(*row, delta, len);
    state.sync_selected();
    state.ensure_visible();
}

fn move_col(state: &mut AppState, delta: i64) {
    let ncols = state.layout.columns.len();
    if ncols == 0 {
        return;
    }
    let v = &mut state.views[state.board.index()];
    v.col = num::step_clamped(v.col, delta, ncols);
    state.sync_selected();
    state.ensure_visible();
}
