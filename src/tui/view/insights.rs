//! The iteration insights panel (`I`, issue #29): the shown iteration so
//! far (committed, added, removed, done, still open, say/do), a burn-up of
//! its done weight against the committed weight (ratatui's `Chart`), and
//! the last finished iterations with the team's velocity (a `Sparkline`).
//! What it shows is computed by `core::domain::insights::panel` from the cache.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Clear, Dataset, GraphType, Sparkline, Widget};

use super::{clear_wide_edge, put, trect};
use crate::core::app::geometry;
use crate::core::app::state::AppState;
use crate::core::app::status::Severity;
use crate::core::domain::insights::{self, IssueSet, Iteration};
use crate::core::domain::text;
use crate::tui::theme::Theme;

fn cell(s: &IssueSet) -> String {
    format!("{}/w{}", s.issues.len(), s.weight)
}

fn percent(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_owned(), |x| format!("{:.0}%", x * 100.0))
}

/// The sets of an iteration as `name n (wW)`.
fn figures(it: &Iteration) -> [(String, String); 6] {
    let open = if it.finished {
        "carried over"
    } else {
        "still open"
    };
    [
        ("committed".into(), cell(&it.committed)),
        ("added".into(), cell(&it.added)),
        ("removed".into(), cell(&it.removed)),
        ("done".into(), cell(&it.done)),
        (open.into(), cell(&it.carried_over)),
        ("say/do".into(), percent(it.say_do)),
    ]
}

pub(super) fn draw(buf: &mut Buffer, area: TRect, state: &AppState, theme: &Theme) {
    let r = geometry::overlay(area.width, area.height);
    let outer = trect(r);
    clear_wide_edge(buf, outer);
    Clear.render(outer, buf);
    Block::bordered()
        .border_style(theme.border())
        .title(Line::styled(
            " Iteration insights · q closes ",
            theme.bold(),
        ))
        .render(outer, buf);
    let inner = geometry::overlay_inner(r);
    let (x0, w) = (inner.x, usize::from(inner.w));
    let bottom = inner.y + inner.h;
    let mut y = inner.y;
    let p = insights::panel(
        &state.ws,
        &state.team,
        state.board.milestone,
        state.session.instant(),
    );

    // The shown iteration, so far.
    match &p.shown {
        Some(it) => {
            let title = format!(
                "{} · {} – {}{}",
                it.title,
                it.start_date.format("%b %-d"),
                it.due_date.format("%b %-d"),
                if it.finished {
                    ""
                } else if p.started {
                    " · so far"
                } else {
                    " · not started"
                }
            );
            put(buf, x0, y, w, &text::truncate(&title, w), theme.bold());
            y += 1;
            if !p.started {
                let planned = format!(
                    "planned so far: {} issues, weight {}",
                    it.committed.issues.len(),
                    it.committed.weight
                );
                put(buf, x0, y, w, &planned, theme.plain());
                y += 1;
            } else if p.shown_read {
                // Two lines of figures, each `name n/wW`.
                let f = figures(it);
                for half in f.chunks(3) {
                    let mut x = x0;
                    for (name, value) in half {
                        let room = w.saturating_sub(usize::from(x - x0));
                        x = put(buf, x, y, room, &format!("{name} "), theme.dim());
                        let room = w.saturating_sub(usize::from(x - x0));
                        x = put(buf, x, y, room, &format!("{value}   "), theme.plain());
                    }
                    y += 1;
                }
            } else {
                put(
                    buf,
                    x0,
                    y,
                    w,
                    "its events are not read yet: the next sync reads them (r syncs now)",
                    theme.severity(Severity::Warning),
                );
                y += 1;
            }
        }
        None => {
            put(
                buf,
                x0,
                y,
                w,
                "no iteration with a start and due date shown",
                theme.dim(),
            );
            y += 1;
        }
    }

    // The last iterations take what they need below the chart.
    let table_h = if p.last.is_empty() {
        2
    } else {
        u16::try_from(p.last.len()).unwrap_or(6) + 3
    };
    let chart_h = bottom.saturating_sub(y).saturating_sub(table_h);
    if let Some(it) = p
        .shown
        .as_ref()
        .filter(|_| p.started && p.shown_read && chart_h >= 5)
    {
        burnup(
            buf,
            TRect {
                x: x0,
                y,
                width: inner.w,
                height: chart_h,
            },
            it,
            &p.burnup,
            p.days,
            theme,
        );
        y += chart_h;
    } else {
        y += 1;
    }

    // The last finished iterations and the velocity.
    if y >= bottom {
        return;
    }
    if !p.last_read {
        put(
            buf,
            x0,
            y,
            w,
            "the last iterations' events are not read yet: the next sync reads them",
            theme.severity(Severity::Warning),
        );
        return;
    }
    if p.last.is_empty() {
        put(buf, x0, y, w, "no finished iteration yet", theme.dim());
        return;
    }
    let col = 9usize;
    let name_w = w.saturating_sub(6 * col).clamp(6, 24);
    let header = format!(
        "{:<name_w$}{:>col$}{:>col$}{:>col$}{:>col$}{:>col$}{:>col$}",
        "last", "committed", "added", "removed", "done", "carried", "say/do"
    );
    put(buf, x0, y, w, &header, theme.bold());
    y += 1;
    for it in &p.last {
        if y + 1 >= bottom {
            break;
        }
        let m = state.ws.milestone(it.milestone);
        let short = m.map_or(it.title.as_str(), |m| state.team.short_milestone_title(m));
        let row = format!(
            "{:<name_w$}{:>col$}{:>col$}{:>col$}{:>col$}{:>col$}{:>col$}",
            text::truncate(short, name_w.saturating_sub(1)),
            cell(&it.committed),
            cell(&it.added),
            cell(&it.removed),
            cell(&it.done),
            cell(&it.carried_over),
            percent(it.say_do)
        );
        put(buf, x0, y, w, &row, theme.plain());
        y += 1;
    }
    if y >= bottom {
        return;
    }
    // Velocity: the mean done weight, and the done weight per iteration
    // (oldest to newest) as a sparkline.
    let label = format!(
        "velocity {} (mean done weight of {}) ",
        p.velocity
            .map_or_else(|| "–".to_owned(), |v| format!("{v:.1}")),
        p.last.len()
    );
    let x = put(buf, x0, y, w, &label, theme.bold());
    let done: Vec<u64> = p.last.iter().rev().map(|i| i.done.weight).collect();
    let room = u16::try_from(w.saturating_sub(usize::from(x - x0))).unwrap_or(0);
    let spark_w = room.min(u16::try_from(done.len()).unwrap_or(0));
    if spark_w > 0 {
        Sparkline::default()
            .data(&done)
            .max(done.iter().copied().max().unwrap_or(0).max(1))
            .style(theme.severity(Severity::Info))
            .render(
                TRect {
                    x,
                    y,
                    width: spark_w,
                    height: 1,
                },
                buf,
            );
    }
}

/// Done weight per day against the committed weight, over the window.
fn burnup(
    buf: &mut Buffer,
    area: TRect,
    it: &Iteration,
    points: &[(u32, u64)],
    days: u32,
    theme: &Theme,
) {
    let last_day = f64::from(days.saturating_sub(1).max(1));
    let committed = it.committed.weight as f64;
    let done: Vec<(f64, f64)> = points
        .iter()
        .map(|(d, w)| (f64::from(*d), *w as f64))
        .collect();
    let committed_line = [(0.0, committed), (last_day, committed)];
    let top = done
        .iter()
        .map(|(_, w)| *w)
        .fold(committed, f64::max)
        .max(1.0);
    let datasets = vec![
        Dataset::default()
            .name(format!("committed w{}", it.committed.weight))
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.dim())
            .data(&committed_line),
        Dataset::default()
            .name(format!("done w{}", it.done.weight))
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.severity(Severity::Info))
            .data(&done),
    ];
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([0.0, last_day])
                .style(theme.dim())
                .labels(vec![
                    Span::raw(it.start_date.format("%b %-d").to_string()),
                    Span::raw(it.due_date.format("%b %-d").to_string()),
                ]),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, top])
                .style(theme.dim())
                .labels(vec![Span::raw("0"), Span::raw(format!("{top:.0}"))]),
        )
        .legend_position(Some(ratatui::widgets::LegendPosition::TopLeft))
        .hidden_legend_constraints((
            ratatui::layout::Constraint::Percentage(60),
            ratatui::layout::Constraint::Percentage(60),
        ));
    chart.render(area, buf);
}

impl super::Draw for crate::core::app::screens::insights::InsightsScreen {
    fn overlay(&self, buf: &mut Buffer, area: TRect, state: &AppState, theme: &Theme) {
        draw(buf, area, state, theme);
    }
}
