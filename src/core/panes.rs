//! Content of the overlays, as styled lines: the issue detail pane and the
//! help overlay (generated from the keymap table). Pure, so `update` can
//! clamp scrolling to the same lines the view draws.

use chrono::{DateTime, Utc};

use super::board::{self, ColumnKind};
use super::markdown::{self, Emphasis, RichLine, Run};
use super::model::Issue;
use super::state::AppState;

/// Open an issue in the detail pane, from wherever (a card, `gn`, `i`):
/// its comments are asked for at once, so the pane never waits on
/// "loading…" for good.
pub fn open_detail(
    state: &mut AppState,
    issue: super::model::IssueId,
) -> Vec<super::action::Effect> {
    state.mode = super::state::Mode::Detail { issue, scroll: 0 };
    match state.ws.issue(issue) {
        Some(i) if state.sync.enabled => vec![super::action::Effect::LoadNotes {
            issue,
            project: i.project_id,
            iid: i.iid,
        }],
        _ => Vec::new(),
    }
}

fn run(text: impl Into<String>, emphasis: Emphasis) -> Run {
    Run {
        text: text.into(),
        emphasis,
    }
}

fn field(name: &str, value: impl Into<String>) -> RichLine {
    vec![
        run(format!("{name:<11}"), Emphasis::Marker),
        run(value, Emphasis::Plain),
    ]
}

fn when(t: DateTime<Utc>, today: chrono::NaiveDate) -> String {
    let days = (today - t.date_naive()).num_days();
    let ago = match days {
        0 => "today".to_owned(),
        1 => "yesterday".to_owned(),
        d if d > 1 => format!("{d} days ago"),
        d => format!("in {} days", -d),
    };
    format!("{} ({ago})", t.format("%Y-%m-%d %H:%M UTC"))
}

/// The detail pane of an issue, wrapped to `width` cells.
pub fn detail_lines(state: &AppState, issue: &Issue, width: usize) -> Vec<RichLine> {
    let ws = &state.ws;
    let mut lines: Vec<RichLine> = vec![vec![run(
        // At most four lines: an absurd title must not push the fields away.
        super::text::truncate(&issue.title, width.max(20) * 4),
        Emphasis::Heading,
    )]];
    let state_word = if issue.is_open() { "open" } else { "closed" };
    lines.push(vec![
        run(board::full_ref(ws, issue), Emphasis::Strong),
        run(format!(" · {state_word}"), Emphasis::Plain),
    ]);
    lines.push(Vec::new());
    let lanes = state.team.lanes_of(issue);
    let flags = board::flags(&state.team, issue);
    let mut lane_line = field(
        "Lane",
        if lanes.is_empty() {
            "none".to_owned()
        } else {
            lanes.join(", ")
        },
    );
    if flags.any() {
        lane_line.push(run(
            format!("  ⚑ {}", flags.describe().join(", ")),
            Emphasis::Strong,
        ));
    }
    lines.push(lane_line);
    lines.push(field(
        "Labels",
        if issue.labels.is_empty() {
            "none".into()
        } else {
            issue.labels.join(", ")
        },
    ));
    let assignees = if issue.assignees.is_empty() {
        "unassigned".to_owned()
    } else {
        issue
            .assignees
            .iter()
            .map(|u| format!("@{} ({})", u.username, u.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    lines.push(field("Assignees", assignees));
    let milestone = match issue.milestone_id.and_then(|id| ws.milestone(id)) {
        Some(m) => match (m.start_date, m.due_date) {
            (Some(s), Some(d)) => format!("{} ({s} → {d})", m.title),
            (None, Some(d)) => format!("{} (due {d})", m.title),
            _ => m.title.clone(),
        },
        None => "none".into(),
    };
    lines.push(field("Milestone", milestone));
    lines.push(field(
        "Weight",
        issue.weight.map_or("none".into(), |w| w.to_string()),
    ));
    lines.push(field(
        "Author",
        issue.author.as_ref().map_or("unknown".into(), |u| {
            format!("@{} ({})", u.username, u.name)
        }),
    ));
    lines.push(field("Created", when(issue.created_at, state.today)));
    lines.push(field("Updated", when(issue.updated_at, state.today)));
    if let Some(c) = issue.closed_at {
        lines.push(field("Closed", when(c, state.today)));
    }
    lines.push(vec![
        run(format!("{:<11}", "URL"), Emphasis::Marker),
        run(issue.web_url.clone(), Emphasis::Link),
    ]);
    lines.push(vec![run("─".repeat(width.min(60)), Emphasis::Marker)]);
    let body = markdown::render(&issue.description);
    if body.is_empty() {
        lines.push(vec![run("No description.", Emphasis::Italic)]);
    } else {
        lines.extend(body);
    }
    if state.sync.enabled {
        lines.push(Vec::new());
        lines.push(vec![run("Comments", Emphasis::Heading)]);
        match state.notes.get(&issue.id) {
            None => lines.push(vec![run("loading…", Emphasis::Italic)]),
            Some(Err(why)) => lines.push(vec![run(
                format!("could not read the comments: {why}"),
                Emphasis::Italic,
            )]),
            Some(Ok(notes)) => {
                let people: Vec<_> = notes.iter().filter(|n| !n.system).collect();
                if people.is_empty() {
                    lines.push(vec![run("No comments.", Emphasis::Italic)]);
                }
                for n in people {
                    lines.push(Vec::new());
                    lines.push(vec![
                        run(format!("@{}", n.author), Emphasis::Strong),
                        run(
                            format!(" · {}", when(n.created_at, state.today)),
                            Emphasis::Marker,
                        ),
                    ]);
                    lines.extend(markdown::render(&n.body));
                }
            }
        }
    }
    markdown::wrap_lines(&lines, width)
}

/// Short name of a column for the status line.
pub fn column_name(kind: &ColumnKind) -> &str {
    match kind {
        ColumnKind::Open => "Open",
        ColumnKind::Lane(l) => l,
        ColumnKind::Closed => "Closed",
        ColumnKind::Iteration => "Iteration",
    }
}
