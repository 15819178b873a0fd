//! "What do I work on next?", in the handbook's order: (A) the priorities
//! of the current iteration's planning issue (its "Priorities" list, else
//! its first list), each with the issues it references; (B) the current
//! iteration's ready lane, in board order, unassigned first, then yours;
//! (C) the top of the backlog. Issues a priority references come first in
//! their group; blocked ones (GitLab's blocked status or the blocked lane)
//! are left out and counted. Pure.

use crate::core::planning;
use serde::Serialize;

use crate::core::domain::board;
use crate::core::domain::model::{
    Issue, IssueId, IssueState, ProjectId, TeamConfig, User, Workspace,
};

/// A reference written in a priority: `#12`, `project#12`,
/// `group/project#12`, or an issue's web address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub project: Option<String>,
    pub iid: u64,
}

/// The references in a line of text.
pub fn references(text: &str) -> Vec<Written> {
    let mut out = Vec::new();
    // Web addresses: .../<path>/-/issues/<iid>
    for part in text.split_whitespace() {
        let part =
            part.trim_matches(|c: char| matches!(c, '(' | ')' | '<' | '>' | '[' | ']' | ',' | '.'));
        if let Some((before, after)) = part.split_once("/-/issues/") {
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            // An address names its project: one without (`https://host/-/issues/7`,
            // `s:+//-/issues/7`) names no issue.
            let path = before
                .split_once("://")
                .map_or(before, |(_, r)| r)
                .split_once('/')
                .map(|(_, p)| p.to_owned())
                .filter(|p| !p.is_empty());
            if let (Some(path), Ok(iid)) = (path, digits.parse()) {
                out.push(Written {
                    project: Some(path),
                    iid,
                });
            }
        }
    }
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices('#') {
        let digits: String = text[at + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let Ok(iid) = digits.parse::<u64>() else {
            continue;
        };
        // What is written before the #, back to a space or a bracket.
        // Past that character, whatever its width in bytes (a no-break
        // space is two).
        let start = text[..at]
            .char_indices()
            .rfind(|(_, c)| c.is_whitespace() || "([<,*_`".contains(*c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let project = &text[start..at];
        // Inside a web address (`.../issues/1#note_2`) or a heading marker.
        if project.contains("://") || (at > 0 && bytes[at - 1] == b'&') {
            continue;
        }
        let project = (!project.is_empty()
            && project
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)))
        .then(|| project.to_owned());
        if !out
            .iter()
            .any(|w: &Written| w.iid == iid && w.project == project)
        {
            out.push(Written { project, iid });
        }
    }
    out
}

/// The list items of a description's "Priorities" section (any heading
/// with that word), else of its first list: each item's text.
pub fn priority_items(description: &str) -> Vec<String> {
    let lines: Vec<&str> = description.lines().collect();
    let heading = |l: &str| l.trim_start().starts_with('#');
    let item = |l: &str| -> Option<String> {
        let t = l.trim_start();
        // Only top-level items: nested ones stay with their parent.
        if l.len() - t.len() > 3 {
            return None;
        }
        for m in ["- [ ] ", "- [x] ", "* [ ] ", "* [x] ", "- ", "* ", "+ "] {
            if let Some(rest) = t.strip_prefix(m) {
                return Some(rest.trim().to_owned());
            }
        }
        let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            let rest = &t[digits.len()..];
            if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
                return Some(r.trim().to_owned());
            }
        }
        None
    };
    let collect = |from: usize| -> Vec<String> {
        let mut out = Vec::new();
        let mut started = false;
        for l in &lines[from..] {
            if heading(l) {
                if started || !out.is_empty() {
                    break;
                }
                continue;
            }
            match item(l) {
                Some(i) if !i.is_empty() => {
                    started = true;
                    out.push(i);
                }
                Some(_) => {}
                // A blank line or prose after the list ends it.
                None if started && !l.trim().is_empty() && !l.starts_with("   ") => break,
                None => {}
            }
        }
        out
    };
    if let Some(at) = lines
        .iter()
        .position(|l| heading(l) && l.to_lowercase().contains("priorit"))
    {
        return collect(at + 1);
    }
    collect(0)
}

/// Why an issue is in a group: a priority, the ready lane, the backlog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Priorities,
    Ready,
    Backlog,
}

/// An issue as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    #[serde(skip)]
    pub issue: IssueId,
    pub reference: String,
    pub title: String,
    pub web_url: String,
    /// Open or closed: `opened` or `closed` in JSON, as GitLab writes it.
    pub state: IssueState,
    pub lane: Option<String>,
    pub assignees: Vec<String>,
    pub milestone: Option<String>,
    pub weight: Option<u32>,
    pub blocked: bool,
    /// Closed, or in the done lane.
    pub finished: bool,
    /// In the doing lane.
    pub doing: bool,
    /// The priority (1-based) that references it.
    pub priority: Option<usize>,
    /// Someone else's open merge request closes it (issue #30): its
    /// mark (`!42 ◌`) and author. `take` leaves such an issue to them.
    pub merge_request: Option<String>,
    pub merge_request_by: Option<String>,
}

impl Item {
    /// Its people as `@a @b`, or `unassigned`.
    pub fn people(&self) -> String {
        self.people_as(|a| format!("@{a}"))
    }

    /// Its people, each written by `one` (a username in), or `unassigned`.
    pub fn people_as(&self, one: impl Fn(&str) -> String) -> String {
        if self.assignees.is_empty() {
            "unassigned".to_owned()
        } else {
            self.assignees
                .iter()
                .map(|a| one(a))
                .collect::<Vec<_>>()
                .join(" ")
        }
    }
}

/// One line of the planning issue's priorities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Priority {
    pub rank: usize,
    pub text: String,
    pub issues: Vec<Item>,
    /// Every issue it names is finished: nothing left to pick there.
    pub done: bool,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Next {
    /// The current iteration's title.
    pub milestone: Option<String>,
    /// Its planning issue, when there is one.
    pub planning_issue: Option<String>,
    pub priorities: Vec<Priority>,
    pub ready: Vec<Item>,
    pub backlog: Vec<Item>,
    /// Blocked issues left out of the ready lane and the backlog.
    pub blocked_left_out: usize,
}

impl Next {
    /// The first suggestion to take: a priority's open issue nobody else
    /// has, else the ready lane's first, else the backlog's.
    pub fn first(&self, me: Option<&User>) -> Option<(&Item, Group)> {
        let mine = |i: &Item| me.is_some_and(|m| i.assignees.contains(&m.username));
        // Open, unblocked, nobody else's, and not what you are doing already.
        let free = |i: &&Item| {
            i.state == IssueState::Opened
                && !i.finished
                && !i.blocked
                && (i.assignees.is_empty() || mine(i))
                && !(i.doing && mine(i))
                && i.lane.is_some()
                && i.merge_request_by.is_none()
        };
        if let Some(i) = self
            .priorities
            .iter()
            .flat_map(|p| p.issues.iter())
            .find(free)
        {
            return Some((i, Group::Priorities));
        }
        if let Some(i) = self.ready.iter().find(free) {
            return Some((i, Group::Ready));
        }
        self.backlog.iter().find(free).map(|i| (i, Group::Backlog))
    }

    /// Every suggestion, in order (a list to pick from).
    pub fn all(&self) -> Vec<(&Item, Group)> {
        let mut out: Vec<(&Item, Group)> = Vec::new();
        for p in &self.priorities {
            for i in &p.issues {
                if !out.iter().any(|(x, _)| x.issue == i.issue) {
                    out.push((i, Group::Priorities));
                }
            }
        }
        out.extend(self.ready.iter().map(|i| (i, Group::Ready)));
        out.extend(self.backlog.iter().map(|i| (i, Group::Backlog)));
        out
    }
}

fn blocked(team: &TeamConfig, i: &Issue) -> bool {
    i.marks.blocked
        || team
            .lanes_of(i)
            .iter()
            .any(|l| l.eq_ignore_ascii_case("blocked"))
}

fn item(
    ws: &Workspace,
    team: &TeamConfig,
    ambiguous: &std::collections::HashSet<u64>,
    i: &Issue,
    priority: Option<usize>,
) -> Item {
    use crate::core::domain::merge_requests as mrs;
    let me = ws.me.as_ref().map_or("", |u| u.username.as_str());
    let closing = mrs::closing(&ws.merge_requests, i.id);
    let theirs = closing
        .iter()
        .find(|m| m.state == mrs::MrState::Opened && !m.author.eq_ignore_ascii_case(me));
    Item {
        issue: i.id,
        reference: board::short_ref(ws, i, ambiguous),
        title: i.title.clone(),
        web_url: i.web_url.clone(),
        state: i.state,
        lane: team.lanes_of(i).first().map(|l| (*l).to_owned()),
        assignees: i.assignees.iter().map(|u| u.username.clone()).collect(),
        milestone: i
            .milestone_id
            .and_then(|m| ws.milestone(m))
            .map(|m| m.title.clone()),
        weight: i.weight,
        blocked: blocked(team, i),
        finished: i.state == IssueState::Closed
            || team.lanes_of(i).contains(&team.done_lane.as_str()),
        doing: team.lanes_of(i).contains(&team.doing_lane.as_str()),
        priority,
        merge_request: theirs.map(|m| mrs::mark_for(m, i.project_id)),
        merge_request_by: theirs.map(|m| m.author.clone()),
    }
}

/// Find a written reference among the cached issues: `#12` is in the
/// planning issue's project (as GitLab reads it), `project#12` a project of
/// that name, `group/project#12` that path.
fn resolve<'a>(ws: &'a Workspace, w: &Written, home: Option<ProjectId>) -> Option<&'a Issue> {
    ws.issues.iter().find(|i| {
        i.iid == w.iid
            && match &w.project {
                None => home.is_none_or(|h| i.project_id == h),
                Some(p) => ws.project(i.project_id).is_some_and(|pr| {
                    pr.path == *p || pr.name() == p || pr.path.ends_with(&format!("/{p}"))
                }),
            }
    })
}

/// The list for `current` (the current iteration), `limit` issues in the
/// ready lane and the backlog each.
pub fn next(ws: &Workspace, team: &TeamConfig, current: Option<u64>, limit: usize) -> Next {
    let ambiguous = board::ambiguous_iids(ws);
    let me = ws.me.as_ref();
    let m = current.and_then(|c| ws.milestone(c));
    let planning = m.and_then(|m| planning::template::find(ws, team, m));
    let mut priorities = Vec::new();
    let mut referenced: Vec<IssueId> = Vec::new();
    if let Some(p) = planning {
        for (n, text) in priority_items(&p.description).into_iter().enumerate() {
            let mut issues = Vec::new();
            for w in references(&text) {
                if let Some(i) = resolve(ws, &w, Some(p.project_id))
                    && i.id != p.id
                    && !issues.iter().any(|x: &Item| x.issue == i.id)
                {
                    referenced.push(i.id);
                    issues.push(item(ws, team, &ambiguous, i, Some(n + 1)));
                }
            }
            let done = !issues.is_empty() && issues.iter().all(|i| i.finished);
            priorities.push(Priority {
                rank: n + 1,
                text,
                issues,
                done,
            });
        }
    }
    let rank = |id: IssueId| -> usize {
        priorities
            .iter()
            .find(|p| p.issues.iter().any(|i| i.issue == id))
            .map_or(usize::MAX, |p| p.rank)
    };
    let mut blocked_left_out = 0;
    let mut pick = |kind: board::BoardKind, keep: &dyn Fn(&Issue) -> bool| -> Vec<Item> {
        let layout = board::layout(
            ws,
            board::BoardSpec {
                kind,
                team,
                milestone: current,
                filter: "",
                sort: board::SortMode::Manual,
            },
        );
        let mut seen = Vec::new();
        let mut list: Vec<&Issue> = Vec::new();
        for c in layout.columns.iter().flat_map(|c| c.cards.iter()) {
            if let Some(i) = c.issue(ws)
                && !seen.contains(&i.id)
                && i.is_open()
                && i.id != planning.map_or(0, |p| p.id)
                && keep(i)
            {
                seen.push(i.id);
                if blocked(team, i) {
                    blocked_left_out += 1;
                } else {
                    list.push(i);
                }
            }
        }
        // Referenced by a priority first (in its order), then the board's.
        list.sort_by_key(|i| rank(i.id));
        list.into_iter()
            .take(limit)
            .map(|i| {
                item(
                    ws,
                    team,
                    &ambiguous,
                    i,
                    (rank(i.id) != usize::MAX).then(|| rank(i.id)),
                )
            })
            .collect()
    };
    let ready_lane = team.ready_lane.clone();
    let mut ready_raw = pick(board::BoardKind::Iteration, &|i: &Issue| {
        team.lanes_of(i).contains(&ready_lane.as_str())
            && (i.assignees.is_empty()
                || me.is_some_and(|m| i.assignees.iter().any(|u| u.id == m.id)))
    });
    // Unassigned first, then yours (a stable sort keeps the board order).
    ready_raw.sort_by_key(|i| (i.priority.unwrap_or(usize::MAX), !i.assignees.is_empty()));
    let backlog = pick(board::BoardKind::Backlog, &|_| true);
    Next {
        milestone: m.map(|m| m.title.clone()),
        planning_issue: planning.map(|p| board::short_ref(ws, p, &ambiguous)),
        priorities,
        ready: ready_raw,
        backlog,
        blocked_left_out,
    }
}

/// Section A's heading when the iteration has no planning issue (`gn` and
/// `glboard next`).
pub const NO_PLANNING_ISSUE: &str = "A. No planning issue for this iteration: no priorities";

/// The blocked issues left out, in words (`gn` and `glboard next`).
pub fn blocked_left_out(n: usize) -> Option<String> {
    (n > 0).then(|| {
        format!(
            "{n} blocked {} left out.",
            if n == 1 { "issue" } else { "issues" }
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::app::screens::detail::DetailScreen;
    use crate::core::app::screens::next::{NextScreen, board_lines};
    use crate::core::testing::{issue, state, user};

    /// The iteration's planning issue (#160) with this description.
    fn planning_issue(milestone: u64, description: &str) -> Issue {
        let mut p = issue(
            60,
            160,
            &["team::Datastores", "workflow-infra::In Progress"],
        );
        p.title = "Datastores team - W45 Iteration Planning".into();
        p.milestone_id = Some(milestone);
        p.description = description.into();
        p
    }

    #[test]
    fn references_are_read_as_gitlab_writes_them() {
        let r = references(
            "Finish #1822 and chef-repo#1889, see gitlab-com/gl-infra/reliability#24427 or https://gitlab.com/a/b/-/issues/7#note_1",
        );
        assert_eq!(
            r,
            vec![
                Written {
                    project: Some("a/b".into()),
                    iid: 7
                },
                Written {
                    project: None,
                    iid: 1822
                },
                Written {
                    project: Some("chef-repo".into()),
                    iid: 1889
                },
                Written {
                    project: Some("gitlab-com/gl-infra/reliability".into()),
                    iid: 24427
                },
            ]
        );
        assert!(
            references("## Heading, no refs & #1 x".replace("& #1", "&#1").as_str()).is_empty()
        );
    }

    #[test]
    fn a_multi_byte_space_before_a_reference_is_a_space() {
        // A no-break space, an em space, an ideographic space: GitLab's
        // editor writes the first after a colon in French text.
        for space in ['\u{a0}', '\u{2003}', '\u{3000}'] {
            let text = format!("Priorité{space}#12 et{space}chef-repo#13");
            assert_eq!(
                references(&text),
                vec![
                    Written {
                        project: None,
                        iid: 12
                    },
                    Written {
                        project: Some("chef-repo".into()),
                        iid: 13
                    },
                ],
                "{text:?}"
            );
        }
        // An address with no project names no issue (found by the
        // `priorities` fuzz target: it was a reference to project "").
        for text in ["https://gitlab.com/-/issues/7", "s:+//-/issues/7"] {
            assert!(
                references(text)
                    .iter()
                    .all(|w| w.project.as_deref() != Some("")),
                "{text}"
            );
            assert!(!references(text).iter().any(|w| w.iid == 7), "{text}");
        }
        let d = "## Priorities\n\n1. Fix\u{a0}#12 first\n2. Then\u{3000}#13 second\n";
        let items = priority_items(d);
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(items.iter().all(|i| !references(i).is_empty()), "{items:?}");
    }

    #[test]
    fn the_priorities_section_or_else_the_first_list() {
        let d = "Intro\n\n- not this\n\n## Priorities\n\nIn order:\n\n1. #12 first\n2. #13 second\n   detail of it\n3) third\n\n## Notes\n- no";
        assert_eq!(priority_items(d), vec!["#12 first", "#13 second", "third"]);
        let d = "Some text\n\n* [ ] #5 one\n* [x] #6 two\n\nMore.";
        assert_eq!(priority_items(d), vec!["#5 one", "#6 two"]);
        assert!(priority_items("nothing listed").is_empty());
    }

    #[test]
    fn priorities_then_ready_then_backlog_blocked_left_out() {
        let mut s = state();
        let cur = s.board.iteration.current.unwrap();
        let me = user(7, "zoe", "Zoë");
        s.ws.me = Some(me.clone());
        // Ready: 100, 102, 104; make 102 mine, 104 blocked.
        for i in s.ws.issues.iter_mut() {
            if i.iid == 102 {
                i.assignees = vec![me.clone()];
            }
            if i.iid == 104 {
                i.marks.blocked = true;
            }
        }
        // The planning issue lists 101 (In Progress) and the backlog's 150.
        s.ws.issues.push(planning_issue(
            cur,
            "## Priorities\n1. #101 the upgrade\n2. #150 from the backlog\n3. #999 gone",
        ));
        let n = next(&s.ws, &s.team, Some(cur), 5);
        assert_eq!(n.planning_issue.as_deref(), Some("#160"));
        assert_eq!(n.priorities.len(), 3);
        assert_eq!(n.priorities[0].issues[0].reference, "#101");
        assert!(
            n.priorities[2].issues.is_empty(),
            "a reference to nothing known"
        );
        let ready: Vec<&str> = n.ready.iter().map(|i| i.reference.as_str()).collect();
        assert_eq!(
            ready,
            vec!["#100", "#102"],
            "unassigned first, then mine; blocked out"
        );
        assert_eq!(n.blocked_left_out, 1);
        // gn says it as `glboard next` does.
        s.ws.me = Some(me.clone());
        let lines = board_lines(&s, 0);
        assert_eq!(
            lines.last().map(String::as_str),
            Some("1 blocked issue left out."),
            "{lines:?}"
        );
        // The backlog's referenced issue comes first there.
        assert_eq!(n.backlog[0].reference, "#150");
        assert_eq!(n.backlog[0].priority, Some(2));
        // The first to take: the first priority's issue, nobody else's.
        let (first, group) = n.first(Some(&me)).unwrap();
        assert_eq!(
            (first.reference.as_str(), group),
            ("#101", Group::Priorities)
        );
    }

    #[test]
    fn someone_elses_open_merge_request_marks_the_issue_and_take_skips_it() {
        use crate::core::domain::merge_requests::{MergeRequest, MrState};
        let mut s = state();
        let cur = s.board.iteration.current.unwrap();
        let me = user(7, "zoe", "Zoë");
        s.ws.me = Some(me.clone());
        let id_of = |s: &crate::core::app::state::AppState, iid| {
            s.ws.issues.iter().find(|i| i.iid == iid).unwrap().id
        };
        let mr = |iid: u64, author: &str, state: MrState, closes| MergeRequest {
            id: iid,
            project_id: 1,
            iid,
            reference: format!("grp/alpha!{iid}"),
            title: "fix".into(),
            author: author.into(),
            reviewers: vec![],
            state,
            draft: false,
            pipeline: Some("running".into()),
            pipeline_id: None,
            pipeline_updated_at: None,
            sha: None,
            approved: false,
            web_url: String::new(),
            closes: vec![closes],
            updated_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        };
        // #100 (the first ready) has ben's open merge request; #102 a
        // merged one of ben's and an open one of mine.
        let (a, b) = (id_of(&s, 100), id_of(&s, 102));
        s.ws.merge_requests = vec![
            mr(1, "ben", MrState::Opened, a),
            mr(2, "ben", MrState::Merged, b),
            mr(3, "zoe", MrState::Opened, b),
        ];
        let n = next(&s.ws, &s.team, Some(cur), 5);
        let hundred = n.ready.iter().find(|i| i.reference == "#100").unwrap();
        assert_eq!(hundred.merge_request.as_deref(), Some("!1 ◌"));
        assert_eq!(hundred.merge_request_by.as_deref(), Some("ben"));
        let other = n.ready.iter().find(|i| i.reference == "#102").unwrap();
        assert_eq!(other.merge_request_by, None, "merged, or mine");
        let (first, _) = n.first(Some(&me)).unwrap();
        assert_ne!(first.reference, "#100", "left to ben");
        // gn says so too.
        let lines = board_lines(&s, 0);
        assert!(
            lines
                .iter()
                .any(|l| l.contains("#100") && l.contains("!1 ◌ by @ben")),
            "{lines:#?}"
        );
    }

    #[test]
    fn the_boards_list_takes_the_selected_suggestion_as_t_does() {
        let mut s = state();
        crate::core::testing::keys(&mut s, "gn");
        assert!(matches!(
            s.focus.mode,
            crate::core::app::screens::Mode::Next(NextScreen { cursor: 0 })
        ));
        let lines = board_lines(&s, 0);
        // Section A says there is no planning issue, as `glboard next` does.
        assert_eq!(lines[0], NO_PLANNING_ISSUE, "{lines:?}");
        assert!(lines[2].starts_with("B. Ready"), "{lines:?}");
        let fx = crate::core::testing::keys(&mut s, "jt");
        let c = crate::core::testing::enqueued(&fx);
        assert_eq!(c.len(), 1);
        assert_eq!(
            s.ws.issue(c[0].issue).unwrap().iid,
            102,
            "the second suggestion"
        );
        assert!(
            c[0].edit
                .add_labels
                .contains(&"workflow-infra::In Progress".to_owned())
        );
    }

    #[test]
    fn an_issue_opened_from_gn_loads_its_comments_as_from_a_card() {
        let mut s = state();
        s.session.sync.enabled = true;
        crate::core::testing::keys(&mut s, "gn");
        let fx = crate::core::testing::keys(&mut s, "<Enter>");
        let crate::core::app::screens::Mode::Detail(DetailScreen { issue, .. }) = s.focus.mode
        else {
            panic!("{:?}", s.focus.mode);
        };
        assert!(
            fx.iter().any(|e| matches!(
                e,
                crate::core::app::action::Effect::LoadNotes { issue: i, .. } if *i == issue
            )),
            "{fx:?}"
        );
    }

    #[test]
    fn closed_and_other_iteration_issues_in_the_priorities() {
        let mut s = state();
        let cur = s.board.iteration.current.unwrap();
        // 100 closed; 150 (the backlog, no milestone) another iteration's.
        for i in s.ws.issues.iter_mut() {
            if i.iid == 100 {
                i.state = crate::core::domain::model::IssueState::Closed;
            }
        }
        s.ws.issues.push(planning_issue(
            cur,
            "Priorities, no heading:\n\n- #100 shipped\n- #150 next one\n",
        ));
        let n = next(&s.ws, &s.team, Some(cur), 5);
        assert_eq!(n.priorities.len(), 2);
        assert!(
            n.priorities[0].done,
            "a closed issue's priority has no work left"
        );
        assert_eq!(n.priorities[0].issues[0].state, IssueState::Closed);
        assert!(!n.priorities[1].done);
        assert_eq!(n.priorities[1].issues[0].milestone, None);
        // The closed one is never the one to take; the backlog's is.
        let (first, group) = n.first(s.ws.me.as_ref()).unwrap();
        assert_eq!(
            (first.reference.as_str(), group),
            ("#150", Group::Priorities)
        );
    }

    #[test]
    fn without_a_planning_issue_the_ready_lane_leads() {
        let s = state();
        let n = next(&s.ws, &s.team, s.board.iteration.current, 5);
        assert!(n.planning_issue.is_none() && n.priorities.is_empty());
        let (first, group) = n.first(s.ws.me.as_ref()).unwrap();
        assert_eq!(group, Group::Ready);
        assert_eq!(first.reference, "#100");
    }
}
