//! The picker mode: its keys (move, search, toggle, accept, cancel) and
//! what accepting a choice does: move the card to a lane, set or promote
//! to a milestone, set the assignees, create the new issue in a project,
//! or show a milestone. The [`Picker`] itself (items, fuzzy search) is in
//! [`crate::core::app::picker`]; the workflow keys and `n` open it.

use crate::core::app::action::Effect;
use crate::core::app::bulk::act;
use crate::core::app::command::{Binding, Command};
use crate::core::app::navigation::show_milestone;
use crate::core::app::new_issue;
use crate::core::app::picker::{PickPurpose, PickValue, Picker};
use crate::core::app::screens::Mode;
use crate::core::app::screens::{Keys, Screen};
use crate::core::app::state::AppState;
use crate::core::app::workflow_keys::{promote, to_column};
use crate::core::domain::board::ColumnKind;
use crate::core::domain::workflow::Intent;

impl Keys for Picker {
    const NAME: &'static str = "picker";
    const TITLE: &'static str = "Pickers (lane, milestone, assignees)";
    const BINDINGS: &'static [Binding] = &[
        Binding::new("<Up>|<C-p>", Command::Up, "previous item"),
        Binding::new("<Down>|<C-n>", Command::Down, "next item"),
        Binding::new("<Tab>", Command::Toggle, "select / unselect (assignees)"),
        Binding::new("<Enter>", Command::Accept, "choose"),
        Binding::new("<Esc>", Command::Cancel, "cancel"),
        Binding::new(
            "<Backspace>",
            Command::Backspace,
            "delete a search character",
        ),
        Binding::new("<C-u>", Command::ClearText, "clear the search"),
        Binding::new("<C-c>", Command::Quit, "quit"),
    ];
}

impl Screen for Picker {
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        picker_command(state, cmd)
    }

    fn typed(state: &mut AppState, c: char) {
        picker_type(state, c);
    }
}

/// Keys in a picker.
pub fn picker_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let Mode::Picker(p) = &mut state.focus.mode else {
        return Vec::new();
    };
    match cmd {
        Command::Up => p.move_cursor(-1),
        Command::Down => p.move_cursor(1),
        Command::Toggle if p.multi => p.toggle(),
        Command::Backspace => {
            p.query.pop();
            p.refilter();
        }
        Command::ClearText => {
            p.query.clear();
            p.refilter();
        }
        Command::Cancel => state.focus.mode = Mode::Board,
        Command::Accept => {
            let p = match std::mem::replace(&mut state.focus.mode, Mode::Board) {
                Mode::Picker(p) => p,
                _ => return Vec::new(),
            };
            return accept_pick(state, *p);
        }
        _ => {}
    }
    Vec::new()
}

/// A typed character in a picker's search.
pub fn picker_type(state: &mut AppState, c: char) {
    if let Mode::Picker(p) = &mut state.focus.mode {
        p.query.push(c);
        p.refilter();
    }
}

fn accept_pick(state: &mut AppState, p: Picker) -> Vec<Effect> {
    if let (PickPurpose::Project, Some((title, lane))) = (p.purpose, p.new_issue.clone()) {
        return match p.current().map(|i| i.value.clone()) {
            Some(PickValue::Project(project)) => {
                new_issue::new_issue_in(state, title, lane, project)
            }
            _ => {
                state.status.info("nothing matches: no issue created");
                Vec::new()
            }
        };
    }
    if p.purpose == PickPurpose::ReplanTarget {
        if let (Some(PickValue::Milestone(Some(m))), Some(Mode::Replan(r))) = (
            p.current().map(|i| i.value.clone()),
            state.focus.back.as_deref_mut(),
        ) {
            r.target = m;
        }
        return Vec::new();
    }
    if p.purpose == PickPurpose::Profile {
        if let Some(PickValue::Profile(name)) = p.current().map(|i| i.value.clone()) {
            if name == state.settings.profile {
                state.status.info("that is the profile shown");
                return Vec::new();
            }
            // The board closes and opens again on the other profile (its
            // own host, group, team and cache).
            state.settings.switch_profile = Some(name);
            state.session.quit = true;
            return vec![Effect::Quit];
        }
        return Vec::new();
    }
    if p.purpose == PickPurpose::Open {
        if let Some(PickValue::Url(url)) = p.current().map(|i| i.value.clone()) {
            return crate::core::app::workflow_keys::open_url(state, &url);
        }
        return Vec::new();
    }
    if p.purpose == PickPurpose::Browse {
        if let Some(PickValue::Milestone(Some(m))) = p.current().map(|i| i.value.clone()) {
            return show_milestone(state, m);
        }
        return Vec::new();
    }
    let Some(issue) = state.ws.issue(p.issue).cloned() else {
        return Vec::new();
    };
    match p.purpose {
        PickPurpose::Assignees if !p.multi => match p.current().map(|i| i.value.clone()) {
            Some(PickValue::Member(id)) => act(state, &issue, Intent::Assignees(vec![id])),
            _ => {
                state.status.info("nothing matches");
                Vec::new()
            }
        },
        PickPurpose::Assignees => {
            let chosen: Vec<u64> = p
                .selected
                .iter()
                .filter_map(|&n| match p.items.get(n)?.value {
                    PickValue::Member(id) => Some(id),
                    _ => None,
                })
                .collect();
            act(state, &issue, Intent::Assignees(chosen))
        }
        _ => {
            let Some(item) = p.current().cloned() else {
                state.status.info("nothing matches");
                return Vec::new();
            };
            match (p.purpose, item.value) {
                (PickPurpose::Lane, PickValue::Lane(l)) => {
                    let kind = l.map_or(ColumnKind::Open, ColumnKind::Lane);
                    to_column(state, &issue, &kind)
                }
                (PickPurpose::Milestone, PickValue::Milestone(m)) => {
                    act(state, &issue, Intent::Milestone(m))
                }
                (PickPurpose::Promote, PickValue::Milestone(Some(m))) => promote(state, &issue, m),
                _ => Vec::new(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::core::app::screens::Mode;
    use crate::core::testing::{col_title, enqueued, keys, state, user};

    #[test]
    fn pickers_choose_lanes_milestones_and_assignees() {
        let mut s = state();
        s.ws.members.push(user(8, "ben", "Ben Wright"));
        s.ws.members.push(user(7, "zoe", "Zoë Müller"));
        keys(&mut s, "ll");
        keys(&mut s, "m");
        assert!(matches!(s.focus.mode, Mode::Picker(_)));
        let fx = keys(&mut s, "review<Enter>");
        assert_eq!(
            enqueued(&fx)[0].edit.add_labels,
            vec!["workflow-infra::Under Review"]
        );
        assert_eq!(col_title(&s), "Under Review");

        let fx = keys(&mut s, "Mnone<Enter>");
        assert_eq!(enqueued(&fx)[0].edit.milestone, Some(None));

        keys(&mut s, "2");
        let mut s = state();
        s.ws.members = vec![user(7, "zoe", "Zoë Müller"), user(8, "ben", "Ben Wright")];
        keys(&mut s, "ll");
        keys(&mut s, "a");
        let fx = keys(&mut s, "ben<Tab><Enter>");
        let c = enqueued(&fx)[0];
        assert_eq!(c.edit.assign, vec![8]);
        assert!(c.edit.unassign.is_empty());
        // Reopened, the picker shows ben selected; Tab on the first (you) adds you.
        let fx = keys(&mut s, "a<Tab><Enter>");
        assert_eq!(enqueued(&fx)[0].edit.assign, vec![7]);
        let fx = keys(&mut s, "A");
        assert_eq!(enqueued(&fx)[0].edit.unassign, vec![7]);
    }
}
