//! `glboard sync`: send pending changes (any process's), refresh the cache.

use super::{EX_FAILURE, EX_OK, EX_TEMPFAIL, EX_USAGE, Failure, Live, fail, runtime, sync_now};
use crate::cli::Cli;
use crate::outbox;

/// Tell what a flush did, a line per change (on stderr: stdout stays for data).
pub(crate) fn report_flush(o: &outbox::BatchOutcome) {
    for line in flush_lines(o) {
        eprintln!("{line}");
    }
}

/// What a flush did: what was sent, what GitLab said, what it refused.
fn flush_lines(o: &outbox::BatchOutcome) -> Vec<String> {
    let what = |id: &u64| {
        o.summaries
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("change {id}"))
    };
    let sent = o.sent.iter().map(|(id, _)| format!("sent: {}", what(id)));
    let said = o
        .said
        .iter()
        .map(|(id, text)| format!("{}: GitLab: {text}", what(id)));
    let refused = o.refused.iter().map(|(id, reason, _)| {
        format!(
            "{}: {} (see glboard pending)",
            what(id),
            crate::core::domain::conflict::problem_text(reason)
        )
    });
    sent.chain(said).chain(refused).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flush_is_told_a_line_per_change_by_its_summary() {
        let mut o = outbox::BatchOutcome::default();
        o.sent.push((1, crate::core::testing::issue(7, 70, &[])));
        o.summaries.insert(1, "#70 → In Progress".into());
        o.said.push((1, "Added 1h of time spent.".into()));
        o.refused.push((2, "404 Not Found".into(), None));
        o.summaries.insert(2, "#71 weight 3".into());
        // A change whose summary is not known is named by its id.
        let conflict = crate::core::domain::conflict::Conflict::Weight.to_string();
        o.refused.push((3, conflict, None));
        assert_eq!(
            flush_lines(&o),
            vec![
                "sent: #70 → In Progress",
                "#70 → In Progress: GitLab: Added 1h of time spent.",
                "#71 weight 3: GitLab refused: 404 Not Found (see glboard pending)",
                "change 3: conflict: its weight changed on GitLab meanwhile (see glboard pending)",
            ]
        );
        assert!(flush_lines(&outbox::BatchOutcome::default()).is_empty());
    }
}
