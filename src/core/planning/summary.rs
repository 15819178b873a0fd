//! The planning summary of an iteration, as the lead writes it on Friday
//! into the Iteration Planning issue: its committed issues by lane and by
//! person with weights, each person's capacity for the next 2, 4 and 6
//! weeks against what is committed in those iterations, carry-overs, what
//! the last re-plan brought in, and what still needs a weight or an
//! assignee. Markdown for GitLab (between markers, so the rest of the
//! description stays the team's), JSON for scripts. Pure.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::core::domain::board;
use crate::core::domain::capacity::{self, Load};
use crate::core::domain::model::{
    Issue, IssueState, Milestone, MilestoneId, TeamConfig, Workspace,
};

/// The markers of the summary's block in the planning issue's
/// description: the planning issue's template writes them, so they are
/// the template's.
pub use crate::core::planning::template::{BEGIN, END};

/// An issue as the summary lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// `#1883`, or `chef-repo#1889` when the iid alone is ambiguous.
    pub reference: String,
    pub title: String,
    pub web_url: String,
    pub weight: Option<u32>,
    pub assignees: Vec<String>,
    /// Its lane (`Closed` for a closed issue; `null` with no lane).
    pub lane: Option<String>,
    /// Iterations it was carried over from (↻).
    pub carried_over: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub name: String,
    pub weight: u32,
    pub issues: Vec<Item>,
}

/// A person's committed weight against capacity over 2, 4 and 6 weeks
/// (this iteration, and the next one and two after it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outlook {
    pub user: String,
    pub two_weeks: Load,
    pub four_weeks: Load,
    pub six_weeks: Load,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub milestone: String,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    /// The iterations the 2, 4 and 6 weeks cover (fewer when not made yet).
    pub horizon: Vec<String>,
    pub issues: usize,
    pub weight: u32,
    pub capacity: u32,
    pub by_lane: Vec<Group>,
    pub by_person: Vec<Group>,
    pub outlook: Vec<Outlook>,
    pub carried_over: Vec<Item>,
    /// Brought in from the previous iteration (the last re-plan).
    pub replanned_from: Option<String>,
    pub replanned: Vec<Item>,
    pub no_weight: Vec<Item>,
    pub no_assignee: Vec<Item>,
    /// How the previous iteration went and the velocity of the last six
    /// (issue #29), when GitLab's events could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<crate::core::domain::insights::PastFigures>,
}

fn item(ws: &Workspace, team: &TeamConfig, ambiguous: &HashSet<u64>, i: &Issue) -> Item {
    Item {
        reference: board::short_ref(ws, i, ambiguous),
        title: i.title.clone(),
        web_url: i.web_url.clone(),
        weight: i.weight,
        assignees: i.assignees.iter().map(|u| u.username.clone()).collect(),
        lane: if i.state == IssueState::Closed {
            Some("Closed".into())
        } else {
            team.lanes_of(i).first().map(|l| (*l).to_owned())
        },
        carried_over: ws.carried_over(team, i),
    }
}

/// The team iteration before `m` (by start date).
pub fn previous<'a>(ws: &'a Workspace, team: &TeamConfig, m: &Milestone) -> Option<&'a Milestone> {
    ws.milestones
        .iter()
        .filter(|x| {
            team.is_team_milestone(x)
                && x.id != m.id
                && x.start_date.zip(m.start_date).is_some_and(|(a, b)| a < b)
        })
        .max_by_key(|x| x.start_date)
}

/// The summary of iteration `milestone`.
pub fn summary(ws: &Workspace, team: &TeamConfig, milestone: MilestoneId) -> Option<Summary> {
    let m = ws.milestone(milestone)?;
    let ambiguous = board::ambiguous_iids(ws);
    // The planning issue is where the summary goes, not planned work.
    let planning = crate::core::planning::template::find(ws, team, m).map(|i| i.id);
    let mut issues: Vec<&Issue> = ws
        .issues
        .iter()
        .filter(|i| i.milestone_id == Some(milestone) && i.has_label(&team.team_label))
        .filter(|i| i.iid != 0 && Some(i.id) != planning)
        .collect();
    issues.sort_by_key(|i| (i.position, i.id));
    let items: Vec<(&Issue, Item)> = issues
        .iter()
        .map(|i| (*i, item(ws, team, &ambiguous, i)))
        .collect();

    // By lane, in the board's order; closed last.
    let mut by_lane: Vec<Group> = Vec::new();
    let lane_names: Vec<String> = team
        .lanes
        .iter()
        .cloned()
        .chain(std::iter::once("Closed".to_owned()))
        .collect();
    for name in &lane_names {
        let list: Vec<Item> = items
            .iter()
            .filter(|(_, it)| it.lane.as_deref() == Some(name.as_str()))
            .map(|(_, it)| it.clone())
            .collect();
        if !list.is_empty() {
            by_lane.push(group(name.clone(), list));
        }
    }
    let stray: Vec<Item> = items
        .iter()
        .filter(|(_, it)| it.lane.as_ref().is_none_or(|l| !lane_names.contains(l)))
        .map(|(_, it)| it.clone())
        .collect();
    if !stray.is_empty() {
        by_lane.push(group("no known lane".into(), stray));
    }

    // By person (an issue with two assignees is in both).
    let mut people: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for (_, it) in &items {
        for a in &it.assignees {
            people.entry(a.clone()).or_default().push(it.clone());
        }
    }
    let by_person: Vec<Group> = people
        .into_iter()
        .map(|(user, list)| group(format!("@{user}"), list))
        .collect();

    let horizon = capacity::and_after(&ws.milestones, team, m, 3);
    let outlook = capacity::outlook(ws, team, &horizon)
        .into_iter()
        .map(|p| Outlook {
            two_weeks: p.over(1),
            four_weeks: p.over(2),
            six_weeks: p.over(3),
            user: p.user,
        })
        .collect();

    let prev = previous(ws, team, m);
    let replanned: Vec<Item> = match prev {
        Some(p) => items
            .iter()
            .filter(|(i, _)| {
                ws.history.get(&i.id).is_some_and(|h| {
                    h.iter()
                        .position(|x| *x == p.id)
                        .is_some_and(|at| h[at + 1..].contains(&milestone))
                })
            })
            .map(|(_, it)| it.clone())
            .collect(),
        None => Vec::new(),
    };
    let open = |it: &&(&Issue, Item)| it.0.is_open();
    Some(Summary {
        milestone: m.title.clone(),
        start_date: m.start_date,
        due_date: m.due_date,
        horizon: horizon.iter().map(|h| h.title.clone()).collect(),
        issues: items.len(),
        weight: items.iter().map(|(_, it)| it.weight.unwrap_or(0)).sum(),
        capacity: capacity::team_capacity_in(team, m),
        by_lane,
        by_person,
        outlook,
        carried_over: items
            .iter()
            .filter(|(_, it)| it.carried_over > 0)
            .map(|(_, it)| it.clone())
            .collect(),
        replanned_from: prev
            .filter(|_| !replanned.is_empty())
            .map(|p| p.title.clone()),
        replanned,
        no_weight: items
            .iter()
            .filter(open)
            .filter(|(_, it)| it.weight.is_none())
            .map(|(_, it)| it.clone())
            .collect(),
        no_assignee: items
            .iter()
            .filter(open)
            .filter(|(_, it)| it.assignees.is_empty())
            .map(|(_, it)| it.clone())
            .collect(),
        previous: None,
    })
}

/// The previous iteration's figures and the velocity, beside the capacity.
fn past(p: &crate::core::domain::insights::PastFigures, capacity: u32) -> String {
    let f =
        |f: &crate::core::domain::insights::Figure| format!("{} (weight {})", f.issues, f.weight);
    let say_do = p.say_do.map_or_else(
        || "none committed".to_owned(),
        |x| format!("{:.0}%", x * 100.0),
    );
    let velocity = p
        .velocity
        .map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"));
    let against = if capacity > 0 {
        format!(", against a capacity of {capacity} here")
    } else {
        String::new()
    };
    format!(
        "### How {} went\n\n| Committed | Added | Removed | Done | Carried over | Say/do |\n|---:|---:|---:|---:|---:|---:|\n| {} | {} | {} | {} | {} | {say_do} |\n\nVelocity: **{velocity}** (the mean done weight of the last {} iterations){against}.\n\n",
        cell(&p.milestone),
        f(&p.committed),
        f(&p.added),
        f(&p.removed),
        f(&p.done),
        f(&p.carried_over),
        p.velocity_iterations
    )
}

fn group(name: String, issues: Vec<Item>) -> Group {
    Group {
        weight: issues.iter().map(|i| i.weight.unwrap_or(0)).sum(),
        name,
        issues,
    }
}

/// Text safe inside a Markdown table cell or list item.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn link(it: &Item) -> String {
    if it.web_url.is_empty() {
        it.reference.clone()
    } else {
        format!("[{}]({})", it.reference, it.web_url)
    }
}

fn line(it: &Item) -> String {
    let mut s = format!("{} {}", link(it), cell(&it.title));
    if let Some(w) = it.weight {
        s.push_str(&format!(" · weight {w}"));
    }
    if !it.assignees.is_empty() {
        let names: Vec<String> = it.assignees.iter().map(|a| format!("@{a}")).collect();
        // Backticks: a summary must not notify everyone it names.
        s.push_str(&format!(" · `{}`", names.join(" ")));
    }
    if it.carried_over > 0 {
        s.push_str(&format!(" · ↻{}", it.carried_over));
    }
    s
}

fn load(l: Load) -> String {
    if l.capacity == 0 {
        format!("{}/–", l.committed)
    } else if l.committed > l.capacity {
        format!("**{}/{}**", l.committed, l.capacity)
    } else {
        format!("{}/{}", l.committed, l.capacity)
    }
}

/// The summary as Markdown, between its markers; `today` says when.
pub fn markdown(s: &Summary, today: NaiveDate) -> String {
    let mut out = String::new();
    let dates = match (s.start_date, s.due_date) {
        (Some(a), Some(b)) => format!(" ({} → {})", a.format("%b %-d"), b.format("%b %-d")),
        _ => String::new(),
    };
    out.push_str(BEGIN);
    out.push('\n');
    out.push_str(&format!("## Planning summary: {}{dates}\n\n", s.milestone));
    out.push_str(&format!(
        "_Written by glboard on {today}: this part is replaced when the summary is written again; write around it._\n\n"
    ));
    out.push_str(&format!(
        "**{} issues, weight {}{}.**\n\n",
        s.issues,
        s.weight,
        if s.capacity > 0 {
            format!(" of a capacity of {}", s.capacity)
        } else {
            String::new()
        }
    ));
    if let Some(p) = &s.previous {
        out.push_str(&past(p, s.capacity));
    }
    out.push_str("### Committed, by lane\n\n");
    if s.by_lane.is_empty() {
        out.push_str("Nothing yet.\n\n");
    }
    for g in &s.by_lane {
        out.push_str(&format!(
            "- **{}** ({}, weight {})\n",
            cell(&g.name),
            g.issues.len(),
            g.weight
        ));
        for it in &g.issues {
            out.push_str(&format!("  - {}\n", line(it)));
        }
    }
    if !s.by_lane.is_empty() {
        out.push('\n');
    }
    out.push_str("### By person: committed / capacity\n\n");
    let cols: Vec<String> = ["2 weeks", "4 weeks", "6 weeks"]
        .iter()
        .take(s.horizon.len().max(1))
        .map(|c| (*c).to_owned())
        .collect();
    out.push_str(&format!(
        "| Person | Issues here | {} |\n|---|---|{}\n",
        cols.join(" | "),
        "---|".repeat(cols.len())
    ));
    for o in &s.outlook {
        let here = s
            .by_person
            .iter()
            .find(|g| g.name == format!("@{}", o.user))
            .map_or(0, |g| g.issues.len());
        let loads = [o.two_weeks, o.four_weeks, o.six_weeks];
        let shown: Vec<String> = loads.iter().take(cols.len()).map(|l| load(*l)).collect();
        out.push_str(&format!(
            "| `@{}` | {here} | {} |\n",
            cell(&o.user),
            shown.join(" | ")
        ));
    }
    out.push_str(&format!(
        "\nOver {}.\n\n",
        s.horizon
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let list = |out: &mut String, title: &str, items: &[Item]| {
        if items.is_empty() {
            return;
        }
        out.push_str(&format!("### {title}\n\n"));
        for it in items {
            out.push_str(&format!("- {}\n", line(it)));
        }
        out.push('\n');
    };
    list(&mut out, "Carried over", &s.carried_over);
    if let Some(from) = &s.replanned_from {
        list(
            &mut out,
            &format!("Re-planned from {}", cell(from)),
            &s.replanned,
        );
    }
    list(&mut out, "Needs a weight", &s.no_weight);
    list(&mut out, "Needs an assignee", &s.no_assignee);
    out.push_str(END);
    out
}

/// `description` with the summary block replaced (or added at the end),
/// everything else as the team wrote it.
pub fn splice(description: &str, block: &str) -> String {
    if let Some(a) = description.find(BEGIN)
        && let Some(b) = description[a..].find(END).map(|b| a + b + END.len())
    {
        return format!("{}{block}{}", &description[..a], &description[b..]);
    }
    let base = description.trim_end();
    if base.is_empty() {
        block.to_owned()
    } else {
        format!("{base}\n\n{block}\n")
    }
}

/// What a planning summary's write is called (the problems panel, the
/// queue, `glboard pending`): what it will do, not "written" before it is.
pub fn change_summary(name: &str) -> String {
    format!("{name}: write the planning summary")
}

/// The summary block a description change writes, if it writes one.
fn block_of(text: &str) -> Option<&str> {
    let b = text.rfind(END)? + END.len();
    let a = text[..b].rfind(BEGIN)?;
    Some(&text[a..b])
}

/// A retry of a planning summary's write (after a conflict: the team
/// edited the issue meanwhile): the same block written over the issue's
/// text as GitLab has it now, the team's edits kept, so the retry does not
/// make the same conflict again. `false` (nothing changed) for any other
/// change.
pub fn write_again_over(change: &mut crate::core::domain::edit::Change, now: &Issue) -> bool {
    let Some(d) = change.edit.description.as_mut() else {
        return false;
    };
    let Some(block) = block_of(&d.text).map(str::to_owned) else {
        return false;
    };
    d.text = splice(now.raw_description(), &block);
    d.before = now.raw_description().to_owned();
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::state;

    #[test]
    fn a_summary_retried_is_written_over_gitlabs_text_as_it_is_now() {
        use crate::core::domain::edit::{Change, DescriptionEdit, Edit};
        let block = format!("{BEGIN}\nnew figures\n{END}");
        let was = format!("Priorities:\n1. #12\n\n{BEGIN}\nold\n{END}\n");
        let mut c = Change {
            edit: Edit {
                description: Some(DescriptionEdit {
                    text: splice(&was, &block),
                    before: was.clone(),
                }),
                ..Edit::default()
            },
            ..Change::default()
        };
        // The team added a priority meanwhile: kept, the block written again.
        let mut now = crate::core::testing::issue(1, 1, &[]);
        now.description = format!("Priorities:\n1. #12\n2. #13\n\n{BEGIN}\nold\n{END}\n");
        assert!(write_again_over(&mut c, &now));
        let d = c.edit.description.as_ref().unwrap();
        assert_eq!(d.before, now.raw_description());
        assert_eq!(d.text, format!("Priorities:\n1. #12\n2. #13\n\n{block}\n"));
        // Any other description change is retried as it was.
        let mut other = Change {
            edit: Edit {
                description: Some(DescriptionEdit {
                    text: "mine".into(),
                    before: "theirs".into(),
                }),
                ..Edit::default()
            },
            ..Change::default()
        };
        assert!(!write_again_over(&mut other, &now));
        assert_eq!(other.edit.description.as_ref().unwrap().before, "theirs");
        assert_eq!(change_summary("#7"), "#7: write the planning summary");
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_summary_keeps_what_the_team_wrote_around_it() {
        let block = format!("{BEGIN}\nnew\n{END}");
        let d = format!("Priorities:\n1. this\n\n{BEGIN}\nold\n{END}\n\nNotes after.");
        assert_eq!(
            splice(&d, &block),
            format!("Priorities:\n1. this\n\n{BEGIN}\nnew\n{END}\n\nNotes after.")
        );
        // No markers yet: added at the end.
        assert_eq!(
            splice("Priorities: x\n", &block),
            format!("Priorities: x\n\n{block}\n")
        );
        assert_eq!(splice("", &block), block);
        // A lone begin marker is the team's text: kept, block added.
        let lone = format!("a {BEGIN} b");
        assert!(splice(&lone, &block).starts_with(&lone));
    }

    #[test]
    fn the_summary_lists_lanes_people_capacity_and_what_needs_attention() {
        let mut s = state();
        let m = s.board.milestone.unwrap();
        s.team.capacity.insert("ada".into(), 10);
        for i in s.ws.issues.iter_mut() {
            if i.milestone_id == Some(m) {
                i.weight = Some(3);
            }
        }
        let first =
            s.ws.issues
                .iter_mut()
                .find(|i| i.milestone_id == Some(m))
                .unwrap();
        first.weight = None;
        let sum = summary(&s.ws, &s.team, m).unwrap();
        assert!(sum.issues > 0);
        assert_eq!(
            sum.by_lane.iter().map(|g| g.issues.len()).sum::<usize>(),
            sum.issues,
            "every issue in one lane group"
        );
        assert_eq!(sum.no_weight.len(), 1);
        assert!(sum.outlook.iter().any(|o| o.user == "ada"));
        let md = markdown(&sum, day("2026-12-04"));
        assert!(md.starts_with(BEGIN) && md.ends_with(END));
        assert!(md.contains("### Committed, by lane"));
        assert!(md.contains("### Needs a weight"));
        assert!(md.contains("| Person |"));
        // People are named without notifying them.
        assert!(!md.contains(" @ada"), "{md}");
    }

    #[test]
    fn the_planning_issue_is_not_counted_in_its_own_summary() {
        let mut s = state();
        let m = s.board.milestone.unwrap();
        let before = summary(&s.ws, &s.team, m).unwrap();
        let title = s.ws.milestone(m).unwrap().title.clone();
        let mut planning =
            s.ws.issues
                .iter()
                .find(|i| i.milestone_id == Some(m))
                .unwrap()
                .clone();
        planning.id = 999_999;
        planning.iid = 99_999;
        planning.weight = Some(1);
        planning.title = format!("{title} {}", s.team.planning_title);
        s.ws.issues.push(planning);
        let after = summary(&s.ws, &s.team, m).unwrap();
        assert_eq!(after.issues, before.issues);
        assert_eq!(after.weight, before.weight);
        let md = markdown(&after, day("2026-12-04"));
        assert!(!md.contains("99999"), "{md}");
    }
}
