//! Pending changes over GitLab's state. The board shows every issue as
//! GitLab has it (the cache) with the changes not yet applied on top:
//! written down (from any glboard process) and this process's not yet
//! written. `Changes::base` keeps GitLab's version of each issue that has
//! changes over it, so a new version from GitLab or a change leaving the
//! queue is shown at once, with what is still pending replayed on top.

use crate::core::app::screens::detail::DetailScreen;
use std::collections::{HashMap, HashSet};

use crate::core::app::action::StoreUpdate;
use crate::core::app::changes::Problem;
use crate::core::app::state::AppState;
use crate::core::app::status::{Severity, StatusMessage};
use crate::core::domain::board;
use crate::core::domain::edit::{self, Change};
use crate::core::domain::model::{Issue, IssueId};

/// Where each issue is in the list.
fn index_of(issues: &[Issue]) -> HashMap<IssueId, usize> {
    issues.iter().enumerate().map(|(n, i)| (i.id, n)).collect()
}

/// The id of the card of an issue being created (never a GitLab id).
pub fn placeholder_id(session: u64, local: u64) -> IssueId {
    (1 << 63) | ((session.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ local) >> 1)
}

impl AppState {
    /// Every change shown over GitLab's state, in the order it applies.
    pub fn overlay(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .pending
            .iter()
            .chain(self.changes.unsaved.iter().flat_map(|u| u.changes.iter()))
    }

    /// The issues with changes over them.
    pub fn overlay_ids(&self) -> HashSet<IssueId> {
        self.overlay().map(|c| c.issue).collect()
    }

    /// Whether the issue has changes not yet applied by GitLab.
    pub fn is_pending(&self, id: IssueId) -> bool {
        self.overlay().any(|c| c.issue == id)
    }

    /// Show these issues as GitLab has them with their pending changes on
    /// top; placeholder cards come and go with their creations.
    pub fn rebuild(&mut self, ids: &HashSet<IssueId>) {
        if ids.is_empty() {
            return;
        }
        let mut by_issue: HashMap<IssueId, Vec<Change>> = HashMap::new();
        for c in self.overlay().filter(|c| ids.contains(&c.issue)) {
            by_issue.entry(c.issue).or_default().push(c.clone());
        }
        let mut index = index_of(&self.ws.issues);
        let mut gone: HashSet<IssueId> = HashSet::new();
        let members = self.ws.members.clone();
        for &id in ids {
            let changes = by_issue.remove(&id).unwrap_or_default();
            let base = match (self.changes.base.get(&id), index.get(&id)) {
                (Some(b), _) => Some(b.clone()),
                (None, Some(&n)) if !changes.is_empty() && self.ws.issues[n].iid != 0 => {
                    let b = self.ws.issues[n].clone();
                    self.changes.base.insert(id, b.clone());
                    Some(b)
                }
                (None, Some(&n)) if changes.is_empty() => {
                    // A placeholder whose creation is done (or dropped).
                    if self.ws.issues[n].iid == 0 {
                        gone.insert(id);
                    }
                    continue;
                }
                _ => None,
            };
            if changes.is_empty() {
                self.changes.base.remove(&id);
                if let (Some(b), Some(&n)) = (base, index.get(&id)) {
                    self.ws.issues[n] = b;
                }
                continue;
            }
            let mut shown = match base {
                Some(b) => b,
                None => match changes.iter().find_map(|c| c.edit.create.as_ref()) {
                    Some(new) => {
                        let mut card =
                            edit::placeholder(id, new, self.ws.me.clone(), self.session.now);
                        // GitLab puts a new issue at the end of the list.
                        card.position = match index.get(&id) {
                            Some(&n) => self.ws.issues[n].position,
                            None => {
                                self.ws.issues.iter().map(|i| i.position).max().unwrap_or(0) + 1024
                            }
                        };
                        card
                    }
                    // Changes to an issue gone from the cache: nothing to show.
                    None => continue,
                },
            };
            for c in &changes {
                edit::apply(&mut shown, &c.edit, &members);
                if let Some(r) = c.edit.reorder {
                    let pos = |id: Option<IssueId>| {
                        id.and_then(|id| index.get(&id))
                            .map(|&n| self.ws.issues[n].position)
                    };
                    shown.position = edit::position_between(pos(r.after), pos(r.before));
                }
            }
            match index.get(&id) {
                Some(&n) => self.ws.issues[n] = shown,
                None => {
                    self.ws.issues.push(shown);
                    index.insert(id, self.ws.issues.len() - 1);
                }
            }
        }
        if !gone.is_empty() {
            self.ws.issues.retain(|i| !gone.contains(&i.id));
        }
    }

    /// What the cache holds now (GitLab's state and every process's queued
    /// and refused changes): show it, keeping what this process has not
    /// written down yet on top.
    pub fn apply_store(&mut self, u: StoreUpdate) {
        let mut touched = self.overlay_ids();
        let StoreUpdate {
            full,
            upsert,
            delete,
            queued,
            failed,
            sent,
            synced_at,
            free_tier,
        } = u;
        if let Some(free) = free_tier
            && free != self.ws.free_tier
        {
            // Found out since the board opened (a sync, a change's answer).
            self.ws.free_tier = free;
            if free {
                self.status
                    .info(crate::core::domain::workflow::FREE_TIER_NOTICE);
            }
        }
        // Refusals new to this board are said once.
        let known: HashSet<u64> = self.changes.problems.iter().map(|p| p.change.id).collect();
        if let Some((c, reason)) = failed.iter().rev().find(|(c, _)| !known.contains(&c.id)) {
            self.status.message = Some(StatusMessage {
                text: format!("{}: {reason} (! for details)", c.summary),
                severity: Severity::Error,
            });
        }
        self.changes.pending = queued;
        self.changes.problems = failed
            .into_iter()
            .map(|(change, reason)| Problem { change, reason })
            .collect();
        if self.changes.pending.is_empty() {
            self.changes.outbox_wait = None;
        }
        if let Some(t) = synced_at {
            self.session.sync.last_success =
                Some(self.session.sync.last_success.map_or(t, |l| l.max(t)));
        }
        // A created issue takes its placeholder's place (and selection).
        for (c, real) in &sent {
            if c.edit.create.is_some()
                && let Some(real) = real
                && self.board.view().selected == Some(c.issue)
            {
                self.board.view_select(*real);
            }
        }
        if let Some((ws, lanes)) = full {
            self.replace_workspace(*ws, lanes);
            return;
        }
        let changed_set = !upsert.is_empty() || !delete.is_empty();
        if changed_set {
            let index = index_of(&self.ws.issues);
            for issue in upsert {
                let id = issue.id;
                touched.insert(id);
                if let Some(b) = self.changes.base.get_mut(&id) {
                    *b = issue;
                } else if let Some(&n) = index.get(&id) {
                    self.ws.issues[n] = issue;
                } else {
                    self.ws.issues.push(issue);
                }
            }
            let gone: HashSet<IssueId> = delete.into_iter().collect();
            for id in &gone {
                self.changes.base.remove(id);
            }
            self.ws.issues.retain(|i| !gone.contains(&i.id));
        }
        touched.extend(self.overlay_ids());
        self.rebuild(&touched);
        if changed_set || !sent.is_empty() {
            self.ambiguous_iids = board::ambiguous_iids(&self.ws);
        }
        if let crate::core::app::screens::Mode::Detail(DetailScreen { issue, .. }) = self.focus.mode
            && self.ws.issue(issue).is_none()
        {
            self.focus.mode = crate::core::app::screens::Mode::Board;
        }
        self.relayout();
    }

    /// Replace one issue with GitLab's version of it, keeping its place,
    /// replaying what is still pending.
    pub fn replace_issue(&mut self, mut fresh: Issue) {
        if let Some(old) = self
            .changes
            .base
            .get(&fresh.id)
            .or_else(|| self.ws.issue(fresh.id))
        {
            fresh.position = old.position;
        }
        self.apply_store(StoreUpdate {
            upsert: vec![fresh],
            queued: self.changes.pending.clone(),
            failed: self
                .changes
                .problems
                .iter()
                .map(|p| (p.change.clone(), p.reason.clone()))
                .collect(),
            ..StoreUpdate::default()
        });
    }
}

/// A workspace as GitLab has it, with queued changes applied (for readers
/// without a board: `print`, the actions' "nothing to change" check).
/// Returns the issues that have changes pending.
pub fn apply_pending(
    ws: &mut crate::core::domain::model::Workspace,
    changes: &[Change],
) -> HashSet<IssueId> {
    let mut pending = HashSet::new();
    let members = ws.members.clone();
    let index = index_of(&ws.issues);
    for c in changes {
        match index.get(&c.issue) {
            Some(&n) => {
                edit::apply(&mut ws.issues[n], &c.edit, &members);
                pending.insert(c.issue);
            }
            None => {
                if let Some(new) = &c.edit.create {
                    ws.issues
                        .push(edit::placeholder(c.issue, new, ws.me.clone(), None));
                    pending.insert(c.issue);
                }
            }
        }
    }
    pending
}
