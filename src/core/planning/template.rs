//! A new Iteration Planning issue: where to find an iteration's planning
//! issue, its title, and its description filled from a template (the
//! team's `planning_template` file, or the built-in one) with the
//! iteration's dates, the issues the coming re-plan carries over (with
//! their carry-over counts), each person's committed weight against
//! capacity, and a link to the previous planning issue. Pure.

use crate::core::domain::board;
use crate::core::domain::capacity;
use crate::core::domain::edit;
use crate::core::domain::model::{Issue, Milestone, TeamConfig, Workspace};

/// Where the planning summary starts in the planning issue's description
/// (the template writes the block; `S` fills it).
pub const BEGIN: &str = "<!-- glboard:summary -->";
/// Where it ends.
pub const END: &str = "<!-- /glboard:summary -->";

/// The built-in template. Placeholders: `{milestone}`, `{start}`, `{due}`,
/// `{current}`, `{carried_over}`, `{capacity}`, `{previous}`, `{summary}`.
pub const BUILT_IN: &str = "## {milestone}: Iteration Planning

{start} → {due}. The previous iteration's planning issue: {previous}.

### Priorities

Agree on the priorities here by Friday; the lead writes the outcome below.

1. 

### Unfinished in {current} (re-planned on Friday)

{carried_over}

### Capacity: committed / capacity

{capacity}

{summary}
";

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 8] = [
    "milestone",
    "start",
    "due",
    "current",
    "carried_over",
    "capacity",
    "previous",
    "summary",
];

/// The title of an iteration's planning issue: `<milestone> Iteration Planning`.
pub fn title(team: &TeamConfig, m: &Milestone) -> String {
    format!("{} {}", m.title, team.planning_title)
}

/// The planning issue of iteration `m`: a team issue with the planning
/// words in its title, in that milestone or naming it.
pub fn find<'a>(ws: &'a Workspace, team: &TeamConfig, m: &Milestone) -> Option<&'a Issue> {
    let needle = team.planning_title.to_lowercase();
    let short = team.short_milestone_title(m);
    ws.issues
        .iter()
        .filter(|i| i.has_label(&team.team_label) && i.title.to_lowercase().contains(&needle))
        .find(|i| {
            i.milestone_id == Some(m.id) || i.title.contains(&m.title) || i.title.contains(short)
        })
}

/// Fill `template` for iteration `next`, coming after `current`. An
/// unknown placeholder is an error naming its line.
pub fn fill(
    template: &str,
    ws: &Workspace,
    team: &TeamConfig,
    next: &Milestone,
    current: Option<&Milestone>,
) -> Result<String, String> {
    let ambiguous = board::ambiguous_iids(ws);
    let link = |i: &Issue| {
        let r = board::short_ref(ws, i, &ambiguous);
        if i.web_url.is_empty() {
            r
        } else {
            format!("[{r}]({})", i.web_url)
        }
    };
    let carried = match current {
        Some(c) => {
            let list: Vec<String> = edit::replan(&ws.issues, team, c.id, next.id, false)
                .into_iter()
                .filter_map(|(id, _)| ws.issue(id))
                .map(|i| {
                    let n = ws.carried_over(team, i);
                    format!(
                        "- {} {}{}",
                        link(i),
                        i.title.replace(['\n', '\r'], " "),
                        if n > 0 {
                            format!(" · ↻{n}")
                        } else {
                            String::new()
                        }
                    )
                })
                .collect();
            if list.is_empty() {
                "Nothing unfinished.".to_owned()
            } else {
                list.join("\n")
            }
        }
        None => "No current iteration.".to_owned(),
    };
    let horizon: Vec<&Milestone> = capacity::and_after(&ws.milestones, team, next, 1);
    let loads = capacity::outlook(ws, team, &horizon);
    let capacity_table = if loads.is_empty() {
        "No capacity configured (`[capacity]` in glboard's config).".to_owned()
    } else {
        let mut t = "| Person | Committed | Capacity |\n|---|---|---|\n".to_owned();
        for p in &loads {
            let l = p.over(1);
            t.push_str(&format!(
                "| `@{}` | {} | {} |\n",
                p.user, l.committed, l.capacity
            ));
        }
        t.trim_end().to_owned()
    };
    let previous = current
        .and_then(|c| find(ws, team, c))
        .map_or("none yet".to_owned(), link);
    let day = |d: Option<chrono::NaiveDate>| d.map_or("(no date)".to_owned(), |d| d.to_string());
    let values: Vec<(&str, String)> = vec![
        ("milestone", next.title.clone()),
        ("start", day(next.start_date)),
        ("due", day(next.due_date)),
        (
            "current",
            current.map_or("the current iteration".to_owned(), |c| c.title.clone()),
        ),
        ("carried_over", carried),
        ("capacity", capacity_table),
        ("previous", previous),
        (
            "summary",
            format!(
                "{BEGIN}\n_The planning summary goes here: `glboard planning summary --write`._\n{END}"
            ),
        ),
    ];
    substitute(template, &values)
}

/// Replace `{name}` by its value; `{{` and `}}` are literal braces.
fn substitute(template: &str, values: &[(&str, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let Some(after) = tail.strip_prefix('}') {
            out.push('}');
            rest = after;
            continue;
        }
        let end = tail.find('}');
        let name = end.map(|e| &tail[1..e]);
        match name {
            Some(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '_') => {
                let Some((_, v)) = values.iter().find(|(k, _)| *k == n) else {
                    let line = template[..template.len() - tail.len()]
                        .matches('\n')
                        .count()
                        + 1;
                    return Err(format!(
                        "line {line}: unknown placeholder {{{n}}} (known: {}; write {{{{ for a brace)",
                        PLACEHOLDERS
                            .iter()
                            .map(|p| format!("{{{p}}}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ));
                };
                out.push_str(v);
                rest = &tail[end.unwrap_or(0) + 1..];
            }
            _ => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::state;

    #[test]
    fn the_built_in_template_is_filled_with_no_placeholder_left() {
        let mut s = state();
        s.team.capacity.insert("ada".into(), 8);
        let cur =
            s.ws.milestone(s.board.iteration.current.unwrap())
                .unwrap()
                .clone();
        let next =
            s.ws.milestone(s.board.iteration.next.unwrap())
                .unwrap()
                .clone();
        let text = fill(BUILT_IN, &s.ws, &s.team, &next, Some(&cur)).unwrap();
        for p in PLACEHOLDERS {
            assert!(!text.contains(&format!("{{{p}}}")), "{p} left in {text}");
        }
        assert!(text.contains(&next.title));
        assert!(text.contains(BEGIN) && text.contains(END));
        assert!(text.contains("| `@ada` |"), "{text}");
        assert!(text.contains(&format!("Unfinished in {}", cur.title)));
    }

    #[test]
    fn a_template_with_an_unknown_placeholder_names_its_line() {
        let s = state();
        let next =
            s.ws.milestone(s.board.iteration.next.unwrap())
                .unwrap()
                .clone();
        let err = fill("a\nb {milstone}\n", &s.ws, &s.team, &next, None).unwrap_err();
        assert!(
            err.starts_with("line 2: unknown placeholder {milstone}"),
            "{err}"
        );
        // Braces that are not placeholders stay.
        let ok = fill("{{x}} {Not} {} {milestone}", &s.ws, &s.team, &next, None).unwrap();
        assert_eq!(ok, format!("{{x}} {{Not}} {{}} {}", next.title));
    }
}
