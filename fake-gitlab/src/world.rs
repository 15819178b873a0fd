//! The fake's whole state, [`World`], and the records it holds: users,
//! projects, milestones, issues, notes and milestone events, with the
//! look-ups and GitLab-style label rules the handlers share.

use std::collections::{BTreeSet, VecDeque};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::faults::{Chaos, ChaosCounts, Fault};

/// GitLab's tier decides weight and scoped-label behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tier {
    Free,
    Premium,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FUser {
    pub id: u64,
    pub username: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FProject {
    pub id: u64,
    /// Full path, `group/sub/project`.
    pub path: String,
    /// Archived: read-only, and left out of the group's issue listings
    /// (the API's `non_archived` defaults to true) and its boards.
    #[serde(default)]
    pub archived: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FMilestone {
    pub id: u64,
    pub iid: u64,
    pub title: String,
    pub description: String,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    /// `active` or `closed`.
    pub state: String,
    /// Where it lives relative to the group: `""` the group itself,
    /// `"ancestor"` a parent group, `"descendant"` a subgroup (`<group>/sub`),
    /// `"project:<id>"` a project of the group.
    #[serde(default)]
    pub lives: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FIssue {
    pub id: u64,
    pub iid: u64,
    pub project_id: u64,
    pub title: String,
    pub description: Option<String>,
    /// `opened` or `closed`.
    pub state: String,
    pub labels: BTreeSet<String>,
    pub milestone_id: Option<u64>,
    pub assignee_ids: Vec<u64>,
    pub author_id: u64,
    pub weight: Option<u32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub relative_position: i64,
    /// Time spent (`/spend`), in seconds.
    #[serde(default)]
    pub time_spent_secs: i64,
    /// The work item type: `issue`, `incident`, `task`, `test_case`,
    /// `objective`, `key_result` (REST lists them all).
    #[serde(default = "issue_type")]
    pub issue_type: String,
    #[serde(default)]
    pub confidential: bool,
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    /// Blocked by an open issue (issue links); GraphQL's `blocked`.
    #[serde(default)]
    pub blocked: bool,
}

fn default_version() -> String {
    "18.5.1-ee".into()
}

fn issue_type() -> String {
    "issue".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FNote {
    pub id: u64,
    pub issue_id: u64,
    pub body: String,
    pub author_id: u64,
    pub created_at: DateTime<Utc>,
    /// A note GitLab wrote about a change (a quick action's effect).
    #[serde(default)]
    pub system: bool,
}

/// A resource milestone event: the issue was added to or removed from a milestone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FMilestoneEvent {
    pub id: u64,
    pub issue_id: u64,
    pub milestone_id: u64,
    /// `add` or `remove`.
    pub action: String,
    pub created_at: DateTime<Utc>,
}

/// A group issue board: its scope and its label lists.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FBoard {
    pub id: u64,
    pub name: String,
    /// Scope (Premium): labels every issue on it carries, a milestone.
    pub labels: Vec<String>,
    pub milestone_id: Option<u64>,
    pub lists: Vec<FList>,
}

/// A label list of a board (the Open and Closed lists are not lists).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FList {
    pub id: u64,
    pub label: String,
    pub position: i64,
    /// 0: no limit.
    pub max_issue_count: u32,
    /// Premium: a limit on the lists's issues' weight (0: none), and which
    /// limits count (`issue_count`, `issue_weights`, `all_metrics`).
    #[serde(default)]
    pub max_issue_weight: u32,
    #[serde(default)]
    pub limit_metric: Option<String>,
    /// A work item status list (GitLab 18.2+, Premium): its status's name;
    /// `label` is then empty.
    #[serde(default)]
    pub status: Option<String>,
}

/// The fake's whole state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct World {
    pub host: String,
    pub token: String,
    pub tier: Tier,
    pub group_id: u64,
    pub group_path: String,
    pub me: u64,
    pub users: Vec<FUser>,
    pub projects: Vec<FProject>,
    pub milestones: Vec<FMilestone>,
    pub labels: Vec<String>,
    pub issues: Vec<FIssue>,
    pub notes: Vec<FNote>,
    /// Milestone history (`resource_milestone_events`).
    #[serde(default)]
    pub milestone_events: Vec<FMilestoneEvent>,
    /// Label history (`resource_label_events`).
    #[serde(default)]
    pub label_events: Vec<crate::events::FLabelEvent>,
    /// Close and reopen history (`resource_state_events`).
    #[serde(default)]
    pub state_events: Vec<crate::events::FStateEvent>,
    /// The group's issue boards.
    #[serde(default)]
    pub boards: Vec<FBoard>,
    /// Merge requests of the group's projects (issue #30).
    #[serde(default)]
    pub merge_requests: Vec<crate::merge_requests::FMergeRequest>,
    /// Their pipelines.
    #[serde(default)]
    pub pipelines: Vec<crate::merge_requests::FPipeline>,
    pub next_id: u64,
    /// Faults for the next requests, in order.
    pub faults: VecDeque<Fault>,
    /// A fault for every request until cleared.
    pub always: Option<Fault>,
    /// Added before every answer.
    pub latency_ms: u64,
    /// The fake's clock runs this many seconds ahead of the machine's (a
    /// negative number: behind). Timestamps and the `Date` header use it.
    #[serde(default)]
    pub clock_offset_secs: i64,
    /// Random faults and latency for every request, while set.
    #[serde(default)]
    pub chaos: Option<Chaos>,
    #[serde(default)]
    pub chaos_counts: ChaosCounts,
    /// Chaos mode: how many requests of each key came so far.
    #[serde(skip)]
    pub chaos_seen: std::collections::HashMap<String, u64>,
    /// Chaos mode: the 429 storm still ahead of each key.
    #[serde(skip)]
    pub chaos_storms: std::collections::HashMap<String, u32>,
    /// Chaos mode: the current request's stream (a page shift draws from it).
    #[serde(skip)]
    pub chaos_stream: u64,
    /// The next this many requests for a later page of a group's issues
    /// first move the top issue to the bottom (a web reorder while paging).
    #[serde(default)]
    pub shift_pages: u32,
    /// GraphQL switched off (as an administrator can): `/api/graphql` is 404.
    #[serde(default)]
    pub no_graphql: bool,
    /// GitLab's version, as `GET /version` says (`include_ancestors` and
    /// `include_descendants` exist on group milestones from 16.7; older
    /// instances take `include_parent_milestones` and ignore the others).
    #[serde(default = "default_version")]
    pub version: String,
    /// Every request as `METHOD /path?query`.
    pub log: Vec<String>,
}

impl World {
    pub fn new(group_path: &str, token: &str) -> World {
        World {
            host: "http://127.0.0.1".into(),
            token: token.into(),
            tier: Tier::Premium,
            group_id: 9970,
            group_path: group_path.into(),
            me: 0,
            users: Vec::new(),
            projects: Vec::new(),
            milestones: Vec::new(),
            labels: Vec::new(),
            issues: Vec::new(),
            notes: Vec::new(),
            milestone_events: Vec::new(),
            label_events: Vec::new(),
            state_events: Vec::new(),
            boards: Vec::new(),
            merge_requests: Vec::new(),
            pipelines: Vec::new(),
            next_id: 1_000_000,
            faults: VecDeque::new(),
            always: None,
            latency_ms: 0,
            clock_offset_secs: 0,
            chaos: None,
            chaos_counts: ChaosCounts::default(),
            chaos_seen: Default::default(),
            chaos_storms: Default::default(),
            chaos_stream: 0,
            shift_pages: 0,
            no_graphql: false,
            version: default_version(),
            log: Vec::new(),
        }
    }

    /// Whether `version` is at least `major.minor`.
    pub fn version_at_least(&self, major: u32, minor: u32) -> bool {
        let mut parts = self
            .version
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|p| p.parse::<u32>().ok());
        let v = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        v >= (major, minor)
    }

    /// The fake server's own clock.
    /// Whether an issue of `project_id` may hold milestone `m`: its
    /// project's own, or one of the project's groups' and their ancestors'
    /// (`Issuable#milestone_available?`, `Project#milestones_available`);
    /// any other is set to none without a word
    /// (`IssuableBaseService#ensure_milestone_available`).
    pub fn milestone_available(&self, m: &FMilestone, project_id: u64) -> bool {
        let path = self
            .projects
            .iter()
            .find(|p| p.id == project_id)
            .map_or("", |p| p.path.as_str());
        match m.lives.as_str() {
            "" | "ancestor" => true,
            "descendant" => path.starts_with(&format!("{}/", self.sub_group_path())),
            other => {
                other
                    .strip_prefix("project:")
                    .and_then(|id| id.parse::<u64>().ok())
                    == Some(project_id)
            }
        }
    }

    /// The sub-group a `"descendant"` milestone lives in.
    pub fn sub_group_path(&self) -> String {
        format!("{}/sub", self.group_path)
    }

    /// GitLab EE (the version ends in `-ee`); CE's GraphQL schema lacks
    /// EE's fields.
    pub fn enterprise(&self) -> bool {
        self.version.ends_with("-ee")
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.clock_offset_secs)
    }

    pub fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn issue(&self, project_id: u64, iid: u64) -> Option<&FIssue> {
        self.issues
            .iter()
            .find(|i| i.project_id == project_id && i.iid == iid)
    }

    /// The issue at `project` / an iid as the URL gives it.
    pub fn issue_by_ref(&self, project: u64, iid: &str) -> Option<FIssue> {
        iid.parse()
            .ok()
            .and_then(|iid| self.issue(project, iid))
            .cloned()
    }

    pub fn issue_mut(&mut self, project_id: u64, iid: u64) -> Option<&mut FIssue> {
        self.issues
            .iter_mut()
            .find(|i| i.project_id == project_id && i.iid == iid)
    }

    /// Apply labels GitLab-style: on Premium a scoped label replaces the
    /// others of its scope (the scope is everything before the last `::`).
    pub fn add_label(&self, labels: &mut BTreeSet<String>, label: &str) {
        if self.tier == Tier::Premium
            && let Some(i) = label.rfind("::")
        {
            let scope = &label[..i];
            labels.retain(|l| {
                let t = label_title(l);
                t.rfind("::").is_none_or(|j| &t[..j] != scope)
            });
        }
        labels.insert(label.to_owned());
    }

    /// Rename a label, as GitLab's label edit does: its id stays, and every
    /// issue and board list that had it shows the new title (no issue's
    /// `updated_at` moves).
    pub fn rename_label(&mut self, from: &str, to: &str) -> bool {
        let Some(n) = self.labels.iter().position(|l| l == from) else {
            return false;
        };
        self.labels[n] = to.to_owned();
        self.rename_label_events(from, to);
        for i in &mut self.issues {
            if i.labels.remove(from) {
                i.labels.insert(to.to_owned());
            }
        }
        for b in &mut self.boards {
            for l in &mut b.lists {
                if l.label == from {
                    l.label = to.to_owned();
                }
            }
            for l in &mut b.labels {
                if l == from {
                    *l = to.to_owned();
                }
            }
        }
        true
    }

    /// Give an issue a project label of its own project titled `title`: a
    /// label of the same name as a group label, but another label (another
    /// id), which GitLab's group boards do not count as the group label's
    /// list. Kept as `title` NUL project id, so the two stay apart.
    pub fn add_project_label(&mut self, project: u64, iid: u64, title: &str) -> bool {
        let key = format!("{title}\u{0}{project}");
        if !self.labels.contains(&key) {
            self.labels.push(key.clone());
        }
        let Some(i) = self
            .issues
            .iter()
            .position(|i| i.project_id == project && i.iid == iid)
        else {
            return false;
        };
        let mut set = self.issues[i].labels.clone();
        self.add_label(&mut set, &key);
        self.issues[i].labels = set;
        true
    }

    /// Delete a project, as GitLab does: it and its issues are gone, and
    /// `/projects/:id/...` answers 404 "Project Not Found".
    pub fn delete_project(&mut self, project_id: u64) {
        self.projects.retain(|p| p.id != project_id);
        self.issues.retain(|i| i.project_id != project_id);
    }

    /// Archive a project: its issues stay readable through the project,
    /// and leave the group's listings.
    pub fn archive_project(&mut self, project_id: u64) {
        if let Some(p) = self.projects.iter_mut().find(|p| p.id == project_id) {
            p.archived = true;
        }
    }

    /// Whether a project exists (in the group or not).
    pub(crate) fn project_exists(&self, project_id: u64) -> bool {
        self.projects.iter().any(|p| p.id == project_id)
    }

    /// Whether a project is archived.
    pub(crate) fn archived(&self, project_id: u64) -> bool {
        self.projects
            .iter()
            .any(|p| p.id == project_id && p.archived)
    }

    pub(crate) fn in_group(&self, project_id: u64) -> bool {
        let prefix = format!("{}/", self.group_path);
        self.projects
            .iter()
            .any(|p| p.id == project_id && p.path.starts_with(&prefix))
    }
}

/// The title of a label as the world keeps it (a project label's key ends
/// in NUL and its project's id).
pub fn label_title(key: &str) -> &str {
    key.split('\u{0}').next().unwrap_or(key)
}

impl FIssue {
    /// Whether the issue has a label of this title (group or project label:
    /// GitLab's `labels=` filter goes by title).
    pub fn has_label_titled(&self, title: &str) -> bool {
        self.labels.iter().any(|l| label_title(l) == title)
    }
}
