//! The detail pane of one issue (Enter): scrolled, and the card's actions
//! on its issue; a picker or prompt they open returns to the pane. What it
//! shows is [`crate::core::app::panes`].

use crate::core::app::action::{Effect, StoreUpdate};
use crate::core::app::command::{Binding, Command};
use crate::core::app::panes;
use crate::core::app::screens::confirm::ConfirmScreen;
use crate::core::app::screens::pager::{self, Page};
use crate::core::app::screens::{Keys, Mode, Screen, help};
use crate::core::app::state::AppState;
use crate::core::app::workflow_keys;
use crate::core::domain::model::IssueId;

/// The detail pane of one issue, scrolled by `scroll` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailScreen {
    pub issue: IssueId,
    pub scroll: usize,
    /// Sent to its end (`G`): it stays there as the pane grows (comments
    /// or merge requests landing), as `tail -f` does, until scrolled up.
    pub at_end: bool,
}

impl Keys for DetailScreen {
    const NAME: &'static str = "detail";
    const TITLE: &'static str = "Detail pane";
    const BINDINGS: &'static [Binding] = &[
        Binding::new(
            "S",
            Command::WriteSummary,
            "write the planning summary into the planning issue (preview first)",
        ),
        Binding::new("j|<Down>", Command::Down, "scroll down"),
        Binding::new("k|<Up>", Command::Up, "scroll up"),
        Binding::new("<C-d>|<PageDown>|<Space>", Command::PageDown, "page down"),
        Binding::new("<C-u>|<PageUp>", Command::PageUp, "page up"),
        Binding::new("gg|<Home>", Command::Top, "top"),
        Binding::new("G|<End>", Command::Bottom, "bottom"),
        Binding::new(
            "t",
            Command::Take,
            "take: assign yourself, move to the doing lane",
        ),
        Binding::new(
            "p",
            Command::Promote,
            "promote to the current iteration (ready lane)",
        ),
        Binding::new("P", Command::PromotePick, "promote to a milestone you pick"),
        Binding::new(
            "H|<S-Left>",
            Command::MoveLaneLeft,
            "move to the lane on the left",
        ),
        Binding::new(
            "L|<S-Right>",
            Command::MoveLaneRight,
            "move to the lane on the right",
        ),
        Binding::new("m", Command::PickLane, "move to a lane you pick"),
        Binding::new("K|<S-Up>", Command::MoveCardUp, "move up (priority)"),
        Binding::new("J|<S-Down>", Command::MoveCardDown, "move down (priority)"),
        Binding::new("=1", Command::SetPriority(1), "priority::1"),
        Binding::new("=2", Command::SetPriority(2), "priority::2"),
        Binding::new("=3", Command::SetPriority(3), "priority::3"),
        Binding::new("=4", Command::SetPriority(4), "priority::4"),
        Binding::new("=0", Command::SetPriority(0), "clear the priority label"),
        Binding::new("a", Command::PickAssignees, "assign / unassign members"),
        Binding::new("A", Command::UnassignMe, "unassign yourself"),
        Binding::new("M", Command::PickMilestone, "set the milestone"),
        Binding::new("w", Command::Weight, "set the weight"),
        Binding::new("c", Command::Comment, "comment on the issue"),
        Binding::new("x", Command::CloseReopen, "close (or reopen) the issue"),
        Binding::new(
            "o",
            Command::OpenInBrowser,
            "open in the browser (the issue, or one of its merge requests)",
        ),
        Binding::new("y", Command::CopyUrl, "copy the issue's URL"),
        Binding::new("u", Command::Undo, "undo your last change"),
        Binding::new("?", Command::Help, "help"),
        Binding::new("q|<Esc>|<Enter>", Command::Back, "close"),
        Binding::new("<C-c>", Command::Quit, "quit"),
    ];
}

impl Screen for DetailScreen {
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        detail_command(state, cmd, self.issue)
    }
}

/// Keys in the detail pane: scrolling, and the card actions on its issue
/// (a picker or prompt they open returns to the pane).
fn detail_command(state: &mut AppState, cmd: Command, issue: IssueId) -> Vec<Effect> {
    let before = state.focus.mode.clone();
    if let Command::Custom(n) = cmd {
        let i = state.ws.issue(issue).cloned();
        return crate::core::app::custom_command::run::run(state, usize::from(n), i.as_ref());
    }
    if cmd == Command::WriteSummary {
        let fx = crate::core::planning::issue::write_summary(state);
        if matches!(state.focus.mode, Mode::Confirm(ConfirmScreen { .. })) {
            state.focus.back = Some(Box::new(before));
        }
        return fx;
    }
    // `o` on an issue with merge requests: which to open (issue #30).
    if cmd == Command::OpenInBrowser
        && let Some(i) = state.ws.issue(issue).cloned()
        && let Some(fx) = workflow_keys::open_choice(state, &i)
    {
        state.focus.back = Some(Box::new(before));
        return fx;
    }
    match workflow_keys::card_action(state, cmd, issue) {
        Some(fx) => {
            if !matches!(
                state.focus.mode,
                Mode::Board | Mode::Detail(DetailScreen { .. })
            ) {
                state.focus.back = Some(Box::new(before));
            }
            fx
        }
        None => {
            match cmd {
                Command::Help => help::open_help(state),
                Command::Back => state.focus.mode = Mode::Board,
                _ => {
                    if let Some(page) = page(state, issue)
                        && let Mode::Detail(DetailScreen { scroll, at_end, .. }) =
                            &mut state.focus.mode
                    {
                        let before = *scroll;
                        if page.command(scroll, cmd) {
                            // `G` follows the end; a key that moves away
                            // from it stops following.
                            *at_end = cmd == Command::Bottom || (*at_end && *scroll == before);
                        }
                    }
                }
            }
            Vec::new()
        }
    }
}

/// The pane's lines against the rows that show them (none when its issue
/// is gone).
fn page(state: &AppState, issue: IssueId) -> Option<Page> {
    let (width, visible) = pager::overlay_size(state.session.viewport);
    let issue = state.ws.issue(issue)?;
    Some(Page {
        total: panes::detail_lines(state, issue, usize::from(width)).len(),
        visible,
    })
}

/// Scroll the pane by `delta` lines (the mouse wheel).
pub(crate) fn scroll(state: &mut AppState, delta: i64) {
    if let Mode::Detail(DetailScreen { issue, .. }) = state.focus.mode
        && let Some(page) = page(state, issue)
        && let Mode::Detail(DetailScreen { scroll, at_end, .. }) = &mut state.focus.mode
    {
        let before = *scroll;
        page.scroll(scroll, delta);
        *at_end &= *scroll == before;
    }
}

/// A pane sent to its end stays there when what it shows grew (its
/// comments read, a sync's or a merge request's landing).
pub(crate) fn follow_end(state: &mut AppState) {
    if let Mode::Detail(DetailScreen {
        issue,
        at_end: true,
        ..
    }) = state.focus.mode
        && let Some(page) = page(state, issue)
        && let Mode::Detail(DetailScreen { scroll, .. }) = &mut state.focus.mode
    {
        page.command(scroll, Command::Bottom);
    }
}

/// Keep the pane's scroll within its lines (after a resize).
pub(crate) fn clamp_scroll(state: &mut AppState) {
    if let Mode::Detail(DetailScreen { issue, .. }) = state.focus.mode
        && let Some(page) = page(state, issue)
        && let Mode::Detail(DetailScreen { scroll, .. }) = &mut state.focus.mode
    {
        page.clamp(scroll);
    }
}

/// Open an issue in the detail pane, from wherever (a card, `gn`, `i`):
/// its comments are asked for at once, so the pane never waits on
/// "loading…" for good.
pub fn open_detail(state: &mut AppState, issue: IssueId) -> Vec<Effect> {
    state.focus.mode = Mode::Detail(DetailScreen {
        issue,
        scroll: 0,
        at_end: false,
    });
    match state.ws.issue(issue) {
        Some(i) if state.session.sync.enabled => {
            vec![Effect::LoadNotes {
                issue,
                project: i.project_id,
                iid: i.iid,
            }]
        }
        _ => Vec::new(),
    }
}

/// The issue the detail pane shows (also under a prompt opened from it).
fn detail_issue(state: &AppState) -> Option<IssueId> {
    let shown = |m: &Mode| match m {
        Mode::Detail(DetailScreen { issue, .. }) => Some(*issue),
        _ => None,
    };
    shown(&state.focus.mode).or_else(|| state.focus.back.as_deref().and_then(shown))
}

/// A cache update that touches the issue the detail pane shows (GitLab's
/// answer to a comment posted from it or from another shell, or the issue
/// read again): its comments are read again, so the pane shows them
/// without being opened again.
pub fn notes_to_reread(state: &AppState, u: &StoreUpdate) -> Vec<Effect> {
    let Some(id) = detail_issue(state).filter(|_| state.session.sync.enabled) else {
        return Vec::new();
    };
    let touched = u.full.is_some()
        || u.upsert.iter().any(|i| i.id == id)
        || u.sent.iter().any(|(c, _)| c.issue == id);
    match state.ws.issue(id) {
        Some(i) if touched && i.iid != 0 => vec![Effect::LoadNotes {
            issue: id,
            project: i.project_id,
            iid: i.iid,
        }],
        _ => Vec::new(),
    }
}
