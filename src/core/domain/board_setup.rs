//! `glboard init --board URL`: the team's configuration read from its
//! GitLab boards. Pure: the board's web address is parsed here, and what
//! GitLab says of the boards (their scope, their label lists with positions
//! and limits, the milestones in use) becomes the config's values.

use std::collections::BTreeMap;

use crate::core::domain::sanitize;

/// A group board's web address, taken apart:
/// `https://host/groups/acme/infra/-/boards/1688503?milestone_title=…&label_name[]=team::Datastores`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardUrl {
    /// `https://host[:port]`.
    pub host: String,
    /// The group's full path.
    pub group: String,
    pub board_id: u64,
    pub milestone_title: Option<String>,
    /// `label_name[]` filters of the address.
    pub labels: Vec<String>,
}

/// A path's percent escapes decoded (`+` is a plus there); bytes that
/// are not UTF-8 become U+FFFD.
fn decode_path(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Parse a group board's address; the error says what is expected.
pub fn parse_board_url(url: &str) -> Result<BoardUrl, String> {
    let expected = "expected a group board's address, like https://gitlab.example.com/groups/acme/infra/-/boards/1688503";
    let url = url.trim();
    if !url.contains("://") {
        return Err(format!("{url:?}: no https:// ({expected})"));
    }
    // Taken apart as a browser would (`url`): escapes, a port, a fragment.
    let parsed = url::Url::parse(url).map_err(|e| match e {
        url::ParseError::EmptyHost => format!("{url:?}: no host ({expected})"),
        e => format!("{url:?}: {e} ({expected})"),
    })?;
    let scheme = parsed.scheme();
    if scheme != "https" && scheme != "http" {
        return Err(format!("{url:?}: {expected}"));
    }
    let Some(host) = parsed.host_str().filter(|h| !h.is_empty()) else {
        return Err(format!("{url:?}: no host ({expected})"));
    };
    let host = match parsed.port() {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    };
    let path = parsed.path().trim_start_matches('/').trim_end_matches('/');
    let Some(group_and_board) = path.strip_prefix("groups/") else {
        return Err(format!(
            "{url:?}: not a group board (project boards are not supported; {expected})"
        ));
    };
    let Some((group, board)) = group_and_board.split_once("/-/boards/") else {
        return Err(format!("{url:?}: {expected}"));
    };
    let board_id = board
        .split('/')
        .next()
        .and_then(|b| b.parse::<u64>().ok())
        .ok_or_else(|| format!("{url:?}: the board id is not a number ({expected})"))?;
    let mut milestone_title = None;
    let mut labels = Vec::new();
    // As a browser decodes a form: `+` is a space, escapes are UTF-8.
    for (k, v) in parsed.query_pairs() {
        match k.as_ref() {
            "milestone_title" => {
                milestone_title = Some(sanitize::line(&v)).filter(|m| !m.is_empty())
            }
            "label_name[]" | "label_name" => labels.push(sanitize::line(&v)),
            _ => {}
        }
    }
    Ok(BoardUrl {
        host,
        group: sanitize::line(&decode_path(group)),
        board_id,
        milestone_title,
        labels,
    })
}

/// A label list of a board, as GitLab gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct List {
    pub label: String,
    pub position: i64,
    /// 0: no limit.
    pub max_issue_count: u32,
    /// Premium: a limit on the list's total weight (0: none).
    pub max_issue_weight: u32,
}

/// One board, as read from GitLab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundBoard {
    pub url: BoardUrl,
    pub name: String,
    /// The board's scope labels (Premium), and its milestone's title.
    pub scope_labels: Vec<String>,
    pub scope_milestone: Option<String>,
    pub lists: Vec<List>,
}

/// What GitLab says of the team besides its boards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// The group's labels of the workflow scope (`workflow-infra::Triage`,
    /// ...): the backlog lane when no board is scoped to it.
    pub scope_labels: Vec<String>,
    /// The milestones the team's own issues (those with the team label)
    /// are in: title and how many of its issues, most first.
    pub team_milestones: Vec<(String, usize)>,
}

/// Where the milestone prefix came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrefixFrom {
    /// The address's `milestone_title`.
    Address,
    /// A board's milestone scope.
    Board,
    /// The milestones of the team's own issues.
    TeamIssues,
    /// Nowhere: no team issue is in a milestone with a prefix.
    Nothing,
}

impl PrefixFrom {
    pub fn describe(self) -> &'static str {
        match self {
            PrefixFrom::Address => "from the address's milestone_title",
            PrefixFrom::Board => "from the board's milestone",
            PrefixFrom::TeamIssues => "from the milestones of the team's issues",
            PrefixFrom::Nothing => {
                "no team issue is in an iteration milestone: set milestone_prefix by hand"
            }
        }
    }
}

/// What the boards say of the team's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    pub host: String,
    pub group: String,
    pub team_label: String,
    pub workflow_scope: String,
    pub lanes: Vec<String>,
    pub backlog_lane: String,
    pub ready_lane: String,
    pub doing_lane: String,
    pub done_lane: String,
    pub wip: BTreeMap<String, u32>,
    /// Limits on a lane's total weight, from the lists' `max_issue_weight`.
    pub wip_weight: BTreeMap<String, u32>,
    pub milestone_prefix: String,
    pub prefix_from: PrefixFrom,
}

fn scope(label: &str) -> Option<&str> {
    label.rsplit_once("::").map(|(s, _)| s)
}

fn value(label: &str) -> &str {
    label.rsplit_once("::").map_or(label, |(_, v)| v)
}

/// The prefix of an iteration milestone's title: the title without its
/// last word ("Datastores team - W45" → "Datastores team - ").
pub fn prefix_of(title: &str) -> String {
    let t = title.trim_end();
    match t.rfind([' ', '-']) {
        Some(at) => t[..=at].to_owned(),
        None => String::new(),
    }
}

/// The handbook's flow of lanes: where a lane of that name goes.
fn flow_rank(lane: &str) -> Option<usize> {
    const FLOW: [&[&str]; 7] = [
        &["triage", "backlog"],
        &["ready", "to do", "todo"],
        &["in progress", "doing", "in dev", "in development"],
        &["under review", "in review", "review"],
        &["blocked"],
        &["done", "complete", "completed"],
        &["cancelled", "canceled", "won't do"],
    ];
    let l = lane.to_lowercase();
    FLOW.iter().position(|names| names.contains(&l.as_str()))
}

/// The label scope of the boards' lanes and the team label:
/// the scope most of their label lists share, and the boards' (or the
/// addresses') other scoping label, `team::…` first.
pub fn scope_and_team(boards: &[FoundBoard]) -> Result<(String, String), String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut seen: Vec<&str> = Vec::new();
    for l in boards.iter().flat_map(|b| &b.lists) {
        if !seen.contains(&l.label.as_str()) {
            seen.push(&l.label);
            if let Some(s) = scope(&l.label) {
                *counts.entry(s).or_default() += 1;
            }
        }
    }
    let workflow_scope = counts
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(s, _)| (*s).to_owned())
        .ok_or(
            "the boards have no scoped label lists (like workflow::Ready) to take the lanes from",
        )?;
    let team_label = boards
        .iter()
        .flat_map(|b| b.scope_labels.iter().chain(&b.url.labels))
        .filter(|l| scope(l) != Some(workflow_scope.as_str()))
        .min_by_key(|l| !l.starts_with("team::"))
        .cloned()
        .ok_or("no team label: give the board's address with its label filter (label_name[]=team::…) or scope the board to the team's label")?;
    Ok((workflow_scope, team_label))
}

/// The iteration milestones' prefix from the milestones of the team's
/// issues: the prefix most of them share (by issues, then by milestones).
pub fn team_prefix(team_milestones: &[(String, usize)]) -> Option<String> {
    let mut by: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (title, n) in team_milestones {
        let p = prefix_of(title);
        if !p.trim().is_empty() {
            let e = by.entry(p).or_default();
            e.0 += n;
            e.1 += 1;
        }
    }
    // The largest; on a tie the first by title (max_by_key keeps the last).
    by.into_iter().rev().max_by_key(|(_, n)| *n).map(|(p, _)| p)
}

/// Derive the configuration from the boards (the backlog and iteration
/// boards of the handbook, in any order) and what GitLab says of the team.
pub fn derive(boards: &[FoundBoard], seen: &Seen) -> Result<Setup, String> {
    let first = boards.first().ok_or("no board given")?;
    if let Some(other) = boards.iter().find(|b| b.url.group != first.url.group) {
        return Err(format!(
            "the boards are in different groups ({} and {})",
            first.url.group, other.url.group
        ));
    }
    let (workflow_scope, team_label) = scope_and_team(boards)?;
    let in_scope = |l: &str| scope(l) == Some(workflow_scope.as_str());
    // A backlog board is scoped to a lane (or its address filters one).
    let scoped_lane = |b: &FoundBoard| {
        b.scope_labels
            .iter()
            .chain(&b.url.labels)
            .find(|l| in_scope(l))
            .map(|l| value(l).to_owned())
    };
    // Lanes: the iteration board's label lists by position, then what only
    // a backlog board lists, each where the handbook's flow puts it.
    let mut ordered: Vec<&FoundBoard> = boards.iter().collect();
    ordered.sort_by_key(|b| scoped_lane(b).is_some());
    let mut lanes: Vec<String> = Vec::new();
    let mut wip: BTreeMap<String, u32> = BTreeMap::new();
    let mut wip_weight: BTreeMap<String, u32> = BTreeMap::new();
    for b in ordered {
        let mut own: Vec<&List> = b.lists.iter().filter(|l| in_scope(&l.label)).collect();
        own.sort_by_key(|l| l.position);
        let mut before: Option<String> = None;
        for l in own {
            let lane = value(&l.label).to_owned();
            if l.max_issue_count > 0 {
                wip.entry(lane.clone()).or_insert(l.max_issue_count);
            }
            if l.max_issue_weight > 0 {
                wip_weight.entry(lane.clone()).or_insert(l.max_issue_weight);
            }
            if !lanes.contains(&lane) {
                let at = flow_rank(&lane)
                    .and_then(|r| {
                        lanes
                            .iter()
                            .position(|x| flow_rank(x).is_some_and(|xr| xr > r))
                    })
                    .or_else(|| {
                        before
                            .as_ref()
                            .and_then(|p| lanes.iter().position(|x| x == p))
                            .map(|i| i + 1)
                    })
                    .unwrap_or(lanes.len());
                lanes.insert(at, lane.clone());
            }
            before = Some(lane);
        }
    }
    // The backlog lane: the lane a board is scoped to, else Triage among
    // the lanes, else the group's Triage label of the scope (the backlog
    // board was not given), else the first lane. It goes first.
    let triage = |l: &&String| flow_rank(l) == Some(0);
    let backlog_lane = boards
        .iter()
        .find_map(scoped_lane)
        .or_else(|| lanes.iter().find(triage).cloned())
        .or_else(|| {
            seen.scope_labels
                .iter()
                .filter(|l| in_scope(l))
                .map(|l| value(l).to_owned())
                .find(|l| flow_rank(l) == Some(0))
        })
        .or_else(|| lanes.first().cloned())
        .ok_or("the boards have no lanes")?;
    lanes.retain(|l| *l != backlog_lane);
    lanes.insert(0, backlog_lane.clone());
    let named = |names: &[&str], fallback: Option<&String>| {
        names
            .iter()
            .find_map(|n| lanes.iter().find(|l| l.eq_ignore_ascii_case(n)))
            .or(fallback)
            .cloned()
            .unwrap_or_default()
    };
    let after_backlog = lanes.iter().find(|l| **l != backlog_lane);
    let ready_lane = named(&["Ready", "To Do", "Todo"], after_backlog);
    let doing_lane = named(
        &["In Progress", "Doing", "In Dev", "In development"],
        lanes
            .iter()
            .find(|l| **l != backlog_lane && **l != ready_lane),
    );
    let done_lane = named(&["Done", "Complete", "Completed"], lanes.last());
    // The iteration milestones' prefix: from the address's milestone, the
    // board's, else the milestones of the team's own issues (never the
    // group's: on a group where several teams plan, most are another's).
    let from_address = boards.iter().find_map(|b| b.url.milestone_title.clone());
    let from_board = boards.iter().find_map(|b| b.scope_milestone.clone());
    let (milestone_prefix, prefix_from) = match (from_address, from_board) {
        (Some(t), _) => (prefix_of(&t), PrefixFrom::Address),
        (None, Some(t)) => (prefix_of(&t), PrefixFrom::Board),
        (None, None) => match team_prefix(&seen.team_milestones) {
            Some(p) => (p, PrefixFrom::TeamIssues),
            None => (String::new(), PrefixFrom::Nothing),
        },
    };
    Ok(Setup {
        host: first.url.host.clone(),
        group: first.url.group.clone(),
        team_label,
        workflow_scope,
        lanes,
        backlog_lane,
        ready_lane,
        doing_lane,
        done_lane,
        wip,
        wip_weight,
        milestone_prefix,
        prefix_from,
    })
}

/// A TOML string (Rust's `{:?}` escapes, `\u{301}`, are not TOML's).
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// The config file for a setup, commented, with where each value came from.
pub fn config_text(s: &Setup, boards: &[FoundBoard]) -> String {
    let from: Vec<String> = boards
        .iter()
        .map(|b| {
            // A comment: one line, and no control character (TOML).
            format!(
                "#   {} (board {} \"{}\")",
                sanitize::line(&b.url.group),
                b.url.board_id,
                sanitize::line(&b.name)
            )
        })
        .collect();
    let lanes: Vec<String> = s.lanes.iter().map(|l| quoted(l)).collect();
    let mut t = format!(
        "# glboard configuration, read from the team's GitLab boards:\n{}\n# Every key is documented in the README. The token is never stored here:\n# set GITLAB_TOKEN, or token_command below.\n\nhost = {}\ngroup = {}\n\n# Every team issue carries this label.\nteam_label = {}\n# Lanes are the scoped labels <workflow_scope>::<lane>, in the handbook's flow\n# (the backlog lane first), the boards' order between lanes it does not name.\nworkflow_scope = {}\nlanes = [{}]\nbacklog_lane = {}\nready_lane = {}\ndoing_lane = {}\ndone_lane = {}\n\n# Titles of the team's iteration milestones start with this ({}).\nmilestone_prefix = {}\n\n# A command that prints the token, used when GITLAB_TOKEN is not set.\n# token_command = \"pass show gitlab/token\"\n\n# Seconds between background refreshes while the board is open (0: never).\nrefresh_seconds = 300\n",
        from.join("\n"),
        quoted(&s.host),
        quoted(&s.group),
        quoted(&s.team_label),
        quoted(&s.workflow_scope),
        lanes.join(", "),
        quoted(&s.backlog_lane),
        quoted(&s.ready_lane),
        quoted(&s.doing_lane),
        quoted(&s.done_lane),
        s.prefix_from.describe(),
        quoted(&s.milestone_prefix),
    );
    if !s.wip.is_empty() {
        t.push_str("\n# Work-in-progress limits, from the lists' maximum issue counts.\n[wip]\n");
        for (lane, n) in &s.wip {
            t.push_str(&format!("{} = {n}\n", quoted(lane)));
        }
    }
    if !s.wip_weight.is_empty() {
        t.push_str(
            "\n# Limits on a lane's total weight, from the lists' maximum weights.\n[wip_weight]\n",
        );
        for (lane, n) in &s.wip_weight {
            t.push_str(&format!("{} = {n}\n", quoted(lane)));
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    const ITERATION: &str = "https://gitlab.example.com/groups/gitlab-com/gl-infra/-/boards/1688503?milestone_title=Datastores%20team%20-%20W45&label_name[]=team%3A%3ADatastores";

    fn list(label: &str, position: i64, max: u32) -> List {
        List {
            label: label.into(),
            position,
            max_issue_count: max,
            ..List::default()
        }
    }

    #[test]
    fn a_board_address_is_taken_apart() {
        let u = parse_board_url(ITERATION).unwrap();
        assert_eq!(u.host, "https://gitlab.example.com");
        assert_eq!(u.group, "gitlab-com/gl-infra");
        assert_eq!(u.board_id, 1_688_503);
        assert_eq!(u.milestone_title.as_deref(), Some("Datastores team - W45"));
        assert_eq!(u.labels, vec!["team::Datastores"]);
        for bad in [
            "gitlab.example.com/groups/a/-/boards/1",
            "https://gitlab.example.com/a/b/-/boards/1",
            "https://gitlab.example.com/groups/a/-/boards/x",
            "https://gitlab.example.com/groups/a/-/issues",
        ] {
            assert!(parse_board_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_boards_give_lanes_in_list_order_limits_team_and_prefix() {
        let iteration = FoundBoard {
            url: parse_board_url(ITERATION).unwrap(),
            name: "Datastores iteration".into(),
            scope_labels: vec![],
            scope_milestone: None,
            // Positions, not the alphabet; one list of another scope.
            lists: vec![
                list("workflow-infra::Done", 5, 0),
                list("workflow-infra::Ready", 1, 0),
                list("workflow-infra::In Progress", 2, 6),
                list("workflow-infra::Under Review", 3, 4),
                List {
                    max_issue_weight: 20,
                    ..list("workflow-infra::Blocked", 4, 0)
                },
                list("priority::1", 6, 0),
            ],
        };
        let backlog = FoundBoard {
            url: parse_board_url(
                "https://gitlab.example.com/groups/gitlab-com/gl-infra/-/boards/1688504",
            )
            .unwrap(),
            name: "Datastores backlog".into(),
            scope_labels: vec!["team::Datastores".into(), "workflow-infra::Triage".into()],
            scope_milestone: None,
            lists: vec![],
        };
        let s = derive(&[iteration.clone(), backlog.clone()], &Seen::default()).unwrap();
        assert_eq!(s.group, "gitlab-com/gl-infra");
        assert_eq!(s.team_label, "team::Datastores");
        assert_eq!(s.workflow_scope, "workflow-infra");
        assert_eq!(
            s.lanes,
            [
                "Triage",
                "Ready",
                "In Progress",
                "Under Review",
                "Blocked",
                "Done"
            ]
        );
        assert_eq!(
            (
                s.backlog_lane.as_str(),
                s.ready_lane.as_str(),
                s.doing_lane.as_str(),
                s.done_lane.as_str()
            ),
            ("Triage", "Ready", "In Progress", "Done")
        );
        assert_eq!(s.wip.get("In Progress"), Some(&6));
        assert_eq!(s.wip.get("Under Review"), Some(&4));
        assert_eq!(s.wip_weight.get("Blocked"), Some(&20));
        assert_eq!(s.wip.get("Blocked"), None);
        assert_eq!(s.milestone_prefix, "Datastores team - ");
        let text = config_text(&s, &[iteration.clone(), backlog]);
        assert!(text.contains("\"In Progress\" = 6"), "{text}");
        assert!(text.contains("[wip_weight]\n\"Blocked\" = 20"), "{text}");
        assert_eq!(s.prefix_from, PrefixFrom::Address);
        // No milestone in the address: the prefix the team's issues'
        // milestones share, though another team has more milestones.
        let mut bare = iteration;
        bare.url.milestone_title = None;
        let seen = Seen {
            scope_labels: vec![],
            team_milestones: vec![
                ("Datastores team - W47".into(), 12),
                ("Datastores team - W49".into(), 3),
                ("Gitaly - W45".into(), 2),
                ("Gitaly - W47".into(), 2),
                ("Gitaly - W49".into(), 1),
                ("1.0".into(), 30),
            ],
        };
        let s = derive(std::slice::from_ref(&bare), &seen).unwrap();
        assert_eq!(s.milestone_prefix, "Datastores team - ");
        assert_eq!(s.prefix_from, PrefixFrom::TeamIssues);
        // No team issue in a milestone: said, and left empty.
        let s = derive(&[bare], &Seen::default()).unwrap();
        assert_eq!(
            (s.milestone_prefix.as_str(), s.prefix_from),
            ("", PrefixFrom::Nothing)
        );
    }

    fn board(url: &str, scope: &[&str], lists: &[&str]) -> FoundBoard {
        FoundBoard {
            url: parse_board_url(url).unwrap(),
            name: "b".into(),
            scope_labels: scope.iter().map(|l| (*l).to_owned()).collect(),
            scope_milestone: None,
            lists: lists
                .iter()
                .enumerate()
                .map(|(n, l)| list(&format!("workflow-infra::{l}"), n as i64 * 10, 0))
                .collect(),
        }
    }

    #[test]
    fn lanes_follow_the_flow_whatever_the_order_of_the_boards() {
        let iteration = board(
            ITERATION,
            &[],
            &["Ready", "In Progress", "Under Review", "Done", "Cancelled"],
        );
        // The backlog board lists Triage, Ready and Blocked.
        let backlog = board(
            "https://gitlab.example.com/groups/gitlab-com/gl-infra/-/boards/1688504",
            &["team::Datastores", "workflow-infra::Triage"],
            &["Triage", "Ready", "Blocked"],
        );
        let flow = [
            "Triage",
            "Ready",
            "In Progress",
            "Under Review",
            "Blocked",
            "Done",
            "Cancelled",
        ];
        for boards in [
            [iteration.clone(), backlog.clone()],
            [backlog.clone(), iteration.clone()],
        ] {
            let s = derive(&boards, &Seen::default()).unwrap();
            assert_eq!(s.lanes, flow);
            assert_eq!(s.backlog_lane, "Triage");
        }
        // A lane the handbook does not name stays after the one it follows.
        let own = board(ITERATION, &[], &["Ready", "Verify", "Done"]);
        let s = derive(&[own], &Seen::default()).unwrap();
        assert_eq!(s.lanes, ["Ready", "Verify", "Done"]);
    }

    #[test]
    fn the_iteration_board_alone_finds_triage_among_the_groups_labels() {
        let iteration = board(ITERATION, &[], &["Ready", "In Progress", "Done"]);
        let seen = Seen {
            scope_labels: vec![
                "workflow-infra::Ready".into(),
                "workflow-infra::Triage".into(),
                "workflow::Triage".into(),
            ],
            team_milestones: vec![],
        };
        let s = derive(std::slice::from_ref(&iteration), &seen).unwrap();
        assert_eq!(s.lanes, ["Triage", "Ready", "In Progress", "Done"]);
        assert_eq!(
            (s.backlog_lane.as_str(), s.ready_lane.as_str()),
            ("Triage", "Ready")
        );
        // Without one, the first lane, as before.
        let s = derive(&[iteration], &Seen::default()).unwrap();
        assert_eq!(s.backlog_lane, "Ready");
    }

    #[test]
    fn the_config_written_is_toml_whatever_the_labels() {
        let mut b = board(
            ITERATION,
            &[],
            &["Re\u{301}ady", "In \"Progress\"", "Done\\"],
        );
        b.url.labels = vec!["team::\u{200b}Data'stores".into()];
        let s = derive(std::slice::from_ref(&b), &Seen::default()).unwrap();
        let text = config_text(&s, &[b]);
        let t: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(t["team_label"].as_str(), Some("team::\u{200b}Data'stores"));
        assert_eq!(t["lanes"][1].as_str(), Some("In \"Progress\""));
    }

    #[test]
    fn percent_signs_and_any_text_in_an_address_never_panic() {
        // `%` before a multi-byte character, a lone `%`, a bad escape.
        for tail in [
            "%€", "%日本", "%é", "%\u{a0}x", "%", "%4", "%zz", "%e9%80", "é%",
        ] {
            let url = format!(
                "https://gitlab.example.com/groups/a{tail}/-/boards/1?milestone_title={tail}&label_name[]={tail}"
            );
            let u = parse_board_url(&url).unwrap();
            assert_eq!(u.board_id, 1);
            assert!(u.group.starts_with('a'), "{u:?}");
        }
        // Escapes are decoded as UTF-8; `+` is a space in the query only.
        let u = parse_board_url(
            "https://gitlab.example.com/groups/a%2Bb/c+d/-/boards/2?milestone_title=Base+de%20donn%C3%A9es%20-%20W45&label_name%5B%5D=team%3A%3AR%C3%A9seau",
        )
        .unwrap();
        assert_eq!(u.group, "a+b/c+d");
        assert_eq!(u.milestone_title.as_deref(), Some("Base de données - W45"));
        assert_eq!(u.labels, vec!["team::Réseau"]);
    }

    #[test]
    fn odd_addresses_are_taken_apart_as_a_browser_would() {
        // Case, a port, a trailing slash, a fragment.
        let u = parse_board_url(
            "  HTTPS://GitLab.Example.com:8443/groups/a/b/-/boards/3/?label_name[]=x#top ",
        )
        .unwrap();
        assert_eq!(u.host, "https://gitlab.example.com:8443");
        assert_eq!((u.group.as_str(), u.board_id), ("a/b", 3));
        assert_eq!(u.labels, vec!["x"]);
        // The scheme's own port goes, and so does a user name.
        let u =
            parse_board_url("https://me:pw@gitlab.example.com:443/groups/a/-/boards/1").unwrap();
        assert_eq!(u.host, "https://gitlab.example.com");
        let u = parse_board_url("http://127.0.0.1:3000/groups/my group/-/boards/1").unwrap();
        assert_eq!(u.host, "http://127.0.0.1:3000");
        assert_eq!(u.group, "my group");
        // A milestone_title given twice: the last one.
        let u = parse_board_url(
            "https://h/groups/a/-/boards/1?milestone_title=W1&milestone_title=W2&label_name=y",
        )
        .unwrap();
        assert_eq!(u.milestone_title.as_deref(), Some("W2"));
        assert_eq!(u.labels, vec!["y"]);
        let no_scheme = parse_board_url("gitlab.example.com:8080/groups/a/-/boards/1").unwrap_err();
        assert!(no_scheme.contains("no https://"), "{no_scheme}");
        let no_host = parse_board_url("https://").unwrap_err();
        assert!(no_host.contains("no host"), "{no_host}");
        for bad in [
            "ftp://gitlab.example.com/groups/a/-/boards/1",
            "https:///groups/a/-/boards/1",
            "https://gitlab.example.com/groups/a/-/boards/",
            "https://gitlab.example.com/groups/a/-/boards/1x",
            "https://gitlab.example.com/groups/a/-/boards/99999999999999999999999",
            "https://gitlab.example.com:99999/groups/a/-/boards/1",
        ] {
            assert!(parse_board_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn prefixes_drop_the_last_word() {
        assert_eq!(prefix_of("Datastores team - W45"), "Datastores team - ");
        assert_eq!(prefix_of("2025-W45"), "2025-");
        assert_eq!(prefix_of("W45"), "");
    }
}
