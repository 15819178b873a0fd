//! `glboard insights`: what the team committed, added, removed, finished
//! and carried over in an iteration, with say/do, or the last N finished
//! iterations with the velocity (issue #29). The cache is synced first;
//! the issues' resource events are read only where the cache lacks them
//! (see [`crate::events`]), then replayed by [`crate::core::domain::insights`].

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

use super::{EX_OK, EX_TEMPFAIL, EX_USAGE, Failure, Live, fail, find_milestone, sync_now};
use crate::cli::{Cli, Format};
use crate::core::domain::board::full_ref;
use crate::core::domain::events::IssueEvents;
use crate::core::domain::insights::{self, IssueSet, Iteration};
use crate::core::domain::model::{Milestone, TeamConfig, Workspace};
use crate::events::{self as ev, Kind};

/// The instant the command takes as now: the clock, or noon of `--today`.
pub(crate) fn now_for(today: NaiveDate) -> DateTime<Utc> {
    let real = Utc::now();
    if real.date_naive() == today {
        real
    } else {
        today
            .and_hms_opt(12, 0, 0)
            .map_or(real, |t| Utc.from_utc_datetime(&t))
    }
}

use insights::finished_iterations as finished;

/// The iterations asked for, newest first.
fn chosen<'a>(
    ws: &'a Workspace,
    team: &TeamConfig,
    today: NaiveDate,
    now: DateTime<Utc>,
    milestone: Option<&str>,
    last: Option<usize>,
) -> Result<Vec<&'a Milestone>, Failure> {
    if let Some(n) = last {
        if n == 0 {
            return Err(fail(EX_USAGE, "--last needs at least 1"));
        }
        let v: Vec<&Milestone> = finished(ws, team, now).into_iter().take(n).collect();
        if v.is_empty() {
            return Err(fail(
                EX_USAGE,
                "the team has no finished iteration yet (no milestone with the prefix whose due date has passed)",
            ));
        }
        return Ok(v);
    }
    let m = match milestone.unwrap_or("previous") {
        p if p.eq_ignore_ascii_case("previous") => *finished(ws, team, now).first().ok_or_else(|| {
            fail(EX_USAGE, "the team has no finished iteration yet (no milestone with the prefix whose due date has passed)")
        })?,
        what => find_milestone(&ws.milestones, team, today, what).map_err(|f| Failure {
            // An unknown or ambiguous milestone is a usage error.
            code: EX_USAGE,
            message: f.message,
        })?,
    };
    if insights::window(m).is_none() {
        return Err(fail(
            EX_USAGE,
            format!("{} has no start and due date: no window to count", m.title),
        ));
    }
    Ok(vec![m])
}

/// Read what the cache lacks (see [`ev::refresh_insights`]). `Err` with
/// 75 when GitLab is away and events are missing.
fn read_events(
    live: &Live,
    ws: &Workspace,
    team: &TeamConfig,
    ms: &[&Milestone],
    now: DateTime<Utc>,
    offline: bool,
) -> Result<std::collections::HashMap<u64, IssueEvents>, Failure> {
    let store = live.store()?;
    if !offline {
        let rt = super::runtime()?;
        let client = live.client()?;
        let failed = rt
            .block_on(ev::refresh_insights(
                &client,
                &store,
                ws,
                team,
                ms,
                now,
                usize::MAX,
            ))
            .map_err(|e| fail(super::EX_FAILURE, e.to_string()))?;
        let failed = failed.failed;
        match failed {
            Some((why, missing)) if missing > 0 => {
                return Err(fail(
                    EX_TEMPFAIL,
                    format!(
                        "GitLab: {why}; the events of {missing} issues are not cached yet: try again later"
                    ),
                ));
            }
            Some((why, _)) => {
                eprintln!("glboard: warning: GitLab: {why}; figures from the events cached");
            }
            None => {}
        }
    }
    Ok(ev::load(
        &store,
        &[Kind::Milestone, Kind::State, Kind::Label],
    )?)
}

/// `glboard insights`.
pub fn insights(
    cli: &Cli,
    milestone: Option<&str>,
    last: Option<usize>,
    format: Format,
    offline: bool,
) -> Result<u8, Failure> {
    let today = cli.today();
    let now = now_for(today);
    let Some(live) = Live::open(cli)? else {
        return Err(fail(
            EX_USAGE,
            "no configuration: `glboard init --host URL --group PATH` sets one up (insights need GitLab's events; the demo has none)",
        ));
    };
    let cached = live.store_for_reading()?.load()?;
    let mut offline = offline;
    let snap = if offline {
        cached.ok_or_else(|| fail(super::EX_FAILURE, "no cache yet: run `glboard sync` first"))?
    } else {
        match sync_now(&live, today, false) {
            Ok(s) => s,
            Err(f) if f.code == EX_TEMPFAIL => match cached {
                Some(s) => {
                    eprintln!("glboard: warning: {}; figures from the cache", f.message);
                    offline = true;
                    s
                }
                None => return Err(f),
            },
            Err(f) => return Err(f),
        }
    };
    let team = live.team(&snap);
    let mut ws = snap.ws;
    let ms: Vec<Milestone> = chosen(&ws, &team, today, now, milestone, last)?
        .into_iter()
        .cloned()
        .collect();
    let ms: Vec<&Milestone> = ms.iter().collect();
    ws.events = read_events(&live, &ws, &team, &ms, now, offline)?;
    let its = insights::iterations_of(&ws, &team, &ms, now);
    let ws = &ws;
    let out = match format {
        Format::Json => serde_json::to_string_pretty(&to_json(ws, &its)).unwrap_or_default(),
        Format::Plain if last.is_some() => plain_many(&its),
        Format::Plain => its.iter().map(|i| plain_one(ws, i)).collect(),
        Format::Markdown if last.is_some() => markdown_many(&its),
        Format::Markdown => its.iter().map(|i| markdown_one(ws, i)).collect(),
    };
    println!("{}", out.trim_end());
    Ok(EX_OK)
}

/// How the previous iteration went and the velocity of the last six, for
/// the planning summary: `None` (with a note) when the events cannot be
/// read and are not cached, or the team has no finished iteration.
pub(crate) fn past_figures(
    live: &Live,
    ws: &mut Workspace,
    team: &TeamConfig,
    today: NaiveDate,
) -> Option<insights::PastFigures> {
    let now = now_for(today);
    let ms: Vec<Milestone> = finished(ws, team, now)
        .into_iter()
        .take(insights::VELOCITY_ITERATIONS)
        .cloned()
        .collect();
    if ms.is_empty() {
        return None;
    }
    let refs: Vec<&Milestone> = ms.iter().collect();
    match read_events(live, ws, team, &refs, now, false) {
        Ok(e) => ws.events = e,
        Err(f) => {
            eprintln!(
                "note: the previous iterations' figures are left out ({})",
                f.message
            );
            return None;
        }
    }
    // The same computation as the board's S.
    insights::past_figures_of(ws, team, now)
}

/// The sets in the order they are shown, with their names (an iteration
/// still running has no carry-over yet: its open issues are "still open").
fn sets(it: &Iteration) -> [(&'static str, &'static str, &IssueSet); 5] {
    [
        ("committed", "committed", &it.committed),
        ("added", "added", &it.added),
        ("removed", "removed", &it.removed),
        ("done", "done", &it.done),
        (
            "carried_over",
            if it.finished {
                "carried over"
            } else {
                "still open"
            },
            &it.carried_over,
        ),
    ]
}

fn set_json(ws: &Workspace, s: &IssueSet) -> Value {
    json!({
        "issues": s.issues.len(),
        "weight": s.weight,
        "references": s.issues.iter().filter_map(|id| ws.issue(*id)).map(|i| full_ref(ws, i)).collect::<Vec<_>>(),
    })
}

/// `{"schema": 1, "iterations": [...]}` (docs/insights.schema.json).
pub fn to_json(ws: &Workspace, its: &[Iteration]) -> Value {
    let iterations: Vec<Value> = its
        .iter()
        .map(|it| {
            let mut o = serde_json::Map::new();
            o.insert("milestone".into(), json!(it.title));
            o.insert("start_date".into(), json!(it.start_date.to_string()));
            o.insert("due_date".into(), json!(it.due_date.to_string()));
            for (key, _, s) in sets(it) {
                o.insert(key.into(), set_json(ws, s));
            }
            o.insert("say_do".into(), json!(it.say_do));
            Value::Object(o)
        })
        .collect();
    json!({"schema": 1, "iterations": iterations})
}

fn percent(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_owned(), |x| format!("{:.0}%", x * 100.0))
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 issue".to_owned()
    } else {
        format!("{n} issues")
    }
}

fn plain_one(ws: &Workspace, it: &Iteration) -> String {
    let mut out = format!(
        "{} · {} – {}{}\n",
        it.title,
        it.start_date,
        it.due_date,
        if it.finished { "" } else { " (so far)" }
    );
    for (_, name, s) in sets(it) {
        out.push_str(&format!(
            "  {name:<13}{:>11}  weight {}\n",
            count(s.issues.len()),
            s.weight
        ));
    }
    let kept = it
        .committed
        .issues
        .iter()
        .filter(|i| it.done.contains(**i))
        .count();
    out.push_str(&format!(
        "  say/do       {:>11}  ({kept} of {} committed done)\n",
        percent(it.say_do),
        it.committed.issues.len()
    ));
    for (_, name, s) in sets(it) {
        if s.issues.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{name}:\n"));
        for i in s.issues.iter().filter_map(|id| ws.issue(*id)) {
            let w = i.weight.map(|w| format!("  w{w}")).unwrap_or_default();
            out.push_str(&format!(
                "  {}  {}{w}\n",
                full_ref(ws, i),
                crate::core::domain::text::truncate(&i.title, 60)
            ));
        }
    }
    out.push('\n');
    out
}

/// A sparkline of `values` (▁ to █, scaled to the largest).
pub fn sparkline(values: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|v| {
            let n = v
                .saturating_mul(7)
                .checked_div(max)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0);
            BARS[n.min(7)]
        })
        .collect()
}

fn velocity_line(its: &[Iteration]) -> (String, String) {
    let oldest_first: Vec<u64> = its.iter().rev().map(|i| i.done.weight).collect();
    let mean = insights::velocity(its).map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"));
    (sparkline(&oldest_first), mean)
}

fn plain_many(its: &[Iteration]) -> String {
    let (spark, mean) = velocity_line(its);
    let mut out = format!(
        "Done weight per iteration (oldest to newest): {spark}  velocity {mean} (mean of {})\n\n",
        its.len()
    );
    out.push_str(&format!(
        "{:<28} {:>10} {:>10} {:>10} {:>10} {:>10} {:>7}\n",
        "iteration", "committed", "added", "removed", "done", "carried", "say/do"
    ));
    let cell = |s: &IssueSet| format!("{}/w{}", s.issues.len(), s.weight);
    for it in its {
        out.push_str(&format!(
            "{:<28} {:>10} {:>10} {:>10} {:>10} {:>10} {:>7}\n",
            crate::core::domain::text::truncate(&it.title, 28),
            cell(&it.committed),
            cell(&it.added),
            cell(&it.removed),
            cell(&it.done),
            cell(&it.carried_over),
            percent(it.say_do)
        ));
    }
    out.push_str("\n(issues/weight)\n");
    out
}

fn markdown_one(ws: &Workspace, it: &Iteration) -> String {
    let mut out = format!(
        "### {} ({} – {}){}\n\n| | Issues | Weight |\n|---|---:|---:|\n",
        it.title,
        it.start_date,
        it.due_date,
        if it.finished { "" } else { ", so far" }
    );
    for (_, name, s) in sets(it) {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            capital(name),
            s.issues.len(),
            s.weight
        ));
    }
    out.push_str(&format!("| Say/do | {} | |\n", percent(it.say_do)));
    for (_, name, s) in sets(it) {
        if s.issues.is_empty() {
            continue;
        }
        out.push_str(&format!("\n**{}**\n\n", capital(name)));
        for i in s.issues.iter().filter_map(|id| ws.issue(*id)) {
            out.push_str(&format!("- {}\n", full_ref(ws, i)));
        }
    }
    out.push('\n');
    out
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn markdown_many(its: &[Iteration]) -> String {
    let (spark, mean) = velocity_line(its);
    let mut out = String::from(
        "| Iteration | Committed | Added | Removed | Done | Carried over | Say/do |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let cell = |s: &IssueSet| format!("{} (w{})", s.issues.len(), s.weight);
    for it in its {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            it.title,
            cell(&it.committed),
            cell(&it.added),
            cell(&it.removed),
            cell(&it.done),
            cell(&it.carried_over),
            percent(it.say_do)
        ));
    }
    out.push_str(&format!(
        "\nVelocity (mean done weight of {} iterations): **{mean}** {spark}\n",
        its.len()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_to_the_largest() {
        assert_eq!(sparkline(&[0, 7, 14]), "▁▄█");
        assert_eq!(sparkline(&[0, 0]), "▁▁");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn figures_are_said_in_words_with_a_dash_for_none() {
        assert_eq!(percent(Some(0.8)), "80%");
        assert_eq!(percent(Some(1.0 / 3.0)), "33%");
        assert_eq!(percent(Some(1.25)), "125%");
        assert_eq!(percent(None), "–");
        assert_eq!(count(0), "0 issues");
        assert_eq!(count(1), "1 issue");
        assert_eq!(count(2), "2 issues");
        assert_eq!(capital("carried over"), "Carried over");
        assert_eq!(capital("écrit"), "Écrit");
        assert_eq!(capital(""), "");
    }
}
