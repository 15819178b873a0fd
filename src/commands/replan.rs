//! `glboard replan`: the Friday re-plan from the shell, as one batch.

use std::io::IsTerminal;

use super::{
    EX_FAILURE, EX_OK, EX_TEMPFAIL, EX_USAGE, Failure, Live, deliver, fail, find_milestone,
    sync_now,
};
use crate::cli::Cli;
use crate::core::domain::board;
use crate::core::domain::edit::{self, Change, Seen};
use crate::core::domain::model::{Milestone, MilestoneState, TeamConfig};

/// Whether `to` is a target the board would offer for re-planning `from`:
/// another of the team's iterations, open, later on its timeline.
fn check_target(
    milestones: &[Milestone],
    team: &TeamConfig,
    from: &Milestone,
    to: &Milestone,
) -> Result<(), Failure> {
    if from.id == to.id {
        return Err(fail(
            EX_USAGE,
            format!("from and to are both {}", from.title),
        ));
    }
    if to.state == MilestoneState::Closed {
        return Err(fail(EX_USAGE, format!("{} is closed", to.title)));
    }
    // The targets the board offers: the team's later, open iterations.
    let targets = crate::core::app::screens::replan::targets_after(milestones, team, from.id);
    if targets.contains(&to.id) {
        return Ok(());
    }
    let names: Vec<&str> = targets
        .iter()
        .filter_map(|id| milestones.iter().find(|m| m.id == *id))
        .map(|m| m.title.as_str())
        .collect();
    Err(fail(
        EX_USAGE,
        if names.is_empty() {
            format!(
                "no later open milestone to move issues to from {}",
                from.title
            )
        } else {
            format!(
                "{} is not a later open iteration than {}: re-plan to {}",
                to.title,
                from.title,
                names.join(", ")
            )
        },
    ))
}

/// `moving 3 issues from W45 to W47 (back to the ready lane)`.
fn heading(verb: &str, n: usize, from: &Milestone, to: &Milestone, reset_lane: bool) -> String {
    format!(
        "{verb} {n} {} from {} to {}{}",
        if n == 1 { "issue" } else { "issues" },
        from.title,
        to.title,
        if reset_lane {
            " (back to the ready lane)"
        } else {
            ""
        }
    )
}

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
    check_target(&ws.milestones, &team, &from_m, &to_m)?;
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
    let verb = if dry_run || asking {
        "would move"
    } else {
        "moving"
    };
    println!("{}", heading(verb, n, &from_m, &to_m, reset_lane));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{milestone, team, workspace};

    /// W45 and W47 (the team's, open), W49 (closed), W51 (open), and
    /// another team's W47.
    fn ms() -> Vec<Milestone> {
        let mut ms = workspace(Vec::new()).milestones;
        let mut closed = milestone(
            3,
            "Datastores team - W49",
            Some("2025-12-01"),
            Some("2025-12-14"),
        );
        closed.state = MilestoneState::Closed;
        ms.push(closed);
        ms.push(milestone(
            4,
            "Datastores team - W51",
            Some("2025-12-15"),
            Some("2025-12-28"),
        ));
        ms.push(milestone(
            5,
            "Gitaly - W47",
            Some("2025-11-17"),
            Some("2025-11-30"),
        ));
        ms
    }

    fn check(from: u64, to: u64) -> Result<(), (u8, String)> {
        let ms = ms();
        let m = |id: u64| ms.iter().find(|m| m.id == id).unwrap();
        check_target(&ms, &team(), m(from), m(to)).map_err(|f| (f.code, f.message))
    }

    #[test]
    fn a_later_open_iteration_of_the_team_is_a_target() {
        assert_eq!(check(1, 2), Ok(()));
        // Past a closed one too.
        assert_eq!(check(1, 4), Ok(()));
        assert_eq!(check(2, 4), Ok(()));
    }

    #[test]
    fn the_same_a_closed_an_earlier_or_another_teams_milestone_is_refused_naming_the_targets() {
        assert_eq!(
            check(1, 1),
            Err((
                EX_USAGE,
                "from and to are both Datastores team - W45".into()
            ))
        );
        assert_eq!(
            check(1, 3),
            Err((EX_USAGE, "Datastores team - W49 is closed".into()))
        );
        assert_eq!(
            check(2, 1),
            Err((
                EX_USAGE,
                "Datastores team - W45 is not a later open iteration than Datastores team - W47: re-plan to Datastores team - W51".into()
            ))
        );
        assert_eq!(
            check(1, 5),
            Err((
                EX_USAGE,
                "Gitaly - W47 is not a later open iteration than Datastores team - W45: re-plan to Datastores team - W47, Datastores team - W51".into()
            ))
        );
        // From the last one: nowhere to go.
        assert_eq!(
            check(4, 2),
            Err((
                EX_USAGE,
                "no later open milestone to move issues to from Datastores team - W51".into()
            ))
        );
    }

    #[test]
    fn the_heading_counts_the_issues_and_says_a_lane_reset() {
        let ms = ms();
        let (w45, w47) = (&ms[0], &ms[1]);
        assert_eq!(
            heading("would move", 1, w45, w47, false),
            "would move 1 issue from Datastores team - W45 to Datastores team - W47"
        );
        assert_eq!(
            heading("moving", 3, w45, w47, true),
            "moving 3 issues from Datastores team - W45 to Datastores team - W47 (back to the ready lane)"
        );
        assert_eq!(
            heading("moving", 0, w45, w47, false),
            "moving 0 issues from Datastores team - W45 to Datastores team - W47"
        );
    }
}
