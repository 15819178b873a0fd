//! Domain model: issues, lanes, milestones, members and the team's board
//! configuration. Plain data, no I/O; every string in here has already been
//! sanitized where it entered the core (see [`crate::core::domain::sanitize`]).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use crate::core::domain::ids::{IssueId, MilestoneId, ProjectId, UserId};

/// Open or closed, as GitLab's `state` field says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueState {
    Opened,
    Closed,
}

/// A member of the group (a possible assignee).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub name: String,
}

/// A project of the group; `path` is its full path (`group/sub/project`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub id: ProjectId,
    pub path: String,
}

impl Project {
    /// The last segment of the path, used in short references.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// `active` or `closed`, as GitLab's milestone `state` field says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MilestoneState {
    Active,
    Closed,
}

/// A group milestone: one of the team's iterations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub id: MilestoneId,
    pub iid: u64,
    pub title: String,
    pub description: String,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub state: MilestoneState,
    pub web_url: String,
    /// Where it lives, seen from the team's group (`None`: not known, a
    /// cache written before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<MilestoneOwner>,
}

/// Where a milestone lives, seen from the team's group: GitLab lets an
/// issue hold only its project's milestones and those of the project's
/// groups and their ancestors, and drops any other without a word
/// (`IssuableBaseService#ensure_milestone_available`,
/// `Milestone#for_projects_and_groups`). `include_descendants` brings
/// sub-groups' and projects' milestones into the list too.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MilestoneOwner {
    /// The team's group.
    Group,
    /// A parent group (its full path).
    Ancestor(String),
    /// A sub-group (its full path).
    Descendant(String),
    /// A project (its full path); `direct`: a project of the group itself
    /// (not of a sub-group).
    Project { path: String, direct: bool },
}

impl Milestone {
    /// The group's or an ancestor's: where the team's iterations live
    /// (a sub-group's or a project's is not available to every project).
    pub fn of_group_or_ancestor(&self) -> bool {
        matches!(
            self.owner,
            None | Some(MilestoneOwner::Group | MilestoneOwner::Ancestor(_))
        )
    }

    /// Whether GitLab lets an issue of the project at `project_path` hold
    /// this milestone (any other is dropped silently).
    pub fn available_to(&self, project_path: &str) -> bool {
        match &self.owner {
            None | Some(MilestoneOwner::Group | MilestoneOwner::Ancestor(_)) => true,
            Some(MilestoneOwner::Descendant(g)) => project_path
                .strip_prefix(g.as_str())
                .is_some_and(|r| r.starts_with('/')),
            Some(MilestoneOwner::Project { path, .. }) => path == project_path,
        }
    }

    /// Whether its title counts in the group's title check: a group
    /// milestone's title is unique among the group's own milestones and
    /// its direct projects', closed ones included
    /// (`Milestone#uniqueness_of_title`), not among ancestors' or
    /// sub-groups'.
    pub fn in_title_scope(&self) -> bool {
        matches!(
            self.owner,
            None | Some(MilestoneOwner::Group | MilestoneOwner::Project { direct: true, .. })
        )
    }

    /// Days from `today` to the due date, inclusive of today (0 on the due day).
    pub fn days_left(&self, today: NaiveDate) -> Option<i64> {
        self.due_date.map(|d| (d - today).num_days())
    }
}

/// An issue as the board needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub id: IssueId,
    pub iid: u64,
    pub project_id: ProjectId,
    pub title: String,
    /// Sanitized, for the screen; [`Issue::raw_description`] is GitLab's text.
    pub description: String,
    pub state: IssueState,
    /// Label titles, as GitLab sends them (sorted by title).
    pub labels: Vec<String>,
    pub milestone_id: Option<MilestoneId>,
    pub assignees: Vec<User>,
    pub author: Option<User>,
    pub weight: Option<u32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub web_url: String,
    /// Rank in GitLab's manual order (`order_by=relative_position`), lower first.
    pub position: i64,
    /// What the web board's cards mark: confidential, incident, due date.
    #[serde(default, skip_serializing_if = "Marks::is_empty")]
    pub marks: Marks,
    /// The description as GitLab sent it, where sanitizing changed it
    /// (tabs, ZWJ emoji, bidi marks): what a write-back splices into and
    /// the conflict check compares, never shown. `None`: as `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_description: Option<String>,
}

/// What GitLab's board cards show besides labels and people.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marks {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confidential: bool,
    /// An incident (a work item type the web board shows, with its icon).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incident: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    /// Blocked by another open issue (issue links), as GitLab's GraphQL
    /// `blocked` says; read with the board order.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blocked: bool,
}

impl Marks {
    pub fn is_empty(&self) -> bool {
        *self == Marks::default()
    }

    /// The flags set, in the order cards and `print` show them, as
    /// (word, glyph): confidential 🔒, incident ⚠, blocked ⊘.
    pub fn shown(&self) -> Vec<(&'static str, &'static str)> {
        [
            (self.confidential, ("confidential", "🔒")),
            (self.incident, ("incident", "⚠")),
            (self.blocked, ("blocked", "⊘")),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, m)| m)
        .collect()
    }
}

impl Issue {
    /// The `priority::N` label's N, if the issue has one (1 is most urgent).
    pub fn priority(&self) -> Option<u8> {
        self.labels.iter().find_map(|l| {
            l.strip_prefix("priority::")
                .and_then(|p| p.trim().parse::<u8>().ok())
        })
    }

    pub fn is_open(&self) -> bool {
        self.state == IssueState::Opened
    }

    /// Its project's full path, from its web address
    /// (`https://host/<project path>/-/issues/N`).
    pub fn project_path(&self) -> Option<String> {
        let url = url::Url::parse(&self.web_url).ok()?;
        let (path, _) = url.path().trim_start_matches('/').split_once("/-/issues")?;
        Some(path.to_owned())
    }

    /// The description byte for byte as GitLab has it (what is sent back).
    pub fn raw_description(&self) -> &str {
        self.raw_description.as_deref().unwrap_or(&self.description)
    }

    /// Take GitLab's text as the description: sanitized for the screen,
    /// kept as it is for writing back.
    pub fn set_description(&mut self, raw: String) {
        let shown = crate::core::domain::sanitize::text(&raw);
        if shown == raw {
            self.description = raw;
            self.raw_description = None;
        } else {
            self.description = shown;
            self.raw_description = Some(raw);
        }
    }

    pub fn has_label(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l == label)
    }
}

/// The key of a scoped label: everything before the last `::` (GitLab's rule),
/// or `None` for an unscoped label.
pub fn label_scope(label: &str) -> Option<&str> {
    label.rfind("::").map(|i| &label[..i])
}

/// The value of a scoped label: everything after the last `::`.
pub fn label_value(label: &str) -> Option<&str> {
    label.rfind("::").map(|i| &label[i + 2..])
}

/// How a team uses labels and milestones: read from the config file, or the
/// demo workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    /// `team::Datastores`
    pub team_label: String,
    /// `workflow-infra`: the scope of the lane labels.
    pub workflow_scope: String,
    /// Lane names in board order (`Triage`, `Ready`, ...), without the scope.
    pub lanes: Vec<String>,
    pub backlog_lane: String,
    pub ready_lane: String,
    pub doing_lane: String,
    pub done_lane: String,
    /// Titles of the team's iteration milestones start with this.
    pub milestone_prefix: String,
    /// Work-in-progress limits per lane (like GitLab's list limits).
    #[serde(default)]
    pub wip: std::collections::BTreeMap<String, u32>,
    /// Limits on a lane's total weight (GitLab's list `max_issue_weight`).
    #[serde(default)]
    pub wip_weight: std::collections::BTreeMap<String, u32>,
    /// Weight each member can take per iteration, by username.
    #[serde(default)]
    pub capacity: std::collections::BTreeMap<String, u32>,
    /// Words in the title of an iteration's planning issue.
    #[serde(default = "default_planning_title")]
    pub planning_title: String,
    /// Lanes the re-plan leaves where they are, besides the done lane.
    #[serde(default = "default_replan_skip_lanes")]
    pub replan_skip_lanes: Vec<String>,
    /// Planned absences: capacity is reduced by the working days missed.
    #[serde(default)]
    pub absences: Vec<Absence>,
    /// How iteration milestones are titled (`{week}`, `{year}`, `{n}`);
    /// empty: the prefix and `W{week}`.
    #[serde(default)]
    pub milestone_title: String,
    /// `[aging]`: days a card may sit in a lane before its age there is a
    /// warning, by lane.
    #[serde(default)]
    pub aging: std::collections::BTreeMap<String, u32>,
}

/// A planned absence (`[[absence]]` in the config), both days included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Absence {
    pub user: String,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

fn default_replan_skip_lanes() -> Vec<String> {
    vec!["Cancelled".into()]
}

fn default_planning_title() -> String {
    "Iteration Planning".into()
}

impl TeamConfig {
    /// The full label of a lane: `workflow-infra::Ready`.
    pub fn lane_label(&self, lane: &str) -> String {
        format!("{}::{}", self.workflow_scope, lane)
    }

    /// The lane names an issue's labels put it in (any label of the workflow
    /// scope, configured or not), in label order.
    pub fn lanes_of<'a>(&self, issue: &'a Issue) -> Vec<&'a str> {
        issue
            .labels
            .iter()
            .filter(|l| label_scope(l) == Some(self.workflow_scope.as_str()))
            .filter_map(|l| label_value(l))
            .collect()
    }

    /// The pattern of the team's iteration titles.
    pub fn milestone_pattern(&self) -> String {
        if self.milestone_title.is_empty() {
            default_pattern(&self.milestone_prefix)
        } else {
            self.milestone_title.clone()
        }
    }

    /// Whether a milestone is one of this team's iterations.
    pub fn is_team_milestone(&self, m: &Milestone) -> bool {
        m.title.starts_with(&self.milestone_prefix) && m.of_group_or_ancestor()
    }

    /// The milestone title without the team prefix (`W45`), for tight spaces.
    pub fn short_milestone_title<'a>(&self, m: &'a Milestone) -> &'a str {
        m.title
            .strip_prefix(&self.milestone_prefix)
            .filter(|s| !s.is_empty())
            .unwrap_or(&m.title)
    }
}

/// A comment on an issue (GitLab's "note").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: u64,
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// GitLab's own notes ("changed the milestone"), not people's.
    pub system: bool,
}

/// Everything the board shows, as loaded from the cache, GitLab or the demo.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Workspace {
    /// Human name of the source (`gitlab.com · gitlab-com/gl-infra`, `demo`).
    pub name: String,
    pub host: String,
    pub group: String,
    pub issues: Vec<Issue>,
    pub milestones: Vec<Milestone>,
    pub members: Vec<User>,
    pub projects: Vec<Project>,
    /// The token's user, when known.
    pub me: Option<User>,
    pub is_demo: bool,
    /// The instance keeps no weights and one assignee per issue (GitLab
    /// Free), as its answers show.
    pub free_tier: bool,
    /// Milestones each issue was added to, oldest first (GitLab's resource
    /// milestone events), where known.
    pub history: std::collections::HashMap<IssueId, Vec<MilestoneId>>,
    /// GitLab's resource events of each issue as last read (issue #29):
    /// milestone, state and label events, oldest first, where cached.
    pub events: std::collections::HashMap<IssueId, crate::core::domain::events::IssueEvents>,
    /// The merge requests that close cached issues (issue #30).
    pub merge_requests: Vec<crate::core::domain::merge_requests::MergeRequest>,
}

impl Workspace {
    /// How many earlier team iterations an issue was carried over from:
    /// team milestones it was in before its current one.
    pub fn carried_over(&self, team: &TeamConfig, issue: &Issue) -> u32 {
        let (Some(current), Some(history)) = (
            issue.milestone_id.and_then(|m| self.milestone(m)),
            self.history.get(&issue.id),
        ) else {
            return 0;
        };
        let start = current.start_date;
        let mut seen: Vec<MilestoneId> = Vec::new();
        for m in history.iter().filter_map(|id| self.milestone(*id)) {
            if m.id != current.id
                && team.is_team_milestone(m)
                && m.start_date.zip(start).is_none_or(|(a, b)| a < b)
                && !seen.contains(&m.id)
            {
                seen.push(m.id);
            }
        }
        u32::try_from(seen.len()).unwrap_or(u32::MAX)
    }

    pub fn milestone(&self, id: MilestoneId) -> Option<&Milestone> {
        self.milestones.iter().find(|m| m.id == id)
    }

    pub fn project(&self, id: ProjectId) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }

    pub fn issue(&self, id: IssueId) -> Option<&Issue> {
        self.issues.iter().find(|i| i.id == id)
    }
}

/// The iteration title pattern when the config has none: the prefix and
/// the ISO week (what `cadence` fills in).
pub fn default_pattern(prefix: &str) -> String {
    format!("{prefix}W{{week}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_is_everything_before_the_last_double_colon() {
        assert_eq!(label_scope("workflow-infra::Ready"), Some("workflow-infra"));
        assert_eq!(label_scope("nested::key1::value"), Some("nested::key1"));
        assert_eq!(label_value("nested::key1::value"), Some("value"));
        assert_eq!(label_scope("database"), None);
    }

    #[test]
    fn carry_over_counts_earlier_team_iterations() {
        use crate::core::testing::{milestone, team, workspace};
        let mut i = crate::core::testing::issue(1, 10, &["team::Datastores"]);
        i.milestone_id = Some(2);
        let mut ws = workspace(vec![i.clone()]);
        ws.milestones.push(milestone(
            3,
            "Datastores team - W43",
            Some("2025-10-20"),
            Some("2025-11-02"),
        ));
        ws.milestones.push(milestone(
            4,
            "Release 18.6",
            Some("2025-10-01"),
            Some("2025-10-30"),
        ));
        assert_eq!(ws.carried_over(&team(), &i), 0, "no history known");
        ws.history.insert(1, vec![3, 4, 1, 3, 2]);
        assert_eq!(
            ws.carried_over(&team(), &i),
            2,
            "W43 and W45 once each; other milestones do not count"
        );
    }

    #[test]
    fn priority_reads_the_scoped_label() {
        let mut issue = crate::core::testing::issue(1, 10, &["priority::2", "team::X"]);
        assert_eq!(issue.priority(), Some(2));
        issue.labels = vec!["priority::high".into()];
        assert_eq!(issue.priority(), None);
    }
}
