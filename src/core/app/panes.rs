//! The detail pane's content, as styled lines, and the comments read for
//! it ([`Notes`]). Pure, so the pane's keys scroll over the same lines the
//! view draws; opening the pane is [`crate::core::app::screens::detail`]'s.

use chrono::{DateTime, Utc};

use crate::core::app::state::AppState;
use crate::core::domain::board::{self, ColumnKind};
use crate::core::domain::markdown::{self, Emphasis, RichLine, Run};
use crate::core::domain::model::{Issue, IssueId, Note};

/// The comments of the issues whose detail pane was opened, as read from
/// GitLab; `Err` says why they could not be. A part of the state
/// ([`AppState::notes`]).
#[derive(Debug, Clone, Default)]
pub struct Notes(std::collections::HashMap<IssueId, Result<Vec<Note>, String>>);

impl Notes {
    /// An issue's comments, if they were read (or why not).
    pub fn of(&self, issue: IssueId) -> Option<&Result<Vec<Note>, String>> {
        self.0.get(&issue)
    }

    /// An issue's comments as read (they replace any read before).
    pub(crate) fn read(&mut self, issue: IssueId, notes: Result<Vec<Note>, String>) {
        self.0.insert(issue, notes);
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
        crate::core::domain::text::truncate(&issue.title, width.max(20) * 4),
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
    lines.push(field(
        "Created",
        when(issue.created_at, state.session.today),
    ));
    lines.push(field(
        "Updated",
        when(issue.updated_at, state.session.today),
    ));
    if let Some(c) = issue.closed_at {
        lines.push(field("Closed", when(c, state.session.today)));
    }
    lines.push(vec![
        run(format!("{:<11}", "URL"), Emphasis::Marker),
        run(issue.web_url.clone(), Emphasis::Link),
    ]);
    merge_request_lines(&mut lines, state, issue);
    lines.push(vec![run("─".repeat(width.min(60)), Emphasis::Marker)]);
    let body = markdown::render(&issue.description);
    if body.is_empty() {
        lines.push(vec![run("No description.", Emphasis::Italic)]);
    } else {
        lines.extend(body);
    }
    if state.session.sync.enabled {
        lines.push(Vec::new());
        lines.push(vec![run("Comments", Emphasis::Heading)]);
        match state.notes.of(issue.id) {
            None => lines.push(vec![run("loading…", Emphasis::Italic)]),
            Some(Err(why)) => lines.push(vec![run(
                format!("could not read the comments: {why}"),
                Emphasis::Italic,
            )]),
            Some(Ok(notes)) => {
                let people: Vec<_> = notes.iter().filter(|n| !n.system).collect();
                if people.is_empty() && posting(state, issue.id).is_empty() {
                    lines.push(vec![run("No comments.", Emphasis::Italic)]);
                }
                for n in people {
                    lines.push(Vec::new());
                    lines.push(vec![
                        run(format!("@{}", n.author), Emphasis::Strong),
                        run(
                            format!(" · {}", when(n.created_at, state.session.today)),
                            Emphasis::Marker,
                        ),
                    ]);
                    lines.extend(markdown::render(&n.body));
                }
            }
        }
        // Posted from here or another shell, not on GitLab yet: shown at
        // once, newest last.
        for body in posting(state, issue.id) {
            lines.push(Vec::new());
            let me = state
                .ws
                .me
                .as_ref()
                .map_or("you".to_owned(), |u| format!("@{}", u.username));
            lines.push(vec![
                run(me, Emphasis::Strong),
                run(" · sending…", Emphasis::Marker),
            ]);
            lines.extend(markdown::render(body));
        }
    }
    markdown::wrap_lines(&lines, width)
}

/// The merge requests that close the issue (issue #30): each with its
/// mark, title, state in words, author, reviewers and address (`o`
/// chooses one to open).
fn merge_request_lines(lines: &mut Vec<RichLine>, state: &AppState, issue: &Issue) {
    use crate::core::domain::merge_requests as mrs;
    let closing = mrs::closing(&state.ws.merge_requests, issue.id);
    if closing.is_empty() {
        return;
    }
    lines.push(Vec::new());
    lines.push(vec![
        run("Merge requests", Emphasis::Heading),
        run("  (o opens one)", Emphasis::Marker),
    ]);
    for m in closing {
        lines.push(vec![
            run(mrs::mark_for(m, issue.project_id), Emphasis::Strong),
            run(format!(" {}", m.title), Emphasis::Plain),
        ]);
        let reviewers = if m.reviewers.is_empty() {
            "no reviewers".to_owned()
        } else {
            let names: Vec<String> = m.reviewers.iter().map(|r| format!("@{r}")).collect();
            format!("reviewers {}", names.join(", "))
        };
        lines.push(vec![run(
            format!("  {} · by @{} · {reviewers}", mrs::describe(m), m.author),
            Emphasis::Marker,
        )]);
        lines.push(vec![
            run("  ", Emphasis::Plain),
            run(m.web_url.clone(), Emphasis::Link),
        ]);
    }
}

/// Comments on `issue` queued (by any glboard process) or not yet written
/// down, oldest first.
fn posting(state: &AppState, issue: crate::core::domain::model::IssueId) -> Vec<&str> {
    let unsaved = state.changes.unsaved.iter().flat_map(|u| &u.changes);
    state
        .changes
        .pending
        .iter()
        .chain(unsaved)
        .filter(|c| c.issue == issue)
        .filter_map(|c| c.edit.comment.as_deref())
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::app::action::{Action, Effect, StoreUpdate};
    use crate::core::app::screens::detail::DetailScreen;
    use crate::core::app::update::update;
    use crate::core::testing::{keys, saved, state};

    fn text(s: &AppState) -> String {
        let crate::core::app::screens::Mode::Detail(DetailScreen { issue, .. }) = s.focus.mode
        else {
            panic!("{:?}", s.focus.mode)
        };
        let issue = s.ws.issue(issue).unwrap();
        detail_lines(s, issue, 80)
            .iter()
            .map(|l| l.iter().map(|r| r.text.as_str()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn loads_notes(fx: &[Effect]) -> bool {
        fx.iter().any(|e| matches!(e, Effect::LoadNotes { .. }))
    }

    /// `G` sends the pane to its end, and it stays there when comments
    /// land after it (they come after the pane opened); scrolled up, it
    /// stays where it was put.
    #[test]
    fn the_pane_sent_to_its_end_follows_it_as_comments_land() {
        use crate::core::app::screens::Mode;
        let scroll = |s: &AppState| match &s.focus.mode {
            Mode::Detail(d) => d.scroll,
            m => panic!("{m:?}"),
        };
        let most = |s: &AppState| {
            let Mode::Detail(DetailScreen { issue, .. }) = s.focus.mode else {
                panic!()
            };
            let (_, visible) = crate::core::app::screens::pager::overlay_size(s.session.viewport);
            let lines = detail_lines(s, s.ws.issue(issue).unwrap(), 80).len();
            lines.saturating_sub(visible)
        };
        let comments = |n: u64| {
            (0..n)
                .map(|k| crate::core::domain::model::Note {
                    id: k,
                    author: "ann".into(),
                    body: format!("comment {k}\n\nwith a second paragraph"),
                    created_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
                    system: false,
                })
                .collect::<Vec<_>>()
        };
        let mut s = state();
        update(
            &mut s,
            Action::Resize {
                width: 80,
                height: 24,
            },
        );
        keys(&mut s, "ll<Enter>G");
        let Mode::Detail(DetailScreen { issue, .. }) = s.focus.mode else {
            panic!()
        };
        let before = scroll(&s);
        update(
            &mut s,
            Action::Notes {
                issue,
                notes: Ok(comments(30)),
            },
        );
        assert!(most(&s) > before, "the pane grew");
        assert_eq!(scroll(&s), most(&s), "at its new end");
        assert!(text(&s).contains("comment 29"));
        // Scrolled up: more comments do not move it.
        keys(&mut s, "kk");
        let put = scroll(&s);
        update(
            &mut s,
            Action::Notes {
                issue,
                notes: Ok(comments(40)),
            },
        );
        assert_eq!(scroll(&s), put);
        assert!(most(&s) > put);
    }

    /// A comment posted from the pane shows there at once ("sending…"),
    /// and GitLab's answer has the comments read again; one posted from
    /// another shell likewise, without opening the pane again.
    #[test]
    fn the_detail_pane_shows_a_comment_just_posted() {
        let mut s = state();
        let fx = keys(&mut s, "ll<Enter>");
        assert!(loads_notes(&fx));
        let crate::core::app::screens::Mode::Detail(DetailScreen { issue, .. }) = s.focus.mode
        else {
            panic!()
        };
        update(
            &mut s,
            Action::Notes {
                issue,
                notes: Ok(Vec::new()),
            },
        );
        assert!(text(&s).contains("No comments."));
        let fx = keys(&mut s, "cShipping today<Enter>");
        assert!(matches!(
            s.focus.mode,
            crate::core::app::screens::Mode::Detail(DetailScreen { .. })
        ));
        let t = text(&s);
        assert!(
            t.contains("@zoe · sending…") && t.contains("Shipping today"),
            "{t}"
        );
        assert!(!t.contains("No comments."), "{t}");
        let sent = saved(&mut s, &fx);
        assert!(text(&s).contains("Shipping today"), "queued: still shown");
        // GitLab took it: the comments are read again.
        let fx = update(
            &mut s,
            Action::Store(Box::new(StoreUpdate {
                sent: vec![(sent[0].clone(), None)],
                ..StoreUpdate::default()
            })),
        );
        assert!(loads_notes(&fx), "{fx:?}");
        // Another shell's comment: queued there, then sent.
        let mut other = sent[0].clone();
        other.id = 5000;
        other.edit.comment = Some("From the other shell".into());
        update(
            &mut s,
            Action::Store(Box::new(StoreUpdate {
                queued: vec![other.clone()],
                ..StoreUpdate::default()
            })),
        );
        assert!(text(&s).contains("From the other shell"));
        let fx = update(
            &mut s,
            Action::Store(Box::new(StoreUpdate {
                sent: vec![(other, None)],
                ..StoreUpdate::default()
            })),
        );
        assert!(loads_notes(&fx));
        // Another issue's news reads nothing.
        let mut elsewhere = sent[0].clone();
        elsewhere.issue = 50;
        let fx = update(
            &mut s,
            Action::Store(Box::new(StoreUpdate {
                sent: vec![(elsewhere, None)],
                ..StoreUpdate::default()
            })),
        );
        assert!(!loads_notes(&fx));
    }
}
