//! `i`: the shown iteration's planning issue, opened in the detail pane.

use super::action::Effect;
use super::state::{AppState, Mode};

/// The shown iteration's planning issue: a team issue with "Iteration
/// Planning" in its title, in that milestone or naming it.
pub(super) fn planning_issue(state: &mut AppState) -> Vec<Effect> {
    let Some(m) = state.shown_milestone().cloned().or_else(|| {
        state
            .iteration
            .current
            .and_then(|id| state.ws.milestone(id).cloned())
    }) else {
        state.warn("no milestone shown");
        return Vec::new();
    };
    let team_label = state.team.team_label.clone();
    let planning = state.team.planning_title.clone();
    let found = super::planning_template::find(&state.ws, &state.team, &m)
        .map(|i| (i.id, i.project_id, i.iid));
    match found {
        Some((issue, project, iid)) => {
            state.mode = Mode::Detail { issue, scroll: 0 };
            if state.sync.enabled {
                return vec![Effect::LoadNotes {
                    issue,
                    project,
                    iid,
                }];
            }
            Vec::new()
        }
        None => {
            state.warn(format!(
                "no planning issue for {}: looked for {team_label} issues titled \"{planning}\" in it or naming it",
                m.title
            ));
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::core::state::Mode;
    use crate::core::testing::{issue, keys, state};

    #[test]
    fn the_planning_issue_opens_in_the_detail_pane() {
        let mut s = state();
        keys(&mut s, "i");
        assert!(
            s.status
                .as_ref()
                .unwrap()
                .text
                .contains("no planning issue")
        );
        let mut p = issue(
            60,
            160,
            &["team::Datastores", "workflow-infra::In Progress"],
        );
        p.title = "Datastores team - W45 Iteration Planning".into();
        s.ws.issues.push(p);
        keys(&mut s, "i");
        assert!(matches!(s.mode, Mode::Detail { issue: 60, .. }));
    }
}
