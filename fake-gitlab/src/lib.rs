//! A stateful fake of GitLab's REST API v4, for glboard's integration
//! tests, end-to-end tests and benchmarks. It follows the documented
//! behaviour (see `shared/gitlab-api/API-NOTES.md`): offset pagination with
//! `x-*` and `Link` headers (no totals above 10,000), AND-filtered labels,
//! scoped-label exclusivity on Premium, `updated_at` bumps, manual order via
//! `/reorder`, quick actions in notes (202 for a note of only commands,
//! command lines taken out of a mixed one), archived and deleted projects,
//! token checks, and switchable faults (latency, 401/403/404,
//! 429 with `Retry-After`, 5xx, 409 resource lock, malformed or truncated
//! JSON, connection reset).

mod control;
mod events;
mod faults;
pub mod generate;
mod graphql;
mod http;
mod issues;
mod json;
pub mod merge_requests;
mod pagination;
mod quick_actions;
mod routes;
mod world;

pub use control::FakeGitlab;
pub use events::{FLabelEvent, FStateEvent};
pub use faults::{Chaos, ChaosCounts, Fault};
pub use json::ts;
pub use world::{
    FBoard, FIssue, FList, FMilestone, FMilestoneEvent, FNote, FProject, FUser, Tier, World,
};
