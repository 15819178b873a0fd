//! `glboard sync`: send pending changes (any process's), refresh the cache.

use super::{EX_FAILURE, EX_OK, EX_TEMPFAIL, EX_USAGE, Failure, Live, fail, runtime, sync_now};
use crate::cli::Cli;
use crate::outbox;

/// Tell what a flush did, a line per change (on stderr: stdout stays for data).
pub(crate) fn report_flush(o: &outbox::BatchOutcome) {
    let what = |id: &u64| {
        o.summaries
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("change {id}"))
    };
    for (id, _) in &o.sent {
        eprintln!("sent: {}", what(id));
    }
    for (id, text) in &o.said {
        eprintln!("{}: GitLab: {text}", what(id));
    }
    for (id, reason, _) in &o.refused {
        eprintln!(
            "{}: {} (see glboard pending)",
            what(id),
            crate::core::domain::conflict::problem_text(reason)
        );
    }
}

/// `glboard sync`.
pub fn sync(cli: &Cli) -> Result<u8, Failure> {
    let Some(live) = Live::open(cli)? else {
        return Err(fail(
            EX_USAGE,
            "no configuration: run glboard init first (the demo has nothing to sync)",
        ));
    };
    // The changes not applied before this run: only new ones make it exit 1.
    let failed_before: std::collections::HashSet<u64> = live
        .store()?
        .outbox_failed()?
        .iter()
        .map(|(c, _)| c.id)
        .collect();
    let snap = sync_now(&live, cli.today(), true)?;
    // Changes queued meanwhile (by another glboard) go too. Only what
    // this run could not send makes it exit 75.
    let store = live.store()?;
    let client = live.client()?;
    let team = live.team(&snap);
    let flushed = runtime()?.block_on(outbox::flush(
        &client,
        &store,
        &team,
        snap.ws.me.as_ref(),
        &outbox::holder(),
    ))?;
    report_flush(&flushed);
    if let Some(lease) = &flushed.busy {
        let queued = store.outbox_queued()?.len();
        if queued > 0 {
            eprintln!(
                "{queued} changes are being sent by another glboard (process {})",
                lease.pid
            );
        }
        return Ok(EX_OK);
    }
    if let Some(e) = flushed.waiting {
        let queued = store.outbox_queued()?.len();
        return Err(fail(
            EX_TEMPFAIL,
            format!("{queued} changes still queued: {e}"),
        ));
    }
    // A change GitLab refused, or one in conflict with an edit made on
    // GitLab meanwhile, was not applied: exit 1, as for an action.
    let not_applied = store
        .outbox_failed()?
        .iter()
        .filter(|(c, _)| !failed_before.contains(&c.id))
        .count();
    if not_applied > 0 {
        return Err(fail(
            EX_FAILURE,
            format!("{not_applied} changes not applied (glboard pending shows why)"),
        ));
    }
    Ok(EX_OK)
}
