//! Bulk changes: cards marked (`v` one, `V` the column, `*` everything the
//! board shows), then any card action on all of them at once: move lane,
//! milestone, promote, take, assign and unassign, priority, weight, close
//! and reopen. One user action: one batch through the outbox, one undo
//! step, one progress line. The action done, the marks are cleared (so
//! the next action is for one card again); `Esc` clears them too.

use crate::core::app::action::Effect;
use crate::core::app::commit::{Step, UndoAs, act_together, commit_action};
use crate::core::app::state::AppState;
use crate::core::domain::model::{Issue, IssueId};
use crate::core::domain::workflow::{self, Intent, Refusal};

/// Ask the workflow what `intent` changes on `issue`, and make it; with
/// cards marked, on every marked card instead, as one action.
pub fn act(state: &mut AppState, issue: &Issue, intent: Intent) -> Vec<Effect> {
    // Marked cards: the action is for all of them, as one (a comment and a
    // place are one card's).
    if !state.marked.is_empty() && !matches!(intent, Intent::Comment(_) | Intent::Reorder { .. }) {
        let ids = targets(state, issue.id, &intent);
        return act_all(state, &ids, intent);
    }
    act_together(state, issue, &[intent], None)
}

/// The cards marked for a bulk change, in the order marked: a part of
/// the state ([`AppState::marked`]), changed only here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks(Vec<IssueId>);

impl Marks {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn contains(&self, id: &IssueId) -> bool {
        self.0.contains(id)
    }

    /// The marked issues, in the order marked.
    pub fn iter(&self) -> impl Iterator<Item = &IssueId> {
        self.0.iter()
    }

    /// Mark it, or unmark it when it is.
    fn toggle(&mut self, id: IssueId) {
        if let Some(at) = self.0.iter().position(|m| *m == id) {
            self.0.remove(at);
        } else {
            self.0.push(id);
        }
    }

    /// Mark each of `ids` not marked yet; unmark them all when all are.
    fn toggle_all(&mut self, ids: &[IssueId]) {
        if !ids.is_empty() && ids.iter().all(|id| self.0.contains(id)) {
            self.0.retain(|m| !ids.contains(m));
        } else {
            for &id in ids {
                if !self.0.contains(&id) {
                    self.0.push(id);
                }
            }
        }
    }

    fn clear(&mut self) {
        self.0.clear();
    }
}

/// The marked issues still there, in board order.
pub fn marked(state: &AppState) -> Vec<IssueId> {
    if state.marked.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<IssueId> = Vec::new();
    for col in &state.board.layout.columns {
        for c in &col.cards {
            if state.marked.contains(&c.id) && !out.contains(&c.id) {
                out.push(c.id);
            }
        }
    }
    // Marked, then hidden by a filter or another board: still marked.
    for id in state.marked.iter() {
        if !out.contains(id) && state.ws.issue(*id).is_some() {
            out.push(*id);
        }
    }
    out
}

fn said(state: &mut AppState) {
    let n = marked(state).len();
    if n == 0 {
        state.status.info("no card marked");
    } else {
        state.status.info(format!(
            "{n} marked: card actions apply to {} (Esc clears)",
            if n == 1 { "it" } else { "all of them" }
        ));
    }
}

/// `v`: mark or unmark the selected card.
pub(crate) fn toggle(state: &mut AppState) -> Vec<Effect> {
    let Some(id) = state.selected_issue().map(|i| i.id) else {
        state.status.info("no card selected");
        return Vec::new();
    };
    state.marked.toggle(id);
    said(state);
    Vec::new()
}

/// `V`: mark every card of the selected column (unmark them when all are).
pub(crate) fn column(state: &mut AppState) -> Vec<Effect> {
    let ids: Vec<IssueId> = state
        .board
        .selected_column()
        .map(|c| c.cards.iter().map(|c| c.id).collect())
        .unwrap_or_default();
    mark_all(state, ids);
    Vec::new()
}

/// `*`: mark every card the board shows (what the filter and quick view
/// leave), or unmark them when all are.
pub(crate) fn shown(state: &mut AppState) -> Vec<Effect> {
    let mut ids: Vec<IssueId> = Vec::new();
    for c in state.board.layout.columns.iter().flat_map(|c| &c.cards) {
        if !ids.contains(&c.id) {
            ids.push(c.id);
        }
    }
    mark_all(state, ids);
    Vec::new()
}

fn mark_all(state: &mut AppState, ids: Vec<IssueId>) {
    let ids: Vec<IssueId> = ids
        .into_iter()
        .filter(|id| state.ws.issue(*id).is_some_and(|i| i.iid != 0))
        .collect();
    state.marked.toggle_all(&ids);
    said(state);
}

/// `Esc` with marks: clear them. Whether there were any.
pub(crate) fn clear(state: &mut AppState) -> bool {
    if state.marked.is_empty() {
        return false;
    }
    let n = state.marked.len();
    state.marked.clear();
    state.status.info(format!("{n} unmarked"));
    true
}

/// Whether an intent is one a bulk change takes.
fn bulk_kind(intent: &Intent) -> bool {
    !matches!(intent, Intent::Comment(_))
}

/// The issues an action on `issue` is for: every marked card when there
/// are marks (the action's own card among them or not), else `issue`.
pub fn targets(state: &AppState, issue: IssueId, intent: &Intent) -> Vec<IssueId> {
    let m = marked(state);
    if m.is_empty() || !bulk_kind(intent) {
        vec![issue]
    } else {
        m
    }
}

/// What an intent is, in a bulk label: "→ In Progress", "closed".
fn what(state: &AppState, intent: &Intent) -> String {
    let names = |ids: &[u64]| {
        ids.iter()
            .filter_map(|id| state.ws.members.iter().find(|u| u.id == *id))
            .map(|u| format!("@{}", u.username))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let milestone = |m: Option<u64>| {
        m.and_then(|m| state.ws.milestone(m))
            .map_or("no milestone".to_owned(), |m| m.title.clone())
    };
    match intent {
        Intent::Take => "taken".into(),
        Intent::Promote(m) => format!("promoted to {}", milestone(Some(*m))),
        Intent::Lane(l) => format!("→ {l}"),
        Intent::NoLane => "out of every lane".into(),
        Intent::Milestone(m) => format!("→ {}", milestone(*m)),
        Intent::Assign(ids) | Intent::Assignees(ids) => format!("assigned {}", names(ids)),
        Intent::Unassign(ids) => format!("unassigned {}", names(ids)),
        Intent::Priority(0) => "priority cleared".into(),
        Intent::Priority(p) => format!("priority::{p}"),
        Intent::Weight(Some(w)) => format!("weight {w}"),
        Intent::Weight(None) => "weight cleared".into(),
        Intent::Close => "closed".into(),
        Intent::ToClosed => "moved to Closed".into(),
        Intent::Reopen => "reopened".into(),
        Intent::Comment(_) => "commented".into(),
        Intent::Reorder { .. } => "moved".into(),
    }
}

/// The action on every target, as one user action: one batch, one undo.
/// An assignee picker's choice adds those people to each card (the others
/// stay); issues already as asked are left out and counted.
pub(crate) fn act_all(state: &mut AppState, ids: &[IssueId], intent: Intent) -> Vec<Effect> {
    let ctx = state.workflow_context();
    let intent = match intent {
        // A set chosen for one card, given to many: added to each.
        Intent::Assignees(ids) if !ctx.free_tier => Intent::Assign(ids),
        other => other,
    };
    let mut steps = Vec::new();
    let (mut unchanged, mut refused) = (0, Vec::new());
    for id in ids {
        let Some(issue) = state.ws.issue(*id) else {
            continue;
        };
        if issue.iid == 0 {
            continue;
        }
        let name = state.short_ref(issue);
        match workflow::plan(&ctx, issue, &name, &intent) {
            Ok(p) => steps.push(Step::new(*id, p.edit, p.summary)),
            Err(Refusal::NothingToChange) => unchanged += 1,
            Err(Refusal::Invalid(why) | Refusal::Unsupported(why)) => refused.push(why),
        }
    }
    let n = steps.len();
    let mut label = format!(
        "{n} {} {}",
        if n == 1 { "issue" } else { "issues" },
        what(state, &intent)
    );
    if unchanged > 0 {
        label.push_str(&format!(" ({unchanged} already so)"));
    }
    if let Some(first) = refused.first() {
        label.push_str(&format!("; {} not: {first}", refused.len()));
    }
    if steps.is_empty() {
        if refused.is_empty() {
            state.status.info(format!("nothing to change: {label}"));
        } else {
            state.status.warn(label);
        }
        return Vec::new();
    }
    // Done: the marks go, so the next action is for one card again.
    state.marked.clear();
    let fx = commit_action(state, steps, label, UndoAs::Step);
    if let Some(msg) = state.status.message.as_mut() {
        msg.text.push_str(" · marks cleared");
    }
    fx
}

#[cfg(test)]
mod tests {
    use crate::core::testing::{enqueued, keys, state};

    #[test]
    fn marked_cards_move_as_one_action_and_undo_as_one() {
        let mut s = state();
        // The Ready column's first two cards, and In Progress's first.
        keys(&mut s, "llvjv");
        keys(&mut s, "lv");
        assert_eq!(s.marked.len(), 3);
        let fx = keys(&mut s, "=2");
        let changes = enqueued(&fx);
        assert_eq!(changes.len(), 3, "every marked card, one batch");
        assert!(
            changes
                .iter()
                .all(|c| c.edit.add_labels == vec!["priority::2".to_owned()])
        );
        assert_eq!(s.changes.undo.len(), 1, "one undo step");
        let fx = keys(&mut s, "u");
        assert_eq!(enqueued(&fx).len(), 3, "undone as one");
        // Esc clears the marks; then actions are for the selected card.
        keys(&mut s, "lv<Esc>");
        assert!(s.marked.is_empty());
        let fx = keys(&mut s, "=3");
        assert_eq!(enqueued(&fx).len(), 1);
    }

    #[test]
    fn the_marks_go_once_the_bulk_action_is_done_and_stay_gone_after_its_undo() {
        let mut s = state();
        keys(&mut s, "llV");
        let n = s.marked.len();
        assert!(n > 1);
        let fx = keys(&mut s, "L");
        assert_eq!(enqueued(&fx).len(), n);
        assert!(s.marked.is_empty(), "marks left after the action");
        let said = &s.status.message.as_ref().unwrap().text;
        assert!(said.ends_with("marks cleared"), "{said}");
        keys(&mut s, "u");
        assert!(s.marked.is_empty(), "marks back after the undo");
        // The next action is for the selected card alone.
        let fx = keys(&mut s, "w7<Enter>");
        assert_eq!(enqueued(&fx).len(), 1, "{:?}", s.status.message);
    }

    #[test]
    fn marks_stay_when_the_action_changed_nothing() {
        let mut s = state();
        keys(&mut s, "llV");
        let n = s.marked.len();
        // They are all in Ready already.
        keys(&mut s, "m");
        let fx = keys(&mut s, "Ready<Enter>");
        assert!(enqueued(&fx).is_empty());
        assert_eq!(s.marked.len(), n, "{:?}", s.status.message);
    }

    #[test]
    fn a_whole_column_and_everything_shown_can_be_marked() {
        let mut s = state();
        keys(&mut s, "ll");
        let col = s.board.layout.columns[s.board.view().col].cards.len();
        assert!(col > 1);
        keys(&mut s, "V");
        assert_eq!(s.marked.len(), col);
        keys(&mut s, "V");
        assert!(s.marked.is_empty(), "V again unmarks the column");
        keys(&mut s, "*");
        let all: std::collections::HashSet<u64> = s
            .board
            .layout
            .columns
            .iter()
            .flat_map(|c| c.cards.iter().map(|c| c.id))
            .collect();
        assert_eq!(s.marked.len(), all.len());
        // Closed issues in Closed cannot be, say, promoted: counted, not sent.
        let fx = keys(&mut s, "x");
        assert!(fx.is_empty());
    }
}
