//! `glboard next`: what to work on next, in the handbook's order, in one
//! screen of an 80-column terminal (or Markdown, or JSON after
//! `docs/next.schema.json`); `--take` takes the first suggestion through the
//! same workflow as `t` (and `glboard take`).

use std::io::{IsTerminal, Write};

use super::act::{Act, act};
use super::{EX_OK, EX_USAGE, Failure, Live, fail};
use crate::cli::{Cli, Format};
use crate::core::domain::iteration;
use crate::core::domain::model::IssueState;
use crate::core::domain::next::{Group, Item, Next, next as suggest};
use crate::core::domain::text;

fn width() -> usize {
    if std::io::stdout().is_terminal() {
        crossterm::terminal::size().map_or(80, |(w, _)| usize::from(w).min(120))
    } else {
        80
    }
}

fn line(i: &Item, w: usize) -> String {
    let who = i.people();
    let lane = match (i.state, &i.lane) {
        (IssueState::Closed, _) => "closed".to_owned(),
        (_, Some(l)) => l.clone(),
        (_, None) => "no lane".to_owned(),
    };
    let head = format!("  {} ", i.reference);
    // Someone else's merge request closes it: theirs, not to take.
    let theirs = match (&i.merge_request, &i.merge_request_by) {
        (Some(m), Some(by)) => format!(" · {m} by @{by}"),
        _ => String::new(),
    };
    let tail = format!("  {lane} · {who}{theirs}");
    let room = w.saturating_sub(text::width(&head) + text::width(&tail));
    format!("{head}{}{tail}", text::truncate(&i.title, room.max(10)))
}

fn plain(n: &Next, w: usize, limit: usize) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "What to work on next · {}\n",
        n.milestone.as_deref().unwrap_or("no current iteration")
    ));
    // The priorities with work left, one line each: the first issue a
    // priority names, its lane and people, then the priority's words.
    let open: Vec<_> = n.priorities.iter().filter(|p| !p.done).collect();
    out.push_str(&match &n.planning_issue {
        Some(p) if open.len() > limit => format!(
            "\nA. Priorities of the planning issue {p} (the first {limit} of {} with work left)\n",
            open.len()
        ),
        Some(p) => format!("\nA. Priorities of the planning issue {p}\n"),
        None => format!("\n{}\n", crate::core::domain::next::NO_PLANNING_ISSUE),
    });
    if n.planning_issue.is_some() && open.is_empty() {
        out.push_str("  (none with work left)\n");
    }
    for p in open.iter().take(limit) {
        let head = format!("  {}. ", p.rank);
        let body = match p.issues.first() {
            Some(i) => {
                let who = i.people();
                let more = if p.issues.len() > 1 {
                    format!(" +{}", p.issues.len() - 1)
                } else {
                    String::new()
                };
                // The priority's words without the references, shown already.
                let words: Vec<&str> = p
                    .text
                    .split_whitespace()
                    .filter(|w| crate::core::domain::next::references(w).is_empty())
                    .collect();
                format!(
                    "{}{more} [{} · {who}] {}",
                    i.reference,
                    i.lane.as_deref().unwrap_or("no lane"),
                    words.join(" ")
                )
            }
            None => p.text.clone(),
        };
        out.push_str(&format!(
            "{head}{}\n",
            text::truncate(&body, w.saturating_sub(text::width(&head)))
        ));
    }
    out.push_str("\nB. Ready in the iteration (unassigned first, then yours)\n");
    if n.ready.is_empty() {
        out.push_str("  (none)\n");
    }
    for i in &n.ready {
        out.push_str(&format!("{}\n", line(i, w)));
    }
    out.push_str("\nC. Top of the backlog (glboard promote REF brings one in)\n");
    if n.backlog.is_empty() {
        out.push_str("  (none)\n");
    }
    for i in &n.backlog {
        out.push_str(&format!("{}\n", line(i, w)));
    }
    if let Some(line) = crate::core::domain::next::blocked_left_out(n.blocked_left_out) {
        out.push_str(&format!("\n{line}\n"));
    }
    out
}

fn markdown(n: &Next) -> String {
    let item = |i: &Item| {
        let who = i.people_as(|a| format!("`@{a}`"));
        format!(
            "[{}]({}) {} · {} · {who}",
            i.reference,
            i.web_url,
            i.title.replace('|', "\\|"),
            i.lane.as_deref().unwrap_or("no lane")
        ) + &match (&i.merge_request, &i.merge_request_by) {
            (Some(m), Some(by)) => format!(" · {m} by `@{by}`"),
            _ => String::new(),
        }
    };
    let mut out = format!(
        "## What to work on next · {}\n\n### A. Priorities\n\n",
        n.milestone.as_deref().unwrap_or("no current iteration")
    );
    for p in &n.priorities {
        out.push_str(&format!("{}. {}\n", p.rank, p.text));
        for i in &p.issues {
            out.push_str(&format!("   - {}\n", item(i)));
        }
    }
    out.push_str("\n### B. Ready\n\n");
    for i in &n.ready {
        out.push_str(&format!("- {}\n", item(i)));
    }
    out.push_str("\n### C. Backlog\n\n");
    for i in &n.backlog {
        out.push_str(&format!("- {}\n", item(i)));
    }
    if n.blocked_left_out > 0 {
        out.push_str(&format!("\n_{} blocked left out._\n", n.blocked_left_out));
    }
    out
}

/// `glboard next`.
pub fn next(cli: &Cli, format: Format, limit: usize, take: bool, yes: bool) -> Result<u8, Failure> {
    let today = cli.today();
    let (ws, team) = match Live::open(cli)?.filter(|_| !cli.demo) {
        Some(live) => live.seen(&live.store_for_reading()?, today)?,
        None => {
            if take {
                return Err(fail(
                    EX_USAGE,
                    "the demo has no GitLab to take an issue on: configure glboard first",
                ));
            }
            crate::demo::load(today)
                .map_err(|e| fail(super::EX_FAILURE, format!("the demo data is broken: {e}")))?
        }
    };
    let current = iteration::pick(&ws.milestones, &team, today).current;
    let n = suggest(&ws, &team, current, limit);
    let out = match format {
        Format::Plain => plain(&n, width(), limit),
        Format::Markdown => markdown(&n),
        Format::Json => {
            let mut v = serde_json::to_value(&n).unwrap_or_default();
            v["schema"] = serde_json::json!(1);
            v["first"] = serde_json::to_value(
                n.first(ws.me.as_ref())
                    .map(|(i, g)| serde_json::json!({"reference": i.reference, "group": g})),
            )
            .unwrap_or_default();
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
    };
    if !take {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(out.as_bytes());
        let _ = stdout.flush();
        return Ok(EX_OK);
    }
    let Some((first, group)) = n.first(ws.me.as_ref()) else {
        println!("nothing to take: no open, unblocked issue is free");
        return Ok(EX_OK);
    };
    let from = match group {
        Group::Priorities => "the first priority",
        Group::Ready => "the ready lane",
        Group::Backlog => "the backlog",
    };
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(fail(
                EX_USAGE,
                "not a terminal, so nobody can answer: add --yes to take it",
            ));
        }
        eprint!(
            "take {} {} (from {from})? [y/N] ",
            first.reference, first.title
        );
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !answer.trim().eq_ignore_ascii_case("y") {
            println!("nothing taken");
            return Ok(EX_OK);
        }
    }
    // The same take as `t` and `glboard take`: by its full reference.
    let full = ws
        .issue(first.issue)
        .map(|i| crate::core::domain::board::full_ref(&ws, i))
        .unwrap_or_else(|| first.reference.clone());
    act(cli, &[full], Act::Take)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::next::Priority;

    fn item(reference: &str, title: &str, lane: Option<&str>, people: &[&str]) -> Item {
        Item {
            issue: 1,
            reference: reference.into(),
            title: title.into(),
            web_url: format!(
                "https://gl.example.com/grp/alpha/-/issues/{}",
                &reference[1..]
            ),
            state: IssueState::Opened,
            lane: lane.map(str::to_owned),
            assignees: people.iter().map(|p| (*p).to_owned()).collect(),
            milestone: None,
            weight: None,
            blocked: false,
            finished: false,
            doing: false,
            priority: None,
            merge_request: None,
            merge_request_by: None,
        }
    }

    fn empty() -> Next {
        Next {
            milestone: Some("Datastores team - W45".into()),
            planning_issue: None,
            priorities: Vec::new(),
            ready: Vec::new(),
            backlog: Vec::new(),
            blocked_left_out: 0,
        }
    }

    #[test]
    fn an_issue_line_names_its_lane_and_people_or_says_closed() {
        let i = item("#101", "Fix replication", Some("Ready"), &["zoe", "max"]);
        assert_eq!(line(&i, 80), "  #101 Fix replication  Ready · @zoe @max");
        let mut closed = item("#102", "Old", Some("Done"), &[]);
        closed.state = IssueState::Closed;
        assert_eq!(line(&closed, 80), "  #102 Old  closed · unassigned");
        let nowhere = item("#103", "Lost", None, &[]);
        assert_eq!(line(&nowhere, 80), "  #103 Lost  no lane · unassigned");
    }

    #[test]
    fn someone_elses_merge_request_is_named_with_its_author() {
        let mut i = item("#101", "Fix", Some("In Progress"), &[]);
        i.merge_request = Some("!42 ◌".into());
        assert_eq!(line(&i, 80), "  #101 Fix  In Progress · unassigned");
        i.merge_request_by = Some("max".into());
        assert_eq!(
            line(&i, 80),
            "  #101 Fix  In Progress · unassigned · !42 ◌ by @max"
        );
    }

    #[test]
    fn a_long_title_is_cut_to_the_width_but_keeps_ten_columns() {
        let long = "A very long title that goes on and on about the database";
        let i = item("#101", long, Some("Ready"), &["zoe"]);
        let l = line(&i, 40);
        assert_eq!(crate::core::domain::text::width(&l), 40, "{l}");
        assert!(l.ends_with("…  Ready · @zoe"), "{l}");
        // Too narrow: the title still gets ten columns.
        let l = line(&i, 10);
        assert!(l.starts_with("  #101 A very lo…  Ready"), "{l}");
    }

    #[test]
    fn empty_sections_say_none_and_a_missing_planning_issue_is_said() {
        let out = plain(&empty(), 80, 5);
        assert!(
            out.starts_with("What to work on next · Datastores team - W45\n"),
            "{out}"
        );
        assert!(
            out.contains(crate::core::domain::next::NO_PLANNING_ISSUE),
            "{out}"
        );
        assert_eq!(out.matches("  (none)\n").count(), 2, "{out}");
        let mut n = empty();
        n.milestone = None;
        n.blocked_left_out = 2;
        let out = plain(&n, 80, 5);
        assert!(
            out.starts_with("What to work on next · no current iteration\n"),
            "{out}"
        );
        assert!(out.ends_with("\n2 blocked issues left out.\n"), "{out}");
    }

    #[test]
    fn priorities_with_work_left_are_listed_up_to_the_limit() {
        let mut n = empty();
        n.planning_issue = Some("#7".into());
        let first = item("#101", "Fix", Some("Ready"), &[]);
        let second = item("#102", "Other", Some("Blocked"), &["zoe"]);
        n.priorities = vec![
            Priority {
                rank: 1,
                text: "Finish #101 and #102 first".into(),
                issues: vec![first, second.clone()],
                done: false,
            },
            Priority {
                rank: 2,
                text: "Done already #100".into(),
                issues: Vec::new(),
                done: true,
            },
            Priority {
                rank: 3,
                text: "Write the runbook".into(),
                issues: Vec::new(),
                done: false,
            },
            Priority {
                rank: 4,
                text: "Then #102".into(),
                issues: vec![second],
                done: false,
            },
        ];
        let out = plain(&n, 80, 2);
        assert!(
            out.contains(
                "A. Priorities of the planning issue #7 (the first 2 of 3 with work left)\n"
            ),
            "{out}"
        );
        // The first issue, how many more, its lane and people, the words
        // without the references.
        assert!(
            out.contains("\n  1. #101 +1 [Ready · unassigned] Finish and first\n"),
            "{out}"
        );
        assert!(out.contains("\n  3. Write the runbook\n"), "{out}");
        assert!(
            !out.contains("Done already") && !out.contains("  4. "),
            "{out}"
        );
        let all = plain(&n, 80, 10);
        assert!(
            all.contains("A. Priorities of the planning issue #7\n"),
            "{all}"
        );
        assert!(all.contains("\n  4. #102 [Blocked · @zoe] Then\n"), "{all}");
    }

    #[test]
    fn every_priority_done_is_said() {
        let mut n = empty();
        n.planning_issue = Some("#7".into());
        n.priorities = vec![Priority {
            rank: 1,
            text: "All of it".into(),
            issues: Vec::new(),
            done: true,
        }];
        assert!(plain(&n, 80, 5).contains("#7\n  (none with work left)\n"));
    }

    #[test]
    fn markdown_links_each_issue_and_escapes_table_bars() {
        let mut n = empty();
        let mut i = item("#101", "a | b", Some("Ready"), &["zoe"]);
        i.merge_request = Some("!42".into());
        i.merge_request_by = Some("max".into());
        n.ready = vec![i];
        n.backlog = vec![item("#150", "Later", None, &[])];
        n.blocked_left_out = 1;
        let md = markdown(&n);
        assert!(
            md.contains(
                "- [#101](https://gl.example.com/grp/alpha/-/issues/101) a \\| b · Ready · `@zoe` · !42 by `@max`\n"
            ),
            "{md}"
        );
        assert!(
            md.contains("### C. Backlog\n\n- [#150](https://gl.example.com/grp/alpha/-/issues/150) Later · no lane · unassigned\n"),
            "{md}"
        );
        assert!(md.ends_with("\n_1 blocked left out._\n"), "{md}");
    }
}
