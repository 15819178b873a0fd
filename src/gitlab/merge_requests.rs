//! GitLab's merge requests as glboard reads them (issue #30): the group's
//! list of those updated since a time (no pipeline in lists), one merge
//! request with its `head_pipeline`, the issues it closes, its approvals,
//! and a project's pipelines updated since a time (a status change does
//! not touch the merge request's `updated_at`).

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Client, GitlabError};
use crate::core::merge_requests::{MergeRequest, MrState};
use crate::core::model::IssueId;
use crate::core::sanitize;

#[derive(Debug, Clone, Deserialize)]
pub struct ApiUserRef {
    pub username: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiReferences {
    pub full: String,
}

/// A pipeline, as a merge request's `head_pipeline` or a project's list
/// gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiPipeline {
    pub id: u64,
    pub status: String,
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
            Some(p) => (Some(sanitize::line(&p.status)), Some(p.id), p.updated_at),
            None => match old {
                // A list's entry has no pipeline: what was known stays.
                Some(o) if self.head_pipeline.is_none() && o.sha == self.sha => {
                    (o.pipeline.clone(), o.pipeline_id, o.pipeline_updated_at)
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
