//! GitLab's global ids, the one thing every part of the domain names.

/// GitLab's global issue id (unique across the instance).
pub type IssueId = u64;
/// GitLab's global user id.
pub type UserId = u64;
/// GitLab's global milestone id.
pub type MilestoneId = u64;
/// GitLab's global project id.
pub type ProjectId = u64;
