//! Lanes are labels, not titles: each configured lane is one GitLab label,
//! known by its id, as GitLab's board lists point at label ids. A lane whose
//! label was renamed on GitLab keeps its cards (and changes are sent under
//! the new title); a label of the same title that is another label (a
//! project's own, or a subgroup's) is not the lane.
//!
//! Inside glboard a lane's label is always its canonical title,
//! `workflow-infra::<lane as configured>`; this module translates at the
//! boundary: GitLab's labels (id and title) to canonical titles when issues
//! come in, canonical titles to GitLab's current titles when changes go out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::core::domain::model::TeamConfig;

/// How a label that has a lane's title but is another label shows: as
/// `workflow-infra::Ready (another label)`, which is no lane.
pub const ANOTHER_LABEL: &str = " (another label)";

/// One lane's label on GitLab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaneLabel {
    pub id: u64,
    /// Its title on GitLab now.
    pub title: String,
}

/// The configured lanes' labels on GitLab, by canonical title.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaneLabels {
    pub lanes: BTreeMap<String, LaneLabel>,
}

impl LaneLabels {
    /// Each configured lane's label among the group's labels `found` (id,
    /// title): the one it had before (`known`, by id) if it is still
    /// there under whatever title, else the one with its title.
    pub fn learn(team: &TeamConfig, known: &LaneLabels, found: &[(u64, String)]) -> LaneLabels {
        let mut lanes = BTreeMap::new();
        for lane in &team.lanes {
            let canonical = team.lane_label(lane);
            let by_id = known
                .lanes
                .get(&canonical)
                .and_then(|k| found.iter().find(|(id, _)| *id == k.id));
            let by_title = || found.iter().find(|(_, t)| *t == canonical);
            if let Some((id, title)) = by_id.or_else(by_title) {
                lanes.insert(
                    canonical,
                    LaneLabel {
                        id: *id,
                        title: title.clone(),
                    },
                );
            }
        }
        LaneLabels { lanes }
    }

    /// Follow renames seen in issues' labels (ids with titles): a lane's
    /// label under another title now. Whether anything changed.
    pub fn observe(&mut self, labels: &[(u64, &str)]) -> bool {
        let mut changed = false;
        for (id, title) in labels {
            if let Some(l) = self
                .lanes
                .values_mut()
                .find(|l| l.id == *id && l.title != *title)
            {
                l.title = (*title).to_owned();
                changed = true;
            }
        }
        changed
    }

    /// An issue's labels as glboard keeps them, from GitLab's (id when
    /// GitLab gave it, title): a lane's label under its canonical title; a
    /// label titled like a lane that is another label marked as such.
    pub fn canonical(&self, labels: &[(Option<u64>, String)]) -> Vec<String> {
        labels
            .iter()
            .map(|(id, title)| {
                match id {
                    Some(id) => {
                        if let Some((c, _)) = self.lanes.iter().find(|(_, l)| l.id == *id) {
                            return c.clone();
                        }
                        // Titled like a lane, but not its label.
                        if self
                            .lanes
                            .iter()
                            .any(|(c, l)| *c == *title || l.title == *title)
                        {
                            return format!("{title}{ANOTHER_LABEL}");
                        }
                    }
                    // No id (GitLab gives ids in lists only): by title.
                    None => {
                        if let Some((c, _)) = self.lanes.iter().find(|(_, l)| l.title == *title) {
                            return c.clone();
                        }
                    }
                }
                title.clone()
            })
            .collect()
    }

    /// The title to send GitLab for a label glboard keeps: a lane's label
    /// under its current title; `None` for a label marked as another label
    /// (GitLab takes labels by title and could not tell the two apart).
    pub fn on_gitlab(&self, label: &str) -> Option<String> {
        if label.ends_with(ANOTHER_LABEL) {
            return None;
        }
        Some(
            self.lanes
                .get(label)
                .map_or_else(|| label.to_owned(), |l| l.title.clone()),
        )
    }

    /// Labels to send, translated; the ones GitLab cannot be told left out.
    pub fn all_on_gitlab(&self, labels: &[String]) -> Vec<String> {
        labels.iter().filter_map(|l| self.on_gitlab(l)).collect()
    }

    /// Lanes whose label has another title on GitLab now: (canonical, now).
    pub fn renamed(&self) -> Vec<(&str, &str)> {
        self.lanes
            .iter()
            .filter(|(c, l)| **c != l.title)
            .map(|(c, l)| (c.as_str(), l.title.as_str()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::team;

    fn found(v: &[(u64, &str)]) -> Vec<(u64, String)> {
        v.iter().map(|(i, t)| (*i, (*t).to_owned())).collect()
    }

    #[test]
    fn a_lane_is_learnt_by_title_then_followed_by_id() {
        let t = team();
        let first = LaneLabels::learn(
            &t,
            &LaneLabels::default(),
            &found(&[(7, "workflow-infra::Ready"), (8, "workflow-infra::Triage")]),
        );
        assert_eq!(first.lanes["workflow-infra::Ready"].id, 7);
        // Renamed on GitLab: the same id, another title.
        let after = LaneLabels::learn(
            &t,
            &first,
            &found(&[
                (7, "workflow-infra::Ready for dev"),
                (8, "workflow-infra::Triage"),
            ]),
        );
        assert_eq!(
            after.lanes["workflow-infra::Ready"].title,
            "workflow-infra::Ready for dev"
        );
        assert_eq!(
            after.renamed(),
            vec![("workflow-infra::Ready", "workflow-infra::Ready for dev")]
        );
        // A new label under the old title is not the lane.
        let again = LaneLabels::learn(
            &t,
            &after,
            &found(&[
                (9, "workflow-infra::Ready"),
                (7, "workflow-infra::Ready for dev"),
            ]),
        );
        assert_eq!(again.lanes["workflow-infra::Ready"].id, 7);
    }

    #[test]
    fn labels_come_in_by_id_and_go_out_by_their_title_now() {
        let t = team();
        let lanes = LaneLabels::learn(
            &t,
            &LaneLabels {
                lanes: [(
                    "workflow-infra::Ready".to_owned(),
                    LaneLabel {
                        id: 7,
                        title: "x".into(),
                    },
                )]
                .into(),
            },
            &found(&[(7, "workflow-infra::Ready for dev")]),
        );
        let labels = lanes.canonical(&[
            (Some(7), "workflow-infra::Ready for dev".into()),
            (Some(99), "workflow-infra::Ready".into()),
            (Some(3), "team::Datastores".into()),
        ]);
        assert_eq!(
            labels,
            vec![
                "workflow-infra::Ready".to_owned(),
                format!("workflow-infra::Ready{ANOTHER_LABEL}"),
                "team::Datastores".into()
            ]
        );
        // A single issue's read has titles only.
        assert_eq!(
            lanes.canonical(&[(None, "workflow-infra::Ready for dev".into())]),
            vec!["workflow-infra::Ready".to_owned()]
        );
        assert_eq!(
            lanes.on_gitlab("workflow-infra::Ready").as_deref(),
            Some("workflow-infra::Ready for dev")
        );
        assert_eq!(lanes.on_gitlab(&labels[1]), None);
        assert_eq!(
            lanes.on_gitlab("team::Datastores").as_deref(),
            Some("team::Datastores")
        );
    }

    #[test]
    fn a_rename_seen_in_an_issues_labels_is_followed_at_once() {
        let mut lanes = LaneLabels::learn(
            &team(),
            &LaneLabels::default(),
            &found(&[(7, "workflow-infra::Ready")]),
        );
        assert!(!lanes.observe(&[(7, "workflow-infra::Ready"), (3, "team::Datastores")]));
        assert!(lanes.observe(&[(7, "workflow-infra::Ready now")]));
        assert_eq!(
            lanes.on_gitlab("workflow-infra::Ready").as_deref(),
            Some("workflow-infra::Ready now")
        );
    }

    #[test]
    fn with_nothing_learnt_titles_pass_through() {
        let none = LaneLabels::default();
        assert_eq!(
            none.canonical(&[(Some(1), "workflow-infra::Ready".into())]),
            vec!["workflow-infra::Ready".to_owned()]
        );
        assert_eq!(
            none.on_gitlab("workflow-infra::Ready").as_deref(),
            Some("workflow-infra::Ready")
        );
    }
}
