//! The board: its columns (title, count, weight, WIP limit, scroll hints)
//! and their cards, or a message while there is no data yet.

use ratatui::buffer::Buffer;
use ratatui::style::Style;

use super::{put, trect};
use crate::core::app::geometry::{self, Rect, cells};
use crate::core::app::state::AppState;
use crate::core::app::status::Severity;
use crate::core::domain::board::{BoardKind, Card};
use crate::core::domain::text;
use crate::tui::theme::Theme;

/// The board draws no overlay; its status-line hint says where to start.
impl super::Draw for crate::core::app::screens::board::BoardScreen {
    fn status(&self, _state: &AppState, room: usize) -> super::StatusLeft {
        super::StatusLeft::Hint(if room < 70 {
            // Shorter where the full one would be cut.
            "? help · / filter · Enter details · q quit"
        } else {
            "? help · / filter · Enter details · Tab board · [ ] milestone · q quit"
        })
    }
}

pub(super) fn draw(buf: &mut Buffer, r: Rect, state: &AppState, theme: &Theme) {
    let v = state.board.view();
    let ncols = state.board.layout.columns.len();
    let rects = geometry::column_rects(r, ncols, v.col_offset);
    let per_col = geometry::cards_per_column(r.h);
    let last_visible = rects.last().map_or(0, |c| c.index);
    for cr in &rects {
        let Some(col) = state.board.layout.columns.get(cr.index) else {
            continue;
        };
        let selected_col = cr.index == v.col;
        let rect = cr.rect;
        let w = rect.w as usize;

        // Column header: scroll hints, title, count and weight.
        let more_left = cr.index == v.col_offset && v.col_offset > 0;
        let more_right = cr.index == last_visible && last_visible + 1 < ncols;
        let mut x = rect.x;
        if more_left {
            x = put(buf, x, rect.y, 2, "◀ ", theme.dim());
        }
        // A lane over its WIP limit says so, like GitLab's list limits.
        // By count and by weight, as the list's limits say.
        let (limit, weight_limit) = match &col.kind {
            crate::core::domain::board::ColumnKind::Lane(l) => (
                state.team.wip.get(l).copied(),
                state.team.wip_weight.get(l).copied(),
            ),
            _ => (None, None),
        };
        let over = limit.is_some_and(|l| col.cards.len() > l as usize)
            || weight_limit.is_some_and(|l| col.weight > l);
        let n = match limit {
            Some(l) => format!("{}/{l}", col.cards.len()),
            None => col.cards.len().to_string(),
        };
        let count = match weight_limit {
            Some(l) => format!(" {n} · w{}/{l}", col.weight),
            None if col.weight > 0 => format!(" {n} · w{}", col.weight),
            None => format!(" {n}"),
        };
        let right_room = if more_right { 2 } else { 0 };
        let room = w.saturating_sub((x - rect.x) as usize + right_room);
        let title_room = room.saturating_sub(text::width(&count));
        let start = x;
        x = put(
            buf,
            x,
            rect.y,
            title_room,
            &text::truncate(&col.title, title_room),
            theme.column_title(selected_col),
        );
        put(
            buf,
            x,
            rect.y,
            room.saturating_sub((x - start) as usize),
            &count,
            if over {
                theme.severity(crate::core::app::status::Severity::Warning)
            } else {
                theme.dim()
            },
        );
        if more_right {
            put(buf, rect.x + rect.w - 1, rect.y, 1, "▶", theme.dim());
        }
        // Rule, with the visible range when the column scrolls.
        let rule_y = rect.y + 1;
        put(
            buf,
            rect.x,
            rule_y,
            w,
            &"─".repeat(w),
            theme.rule(selected_col),
        );
        let offset = v.offsets.get(cr.index).copied().unwrap_or(0);
        if col.cards.len() > per_col {
            let last = (offset + per_col).min(col.cards.len());
            let label = format!(" {}-{} of {} ", offset + 1, last, col.cards.len());
            let lw = text::width(&label);
            if lw + 2 <= w {
                put(
                    buf,
                    rect.x.saturating_add(cells(w - lw - 1)),
                    rule_y,
                    lw,
                    &label,
                    theme.rule(selected_col),
                );
            }
        }

        let area = geometry::cards_area(rect);
        if col.cards.is_empty() {
            put(
                buf,
                area.x + 2,
                area.y,
                w.saturating_sub(2),
                "no issues",
                theme.dim(),
            );
            continue;
        }
        let selected_row = v.rows.get(cr.index).copied().unwrap_or(0);
        for (slot, (row, card)) in col
            .cards
            .iter()
            .enumerate()
            .skip(offset)
            .take(per_col)
            .enumerate()
        {
            let y = area
                .y
                .saturating_add(cells(slot).saturating_mul(geometry::CARD_H));
            if y.saturating_add(geometry::CARD_LINES) > area.y.saturating_add(area.h) {
                break;
            }
            let cell = Rect {
                x: area.x,
                y,
                w: rect.w,
                h: geometry::CARD_LINES,
            };
            draw_card(
                buf,
                cell,
                state,
                card,
                selected_col && row == selected_row,
                theme,
            );
        }
    }
}

fn draw_card(
    buf: &mut Buffer,
    r: Rect,
    state: &AppState,
    card: &Card,
    selected: bool,
    theme: &Theme,
) {
    // A card whose issue has gone since the layout was made draws nothing.
    let Some(issue) = card.issue(&state.ws) else {
        return;
    };
    let base = theme.card(selected);
    buf.set_style(trect(r), base);
    if selected {
        for dy in 0..r.h {
            put(buf, r.x, r.y + dy, 1, "▌", theme.over(theme.bar(), base));
        }
    }
    // Marked for a bulk change.
    if state.marked.contains(&issue.id) {
        put(buf, r.x, r.y, 1, "✓", theme.over(theme.weight(), base));
    }
    let tw = (r.w as usize).saturating_sub(2);
    let x0 = r.x + 1;
    let reference = state.short_ref(issue);
    // Marks after the reference, as on the web board's cards: lane
    // problems, confidential, incident, blocked.
    let mut marks = String::new();
    if card.flags.any() {
        marks.push_str(" ⚑");
    }
    for (_, glyph) in issue.marks.shown() {
        marks.push(' ');
        marks.push_str(glyph);
    }
    // Changed since you last looked (gc lists how).
    if state.board.last_look.as_ref().is_some_and(|(_, before)| {
        crate::core::domain::since::is_changed(before, &state.team, issue)
    }) {
        marks.push_str(" ✦");
    }
    let flag = marks.as_str();
    let head = format!("{reference}{flag}");
    let lines = text::wrap(&format!("{head} {}", issue.title), tw, 2);
    for (i, line) in lines.iter().enumerate() {
        let y = r.y.saturating_add(cells(i));
        if i == 0 && line.starts_with(&head) {
            let mut x = put(
                buf,
                x0,
                y,
                tw,
                &reference,
                theme.over(theme.reference(), base),
            );
            x = put(
                buf,
                x,
                y,
                tw.saturating_sub((x - x0) as usize),
                flag,
                theme.over(theme.flag(), base),
            );
            let rest = &line[head.len()..];
            put(buf, x, y, tw.saturating_sub((x - x0) as usize), rest, base);
        } else {
            put(
                buf,
                x0,
                y,
                tw,
                line,
                if issue.is_open() {
                    base
                } else {
                    theme.over(theme.dim(), base)
                },
            );
        }
    }

    // Meta line: assignees on the left; carry-over, priority and weight on the right.
    let y = r.y + 2;
    let mut segments: Vec<(String, Style)> = Vec::new();
    // How long it has sat in its lane; past the lane's [aging] days a
    // warning (with `!`, which shows without colour too).
    if let Some(age) = crate::core::domain::insights::card_age(
        &state.ws,
        &state.team,
        issue,
        state.session.instant(),
    ) {
        let t = crate::core::domain::insights::age_text(age.days);
        segments.push(if age.warning {
            (format!("{t}!"), theme.severity(Severity::Warning))
        } else {
            (t, theme.dim())
        });
    }
    if state.board.kind == BoardKind::Iteration {
        let carried = state.ws.carried_over(&state.team, issue);
        if carried > 0 {
            segments.push((format!("↻{carried}"), theme.flag()));
        }
    }
    if let Some(due) = issue.marks.due_date
        && issue.is_open()
    {
        let days = (due - state.session.today).num_days();
        let (t, style) = match days {
            d if d < 0 => (format!("overdue {}d", -d), theme.flag()),
            0 => ("due today".to_owned(), theme.flag()),
            d if d < 7 => (format!("due {d}d"), theme.weight()),
            _ => (format!("due {}", due.format("%b %-d")), theme.dim()),
        };
        segments.push((t, style));
    }
    if let Some(p) = issue.priority() {
        segments.push((format!("P{p}"), theme.priority()));
    }
    if let Some(wt) = issue.weight {
        segments.push((format!("w{wt}"), theme.weight()));
    }
    // The merge requests behind it (issue #30), before the rest, in the
    // room the other marks leave (at least half the card for the people).
    let others: usize = segments.iter().map(|(t, _)| text::width(t) + 1).sum();
    let mr_room = tw.saturating_sub(others + 1).min(tw.saturating_sub(tw / 3));
    let closing = crate::core::domain::merge_requests::closing(&state.ws.merge_requests, issue.id);
    let mr_marks =
        crate::core::domain::merge_requests::card_marks(&closing, issue.project_id, mr_room);
    if !mr_marks.is_empty() {
        let style = merge_request_style(&closing, theme);
        segments.insert(0, (mr_marks, style));
    }
    let right: String = segments
        .iter()
        .map(|(t, _)| t.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let right_w = text::width(&right);
    let left_room = tw.saturating_sub(right_w + usize::from(right_w > 0));
    let who = if issue.assignees.is_empty() {
        (String::from("unassigned"), theme.dim())
    } else {
        let names: Vec<String> = issue
            .assignees
            .iter()
            .map(|u| format!("@{}", u.username))
            .collect();
        (names.join(" "), theme.assignee())
    };
    put(
        buf,
        x0,
        y,
        left_room,
        &text::truncate(&who.0, left_room),
        theme.over(who.1, base),
    );
    if right_w > 0 && right_w < tw {
        let mut x = x0.saturating_add(cells(tw - right_w));
        for (n, (t, style)) in segments.iter().enumerate() {
            if n > 0 {
                x += 1;
            }
            x = put(buf, x, y, right_w, t, theme.over(*style, base));
        }
    }
}

/// The colour of a card's merge request marks: its first (open) one's
/// pipeline; the marks read without it.
fn merge_request_style(
    mrs: &[&crate::core::domain::merge_requests::MergeRequest],
    theme: &Theme,
) -> Style {
    use crate::core::app::status::Severity;
    use crate::core::domain::merge_requests::{MrState, PipelineKind, pipeline_kind};
    match mrs.first() {
        Some(m) if m.state == MrState::Opened && !m.draft => match pipeline_kind(m.pipeline) {
            PipelineKind::Failed => theme.severity(Severity::Error),
            PipelineKind::Running => theme.weight(),
            PipelineKind::Green | PipelineKind::None if m.approved => theme.assignee(),
            _ => theme.dim(),
        },
        _ => theme.dim(),
    }
}

/// No data yet (an empty cache): say what is happening instead of drawing
/// an empty board that looks real.
pub(super) fn not_loaded(buf: &mut Buffer, r: Rect, state: &AppState, theme: &Theme) {
    use crate::core::app::session::SyncPhase;
    let host = if state.ws.host.is_empty() {
        "GitLab"
    } else {
        state.ws.host.as_str()
    };
    let (msg, style) = match &state.session.sync.phase {
        SyncPhase::Failed { message, .. } => (
            format!(
                "No cached data, and the first sync failed: {message}. Press r to retry, q to quit."
            ),
            theme.severity(crate::core::app::status::Severity::Error),
        ),
        SyncPhase::RateLimited { until } => (
            format!("No cached data yet; GitLab asked to wait until {until}."),
            theme.weight(),
        ),
        SyncPhase::NotAnswering { since } => (
            format!(
                "No cached data yet; GitLab has not answered since {since}. glboard keeps trying; q quits."
            ),
            theme.weight(),
        ),
        _ => (
            format!("No cached data yet: fetching the boards from {host}…"),
            theme.bold(),
        ),
    };
    let width = (r.w as usize).saturating_sub(4).min(70);
    let lines = text::wrap(&msg, width, r.h as usize);
    let top = r.y + r.h.saturating_sub(cells(lines.len())) / 2;
    for (i, l) in lines.iter().enumerate() {
        let x = r.x + r.w.saturating_sub(cells(text::width(l))) / 2;
        put(buf, x, top.saturating_add(cells(i)), width, l, style);
    }
}
