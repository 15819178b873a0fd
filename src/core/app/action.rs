//! Actions: everything that can change the state. Key presses, mouse
//! events and resizes from the terminal, the clock's ticks and the results
//! of background sync. Effects: what `update` asks the adapters to do.

use chrono::{DateTime, Utc};

use crate::core::app::command::{Command, KeyPress};
use crate::core::domain::edit::Change;
use crate::core::domain::model::{Issue, IssueId, MilestoneId, Note, Workspace};

/// What the outbox sender reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxEvent {
    /// The changes of user action `local` are written down (durable), with
    /// these ids (none: nothing was left to queue).
    Saved { local: u64, ids: Vec<u64> },
    /// The changes of user action `local` could not be written down: they
    /// are neither saved nor sent.
    SaveFailed { local: u64, reason: String },
    /// Queued changes wait: offline, GitLab failing, rate-limited.
    Waiting { why: WaitReason },
    /// Changes flow again.
    Flowing,
    /// GitLab said what a change did beyond it ("#12: Added 1h spent time.").
    Said { text: String },
}

/// What the cache holds now that the board does not show yet: written by
/// this process's sync and sender or by any other glboard process.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoreUpdate {
    /// The whole workspace (a full sync, new lists), with the lanes.
    pub full: Option<(Box<Workspace>, Vec<String>)>,
    /// Issues as GitLab has them, changed since the last update.
    pub upsert: Vec<Issue>,
    /// Issues gone from the cache.
    pub delete: Vec<IssueId>,
    /// Every change still queued (from any process), oldest first.
    pub queued: Vec<Change>,
    /// Every change GitLab refused, with the reason.
    pub failed: Vec<(Change, String)>,
    /// Changes GitLab applied since the last update, with the issue a
    /// creation made.
    pub sent: Vec<(Change, Option<IssueId>)>,
    pub synced_at: Option<DateTime<Utc>>,
    /// The instance turned out to be GitLab Free (or not) since.
    pub free_tier: Option<bool>,
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
    /// The cache is up to date with GitLab (its data reaches the board as
    /// a [`StoreUpdate`]).
    Done {
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
    /// GitLab accepts connections but answers nothing in time; `since`
    /// (local `HH:MM`) is when the first request it left unanswered went.
    NotAnswering {
        since: String,
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

/// An input to [`crate::core::app::update::update`].
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
    /// The date changed while the board is open (from the local clock,
    /// unless `--today` pinned it).
    Today(chrono::NaiveDate),
    Tick {
        now: DateTime<Utc>,
    },
    Sync(SyncEvent),
    Outbox(OutboxEvent),
    /// What the cache holds changed.
    Store(Box<StoreUpdate>),
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
    /// A `[[commands]]` command ended: whether it succeeded, and what it
    /// printed (stdout, else stderr).
    CommandDone {
        title: String,
        ok: bool,
        output: String,
    },
}

/// What the outside world should do after an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Leave the application.
    Quit,
    /// Sync with GitLab now.
    Refresh,
    /// GitLab answers again (a sync just worked): changes waiting for the
    /// network go now instead of at the end of their backoff.
    SendNow,
    /// The iteration board now shows this milestone: keep it fresh.
    ShowMilestone(MilestoneId),
    /// The iteration board follows this milestone from now on (remember it).
    Follow(MilestoneId),
    /// The iteration board shows the current iteration again (forget).
    Unfollow,
    /// Write the changes of one user action to the outbox (in one
    /// transaction), then send them; the answer is [`OutboxEvent::Saved`].
    Enqueue { local: u64, changes: Vec<Change> },
    /// Queue refused change `old` again as `change` (its `seen`
    /// refreshed), without what newer changes have set since.
    Retry {
        local: u64,
        old: u64,
        change: Box<Change>,
    },
    /// Drop a refused change from the outbox.
    Discard(u64),
    /// Open a URL in the browser (or print it when there is none).
    OpenUrl(String),
    /// Put text on the clipboard (OSC 52, works over SSH).
    Copy(String),
    /// Write a comment in `$EDITOR` (the terminal adapter suspends the UI);
    /// `header` goes in the file as `#` lines.
    Compose { issue: IssueId, header: String },
    /// Run a `[[commands]]` command: `sh -c script glboard args...`, in
    /// the background, or in the terminal with the board suspended.
    RunCommand {
        title: String,
        script: String,
        args: Vec<String>,
        interactive: bool,
    },
    /// Read an issue's comments for the detail pane.
    LoadNotes {
        issue: IssueId,
        project: u64,
        iid: u64,
    },
}

/// Why queued changes wait (issue #27: a type, not a word compared as
/// text). `Display` gives the status line's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitReason {
    /// GitLab cannot be reached: they go as soon as a sync gets through.
    Offline,
    /// Rate-limited until this local time (`HH:MM`).
    RateLimited { until: String },
    /// GitLab rejects the token (401): paused, kept.
    TokenRejected,
    /// GitLab answers with errors.
    Failing(String),
    /// The cache cannot be written (a full or read-only disk).
    CacheUnwritable(String),
}

impl std::fmt::Display for WaitReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaitReason::Offline => f.write_str("offline"),
            WaitReason::RateLimited { until } => write!(f, "rate-limited until {until}"),
            WaitReason::TokenRejected => {
                f.write_str("paused: GitLab rejects the token (401); changes are kept")
            }
            WaitReason::Failing(e) => write!(f, "GitLab failing: {e}"),
            WaitReason::CacheUnwritable(e) => write!(f, "the cache cannot be written: {e}"),
        }
    }
}
