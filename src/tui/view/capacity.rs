//! Planning mode's capacity panel: each person's committed weight against
//! capacity (absences counted) in the shown iteration and the two after
//! it, and the team's total, beside the backlog and the iteration.

use ratatui::buffer::Buffer;
use ratatui::text::Line;
use ratatui::widgets::{Block, Widget};

use super::{put, trect};
use crate::core::app::geometry::Rect;
use crate::core::app::state::AppState;
use crate::core::app::status::Severity;
use crate::core::domain::capacity::{self, Load};
use crate::core::domain::text;
use crate::tui::theme::Theme;

const NAME_W: u16 = 11;
const LOAD_W: u16 = 7;

fn load(l: Load) -> String {
    if l.capacity == 0 {
        format!("{}/–", l.committed)
    } else {
        format!("{}/{}", l.committed, l.capacity)
    }
}

pub(super) fn draw(buf: &mut Buffer, r: Rect, state: &AppState, theme: &Theme) {
    let area = trect(r);
    Block::bordered()
        .border_style(theme.border())
        .title(Line::styled(" Capacity: committed/capacity ", theme.bold()))
        .render(area, buf);
    let (x0, w) = (r.x + 1, r.w.saturating_sub(2) as usize);
    let mut y = r.y + 1;
    let bottom = r.y + r.h.saturating_sub(1);
    let Some(shown) = state.board.milestone else {
        put(buf, x0, y, w, "no iteration shown", theme.dim());
        return;
    };
    let (horizon, people) = capacity::planning_outlook(&state.ws, &state.team, shown);
    // The team: the same numbers as the header's capacity.
    let team: Vec<Load> = horizon
        .iter()
        .map(|m| Load {
            committed: capacity::committed_weight(&state.ws, &state.team, m.id),
            capacity: capacity::team_capacity_in(&state.team, m),
        })
        .collect();
    // Columns as wide as their widest number and a space, so numbers never
    // run together (the team's are the largest).
    let load_w = people
        .iter()
        .flat_map(|p| p.iterations.iter())
        .chain(&team)
        .map(|l| text::width(&load(*l)) + 1)
        .fold(usize::from(LOAD_W), usize::max);
    let col = crate::core::app::geometry::cells(load_w);
    // Names give way to numbers that would not fit.
    let name_w = crate::core::app::geometry::cells(w.saturating_sub(horizon.len() * load_w))
        .clamp(6, NAME_W);
    // The iterations, short.
    let mut x = x0 + name_w;
    for m in &horizon {
        let t = text::truncate(state.team.short_milestone_title(m), load_w - 1);
        put(
            buf,
            x,
            y,
            load_w,
            &format!("{t:>w$}", w = load_w - 1),
            theme.bold(),
        );
        x += col;
    }
    y += 1;
    if people.is_empty() {
        put(buf, x0, y, w, "no [capacity] in the config", theme.dim());
        return;
    }
    let row = |buf: &mut Buffer, y: u16, name: &str, loads: &[Load]| {
        put(
            buf,
            x0,
            y,
            usize::from(name_w),
            &text::truncate(name, usize::from(name_w - 1)),
            theme.plain(),
        );
        let mut x = x0 + name_w;
        for l in loads {
            let style = if l.capacity > 0 && l.committed > l.capacity {
                theme.severity(Severity::Warning)
            } else {
                theme.plain()
            };
            put(
                buf,
                x,
                y,
                load_w,
                &format!("{:>w$}", load(*l), w = load_w - 1),
                style,
            );
            x += col;
        }
    };
    for p in &people {
        if y >= bottom.saturating_sub(1) {
            break;
        }
        row(buf, y, &format!("@{}", p.user), &p.iterations);
        y += 1;
    }
    if y < bottom {
        row(buf, y, "team", &team);
        y += 1;
    }
    oldest(buf, x0, y + 1, w, bottom, state, theme, shown);
}

/// The iteration's oldest cards in their lanes (issue #29): reference,
/// lane, age; past the lane's `[aging]` days a warning.
#[allow(clippy::too_many_arguments)]
pub(super) fn oldest(
    buf: &mut Buffer,
    x0: u16,
    mut y: u16,
    w: usize,
    bottom: u16,
    state: &AppState,
    theme: &Theme,
    shown: crate::core::domain::model::MilestoneId,
) {
    use crate::core::domain::insights;
    // The demo has no GitLab events to tell ages by.
    if y >= bottom || state.ws.is_demo {
        return;
    }
    let room = usize::from(bottom - y).saturating_sub(1);
    let cards =
        insights::oldest_cards(&state.ws, &state.team, shown, state.session.instant(), room);
    put(buf, x0, y, w, "Oldest in their lane", theme.bold());
    y += 1;
    if cards.is_empty() {
        if y < bottom {
            put(buf, x0, y, w, "no lane ages read yet", theme.dim());
        }
        return;
    }
    for (issue, lane, age) in cards {
        if y >= bottom {
            break;
        }
        let reference = state.short_ref(issue);
        let days = insights::age_text(age.days) + if age.warning { "!" } else { "" };
        let style = if age.warning {
            theme.severity(Severity::Warning)
        } else {
            theme.plain()
        };
        // The age on the right, the reference and as much lane as fits.
        let age_w = text::width(&days);
        let left_w = w.saturating_sub(age_w + 1);
        let left = text::truncate(&format!("{reference} {lane}"), left_w);
        let x = put(buf, x0, y, left_w, &reference, theme.reference());
        put(
            buf,
            x,
            y,
            left_w.saturating_sub(text::width(&reference)),
            left.get(reference.len()..).unwrap_or(""),
            theme.dim(),
        );
        put(
            buf,
            x0 + crate::core::app::geometry::cells(w.saturating_sub(age_w)),
            y,
            age_w,
            &days,
            style,
        );
        y += 1;
    }
}
