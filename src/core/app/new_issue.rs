//! `n`, a new issue: its title in a prompt, its project (remembered, else
//! that of the cards around, else picked), its description from `$EDITOR`
//! when there is one; it shows on the board at once as a placeholder card
//! in the selected lane until GitLab has created it.

use crate::core::app::action::Effect;
use crate::core::app::commit::create;
use crate::core::app::picker::{PickItem, PickPurpose, PickValue, Picker};
use crate::core::app::screens::Mode;
use crate::core::app::screens::input::InputPurpose;
use crate::core::app::screens::input::InputScreen;
use crate::core::app::state::AppState;
use crate::core::domain::board::{BoardKind, ColumnKind};
use crate::core::domain::edit;
use crate::core::domain::model::IssueId;

/// What the board keeps about new issues (a part of the state).
#[derive(Debug, Clone, Default)]
pub struct NewIssues {
    /// The project new issues went to last.
    pub last_project: Option<crate::core::domain::model::ProjectId>,
    /// A new issue waiting for its description from the editor.
    pub draft: Option<edit::NewIssue>,
}

/// The id `Compose` uses for a new issue's description.
pub const DRAFT: IssueId = u64::MAX;

/// `n`: a new issue in the selected lane; asks for its title.
pub(crate) fn start_new_issue(state: &mut AppState) -> Vec<Effect> {
    let lane = match state.board.selected_column().map(|c| &c.kind) {
        Some(ColumnKind::Lane(l)) => Some(l.clone()),
        Some(ColumnKind::Open) => None,
        Some(ColumnKind::Iteration) => Some(state.team.ready_lane.clone()),
        Some(ColumnKind::Closed) | None => {
            state.status.warn("new issues go in a lane, not in Closed");
            return Vec::new();
        }
    };
    if state.ws.projects.is_empty() {
        state
            .status
            .warn("no project known yet: wait for the first sync");
        return Vec::new();
    }
    state.focus.mode = Mode::Input(InputScreen {
        purpose: InputPurpose::NewTitle { lane },
        issue: 0,
        text: String::new(),
    });
    Vec::new()
}

pub(crate) fn new_issue_titled(
    state: &mut AppState,
    title: String,
    lane: Option<String>,
) -> Vec<Effect> {
    if title.is_empty() {
        state.status.info("no title: nothing created");
        return Vec::new();
    }
    // The project: remembered, else that of the cards around, else asked.
    let near = state
        .board
        .selected_column()
        .and_then(|c| c.cards.first())
        .and_then(|c| c.issue(&state.ws))
        .map(|i| i.project_id);
    let mut projects = state.ws.projects.clone();
    projects.sort_by_key(|p| {
        (
            Some(p.id) != state.new_issue.last_project,
            Some(p.id) != near,
            p.path.clone(),
        )
    });
    if projects.len() == 1 {
        return new_issue_in(state, title, lane, projects[0].id);
    }
    let items = projects
        .iter()
        .map(|p| PickItem {
            label: p.name().to_owned(),
            detail: if Some(p.id) == state.new_issue.last_project {
                format!("{}  (last used)", p.path)
            } else {
                p.path.clone()
            },
            value: PickValue::Project(p.id),
        })
        .collect();
    let mut picker = Picker::new(
        PickPurpose::Project,
        format!("Project of \"{title}\""),
        0,
        items,
    );
    picker.new_issue = Some((title, lane));
    state.focus.mode = Mode::Picker(Box::new(picker));
    Vec::new()
}

pub(crate) fn new_issue_in(
    state: &mut AppState,
    title: String,
    lane: Option<String>,
    project: u64,
) -> Vec<Effect> {
    state.new_issue.last_project = Some(project);
    let mut labels = vec![state.team.team_label.clone()];
    if let Some(l) = &lane {
        labels.push(state.team.lane_label(l));
    }
    labels.sort();
    let milestone = match state.board.kind {
        BoardKind::Iteration | BoardKind::Planning => state.board.milestone,
        BoardKind::Backlog => None,
    };
    let new = edit::NewIssue {
        project,
        title,
        description: String::new(),
        labels,
        milestone,
    };
    if state.settings.editor {
        let header = format!(
            "Description of the new issue \"{}\"\nLeave nothing above the line for no description.",
            new.title
        );
        state.new_issue.draft = Some(new);
        return vec![Effect::Compose {
            issue: DRAFT,
            header,
        }];
    }
    create(state, new)
}

/// The new issue's description, written in `$EDITOR` (see
/// [`crate::core::domain::compose`]), or why the editor failed: the issue is created either way.
pub(crate) fn on_description(state: &mut AppState, text: Result<String, String>) -> Vec<Effect> {
    let Some(mut new) = state.new_issue.draft.take() else {
        return Vec::new();
    };
    match text {
        Ok(t) => {
            new.description = t.trim().to_owned();
        }
        Err(why) => state
            .status
            .warn(format!("{why}; created without a description")),
    }
    create(state, new)
}

#[cfg(test)]
mod tests {
    use crate::core::app::screens::Mode;
    use crate::core::app::screens::input::InputScreen;
    use crate::core::testing::{answered, col_title, enqueued, issue, keys, saved, sel, state};

    #[test]
    fn a_new_issue_appears_at_once_and_becomes_the_real_one() {
        let mut s = state();
        keys(&mut s, "ll");
        assert_eq!(col_title(&s), "Ready");
        keys(&mut s, "nPatroni drill for ci");
        assert!(matches!(s.focus.mode, Mode::Input(InputScreen { .. })));
        keys(&mut s, "<Enter>");
        // Two projects: a picker, the one of the cards around first.
        let Mode::Picker(p) = &s.focus.mode else {
            panic!("{:?}", s.focus.mode)
        };
        assert_eq!(p.current().unwrap().label, "alpha");
        let fx = keys(&mut s, "<Enter>");
        let c = enqueued(&fx)[0].clone();
        let new = c.edit.create.clone().unwrap();
        assert_eq!(
            new.labels,
            vec!["team::Datastores", "workflow-infra::Ready"]
        );
        assert_eq!(new.milestone, Some(1));
        assert_eq!(new.project, 1);
        assert_eq!(sel(&s).title, "Patroni drill for ci");
        assert_eq!(s.short_ref(sel(&s)), "new");
        assert_eq!(s.board.layout.columns[2].cards.len(), 4, "in Ready");
        assert_eq!(
            s.board.layout.columns[2].cards.last().map(|k| k.id),
            Some(sel(&s).id),
            "last, where GitLab puts a new issue"
        );
        // Other workflow keys wait for it to exist.
        assert!(enqueued(&keys(&mut s, "t")).is_empty());
        // Written down, then GitLab created it.
        let c = saved(&mut s, &fx)[0].clone();
        let mut real = issue(900, 321, &["team::Datastores", "workflow-infra::Ready"]);
        real.title = "Patroni drill for ci".into();
        real.milestone_id = Some(1);
        real.position = 90_000;
        answered(&mut s, &[(c.id, Some(real))], &[]);
        assert_eq!(sel(&s).iid, 321);
        assert_eq!(s.board.layout.columns[2].cards.len(), 4);
        assert!(s.ws.issue(c.issue).is_none(), "the placeholder is gone");
        // The project is remembered: no picker next time.
        keys(&mut s, "nsecond<Enter>");
        let Mode::Picker(p) = &s.focus.mode else {
            panic!()
        };
        assert!(p.current().unwrap().detail.contains("last used"));
    }
}
