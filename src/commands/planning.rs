//! `glboard planning summary`: Friday's planning summary of an iteration,
//! printed, or written into its planning issue between markers (the rest of
//! the description stays as the team wrote it) through the outbox, where a
//! description edited meanwhile is a conflict, never overwritten.

use super::{
    EX_FAILURE, EX_OK, EX_TEMPFAIL, EX_USAGE, Failure, Live, current_view, deliver, fail,
    find_milestone, sync_now, with_history,
};
use crate::cli::{Cli, SummaryFormat};
use crate::core::domain::board;
use crate::core::domain::edit::{Change, DescriptionEdit, Edit, Seen};
use crate::core::planning;

/// `glboard planning summary`.
pub fn planning_summary(
    cli: &Cli,
    milestone: &str,
    write: bool,
    format: SummaryFormat,
) -> Result<u8, Failure> {
    let today = cli.today();
    let (mut ws, team, live) = match Live::open(cli)? {
        Some(live) if !cli.demo => {
            // Written over what GitLab has now: sync first.
            let snap = if write {
                sync_now(&live, today, false)?
            } else {
                match live.store_for_reading()?.load()? {
                    Some(s) => s,
                    None => sync_now(&live, today, false)?,
                }
            };
            let team = live.team(&snap);
            // Carry-overs: the iteration's milestone histories, read when
            // there is a token (without one, printing reads the cache only).
            let snap = match find_milestone(&snap.ws.milestones, &team, today, milestone) {
                Ok(m) if write || live.token().is_ok() => with_history(&live, &[m.id])?,
                _ => snap,
            };
            let (ws, _) = current_view(&live.store_for_reading()?, snap.ws)?;
            (ws, team, Some(live))
        }
        _ => {
            let (ws, team) = crate::demo::load(today)
                .map_err(|e| fail(EX_FAILURE, format!("the demo data is broken: {e}")))?;
            (ws, team, None)
        }
    };
    let m = find_milestone(&ws.milestones, &team, today, milestone)?.clone();
    let Some(mut summary) = planning::summary::summary(&ws, &team, m.id) else {
        return Err(fail(EX_FAILURE, format!("no milestone {}", m.title)));
    };
    // How the last iterations went (issue #29), from GitLab's events.
    if let Some(live) = &live {
        summary.previous = super::past_figures(live, &mut ws, &team, today);
    }
    let text = planning::summary::markdown(&summary, today);
    if !write {
        match format {
            SummaryFormat::Markdown => println!("{text}"),
            SummaryFormat::Json => println!(
                "{}",
                serde_json::to_string_pretty(&summary).unwrap_or_default()
            ),
        }
        return Ok(EX_OK);
    }
    let Some(live) = live else {
        return Err(fail(
            EX_USAGE,
            "the demo has no GitLab to write to: configure glboard (glboard init) first",
        ));
    };
    let Some(issue) = planning::template::find(&ws, &team, &m).cloned() else {
        return Err(fail(
            EX_FAILURE,
            format!(
                "no planning issue for {} (a {} issue titled \"{}\" in it): `glboard cadence` creates it",
                m.title, team.team_label, team.planning_title
            ),
        ));
    };
    let name = board::short_ref(&ws, &issue, &board::ambiguous_iids(&ws));
    // Spliced into GitLab's text as it is (only what is shown is sanitized).
    let new = planning::summary::splice(issue.raw_description(), &text);
    if format == SummaryFormat::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        );
    }
    if new == issue.raw_description() {
        println!("{name}: the summary is already there; nothing to write");
        return Ok(EX_OK);
    }
    let store = live.store()?;
    let change = Change {
        issue: issue.id,
        project: issue.project_id,
        iid: issue.iid,
        seen: Seen::of(&issue, &team),
        summary: planning::summary::change_summary(&name),
        edit: Edit {
            description: Some(DescriptionEdit {
                text: new,
                before: issue.raw_description().to_owned(),
            }),
            ..Edit::default()
        },
        ..Change::default()
    };
    let ids = store.enqueue(std::slice::from_ref(&change))?;
    let d = deliver(&live, &store, &team, ws.me.as_ref(), &ids)?;
    if let Some((_, reason)) = d.refused.first() {
        return Err(fail(
            EX_FAILURE,
            format!(
                "{name}: {}",
                crate::core::domain::conflict::problem_text(reason)
            ),
        ));
    }
    if !d.queued.is_empty() {
        let why = d.waiting.map_or(String::new(), |e| format!(": {e}"));
        return Err(fail(
            EX_TEMPFAIL,
            format!(
                "{name}: the summary is queued, not sent yet{why}; glboard or `glboard sync` will send it"
            ),
        ));
    }
    println!(
        "{name}: planning summary of {} written ({} issues, weight {}); the rest of the description is as it was",
        m.title, summary.issues, summary.weight
    );
    Ok(EX_OK)
}
