//! The board as text, for `glboard print`: plain (fits a width, optional
//! ANSI bold), Markdown (pastes into a GitLab comment) and JSON (a stable,
//! documented schema; see README). Pure functions of a laid-out board.

use crate::core::domain::merge_requests as mrs;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use crate::core::app::session::age;
use crate::core::domain::board::{self, BoardKind, BoardLayout, Card, Column, ColumnKind};
use crate::core::domain::iteration;
use crate::core::domain::model::{Issue, IssueState, Milestone, TeamConfig, Workspace};
use crate::core::domain::text;

/// Everything a printed board shows.
pub struct Report<'a> {
    pub ws: &'a Workspace,
    pub team: &'a TeamConfig,
    pub layout: &'a BoardLayout,
    pub milestone: Option<&'a Milestone>,
    pub today: NaiveDate,
    pub synced_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
    pub pending: usize,
    pub failed: usize,
    /// Issues with changes not yet applied by GitLab (shown as they will be).
    pub pending_issues: &'a std::collections::HashSet<crate::core::domain::model::IssueId>,
    /// Iids ambiguous in the whole cache (named `project#iid`); `None`:
    /// those of `ws`, which then holds every issue.
    pub ambiguous: Option<&'a std::collections::HashSet<u64>>,
}

/// A line of [`Report::plain`]'s board.
enum Line<'a> {
    Heading(&'a Column),
    Card(&'a Card, &'a Issue),
    None,
}

/// From this many lines, [`Report::plain`] writes on two cores.
const PARALLEL_LINES: usize = 2_000;

/// How deep an issue sits in the JSON document: the root, `lanes`, a
/// lane, its `issues`.
const ISSUE_DEPTH: usize = 4;

/// About what one issue takes in the JSON document.
const ISSUE_BYTES: usize = 1024;

/// Schema version of the JSON output; bumped only on incompatible changes.
pub const JSON_SCHEMA: u32 = 1;

#[derive(Serialize)]
struct JsonBoard<'a> {
    schema: u32,
    board: &'static str,
    group: &'a str,
    milestone: Option<JsonMilestone>,
    synced_at: Option<String>,
    pending_changes: usize,
    failed_changes: usize,
    /// The bundled demo, not a GitLab group.
    demo: bool,
    lanes: Vec<JsonLane>,
}

#[derive(Serialize)]
struct JsonMilestone {
    title: String,
    start_date: Option<NaiveDate>,
    due_date: Option<NaiveDate>,
    days_left: Option<i64>,
    state: &'static str,
}

#[derive(Serialize)]
struct JsonLane {
    name: String,
    kind: &'static str,
    count: usize,
    weight: u32,
    /// Always empty here: each lane's issues are written apart (on two
    /// cores) and put in its place by [`Report::json`].
    issues: [(); 0],
}

#[derive(Serialize)]
struct JsonIssue<'a> {
    reference: String,
    iid: u64,
    project: std::borrow::Cow<'a, str>,
    title: &'a str,
    state: &'static str,
    assignees: Vec<&'a str>,
    labels: &'a [String],
    milestone: Option<&'a str>,
    weight: Option<u32>,
    web_url: &'a str,
    updated_at: String,
    /// When its current lane label was last added (its age in the lane),
    /// from the cached label events; null when not known.
    lane_since: Option<String>,
    flags: Vec<&'static str>,
    /// A change to it is queued and not yet applied by GitLab: shown as it
    /// will be.
    pending: bool,
    confidential: bool,
    /// `issue` or `incident`.
    #[serde(rename = "type")]
    kind: &'static str,
    due_date: Option<String>,
    blocked: bool,
    /// The merge requests that close it when merged (issue #30).
    merge_requests: Vec<JsonMergeRequest<'a>>,
}

#[derive(Serialize)]
struct JsonMergeRequest<'a> {
    /// `group/project!iid`
    reference: &'a str,
    state: &'static str,
    draft: bool,
    pipeline: Option<&'a str>,
    approved: bool,
}

fn kind_name(k: &ColumnKind) -> &'static str {
    match k {
        ColumnKind::Open => "open",
        ColumnKind::Lane(_) => "lane",
        ColumnKind::Closed => "closed",
        ColumnKind::Iteration => "iteration",
    }
}

fn board_name(k: BoardKind) -> &'static str {
    match k {
        BoardKind::Backlog => "backlog",
        BoardKind::Iteration => "iteration",
        BoardKind::Planning => "planning",
    }
}

impl Report<'_> {
    /// A column's cards with their issues (a card whose issue is not in
    /// `ws` is left out: the layout was made from another workspace).
    fn cards<'c>(&'c self, col: &'c Column) -> impl Iterator<Item = (&'c Card, &'c Issue)> {
        col.cards
            .iter()
            .filter_map(|k| k.issue(self.ws).map(|i| (k, i)))
    }

    fn headline(&self) -> String {
        let (cards, weight) = self.layout.issues_and_weight(self.ws);
        let mut parts = Vec::new();
        match (self.layout.kind, self.milestone) {
            (BoardKind::Iteration | BoardKind::Planning, Some(m)) => {
                parts.push(m.title.clone());
                if let (Some(s), Some(d)) = (m.start_date, m.due_date) {
                    parts.push(format!("{} → {}", s.format("%b %-d"), d.format("%b %-d")));
                }
                parts.extend(iteration::days_phrase(m.start_date, m.due_date, self.today));
            }
            (BoardKind::Iteration | BoardKind::Planning, None) => parts.push("no milestone".into()),
            (BoardKind::Backlog, _) => parts.push(format!(
                "Backlog · {}",
                self.team.lane_label(&self.team.backlog_lane)
            )),
        }
        parts.push(format!(
            "{cards} {}",
            if cards == 1 { "issue" } else { "issues" }
        ));
        if weight > 0 {
            parts.push(format!("weight {weight}"));
        }
        parts.join(" · ")
    }

    fn freshness(&self) -> String {
        let mut parts = vec![match self.synced_at {
            Some(t) => format!("synced {}", age(t, self.now)),
            None if self.ws.is_demo => "DEMO: the bundled demo workspace, not GitLab".into(),
            None => "not synced yet".into(),
        }];
        if self.pending > 0 {
            parts.push(format!(
                "{} change{} pending",
                self.pending,
                if self.pending == 1 { "" } else { "s" }
            ));
        }
        if self.failed > 0 {
            parts.push(format!("{} refused (glboard pending)", self.failed));
        }
        parts.join(" · ")
    }

    /// One block per lane with counts; lines fit `width` cells. `bold`
    /// wraps lane names in ANSI bold (only for terminals).
    pub fn plain(&self, width: usize, bold: bool) -> String {
        let width = width.max(40);
        let closing = mrs::ClosingIndex::new(&self.ws.merge_requests);
        let mut out = String::new();
        let (b, r) = if bold {
            ("\x1b[1m", "\x1b[0m")
        } else {
            ("", "")
        };
        out.push_str(&format!(
            "{b}{}{r}\n",
            text::truncate(&self.headline(), width)
        ));
        out.push_str(&format!("{}\n", text::truncate(&self.freshness(), width)));
        let own;
        let amb = match self.ambiguous {
            Some(a) => a,
            None => {
                own = board::ambiguous_iids(self.ws);
                &own
            }
        };
        // Every line in order: a lane's heading, its cards (each with its
        // reference, for the widest), or `(none)`.
        let cards: usize = self.layout.columns.iter().map(|c| c.cards.len()).sum();
        let mut lines: Vec<Line<'_>> = Vec::with_capacity(cards + 2 * self.layout.columns.len());
        for col in &self.layout.columns {
            if col.cards.is_empty() && !matches!(col.kind, ColumnKind::Lane(_)) {
                continue;
            }
            lines.push(Line::Heading(col));
            lines.extend(self.cards(col).map(|(card, i)| Line::Card(card, i)));
            if col.cards.is_empty() {
                lines.push(Line::None);
            }
        }
        // Each card's reference is written into one buffer, here for the
        // widest and again on its line.
        let mut reference = String::new();
        let ref_w = lines
            .iter()
            .map(|l| match l {
                Line::Card(_, i) => {
                    board::short_ref_into(&mut reference, self.ws, i, amb);
                    text::width(&reference)
                }
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        let write = |lines: &[Line<'_>]| {
            // A line is about `width` bytes: the buffer is had once, not
            // grown (and copied) a dozen times.
            let mut out = String::with_capacity(lines.len().saturating_mul(width + 1));
            // Thousands of cards: each line is written in place, its
            // words into one reused buffer.
            let mut meta = String::new();
            let mut reference = String::new();
            for line in lines {
                match line {
                    Line::Heading(col) => {
                        let w = if col.weight > 0 {
                            format!(", weight {}", col.weight)
                        } else {
                            String::new()
                        };
                        out.push_str(&format!("\n{b}{}{r} ({}{w})\n", col.title, col.cards.len()));
                    }
                    Line::None => out.push_str("  (none)\n"),
                    Line::Card(card, i) => {
                        board::short_ref_into(&mut reference, self.ws, i, amb);
                        self.card_line(
                            &mut out,
                            &mut meta,
                            (card, i, &reference),
                            (ref_w, width),
                            &closing,
                        );
                    }
                }
            }
            out
        };
        // Thousands of lines: the second half is written on another core.
        if lines.len() < PARALLEL_LINES {
            out.push_str(&write(&lines));
        } else {
            let (first, second) = lines.split_at(lines.len() / 2);
            let (a, b) = std::thread::scope(|s| {
                let later = s.spawn(|| write(second));
                let a = write(first);
                (a, later.join())
            });
            out.reserve(a.len() + b.as_ref().map_or(0, String::len));
            out.push_str(&a);
            match b {
                Ok(b) => out.push_str(&b),
                Err(_) => out.push_str(&write(second)),
            }
        }
        out
    }

    /// One card's line of [`Report::plain`], appended to `out`.
    fn card_line(
        &self,
        out: &mut String,
        meta: &mut String,
        (card, i, reference): (&Card, &Issue, &str),
        (ref_w, width): (usize, usize),
        closing: &mrs::ClosingIndex<'_>,
    ) {
        use std::fmt::Write as _;
        meta.clear();
        // Each word is written into `meta` in place (no string per word:
        // thousands of cards).
        let space = |meta: &mut String| {
            if !meta.is_empty() {
                meta.push(' ');
            }
        };
        for u in &i.assignees {
            space(meta);
            meta.push('@');
            meta.push_str(&u.username);
        }
        if let Some(p) = i.priority() {
            space(meta);
            let _ = write!(meta, "P{p}");
        }
        if let Some(wt) = i.weight {
            space(meta);
            let _ = write!(meta, "w{wt}");
        }
        for (w, _) in i.marks.shown() {
            space(meta);
            meta.push_str(w);
        }
        if let Some(d) = i.marks.due_date {
            space(meta);
            let _ = write!(meta, "due {d}");
        }
        let flag = if card.flags.no_lane {
            Some("⚑no-lane")
        } else if card.flags.multi_lane {
            Some("⚑2-lanes")
        } else if card.flags.unknown_lane {
            Some("⚑odd-lane")
        } else {
            None
        };
        if let Some(flag) = flag {
            space(meta);
            meta.push_str(flag);
        }
        if self.pending_issues.contains(&i.id) {
            space(meta);
            meta.push_str("(pending)");
        }
        // Its merge requests, as on the card: `!42 ✓`.
        for m in closing.of(i.id) {
            space(meta);
            meta.push_str(&mrs::mark_for(m, i.project_id));
        }
        let start = out.len();
        out.push_str("  ");
        let lead = text::fit_into(out, reference, ref_w) + 4;
        let room = width.saturating_sub(lead + text::width(meta) + 2).max(10);
        out.push_str("  ");
        text::fit_into(out, &i.title, room);
        out.push_str("  ");
        out.push_str(meta);
        let line = out[start..].trim_end().len();
        out.truncate(start + line);
        out.push('\n');
    }

    /// Markdown: a heading per lane, a task-list item per issue with its
    /// full reference (GitLab links it).
    pub fn markdown(&self) -> String {
        let closing = mrs::ClosingIndex::new(&self.ws.merge_requests);
        let mut out = format!(
            "## {}\n\n_{}_\n",
            md_escape(&self.headline()),
            md_escape(&self.freshness())
        );
        for col in &self.layout.columns {
            if col.cards.is_empty() && !matches!(col.kind, ColumnKind::Lane(_)) {
                continue;
            }
            let w = if col.weight > 0 {
                format!(", weight {}", col.weight)
            } else {
                String::new()
            };
            out.push_str(&format!(
                "\n### {} ({}{w})\n\n",
                md_escape(&col.title),
                col.cards.len()
            ));
            if col.cards.is_empty() {
                out.push_str("_none_\n");
            }
            for (_, i) in self.cards(col) {
                let done = if i.state == IssueState::Closed {
                    "x"
                } else {
                    " "
                };
                let mut line = format!(
                    "- [{done}] {} {}",
                    board::full_ref(self.ws, i),
                    md_escape(&i.title)
                );
                // In code spans: pasted into a comment, a mention would
                // notify every assignee.
                let who: Vec<String> = i
                    .assignees
                    .iter()
                    .map(|u| format!("`@{}`", u.username))
                    .collect();
                if !who.is_empty() {
                    line.push_str(&format!(" — {}", who.join(", ")));
                }
                if let Some(wt) = i.weight {
                    line.push_str(&format!(" · weight {wt}"));
                }
                for (word, _) in i.marks.shown() {
                    // Confidential stands out: pasted into a comment, it
                    // warns before the issue is discussed in the open.
                    if word == "confidential" {
                        line.push_str(&format!(" · **{word}**"));
                    } else {
                        line.push_str(&format!(" · {word}"));
                    }
                }
                if let Some(d) = i.marks.due_date {
                    line.push_str(&format!(" · due {d}"));
                }
                if self.pending_issues.contains(&i.id) {
                    line.push_str(" · _pending_");
                }
                // Full references: GitLab links them.
                for m in closing.of(i.id) {
                    line.push_str(&format!(" · {} ({})", m.reference, mrs::describe(m)));
                }
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }

    /// JSON with the documented schema (README, "JSON output").
    pub fn json(&self) -> String {
        let closing = mrs::ClosingIndex::new(&self.ws.merge_requests);
        let lanes = self
            .layout
            .columns
            .iter()
            .map(|c| JsonLane {
                name: c.title.clone(),
                kind: kind_name(&c.kind),
                count: c.cards.len(),
                weight: c.weight,
                issues: [],
            })
            .collect();
        let doc = JsonBoard {
            schema: JSON_SCHEMA,
            board: board_name(self.layout.kind),
            group: &self.ws.group,
            milestone: self.milestone.map(|m| JsonMilestone {
                title: m.title.clone(),
                start_date: m.start_date,
                due_date: m.due_date,
                days_left: m.due_date.map(|d| (d - self.today).num_days()),
                state: match m.state {
                    crate::core::domain::model::MilestoneState::Active => "active",
                    crate::core::domain::model::MilestoneState::Closed => "closed",
                },
            }),
            synced_at: self
                .synced_at
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            pending_changes: self.pending,
            failed_changes: self.failed,
            demo: self.ws.is_demo,
            lanes,
        };
        let Ok(head) = serde_json::to_string_pretty(&doc) else {
            return "{}\n".into();
        };
        // Each issue as `to_string_pretty` writes it inside the document:
        // an element of its lane's `issues`, four levels deep.
        let cards: Vec<(&Card, &Issue)> = self
            .layout
            .columns
            .iter()
            .flat_map(|c| self.cards(c))
            .collect();
        let write = |cards: &[(&Card, &Issue)]| -> Vec<String> {
            let mut deep = PrettyFormatter::new();
            for _ in 0..ISSUE_DEPTH {
                let _ = deep.begin_object(&mut std::io::sink());
            }
            cards
                .iter()
                .map(|(k, i)| {
                    let mut out = Vec::with_capacity(ISSUE_BYTES);
                    let mut ser = serde_json::Serializer::with_formatter(&mut out, deep.clone());
                    let _ = self.json_issue(k, i, &closing).serialize(&mut ser);
                    String::from_utf8(out).unwrap_or_default()
                })
                .collect()
        };
        let issues = if cards.len() < PARALLEL_LINES {
            write(&cards)
        } else {
            let (first, second) = cards.split_at(cards.len() / 2);
            std::thread::scope(|s| {
                let later = s.spawn(|| write(second));
                let mut all = write(first);
                all.extend(later.join().unwrap_or_else(|_| write(second)));
                all
            })
        };
        // Into the document, each lane's in place of its empty list.
        let empty = format!("\n{}\"issues\": []", " ".repeat(2 * (ISSUE_DEPTH - 1)));
        let indent = " ".repeat(2 * ISSUE_DEPTH);
        let mut out =
            String::with_capacity(head.len() + issues.iter().map(|i| i.len() + 12).sum::<usize>());
        let mut rest = head.as_str();
        let mut issues = issues.into_iter();
        for col in &self.layout.columns {
            let Some(at) = rest.find(&empty) else { break };
            out.push_str(&rest[..at]);
            rest = &rest[at + empty.len()..];
            let n = self.cards(col).count();
            if n == 0 {
                out.push_str(&empty);
                continue;
            }
            out.push_str(&empty[..empty.len() - 1]);
            for (k, issue) in issues.by_ref().take(n).enumerate() {
                out.push_str(if k == 0 { "\n" } else { ",\n" });
                out.push_str(&indent);
                out.push_str(&issue);
            }
            out.push('\n');
            out.push_str(&indent[2..]);
            out.push(']');
        }
        out.push_str(rest);
        out.push('\n');
        out
    }

    /// One issue of the JSON document.
    fn json_issue<'s>(
        &'s self,
        k: &Card,
        i: &'s Issue,
        closing: &mrs::ClosingIndex<'s>,
    ) -> JsonIssue<'s> {
        let mut flags = Vec::new();
        if k.flags.no_lane {
            flags.push("no_lane");
        }
        if k.flags.multi_lane {
            flags.push("multi_lane");
        }
        if k.flags.unknown_lane {
            flags.push("unknown_lane");
        }
        JsonIssue {
            reference: board::full_ref(self.ws, i),
            iid: i.iid,
            project: self.ws.project(i.project_id).map_or_else(
                || std::borrow::Cow::Owned(i.project_id.to_string()),
                |p| std::borrow::Cow::Borrowed(p.path.as_str()),
            ),
            title: &i.title,
            state: if i.is_open() { "opened" } else { "closed" },
            assignees: i.assignees.iter().map(|u| u.username.as_str()).collect(),
            labels: &i.labels,
            milestone: i
                .milestone_id
                .and_then(|id| self.ws.milestone(id))
                .map(|m| m.title.as_str()),
            weight: i.weight,
            web_url: &i.web_url,
            updated_at: i
                .updated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            lane_since: crate::core::domain::insights::card_lane_since(self.ws, self.team, i)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            flags,
            pending: self.pending_issues.contains(&i.id),
            confidential: i.marks.confidential,
            kind: if i.marks.incident {
                "incident"
            } else {
                "issue"
            },
            due_date: i.marks.due_date.map(|d| d.to_string()),
            blocked: i.marks.blocked,
            merge_requests: closing
                .of(i.id)
                .iter()
                .map(|m| JsonMergeRequest {
                    reference: &m.reference,
                    state: m.state.as_str(),
                    draft: m.draft,
                    pipeline: m.pipeline.map(|p| p.as_str()),
                    approved: m.approved,
                })
                .collect(),
        }
    }
}

/// Keep GitLab Markdown from reading titles as markup.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_on(today: &str, f: impl FnOnce(&Report<'_>)) {
        let today: NaiveDate = today.parse().unwrap();
        let (ws, team) = crate::demo::load(today).unwrap();
        let pick = crate::core::domain::iteration::pick(&ws.milestones, &team, today);
        let next = pick.next.and_then(|id| ws.milestone(id)).unwrap();
        let layout = board::layout(
            &ws,
            board::BoardSpec {
                kind: BoardKind::Iteration,
                team: &team,
                milestone: Some(next.id),
                filter: "",
                sort: board::SortMode::Manual,
            },
        );
        let none = std::collections::HashSet::new();
        let r = Report {
            ws: &ws,
            team: &team,
            layout: &layout,
            milestone: Some(next),
            today,
            synced_at: None,
            now: Utc::now(),
            pending: 0,
            failed: 0,
            pending_issues: &none,
            ambiguous: None,
        };
        f(&r);
    }

    #[test]
    fn a_future_iteration_says_when_it_starts() {
        report_on("2025-11-05", |r| {
            let head = r.headline();
            assert!(head.contains("starts in "), "{head}");
            assert!(!head.contains("days left"), "{head}");
        });
    }

    #[test]
    fn markdown_names_assignees_without_pinging_them() {
        report_on("2025-11-05", |r| {
            let md = r.markdown();
            assert!(md.contains("`@"), "{md}");
            assert!(
                !md.lines().any(|l| l.contains(" @") || l.contains(", @")),
                "a bare @mention: {md}"
            );
            assert!(r.json().contains("\"demo\": true"));
        });
    }

    #[test]
    fn markdown_escapes_markup_in_titles() {
        assert_eq!(
            md_escape("a *b* [c](d) <e> `f`"),
            "a \\*b\\* \\[c\\](d) \\<e\\> \\`f\\`"
        );
    }
}
