//! `i`: the shown iteration's planning issue, opened in the detail pane, or
//! offered for creation (from the template, shown first) when there is
//! none; `S`: the planning summary written into it (shown first), as
//! `glboard planning summary --write` does.

use crate::core::app::action::Effect;
use crate::core::app::screens::Mode;
use crate::core::app::screens::confirm::ConfirmScreen;
use crate::core::app::state::AppState;
use crate::core::domain::edit::{DescriptionEdit, Edit, NewIssue};
use crate::core::domain::model::{Milestone, ProjectId};
use crate::core::planning;

/// The milestone `i` and `S` are about: the shown one, else the current.
fn milestone(state: &mut AppState) -> Option<Milestone> {
    let m = state.shown_milestone().cloned().or_else(|| {
        state
            .board
            .iteration
            .current
            .and_then(|id| state.ws.milestone(id).cloned())
    });
    if m.is_none() {
        state.status.warn("no milestone shown");
    }
    m
}

/// The shown iteration's planning issue, or the question whether to create it.
pub(crate) fn planning_issue(state: &mut AppState) -> Vec<Effect> {
    let Some(m) = milestone(state) else {
        return Vec::new();
    };
    let found = planning::template::find(&state.ws, &state.team, &m).map(|i| i.id);
    match found {
        Some(issue) => crate::core::app::screens::detail::open_detail(state, issue),
        None => offer_to_create(state, &m),
    }
}

/// Where a new planning issue goes: `planning_project`, else the project
/// of the previous iteration's planning issue.
fn project_for(state: &AppState, m: &Milestone) -> Option<ProjectId> {
    if let Some(p) = &state.settings.planning_setup.project {
        return state
            .ws
            .projects
            .iter()
            .find(|x| x.path == *p || x.name() == p || p.parse::<u64>().ok() == Some(x.id))
            .map(|x| x.id);
    }
    let earlier = planning::summary::previous(&state.ws, &state.team, m)?;
    planning::template::find(&state.ws, &state.team, earlier).map(|i| i.project_id)
}

/// An iteration's planning issue, for the board (`i`) and `glboard
/// cadence` alike: titled `<milestone> Iteration Planning`, in `project`,
/// with the team label, the doing lane and the milestone, its description
/// the template filled (`previous`: the iteration before, for what it
/// leaves unfinished). A template that does not fill is the error, in words.
pub fn new_planning_issue(
    ws: &crate::core::domain::model::Workspace,
    team: &crate::core::domain::model::TeamConfig,
    m: &Milestone,
    previous: Option<&Milestone>,
    template: &str,
    project: crate::core::domain::model::ProjectId,
) -> Result<NewIssue, String> {
    let description = planning::template::fill(template, ws, team, m, previous)?;
    Ok(NewIssue {
        project,
        title: planning::template::title(team, m),
        description,
        labels: vec![team.team_label.clone(), team.lane_label(&team.doing_lane)],
        milestone: Some(m.id),
    })
}

fn offer_to_create(state: &mut AppState, m: &Milestone) -> Vec<Effect> {
    let Some(project) = project_for(state, m) else {
        state.status.warn(format!(
            "no planning issue for {}, and no project to create it in: set planning_project in the config",
            m.title
        ));
        return Vec::new();
    };
    let previous = planning::summary::previous(&state.ws, &state.team, m).cloned();
    let template = state
        .settings
        .planning_setup
        .template
        .clone()
        .unwrap_or_else(|| planning::template::BUILT_IN.to_owned());
    let new = match new_planning_issue(
        &state.ws,
        &state.team,
        m,
        previous.as_ref(),
        &template,
        project,
    ) {
        Ok(n) => n,
        Err(e) => {
            state.status.warn(format!("planning_template: {e}"));
            return Vec::new();
        }
    };
    let (title, description) = (new.title.clone(), new.description.clone());
    let path = state
        .ws
        .project(project)
        .map_or(String::new(), |p| p.path.clone());
    state.focus.mode = Mode::Confirm(ConfirmScreen {
        prompt: format!(
            "No planning issue for {}: create \"{title}\" in {path}? y/n (j/k scroll)",
            m.title
        ),
        issue: 0,
        edit: Box::new(Edit {
            create: Some(new),
            ..Edit::default()
        }),
        summary: format!("planning issue {title} created"),
        preview: Some(description),
        scroll: 0,
    });
    Vec::new()
}

/// `S`: the planning summary of the shown iteration, to write into its
/// planning issue between markers (the rest stays as the team wrote it).
pub(crate) fn write_summary(state: &mut AppState) -> Vec<Effect> {
    let Some(m) = milestone(state) else {
        return Vec::new();
    };
    let Some(issue) = planning::template::find(&state.ws, &state.team, &m).cloned() else {
        return offer_to_create(state, &m);
    };
    let Some(mut summary) = planning::summary::summary(&state.ws, &state.team, m.id) else {
        return Vec::new();
    };
    // How the last iterations went, from the cached events: the same
    // computation as `glboard planning summary` (issue #29).
    summary.previous = crate::core::domain::insights::past_figures_of(
        &state.ws,
        &state.team,
        state.session.instant(),
    );
    let block = planning::summary::markdown(&summary, state.session.today);
    // Spliced into GitLab's text as it is (only what is shown is sanitized).
    let text = planning::summary::splice(issue.raw_description(), &block);
    let name = state.short_ref(&issue);
    if text == issue.raw_description() {
        state
            .status
            .info(format!("{name}: the summary there is up to date"));
        return Vec::new();
    }
    state.focus.mode = Mode::Confirm(ConfirmScreen {
        prompt: format!("Write this summary into {name}? y/n (j/k scroll)"),
        issue: issue.id,
        edit: Box::new(Edit {
            description: Some(DescriptionEdit {
                text,
                before: issue.raw_description().to_owned(),
            }),
            ..Edit::default()
        }),
        summary: planning::summary::change_summary(&name),
        preview: Some(block),
        scroll: 0,
    });
    Vec::new()
}

#[cfg(test)]
mod tests {
    use crate::core::app::screens::Mode;
    use crate::core::app::screens::confirm::ConfirmScreen;
    use crate::core::app::screens::detail::DetailScreen;
    use crate::core::testing::{enqueued, issue, keys, state};

    #[test]
    fn the_planning_issue_opens_in_the_detail_pane_or_is_offered() {
        let mut s = state();
        // None, and no project known to make it in: said.
        keys(&mut s, "i");
        assert!(
            s.status
                .message
                .as_ref()
                .unwrap()
                .text
                .contains("no planning issue")
        );
        // With a project: offered, its text shown first; n keeps nothing.
        s.settings.planning_setup.project = Some(s.ws.projects[0].path.clone());
        keys(&mut s, "i");
        let Mode::Confirm(ConfirmScreen { preview, edit, .. }) = &s.focus.mode else {
            panic!("{:?}", s.focus.mode);
        };
        assert!(preview.as_ref().unwrap().contains("Priorities"));
        assert!(edit.create.is_some());
        keys(&mut s, "jjk");
        let fx = keys(&mut s, "y");
        let made = enqueued(&fx);
        assert_eq!(made.len(), 1);
        assert!(
            made[0]
                .edit
                .create
                .as_ref()
                .unwrap()
                .title
                .ends_with("Iteration Planning")
        );
        // There: opened.
        let mut s = state();
        let mut p = issue(
            60,
            160,
            &["team::Datastores", "workflow-infra::In Progress"],
        );
        p.title = "Datastores team - W45 Iteration Planning".into();
        s.ws.issues.push(p);
        keys(&mut s, "i");
        assert!(matches!(
            s.focus.mode,
            Mode::Detail(DetailScreen { issue: 60, .. })
        ));
        // S from there: the summary shown, then written as a description
        // change that knows what it replaces; back in the pane after.
        keys(&mut s, "S");
        let Mode::Confirm(ConfirmScreen { preview, .. }) = &s.focus.mode else {
            panic!("{:?}", s.focus.mode);
        };
        assert!(preview.as_ref().unwrap().contains("Planning summary"));
        let fx = keys(&mut s, "y");
        let c = enqueued(&fx)[0];
        let d = c.edit.description.as_ref().unwrap();
        assert!(d.text.contains("<!-- glboard:summary -->"));
        assert_eq!(d.before, "");
        assert!(matches!(
            s.focus.mode,
            Mode::Detail(DetailScreen { issue: 60, .. })
        ));
    }
}
