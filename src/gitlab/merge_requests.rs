//! GitLab's merge requests as glboard reads them (issue #30): the group's
//! list of those updated since a time (no pipeline in lists), one merge
//! request with its `head_pipeline`, the issues it closes, its approvals,
//! and a project's pipelines updated since a time (a status change does
//! not touch the merge request's `updated_at`).

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Client, GitlabError};
use crate::core::domain::merge_requests::{MergeRequest, MrState, PipelineStatus};
use crate::core::domain::model::IssueId;
use crate::core::domain::sanitize;

#[derive(Debug, Clone, Deserialize)]
pub struct ApiUserRef {
    pub username: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiReferences {
    pub full: String,
}

/// Projects asked about in one GraphQL query of [`Client::head_pipelines`]
/// (well within GitLab's query complexity: each connection of at most
/// 100 nodes adds about one).
pub const PROJECTS_A_QUERY: usize = 10;

/// (project path, merge request iid) → its head pipeline (id, status).
pub type HeadPipelines = std::collections::HashMap<(String, u64), Option<(u64, PipelineStatus)>>;

/// A pipeline, as a merge request's `head_pipeline` or a project's list
/// gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiPipeline {
    pub id: u64,
    /// GitLab's word read as the status (`Unknown` when it is new to us).
    pub status: PipelineStatus,
    #[serde(default)]
    pub sha: Option<String>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

/// A merge request: a list's entry (no `head_pipeline`) or a single read.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiMergeRequest {
    pub id: u64,
    pub iid: u64,
    pub project_id: u64,
    pub title: String,
    pub state: String,
    /// `draft` (13.x+); older instances say `work_in_progress`.
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub work_in_progress: bool,
    #[serde(default)]
    pub author: Option<ApiUserRef>,
    #[serde(default)]
    pub reviewers: Vec<ApiUserRef>,
    #[serde(default)]
    pub web_url: String,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub references: Option<ApiReferences>,
    #[serde(default)]
    pub sha: Option<String>,
    #[serde(default)]
    pub head_pipeline: Option<ApiPipeline>,
}

/// `GET .../approvals`: Free answers `approved` too (approvals are in
/// every tier since 13.2; EE adds the rules and counts).
#[derive(Debug, Clone, Deserialize)]
pub struct ApiApprovals {
    #[serde(default)]
    pub approved: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiIssueId {
    pub id: u64,
}

impl ApiMergeRequest {
    /// The core's merge request, sanitized, closing `closes`; pipeline and
    /// approval as known (`approved`), or kept from `old`.
    pub fn into_merge_request(
        self,
        closes: Vec<IssueId>,
        approved: bool,
        old: Option<&MergeRequest>,
    ) -> MergeRequest {
        let reference = match &self.references {
            Some(r) => sanitize::line(&r.full),
            None => format!("!{}", self.iid),
        };
        let (pipeline, pipeline_id, pipeline_updated_at) = match &self.head_pipeline {
            Some(p) => (Some(p.status), Some(p.id), p.updated_at),
            None => match old {
                // A list's entry has no pipeline: what was known stays.
                Some(o) if self.head_pipeline.is_none() && o.sha == self.sha => {
                    (o.pipeline, o.pipeline_id, o.pipeline_updated_at)
                }
                _ => (None, None, None),
            },
        };
        MergeRequest {
            id: self.id,
            project_id: self.project_id,
            iid: self.iid,
            reference,
            title: sanitize::line(&self.title),
            author: self
                .author
                .map(|a| sanitize::line(&a.username))
                .unwrap_or_default(),
            reviewers: self
                .reviewers
                .iter()
                .map(|r| sanitize::line(&r.username))
                .collect(),
            state: MrState::from_gitlab(&self.state),
            draft: self.draft || self.work_in_progress,
            pipeline,
            pipeline_id,
            pipeline_updated_at,
            sha: self.sha,
            approved,
            web_url: self.web_url,
            closes,
            updated_at: self.updated_at,
        }
    }
}

impl Client {
    fn mr_path(project: u64, iid: u64) -> String {
        format!("/projects/{project}/merge_requests/{iid}")
    }

    /// The group's merge requests (every project, every state) updated
    /// since `since`, oldest change first.
    pub async fn group_merge_requests(
        &self,
        group: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<ApiMergeRequest>, GitlabError> {
        let path = format!("/groups/{}/merge_requests", Self::group_path(group));
        self.get_all(
            &path,
            &[
                ("state", "all".into()),
                ("scope", "all".into()),
                (
                    "updated_after",
                    since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ),
                ("order_by", "updated_at".into()),
                ("sort", "asc".into()),
            ],
            |m: &ApiMergeRequest| m.id,
            &|_, _| {},
        )
        .await
    }

    /// One merge request, with its `head_pipeline`.
    pub async fn merge_request(
        &self,
        project: u64,
        iid: u64,
    ) -> Result<ApiMergeRequest, GitlabError> {
        Ok(self
            .get_json(
                &self.url(&Self::mr_path(project, iid), &[]),
                "merge request",
            )
            .await?
            .0)
    }

    /// The issues a merge request closes when merged (any project).
    pub async fn closes_issues(
        &self,
        project: u64,
        iid: u64,
    ) -> Result<Vec<ApiIssueId>, GitlabError> {
        let path = format!("{}/closes_issues", Self::mr_path(project, iid));
        self.get_all(&path, &[], |i: &ApiIssueId| i.id, &|_, _| {})
            .await
    }

    /// Whether a merge request is approved.
    pub async fn approvals(&self, project: u64, iid: u64) -> Result<ApiApprovals, GitlabError> {
        let path = format!("{}/approvals", Self::mr_path(project, iid));
        Ok(self.get_json(&self.url(&path, &[]), "approvals").await?.0)
    }

    /// A project's pipelines updated since `since`.
    /// The head pipelines of these merge requests (by project path, their
    /// iids), through GraphQL: one request for up to [`PROJECTS_A_QUERY`]
    /// projects (`Project.mergeRequests(iids:)`, `MergeRequest.headPipeline`
    /// in GitLab's `app/graphql/types/`), where REST needs one pipelines list
    /// per project. Answers (path, iid) → the head pipeline's id and status
    /// in REST's words (`failed`), `None` without one; a merge request
    /// GitLab did not return is absent.
    pub async fn head_pipelines(
        &self,
        wanted: &[(String, Vec<u64>)],
    ) -> Result<HeadPipelines, GitlabError> {
        let mut out = HeadPipelines::new();
        for chunk in wanted.chunks(PROJECTS_A_QUERY) {
            let mut params = Vec::new();
            let mut fields = Vec::new();
            let mut vars = serde_json::Map::new();
            for (n, (path, iids)) in chunk.iter().enumerate() {
                params.push(format!("$p{n}: ID!, $i{n}: [String!]"));
                fields.push(format!(
                    "p{n}: project(fullPath: $p{n}) {{ mergeRequests(iids: $i{n}, first: 100) {{ nodes {{ iid headPipeline {{ id status }} }} }} }}"
                ));
                vars.insert(format!("p{n}"), serde_json::json!(path));
                vars.insert(
                    format!("i{n}"),
                    serde_json::json!(iids.iter().map(u64::to_string).collect::<Vec<_>>()),
                );
            }
            let query = format!("query({}) {{ {} }}", params.join(", "), fields.join(" "));
            let v = self
                .graphql(&query, serde_json::Value::Object(vars))
                .await?;
            for (n, (path, _)) in chunk.iter().enumerate() {
                let nodes = v["data"][format!("p{n}")]["mergeRequests"]["nodes"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                for node in nodes {
                    let Some(iid) = node["iid"].as_str().and_then(|s| s.parse::<u64>().ok()) else {
                        continue;
                    };
                    let head = &node["headPipeline"];
                    let pipeline = head["id"]
                        .as_str()
                        .and_then(|g| g.rsplit('/').next())
                        .and_then(|id| id.parse::<u64>().ok())
                        .zip(head["status"].as_str())
                        .map(|(id, status)| {
                            (id, PipelineStatus::from(status.to_lowercase().as_str()))
                        });
                    out.insert((path.clone(), iid), pipeline);
                }
            }
        }
        Ok(out)
    }

    pub async fn pipelines_since(
        &self,
        project: u64,
        since: DateTime<Utc>,
    ) -> Result<Vec<ApiPipeline>, GitlabError> {
        let path = format!("/projects/{project}/pipelines");
        self.get_all(
            &path,
            &[(
                "updated_after",
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            )],
            |p: &ApiPipeline| p.id,
            &|_, _| {},
        )
        .await
    }
}
