//! The board's view of the cache: it notices what any writer committed
//! (this process's sync and sender, `glboard sync` from cron, an action
//! from another shell, a second board) and hands it to the core as a
//! [`StoreUpdate`], within [`POLL`] or at once when poked. Polls SQLite's
//! `data_version` (no read unless something was committed), then reads only
//! what is newer than the last revision it saw.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::core::app::action::{Action, StoreUpdate};
use crate::store::{Store, StoreError};

/// How often the cache is looked at.
pub const POLL: Duration = Duration::from_millis(250);

/// What the watcher needs to name a reloaded workspace and pick its lanes.
pub struct Naming {
    /// `host · group`, for the status line.
    pub name: String,
    /// Lanes from the config (else the cache's discovered ones).
    pub configured_lanes: Option<Vec<String>>,
}

/// Read what changed since `rev`: `None` when nothing did.
pub fn read(
    store: &Store,
    rev: i64,
    naming: &Naming,
) -> Result<Option<(StoreUpdate, i64)>, StoreError> {
    let ch = store.changes_since(rev)?;
    if ch.rev == rev && rev != 0 {
        return Ok(None);
    }
    let full = if ch.full {
        match store.load()? {
            Some(snap) => {
                let mut ws = snap.ws;
                ws.name = naming.name.clone();
                let lanes = naming.configured_lanes.clone().unwrap_or(snap.meta.lanes);
                Some((Box::new(ws), lanes))
            }
            None => None,
        }
    } else {
        None
    };
    Ok(Some((
        StoreUpdate {
            full,
            upsert: ch.upsert,
            delete: ch.delete,
            queued: ch.queued,
            failed: ch.failed,
            sent: ch.sent,
            synced_at: ch.synced_at,
            free_tier: ch.free_tier,
        },
        ch.rev,
    )))
}

/// Watch the cache until the UI's channel closes; `rev` is the revision
/// the board started from.
pub async fn run(
    store: Store,
    mut rev: i64,
    naming: Naming,
    actions: mpsc::UnboundedSender<Action>,
    mut poke: mpsc::UnboundedReceiver<()>,
) {
    let mut version = None;
    let mut first = true;
    loop {
        // The first look is at once (a board started from part of the cache).
        let poked = first
            || tokio::select! {
                p = poke.recv() => p.is_some(),
                _ = tokio::time::sleep(POLL) => false,
            };
        first = false;
        while poke.try_recv().is_ok() {}
        let v = match store.data_version() {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!(error = %e, "cannot look at the cache");
                continue;
            }
        };
        if v == version && !poked {
            if actions.is_closed() {
                return;
            }
            continue;
        }
        version = v;
        match read(&store, rev, &naming) {
            Ok(Some((update, new_rev))) => {
                rev = new_rev;
                if actions.send(Action::Store(Box::new(update))).is_err() {
                    return;
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read the cache"),
        }
    }
}
