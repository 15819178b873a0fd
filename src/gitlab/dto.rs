//! GitLab's JSON payloads (only the fields glboard reads; the rest are
//! ignored) and their conversion into core types. Every string is sanitized
//! here, where it enters the program.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::core::domain::lane_labels::LaneLabels;
use crate::core::domain::model::{
    Issue, IssueState, Marks, Milestone, MilestoneState, Project, User,
};
use crate::core::domain::sanitize;

#[derive(Debug, Clone, Deserialize)]
pub struct ApiUser {
    pub id: u64,
    pub username: String,
    pub name: String,
}

impl From<ApiUser> for User {
    fn from(u: ApiUser) -> User {
        User {
            id: u.id,
            username: sanitize::line(&u.username),
            name: sanitize::line(&u.name),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiMilestoneRef {
    pub id: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiReferences {
    pub full: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiIssue {
    pub id: u64,
    pub iid: u64,
    pub project_id: u64,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub state: String,
    /// Titles; objects with ids when asked `with_labels_details=true`.
    #[serde(default)]
    pub labels: Vec<IssueLabel>,
    #[serde(default)]
    pub milestone: Option<ApiMilestoneRef>,
    #[serde(default)]
    pub assignees: Vec<ApiUser>,
    #[serde(default)]
    pub author: Option<ApiUser>,
    /// Premium and above; the field is absent on Free (`None`), and `null`
    /// for an issue with no weight (`Some(None)`).
    #[serde(default, deserialize_with = "present")]
    pub weight: Option<Option<u32>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    pub web_url: String,
    /// `issue`, `incident`, `test_case`, `task` (REST lists every type).
    #[serde(default)]
    pub issue_type: Option<String>,
    #[serde(default)]
    pub confidential: bool,
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    #[serde(default)]
    pub references: Option<ApiReferences>,
}

impl ApiIssue {
    /// Whether GitLab can keep a weight on this issue where the licence has
    /// weights: every type but incidents (`EE::Issue#supports_weight?`).
    pub fn supports_weight(&self) -> bool {
        self.issue_type.as_deref() != Some("incident")
    }

    /// The project's full path: from `references.full` (`group/project#1`),
    /// else from `web_url` (`https://host/group/project/-/issues/1`).
    pub fn project_path(&self) -> Option<String> {
        if let Some(r) = &self.references
            && let Some((path, _)) = r.full.rsplit_once('#')
        {
            return Some(sanitize::line(path));
        }
        let url = url::Url::parse(&self.web_url).ok()?;
        let (path, _) = url.path().split_once("/-/issues/")?;
        Some(sanitize::line(path.trim_start_matches('/')))
    }

    pub fn project(&self) -> Option<Project> {
        self.project_path().map(|path| Project {
            id: self.project_id,
            path,
        })
    }

    /// The core issue; `position` is set by the sync from GitLab's order,
    /// and lane labels are known by id (`lanes`).
    pub fn into_issue(self, position: i64, lanes: &LaneLabels) -> Issue {
        let given: Vec<(Option<u64>, String)> = self
            .labels
            .iter()
            .map(|l| (l.id, sanitize::line(&l.name)))
            .collect();
        let mut labels = lanes.canonical(&given);
        labels.sort();
        let mut issue = Issue {
            id: self.id,
            iid: self.iid,
            project_id: self.project_id,
            title: sanitize::line(&self.title),
            description: String::new(),
            state: if self.state == "closed" {
                IssueState::Closed
            } else {
                IssueState::Opened
            },
            labels,
            milestone_id: self.milestone.map(|m| m.id),
            assignees: self.assignees.into_iter().map(User::from).collect(),
            author: self.author.map(User::from),
            weight: self.weight.flatten(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            closed_at: self.closed_at,
            web_url: sanitize::line(&self.web_url),
            position,
            marks: Marks {
                confidential: self.confidential,
                incident: self.issue_type.as_deref() == Some("incident"),
                due_date: self.due_date,
                // Not in REST: the sync keeps what GraphQL said.
                blocked: false,
            },
            raw_description: None,
        };
        issue.set_description(self.description.unwrap_or_default());
        issue
    }

    /// Whether GitLab's web board shows this work item: issues and
    /// incidents (`Issue::TYPES_FOR_BOARD_LIST`); tasks, test cases,
    /// objectives and key results are left out.
    pub fn on_boards(&self) -> bool {
        matches!(
            self.issue_type.as_deref(),
            None | Some("issue") | Some("incident")
        )
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiMilestone {
    pub id: u64,
    pub iid: u64,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub start_date: Option<NaiveDate>,
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    pub state: String,
    #[serde(default)]
    pub web_url: Option<String>,
    /// A group milestone's group, or a project milestone's project.
    #[serde(default)]
    pub group_id: Option<u64>,
    #[serde(default)]
    pub project_id: Option<u64>,
}

impl ApiMilestone {
    /// Where it lives, seen from `group` (a full path): read from its web
    /// address (`/groups/<path>/-/milestones/N` for a group's,
    /// `/<project path>/-/milestones/N` for a project's).
    pub fn owner(&self, group: &str) -> Option<crate::core::domain::model::MilestoneOwner> {
        use crate::core::domain::model::MilestoneOwner;
        let url = url::Url::parse(self.web_url.as_deref()?).ok()?;
        let path = url.path().trim_start_matches('/');
        let (owner, _) = path.split_once("/-/milestones")?;
        let owner = percent_encoding::percent_decode_str(owner)
            .decode_utf8_lossy()
            .into_owned();
        let group = group.trim_matches('/');
        match owner.strip_prefix("groups/") {
            Some(g) if self.project_id.is_none() => Some(if g == group {
                MilestoneOwner::Group
            } else if group.starts_with(&format!("{g}/")) {
                MilestoneOwner::Ancestor(g.to_owned())
            } else {
                MilestoneOwner::Descendant(g.to_owned())
            }),
            _ => {
                let direct = owner
                    .strip_prefix(group)
                    .and_then(|r| r.strip_prefix('/'))
                    .is_some_and(|name| !name.contains('/'));
                Some(MilestoneOwner::Project {
                    path: owner,
                    direct,
                })
            }
        }
    }

    /// As a core milestone, its owner seen from `group`.
    pub fn into_milestone(self, group: &str) -> Milestone {
        let owner = self.owner(group);
        Milestone {
            owner,
            ..Milestone::from(self)
        }
    }
}

impl From<ApiMilestone> for Milestone {
    fn from(m: ApiMilestone) -> Milestone {
        Milestone {
            id: m.id,
            iid: m.iid,
            title: sanitize::line(&m.title),
            description: sanitize::text(m.description.as_deref().unwrap_or("")),
            start_date: m.start_date,
            due_date: m.due_date,
            state: if m.state == "closed" {
                MilestoneState::Closed
            } else {
                MilestoneState::Active
            },
            web_url: sanitize::line(m.web_url.as_deref().unwrap_or("")),
            owner: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiLabel {
    #[serde(default)]
    pub id: u64,
    pub name: String,
}

/// A label of an issue: its title, and its id when GitLab gave details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueLabel {
    pub id: Option<u64>,
    pub name: String,
}

impl<'de> Deserialize<'de> for IssueLabel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Name(String),
            Detail { id: u64, name: String },
        }
        Ok(match Either::deserialize(d)? {
            Either::Name(name) => IssueLabel { id: None, name },
            Either::Detail { id, name } => IssueLabel { id: Some(id), name },
        })
    }
}

impl IssueLabel {
    pub fn named(name: &str) -> IssueLabel {
        IssueLabel {
            id: None,
            name: name.to_owned(),
        }
    }
}

/// An error body: `message` may be a string or an object; `error` a string.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct ApiErrorBody {
    #[serde(default)]
    pub message: Option<serde_json::Value>,
    #[serde(default)]
    pub error: Option<String>,
}

impl ApiErrorBody {
    /// A one-line summary of a response body (JSON or plain text), sanitized and short.
    pub fn summarize(body: &[u8]) -> String {
        if let Some(text) = html_summary(body) {
            return crate::core::domain::text::truncate(&sanitize::line(&text), 200);
        }
        let text = match serde_json::from_slice::<ApiErrorBody>(body) {
            Ok(b) => match (b.message, b.error) {
                (Some(serde_json::Value::String(s)), _) => s,
                (Some(v), _) => v.to_string(),
                (None, Some(e)) => e,
                (None, None) => String::from_utf8_lossy(body).into_owned(),
            },
            Err(_) => String::from_utf8_lossy(body).into_owned(),
        };
        crate::core::domain::text::truncate(&sanitize::line(text.trim()), 200)
    }
}

/// An HTML error page (a proxy's 502/503): its `<title>`, else its text
/// without tags, on one line. `None` when the body is not HTML.
fn html_summary(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let head = text
        .trim_start()
        .get(..15)
        .unwrap_or("")
        .to_ascii_lowercase();
    if !(head.starts_with("<!doctype html") || head.starts_with("<html")) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    if let (Some(a), Some(b)) = (lower.find("<title>"), lower.find("</title>"))
        && a + 7 <= b
    {
        let title = text[a + 7..b]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !title.is_empty() {
            return Some(title);
        }
    }
    // No title: the visible text, tags and styles dropped.
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    Some(out.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A list of a group board (`GET /groups/:id/boards/:board_id/lists`): a
/// label list, or (Premium) a milestone, assignee or iteration list with
/// no label.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiList {
    pub id: u64,
    #[serde(default)]
    pub label: Option<ApiLabel>,
    #[serde(default)]
    pub position: Option<i64>,
    #[serde(default)]
    pub max_issue_count: Option<u32>,
    /// Premium: a limit on the weight of the list's issues
    /// (`ee/lib/ee/api/entities/list.rb`), with `limit_metric`
    /// (`issue_count`, `issue_weights` or `all_metrics`).
    #[serde(default)]
    pub max_issue_weight: Option<u32>,
    #[serde(default)]
    pub limit_metric: Option<String>,
    /// GitLab 18.2+ (Premium): a list of a work item status instead of a
    /// label.
    #[serde(default)]
    pub status: Option<serde_json::Value>,
    #[serde(default)]
    pub list_type: Option<String>,
    /// Premium's other kinds of list (`ee/lib/ee/api/entities/list.rb`).
    #[serde(default)]
    pub milestone: Option<serde_json::Value>,
    #[serde(default)]
    pub iteration: Option<serde_json::Value>,
    #[serde(default)]
    pub assignee: Option<serde_json::Value>,
}

impl ApiList {
    /// A list of a work item status (GitLab 18.2+), which glboard does
    /// not read yet: its lanes are labels. Told by its status or type
    /// where the answer names them, else by a list with neither a label
    /// nor a milestone, iteration or assignee.
    pub fn is_status_list(&self) -> bool {
        let set = |v: &Option<serde_json::Value>| v.as_ref().is_some_and(|v| !v.is_null());
        set(&self.status)
            || self.list_type.as_deref() == Some("status")
            || (self.label.is_none()
                && !set(&self.milestone)
                && !set(&self.iteration)
                && !set(&self.assignee))
    }
}

/// What a sync says of boards whose lists are work item statuses (GitLab
/// 18.2+), which glboard does not support yet; empty when none is.
pub fn status_board_warnings(boards: &[ApiBoard]) -> Vec<String> {
    boards
        .iter()
        .filter(|b| b.lists.iter().any(ApiList::is_status_list))
        .map(|b| {
            format!(
                "board \"{}\" has work item status lists (GitLab 18.2+), which glboard does not support yet: glboard's lanes are the workflow labels, so a card moved between statuses on the web board does not move here; keep label lists on the team's boards",
                crate::core::domain::sanitize::line(&b.name)
            )
        })
        .collect()
}

/// A board's milestone, as boards show it.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiBoardMilestone {
    pub title: String,
}

/// A group board (`GET /groups/:id/boards/:board_id`).
#[derive(Debug, Clone, Deserialize)]
pub struct ApiBoard {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub labels: Vec<ApiLabel>,
    #[serde(default)]
    pub milestone: Option<ApiBoardMilestone>,
    #[serde(default)]
    pub lists: Vec<ApiList>,
}

/// An issue's place in the board order, from GraphQL: its global id
/// (`gid://gitlab/Issue/123`), iid, project and relative position (null
/// for a new issue not placed yet: it goes last).
#[derive(Debug, Clone, Deserialize)]
pub struct OrderedIssue {
    #[serde(deserialize_with = "global_id")]
    pub id: u64,
    #[serde(deserialize_with = "string_number")]
    pub iid: u64,
    #[serde(rename = "projectId")]
    pub project_id: u64,
    #[serde(rename = "relativePosition", default)]
    pub relative_position: Option<i64>,
    /// Blocked by an open issue (issue links).
    #[serde(default)]
    pub blocked: bool,
}

/// `gid://gitlab/Issue/123` as 123.
fn global_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let s = String::deserialize(d)?;
    s.rsplit('/')
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| serde::de::Error::custom(format!("not a global id: {s}")))
}

/// GraphQL sends iids as strings.
fn string_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    match &v {
        serde_json::Value::String(s) => s.parse().ok(),
        serde_json::Value::Number(n) => n.as_u64(),
        _ => None,
    }
    .ok_or_else(|| serde::de::Error::custom(format!("not a number: {v}")))
}

/// A field that is present, even as `null`, is `Some`.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Whether a GraphQL validation error says `field` does not exist (GitLab
/// CE's schema lacks EE's fields: "Field 'blocked' doesn't exist on type
/// 'Issue'").
pub fn names_missing_field(message: &str, field: &str) -> bool {
    message.contains(&format!("Field '{field}' doesn't exist"))
}

/// Whether a listing shows a GitLab that keeps no weights (Free), from
/// positive evidence only: an issue that can carry a weight and has the
/// field means Premium (`Some(false)`), such issues all without it mean
/// Free (`Some(true)`). Incidents never carry `weight`, even on Premium
/// (`EE::Issue#supports_weight?` is `!incident?`, and
/// `ee/lib/ee/api/entities/issue_basic.rb` exposes it only
/// `if issue.weight_available?`): they say nothing, and neither does an
/// empty listing (`None`).
pub fn free_tier<'a>(issues: impl IntoIterator<Item = &'a ApiIssue>) -> Option<bool> {
    let weighable: Vec<&ApiIssue> = issues.into_iter().filter(|i| i.supports_weight()).collect();
    if weighable.iter().any(|i| i.weight.is_some()) {
        return Some(false);
    }
    (!weighable.is_empty()).then_some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLES: &str = "../shared/gitlab-api/examples";

    fn example(name: &str) -> Option<String> {
        std::fs::read_to_string(format!("{}/{EXAMPLES}/{name}", env!("CARGO_MANIFEST_DIR"))).ok()
    }

    #[test]
    fn an_html_error_page_is_summarized_by_its_title() {
        let page = b"<!DOCTYPE html>\n<html><head><title>GitLab is not\n responding (502)</title><style>p{}</style></head><body><h1>502</h1></body></html>";
        assert_eq!(
            ApiErrorBody::summarize(page),
            "GitLab is not responding (502)"
        );
        let untitled =
            b"<html><body><h1>503 Service Unavailable</h1>\n<p>Back soon</p></body></html>";
        assert_eq!(
            ApiErrorBody::summarize(untitled),
            "503 Service Unavailable Back soon"
        );
        assert_eq!(ApiErrorBody::summarize(b"Retry later\n"), "Retry later");
    }

    #[test]
    fn the_documented_issue_lists_parse() {
        for name in [
            "group_issues_list.example.json",
            "issues_list.example.json",
            "project_issues_list.example.json",
        ] {
            let Some(src) = example(name) else { continue };
            let issues: Vec<ApiIssue> =
                serde_json::from_str(&src).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!issues.is_empty());
            let i = issues[0].clone().into_issue(0, &LaneLabels::default());
            assert!(i.iid > 0);
        }
        if let Some(src) = example("group_issues_list.example.json") {
            let issues: Vec<ApiIssue> = serde_json::from_str(&src).unwrap();
            assert_eq!(
                issues[0].project_path().as_deref(),
                Some("my-group/my-project")
            );
        }
    }

    #[test]
    fn the_documented_milestones_and_members_parse() {
        if let Some(src) = example("group_milestones.example.json") {
            let ms: Vec<ApiMilestone> = serde_json::from_str(&src).unwrap();
            let m: Milestone = ms[0].clone().into();
            assert_eq!(m.start_date, NaiveDate::from_ymd_opt(2013, 11, 10));
        }
        if let Some(src) = example("group_members_all.example.json") {
            let us: Vec<ApiUser> = serde_json::from_str(&src).unwrap();
            assert_eq!(us[0].username, "raymond_smith");
        }
    }

    #[test]
    fn project_path_falls_back_to_the_web_url() {
        let path = |web_url: &str| {
            let src = format!(
                r#"{{"id":1,"iid":2,"project_id":3,"title":"t","state":"opened","created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z","web_url":"{web_url}"}}"#
            );
            serde_json::from_str::<ApiIssue>(&src)
                .unwrap()
                .project_path()
        };
        assert_eq!(
            path("https://gl.example.com/a/b/c/-/issues/2").as_deref(),
            Some("a/b/c")
        );
        assert_eq!(
            path("http://127.0.0.1:3000/a/b/-/issues/2?x=1#note_3").as_deref(),
            Some("a/b")
        );
        assert_eq!(path("https://gl.example.com/a/b/-/merge_requests/2"), None);
        assert_eq!(path("a/b/-/issues/2"), None);
    }

    #[test]
    fn a_milestones_owner_is_read_from_its_decoded_address() {
        use crate::core::domain::model::MilestoneOwner;
        let owner = |web_url: &str, project: bool| {
            let src = format!(
                r#"{{"id":1,"iid":2,"title":"W1","state":"active","web_url":"{web_url}","project_id":{}}}"#,
                if project { "5" } else { "null" }
            );
            serde_json::from_str::<ApiMilestone>(&src)
                .unwrap()
                .owner("acme/infra")
        };
        let h = "https://gl.example.com";
        assert_eq!(
            owner(&format!("{h}/groups/acme/infra/-/milestones/2"), false),
            Some(MilestoneOwner::Group)
        );
        assert_eq!(
            owner(&format!("{h}/groups/acme/-/milestones/2"), false),
            Some(MilestoneOwner::Ancestor("acme".into()))
        );
        assert_eq!(
            owner(&format!("{h}/groups/acme/infra/db/-/milestones/2"), false),
            Some(MilestoneOwner::Descendant("acme/infra/db".into()))
        );
        assert_eq!(
            owner(&format!("{h}/acme/infra/r%C3%A9seau/-/milestones/2"), true),
            Some(MilestoneOwner::Project {
                path: "acme/infra/réseau".into(),
                direct: true
            })
        );
        // A path's `+` is a plus (a form's would be a space).
        assert_eq!(
            owner(&format!("{h}/acme/infra/db/c+d/-/milestones/2"), true),
            Some(MilestoneOwner::Project {
                path: "acme/infra/db/c+d".into(),
                direct: false
            })
        );
        assert_eq!(owner("not an address", false), None);
    }

    #[test]
    fn control_characters_from_gitlab_never_reach_the_core() {
        let src = r#"{"id":1,"iid":2,"project_id":3,"title":"evil \u001b]0;pwned\u0007 title\u001b[2J","description":"x\u001b[31mred","state":"opened","labels":["a\u0007b"],"created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z","web_url":"https://gl.example.com/a/b/-/issues/2"}"#;
        let i: ApiIssue = serde_json::from_str(src).unwrap();
        let issue = i.into_issue(0, &LaneLabels::default());
        for s in [&issue.title, &issue.description, &issue.labels[0]] {
            assert!(!s.chars().any(|c| c.is_control() && c != '\n'), "{s:?}");
        }
    }

    #[test]
    fn error_bodies_are_summarized_whatever_their_shape() {
        assert_eq!(
            ApiErrorBody::summarize(br#"{"message":"401 Unauthorized"}"#),
            "401 Unauthorized"
        );
        assert_eq!(
            ApiErrorBody::summarize(br#"{"error":"title is missing"}"#),
            "title is missing"
        );
        assert_eq!(
            ApiErrorBody::summarize(br#"{"message":{"error":"Unprocessable Entity"}}"#),
            r#"{"error":"Unprocessable Entity"}"#
        );
        assert_eq!(ApiErrorBody::summarize(b"Retry later"), "Retry later");
    }
}
