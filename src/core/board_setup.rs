//! `glboard init --board URL`: the team's configuration read from its
//! GitLab boards. Pure: the board's web address is parsed here, and what
//! GitLab says of the boards (their scope, their label lists with positions
//! and limits, the milestones in use) becomes the config's values.

use std::collections::BTreeMap;

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

fn decode(s: &str) -> String {
    let bytes = s.replace('+', " ");
    let mut out = Vec::new();
    let b = bytes.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&bytes[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse a group board's address; the error says what is expected.
pub fn parse_board_url(url: &str) -> Result<BoardUrl, String> {
    let expected = "expected a group board's address, like https://gitlab.example.com/groups/acme/infra/-/boards/1688503";
    let url = url.trim();
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("{url:?}: no https:// ({expected})"))?;
    if scheme != "https" && scheme != "http" {
        return Err(format!("{url:?}: {expected}"));
    }
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = path.split_once('/').unwrap_or((path, ""));
    if authority.is_empty() {
        return Err(format!("{url:?}: no host ({expected})"));
    }
    let path = path.trim_end_matches('/');
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
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match decode(k).as_str() {
            "milestone_title" => milestone_title = Some(decode(v)).filter(|m| !m.is_empty()),
            "label_name[]" | "label_name" => labels.push(decode(v)),
            _ => {}
        }
    }
    Ok(BoardUrl {
        host: format!("{scheme}://{authority}"),
        group: decode(group),
        board_id,
        milestone_title,
        labels,
    })
}

/// A label list of a board, as GitLab gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    pub label: String,
    pub position: i64,
    /// 0: no limit.
    pub max_issue_count: u32,
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
    pub milestone_prefix: String,
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

/// Derive the configuration from the boards (the backlog and iteration
/// boards of the handbook, in any order) and the titles of the group's
/// active milestones.
pub fn derive(boards: &[FoundBoard], milestones: &[String]) -> Result<Setup, String> {
    let first = boards.first().ok_or("no board given")?;
    if let Some(other) = boards.iter().find(|b| b.url.group != first.url.group) {
        return Err(format!(
            "the boards are in different groups ({} and {})",
            first.url.group, other.url.group
        ));
    }
    // Lanes: the label lists sharing the most common scope, by position,
    // the boards' lists merged in order.
    let mut lists: Vec<&List> = Vec::new();
    for b in boards {
        let mut own: Vec<&List> = b.lists.iter().collect();
        own.sort_by_key(|l| l.position);
        for l in own {
            if !lists.iter().any(|x| x.label == l.label) {
                lists.push(l);
            }
        }
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for l in &lists {
        if let Some(s) = scope(&l.label) {
            *counts.entry(s).or_default() += 1;
        }
    }
    let workflow_scope = counts
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(s, _)| (*s).to_owned())
        .ok_or(
            "the boards have no scoped label lists (like workflow::Ready) to take the lanes from",
        )?;
    let mut lanes: Vec<String> = lists
        .iter()
        .filter(|l| scope(&l.label) == Some(workflow_scope.as_str()))
        .map(|l| value(&l.label).to_owned())
        .collect();
    let wip: BTreeMap<String, u32> = lists
        .iter()
        .filter(|l| scope(&l.label) == Some(workflow_scope.as_str()) && l.max_issue_count > 0)
        .map(|l| (value(&l.label).to_owned(), l.max_issue_count))
        .collect();
    // Scope labels of the boards and the addresses' label filters.
    let scoping: Vec<&String> = boards
        .iter()
        .flat_map(|b| b.scope_labels.iter().chain(&b.url.labels))
        .collect();
    // The backlog lane: a lane label in a board's scope (the backlog
    // board is scoped to it), else Triage or the first lane.
    let backlog_lane = scoping
        .iter()
        .filter(|l| scope(l) == Some(workflow_scope.as_str()))
        .map(|l| value(l).to_owned())
        .next()
        .or_else(|| {
            lanes
                .iter()
                .find(|l| l.eq_ignore_ascii_case("triage"))
                .cloned()
        })
        .or_else(|| lanes.first().cloned())
        .ok_or("the boards have no lanes")?;
    if !lanes.contains(&backlog_lane) {
        lanes.insert(0, backlog_lane.clone());
    }
    let team_label = scoping
        .iter()
        .find(|l| scope(l) != Some(workflow_scope.as_str()) && l.starts_with("team::"))
        .or_else(|| {
            scoping
                .iter()
                .find(|l| scope(l) != Some(workflow_scope.as_str()))
        })
        .map(|l| (*l).clone())
        .ok_or("no team label: give the board's address with its label filter (label_name[]=team::…) or scope the board to the team's label")?;
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
    // board's, or the most common among the active milestones.
    let example = boards
        .iter()
        .find_map(|b| b.url.milestone_title.clone().or(b.scope_milestone.clone()));
    let milestone_prefix = match example {
        Some(t) => prefix_of(&t),
        None => {
            let mut by: BTreeMap<String, usize> = BTreeMap::new();
            for t in milestones {
                let p = prefix_of(t);
                if !p.trim().is_empty() {
                    *by.entry(p).or_default() += 1;
                }
            }
            by.into_iter()
                .max_by_key(|(_, n)| *n)
                .map(|(p, _)| p)
                .unwrap_or_default()
        }
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
        milestone_prefix,
    })
}

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// The config file for a setup, commented, with where each value came from.
pub fn config_text(s: &Setup, boards: &[FoundBoard]) -> String {
    let from: Vec<String> = boards
        .iter()
        .map(|b| {
            format!(
                "#   {} (board {} \"{}\")",
                b.url.group, b.url.board_id, b.name
            )
        })
        .collect();
    let lanes: Vec<String> = s.lanes.iter().map(|l| quoted(l)).collect();
    let mut t = format!(
        "# glboard configuration, read from the team's GitLab boards:\n{}\n# Every key is documented in the README. The token is never stored here:\n# set GITLAB_TOKEN, or token_command below.\n\nhost = {}\ngroup = {}\n\n# Every team issue carries this label.\nteam_label = {}\n# Lanes are the scoped labels <workflow_scope>::<lane>, in the boards' order.\nworkflow_scope = {}\nlanes = [{}]\nbacklog_lane = {}\nready_lane = {}\ndoing_lane = {}\ndone_lane = {}\n\n# Titles of the team's iteration milestones start with this.\nmilestone_prefix = {}\n\n# A command that prints the token, used when GITLAB_TOKEN is not set.\n# token_command = \"pass show gitlab/token\"\n\n# Seconds between background refreshes while the board is open (0: never).\nrefresh_seconds = 300\n",
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
        quoted(&s.milestone_prefix),
    );
    if !s.wip.is_empty() {
        t.push_str("\n# Work-in-progress limits, from the lists' maximum issue counts.\n[wip]\n");
        for (lane, n) in &s.wip {
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
                list("workflow-infra::Blocked", 4, 0),
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
        let s = derive(&[iteration.clone(), backlog.clone()], &[]).unwrap();
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
        assert_eq!(s.milestone_prefix, "Datastores team - ");
        let text = config_text(&s, &[iteration.clone(), backlog]);
        assert!(text.contains("\"In Progress\" = 6"), "{text}");
        // No milestone in the address: the active milestones' prefix.
        let mut bare = iteration;
        bare.url.milestone_title = None;
        let s = derive(
            &[bare],
            &[
                "Datastores team - W47".into(),
                "Datastores team - W49".into(),
                "Gitaly - W47".into(),
            ],
        )
        .unwrap();
        assert_eq!(s.milestone_prefix, "Datastores team - ");
    }

    #[test]
    fn prefixes_drop_the_last_word() {
        assert_eq!(prefix_of("Datastores team - W45"), "Datastores team - ");
        assert_eq!(prefix_of("2025-W45"), "2025-");
        assert_eq!(prefix_of("W45"), "");
    }
}
