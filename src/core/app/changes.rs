//! The board's changes, as the board keeps them: written down and waiting
//! for GitLab (from any glboard process), not yet written down, refused by
//! GitLab, this session's undo steps, and the batch being sent. Made by
//! [`crate::core::app::commit`], shown over GitLab's state by
//! [`crate::core::app::overlay`].

use std::collections::HashMap;

use crate::core::app::action::WaitReason;
use crate::core::domain::edit::{Change, Reorder};
use crate::core::domain::model::{Issue, IssueId, MilestoneId};

/// The board's changes (a part of [`crate::core::app::state::AppState`]).
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Changes written down but not yet applied by GitLab (from any
    /// glboard process), oldest first.
    pub pending: Vec<Change>,
    /// This process's changes not yet written down.
    pub unsaved: Vec<Unsaved>,
    /// GitLab's version of each issue that has changes over it (pending
    /// or unsaved): `ws` shows it with those changes applied.
    pub base: HashMap<IssueId, Issue>,
    /// Numbers this process's user actions (and placeholder cards).
    pub local_seq: u64,
    /// Random per process: placeholder ids of different processes differ.
    pub session: u64,
    /// Changes GitLab refused.
    pub problems: Vec<Problem>,
    /// Why queued changes wait ("offline", "rate-limited until 14:05").
    pub outbox_wait: Option<WaitReason>,
    pub undo: Vec<UndoEntry>,
    /// A batch of changes being sent (a re-plan), for its progress bar.
    pub batch: Option<Batch>,
}

impl Changes {
    /// `(sent, refused, total)` of the running batch.
    pub fn batch_progress(&self) -> Option<(usize, usize, usize)> {
        let b = self.batch.as_ref()?;
        if b.changes.is_empty() {
            return Some((0, 0, b.total));
        }
        let refused = b
            .changes
            .iter()
            .filter(|id| self.problems.iter().any(|p| p.change.id == **id))
            .count();
        let waiting = b
            .changes
            .iter()
            .filter(|id| self.pending.iter().any(|c| c.id == **id))
            .count();
        Some((
            b.changes.len() - waiting - refused,
            refused,
            b.changes.len(),
        ))
    }
}

/// Changes sent together (a re-plan): how far along they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub label: String,
    /// The user action (until saved).
    pub local: u64,
    pub total: usize,
    /// Their ids, once saved.
    pub changes: Vec<u64>,
}

/// A change GitLab refused, kept until retried or discarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub change: Change,
    pub reason: String,
}

/// A user action of this session, for `u`: all its changes are undone
/// together (a re-plan of 500 is one step).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoEntry {
    /// The action's changes, each with what was seen before it.
    pub changes: Vec<Change>,
    /// Where each card was before a reorder: its neighbours then.
    pub places: Vec<Option<Reorder>>,
    /// What the action did, in words.
    pub label: String,
    /// False for what GitLab cannot take back (a comment, a new issue):
    /// `u` says so instead of silently skipping it.
    pub undoable: bool,
    /// The user action's local number (until saved).
    pub local: u64,
    /// What the board showed and followed before the action, when the
    /// action pointed it elsewhere (a re-plan): undo points it back.
    pub board_before: Option<BoardBefore>,
}

/// The milestone a board showed and the one it followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoardBefore {
    pub milestone: Option<MilestoneId>,
    pub followed: Option<MilestoneId>,
}

/// Changes of one user action not yet written down: they show on the
/// board, but count as pending only once durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsaved {
    pub local: u64,
    pub changes: Vec<Change>,
}
