//! What to work on next (`gn`): the suggestions of
//! [`crate::core::domain::next`] for the shown board, one selected, taken
//! with `t` or opened with Enter.

use crate::core::app::action::Effect;
use crate::core::app::command::{Binding, Command};
use crate::core::app::screens::{Keys, Screen};
use crate::core::app::state::AppState;
use crate::core::domain::next::{Group, NO_PLANNING_ISSUE, Next, blocked_left_out, next};

/// The `gn` list, a suggestion selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextScreen {
    pub cursor: usize,
}

impl Keys for NextScreen {
    const NAME: &'static str = "next";
    const TITLE: &'static str = "What to work on next";
    const BINDINGS: &'static [Binding] = &[
        Binding::new("k|<Up>", Command::Up, "previous suggestion"),
        Binding::new("j|<Down>", Command::Down, "next suggestion"),
        Binding::new(
            "t",
            Command::Take,
            "take it: assign yourself, doing lane (from the backlog also the current milestone)",
        ),
        Binding::new("<Enter>", Command::OpenDetail, "open its details"),
        Binding::new("q|<Esc>", Command::Back, "close"),
        Binding::new("<C-c>", Command::Quit, "quit"),
    ];
}

impl Screen for NextScreen {
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        next_command(state, cmd)
    }
}

/// The board's list (`gn`): every suggestion, for the shown state.
pub fn for_board(state: &crate::core::app::state::AppState) -> Next {
    next(&state.ws, &state.team, state.board.iteration.current, 8)
}

/// `gn`: open the list.
pub(crate) fn show_next(
    state: &mut crate::core::app::state::AppState,
) -> Vec<crate::core::app::action::Effect> {
    if for_board(state).all().is_empty() {
        state
            .status
            .info("nothing to suggest: no priority, ready issue or backlog issue is free");
    } else {
        state.focus.mode = crate::core::app::screens::Mode::Next(NextScreen { cursor: 0 });
    }
    Vec::new()
}

/// Keys in the list: move, take the selected suggestion, open it.
pub fn next_command(
    state: &mut crate::core::app::state::AppState,
    cmd: crate::core::app::command::Command,
) -> Vec<crate::core::app::action::Effect> {
    use crate::core::app::command::Command;
    use crate::core::app::screens::Mode;
    let n = for_board(state);
    let all = n.all();
    let Mode::Next(NextScreen { cursor }) = &mut state.focus.mode else {
        return Vec::new();
    };
    match cmd {
        Command::Up => *cursor = cursor.saturating_sub(1),
        Command::Down => *cursor = (*cursor + 1).min(all.len().saturating_sub(1)),
        Command::Back => state.focus.mode = Mode::Board,
        Command::Take | Command::OpenDetail => {
            let Some((item, _)) = all.get(*cursor) else {
                return Vec::new();
            };
            let id = item.issue;
            if cmd == Command::OpenDetail {
                // As from a card: the comments are asked for.
                return crate::core::app::screens::detail::open_detail(state, id);
            }
            state.focus.mode = Mode::Board;
            let Some(issue) = state.ws.issue(id).cloned() else {
                return Vec::new();
            };
            // The same take as `t` on the board.
            return crate::core::app::bulk::act(
                state,
                &issue,
                crate::core::domain::workflow::Intent::Take,
            );
        }
        _ => {}
    }
    Vec::new()
}

/// The list's lines, the selected one marked.
pub fn board_lines(state: &crate::core::app::state::AppState, cursor: usize) -> Vec<String> {
    let n = for_board(state);
    let mut out = Vec::new();
    // Section A as `glboard next` says it, also when it has nothing.
    let open_priorities = n.priorities.iter().any(|p| !p.done);
    match &n.planning_issue {
        None => out.extend([NO_PLANNING_ISSUE.to_owned(), String::new()]),
        Some(p) if !open_priorities => out.extend([
            format!("A. Priorities of the planning issue {p}"),
            "  (none with work left)".to_owned(),
            String::new(),
        ]),
        Some(_) => {}
    }
    let mut last: Option<Group> = None;
    for (k, (i, g)) in n.all().into_iter().enumerate() {
        if last != Some(g) {
            if last.is_some() {
                out.push(String::new());
            }
            out.push(match g {
                Group::Priorities => format!(
                    "A. Priorities of the planning issue {}",
                    n.planning_issue.clone().unwrap_or_default()
                ),
                Group::Ready => "B. Ready in the iteration (unassigned first, then yours)".into(),
                Group::Backlog => "C. Top of the backlog".into(),
            });
            last = Some(g);
        }
        let mut who = i.people();
        // Someone else's merge request closes it (issue #30).
        if let (Some(m), Some(by)) = (&i.merge_request, &i.merge_request_by) {
            who.push_str(&format!(" · {m} by @{by}"));
        }
        let rank = i.priority.map_or(String::new(), |p| format!("{p}. "));
        // Lane and people before the title: a narrow screen cuts the end.
        out.push(format!(
            "{} {rank}{} [{} · {who}] {}",
            if k == cursor { "▶" } else { " " },
            i.reference,
            if i.state == crate::core::domain::model::IssueState::Closed {
                "closed"
            } else {
                i.lane.as_deref().unwrap_or("no lane")
            },
            i.title,
        ));
    }
    if let Some(line) = blocked_left_out(n.blocked_left_out) {
        out.push(String::new());
        out.push(line);
    }
    out
}
