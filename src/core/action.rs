//! Actions: everything that can change the state. Key presses, mouse
//! events and resizes from the terminal, the clock's ticks and the results
//! of background sync. Effects: what `update` asks the adapters to do.

use chrono::{DateTime, Utc};

use super::edit::Change;
use super::keymap::{Command, KeyPress};
use super::model::{Issue, IssueId, MilestoneId, Note, Workspace};

/// What the outbox sender reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxEvent {
    /// Changes left from an earlier run (queued, and refused with reasons).
    Loaded {
        pending: Vec<Change>,
        failed: Vec<(Change, String)>,
    },
    /// GitLab applied the change; here is the issue as GitLab now has it.
    Sent { id: u64, issue: Option<Box<Issue>> },
    /// GitLab refused the change for good (or it conflicts); the issue as
    /// GitLab has it, when it could be read.
    Failed {
        id: u64,
        reason: String,
        issue: Option<Box<Issue>>,
    },
    /// Queued changes wait: offline, GitLab failing, rate-limited.
    Waiting { why: String },
}

/// What the background sync reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncEvent {
    Started,
    /// Issues fetched so far, of `total` when GitLab said.
    Progress {
        fetched: usize,
        total: Option<u64>,
    },
    /// New data, with the lanes to show.
    Done {
        ws: Box<Workspace>,
        lanes: Vec<String>,
        at: DateTime<Utc>,
    },
    /// The sync failed; `offline` when GitLab could not be reached at all.
    Failed {
        message: String,
        offline: bool,
    },
    /// GitLab asked to wait; `until` is already local `HH:MM`.
    RateLimited {
        until: String,
    },
}

/// A mouse event, in terminal cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MouseInput {
    pub kind: MouseKind,
    pub x: u16,
    pub y: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseKind {
    Click,
    ScrollUp,
    ScrollDown,
}

/// An input to [`crate::core::update::update`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A key was pressed.
    Key(KeyPress),
    Mouse(MouseInput),
    /// The terminal is now this many columns and rows.
    Resize {
        width: u16,
        height: u16,
    },
    /// Run a command directly, as if its key had been pressed.
    Command(Command),
    /// The wall clock, for "synced 3 min ago".
    Tick {
        now: DateTime<Utc>,
    },
    Sync(SyncEvent),
    Outbox(OutboxEvent),
    /// An issue's comments, oldest first, or why they could not be read.
    Notes {
        issue: IssueId,
        notes: Result<Vec<Note>, String>,
    },
    /// What the user wrote in `$EDITOR`, or why the editor failed.
    Composed {
        issue: IssueId,
        text: Result<String, String>,
    },
}

/// What the outside world should do after an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Leave the application.
    Quit,
    /// Sync with GitLab now.
    Refresh,
    /// The iteration board now shows this milestone: keep it fresh.
    ShowMilestone(MilestoneId),
    /// The iteration board follows this milestone from now on (remember it).
    Follow(MilestoneId),
    /// Write this change to the outbox, then send it.
    Enqueue(Change),
    /// Queue a refused change again (its `seen` refreshed).
    Retry(Change),
    /// Drop a refused change from the outbox.
    Discard(u64),
    /// Open a URL in the browser (or print it when there is none).
    OpenUrl(String),
    /// Put text on the clipboard (OSC 52, works over SSH).
    Copy(String),
    /// Write a comment in `$EDITOR` (the terminal adapter suspends the UI);
    /// `header` goes in the file as `#` lines.
    Compose { issue: IssueId, header: String },
    /// Read an issue's comments for the detail pane.
    LoadNotes {
        issue: IssueId,
        project: u64,
        iid: u64,
    },
}
