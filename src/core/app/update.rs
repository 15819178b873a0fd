//! `update(state, action) -> effects`: the only place the state changes.
//! Resolves keys through the keymap and hands each command to the screen
//! showing ([`crate::core::app::screens`], one module each); the clock,
//! sync, outbox, cache and mouse arrive here too.

use crate::core::app::action::{Action, Effect, MouseInput, MouseKind, SyncEvent};
use crate::core::app::command::{Command, KeyCode, KeyPress};
use crate::core::app::commit;
use crate::core::app::geometry;
use crate::core::app::keymap::{self, Resolution};
use crate::core::app::navigation::select;
use crate::core::app::screens::Mode;
use crate::core::app::screens::detail::{self, DetailScreen};
use crate::core::app::screens::help::{self, HelpScreen};
use crate::core::app::session::SyncPhase;
use crate::core::app::state::AppState;
use crate::core::app::workflow_keys;
use crate::core::domain::board::BoardKind;
use crate::core::domain::iteration;
use crate::core::domain::num;

/// Apply one action to the state; returns what the adapters should do.
pub fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) => {
            let fx = on_key(state, key);
            return_to_parent(state);
            fx
        }
        Action::Command(cmd) => {
            let fx = run(state, cmd);
            return_to_parent(state);
            fx
        }
        Action::Mouse(m) => {
            on_mouse(state, m);
            Vec::new()
        }
        Action::Resize { width, height } => {
            state.session.viewport = (width, height);
            state.ensure_visible();
            detail::clamp_scroll(state);
            detail::follow_end(state);
            help::clamp_scroll(state);
            Vec::new()
        }
        Action::Today(today) => {
            on_today(state, today);
            Vec::new()
        }
        Action::Tick { now } => {
            state.session.now = Some(now);
            Vec::new()
        }
        Action::Sync(ev) => on_sync(state, ev),
        Action::Outbox(ev) => {
            let fx = commit::on_outbox(state, ev);
            commit::finish_batch(state);
            fx
        }
        Action::Store(u) => {
            let notes = crate::core::app::screens::detail::notes_to_reread(state, &u);
            state.apply_store(*u);
            commit::finish_batch(state);
            detail::follow_end(state);
            notes
        }
        Action::Composed { issue, text } => workflow_keys::on_composed(state, issue, text),
        Action::CommandDone { title, ok, output } => {
            crate::core::app::custom_command::run::done(state, &title, ok, &output);
            Vec::new()
        }
        Action::Notes { issue, notes } => {
            state.notes.read(issue, notes);
            detail::follow_end(state);
            Vec::new()
        }
    }
}

/// A picker, prompt or help opened from the detail pane or the re-plan
/// screen closed: back to that screen (the detail only while its issue is
/// still there).
fn return_to_parent(state: &mut AppState) {
    if state.session.quit {
        state.focus.back = None;
        return;
    }
    if state.focus.mode != Mode::Board {
        return;
    }
    if let Some(parent) = state.focus.back.take() {
        let gone = matches!(*parent, Mode::Detail(DetailScreen { issue, .. }) if state.ws.issue(issue).is_none());
        if !gone {
            state.focus.mode = *parent;
        }
    }
}

/// A new day: the current iteration, the stale filter and the past
/// milestone checks follow it; a board showing the current iteration (not
/// following another) moves on with it.
fn on_today(state: &mut AppState, today: chrono::NaiveDate) {
    if today == state.session.today {
        return;
    }
    let old_current = state.board.iteration.current;
    state.session.today = today;
    state.board.iteration = iteration::pick(&state.ws.milestones, &state.team, today);
    if state.board.followed.is_none() && state.board.milestone == old_current {
        state.board.milestone = state.board.iteration.current;
        if state.board.milestone != old_current
            && let Some(m) = state.shown_milestone()
        {
            let text = format!("a new day: {} is the current iteration", m.title);
            state.status.info(text);
        }
    }
    state.relayout();
}

fn on_sync(state: &mut AppState, ev: SyncEvent) -> Vec<Effect> {
    let mut fx = Vec::new();
    let phase = match ev {
        // Trying again: still said until GitLab answers.
        SyncEvent::Started
            if matches!(state.session.sync.phase, SyncPhase::NotAnswering { .. }) =>
        {
            return fx;
        }
        SyncEvent::Started => SyncPhase::Running {
            fetched: 0,
            total: None,
        },
        SyncEvent::Progress { fetched, total } => SyncPhase::Running { fetched, total },
        SyncEvent::Done { at } => {
            // "synced" shows once the data is on screen: the cache's
            // update (with its sync time) brings it.
            state.session.now = Some(state.session.now.map_or(at, |n| n.max(at)));
            // GitLab answers: changes waiting offline go now, and the
            // status line no longer says offline next to "synced".
            if state.changes.outbox_wait == Some(crate::core::app::action::WaitReason::Offline) {
                state.changes.outbox_wait = None;
                fx.push(Effect::SendNow);
            }
            SyncPhase::Idle
        }
        SyncEvent::Failed { message, offline } => SyncPhase::Failed { message, offline },
        SyncEvent::RateLimited { until } => SyncPhase::RateLimited { until },
        SyncEvent::NotAnswering { since } => SyncPhase::NotAnswering { since },
    };
    state.session.sync.phase = phase;
    fx
}

fn on_key(state: &mut AppState, key: KeyPress) -> Vec<Effect> {
    state.status.key_pressed();
    let ctx = state.focus.mode.context();
    let pending = std::mem::take(&mut state.focus.pending_keys);
    let layers: &[keymap::Context] =
        if ctx == keymap::Context::Board && state.board.kind == BoardKind::Planning {
            &[keymap::Context::Planning, keymap::Context::Board]
        } else {
            &[ctx]
        };
    let keymap = state.settings.keymap.clone();
    match keymap.resolve_layered(layers, &pending, key) {
        Resolution::Command(cmd) => run(state, cmd),
        Resolution::Pending => {
            state.focus.pending_keys = pending;
            state.focus.pending_keys.push(key);
            Vec::new()
        }
        Resolution::Unbound if key.alt && pending.is_empty() => {
            // Terminals send Esc then a key typed quickly after it as Alt+key
            // (common over SSH): treat it as the two presses it was, unless
            // the Alt+key is bound.
            let mut fx = on_key(state, KeyPress::plain(KeyCode::Esc));
            fx.extend(on_key(state, KeyPress { alt: false, ..key }));
            fx
        }
        Resolution::Unbound => {
            if let KeyCode::Char(c) = key.code
                && !key.ctrl
                && !key.alt
            {
                Mode::typed(state, c);
            }
            Vec::new()
        }
    }
}

fn run(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    if cmd == Command::Quit {
        state.session.quit = true;
        return vec![Effect::Quit];
    }
    Mode::command(state, cmd)
}

fn on_mouse(state: &mut AppState, m: MouseInput) {
    match (&state.focus.mode, m.kind) {
        (Mode::Board, _) => {}
        (Mode::Detail(DetailScreen { .. }), MouseKind::ScrollDown) => {
            return detail::scroll(state, 3);
        }
        (Mode::Detail(DetailScreen { .. }), MouseKind::ScrollUp) => {
            return detail::scroll(state, -3);
        }
        (Mode::Help(HelpScreen { .. }), MouseKind::ScrollDown) => return help::scroll(state, 3),
        (Mode::Help(HelpScreen { .. }), MouseKind::ScrollUp) => return help::scroll(state, -3),
        _ => return,
    }
    let (w, h) = state.session.viewport;
    let Ok(scr) = geometry::screen(w, h) else {
        return;
    };
    let v = state.board.view().clone();
    let (cards, _) = geometry::split_planning(scr.board, state.board.kind == BoardKind::Planning);
    let cols = geometry::column_rects(cards, state.board.layout.columns.len(), v.col_offset);
    let Some(cr) = cols.iter().find(|c| c.rect.contains(m.x, m.y)) else {
        return;
    };
    let Some(len) = state
        .board
        .layout
        .columns
        .get(cr.index)
        .map(|c| c.cards.len())
    else {
        return;
    };
    let current = v.rows.get(cr.index).copied().unwrap_or(0);
    match m.kind {
        MouseKind::Click => {
            let area = geometry::cards_area(cr.rect);
            let row = if area.contains(m.x, m.y) {
                let dy = m.y - area.y;
                let offset = v.offsets.get(cr.index).copied().unwrap_or(0);
                let row = offset + usize::from(dy / geometry::CARD_H);
                if dy % geometry::CARD_H >= geometry::CARD_LINES || row >= len {
                    None
                } else {
                    Some(row)
                }
            } else {
                None
            };
            match row {
                Some(r) => select(state, cr.index, r),
                None => select(state, cr.index, current),
            }
        }
        MouseKind::ScrollDown | MouseKind::ScrollUp => {
            if len == 0 {
                return;
            }
            let delta: i64 = if m.kind == MouseKind::ScrollDown {
                1
            } else {
                -1
            };
            let row = num::step_clamped(current, delta, len);
            select(state, cr.index, row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::app::command::KeyPress;
    use crate::core::app::screens::input::InputScreen;
    use crate::core::app::status::Severity;
    use crate::core::domain::board::SortMode;
    use crate::core::testing::{issue, team, workspace};
    use chrono::NaiveDate;

    fn state() -> AppState {
        let mut issues = Vec::new();
        for n in 0..12u64 {
            let lane = ["Ready", "In Progress", "Done"][(n % 3) as usize];
            let mut i = issue(
                n + 1,
                100 + n,
                &["team::Datastores", &format!("workflow-infra::{lane}")],
            );
            i.milestone_id = Some(1);
            issues.push(i);
        }
        issues.push(issue(
            50,
            150,
            &["team::Datastores", "workflow-infra::Triage"],
        ));
        let mut s = AppState::new(
            workspace(issues),
            team(),
            NaiveDate::from_ymd_opt(2025, 11, 5).unwrap(),
            BoardKind::Iteration,
        );
        update(
            &mut s,
            Action::Resize {
                width: 120,
                height: 40,
            },
        );
        s
    }

    fn keys(s: &mut AppState, ks: &str) {
        for k in keymap::parse_sequence(ks).unwrap_or_default() {
            update(s, Action::Key(k));
        }
    }

    fn selected_iid(s: &AppState) -> Option<u64> {
        s.selected_issue().map(|i| i.iid)
    }

    #[test]
    fn opens_on_the_current_iteration_with_the_first_column_selected() {
        let s = state();
        assert_eq!(s.board.milestone, Some(1));
        assert_eq!(s.board.view().col, 0);
        assert_eq!(selected_iid(&s), None, "Open column is empty");
    }

    #[test]
    fn hjkl_and_arrows_move_the_selection() {
        let mut s = state();
        keys(&mut s, "ll");
        assert_eq!(s.board.layout.columns[s.board.view().col].title, "Ready");
        assert_eq!(selected_iid(&s), Some(100));
        keys(&mut s, "j<Down>");
        assert_eq!(selected_iid(&s), Some(106));
        keys(&mut s, "k");
        assert_eq!(selected_iid(&s), Some(103));
        keys(&mut s, "G");
        assert_eq!(selected_iid(&s), Some(109));
        keys(&mut s, "gg");
        assert_eq!(selected_iid(&s), Some(100));
        keys(&mut s, "<Right>");
        assert_eq!(selected_iid(&s), Some(101));
        keys(&mut s, "hhhhhhh");
        assert_eq!(s.board.view().col, 0);
    }

    #[test]
    fn columns_scroll_horizontally_to_follow_the_selection() {
        let mut s = state();
        update(
            &mut s,
            Action::Resize {
                width: 60,
                height: 20,
            },
        );
        assert_eq!(s.board.view().col_offset, 0);
        keys(&mut s, "llll");
        assert_eq!(s.board.view().col, 4);
        assert_eq!(s.board.view().col_offset, 3, "two columns fit in 60 cells");
        keys(&mut s, "hhh");
        assert_eq!(s.board.view().col_offset, 1);
    }

    #[test]
    fn cards_scroll_vertically_to_follow_the_selection() {
        let mut s = state();
        update(
            &mut s,
            Action::Resize {
                width: 60,
                height: 10,
            },
        );
        keys(&mut s, "ll");
        let per = geometry::cards_per_column(geometry::screen(60, 10).unwrap().board.h);
        assert_eq!(per, 1);
        keys(&mut s, "jj");
        assert_eq!(s.board.view().offsets[2], 2);
        keys(&mut s, "gg");
        assert_eq!(s.board.view().offsets[2], 0);
    }

    #[test]
    fn tab_and_numbers_switch_boards_keeping_each_selection() {
        let mut s = state();
        keys(&mut s, "llj");
        keys(&mut s, "<Tab>");
        assert_eq!(s.board.kind, BoardKind::Backlog);
        assert_eq!(selected_iid(&s), Some(150));
        keys(&mut s, "2");
        assert_eq!(s.board.kind, BoardKind::Iteration);
        assert_eq!(selected_iid(&s), Some(103));
        keys(&mut s, "1");
        assert_eq!(s.board.kind, BoardKind::Backlog);
    }

    #[test]
    fn brackets_step_through_milestones_and_stop_at_the_ends() {
        let mut s = state();
        keys(&mut s, "]");
        assert_eq!(s.board.milestone, Some(2));
        assert_eq!(s.board.layout.card_count(), 0);
        keys(&mut s, "]");
        assert_eq!(s.board.milestone, Some(2));
        assert_eq!(
            s.status.message.as_ref().unwrap().text,
            "no later milestone"
        );
        keys(&mut s, "[[");
        assert_eq!(s.board.milestone, Some(1));
        assert_eq!(
            s.status.message.as_ref().unwrap().text,
            "no earlier milestone"
        );
    }

    #[test]
    fn filter_narrows_live_and_escape_restores() {
        let mut s = state();
        keys(&mut s, "/");
        assert_eq!(s.focus.mode.context(), keymap::Context::Filter);
        keys(&mut s, "103");
        assert_eq!(s.board.filter, "103");
        assert_eq!(s.board.layout.card_count(), 1);
        keys(&mut s, "<Backspace>");
        assert_eq!(s.board.filter, "10");
        keys(&mut s, "<Esc>");
        assert_eq!(s.board.filter, "");
        assert_eq!(s.board.layout.card_count(), 12);
        keys(&mut s, "/#104<Enter>");
        assert_eq!(s.focus.mode, Mode::Board);
        assert_eq!(s.board.layout.card_count(), 1);
        assert_eq!(
            selected_iid(&s),
            Some(104),
            "selection jumps to the only card"
        );
        // q with a filter clears it rather than quitting.
        let fx = update(&mut s, Action::Key(KeyPress::char('q')));
        assert!(fx.is_empty());
        assert_eq!(s.board.layout.card_count(), 12);
        assert_eq!(
            update(&mut s, Action::Key(KeyPress::char('q'))),
            vec![Effect::Quit]
        );
    }

    #[test]
    fn esc_never_quits_and_q_closes_what_is_open_before_quitting() {
        let mut s = state();
        // Esc on the plain board says how to quit instead.
        assert_eq!(
            update(&mut s, Action::Key(KeyPress::plain(KeyCode::Esc))),
            vec![]
        );
        assert!(!s.session.quit);
        // Planning mode: Esc and q go back to the iteration board.
        for key in ["<Esc>", "q"] {
            keys(&mut s, "gp");
            assert_eq!(s.board.kind, BoardKind::Planning);
            keys(&mut s, key);
            assert_eq!(s.board.kind, BoardKind::Iteration, "{key}");
            assert!(!s.session.quit, "{key}");
        }
        // A quick view is closed first too.
        keys(&mut s, "f");
        keys(&mut s, "q");
        assert!(!s.session.quit);
        assert_eq!(
            s.board.quick,
            crate::core::app::screens::board::QuickFilter::All
        );
        // Every overlay closes on Esc and q without quitting.
        keys(&mut s, "ll");
        for open in ["?", "<Enter>", "/x", "M", "a", "m", "w", "R"] {
            keys(&mut s, open);
            assert_ne!(s.focus.mode, Mode::Board, "{open} opens something");
            keys(&mut s, "<Esc>");
            assert_eq!(s.focus.mode, Mode::Board, "{open}");
            assert!(!s.session.quit, "{open}");
        }
        keys(&mut s, "?");
        keys(&mut s, "q");
        assert_eq!(s.focus.mode, Mode::Board);
        assert!(!s.session.quit);
        assert_eq!(
            update(&mut s, Action::Key(KeyPress::char('q'))),
            vec![Effect::Quit]
        );
    }

    #[test]
    fn the_detail_pane_takes_the_card_actions_and_its_pickers_return_to_it() {
        use crate::core::testing::{enqueued, keys as type_keys, state as full};
        let mut s = full();
        type_keys(&mut s, "ll<Enter>");
        let Mode::Detail(DetailScreen { issue, .. }) = s.focus.mode else {
            panic!("{:?}", s.focus.mode)
        };
        // Every picker, prompt and question opened from the pane closes
        // back to it, on Esc and q alike where q is not text.
        for open in ["a", "M", "m", "P", "w", "c", "x", "?"] {
            type_keys(&mut s, open);
            assert!(
                !matches!(
                    s.focus.mode,
                    Mode::Detail(DetailScreen { .. }) | Mode::Board
                ),
                "{open} opens something: {:?}",
                s.focus.mode
            );
            type_keys(&mut s, "<Esc>");
            assert!(
                matches!(s.focus.mode, Mode::Detail(DetailScreen { issue: i, .. }) if i == issue),
                "{open} then Esc: {:?}",
                s.focus.mode
            );
            assert!(!s.session.quit);
        }
        // Actions apply to the pane's issue and the pane stays.
        let fx = type_keys(&mut s, "t");
        let c = enqueued(&fx);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].issue, issue);
        assert!(matches!(s.focus.mode, Mode::Detail(DetailScreen { .. })));
        let fx = type_keys(&mut s, "w3<Enter>");
        assert_eq!(enqueued(&fx)[0].edit.weight, Some(Some(3)));
        assert!(
            matches!(s.focus.mode, Mode::Detail(DetailScreen { .. })),
            "{:?}",
            s.focus.mode
        );
        // With a browser (a desktop), o opens the address.
        s.settings.browser = true;
        let fx = type_keys(&mut s, "o");
        assert!(matches!(fx.as_slice(), [Effect::OpenUrl(_)]));
        let fx = type_keys(&mut s, "y");
        assert!(matches!(fx.as_slice(), [Effect::Copy(_)]));
        type_keys(&mut s, "q");
        assert_eq!(s.focus.mode, Mode::Board);
        assert!(!s.session.quit);
    }

    #[test]
    fn esc_and_q_close_every_mode_and_never_quit() {
        use crate::core::testing::{keys as type_keys, state as full};
        let mut s = full();
        type_keys(&mut s, "ll");
        for (open, close) in [
            ("<Space>", "<Esc>"),
            ("<Space>", "q"),
            ("R", "<Esc>"),
            ("R", "q"),
            ("x", "q"),
            ("?", "q"),
            ("<Enter>", "q"),
        ] {
            type_keys(&mut s, open);
            assert_ne!(s.focus.mode, Mode::Board, "{open} opens something");
            type_keys(&mut s, close);
            assert_eq!(s.focus.mode, Mode::Board, "{open} then {close}");
            assert!(!s.session.quit, "{open} then {close}");
        }
        // A prompt keeps bad input and says why; Esc then closes it only.
        type_keys(&mut s, "wabc<Enter>");
        assert!(matches!(&s.focus.mode, Mode::Input(InputScreen { text, .. }) if text == "abc"));
        type_keys(&mut s, "<Esc>");
        assert_eq!(s.focus.mode, Mode::Board);
        assert!(!s.session.quit);
    }

    #[test]
    fn a_sync_that_gets_through_sends_the_changes_waiting_offline_now() {
        use crate::core::app::action::OutboxEvent;
        let mut s = state();
        update(
            &mut s,
            Action::Outbox(OutboxEvent::Waiting {
                why: crate::core::app::action::WaitReason::Offline,
            }),
        );
        assert_eq!(
            s.changes.outbox_wait,
            Some(crate::core::app::action::WaitReason::Offline)
        );
        let fx = update(
            &mut s,
            Action::Sync(SyncEvent::Done {
                at: chrono::Utc::now(),
            }),
        );
        assert_eq!(fx, vec![Effect::SendNow]);
        assert_eq!(
            s.changes.outbox_wait, None,
            "never 'synced just now' and 'offline' at once"
        );
        // A rate limit is not lifted by a sync: it stays, nothing is sent.
        update(
            &mut s,
            Action::Outbox(OutboxEvent::Waiting {
                why: crate::core::app::action::WaitReason::RateLimited {
                    until: "14:05".into(),
                },
            }),
        );
        let fx = update(
            &mut s,
            Action::Sync(SyncEvent::Done {
                at: chrono::Utc::now(),
            }),
        );
        assert!(fx.is_empty());
        assert!(s.changes.outbox_wait.is_some());
    }

    #[test]
    fn alt_key_is_escape_then_the_key() {
        let mut s = state();
        keys(&mut s, "?");
        update(
            &mut s,
            Action::Key(KeyPress {
                alt: true,
                ..KeyPress::char('/')
            }),
        );
        assert_eq!(
            s.focus.mode.context(),
            keymap::Context::Filter,
            "Esc closed help, / opened the filter"
        );
        // On the board too: Esc closes planning mode, / starts the filter.
        let mut s = state();
        keys(&mut s, "gp");
        update(
            &mut s,
            Action::Key(KeyPress {
                alt: true,
                ..KeyPress::char('/')
            }),
        );
        assert_eq!(s.board.kind, BoardKind::Iteration);
        assert_eq!(s.focus.mode.context(), keymap::Context::Filter);
    }

    #[test]
    fn a_new_day_moves_the_current_iteration_when_it_should() {
        let mut s = state();
        let before = s.board.iteration.current;
        assert_eq!(s.board.milestone, before);
        update(
            &mut s,
            Action::Today(NaiveDate::from_ymd_opt(2025, 11, 6).unwrap()),
        );
        assert_eq!(
            s.board.iteration.current, before,
            "same iteration the next day"
        );
        // Two weeks on: the next iteration is current, and the board shows it.
        update(
            &mut s,
            Action::Today(NaiveDate::from_ymd_opt(2025, 11, 19).unwrap()),
        );
        assert_ne!(s.board.iteration.current, before);
        assert_eq!(s.board.milestone, s.board.iteration.current);
        assert!(
            s.status
                .message
                .as_ref()
                .is_some_and(|m| m.text.contains("a new day"))
        );
        // A board following a milestone stays on it.
        let mut t = state();
        t.board.followed = t.board.iteration.next;
        t.board.milestone = t.board.iteration.next;
        update(
            &mut t,
            Action::Today(NaiveDate::from_ymd_opt(2025, 12, 30).unwrap()),
        );
        assert_eq!(t.board.milestone, t.board.followed);
    }

    #[test]
    fn sync_results_replace_the_data_keeping_the_selection() {
        let mut s = state();
        s.session.sync.enabled = true;
        keys(&mut s, "llj");
        assert_eq!(selected_iid(&s), Some(103));
        let mut ws = s.ws.clone();
        ws.issues.retain(|i| i.iid != 100);
        ws.issues.iter_mut().find(|i| i.iid == 103).unwrap().title = "renamed".into();
        let at = chrono::Utc::now();
        update(&mut s, Action::Sync(SyncEvent::Started));
        assert!(matches!(s.session.sync.phase, SyncPhase::Running { .. }));
        update(
            &mut s,
            Action::Store(Box::new(crate::core::app::action::StoreUpdate {
                full: Some((Box::new(ws), vec![])),
                ..Default::default()
            })),
        );
        update(&mut s, Action::Sync(SyncEvent::Done { at }));
        assert_eq!(
            s.session.sync.last_success, None,
            "not before the data is shown"
        );
        update(
            &mut s,
            Action::Store(Box::new(crate::core::app::action::StoreUpdate {
                synced_at: Some(at),
                ..Default::default()
            })),
        );
        assert_eq!(selected_iid(&s), Some(103));
        assert_eq!(s.selected_issue().unwrap().title, "renamed");
        assert_eq!(s.session.sync.last_success, Some(at));
        assert_eq!(s.session.sync.label(Some(at)).unwrap().0, "synced just now");
        update(
            &mut s,
            Action::Sync(SyncEvent::Failed {
                message: "x".into(),
                offline: true,
            }),
        );
        let later = at + chrono::Duration::minutes(3);
        update(&mut s, Action::Tick { now: later });
        assert_eq!(
            s.session.sync.label(s.session.now).unwrap().0,
            "offline · last synced 3 min ago"
        );
    }

    #[test]
    fn a_gitlab_that_does_not_answer_is_said_with_since_when_until_it_answers() {
        let mut s = state();
        s.session.sync.enabled = true;
        let at = chrono::Utc::now();
        update(&mut s, Action::Sync(SyncEvent::Started));
        update(
            &mut s,
            Action::Sync(SyncEvent::NotAnswering {
                since: "14:05".into(),
            }),
        );
        let said = |s: &AppState| s.session.sync.label(Some(at)).unwrap();
        assert_eq!(
            said(&s),
            ("GitLab not answering since 14:05".into(), Severity::Warning)
        );
        // The next try does not hide it; an answer does.
        update(&mut s, Action::Sync(SyncEvent::Started));
        assert_eq!(said(&s).0, "GitLab not answering since 14:05");
        update(
            &mut s,
            Action::Sync(SyncEvent::Progress {
                fetched: 100,
                total: None,
            }),
        );
        assert_eq!(said(&s).0, "syncing… 100");
    }

    #[test]
    fn refresh_and_milestone_steps_reach_the_sync_only_when_live() {
        let mut s = state();
        assert!(update(&mut s, Action::Key(KeyPress::char('r'))).is_empty());
        assert!(update(&mut s, Action::Key(KeyPress::char(']'))).is_empty());
        s.session.sync.enabled = true;
        assert_eq!(
            update(&mut s, Action::Key(KeyPress::char('r'))),
            vec![Effect::Refresh]
        );
        assert_eq!(
            update(&mut s, Action::Key(KeyPress::char('['))),
            vec![Effect::ShowMilestone(1)]
        );
    }

    #[test]
    fn n_follows_the_next_milestone_and_brackets_only_browse() {
        let mut s = state();
        assert_eq!(s.board.milestone, Some(1));
        assert_eq!(
            update(&mut s, Action::Key(KeyPress::char('N'))),
            vec![Effect::Follow(2)]
        );
        assert_eq!((s.board.milestone, s.board.followed), (Some(2), Some(2)));
        keys(&mut s, "[");
        assert_eq!(
            (s.board.milestone, s.board.followed),
            (Some(1), Some(2)),
            "browsing does not change what is followed"
        );
        // N again: back to the current iteration, forgotten; never further.
        let fx = update(&mut s, Action::Key(KeyPress::char('N')));
        assert_eq!(fx, vec![Effect::Unfollow]);
        assert_eq!((s.board.milestone, s.board.followed), (Some(1), None));
        assert_eq!(
            update(&mut s, Action::Key(KeyPress::char('N'))),
            vec![Effect::Follow(2)],
            "the next iteration, not the one after"
        );
        // A remembered milestone is followed at start while open and not past.
        let mut t = state();
        t.follow_remembered(Some(2));
        assert_eq!(t.board.milestone, Some(2));
        let mut u = state();
        u.session.today = NaiveDate::from_ymd_opt(2025, 12, 30).unwrap();
        u.follow_remembered(Some(2));
        assert_eq!(
            u.board.followed, None,
            "past: back to the current iteration"
        );
    }

    #[test]
    fn info_messages_last_until_the_next_key() {
        let mut s = state();
        keys(&mut s, "]");
        assert!(s.status.message.is_some());
        keys(&mut s, "j");
        assert!(s.status.message.is_none());
    }

    #[test]
    fn typing_j_in_the_filter_types_it() {
        let mut s = state();
        keys(&mut s, "/jq");
        assert_eq!(s.board.filter, "jq");
        assert!(!s.session.quit);
    }

    #[test]
    fn enter_opens_details_and_escape_closes() {
        let mut s = state();
        keys(&mut s, "<Enter>");
        assert_eq!(
            s.focus.mode,
            Mode::Board,
            "nothing selected in the empty Open column"
        );
        keys(&mut s, "ll<Enter>");
        assert_eq!(
            s.focus.mode,
            Mode::Detail(DetailScreen {
                issue: 1,
                scroll: 0,
                at_end: false
            })
        );
        keys(&mut s, "<Esc>");
        assert_eq!(s.focus.mode, Mode::Board);
    }

    #[test]
    fn help_opens_scrolls_within_bounds_and_closes() {
        let mut s = state();
        update(
            &mut s,
            Action::Resize {
                width: 60,
                height: 20,
            },
        );
        keys(&mut s, "?");
        assert!(matches!(
            s.focus.mode,
            Mode::Help(HelpScreen { scroll: 0, .. })
        ));
        keys(&mut s, "G");
        let Mode::Help(HelpScreen { scroll, .. }) = s.focus.mode else {
            panic!()
        };
        assert!(scroll > 0);
        keys(&mut s, "jjj");
        assert!(matches!(s.focus.mode, Mode::Help(HelpScreen { scroll: sc, .. }) if sc == scroll));
        keys(&mut s, "?");
        assert_eq!(s.focus.mode, Mode::Board);
    }

    #[test]
    fn ctrl_c_quits_from_anywhere() {
        for prefix in ["", "?", "/", "ll<Enter>"] {
            let mut s = state();
            keys(&mut s, prefix);
            assert_eq!(
                update(&mut s, Action::Key(KeyPress::ctrl('c'))),
                vec![Effect::Quit],
                "{prefix}"
            );
        }
    }

    /// The selected card's issue is the one the selection remembers, and
    /// is in the list.
    fn selection_is_real(s: &AppState) {
        if let Some(i) = s.selected_issue() {
            assert!(s.ws.issues.iter().any(|x| x.id == i.id));
            assert_eq!(s.board.view().selected, Some(i.id));
        }
    }

    #[test]
    fn a_sync_that_removes_issues_then_a_key_selects_a_real_issue() {
        let mut s = state();
        keys(&mut s, "lljj");
        assert_eq!(selected_iid(&s), Some(106));
        // One update deletes the selected issue and every issue before it
        // in the list (every index after them shifts); then a key.
        update(
            &mut s,
            Action::Store(Box::new(crate::core::app::action::StoreUpdate {
                delete: (1..=7).collect(),
                ..Default::default()
            })),
        );
        selection_is_real(&s);
        keys(&mut s, "j");
        selection_is_real(&s);
        assert_eq!(selected_iid(&s), Some(109), "the Ready card left");
        keys(&mut s, "k");
        assert_eq!(selected_iid(&s), Some(109), "the only one");
    }

    #[test]
    fn keys_on_a_layout_older_than_the_issues_never_read_another_issue() {
        let mut s = state();
        keys(&mut s, "llj");
        assert_eq!(selected_iid(&s), Some(103));
        // The list changes and nothing has laid the board out yet (the
        // state's fields are public): the selected issue and those before
        // it go, every other index shifts, one issue is put first.
        s.ws.issues.retain(|i| i.iid > 103);
        s.ws.issues.insert(0, issue(60, 160, &["team::Datastores"]));
        assert_eq!(
            s.selected_issue().map(|i| i.iid),
            None,
            "gone, and not whichever issue took its index"
        );
        for k in ["j", "k", "G", "gg", "l", "h", "<Enter>", "<Esc>", "K", "J"] {
            keys(&mut s, k);
            selection_is_real(&s);
            for c in s.board.layout.columns.iter().flat_map(|c| &c.cards) {
                assert!(c.issue(&s.ws).is_none_or(|i| i.id == c.id));
            }
        }
        s.relayout();
        selection_is_real(&s);
        assert!(s.selected_issue().is_some());
    }

    #[test]
    fn sort_toggle_reorders_by_priority() {
        let mut s = state();
        s.ws.issues[9].labels.push("priority::1".into());
        s.relayout();
        keys(&mut s, "ll");
        assert_eq!(selected_iid(&s), Some(100));
        keys(&mut s, "s");
        assert_eq!(s.board.sort, SortMode::Priority);
        let first = s.board.layout.columns[2].cards[0].issue(&s.ws).unwrap();
        assert_eq!(first.iid, 109);
        assert_eq!(selected_iid(&s), Some(100), "selection follows the issue");
    }

    #[test]
    fn click_selects_the_card_under_the_pointer_and_wheel_moves() {
        let mut s = state();
        let scr = geometry::screen(120, 40).unwrap();
        let cols = geometry::column_rects(scr.board, s.board.layout.columns.len(), 0);
        let ready = cols[2].rect;
        let y = ready.y + geometry::COLUMN_HEADER_H + geometry::CARD_H + 1;
        update(
            &mut s,
            Action::Mouse(MouseInput {
                kind: MouseKind::Click,
                x: ready.x + 3,
                y,
            }),
        );
        assert_eq!(selected_iid(&s), Some(103));
        update(
            &mut s,
            Action::Mouse(MouseInput {
                kind: MouseKind::ScrollDown,
                x: ready.x + 3,
                y,
            }),
        );
        assert_eq!(selected_iid(&s), Some(106));
        // A click in the gap between cards selects the column only.
        let gap = ready.y + geometry::COLUMN_HEADER_H + geometry::CARD_LINES;
        update(
            &mut s,
            Action::Mouse(MouseInput {
                kind: MouseKind::Click,
                x: cols[3].rect.x,
                y: gap,
            }),
        );
        assert_eq!(s.board.view().col, 3);
    }

    #[test]
    fn resize_to_tiny_and_back_keeps_state() {
        let mut s = state();
        keys(&mut s, "llj");
        update(
            &mut s,
            Action::Resize {
                width: 1,
                height: 1,
            },
        );
        keys(&mut s, "jjkhl");
        update(
            &mut s,
            Action::Resize {
                width: 120,
                height: 40,
            },
        );
        assert_eq!(selected_iid(&s), Some(106));
    }

    #[test]
    fn the_board_learns_gitlab_free_from_the_cache_and_says_so_once() {
        let mut s = state();
        assert!(!s.ws.free_tier);
        let free = || {
            Action::Store(Box::new(crate::core::app::action::StoreUpdate {
                free_tier: Some(true),
                ..Default::default()
            }))
        };
        update(&mut s, free());
        assert!(s.ws.free_tier, "found out by a sync after the board opened");
        let said = s.status.message.take().expect("said").text;
        assert!(said.contains("Free"), "{said}");
        update(&mut s, free());
        assert_eq!(s.status.message, None, "once");
    }

    #[test]
    fn brackets_in_planning_mode_show_the_next_iteration_in_planning_mode() {
        let mut s = state();
        keys(&mut s, "gp");
        assert_eq!(s.board.milestone, Some(1));
        keys(&mut s, "]");
        assert_eq!(s.board.kind, BoardKind::Planning, "] left planning mode");
        assert_eq!(s.board.milestone, Some(2));
        assert_eq!(s.board.layout.columns[1].title, "W47");
        assert_eq!(
            s.status.message.as_ref().unwrap().text,
            "planning: backlog → Datastores team - W47"
        );
        keys(&mut s, "[");
        assert_eq!(
            (s.board.kind, s.board.milestone),
            (BoardKind::Planning, Some(1))
        );
        // The board itself still browses on the iteration board.
        keys(&mut s, "<Esc>1]");
        assert_eq!(
            (s.board.kind, s.board.milestone),
            (BoardKind::Iteration, Some(2))
        );
    }
}
