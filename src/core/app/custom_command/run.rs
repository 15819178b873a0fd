//! A custom command run from the board: its placeholders filled from the
//! selected card and the marked cards, and what it said on the status line.

use super::{branch_name, expand};
use crate::core::app::action::Effect;
use crate::core::app::bulk;
use crate::core::app::state::AppState;
use crate::core::domain::model::Issue;

fn values(state: &AppState, i: &Issue) -> Vec<(&'static str, String)> {
    let project = state
        .ws
        .project(i.project_id)
        .map_or(String::new(), |p| p.path.clone());
    vec![
        ("reference", state.short_ref(i)),
        ("iid", i.iid.to_string()),
        ("project", project),
        ("web_url", i.web_url.clone()),
        ("title", i.title.clone()),
        ("branch", branch_name(i.iid, &i.title)),
    ]
}

/// Run command `n` on the selected card (and the marked cards).
pub(crate) fn run(state: &mut AppState, n: usize, issue: Option<&Issue>) -> Vec<Effect> {
    let Some(c) = state.settings.commands.get(n).cloned() else {
        return Vec::new();
    };
    let selected = issue.cloned().or_else(|| state.selected_issue().cloned());
    let mut group: Vec<Issue> = bulk::marked(state)
        .iter()
        .filter_map(|id| state.ws.issue(*id).cloned())
        .collect();
    if group.is_empty() {
        group.extend(selected.clone());
    }
    let Some(one) = selected.or_else(|| group.first().cloned()) else {
        state.status.info(format!("{}: no card selected", c.title));
        return Vec::new();
    };
    if one.iid == 0 {
        state
            .status
            .info("this issue is still being created on GitLab");
        return Vec::new();
    }
    let single = values(state, &one);
    let lists: Vec<(&str, Vec<String>)> = vec![
        (
            "references",
            group
                .iter()
                .map(|i| crate::core::domain::board::full_ref(&state.ws, i))
                .collect(),
        ),
        ("iids", group.iter().map(|i| i.iid.to_string()).collect()),
        (
            "web_urls",
            group.iter().map(|i| i.web_url.clone()).collect(),
        ),
    ];
    match expand(&c.command, &single, &lists) {
        Ok((script, args)) => {
            if !c.interactive {
                state.status.info(format!("{}: running…", c.title));
            }
            vec![Effect::RunCommand {
                title: c.title,
                script,
                args,
                interactive: c.interactive,
            }]
        }
        Err(e) => {
            state.status.warn(format!("{}: {e}", c.title));
            Vec::new()
        }
    }
}

/// What a background command said, for the status line.
pub(crate) fn done(state: &mut AppState, title: &str, ok: bool, output: &str) {
    let first = output
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(crate::core::domain::sanitize::line)
        .unwrap_or_default();
    if ok {
        state.status.info(if first.is_empty() {
            format!("{title}: done")
        } else {
            format!("{title}: {first}")
        });
    } else {
        state.status.warn(if first.is_empty() {
            format!("{title}: failed")
        } else {
            format!("{title} failed: {first}")
        });
    }
}
