//! What changed since you last looked: the board remembers what it showed
//! when it closed (a glimpse of each team issue: lane, milestone,
//! assignees, open or closed), and the next time marks the cards that
//! arrived, moved, or changed assignee or state since, with `gc` listing
//! them; `glboard print --since DATE|last` prints the same for a stand-up.
//! Pure: glimpses in, changes out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::core::domain::board;
use crate::core::domain::model::{Issue, IssueId, MilestoneId, TeamConfig, Workspace};

/// What the user saw of one issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Glimpse {
    pub lane: Option<String>,
    pub milestone: Option<MilestoneId>,
    pub assignees: Vec<String>,
    pub open: bool,
}

fn glimpse(team: &TeamConfig, i: &Issue) -> Glimpse {
    let mut assignees: Vec<String> = i.assignees.iter().map(|u| u.username.clone()).collect();
    assignees.sort();
    Glimpse {
        lane: team.lanes_of(i).first().map(|l| (*l).to_owned()),
        milestone: i.milestone_id,
        assignees,
        open: i.is_open(),
    }
}

/// What the team's issues look like now.
pub fn glimpses(ws: &Workspace, team: &TeamConfig) -> BTreeMap<IssueId, Glimpse> {
    ws.issues
        .iter()
        .filter(|i| i.iid != 0 && i.has_label(&team.team_label))
        .map(|i| (i.id, glimpse(team, i)))
        .collect()
}

/// Whether an issue changed since `before` (a card to mark).
pub fn is_changed(before: &BTreeMap<IssueId, Glimpse>, team: &TeamConfig, i: &Issue) -> bool {
    match before.get(&i.id) {
        None => i.is_open() && i.iid != 0,
        Some(b) => {
            let now = glimpse(team, i);
            b.open != now.open
                || (now.open && b.lane != now.lane)
                || b.milestone != now.milestone
                || b.assignees != now.assignees
        }
    }
}

/// One thing that changed about an issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    Arrived,
    Moved {
        from: Option<String>,
        to: Option<String>,
    },
    Milestone {
        from: Option<String>,
        to: Option<String>,
    },
    Assignees {
        from: Vec<String>,
        to: Vec<String>,
    },
    Closed,
    Reopened,
}

impl What {
    /// In words: "moved Ready → In Progress".
    pub fn words(&self) -> String {
        let lane = |l: &Option<String>| l.clone().unwrap_or_else(|| "no lane".into());
        let ms = |m: &Option<String>| m.clone().unwrap_or_else(|| "no milestone".into());
        let people = |v: &[String]| {
            if v.is_empty() {
                "nobody".to_owned()
            } else {
                v.iter()
                    .map(|u| format!("@{u}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        };
        match self {
            What::Arrived => "arrived".into(),
            What::Moved { from, to } => format!("moved {} → {}", lane(from), lane(to)),
            What::Milestone { from, to } => format!("milestone {} → {}", ms(from), ms(to)),
            What::Assignees { from, to } => format!("assignees {} → {}", people(from), people(to)),
            What::Closed => "closed".into(),
            What::Reopened => "reopened".into(),
        }
    }
}

/// An issue that changed, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    #[serde(skip)]
    pub issue: IssueId,
    pub reference: String,
    pub title: String,
    pub what: Vec<What>,
}

/// What changed between `before` and the workspace now, in board order.
pub fn changes(
    before: &BTreeMap<IssueId, Glimpse>,
    ws: &Workspace,
    team: &TeamConfig,
) -> Vec<Changed> {
    let ambiguous = board::ambiguous_iids(ws);
    let title = |m: Option<MilestoneId>| m.and_then(|m| ws.milestone(m)).map(|m| m.title.clone());
    let mut issues: Vec<&Issue> = ws
        .issues
        .iter()
        .filter(|i| i.iid != 0 && i.has_label(&team.team_label))
        .collect();
    issues.sort_by_key(|i| (i.position, i.id));
    let mut out = Vec::new();
    for i in issues {
        let now = glimpse(team, i);
        let mut what = Vec::new();
        match before.get(&i.id) {
            // Closed before you ever saw it: not news.
            None if !now.open => continue,
            None => what.push(What::Arrived),
            Some(b) => {
                if b.open && !now.open {
                    what.push(What::Closed);
                } else if !b.open && now.open {
                    what.push(What::Reopened);
                }
                if b.lane != now.lane && now.open {
                    what.push(What::Moved {
                        from: b.lane.clone(),
                        to: now.lane.clone(),
                    });
                }
                if b.milestone != now.milestone {
                    what.push(What::Milestone {
                        from: title(b.milestone),
                        to: title(now.milestone),
                    });
                }
                if b.assignees != now.assignees {
                    what.push(What::Assignees {
                        from: b.assignees.clone(),
                        to: now.assignees.clone(),
                    });
                }
            }
        }
        if !what.is_empty() {
            out.push(Changed {
                issue: i.id,
                reference: board::short_ref(ws, i, &ambiguous),
                title: i.title.clone(),
                what,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::model::IssueState;
    use crate::core::testing::{state, user};

    #[test]
    fn arrivals_moves_milestones_assignees_and_closings_are_told() {
        let s = state();
        let before = glimpses(&s.ws, &s.team);
        let mut ws = s.ws.clone();
        let t = &s.team;
        assert!(changes(&before, &ws, t).is_empty(), "nothing changed");
        ws.issues[0].labels = vec!["team::Datastores".into(), "workflow-infra::Done".into()];
        ws.issues[1].assignees.push(user(9, "ada", "Ada"));
        ws.issues[2].state = IssueState::Closed;
        ws.issues[3].milestone_id = None;
        let mut new = ws.issues[4].clone();
        new.id = 999;
        new.iid = 999;
        ws.issues.push(new);
        let c = changes(&before, &ws, t);
        let words: Vec<String> = c
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c.reference,
                    c.what
                        .iter()
                        .map(What::words)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        assert!(
            words.iter().any(|w| w.contains("moved Ready → Done")),
            "{words:?}"
        );
        assert!(
            words
                .iter()
                .any(|w| w.contains("assignees") && w.contains("@ada")),
            "{words:?}"
        );
        assert!(words.iter().any(|w| w.ends_with("closed")), "{words:?}");
        assert!(
            words
                .iter()
                .any(|w| w.contains("milestone") && w.contains("no milestone")),
            "{words:?}"
        );
        assert!(words.iter().any(|w| w == "#999 arrived"), "{words:?}");
        assert_eq!(c.len(), 5);
    }
}
