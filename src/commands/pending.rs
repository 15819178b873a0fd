//! `glboard pending [retry|discard ID]`: what waits, what GitLab refused.

use super::{EX_FAILURE, EX_OK, EX_TEMPFAIL, EX_USAGE, Failure, Live, deliver, fail};
use crate::cli::{Cli, PendingAction};
use crate::core::domain::conflict::{Problem, without_superseded};
use crate::core::domain::edit::{Change, Seen};

/// What waits, a line per change: the queued ones, then the refused ones
/// with why (a conflict, or what GitLab said).
fn listing(queued: &[Change], failed: &[(Change, String)]) -> Vec<String> {
    if queued.is_empty() && failed.is_empty() {
        return vec!["no pending changes".to_owned()];
    }
    let queued = queued
        .iter()
        .map(|c| format!("{}  queued   {}", c.id, c.summary));
    let failed = failed.iter().map(|(c, reason)| {
        let (kind, why) = match Problem::of(reason) {
            Problem::Conflict(why) => ("conflict", why),
            Problem::Refused(why) => ("refused ", why),
        };
        format!("{}  {kind} {}: {why}", c.id, c.summary)
    });
    queued.chain(failed).collect()
}

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
            for line in listing(&store.outbox_queued()?, &store.outbox_failed()?) {
                println!("{line}");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn change(id: u64, summary: &str) -> Change {
        Change {
            id,
            summary: summary.into(),
            ..Change::default()
        }
    }

    #[test]
    fn nothing_pending_is_said() {
        assert_eq!(listing(&[], &[]), vec!["no pending changes"]);
    }

    #[test]
    fn queued_changes_come_first_then_conflicts_and_refusals_with_why() {
        let queued = [change(12, "#101 → Ready"), change(13, "#102 weight 2")];
        let conflict = crate::core::domain::conflict::Conflict::Lane {
            now: vec!["Blocked".into()],
        };
        let failed = [
            (change(9, "#100 → Done"), conflict.to_string()),
            (change(10, "#103 assign @zoe"), "403 Forbidden".to_owned()),
        ];
        assert_eq!(
            listing(&queued, &failed),
            vec![
                "12  queued   #101 → Ready",
                "13  queued   #102 weight 2",
                "9  conflict #100 → Done: its lane changed on GitLab meanwhile (now Blocked)",
                "10  refused  #103 assign @zoe: 403 Forbidden",
            ]
        );
    }
}
