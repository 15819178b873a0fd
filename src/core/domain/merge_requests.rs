//! The merge requests behind each card (issue #30): what a merge request
//! that closes an issue is (state, draft, head pipeline, approval,
//! reviewers), and its compact mark on a card (`!42 ✓`, `!42 ✗`,
//! `!42 ◌`, `!42 draft`, `!42 merged`), readable without colour and fitted
//! to the room a card has.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::core::domain::ids::IssueId;
use crate::core::domain::text;

/// A merge request's state, as GitLab says it (`locked` is shown as open:
/// GitLab locks one only while it merges).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MrState {
    Opened,
    Merged,
    Closed,
}

impl MrState {
    /// GitLab's word for it (`opened`, `merged`, `closed`, `locked`).
    pub fn from_gitlab(s: &str) -> MrState {
        match s {
            "merged" => MrState::Merged,
            "closed" => MrState::Closed,
            _ => MrState::Opened,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MrState::Opened => "opened",
            MrState::Merged => "merged",
            MrState::Closed => "closed",
        }
    }
}

/// A merge request that closes one or more cached issues when merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeRequest {
    pub id: u64,
    pub project_id: u64,
    pub iid: u64,
    /// The full reference, `group/project!iid`.
    pub reference: String,
    pub title: String,
    /// The author's username.
    pub author: String,
    /// The reviewers' usernames.
    pub reviewers: Vec<String>,
    pub state: MrState,
    pub draft: bool,
    /// The head pipeline's status; `None` without a pipeline.
    pub pipeline: Option<PipelineStatus>,
    /// The head pipeline's id, to follow its status between reads.
    pub pipeline_id: Option<u64>,
    /// When the head pipeline last changed, as GitLab said.
    pub pipeline_updated_at: Option<DateTime<Utc>>,
    /// The source branch's head commit (a new pipeline runs for it).
    #[serde(default)]
    pub sha: Option<String>,
    /// Approved, as the approvals endpoint says (`approved`).
    pub approved: bool,
    pub web_url: String,
    /// The cached issues it closes when merged.
    pub closes: Vec<IssueId>,
    pub updated_at: DateTime<Utc>,
}

/// A pipeline's status, as GitLab's `Ci::Pipeline` has them (REST's
/// `status`, GraphQL's `PipelineStatusEnum` in capitals). Written (in the
/// cache, `print`, the detail pane) as GitLab's word; a word GitLab does
/// not have (a newer status) is `Unknown`, written `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PipelineStatus {
    Created,
    WaitingForResource,
    Preparing,
    WaitingForCallback,
    Pending,
    Running,
    Success,
    Failed,
    Canceling,
    Canceled,
    Skipped,
    Manual,
    Scheduled,
    Unknown,
}

impl PipelineStatus {
    /// Every status, `Unknown` last.
    pub const ALL: [PipelineStatus; 14] = [
        PipelineStatus::Created,
        PipelineStatus::WaitingForResource,
        PipelineStatus::Preparing,
        PipelineStatus::WaitingForCallback,
        PipelineStatus::Pending,
        PipelineStatus::Running,
        PipelineStatus::Success,
        PipelineStatus::Failed,
        PipelineStatus::Canceling,
        PipelineStatus::Canceled,
        PipelineStatus::Skipped,
        PipelineStatus::Manual,
        PipelineStatus::Scheduled,
        PipelineStatus::Unknown,
    ];

    /// GitLab's word for it (`success`, `waiting_for_resource`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            PipelineStatus::Created => "created",
            PipelineStatus::WaitingForResource => "waiting_for_resource",
            PipelineStatus::Preparing => "preparing",
            PipelineStatus::WaitingForCallback => "waiting_for_callback",
            PipelineStatus::Pending => "pending",
            PipelineStatus::Running => "running",
            PipelineStatus::Success => "success",
            PipelineStatus::Failed => "failed",
            PipelineStatus::Canceling => "canceling",
            PipelineStatus::Canceled => "canceled",
            PipelineStatus::Skipped => "skipped",
            PipelineStatus::Manual => "manual",
            PipelineStatus::Scheduled => "scheduled",
            PipelineStatus::Unknown => "unknown",
        }
    }

    /// What it means on a card.
    pub fn kind(self) -> PipelineKind {
        match self {
            PipelineStatus::Success => PipelineKind::Green,
            PipelineStatus::Failed => PipelineKind::Failed,
            PipelineStatus::Running
            | PipelineStatus::Pending
            | PipelineStatus::Created
            | PipelineStatus::Preparing
            | PipelineStatus::WaitingForResource
            | PipelineStatus::WaitingForCallback
            | PipelineStatus::Scheduled => PipelineKind::Running,
            PipelineStatus::Canceling
            | PipelineStatus::Canceled
            | PipelineStatus::Skipped
            | PipelineStatus::Manual
            | PipelineStatus::Unknown => PipelineKind::Stopped,
        }
    }
}

/// GitLab's word (REST's lower case; GraphQL's capitals lowered first);
/// any other is `Unknown`.
impl From<&str> for PipelineStatus {
    fn from(word: &str) -> PipelineStatus {
        PipelineStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == word)
            .unwrap_or(PipelineStatus::Unknown)
    }
}

impl std::fmt::Display for PipelineStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PipelineStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Any word reads: one GitLab does not have is `Unknown` (never an error,
/// so a cache or an answer with a newer status still reads).
impl<'de> Deserialize<'de> for PipelineStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let word = std::borrow::Cow::<str>::deserialize(d)?;
        Ok(PipelineStatus::from(word.as_ref()))
    }
}

/// What a pipeline status means on a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineKind {
    Green,
    Failed,
    Running,
    Stopped,
    None,
}

/// GitLab's pipeline statuses grouped by what a reader needs to know:
/// canceled, canceling, skipped, manual, and anything newer are stopped.
pub fn pipeline_kind(status: Option<PipelineStatus>) -> PipelineKind {
    status.map_or(PipelineKind::None, PipelineStatus::kind)
}

/// The word or glyph after `!iid` on a card: what the merge request
/// waits on. Merged, closed and draft say so; an open one shows its
/// pipeline (`✗` failed, `◌` running or pending, `⊘` canceled, skipped or
/// manual) and, when the pipeline is green or absent, its approval (`✓`
/// approved, `review` not yet).
pub fn status_mark(mr: &MergeRequest) -> &'static str {
    match mr.state {
        MrState::Merged => "merged",
        MrState::Closed => "closed",
        MrState::Opened if mr.draft => "draft",
        MrState::Opened => match pipeline_kind(mr.pipeline) {
            PipelineKind::Failed => "✗",
            PipelineKind::Running => "◌",
            PipelineKind::Stopped => "⊘",
            PipelineKind::Green | PipelineKind::None if mr.approved => "✓",
            PipelineKind::Green | PipelineKind::None => "review",
        },
    }
}

/// One merge request's mark: `!42 ✓`.
pub fn mark(mr: &MergeRequest) -> String {
    format!("!{} {}", mr.iid, status_mark(mr))
}

/// The mark on a card of an issue of project `issue_project`: a merge
/// request of another project names that project (`chef-repo!3 ✓`), as
/// GitLab's short references do.
pub fn mark_for(mr: &MergeRequest, issue_project: u64) -> String {
    if mr.project_id == issue_project {
        return mark(mr);
    }
    let project = mr
        .reference
        .rsplit_once('!')
        .map_or("", |(p, _)| p)
        .rsplit('/')
        .next()
        .unwrap_or("");
    format!("{project}!{} {}", mr.iid, status_mark(mr))
}

/// What a card shows of its merge requests in `width` cells: every mark,
/// space-separated, open ones first; what does not fit is counted
/// (`!42 ✓ +2`); in less room than one mark, the first mark cut.
pub fn card_marks(mrs: &[&MergeRequest], issue_project: u64, width: usize) -> String {
    if mrs.is_empty() || width == 0 {
        return String::new();
    }
    let mut sorted: Vec<&MergeRequest> = mrs.to_vec();
    sorted.sort_by_key(|m| {
        (
            m.state != MrState::Opened,
            m.project_id != issue_project,
            m.iid,
        )
    });
    let marks: Vec<String> = sorted.iter().map(|m| mark_for(m, issue_project)).collect();
    let all = marks.join(" ");
    if text::width(&all) <= width {
        return all;
    }
    for keep in (1..marks.len()).rev() {
        let s = format!("{} +{}", marks[..keep].join(" "), marks.len() - keep);
        if text::width(&s) <= width {
            return s;
        }
    }
    text::truncate(&marks[0], width)
}

/// A merge request's line in the detail pane or `print`: its mark in
/// words (for a reader without the glyphs' key).
pub fn describe(mr: &MergeRequest) -> String {
    let pipeline = match mr.pipeline {
        Some(p) => format!("pipeline {p}"),
        None => "no pipeline".to_owned(),
    };
    let approval = if mr.approved {
        "approved"
    } else {
        "not approved"
    };
    let state = if mr.state == MrState::Opened && mr.draft {
        "draft".to_owned()
    } else {
        mr.state.as_str().to_owned()
    };
    format!("{state}, {pipeline}, {approval}")
}

/// The merge requests that close `issue`, open ones first.
pub fn closing(mrs: &[MergeRequest], issue: IssueId) -> Vec<&MergeRequest> {
    let mut out: Vec<&MergeRequest> = mrs.iter().filter(|m| m.closes.contains(&issue)).collect();
    out.sort_by_key(|m| (m.state != MrState::Opened, m.id));
    out
}

/// [`closing`] for every issue at once: a printed board of thousands of
/// cards looks each up in constant time instead of scanning every merge
/// request per card.
pub struct ClosingIndex<'a>(std::collections::HashMap<IssueId, Vec<&'a MergeRequest>>);

impl<'a> ClosingIndex<'a> {
    pub fn new(mrs: &'a [MergeRequest]) -> Self {
        let mut by: std::collections::HashMap<IssueId, Vec<&'a MergeRequest>> =
            std::collections::HashMap::new();
        for m in mrs {
            for issue in &m.closes {
                let list = by.entry(*issue).or_default();
                if !list.iter().any(|have| std::ptr::eq(*have, m)) {
                    list.push(m);
                }
            }
        }
        for list in by.values_mut() {
            list.sort_by_key(|m| (m.state != MrState::Opened, m.id));
        }
        ClosingIndex(by)
    }

    /// What [`closing`] gives for `issue`.
    pub fn of(&self, issue: IssueId) -> &[&'a MergeRequest] {
        self.0.get(&issue).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mr(
        iid: u64,
        state: MrState,
        draft: bool,
        pipeline: Option<&str>,
        approved: bool,
    ) -> MergeRequest {
        MergeRequest {
            id: iid + 1000,
            project_id: 1,
            iid,
            reference: format!("g/p!{iid}"),
            title: "t".into(),
            author: "alice".into(),
            reviewers: vec![],
            state,
            draft,
            pipeline: pipeline.map(PipelineStatus::from),
            pipeline_id: None,
            pipeline_updated_at: None,
            sha: None,
            approved,
            web_url: String::new(),
            closes: vec![7],
            updated_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    #[test]
    fn every_state_has_its_mark() {
        use MrState::*;
        let cases = [
            (mr(42, Opened, false, Some("success"), true), "!42 ✓"),
            (mr(42, Opened, false, None, true), "!42 ✓"),
            (mr(42, Opened, false, Some("success"), false), "!42 review"),
            (mr(42, Opened, false, None, false), "!42 review"),
            (mr(42, Opened, false, Some("failed"), true), "!42 ✗"),
            (mr(42, Opened, false, Some("running"), false), "!42 ◌"),
            (mr(42, Opened, false, Some("pending"), false), "!42 ◌"),
            (
                mr(42, Opened, false, Some("waiting_for_resource"), false),
                "!42 ◌",
            ),
            (mr(42, Opened, false, Some("canceled"), false), "!42 ⊘"),
            (mr(42, Opened, false, Some("skipped"), false), "!42 ⊘"),
            (mr(42, Opened, false, Some("manual"), false), "!42 ⊘"),
            (mr(42, Opened, true, Some("success"), true), "!42 draft"),
            (mr(42, Merged, false, Some("success"), true), "!42 merged"),
            (mr(42, Closed, false, Some("failed"), false), "!42 closed"),
        ];
        for (m, want) in cases {
            assert_eq!(mark(&m), want, "{m:?}");
        }
    }

    #[test]
    fn marks_are_readable_without_colour() {
        // Each status a reader must tell apart has its own text.
        use MrState::*;
        let all = [
            status_mark(&mr(1, Opened, false, Some("success"), true)),
            status_mark(&mr(1, Opened, false, Some("success"), false)),
            status_mark(&mr(1, Opened, false, Some("failed"), false)),
            status_mark(&mr(1, Opened, false, Some("running"), false)),
            status_mark(&mr(1, Opened, false, Some("canceled"), false)),
            status_mark(&mr(1, Opened, true, None, false)),
            status_mark(&mr(1, Merged, false, None, false)),
            status_mark(&mr(1, Closed, false, None, false)),
        ];
        let distinct: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), all.len(), "{all:?}");
    }

    #[test]
    fn marks_fit_narrow_widths() {
        use MrState::*;
        let a = mr(42, Opened, false, Some("failed"), false);
        let b = mr(43, Merged, false, None, true);
        let c = mr(1234, Opened, true, None, false);
        let list = [&b, &a, &c];
        assert_eq!(card_marks(&list, 1, 80), "!42 ✗ !1234 draft !43 merged");
        for w in 0..40 {
            let s = card_marks(&list, 1, w);
            assert!(text::width(&s) <= w, "{w}: {s:?}");
        }
        assert_eq!(card_marks(&list, 1, 12), "!42 ✗ +2");
        assert_eq!(card_marks(&list, 1, 5), "!42 ✗");
        assert_eq!(card_marks(&list, 1, 3), "!4…");
        assert_eq!(card_marks(&[], 1, 10), "");
        let mut elsewhere = mr(3, Opened, false, Some("success"), true);
        elsewhere.project_id = 2;
        elsewhere.reference = "g/sub/chef-repo!3".into();
        assert_eq!(card_marks(&[&elsewhere, &a], 1, 40), "!42 ✗ chef-repo!3 ✓");
    }

    #[test]
    fn closing_lists_open_first() {
        use MrState::*;
        let mut merged = mr(1, Merged, false, None, false);
        merged.author = "bob".into();
        let mut open = mr(2, Opened, false, None, false);
        open.author = "bob".into();
        let mut other = mr(3, Opened, false, None, false);
        other.closes = vec![8];
        let all = vec![merged, open, other];
        let got: Vec<u64> = closing(&all, 7).iter().map(|m| m.iid).collect();
        assert_eq!(got, vec![2, 1]);
        assert!(closing(&all, 9).is_empty());
        // The index gives the same, for every issue.
        let mut twice = mr(4, Merged, false, None, false);
        twice.closes = vec![7, 8, 7];
        let all: Vec<MergeRequest> = all.into_iter().chain([twice]).collect();
        let index = ClosingIndex::new(&all);
        for issue in [7, 8, 9] {
            let ids = |l: &[&MergeRequest]| l.iter().map(|m| m.id).collect::<Vec<_>>();
            assert_eq!(
                ids(index.of(issue)),
                ids(&closing(&all, issue)),
                "issue {issue}"
            );
        }
    }

    /// The cache and `print` keep GitLab's words; a word GitLab does not
    /// have reads as `Unknown`, never an error, and shows as stopped.
    #[test]
    fn pipeline_statuses_read_and_write_gitlabs_words() {
        for s in PipelineStatus::ALL {
            assert_eq!(PipelineStatus::from(s.as_str()), s);
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<PipelineStatus>(&json).unwrap(), s);
        }
        let newer: PipelineStatus = serde_json::from_str("\"bogus\"").unwrap();
        assert_eq!(newer, PipelineStatus::Unknown);
        assert_eq!(newer.kind(), PipelineKind::Stopped);
        assert_eq!(
            PipelineStatus::from("waiting_for_callback").kind(),
            PipelineKind::Running
        );
        assert_eq!(
            PipelineStatus::from("canceling").kind(),
            PipelineKind::Stopped
        );
    }

    #[test]
    fn words_say_what_the_glyphs_do() {
        let m = mr(5, MrState::Opened, false, Some("failed"), true);
        assert_eq!(describe(&m), "opened, pipeline failed, approved");
        let d = mr(5, MrState::Opened, true, None, false);
        assert_eq!(describe(&d), "draft, no pipeline, not approved");
    }
}
