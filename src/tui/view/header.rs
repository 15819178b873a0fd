//! The header: the app's name, the workspace and the board tabs on the
//! first row; what the board shows (milestone, dates, counts, capacity,
//! filters) on the second.

use crate::core::app::screens::filter::FilterScreen;
use ratatui::buffer::Buffer;
use ratatui::style::Style;

use super::put;
use crate::core::app::geometry::{Rect, cells};
use crate::core::app::screens::Mode;
use crate::core::app::state::AppState;
use crate::core::domain::board::{BoardKind, SortMode};
use crate::core::domain::capacity;
use crate::core::domain::iteration;
use crate::core::domain::text;
use crate::tui::theme::Theme;

pub(super) fn draw(buf: &mut Buffer, r: Rect, state: &AppState, theme: &Theme) {
    let w = r.w as usize;
    // Row 0: name, DEMO marker, source; board tabs on the right.
    let tabs = [
        (BoardKind::Backlog, " 1 Backlog "),
        (BoardKind::Iteration, " 2 Iteration "),
        (BoardKind::Planning, " gp Plan "),
    ];
    let tabs_w: usize = tabs.iter().map(|(_, t)| t.len()).sum::<usize>() + 1;
    let left_max = w.saturating_sub(tabs_w);
    let mut x = put(buf, r.x, r.y, left_max, " glboard ", theme.app());
    if state.ws.is_demo {
        x = put(
            buf,
            x,
            r.y,
            left_max.saturating_sub((x - r.x) as usize),
            " DEMO ",
            theme.demo(),
        );
        x += 1;
    }
    let used = (x - r.x) as usize;
    put(
        buf,
        x,
        r.y,
        left_max.saturating_sub(used),
        &text::truncate(&state.ws.name, left_max.saturating_sub(used)),
        theme.dim(),
    );
    if w > tabs_w + 12 {
        let mut tx = r.x.saturating_add(cells(w - tabs_w)).saturating_add(1);
        for (kind, t) in tabs {
            tx = put(
                buf,
                tx,
                r.y,
                t.len(),
                t,
                theme.tab(state.board.kind == kind),
            );
        }
    }

    // Row 1: what the board shows.
    let y = r.y + 1;
    let (cards, weight) = state.board.layout.issues_and_weight(&state.ws);
    let mut parts: Vec<(String, Style)> = Vec::new();
    // What gives way when the row does not fit: the milestone's title to
    // its short form, then its dates.
    let mut short_title: Option<(usize, String)> = None;
    let mut dates: Option<usize> = None;
    if !state.session.loaded {
        put(
            buf,
            r.x + 1,
            y,
            r.w.saturating_sub(1) as usize,
            "waiting for the first sync",
            theme.dim(),
        );
        return;
    }
    match state.board.kind {
        BoardKind::Planning => {
            let target = state
                .shown_milestone()
                .map_or("no milestone".to_owned(), |m| m.title.clone());
            if let Some(m) = state.shown_milestone() {
                let short = state.team.short_milestone_title(m);
                short_title = Some((parts.len(), format!("Planning: backlog → {short}")));
            }
            parts.push((format!("Planning: backlog → {target}"), theme.bold()));
            if let Some(c) = state.board.layout.columns.get(1) {
                parts.push((
                    format!("{} issues · weight {}", c.cards.len(), c.weight),
                    theme.plain(),
                ));
            }
        }
        BoardKind::Iteration => match state.shown_milestone() {
            Some(m) => {
                short_title = Some((parts.len(), state.team.short_milestone_title(m).to_owned()));
                parts.push((m.title.clone(), theme.bold()));
                if let (Some(s), Some(d)) = (m.start_date, m.due_date) {
                    dates = Some(parts.len());
                    parts.push((
                        format!("{} → {}", s.format("%b %-d"), d.format("%b %-d")),
                        theme.plain(),
                    ));
                }
                if let Some(p) =
                    iteration::days_phrase(m.start_date, m.due_date, state.session.today)
                {
                    parts.push((p, theme.weight()));
                }
                let tag = if state.board.followed == Some(m.id) {
                    Some("following (N: back to current)")
                } else if Some(m.id) == state.board.iteration.current {
                    Some("current")
                } else if Some(m.id) == state.board.iteration.next {
                    Some("next")
                } else {
                    None
                };
                if let Some(t) = tag {
                    parts.push((t.into(), theme.dim()));
                }
            }
            None => parts.push(("no milestone".into(), theme.bold())),
        },
        BoardKind::Backlog => {
            parts.push((
                format!(
                    "Backlog · {}",
                    state.team.lane_label(&state.team.backlog_lane)
                ),
                theme.bold(),
            ));
            parts.push((
                match state.board.sort {
                    SortMode::Manual => "board order".into(),
                    SortMode::Priority => "by priority".into(),
                },
                theme.dim(),
            ));
        }
    }
    // Absences counted, as in planning mode's panel.
    let capacity = state
        .board
        .milestone
        .and_then(|m| state.ws.milestone(m))
        .map_or_else(
            || capacity::team_capacity(&state.team),
            |m| capacity::team_capacity_in(&state.team, m),
        );
    let committed = state
        .board
        .milestone
        .map_or(0, |m| capacity::committed_weight(&state.ws, &state.team, m));
    let capacity_part = (state.board.kind != BoardKind::Backlog && capacity > 0).then(|| {
        let style = if committed > capacity {
            theme.severity(crate::core::app::status::Severity::Warning)
        } else {
            theme.plain()
        };
        (format!("capacity {committed}/{capacity}"), style)
    });
    if state.board.kind != BoardKind::Planning {
        parts.push((
            format!(
                "{cards} {}{}",
                if cards == 1 { "issue" } else { "issues" },
                if weight > 0 {
                    format!(" · weight {weight}")
                } else {
                    String::new()
                }
            ),
            theme.plain(),
        ));
    }
    parts.extend(capacity_part);
    if state.board.quick != crate::core::app::screens::board::QuickFilter::All {
        parts.push((
            format!(
                "view: {}",
                state.board.quick.name(&state.settings.saved_views)
            ),
            theme.weight(),
        ));
    }
    if !state.board.filter.trim().is_empty()
        && !matches!(state.focus.mode, Mode::Filter(FilterScreen { .. }))
    {
        parts.push((
            format!("filter: {}", state.board.filter.trim()),
            theme.weight(),
        ));
    }
    let mut x = r.x + 1;
    let mut end = r.x + r.w;
    // The marked count at the right end, whatever the width: an action
    // then changes every marked card.
    if !state.marked.is_empty() {
        let m = format!(" ✓ {} marked ", state.marked.len());
        let mw = cells(text::width(&m)).min(r.w.saturating_sub(1));
        end = end.saturating_sub(mw);
        put(buf, end, y, mw as usize, &m, theme.weight());
        end = end.saturating_sub(1);
    }
    let room = end.saturating_sub(x) as usize;
    let wide = |parts: &[(String, Style)]| {
        parts.iter().map(|(t, _)| text::width(t) + 3).sum::<usize>() - 3
    };
    if !parts.is_empty() && wide(&parts) > room {
        if let Some((i, short)) = short_title {
            parts[i].0 = short;
        }
        if wide(&parts) > room
            && let Some(i) = dates
        {
            parts.remove(i);
        }
    }
    for (i, (t, style)) in parts.iter().enumerate() {
        if i > 0 {
            x = put(buf, x, y, (end - x) as usize, " · ", theme.dim());
        }
        let room = end.saturating_sub(x) as usize;
        x = put(buf, x, y, room, &text::truncate(t, room), *style);
        if x >= end {
            break;
        }
    }
}
