//! Pickers: a list to choose from (lanes, milestones, members) narrowed by
//! a fuzzy search (nucleo-matcher, as fzf and helix use), one choice or
//! several. Pure state; `update` drives it, the view draws it.

use std::collections::BTreeSet;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use crate::core::domain::model::{IssueId, MilestoneId, ProjectId, UserId};

/// What choosing an item does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickValue {
    /// A lane name, or `None` for no lane (the Open column).
    Lane(Option<String>),
    /// A milestone, or `None` to clear it.
    Milestone(Option<MilestoneId>),
    Member(UserId),
    Project(ProjectId),
    /// A profile of the config (`None`: the default one).
    Profile(Option<String>),
    /// An address to open (the issue, one of its merge requests).
    Url(String),
}

/// What the picker is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickPurpose {
    Lane,
    Milestone,
    /// Promote (ready lane) to the chosen milestone.
    Promote,
    Assignees,
    /// The project of a new issue.
    Project,
    /// Show a milestone (browse only).
    Browse,
    /// The re-plan screen's target milestone.
    ReplanTarget,
    /// Another profile of the config (`gw`).
    Profile,
    /// What to open from the detail pane: the issue or a merge request.
    Open,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickItem {
    pub label: String,
    /// Shown dimmed after the label (dates, `current`, a name).
    pub detail: String,
    pub value: PickValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub purpose: PickPurpose,
    pub title: String,
    /// The issue the choice applies to.
    pub issue: IssueId,
    pub items: Vec<PickItem>,
    pub query: String,
    /// Indices into `items` that match the query, best first.
    pub shown: Vec<usize>,
    /// Position in `shown`.
    pub cursor: usize,
    /// Indices into `items`, for multi-select pickers.
    pub selected: BTreeSet<usize>,
    pub multi: bool,
    /// For a new issue: its title and lane.
    pub new_issue: Option<(String, Option<String>)>,
}

impl Picker {
    pub fn new(
        purpose: PickPurpose,
        title: impl Into<String>,
        issue: IssueId,
        items: Vec<PickItem>,
    ) -> Picker {
        let mut p = Picker {
            purpose,
            title: title.into(),
            issue,
            shown: (0..items.len()).collect(),
            items,
            query: String::new(),
            cursor: 0,
            selected: BTreeSet::new(),
            multi: purpose == PickPurpose::Assignees,
            new_issue: None,
        };
        p.refilter();
        p
    }

    /// Re-run the search after the query changed.
    pub fn refilter(&mut self) {
        let q = self.query.trim();
        if q.is_empty() {
            self.shown = (0..self.items.len()).collect();
        } else {
            let pattern = Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart);
            let mut matcher = Matcher::new(Config::DEFAULT);
            let haystacks: Vec<String> = self
                .items
                .iter()
                .map(|i| format!("{} {}", i.label, i.detail))
                .collect();
            let ranked = pattern.match_list(
                haystacks.iter().enumerate().map(|(n, h)| Hay(n, h)),
                &mut matcher,
            );
            self.shown = ranked.into_iter().map(|(h, _)| h.0).collect();
        }
        self.cursor = self.cursor.min(self.shown.len().saturating_sub(1));
    }

    pub fn current(&self) -> Option<&PickItem> {
        self.shown.get(self.cursor).and_then(|&i| self.items.get(i))
    }

    pub fn move_cursor(&mut self, delta: i64) {
        let n = self.shown.len();
        if n > 0 {
            self.cursor = crate::core::domain::num::step_wrapping(self.cursor, delta, n);
        }
    }

    pub fn toggle(&mut self) {
        if let Some(&i) = self.shown.get(self.cursor)
            && !self.selected.remove(&i)
        {
            self.selected.insert(i);
        }
    }
}

/// An item to search, keeping its index.
struct Hay<'a>(usize, &'a String);

impl AsRef<str> for Hay<'_> {
    fn as_ref(&self) -> &str {
        self.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members() -> Picker {
        let items = [
            ("akovacs", "Anna Kovács"),
            ("bwright", "Ben Wright"),
            ("cnakamura", "Chie Nakamura"),
        ]
        .iter()
        .enumerate()
        .map(|(n, (u, name))| PickItem {
            label: format!("@{u}"),
            detail: name.to_string(),
            value: PickValue::Member(n as u64),
        })
        .collect();
        Picker::new(PickPurpose::Assignees, "Assignees", 1, items)
    }

    #[test]
    fn fuzzy_search_narrows_and_ranks() {
        let mut p = members();
        assert_eq!(p.shown.len(), 3);
        p.query = "nkmr".into();
        p.refilter();
        assert_eq!(p.current().unwrap().label, "@cnakamura");
        p.query = "kovacs".into();
        p.refilter();
        assert_eq!(p.current().unwrap().label, "@akovacs", "accents normalized");
        p.query = "zzz".into();
        p.refilter();
        assert!(p.current().is_none());
    }

    #[test]
    fn multi_select_toggles_and_the_cursor_wraps() {
        let mut p = members();
        assert!(p.multi);
        p.toggle();
        p.move_cursor(-1);
        assert_eq!(p.current().unwrap().label, "@cnakamura");
        p.toggle();
        assert_eq!(p.selected.iter().copied().collect::<Vec<_>>(), vec![0, 2]);
        p.toggle();
        assert_eq!(p.selected.len(), 1);
    }
}
