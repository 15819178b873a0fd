//! `glboard pending [retry|discard ID]`: what waits, what GitLab refused.

use super::{EX_FAILURE, EX_OK, EX_TEMPFAIL, EX_USAGE, Failure, Live, deliver, fail};
use crate::cli::{Cli, PendingAction};
use crate::core::domain::conflict::{Problem, without_superseded};
use crate::core::domain::edit::Seen;

/// `glboard pending [retry|discard ID]`.
pub fn pending(cli: &Cli, action: Option<PendingAction>, id: Option<u64>) -> Result<u8, Failure> {
    let Some(live) = Live::open(cli)? else {
        println!("no pending changes (demo)");
        return Ok(EX_OK);
    };
    let store = if action.is_none() {
        live.store_for_reading()?
    } else {
        live.store()?
    };
    match (action, id) {
        (None, _) => {
            let queued = store.outbox_queued()?;
            let failed = store.outbox_failed()?;
            if queued.is_empty() && failed.is_empty() {
                println!("no pending changes");
            }
            for c in &queued {
                println!("{}  queued   {}", c.id, c.summary);
            }
            for (c, reason) in &failed {
                let (kind, why) = match Problem::of(reason) {
                    Problem::Conflict(why) => ("conflict", why),
                    Problem::Refused(why) => ("refused ", why),
                };
                println!("{}  {kind} {}: {why}", c.id, c.summary);
            }
            Ok(EX_OK)
        }
        (Some(_), None) => Err(fail(
            EX_USAGE,
            "which change? give its id (glboard pending lists them)",
        )),
        (Some(a), Some(id)) => {
            let Some((mut change, _)) =
                store.outbox_failed()?.into_iter().find(|(c, _)| c.id == id)
            else {
                return Err(fail(
                    EX_USAGE,
                    format!("no refused change {id} (glboard pending lists them)"),
                ));
            };
            match a {
                PendingAction::Discard => {
                    store.outbox_discard(id)?;
                    println!("discarded: {}", change.summary);
                    Ok(EX_OK)
                }
                PendingAction::Retry => {
                    // On top of what GitLab has now (the cache's view),
                    // without what newer changes set since: a retry never
                    // reverts a newer change.
                    let snap = store.load()?.unwrap_or_default();
                    let team = live.team(&snap);
                    if let Some(i) = snap.ws.issue(change.issue) {
                        change.seen = Seen::of(i, &team);
                        // A planning summary: written again over GitLab's
                        // text as it is now, not into the same conflict.
                        if crate::core::planning::summary::write_again_over(&mut change, i) {
                            eprintln!(
                                "the summary is written over GitLab's text as it is now (what the team wrote meanwhile kept)"
                            );
                        }
                    }
                    change.attempts = 0;
                    change.attempted_at = None;
                    let newer = store.changes_after(change.issue, id)?;
                    let kept = without_superseded(&change, &newer, &team);
                    let Some(new_id) = store.outbox_requeue(id, kept.as_ref())? else {
                        println!(
                            "nothing left to retry: newer changes set those fields since ({})",
                            change.summary
                        );
                        return Ok(EX_OK);
                    };
                    eprintln!("queued again: {} (sending…)", change.summary);
                    let d = deliver(&live, &store, &team, snap.ws.me.as_ref(), &[new_id])?;
                    if !d.sent.is_empty() {
                        println!("{}", change.summary);
                        Ok(EX_OK)
                    } else if let Some((id, reason)) = d.refused.first() {
                        Err(fail(
                            EX_FAILURE,
                            format!(
                                "{} (glboard pending retry {id} sends it again, discard {id} drops it)",
                                crate::core::domain::conflict::problem_text(reason)
                            ),
                        ))
                    } else {
                        Err(fail(
                            EX_TEMPFAIL,
                            format!(
                                "queued, not sent yet{}",
                                d.waiting.map_or(String::new(), |e| format!(": {e}"))
                            ),
                        ))
                    }
                }
            }
        }
    }
}
