//! `glboard print`: a board as plain text, Markdown or JSON, from the cache
//! (GitLab's state with every queued change on top, marked pending).

use std::collections::HashSet;
use std::io::{IsTerminal, Write};

use chrono::Utc;

use super::{EX_FAILURE, EX_OK, EX_USAGE, Failure, Live, fail, find_milestone, sync_showing};
use crate::cli::{BoardArg, Cli, Format};
use crate::core::domain::board::{self, BoardKind, BoardSpec, SortMode};
use crate::core::domain::model::{IssueId, TeamConfig, Workspace};
use crate::report::Report;
use crate::store;

/// What `print` prints from.
struct BoardData {
    ws: Workspace,
    team: TeamConfig,
    synced_at: Option<chrono::DateTime<Utc>>,
    pending: usize,
    failed: usize,
    pending_issues: HashSet<IssueId>,
    /// Iids ambiguous in the whole cache; `None` for the demo (all of it
    /// is loaded).
    ambiguous: Option<HashSet<u64>>,
}

/// The workspace and team to print from: the cache (only the printed
/// board's issues), or the demo.
fn load_board_data(
    cli: &Cli,
    refresh: bool,
    kind: BoardKind,
    milestone: &str,
) -> Result<BoardData, Failure> {
    let today = cli.today();
    let started = std::time::Instant::now();
    let live = if cli.demo { None } else { Live::open(cli)? };
    let Some(live) = live else {
        if !cli.demo {
            return Err(fail(
                EX_USAGE,
                "no configuration: `glboard init --host URL --group PATH` sets one up; `glboard print --demo` prints the bundled demo",
            ));
        }
        let (ws, team) = crate::demo::load(today)
            .map_err(|e| fail(EX_FAILURE, format!("the bundled demo cannot be read: {e}")))?;
        return Ok(BoardData {
            ws,
            team,
            synced_at: None,
            pending: 0,
            failed: 0,
            pending_issues: HashSet::new(),
            ambiguous: None,
        });
    };
    let mut ambiguous_beside = None;
    let (snap, store) = if refresh {
        (
            sync_showing(&live, today, false, Some(milestone), true)?,
            live.store()?,
        )
    } else {
        let store = live.store_for_reading()?;
        // Which iids more than one project has, among every cached issue:
        // read on another core while the board's issues are.
        let path = store.path().to_owned();
        ambiguous_beside = Some(std::thread::spawn(move || {
            store::Store::reader(&path).and_then(|s| s.ambiguous_iids())
        }));
        // Milestones first (no issues), then only the printed board's issues.
        let chosen = store.load_undescribed_choosing(|lists| match kind {
            BoardKind::Backlog | BoardKind::Planning => store::IssueFilter::Open,
            BoardKind::Iteration => {
                match find_milestone(&lists.ws.milestones, &live.team(lists), today, milestone) {
                    Ok(m) => store::IssueFilter::Milestone(m.id),
                    Err(_) => store::IssueFilter::All,
                }
            }
        })?;
        let Some(mut snap) = chosen else {
            return Err(fail(
                EX_FAILURE,
                "no cached data yet: run `glboard sync` (or `glboard print --refresh`)",
            ));
        };
        // Issues with changes queued may be moving onto this board.
        let queued = store.outbox_queued()?;
        let have: HashSet<IssueId> = snap.ws.issues.iter().map(|i| i.id).collect();
        let more: Vec<IssueId> = queued
            .iter()
            .map(|c| c.issue)
            .filter(|id| !have.contains(id))
            .collect();
        store.load_more(&mut snap, &more)?;
        (snap, store)
    };
    let loaded = started.elapsed();
    let failed = store.outbox_failed()?.len();
    let team = live.team(&snap);
    let (ws, pending_issues) = super::current_view(&store, snap.ws)?;
    let pending = store.outbox_queued()?.len();
    // Named as a reference resolves: among every cached issue.
    let viewed = started.elapsed();
    let mut ambiguous = match ambiguous_beside.map(std::thread::JoinHandle::join) {
        Some(Ok(Ok(a))) => a,
        _ => store.ambiguous_iids()?,
    };
    ambiguous.extend(board::ambiguous_iids(&ws));
    tracing::debug!(?loaded, ?viewed, total = ?started.elapsed(), "print: board read");
    Ok(BoardData {
        ws,
        team,
        synced_at: snap.meta.synced_at,
        pending,
        failed,
        pending_issues,
        ambiguous: Some(ambiguous),
    })
}

/// `glboard print`.
#[allow(clippy::too_many_arguments)]
/// What `print` narrows the board to.
pub struct PrintFilter<'a> {
    pub lanes: &'a [String],
    pub mine: bool,
    /// A saved view's name.
    pub view: Option<&'a str>,
}

pub fn print(
    cli: &Cli,
    board_arg: BoardArg,
    milestone: &str,
    filter: PrintFilter<'_>,
    format: Format,
    refresh: bool,
) -> Result<u8, Failure> {
    let PrintFilter { lanes, mine, view } = filter;
    let today = cli.today();
    // A saved view: known before anything is read.
    let view = match view {
        None => None,
        Some(name) => {
            let views = if cli.demo {
                Vec::new()
            } else {
                Live::open(cli)?
                    .map(|l| l.cfg.saved_views)
                    .unwrap_or_default()
            };
            match views.iter().find(|v| v.name == name) {
                Some(v) => Some(v.clone()),
                None => {
                    return Err(fail(
                        EX_USAGE,
                        if views.is_empty() {
                            format!("no saved view {name:?}: the config has no [views.NAME]")
                        } else {
                            format!(
                                "no saved view {name:?}; views: {}",
                                views
                                    .iter()
                                    .map(|v| v.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        },
                    ));
                }
            }
        }
    };
    let kind = match board_arg {
        BoardArg::Backlog => BoardKind::Backlog,
        BoardArg::Iteration => BoardKind::Iteration,
    };
    let started = std::time::Instant::now();
    let BoardData {
        ws,
        team,
        synced_at,
        pending,
        failed,
        pending_issues,
        ambiguous,
    } = load_board_data(cli, refresh, kind, milestone)?;
    let ms = match kind {
        BoardKind::Iteration | BoardKind::Planning => {
            Some(find_milestone(&ws.milestones, &team, today, milestone)?)
        }
        BoardKind::Backlog => None,
    };
    let mut layout = board::layout(
        &ws,
        BoardSpec {
            kind,
            team: &team,
            milestone: ms.map(|m| m.id),
            filter: "",
            sort: SortMode::Manual,
        },
    );
    if !lanes.is_empty() {
        let wanted: Vec<String> = lanes.iter().map(|l| l.to_lowercase()).collect();
        let unknown: Vec<&String> = lanes
            .iter()
            .filter(|l| {
                !layout
                    .columns
                    .iter()
                    .any(|c| c.title.eq_ignore_ascii_case(l))
            })
            .collect();
        if !unknown.is_empty() {
            let names: Vec<&str> = layout.columns.iter().map(|c| c.title.as_str()).collect();
            return Err(fail(
                EX_USAGE,
                format!("no lane {:?}; lanes: {}", unknown[0], names.join(", ")),
            ));
        }
        layout
            .columns
            .retain(|c| wanted.contains(&c.title.to_lowercase()));
    }
    if mine {
        let Some(me) = ws.me.as_ref().map(|u| u.id) else {
            return Err(fail(
                EX_FAILURE,
                "who you are is not known yet: run `glboard sync`",
            ));
        };
        for c in &mut layout.columns {
            c.cards.retain(|k| {
                k.issue(&ws)
                    .is_some_and(|i| i.assignees.iter().any(|u| u.id == me))
            });
            c.weight = c
                .cards
                .iter()
                .filter_map(|k| k.issue(&ws).and_then(|i| i.weight))
                .sum();
        }
    }
    if let Some(v) = &view {
        v.apply(&mut layout, &ws, today);
    }
    let report = Report {
        ws: &ws,
        team: &team,
        layout: &layout,
        milestone: ms,
        today,
        synced_at,
        now: Utc::now(),
        pending,
        failed,
        pending_issues: &pending_issues,
        ambiguous: ambiguous.as_ref(),
    };
    let tty = std::io::stdout().is_terminal();
    let out = match format {
        Format::Plain => {
            // Piped: COLUMNS when set (`COLUMNS=200 glboard print | less`).
            let columns = std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.trim().parse::<usize>().ok())
                .filter(|c| *c > 0);
            let width = if tty {
                crossterm::terminal::size()
                    .map(|(w, _)| w as usize)
                    .ok()
                    .or(columns)
                    .unwrap_or(100)
            } else {
                columns.unwrap_or(100)
            };
            let color = tty
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb");
            report.plain(width, color)
        }
        Format::Markdown => report.markdown(),
        Format::Json => report.json(),
    };
    tracing::debug!(elapsed = ?started.elapsed(), "print: laid out and formatted");
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    // The process ends here: freeing thousands of issues one allocation
    // at a time would cost milliseconds the exit does at once.
    std::mem::forget(ws);
    std::mem::forget(out);
    Ok(EX_OK)
}

/// `print --since DATE|last`: what changed since then, for a stand-up.
pub fn print_since(cli: &Cli, since: &str, format: Format, refresh: bool) -> Result<u8, Failure> {
    let today = cli.today();
    let Some(live) = Live::open(cli)?.filter(|_| !cli.demo) else {
        return Err(fail(
            EX_USAGE,
            "the demo keeps no history: --since needs a configured board",
        ));
    };
    let look = {
        let store = live.store_for_reading()?;
        if since.eq_ignore_ascii_case("last") {
            store.last_look()?
        } else {
            let day = chrono::NaiveDate::parse_from_str(since, "%Y-%m-%d").map_err(|_| {
                fail(
                    EX_USAGE,
                    format!("--since {since:?}: a day (YYYY-MM-DD) or last"),
                )
            })?;
            match store.look_before(day)? {
                Some(look) => Some(look),
                // A later look would leave out what changed since `day`.
                None => match store.first_look()? {
                    Some((first, _)) => {
                        let after = first.date_naive() + chrono::Days::new(1);
                        return Err(fail(
                            EX_FAILURE,
                            format!(
                                "no look before {day}: the first glboard remembers is from {} (--since {after} compares with it)",
                                first.format("%a %b %-d %H:%M UTC")
                            ),
                        ));
                    }
                    None => None,
                },
            }
        }
    };
    let Some((at, before)) = look else {
        return Err(fail(
            EX_FAILURE,
            "nothing to compare with yet: glboard remembers what the board shows when it closes (open it once)",
        ));
    };
    // Every team issue, closed ones too, as the user would see them now.
    let snap = if refresh {
        super::sync_now(&live, today, false)?
    } else {
        match live
            .store_for_reading()?
            .load_undescribed(store::IssueFilter::All)?
        {
            Some(s) => s,
            None => {
                return Err(fail(
                    EX_FAILURE,
                    "no cached data yet: run `glboard sync` (or add --refresh)",
                ));
            }
        }
    };
    let team = live.team(&snap);
    let (ws, _) = super::current_view(&live.store_for_reading()?, snap.ws)?;
    let list = crate::core::domain::since::changes(&before, &ws, &team);
    let when = at.format("%a %b %-d %H:%M UTC").to_string();
    let out = match format {
        Format::Json => {
            let v = serde_json::json!({
                "schema": 1,
                "since": at.to_rfc3339(),
                "changes": list,
            });
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Format::Markdown => {
            let mut o = format!("**Since {when}** ({} issues)\n\n", list.len());
            for c in &list {
                let what: Vec<String> = c.what.iter().map(|w| w.words()).collect();
                o.push_str(&format!(
                    "- {} {}: {}\n",
                    c.reference,
                    c.title,
                    what.join(", ")
                ));
            }
            o
        }
        Format::Plain => {
            let mut o = format!("Since {when}: {} issues changed\n", list.len());
            for c in &list {
                let what: Vec<String> = c.what.iter().map(|w| w.words()).collect();
                o.push_str(&format!(
                    "  {:<8} {}  ({})\n",
                    c.reference,
                    c.title,
                    what.join(", ")
                ));
            }
            o
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    Ok(EX_OK)
}
