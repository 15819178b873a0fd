//! The terminal adapter: owns the terminal, turns its events into actions,
//! feeds them to the core's `update`, and redraws when something changed.

pub mod input;
pub mod terminal;
pub mod theme;
pub mod view;

use std::io;

use crossterm::event::EventStream;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::core::action::{Action, Effect};
use crate::core::state::AppState;
use crate::core::update::update;
use terminal::TerminalGuard;
use theme::Theme;

/// How often the clock ticks (for "synced 3 min ago").
const TICK: std::time::Duration = std::time::Duration::from_secs(15);

/// Run the interactive board until the user quits. `background` delivers
/// actions from other tasks (sync results); `on_effect` receives what
/// `update` asks of the adapters (refresh, milestone shown).
pub async fn run(
    mut state: AppState,
    mut background: mpsc::UnboundedReceiver<Action>,
    mut on_effect: impl FnMut(Effect),
) -> io::Result<AppState> {
    let theme = Theme::from_env();
    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    update(
        &mut state,
        Action::Resize {
            width: size.width,
            height: size.height,
        },
    );
    update(
        &mut state,
        Action::Tick {
            now: chrono::Utc::now(),
        },
    );
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (event_tx, mut events) = mpsc::unbounded_channel();
    let reader = tokio::spawn(read_events(event_tx));
    let mut background_open = true;
    guard.terminal.draw(|f| view::draw(f, &state, &theme))?;
    loop {
        let first = tokio::select! {
            ev = events.recv() => match ev {
                Some(Ok(ev)) => input::to_action(&ev),
                Some(Err(e)) => return Err(e),
                None => break,
            },
            msg = background.recv(), if background_open => match msg {
                Some(a) => Some(a),
                None => { background_open = false; None }
            },
            _ = tick.tick() => Some(Action::Tick { now: chrono::Utc::now() }),
        };
        let mut actions: Vec<Action> = first.into_iter().collect();
        // Take every event already waiting (a paste, a held key) before drawing.
        while let Ok(ev) = events.try_recv() {
            actions.extend(input::to_action(&ev?));
        }
        while let Ok(a) = background.try_recv() {
            actions.push(a);
        }
        let mut quit = false;
        let mut effects = Vec::new();
        for a in actions {
            for effect in update(&mut state, a) {
                match effect {
                    Effect::Quit => quit = true,
                    other => effects.push(other),
                }
            }
        }
        quit |= state.quit;
        // Draw first: the board shows a change before it is written down.
        if !quit {
            guard.terminal.draw(|f| view::draw(f, &state, &theme))?;
        }
        // Then the adapters (an outbox write is durable before we go on),
        // also when quitting, so no change is lost.
        for effect in effects {
            on_effect(effect);
        }
        if quit {
            break;
        }
    }
    reader.abort();
    drop(guard);
    Ok(state)
}

/// Forward terminal events to the loop's channel until it closes.
async fn read_events(tx: mpsc::UnboundedSender<io::Result<crossterm::event::Event>>) {
    let mut stream = EventStream::new();
    while let Some(ev) = stream.next().await {
        if tx.send(ev).is_err() {
            break;
        }
    }
}
