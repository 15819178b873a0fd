//! An issue's history as GitLab's resource events give it (milestone,
//! state and label events), as the cache keeps it beside the issue.
//! Plain data: [`crate::core::domain::insights`] replays it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::core::domain::ids::MilestoneId;

/// A resource milestone event: the issue was added to or removed from a
/// milestone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneEvent {
    pub at: DateTime<Utc>,
    /// `None`: a milestone GitLab no longer has (deleted).
    pub milestone: Option<MilestoneId>,
    pub added: bool,
}

/// A resource state event: the issue was closed or reopened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateEvent {
    pub at: DateTime<Utc>,
    pub closed: bool,
}

/// A resource label event: a label (by its title now) added or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelEvent {
    pub at: DateTime<Utc>,
    pub label: String,
    pub added: bool,
}

/// An issue's history as GitLab's three event lists give it, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueEvents {
    pub milestone: Vec<MilestoneEvent>,
    pub state: Vec<StateEvent>,
    pub label: Vec<LabelEvent>,
    /// Which of the lists were read (an empty list read is no events;
    /// one not read is not known).
    #[serde(skip)]
    pub read: ReadKinds,
}

/// Which of an issue's event lists the cache holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadKinds {
    pub milestone: bool,
    pub state: bool,
    pub label: bool,
}
