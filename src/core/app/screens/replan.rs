//! The re-plan screen (`R`): the shown iteration's unfinished issues, each
//! chosen or left out, moved to a later milestone (optionally back to
//! Ready) as one batch and one undo step; the board then follows it.

use crate::core::app::action::Effect;
use crate::core::app::changes::Batch;
use crate::core::app::command::{Binding, Command};
use crate::core::app::commit::{Step, UndoAs, commit_action};
use crate::core::app::picker::{PickItem, PickPurpose, PickValue, Picker};
use crate::core::app::screens::Mode;
use crate::core::app::screens::{Keys, Screen};
use crate::core::app::state::AppState;
use crate::core::domain::edit;
use crate::core::domain::iteration;
use crate::core::domain::model::{IssueId, MilestoneId, MilestoneState};

/// The Friday re-plan screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplanScreen {
    pub from: MilestoneId,
    pub target: MilestoneId,
    /// The issues not Done, in board order, and whether each goes.
    pub items: Vec<(IssueId, bool)>,
    pub reset_lane: bool,
    pub cursor: usize,
    /// Enter was pressed: the summary question is showing.
    pub confirming: bool,
}

impl Keys for ReplanScreen {
    const NAME: &'static str = "replan";
    const TITLE: &'static str = "Re-plan screen";
    const BINDINGS: &'static [Binding] = &[
        Binding::new("k|<Up>", Command::Up, "previous issue"),
        Binding::new("j|<Down>", Command::Down, "next issue"),
        Binding::new("<Space>", Command::Toggle, "include / exclude the issue"),
        Binding::new("a", Command::ToggleLane, "include / exclude its whole lane"),
        Binding::new("gg|<Home>", Command::Top, "first issue"),
        Binding::new("G|<End>", Command::Bottom, "last issue"),
        Binding::new("<C-u>|<PageUp>", Command::PageUp, "page up"),
        Binding::new("<C-d>|<PageDown>", Command::PageDown, "page down"),
        Binding::new(
            "t",
            Command::PickTarget,
            "choose the target milestone (picker)",
        ),
        Binding::new(
            "r",
            Command::ToggleResetLane,
            "keep lanes / reset to the ready lane",
        ),
        Binding::new("<Enter>", Command::Accept, "apply (asks first)"),
        Binding::new("y", Command::Yes, "yes, apply"),
        Binding::new("q|<Esc>|n", Command::Cancel, "cancel"),
        Binding::new("<C-c>", Command::Quit, "quit"),
    ];
}

impl Screen for ReplanScreen {
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        replan_command(state, cmd)
    }
}

/// Open milestones after `from` on the team's timeline (re-plan targets).
fn targets(state: &AppState, from: u64) -> Vec<u64> {
    targets_after(&state.ws.milestones, &state.team, from)
}

/// The re-plan's targets, for the board and the command line alike: the
/// team's open milestones after `from` on its timeline.
pub fn targets_after(
    milestones: &[crate::core::domain::model::Milestone],
    team: &crate::core::domain::model::TeamConfig,
    from: u64,
) -> Vec<u64> {
    let ms = iteration::team_milestones(milestones, team);
    let at = ms.iter().position(|m| m.id == from);
    ms.iter()
        .enumerate()
        .filter(|(n, m)| at.is_none_or(|a| *n > a) && m.state == MilestoneState::Active)
        .map(|(_, m)| m.id)
        .collect()
}

/// `R`: the re-plan screen for the shown iteration.
pub(crate) fn open_replan(state: &mut AppState) -> Vec<Effect> {
    let Some(from) = state.board.milestone else {
        state.status.warn("no iteration shown to re-plan");
        return Vec::new();
    };
    let Some(&target) = targets(state, from).first() else {
        state
            .status
            .warn("no later open milestone to move issues to");
        return Vec::new();
    };
    let mut items: Vec<(IssueId, bool)> =
        edit::replan(&state.ws.issues, &state.team, from, target, false)
            .into_iter()
            .map(|(id, _)| (id, true))
            .collect();
    // Grouped by lane, in board order within each.
    let lane_rank = |id: &IssueId| {
        let i = state.ws.issue(*id);
        let lane = i.and_then(|i| state.team.lanes_of(i).first().map(|l| l.to_string()));
        lane.and_then(|l| state.team.lanes.iter().position(|x| *x == l))
            .unwrap_or(usize::MAX)
    };
    items.sort_by_key(|(id, _)| lane_rank(id));
    if items.is_empty() {
        state
            .status
            .info("everything in this iteration is Done: nothing to re-plan");
        return Vec::new();
    }
    state.focus.mode = Mode::Replan(Box::new(ReplanScreen {
        from,
        target,
        items,
        reset_lane: false,
        cursor: 0,
        confirming: false,
    }));
    Vec::new()
}

/// Keys on the re-plan screen.
pub fn replan_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let all_targets = match &state.focus.mode {
        Mode::Replan(r) => targets(state, r.from),
        _ => return Vec::new(),
    };
    let Mode::Replan(r) = &mut state.focus.mode else {
        return Vec::new();
    };
    let n = r.items.len();
    let page = usize::from(state.session.viewport.1.saturating_sub(8)).max(1);
    match cmd {
        Command::Up => r.cursor = r.cursor.saturating_sub(1),
        Command::Down => r.cursor = (r.cursor + 1).min(n.saturating_sub(1)),
        Command::Top => r.cursor = 0,
        Command::Bottom => r.cursor = n.saturating_sub(1),
        Command::PageUp => r.cursor = r.cursor.saturating_sub(page),
        Command::PageDown => r.cursor = (r.cursor + page).min(n.saturating_sub(1)),
        Command::Toggle => {
            if let Some(item) = r.items.get_mut(r.cursor) {
                item.1 = !item.1;
            }
        }
        Command::ToggleLane => {
            // Every issue of the cursor's lane: in if any was out, else out.
            let lane_of = |id: IssueId| {
                state
                    .ws
                    .issue(id)
                    .and_then(|i| state.team.lanes_of(i).first().map(|l| l.to_string()))
            };
            if let Some(&(here, _)) = r.items.get(r.cursor) {
                let lane = lane_of(here);
                let same: Vec<usize> = (0..n).filter(|&k| lane_of(r.items[k].0) == lane).collect();
                let include = same.iter().any(|&k| !r.items[k].1);
                for k in same {
                    r.items[k].1 = include;
                }
            }
        }
        Command::PickTarget => {
            let target = r.target;
            let items: Vec<PickItem> = all_targets
                .iter()
                .filter_map(|t| state.ws.milestones.iter().find(|m| m.id == *t))
                .map(|m| PickItem {
                    label: m.title.clone(),
                    detail: match (m.start_date, m.due_date, m.id == target) {
                        (Some(s), Some(d), true) => format!("{s} → {d}  (chosen)"),
                        (Some(s), Some(d), false) => format!("{s} → {d}"),
                        (_, _, true) => "(chosen)".into(),
                        _ => String::new(),
                    },
                    value: PickValue::Milestone(Some(m.id)),
                })
                .collect();
            let at = items
                .iter()
                .position(|i| i.value == PickValue::Milestone(Some(target)));
            let mut picker = Picker::new(PickPurpose::ReplanTarget, "Re-plan to", 0, items);
            if let Some(at) = at {
                picker.cursor = at;
            }
            let parent = std::mem::replace(&mut state.focus.mode, Mode::Picker(Box::new(picker)));
            state.focus.back = Some(Box::new(parent));
        }
        Command::ToggleResetLane => r.reset_lane = !r.reset_lane,
        Command::Cancel if r.confirming => r.confirming = false,
        Command::Cancel => state.focus.mode = Mode::Board,
        Command::Accept => r.confirming = true,
        Command::Yes if r.confirming => {
            let Mode::Replan(r) = std::mem::replace(&mut state.focus.mode, Mode::Board) else {
                return Vec::new();
            };
            return apply_replan(state, *r);
        }
        _ => {}
    }
    Vec::new()
}

fn apply_replan(state: &mut AppState, r: ReplanScreen) -> Vec<Effect> {
    let chosen: Vec<IssueId> = r
        .items
        .iter()
        .filter(|(_, on)| *on)
        .map(|(id, _)| *id)
        .collect();
    let plan = edit::replan(
        &state.ws.issues,
        &state.team,
        r.from,
        r.target,
        r.reset_lane,
    );
    let title = |id| {
        state
            .ws
            .milestone(id)
            .map_or(String::new(), |m| m.title.clone())
    };
    let (from_t, to_t) = (title(r.from), title(r.target));
    let mut steps = Vec::new();
    for (id, e) in plan.into_iter().filter(|(id, _)| chosen.contains(id)) {
        let Some(i) = state.ws.issue(id) else {
            continue;
        };
        steps.push(Step::new(id, e, format!("{} → {to_t}", state.short_ref(i))));
    }
    let short = |id| {
        state.ws.milestone(id).map_or(String::new(), |m| {
            state.team.short_milestone_title(m).to_owned()
        })
    };
    let label = format!("re-plan {} → {}", short(r.from), short(r.target));
    let total = steps.len();
    // One user action: one batch in the outbox, one undo step, which also
    // points the board back.
    let before = crate::core::app::changes::BoardBefore {
        milestone: state.board.milestone,
        followed: state.board.followed,
    };
    let mut effects = commit_action(state, steps, label.clone(), UndoAs::Step);
    if let Some(entry) = state.changes.undo.last_mut()
        && entry.label == label
    {
        entry.board_before = Some(before);
    }
    if let Some(Effect::Enqueue { local, .. }) = effects.first() {
        state.changes.batch = Some(Batch {
            label,
            local: *local,
            total,
            changes: Vec::new(),
        });
    }
    state.board.followed = Some(r.target);
    state.board.milestone = Some(r.target);
    state.relayout();
    state.status.info(format!(
        "{} issues from {from_t} to {to_t}; the board now follows {to_t}",
        chosen.len()
    ));
    effects.push(Effect::Follow(r.target));
    if state.session.sync.enabled {
        effects.push(Effect::ShowMilestone(r.target));
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::model::Issue;
    use crate::core::testing::{answered, enqueued, keys, saved, state};

    #[test]
    fn the_replan_screen_moves_the_chosen_issues_and_follows_the_target() {
        let mut s = state();
        keys(&mut s, "R");
        let Mode::Replan(r) = &s.focus.mode else {
            panic!("{:?}", s.focus.mode)
        };
        assert_eq!((r.from, r.target, r.items.len()), (1, 2, 6));
        // Page keys and a whole lane in and out.
        keys(&mut s, "G");
        let Mode::Replan(r) = &s.focus.mode else {
            panic!()
        };
        assert_eq!(r.cursor, 5);
        keys(&mut s, "gg");
        let Mode::Replan(r) = &s.focus.mode else {
            panic!()
        };
        assert_eq!(r.cursor, 0);
        keys(&mut s, "a");
        let Mode::Replan(r) = &s.focus.mode else {
            panic!()
        };
        let out = r.items.iter().filter(|(_, on)| !on).count();
        assert!((1..6).contains(&out), "the first lane only: {out}");
        keys(&mut s, "a");
        let Mode::Replan(r) = &s.focus.mode else {
            panic!()
        };
        assert!(r.items.iter().all(|(_, on)| *on), "and back in");
        // Leave the second out, reset lanes to Ready.
        keys(&mut s, "j<Space>r<Enter>");
        let Mode::Replan(r) = &s.focus.mode else {
            panic!()
        };
        assert!(r.confirming && r.reset_lane);
        let fx = keys(&mut s, "y");
        let cs = enqueued(&fx);
        assert_eq!(cs.len(), 5);
        assert!(cs.iter().all(|c| c.edit.milestone == Some(Some(2))));
        assert!(fx.contains(&Effect::Follow(2)));
        assert_eq!((s.board.milestone, s.board.followed), (Some(2), Some(2)));
        assert_eq!(
            s.board.layout.columns[2].cards.len(),
            5,
            "all in Ready of the next iteration"
        );
        assert!(
            s.status
                .message
                .as_ref()
                .unwrap()
                .text
                .starts_with("5 issues from")
        );
        assert_eq!(s.changes.batch_progress(), Some((0, 0, 5)));
        assert!(
            matches!(fx.as_slice(), [Effect::Enqueue { changes, .. }, ..] if changes.len() == 5),
            "one batch"
        );
        let ids: Vec<u64> = saved(&mut s, &fx).iter().map(|c| c.id).collect();
        assert_eq!(s.changes.batch_progress(), Some((0, 0, 5)));
        let sent: Vec<(u64, Option<Issue>)> = ids[..4].iter().map(|id| (*id, None)).collect();
        answered(&mut s, &sent, &[]);
        assert_eq!(s.changes.batch_progress(), Some((4, 0, 5)));
        answered(&mut s, &[], &[(ids[4], "404", None)]);
        assert_eq!(s.changes.batch, None);
        assert!(
            s.status
                .message
                .as_ref()
                .unwrap()
                .text
                .contains("4 applied, 1 not applied")
        );
        // One u undoes the whole re-plan, as one batch.
        let fx = keys(&mut s, "u");
        let undo = enqueued(&fx);
        assert_eq!(undo.len(), 5);
        assert!(undo.iter().all(|c| c.edit.milestone == Some(Some(1))));
        assert!(matches!(fx.as_slice(), [Effect::Enqueue { .. }, ..]));
        // And the board shows and follows what it did before.
        assert_eq!((s.board.milestone, s.board.followed), (Some(1), None));
        assert!(fx.contains(&Effect::Unfollow), "{fx:?}");
        assert!(
            s.status
                .message
                .as_ref()
                .unwrap()
                .text
                .ends_with("; the board shows Datastores team - W45 again"),
            "{:?}",
            s.status.message
        );
    }

    #[test]
    fn the_target_is_chosen_in_the_milestone_picker_and_esc_returns_to_the_screen() {
        let mut s = state();
        s.ws.milestones.push(crate::core::testing::milestone(
            3,
            "Datastores team - W49",
            Some("2025-12-01"),
            Some("2025-12-14"),
        ));
        keys(&mut s, "Rt");
        let Mode::Picker(p) = &s.focus.mode else {
            panic!("{:?}", s.focus.mode)
        };
        assert_eq!(p.items.len(), 2, "the later open milestones");
        assert!(p.items[0].detail.contains("(chosen)"));
        keys(&mut s, "<Esc>");
        let Mode::Replan(r) = &s.focus.mode else {
            panic!("Esc closes only the picker: {:?}", s.focus.mode)
        };
        assert_eq!(r.target, 2);
        keys(&mut s, "tW49<Enter>");
        let Mode::Replan(r) = &s.focus.mode else {
            panic!("{:?}", s.focus.mode)
        };
        assert_eq!(r.target, 3);
        // Four more presses of t do not cycle anything away.
        keys(&mut s, "t<Esc>t<Esc>");
        let Mode::Replan(r) = &s.focus.mode else {
            panic!()
        };
        assert_eq!(r.target, 3);
        let fx = keys(&mut s, "<Enter>y");
        assert!(
            enqueued(&fx)
                .iter()
                .all(|c| c.edit.milestone == Some(Some(3)))
        );
    }
}
