//! Board layout: which issue goes in which column, in which order, with
//! counts and weight sums. A pure function of the workspace, the team's
//! configuration, the shown milestone, the filter and the sort mode.

use std::collections::{HashMap, HashSet};

use crate::core::domain::model::{
    Issue, IssueId, IssueState, MilestoneId, ProjectId, TeamConfig, Workspace,
};

/// The two boards the team uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoardKind {
    /// Open team issues in the backlog lane, and the ready lane's issues
    /// that no milestone holds (GitLab's backlog board lists Ready too).
    Backlog,
    /// One milestone's team issues, a column per lane plus Open and Closed.
    Iteration,
    /// Planning mode: the backlog and the iteration's open issues side by side.
    Planning,
}

impl BoardKind {
    pub fn title(self) -> &'static str {
        match self {
            BoardKind::Backlog => "Backlog",
            BoardKind::Iteration => "Iteration",
            BoardKind::Planning => "Planning",
        }
    }

    pub fn index(self) -> usize {
        match self {
            BoardKind::Backlog => 0,
            BoardKind::Iteration => 1,
            BoardKind::Planning => 2,
        }
    }
}

/// How cards are ordered within a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortMode {
    /// GitLab's manual board order (relative position).
    #[default]
    Manual,
    /// `priority::1..4` first, unprioritised last, then manual order.
    Priority,
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnKind {
    /// Open issues with no (configured) lane label.
    Open,
    /// Open issues with this lane label (the lane name, without the scope).
    Lane(String),
    /// Closed issues.
    Closed,
    /// Every open issue of the milestone, whatever its lane (planning mode).
    Iteration,
}

/// Why a card deserves attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    /// No lane label at all.
    pub no_lane: bool,
    /// More than one lane label: the card shows in each of their columns.
    pub multi_lane: bool,
    /// A lane label whose lane is not configured.
    pub unknown_lane: bool,
}

impl Flags {
    pub fn any(self) -> bool {
        self.no_lane || self.multi_lane || self.unknown_lane
    }

    /// Short human description, e.g. for the detail pane.
    pub fn describe(self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.no_lane {
            v.push("no lane label");
        }
        if self.multi_lane {
            v.push("several lane labels");
        }
        if self.unknown_lane {
            v.push("lane label not in the configured lanes");
        }
        v
    }
}

/// One card: its issue, and its flags.
///
/// The board is laid out again whenever the issues change, but
/// `Workspace::issues` is a plain list that can be pushed to, retained or
/// replaced before the next re-layout. So a card
/// keeps its issue's id, with the issue's index at layout time only as a
/// hint: [`Card::issue`] checks the hint against the id and falls back to
/// a lookup by id. A card read against a changed list finds its own issue,
/// or none when it is gone: never another issue, never out of bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Card {
    /// The issue's index in `Workspace::issues` when laid out (a hint).
    index: usize,
    /// The issue's id.
    pub id: IssueId,
    pub flags: Flags,
}

impl Card {
    /// The card's issue in `ws`: where it was laid out when the list has
    /// not changed since (the usual case, O(1)), else found by id; `None`
    /// when it is no longer there.
    pub fn issue<'a>(&self, ws: &'a Workspace) -> Option<&'a Issue> {
        match ws.issues.get(self.index) {
            Some(i) if i.id == self.id => Some(i),
            _ => ws.issue(self.id),
        }
    }
}

/// One column of the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub kind: ColumnKind,
    pub title: String,
    pub cards: Vec<Card>,
    /// Sum of the cards' weights (issues without weight count 0).
    pub weight: u32,
}

/// A laid-out board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardLayout {
    pub kind: BoardKind,
    pub columns: Vec<Column>,
}

impl BoardLayout {
    pub fn card_count(&self) -> usize {
        self.columns.iter().map(|c| c.cards.len()).sum()
    }

    /// The issues shown and their weight, each issue once (an issue with
    /// two lane labels has a card in each of their columns).
    ///
    /// The header shows it on every frame: issues are told apart by their
    /// place in `ws` (a bit each), by id only for a card laid out from
    /// another workspace.
    pub fn issues_and_weight(&self, ws: &Workspace) -> (usize, u32) {
        let mut at = vec![false; ws.issues.len()];
        let mut elsewhere = std::collections::HashSet::new();
        let (mut issues, mut weight) = (0, 0);
        for card in self.columns.iter().flat_map(|c| &c.cards) {
            let first = match ws.issues.get(card.index) {
                Some(i) if i.id == card.id => !std::mem::replace(&mut at[card.index], true),
                _ => elsewhere.insert(card.id),
            };
            if first {
                issues += 1;
                weight += card.issue(ws).and_then(|i| i.weight).unwrap_or(0);
            }
        }
        (issues, weight)
    }
}

/// What to lay out.
#[derive(Debug, Clone, Copy)]
pub struct BoardSpec<'a> {
    pub kind: BoardKind,
    pub team: &'a TeamConfig,
    /// The iteration board's milestone (ignored by the backlog).
    pub milestone: Option<MilestoneId>,
    /// Lower-cased filter text; empty shows everything.
    pub filter: &'a str,
    pub sort: SortMode,
}

/// Flags of an issue given the team's lanes.
pub fn flags(team: &TeamConfig, issue: &Issue) -> Flags {
    let lanes = team.lanes_of(issue);
    let known = lanes
        .iter()
        .filter(|l| team.lanes.iter().any(|c| c == *l))
        .count();
    Flags {
        no_lane: lanes.is_empty(),
        multi_lane: lanes.len() > 1,
        unknown_lane: known < lanes.len(),
    }
}

/// Whether an issue matches a lower-cased filter: every word must be found in
/// the title, a label, an assignee's username or name, or the reference.
pub fn matches_filter(issue: &Issue, filter: &str) -> bool {
    if filter.is_empty() {
        return true;
    }
    let title = issue.title.to_lowercase();
    filter.split_whitespace().all(|word| {
        let word = word.trim_start_matches('@');
        title.contains(word)
            || issue.labels.iter().any(|l| l.to_lowercase().contains(word))
            || issue.assignees.iter().any(|u| {
                u.username.to_lowercase().contains(word) || u.name.to_lowercase().contains(word)
            })
            || word
                .strip_prefix('#')
                .is_some_and(|n| issue.iid.to_string().starts_with(n) && !n.is_empty())
    })
}

/// What the backlog board's ready column says of its cards: no iteration
/// holds them yet.
pub const UNPLANNED: &str = ", no milestone";

/// Whether an open team issue is on neither board: in a lane past the
/// ready lane (or several, none of them the backlog or ready lane) with
/// no milestone, so no iteration board holds it and the backlog does not.
pub fn on_no_board(team: &TeamConfig, issue: &Issue) -> bool {
    if issue.iid == 0
        || issue.milestone_id.is_some()
        || issue.state != IssueState::Opened
        || !issue.has_label(&team.team_label)
    {
        return false;
    }
    let lanes = team.lanes_of(issue);
    let known = lanes.iter().any(|l| team.lanes.iter().any(|c| c == *l));
    known
        && !lanes
            .iter()
            .any(|l| *l == team.backlog_lane || *l == team.ready_lane)
}

/// Lay out a board.
pub fn layout(ws: &Workspace, spec: BoardSpec<'_>) -> BoardLayout {
    let team = spec.team;
    let mut columns: Vec<Column> = match spec.kind {
        BoardKind::Backlog => {
            let mut v = vec![Column {
                kind: ColumnKind::Lane(team.backlog_lane.clone()),
                title: team.backlog_lane.clone(),
                cards: Vec::new(),
                weight: 0,
            }];
            if team.ready_lane != team.backlog_lane {
                v.push(Column {
                    kind: ColumnKind::Lane(team.ready_lane.clone()),
                    title: format!("{}{}", team.ready_lane, UNPLANNED),
                    cards: Vec::new(),
                    weight: 0,
                });
            }
            v
        }
        BoardKind::Iteration => {
            let mut v = vec![Column {
                kind: ColumnKind::Open,
                title: "Open".into(),
                cards: Vec::new(),
                weight: 0,
            }];
            v.extend(team.lanes.iter().map(|l| Column {
                kind: ColumnKind::Lane(l.clone()),
                title: l.clone(),
                cards: Vec::new(),
                weight: 0,
            }));
            v.push(Column {
                kind: ColumnKind::Closed,
                title: "Closed".into(),
                cards: Vec::new(),
                weight: 0,
            });
            v
        }
        BoardKind::Planning => vec![
            Column {
                kind: ColumnKind::Lane(team.backlog_lane.clone()),
                title: team.backlog_lane.clone(),
                cards: Vec::new(),
                weight: 0,
            },
            Column {
                kind: ColumnKind::Iteration,
                title: spec
                    .milestone
                    .and_then(|m| ws.milestone(m))
                    .map_or("no milestone".to_owned(), |m| {
                        team.short_milestone_title(m).to_owned()
                    }),
                cards: Vec::new(),
                weight: 0,
            },
        ],
    };
    let lane_index: HashMap<&str, usize> = team
        .lanes
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i + 1))
        .collect();
    let closed_col = columns.len() - 1;

    for (idx, issue) in ws.issues.iter().enumerate() {
        // Cheap tests first: most issues are on neither board.
        let on_board = match spec.kind {
            BoardKind::Backlog => issue.state == IssueState::Opened,
            BoardKind::Iteration => {
                spec.milestone.is_some() && issue.milestone_id == spec.milestone
            }
            BoardKind::Planning => issue.state == IssueState::Opened,
        };
        if !on_board || !issue.has_label(&team.team_label) || !matches_filter(issue, spec.filter) {
            continue;
        }
        let lanes = team.lanes_of(issue);
        let known = lanes.iter().filter(|l| lane_index.contains_key(*l)).count();
        let f = Flags {
            no_lane: lanes.is_empty(),
            multi_lane: lanes.len() > 1,
            unknown_lane: known < lanes.len(),
        };
        let card = Card {
            index: idx,
            id: issue.id,
            flags: f,
        };
        match spec.kind {
            BoardKind::Backlog => {
                let in_backlog = lanes.iter().any(|l| *l == team.backlog_lane);
                // Untriaged issues (no lane, or only unknown lanes) with no
                // milestone belong nowhere else: show them here, flagged.
                let stray = issue.milestone_id.is_none() && known == 0;
                if in_backlog || stray {
                    columns[0].cards.push(card);
                }
                // Ready for an iteration, in none yet: on no other board.
                if issue.milestone_id.is_none()
                    && columns.len() > 1
                    && lanes.iter().any(|l| *l == team.ready_lane)
                {
                    columns[1].cards.push(card);
                }
            }
            BoardKind::Planning => {
                if spec.milestone.is_some() && issue.milestone_id == spec.milestone {
                    columns[1].cards.push(card);
                } else if lanes.iter().any(|l| *l == team.backlog_lane)
                    || (issue.milestone_id.is_none()
                        && (known == 0 || lanes.iter().any(|l| *l == team.ready_lane)))
                {
                    columns[0].cards.push(card);
                }
            }
            BoardKind::Iteration => {
                if issue.state == IssueState::Closed {
                    columns[closed_col].cards.push(card);
                    continue;
                }
                let mut placed = false;
                for lane in lanes {
                    if let Some(&col) = lane_index.get(lane)
                        && columns[col].cards.last().is_none_or(|c| c.index != idx)
                    {
                        columns[col].cards.push(card);
                        placed = true;
                    }
                }
                if !placed {
                    columns[0].cards.push(card);
                }
            }
        }
    }

    for col in &mut columns {
        if col.kind == ColumnKind::Closed {
            // As GitLab's Closed list: most recently closed first.
            col.cards.sort_by_cached_key(|c| {
                c.issue(ws).map(|i| {
                    (
                        std::cmp::Reverse(i.closed_at.unwrap_or(i.updated_at)),
                        std::cmp::Reverse(i.id),
                    )
                })
            });
        } else {
            sort_cards(&mut col.cards, ws, spec.sort);
        }
        col.weight = col
            .cards
            .iter()
            .filter_map(|c| c.issue(ws).and_then(|i| i.weight))
            .sum();
    }
    BoardLayout {
        kind: spec.kind,
        columns,
    }
}

fn sort_cards(cards: &mut [Card], ws: &Workspace, sort: SortMode) {
    match sort {
        SortMode::Manual => cards.sort_by_key(|c| c.issue(ws).map(|i| (i.position, i.id))),
        SortMode::Priority => cards.sort_by_cached_key(|c| {
            c.issue(ws)
                .map(|i| (i.priority().unwrap_or(u8::MAX), i.position, i.id))
        }),
    }
}

/// Issue iids that occur in more than one project: their cards need the
/// project in the reference.
pub fn ambiguous_iids(ws: &Workspace) -> HashSet<u64> {
    // Sorted pairs: an iid is ambiguous when two neighbours share it with
    // different projects (cheaper than a map at 10,000 issues).
    let mut pairs: Vec<(u64, ProjectId)> =
        ws.issues.iter().map(|i| (i.iid, i.project_id)).collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
        .windows(2)
        .filter(|w| w[0].0 == w[1].0)
        .map(|w| w[0].0)
        .collect()
}

/// The short reference shown on cards: `#123`, or `project#123` when the iid
/// alone is ambiguous.
pub fn short_ref(ws: &Workspace, issue: &Issue, ambiguous: &HashSet<u64>) -> String {
    let mut out = String::new();
    short_ref_into(&mut out, ws, issue, ambiguous);
    out
}

/// [`short_ref`] written into `out` (cleared first): a printed board
/// names thousands of cards through one buffer.
pub fn short_ref_into(out: &mut String, ws: &Workspace, issue: &Issue, ambiguous: &HashSet<u64>) {
    use std::fmt::Write as _;
    out.clear();
    if issue.iid == 0 {
        out.push_str("new");
        return;
    }
    if ambiguous.contains(&issue.iid) {
        match ws.project(issue.project_id) {
            Some(p) => out.push_str(p.name()),
            None => {
                let _ = write!(out, "{}", issue.project_id);
            }
        }
    }
    let _ = write!(out, "#{}", issue.iid);
}

/// The full reference: `group/project#123`.
pub fn full_ref(ws: &Workspace, issue: &Issue) -> String {
    match ws.project(issue.project_id) {
        Some(p) => format!("{}#{}", p.path, issue.iid),
        None => format!("{}#{}", issue.project_id, issue.iid),
    }
}

/// A project's path relative to the group (`sub/project`), or its id.
pub fn project_rel_path(ws: &Workspace, id: ProjectId) -> String {
    match ws.project(id) {
        Some(p) => p
            .path
            .strip_prefix(&format!("{}/", ws.group))
            .unwrap_or(&p.path)
            .to_owned(),
        None => id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{issue, team, workspace};

    fn spec<'a>(kind: BoardKind, team: &'a TeamConfig, filter: &'a str) -> BoardSpec<'a> {
        BoardSpec {
            kind,
            team,
            milestone: Some(1),
            filter,
            sort: SortMode::Manual,
        }
    }

    fn titles(layout: &BoardLayout, ws: &Workspace) -> Vec<(String, Vec<u64>)> {
        layout
            .columns
            .iter()
            .map(|c| {
                (
                    c.title.clone(),
                    c.cards.iter().map(|k| ws.issues[k.index].iid).collect(),
                )
            })
            .collect()
    }

    fn iteration_ws() -> Workspace {
        let mut issues = vec![
            issue(1, 10, &["team::Datastores", "workflow-infra::Ready"]),
            issue(
                2,
                11,
                &[
                    "team::Datastores",
                    "workflow-infra::In Progress",
                    "workflow-infra::Under Review",
                ],
            ),
            issue(3, 12, &["team::Datastores"]),
            issue(4, 13, &["team::Datastores", "workflow-infra::Done"]),
            issue(5, 14, &["team::Other", "workflow-infra::Ready"]),
            issue(6, 15, &["team::Datastores", "workflow-infra::Mystery"]),
            issue(7, 16, &["team::Datastores", "workflow-infra::Ready"]),
        ];
        for i in &mut issues {
            i.milestone_id = Some(1);
        }
        issues[3].state = IssueState::Closed;
        issues[6].milestone_id = Some(2);
        workspace(issues)
    }

    #[test]
    fn iteration_columns_follow_lanes_with_open_and_closed() {
        let ws = iteration_ws();
        let t = team();
        let l = layout(&ws, spec(BoardKind::Iteration, &t, ""));
        assert_eq!(
            titles(&l, &ws),
            vec![
                ("Open".into(), vec![12, 15]),
                ("Triage".into(), vec![]),
                ("Ready".into(), vec![10]),
                ("In Progress".into(), vec![11]),
                ("Under Review".into(), vec![11]),
                ("Blocked".into(), vec![]),
                ("Done".into(), vec![]),
                ("Cancelled".into(), vec![]),
                ("Closed".into(), vec![13]),
            ]
        );
    }

    #[test]
    fn zero_and_two_lane_issues_are_shown_and_flagged_never_lost() {
        let ws = iteration_ws();
        let t = team();
        let l = layout(&ws, spec(BoardKind::Iteration, &t, ""));
        let find = |iid: u64| -> Vec<Flags> {
            l.columns
                .iter()
                .flat_map(|c| c.cards.iter())
                .filter(|c| ws.issues[c.index].iid == iid)
                .map(|c| c.flags)
                .collect()
        };
        assert_eq!(find(11).len(), 2);
        assert!(find(11).iter().all(|f| f.multi_lane));
        assert_eq!(
            find(12),
            vec![Flags {
                no_lane: true,
                ..Flags::default()
            }]
        );
        assert_eq!(
            find(15),
            vec![Flags {
                unknown_lane: true,
                ..Flags::default()
            }]
        );
        assert_eq!(find(10), vec![Flags::default()]);
        // Every team issue of the milestone is somewhere.
        for i in ws
            .issues
            .iter()
            .filter(|i| i.milestone_id == Some(1) && i.has_label("team::Datastores"))
        {
            assert!(!find(i.iid).is_empty(), "{} lost", i.iid);
        }
    }

    #[test]
    fn a_card_read_against_a_changed_list_finds_its_own_issue_or_none() {
        let mut ws = iteration_ws();
        let t = team();
        let l = layout(&ws, spec(BoardKind::Iteration, &t, ""));
        let cards: Vec<Card> = l.columns.iter().flat_map(|c| c.cards.clone()).collect();
        for c in &cards {
            assert_eq!(c.issue(&ws).map(|i| i.id), Some(c.id));
        }
        // The list changes before the next layout: the first two issues go
        // (every index after them shifts), one is replaced, two are added.
        ws.issues.drain(..2);
        ws.issues[0] = issue(40, 50, &["team::Datastores"]);
        ws.issues.insert(0, issue(41, 51, &["team::Datastores"]));
        ws.issues.push(issue(42, 52, &["team::Datastores"]));
        for c in &cards {
            match c.issue(&ws) {
                Some(i) => assert_eq!(i.id, c.id, "another issue than the card's"),
                None => assert!([1, 2, 3].contains(&c.id), "{} lost", c.id),
            }
        }
        // Emptied: nothing, and no index out of bounds.
        ws.issues.clear();
        assert!(cards.iter().all(|c| c.issue(&ws).is_none()));
    }

    #[test]
    fn counts_and_weights_per_column() {
        let mut ws = iteration_ws();
        ws.issues[0].weight = Some(3);
        ws.issues.push({
            let mut i = issue(8, 17, &["team::Datastores", "workflow-infra::Ready"]);
            i.milestone_id = Some(1);
            i.weight = Some(5);
            i
        });
        let t = team();
        let l = layout(&ws, spec(BoardKind::Iteration, &t, ""));
        let ready = &l.columns[2];
        assert_eq!((ready.cards.len(), ready.weight), (2, 8));
    }

    #[test]
    fn backlog_holds_open_triage_and_untriaged_issues_in_manual_order() {
        let mut ws = workspace(vec![
            issue(
                1,
                20,
                &["team::Datastores", "workflow-infra::Triage", "priority::3"],
            ),
            issue(
                2,
                21,
                &["team::Datastores", "workflow-infra::Triage", "priority::1"],
            ),
            issue(3, 22, &["team::Datastores"]),
            issue(4, 23, &["team::Datastores", "workflow-infra::Ready"]),
            issue(5, 24, &["team::Datastores", "workflow-infra::Triage"]),
        ]);
        ws.issues[4].state = IssueState::Closed;
        ws.issues[0].position = 30;
        ws.issues[1].position = 20;
        ws.issues[2].position = 10;
        let t = team();
        let l = layout(&ws, spec(BoardKind::Backlog, &t, ""));
        let ready = ("Ready, no milestone".to_owned(), vec![23]);
        assert_eq!(
            titles(&l, &ws),
            vec![("Triage".into(), vec![22, 21, 20]), ready.clone()]
        );
        let mut s = spec(BoardKind::Backlog, &t, "");
        s.sort = SortMode::Priority;
        let l = layout(&ws, s);
        assert_eq!(
            titles(&l, &ws),
            vec![("Triage".into(), vec![21, 20, 22]), ready]
        );
    }

    /// A Triage card moved to Ready with no milestone stays on the backlog
    /// board (and in planning mode's backlog), found by the filter; once
    /// in an iteration it is on that iteration's board instead.
    #[test]
    fn a_ready_issue_without_a_milestone_is_on_the_backlog_board() {
        let mut ws = workspace(vec![
            issue(1, 20, &["team::Datastores", "workflow-infra::Ready"]),
            issue(2, 21, &["team::Datastores", "workflow-infra::Ready"]),
            issue(3, 22, &["team::Datastores", "workflow-infra::In Progress"]),
        ]);
        ws.issues[1].milestone_id = Some(1);
        let t = team();
        let mut s = spec(BoardKind::Backlog, &t, "");
        let l = layout(&ws, s);
        assert_eq!(titles(&l, &ws)[1], ("Ready, no milestone".into(), vec![20]));
        s.filter = "#20";
        assert_eq!(layout(&ws, s).card_count(), 1, "found by the filter");
        s.filter = "";
        s.kind = BoardKind::Planning;
        s.milestone = Some(2);
        assert_eq!(titles(&layout(&ws, s), &ws)[0].1, vec![20]);
        ws.issues[0].milestone_id = Some(1);
        let l = layout(&ws, spec(BoardKind::Backlog, &t, ""));
        assert!(l.columns[1].cards.is_empty());
    }

    #[test]
    fn filter_matches_title_labels_assignees_and_reference() {
        let mut ws = iteration_ws();
        ws.issues[0].title = "Patroni failover drill".into();
        ws.issues[1].assignees = vec![crate::core::testing::user(7, "zoe", "Zoë Müller")];
        let t = team();
        let ids = |f: &str| -> Vec<u64> {
            let l = layout(&ws, spec(BoardKind::Iteration, &t, f));
            let mut v: Vec<u64> = l
                .columns
                .iter()
                .flat_map(|c| c.cards.iter())
                .map(|c| ws.issues[c.index].iid)
                .collect();
            v.dedup();
            v
        };
        assert_eq!(ids("patroni"), vec![10]);
        assert_eq!(ids("@zoe"), vec![11]);
        assert_eq!(ids("müller"), vec![11]);
        assert_eq!(ids("mystery"), vec![15]);
        assert_eq!(ids("#13"), vec![13]);
        assert_eq!(ids("patroni drill"), vec![10]);
        assert_eq!(ids("nothing-matches"), Vec::<u64>::new());
    }

    #[test]
    fn ambiguous_iids_get_the_project_in_the_reference() {
        let mut ws = workspace(vec![issue(1, 5, &[]), issue(2, 5, &[]), issue(3, 6, &[])]);
        ws.issues[1].project_id = 2;
        let amb = ambiguous_iids(&ws);
        assert_eq!(amb, HashSet::from([5]));
        assert_eq!(short_ref(&ws, &ws.issues[0], &amb), "alpha#5");
        assert_eq!(short_ref(&ws, &ws.issues[1], &amb), "beta#5");
        assert_eq!(short_ref(&ws, &ws.issues[2], &amb), "#6");
        assert_eq!(full_ref(&ws, &ws.issues[2]), "grp/alpha#6");
    }
}
