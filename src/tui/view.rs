//! Drawing: the state as a frame. Header, columns of cards, status line,
//! the detail and help overlays, and the "terminal too small" message. Reads
//! the state, never changes it; positions come from `core::geometry`, so
//! what is drawn is what mouse clicks hit.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect as TRect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Widget};

use super::theme::Theme;
use crate::core::board::{BoardKind, Card, SortMode};
use crate::core::geometry::{self, Rect, TooSmall};
use crate::core::markdown::RichLine;
use crate::core::panes;
use crate::core::state::{AppState, Mode};
use crate::core::text;

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme) {
    let area = frame.area();
    render(frame.buffer_mut(), area, state, theme);
}

/// Draw into a buffer (used by `draw`, and directly by benches).
pub fn render(buf: &mut Buffer, area: TRect, state: &AppState, theme: &Theme) {
    match geometry::screen(area.width, area.height) {
        Err(small) => too_small(buf, area, small, theme),
        Ok(scr) => {
            header(buf, scr.header, state, theme);
            if state.loaded {
                board(buf, scr.board, state, theme);
            } else {
                not_loaded(buf, scr.board, state, theme);
            }
            status(buf, scr.status, state, theme);
            match &state.mode {
                Mode::Detail { issue, scroll } => {
                    if let Some(issue) = state.ws.issue(*issue) {
                        let r = geometry::overlay(area.width, area.height);
                        let inner = geometry::overlay_inner(r);
                        let lines = panes::detail_lines(state, issue, inner.w as usize);
                        let title = format!(" {} ", state.short_ref(issue));
                        overlay(buf, r, &title, &lines, *scroll, theme);
                    }
                }
                Mode::Help { scroll } => {
                    let r = geometry::overlay(area.width, area.height);
                    overlay(buf, r, " Keys ", &panes::help_lines(), *scroll, theme);
                }
                Mode::Picker(p) => picker(buf, area, p, theme),
                Mode::Problems { cursor } => problems(buf, area, state, *cursor, theme),
                Mode::Replan(r) => replan(buf, area, state, r, theme),
                Mode::Integrity { cursor } => integrity(buf, area, state, *cursor, theme),
                Mode::Board
                | Mode::Filter { .. }
                | Mode::Confirm { .. }
                | Mode::Input { .. }
                | Mode::Grab { .. } => {}
            }
        }
    }
}

/// A centred box of at most `w` x `h` cells, cleared and bordered; returns
/// the inside.
fn boxed(
    buf: &mut Buffer,
    area: TRect,
    w: u16,
    h: u16,
    title: &str,
    hint: &str,
    theme: &Theme,
) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(10);
    let h = h.min(area.height.saturating_sub(2)).max(3);
    let r = TRect {
        x: (area.width.saturating_sub(w)) / 2,
        y: (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    };
    clear_wide_edge(buf, r);
    Clear.render(r, buf);
    Block::bordered()
        .border_style(theme.border())
        .title(Line::styled(format!(" {title} "), theme.bold()))
        .title_bottom(Line::styled(format!(" {hint} "), theme.dim()).right_aligned())
        .render(r, buf);
    Rect {
        x: r.x + 2,
        y: r.y + 1,
        w: r.width.saturating_sub(4),
        h: r.height.saturating_sub(2),
    }
}

fn picker(buf: &mut Buffer, area: TRect, p: &crate::core::picker::Picker, theme: &Theme) {
    let hint = if p.multi {
        "Tab select · Enter done · Esc cancel"
    } else {
        "Enter choose · Esc cancel"
    };
    let h = (p.items.len() as u16).saturating_add(4).min(22);
    let inner = boxed(buf, area, 64, h, &p.title, hint, theme);
    let w = inner.w as usize;
    let x = put(buf, inner.x, inner.y, w, "search: ", theme.dim());
    let x = put(
        buf,
        x,
        inner.y,
        w.saturating_sub((x - inner.x) as usize),
        &p.query,
        theme.bold(),
    );
    put(buf, x, inner.y, 1, "█", theme.bar());
    let rows = inner.h.saturating_sub(2) as usize;
    let first = p.cursor.saturating_sub(rows.saturating_sub(1));
    if p.shown.is_empty() {
        put(buf, inner.x, inner.y + 2, w, "nothing matches", theme.dim());
    }
    for (n, &i) in p.shown.iter().enumerate().skip(first).take(rows) {
        let y = inner.y + 2 + (n - first) as u16;
        let item = &p.items[i];
        let selected_row = n == p.cursor;
        let base = theme.card(selected_row);
        buf.set_style(
            TRect {
                x: inner.x,
                y,
                width: inner.w,
                height: 1,
            },
            base,
        );
        let mark = match (p.multi, p.selected.contains(&i)) {
            (true, true) => "[x] ",
            (true, false) => "[ ] ",
            (false, _) if selected_row => "▌ ",
            (false, _) => "  ",
        };
        let mut x = put(buf, inner.x, y, w, mark, theme.bar().patch(base));
        x = put(
            buf,
            x,
            y,
            w.saturating_sub((x - inner.x) as usize),
            &text::truncate(&item.label, w / 2),
            theme.bold().patch(base),
        );
        let room = w.saturating_sub((x - inner.x) as usize + 2);
        put(
            buf,
            x + 2,
            y,
            room,
            &text::truncate(&item.detail, room),
            theme.dim().patch(base),
        );
    }
}

fn replan(
    buf: &mut Buffer,
    area: TRect,
    state: &AppState,
    r: &crate::core::state::ReplanScreen,
    theme: &Theme,
) {
    let title = |id| {
        state
            .ws
            .milestone(id)
            .map_or(String::new(), |m| m.title.clone())
    };
    let (from, to) = (title(r.from), title(r.target));
    let chosen = r.items.iter().filter(|(_, on)| *on).count();
    let hint = if r.confirming {
        "y apply · Esc back"
    } else {
        "Space include · t target · r lanes · Enter apply · Esc cancel"
    };
    let inner = boxed(
        buf,
        area,
        100,
        area.height.saturating_sub(4),
        &format!("Re-plan {from}"),
        hint,
        theme,
    );
    let w = inner.w as usize;
    let lanes = if r.reset_lane {
        format!("back to {}", state.team.ready_lane)
    } else {
        "lanes kept".to_owned()
    };
    let head = format!("to {to} · {lanes} · {chosen} of {} issues", r.items.len());
    put(
        buf,
        inner.x,
        inner.y,
        w,
        &text::truncate(&head, w),
        theme.bold(),
    );
    if r.confirming {
        let q = format!("Move {chosen} issues from {from} to {to}? y/n");
        put(
            buf,
            inner.x,
            inner.y + 1,
            w,
            &text::truncate(&q, w),
            theme.severity(crate::core::state::Severity::Warning),
        );
    }
    // Rows: a lane header when the lane changes, then the issue.
    let mut rows: Vec<(Option<usize>, String)> = Vec::new();
    let mut last_lane = String::new();
    for (n, (id, _)) in r.items.iter().enumerate() {
        let Some(i) = state.ws.issue(*id) else {
            continue;
        };
        let lane = state
            .team
            .lanes_of(i)
            .first()
            .map_or("no lane".to_owned(), |l| l.to_string());
        if lane != last_lane {
            rows.push((None, lane.clone()));
            last_lane = lane;
        }
        let carried = state.ws.carried_over(&state.team, i);
        let mark = if carried > 0 {
            format!("↻{carried} ")
        } else {
            String::new()
        };
        rows.push((Some(n), format!("{mark}{} {}", state.short_ref(i), i.title)));
    }
    let visible = inner.h.saturating_sub(3) as usize;
    let cursor_row = rows
        .iter()
        .position(|(n, _)| *n == Some(r.cursor))
        .unwrap_or(0);
    let first = cursor_row.saturating_sub(visible.saturating_sub(1));
    for (k, (n, label)) in rows.iter().enumerate().skip(first).take(visible) {
        let y = inner.y + 3 + (k - first) as u16;
        match n {
            None => {
                put(
                    buf,
                    inner.x,
                    y,
                    w,
                    &text::truncate(label, w),
                    theme.column_title(false),
                );
            }
            Some(n) => {
                let selected = *n == r.cursor;
                let base = theme.card(selected);
                buf.set_style(
                    TRect {
                        x: inner.x,
                        y,
                        width: inner.w,
                        height: 1,
                    },
                    base,
                );
                let mark = if r.items[*n].1 { "  [x] " } else { "  [ ] " };
                let x = put(buf, inner.x, y, w, mark, theme.bar().patch(base));
                let room = w.saturating_sub((x - inner.x) as usize);
                put(buf, x, y, room, &text::truncate(label, room), base);
            }
        }
    }
}

fn integrity(buf: &mut Buffer, area: TRect, state: &AppState, cursor: usize, theme: &Theme) {
    let items = crate::core::actions::integrity(state);
    let n = items.len();
    let inner = boxed(
        buf,
        area,
        100,
        (n as u16 * 2)
            .saturating_add(3)
            .min(area.height.saturating_sub(4)),
        &format!("Lane integrity: {n} issues"),
        "Enter fix · j/k move · Esc close",
        theme,
    );
    let w = inner.w as usize;
    let rows = (inner.h.saturating_sub(1) as usize / 2).max(1);
    let first = cursor.saturating_sub(rows - 1);
    for (k, item) in items.iter().enumerate().skip(first).take(rows) {
        let Some(i) = state.ws.issue(item.issue) else {
            continue;
        };
        let y = inner.y + 1 + ((k - first) * 2) as u16;
        let base = theme.card(k == cursor);
        buf.set_style(
            TRect {
                x: inner.x,
                y,
                width: inner.w,
                height: 1,
            },
            base,
        );
        let head = format!("{} {}", state.short_ref(i), i.title);
        put(
            buf,
            inner.x,
            y,
            w,
            &text::truncate(&head, w),
            theme.bold().patch(base),
        );
        let detail = format!("{} → fix: {}", item.problem, item.fix);
        put(
            buf,
            inner.x + 2,
            y + 1,
            w.saturating_sub(2),
            &text::truncate(&detail, w.saturating_sub(2)),
            theme.weight(),
        );
    }
}

fn problems(buf: &mut Buffer, area: TRect, state: &AppState, cursor: usize, theme: &Theme) {
    let n = state.problems.len();
    let inner = boxed(
        buf,
        area,
        90,
        (n as u16 * 2).saturating_add(3).min(24),
        &format!("{n} change{} GitLab refused", if n == 1 { "" } else { "s" }),
        "r retry · d discard · Esc close",
        theme,
    );
    let w = inner.w as usize;
    let per = 2usize;
    let rows = (inner.h.saturating_sub(1) as usize / per).max(1);
    let first = cursor.saturating_sub(rows - 1);
    for (k, p) in state.problems.iter().enumerate().skip(first).take(rows) {
        let y = inner.y + 1 + ((k - first) * per) as u16;
        let base = theme.card(k == cursor);
        buf.set_style(
            TRect {
                x: inner.x,
                y,
                width: inner.w,
                height: 1,
            },
            base,
        );
        put(
            buf,
            inner.x,
            y,
            w,
            &text::truncate(&p.change.summary, w),
            theme.bold().patch(base),
        );
        put(
            buf,
            inner.x + 2,
            y + 1,
            w.saturating_sub(2),
            &text::truncate(&p.reason, w.saturating_sub(2)),
            theme.severity(crate::core::state::Severity::Error),
        );
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

fn too_small(buf: &mut Buffer, area: TRect, small: TooSmall, theme: &Theme) {
    let msg = format!(
        "terminal too small (needs {}x{})",
        small.need_w, small.need_h
    );
    let mut lines = text::wrap(&msg, area.width as usize, area.height as usize);
    if lines.len() < area.height as usize {
        lines.push(format!("now {}x{}", area.width, area.height));
    }
    let top = area.height.saturating_sub(lines.len() as u16) / 2;
    for (i, l) in lines.iter().enumerate() {
        let x = area.width.saturating_sub(text::width(l) as u16) / 2;
        put(buf, x, top + i as u16, area.width as usize, l, theme.bold());
    }
}

/// No data yet (an empty cache): say what is happening instead of drawing
/// an empty board that looks real.
fn not_loaded(buf: &mut Buffer, r: Rect, state: &AppState, theme: &Theme) {
    use crate::core::state::SyncPhase;
    let host = if state.ws.host.is_empty() {
        "GitLab"
    } else {
        state.ws.host.as_str()
    };
    let (msg, style) = match &state.sync.phase {
        SyncPhase::Failed { message, .. } => (
            format!(
                "No cached data, and the first sync failed: {message}. Press r to retry, q to quit."
            ),
            theme.severity(crate::core::state::Severity::Error),
        ),
        SyncPhase::RateLimited { until } => (
            format!("No cached data yet; GitLab asked to wait until {until}."),
            theme.weight(),
        ),
        _ => (
            format!("No cached data yet: fetching the boards from {host}…"),
            theme.bold(),
        ),
    };
    let width = (r.w as usize).saturating_sub(4).min(70);
    let lines = text::wrap(&msg, width, r.h as usize);
    let top = r.y + r.h.saturating_sub(lines.len() as u16) / 2;
    for (i, l) in lines.iter().enumerate() {
        let x = r.x + (r.w.saturating_sub(text::width(l) as u16)) / 2;
        put(buf, x, top + i as u16, width, l, style);
    }
}

fn days_phrase(
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<String> {
    if let Some(s) = start
        && s > today
    {
        let d = (s - today).num_days();
        return Some(if d == 1 {
            "starts tomorrow".into()
        } else {
            format!("starts in {d} days")
        });
    }
    let d = (due? - today).num_days();
    Some(match d {
        0 => "ends today".into(),
        1 => "1 day left".into(),
        d if d > 1 => format!("{d} days left"),
        -1 => "ended yesterday".into(),
        d => format!("ended {} days ago", -d),
    })
}

fn header(buf: &mut Buffer, r: Rect, state: &AppState, theme: &Theme) {
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
        let mut tx = r.x + (w - tabs_w) as u16 + 1;
        for (kind, t) in tabs {
            tx = put(buf, tx, r.y, t.len(), t, theme.tab(state.board == kind));
        }
    }

    // Row 1: what the board shows.
    let y = r.y + 1;
    let cards = state.layout.card_count();
    let weight: u32 = state.layout.columns.iter().map(|c| c.weight).sum();
    let mut parts: Vec<(String, Style)> = Vec::new();
    if !state.loaded {
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
    match state.board {
        BoardKind::Planning => {
            let target = state
                .shown_milestone()
                .map_or("no milestone".to_owned(), |m| m.title.clone());
            parts.push((format!("Planning: backlog → {target}"), theme.bold()));
            if let Some(c) = state.layout.columns.get(1) {
                parts.push((
                    format!("{} issues · weight {}", c.cards.len(), c.weight),
                    theme.plain(),
                ));
            }
        }
        BoardKind::Iteration => match state.shown_milestone() {
            Some(m) => {
                parts.push((m.title.clone(), theme.bold()));
                if let (Some(s), Some(d)) = (m.start_date, m.due_date) {
                    parts.push((
                        format!("{} → {}", s.format("%b %-d"), d.format("%b %-d")),
                        theme.plain(),
                    ));
                }
                if let Some(p) = days_phrase(m.start_date, m.due_date, state.today) {
                    parts.push((p, theme.weight()));
                }
                let tag = if Some(m.id) == state.iteration.current {
                    Some("current")
                } else if Some(m.id) == state.iteration.next {
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
                match state.sort {
                    SortMode::Manual => "board order".into(),
                    SortMode::Priority => "by priority".into(),
                },
                theme.dim(),
            ));
        }
    }
    let capacity: u32 = state.team.capacity.values().sum();
    let committed = match state.board {
        BoardKind::Planning => state.layout.columns.get(1).map_or(0, |c| c.weight),
        _ => weight,
    };
    let capacity_part = (state.board != BoardKind::Backlog && capacity > 0).then(|| {
        let style = if committed > capacity {
            theme.severity(crate::core::state::Severity::Warning)
        } else {
            theme.plain()
        };
        (format!("capacity {committed}/{capacity}"), style)
    });
    if state.board != BoardKind::Planning {
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
    if state.quick != crate::core::state::QuickFilter::All {
        parts.push((format!("view: {}", state.quick.name()), theme.weight()));
    }
    if !state.filter.trim().is_empty() && !matches!(state.mode, Mode::Filter { .. }) {
        parts.push((format!("filter: {}", state.filter.trim()), theme.weight()));
    }
    let mut x = r.x + 1;
    let end = r.x + r.w;
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

fn board(buf: &mut Buffer, r: Rect, state: &AppState, theme: &Theme) {
    let v = state.view();
    let ncols = state.layout.columns.len();
    let rects = geometry::column_rects(r, ncols, v.col_offset);
    let per_col = geometry::cards_per_column(r.h);
    let last_visible = rects.last().map_or(0, |c| c.index);
    for cr in &rects {
        let Some(col) = state.layout.columns.get(cr.index) else {
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
        let limit = match &col.kind {
            crate::core::board::ColumnKind::Lane(l) => state.team.wip.get(l).copied(),
            _ => None,
        };
        let over = limit.is_some_and(|l| col.cards.len() > l as usize);
        let n = match limit {
            Some(l) => format!("{}/{l}", col.cards.len()),
            None => col.cards.len().to_string(),
        };
        let count = if col.weight > 0 {
            format!(" {n} · w{}", col.weight)
        } else {
            format!(" {n}")
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
                theme.severity(crate::core::state::Severity::Warning)
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
                    rect.x + (w - lw - 1) as u16,
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
            let y = area.y + slot as u16 * geometry::CARD_H;
            if y + geometry::CARD_LINES > area.y + area.h {
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
    let issue = &state.ws.issues[card.issue];
    let base = theme.card(selected);
    buf.set_style(trect(r), base);
    if selected {
        for dy in 0..r.h {
            put(buf, r.x, r.y + dy, 1, "▌", theme.bar().patch(base));
        }
    }
    let tw = (r.w as usize).saturating_sub(2);
    let x0 = r.x + 1;
    let reference = state.short_ref(issue);
    let flag = if card.flags.any() { " ⚑" } else { "" };
    let head = format!("{reference}{flag}");
    let lines = text::wrap(&format!("{head} {}", issue.title), tw, 2);
    for (i, line) in lines.iter().enumerate() {
        let y = r.y + i as u16;
        if i == 0 && line.starts_with(&head) {
            let mut x = put(buf, x0, y, tw, &reference, theme.reference().patch(base));
            x = put(
                buf,
                x,
                y,
                tw.saturating_sub((x - x0) as usize),
                flag,
                theme.flag().patch(base),
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
                    theme.dim().patch(base)
                },
            );
        }
    }

    // Meta line: assignees on the left; carry-over, priority and weight on the right.
    let y = r.y + 2;
    let mut segments: Vec<(String, Style)> = Vec::new();
    if state.board == BoardKind::Iteration {
        let carried = state.ws.carried_over(&state.team, issue);
        if carried > 0 {
            segments.push((format!("↻{carried}"), theme.flag()));
        }
    }
    if let Some(p) = issue.priority() {
        segments.push((format!("P{p}"), theme.priority()));
    }
    if let Some(wt) = issue.weight {
        segments.push((format!("w{wt}"), theme.weight()));
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
        who.1.patch(base),
    );
    if right_w > 0 && right_w < tw {
        let mut x = x0 + (tw - right_w) as u16;
        for (n, (t, style)) in segments.iter().enumerate() {
            if n > 0 {
                x += 1;
            }
            x = put(buf, x, y, right_w, t, style.patch(base));
        }
    }
}

fn status(buf: &mut Buffer, r: Rect, state: &AppState, theme: &Theme) {
    let w = r.w as usize;
    let v = state.view();
    // Right: where the selection is.
    let pos = match state.layout.columns.get(v.col) {
        Some(c) if !c.cards.is_empty() => {
            format!(
                "{} {}/{}",
                c.title,
                v.rows.get(v.col).copied().unwrap_or(0) + 1,
                c.cards.len()
            )
        }
        Some(c) => format!("{} 0/0", c.title),
        None => String::new(),
    };
    let pos = format!("{} ", text::truncate(&pos, w / 4));
    let pos_w = text::width(&pos);
    // Then the sync state, left of the position.
    let mut left_room = w.saturating_sub(pos_w + 1);
    let mut right_x = r.x + w.saturating_sub(pos_w) as u16;
    let mut outbox: Vec<(String, Style)> = Vec::new();
    if !state.problems.is_empty() {
        outbox.push((
            format!("{} refused (!)  ", state.problems.len()),
            theme.severity(crate::core::state::Severity::Error),
        ));
    }
    if !state.pending.is_empty() {
        let why = state
            .outbox_wait
            .as_deref()
            .map(|w| format!(" · {w}"))
            .unwrap_or_default();
        let n = state.pending.len();
        outbox.push((
            format!("{n} change{} pending{why}  ", if n == 1 { "" } else { "s" }),
            theme.weight(),
        ));
    }
    for (label, style) in outbox {
        let label = text::truncate(&label, w / 3);
        let lw = text::width(&label);
        right_x = right_x.saturating_sub(lw as u16);
        left_room = left_room.saturating_sub(lw);
        put(buf, right_x, r.y, lw, &label, style);
    }
    if let Some((label, severity)) = state.sync.label(state.now) {
        let label = format!("{}  ", text::truncate(&label, w / 3));
        let lw = text::width(&label);
        left_room = left_room.saturating_sub(lw);
        let style = if severity == crate::core::state::Severity::Info {
            theme.dim()
        } else {
            theme.severity(severity)
        };
        put(
            buf,
            right_x.saturating_sub(lw as u16),
            r.y,
            lw,
            &label,
            style,
        );
    }
    put(
        buf,
        r.x + (w.saturating_sub(pos_w)) as u16,
        r.y,
        pos_w,
        &pos,
        theme.dim(),
    );

    let x = r.x + 1;
    let room = left_room.saturating_sub(1);
    match &state.mode {
        Mode::Confirm { prompt, .. } => {
            put(
                buf,
                x,
                r.y,
                room,
                &text::truncate(prompt, room),
                theme
                    .severity(crate::core::state::Severity::Warning)
                    .add_modifier(ratatui::style::Modifier::BOLD),
            );
        }
        Mode::Input {
            purpose,
            text: typed,
            ..
        } => {
            let label = match purpose {
                crate::core::state::InputPurpose::Weight => "weight (a number, or none): ",
                crate::core::state::InputPurpose::Comment => "comment: ",
                crate::core::state::InputPurpose::NewTitle { .. } => "new issue title: ",
            };
            let nx = put(buf, x, r.y, room, label, theme.dim());
            let left = room.saturating_sub((nx - x) as usize + 1);
            // Keep the end of a long text in view.
            let shown: String = if text::width(typed) > left {
                let mut t: Vec<char> = typed.chars().rev().take(left.saturating_sub(1)).collect();
                t.reverse();
                format!("…{}", t.into_iter().collect::<String>())
            } else {
                typed.clone()
            };
            let nx = put(buf, nx, r.y, left, &shown, theme.bold());
            put(buf, nx, r.y, 1, "█", theme.bar());
        }
        _ if state.batch_progress().is_some()
            && state
                .status
                .as_ref()
                .is_none_or(|m| m.severity == crate::core::state::Severity::Info) =>
        {
            let (sent, refused, total) = state.batch_progress().unwrap_or((0, 0, 1));
            let label = state.batch.as_ref().map_or("", |b| b.label.as_str());
            let bar_w = 20usize;
            let done = (sent + refused) * bar_w / total.max(1);
            let bar = format!("{}{}", "█".repeat(done), "░".repeat(bar_w - done));
            let line = format!("{label}  {bar}  {}/{total}", sent + refused);
            put(buf, x, r.y, room, &text::truncate(&line, room), theme.bar());
        }
        Mode::Grab { .. } => {
            put(
                buf,
                x,
                r.y,
                room,
                &text::truncate(
                    "GRAB  hjkl carry the card · Enter drop · Esc put back",
                    room,
                ),
                theme.bar(),
            );
        }
        Mode::Filter { .. } => {
            let hint = "  Enter keep · Esc cancel";
            let shown = format!("/{}", state.filter);
            let nx = put(buf, x, r.y, room, &shown, theme.bold());
            let nx = put(
                buf,
                nx,
                r.y,
                room.saturating_sub((nx - x) as usize),
                "█",
                theme.bar(),
            );
            put(
                buf,
                nx,
                r.y,
                room.saturating_sub((nx - x) as usize),
                hint,
                theme.dim(),
            );
        }
        _ => match &state.status {
            Some(msg) => {
                put(
                    buf,
                    x,
                    r.y,
                    room,
                    &text::truncate(&msg.text, room),
                    theme.severity(msg.severity),
                );
            }
            None if state.sync.error_detail().is_some() => {
                let detail = state.sync.error_detail().unwrap_or_default();
                let style = theme.severity(crate::core::state::Severity::Error);
                put(buf, x, r.y, room, &text::truncate(&detail, room), style);
            }
            None => {
                let hint = match state.mode {
                    Mode::Detail { .. } => "j/k scroll · Esc close · ? help",
                    Mode::Help { .. } => "j/k scroll · Esc close",
                    _ => "? help · / filter · Enter details · Tab board · [ ] milestone · q quit",
                };
                put(buf, x, r.y, room, &text::truncate(hint, room), theme.dim());
            }
        },
    }
}

fn overlay(
    buf: &mut Buffer,
    r: Rect,
    title: &str,
    lines: &[RichLine],
    scroll: usize,
    theme: &Theme,
) {
    let area = trect(r);
    clear_wide_edge(buf, area);
    Clear.render(area, buf);
    let inner = geometry::overlay_inner(r);
    let visible = inner.h.saturating_sub(1) as usize;
    let mut block = Block::bordered()
        .border_style(theme.border())
        .title(Line::styled(title.to_owned(), theme.bold()));
    if lines.len() > visible {
        let last = (scroll + visible).min(lines.len());
        block = block.title_bottom(
            Line::styled(
                format!(" {}-{} of {} ", scroll + 1, last, lines.len()),
                theme.dim(),
            )
            .right_aligned(),
        );
    }
    block.render(area, buf);
    // The first inner row stays blank, under the title.
    for (i, line) in lines.iter().skip(scroll).take(visible).enumerate() {
        let y = inner.y + 1 + i as u16;
        let mut x = inner.x;
        for run in line {
            let room = (inner.x + inner.w).saturating_sub(x) as usize;
            x = put(buf, x, y, room, &run.text, theme.emphasis(run.emphasis));
        }
    }
}
