//! `glboard replan`: the Friday re-plan from the shell, as one batch.

use std::io::IsTerminal;

use super::{
    EX_FAILURE, EX_OK, EX_TEMPFAIL, EX_USAGE, Failure, Live, deliver, fail, find_milestone,
    sync_now,
};
use crate::cli::Cli;
use crate::core::domain::board;
use crate::core::domain::edit::{self, Change, Seen};
use crate::core::domain::model::MilestoneState;

/// `glboard replan`: every issue not Done of `from` to `to`, through the outbox.
pub fn replan(
    cli: &Cli,
    from: &str,
    to: &str,
    reset_lane: bool,
    dry_run: bool,
    yes: bool,
) -> Result<u8, Failure> {
    let today = cli.today();
    let Some(live) = Live::open(cli)? else {
        return Err(fail(
            EX_USAGE,
            "no configuration: run glboard init first (the demo has nothing to re-plan)",
        ));
    };
    let store = live.store()?;
    if store.load()?.is_none() {
        sync_now(&live, today, false)?;
    }
    // As the user sees it: GitLab's state with every queued change on top
    // (a card moved to Done a moment ago is not re-planned).
    let (ws, team) = live.seen(&store, today)?;
    let ws = &ws;
    let from_m = find_milestone(&ws.milestones, &team, today, from)?.clone();
    let to_m = find_milestone(&ws.milestones, &team, today, to)?.clone();
    if from_m.id == to_m.id {
        return Err(fail(
            EX_USAGE,
            format!("from and to are both {}", from_m.title),
        ));
    }
    if to_m.state == MilestoneState::Closed {
        return Err(fail(EX_USAGE, format!("{} is closed", to_m.title)));
    }
    // The targets the board offers: the team's later, open iterations.
    let targets =
        crate::core::app::screens::replan::targets_after(&ws.milestones, &team, from_m.id);
    if !targets.contains(&to_m.id) {
        let names: Vec<&str> = targets
            .iter()
            .filter_map(|id| ws.milestones.iter().find(|m| m.id == *id))
            .map(|m| m.title.as_str())
            .collect();
        return Err(fail(
            EX_USAGE,
            if names.is_empty() {
                format!(
                    "no later open milestone to move issues to from {}",
                    from_m.title
                )
            } else {
                format!(
                    "{} is not a later open iteration than {}: re-plan to {}",
                    to_m.title,
                    from_m.title,
                    names.join(", ")
                )
            },
        ));
    }
    let plan = edit::replan(&ws.issues, &team, from_m.id, to_m.id, reset_lane);
    let ambiguous = board::ambiguous_iids(ws);
    let asking = !dry_run && !yes && !plan.is_empty();
    if asking && !std::io::stdin().is_terminal() {
        // Said before anything is listed as if it were happening.
        return Err(fail(
            EX_USAGE,
            "not a terminal, so nobody can answer: add --yes to apply (or --dry-run to look)",
        ));
    }
    let n = plan.len();
    let issues = if n == 1 { "issue" } else { "issues" };
    let verb = if dry_run || asking {
        "would move"
    } else {
        "moving"
    };
    println!(
        "{verb} {n} {issues} from {} to {}{}",
        from_m.title,
        to_m.title,
        if reset_lane {
            " (back to the ready lane)"
        } else {
            ""
        }
    );
    for (id, _) in &plan {
        if let Some(i) = ws.issue(*id) {
            let lane = team
                .lanes_of(i)
                .first()
                .map(|l| l.to_string())
                .unwrap_or_else(|| "no lane".into());
            println!(
                "  {}  {}  [{lane}]",
                board::short_ref(ws, i, &ambiguous),
                i.title
            );
        }
    }
    if dry_run || plan.is_empty() {
        return Ok(EX_OK);
    }
    if asking {
        eprint!("apply? [y/N] ");
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !answer.trim().eq_ignore_ascii_case("y") {
            println!("nothing changed");
            return Ok(EX_OK);
        }
    }
    // One user action: one batch in the outbox, in one transaction.
    let changes: Vec<Change> = plan
        .into_iter()
        .filter_map(|(id, e)| {
            let i = ws.issue(id)?;
            Some(Change {
                issue: id,
                project: i.project_id,
                iid: i.iid,
                seen: Seen::of(i, &team),
                summary: format!("{} → {}", board::short_ref(ws, i, &ambiguous), to_m.title),
                edit: e,
                ..Change::default()
            })
        })
        .collect();
    let ids = store.enqueue(&changes)?;
    store.remember_milestone(to_m.id)?;
    let d = deliver(&live, &store, &team, ws.me.as_ref(), &ids)?;
    println!(
        "{} of {} moved to {}; the board now follows {}",
        d.sent.len(),
        ids.len(),
        to_m.title,
        to_m.title
    );
    for (id, reason) in &d.refused {
        println!(
            "  change {id}: {}",
            crate::core::domain::conflict::problem_text(reason)
        );
    }
    if !d.queued.is_empty() {
        let why = d.waiting.map_or(String::new(), |e| format!(": {e}"));
        return Err(fail(
            EX_TEMPFAIL,
            format!(
                "{} queued, not sent yet{why}; glboard or `glboard sync` will send them",
                d.queued.len()
            ),
        ));
    }
    Ok(if d.refused.is_empty() {
        EX_OK
    } else {
        EX_FAILURE
    })
}
