//! `glboard cadence`: Tuesday's automation. Makes sure the next iterations
//! exist as group milestones (continuing the team's cadence) and the next
//! iteration's planning issue exists, all through the outbox (never made
//! twice, also when an answer is lost). Safe to run from a CI schedule:
//! a second run changes nothing.

use crate::core::planning;
use serde_json::json;

use super::{
    EX_FAILURE, EX_OK, EX_TEMPFAIL, EX_USAGE, Failure, Live, deliver, fail, gitlab_failure,
    runtime, sync_now, worst,
};
use crate::cli::{Cli, ReportFormat};
use crate::core::app::overlay::placeholder_id;
use crate::core::domain::cadence::{self, CadencePlan, Slot};
use crate::core::domain::edit::{self, Change, Edit};
use crate::core::domain::model::{Milestone, TeamConfig, Workspace};
use crate::store::Store;

/// What became of the planning issue.
#[derive(Debug, Clone)]
enum Planning {
    /// It is there.
    Exists { reference: String },
    /// To create (dry run), or created.
    Create {
        title: String,
        project: String,
        done: Option<String>,
    },
    /// Nothing to do yet: the next iteration has no milestone.
    NoMilestone,
    /// Cannot: why, in words.
    Cannot(String),
}

/// `glboard cadence`.
pub fn cadence(cli: &Cli, ahead: u32, dry_run: bool, format: ReportFormat) -> Result<u8, Failure> {
    let today = cli.today();
    let Some(live) = Live::open(cli)? else {
        return Err(fail(
            EX_USAGE,
            "no configuration: run glboard init first (the demo has no GitLab to make milestones in)",
        ));
    };
    // The cache up to date (the planning issue may exist already), and
    // the group's milestones read now, every state: a title is unique
    // among them all.
    // What it waits for is said on stderr (a first run reads the whole
    // group: seconds), stdout keeps the report.
    let step = |what: &str| eprintln!("cadence: {what}…");
    step("syncing the cache (a first run reads every team issue)");
    let snap = sync_now(&live, today, true)?;
    let client = live.client()?;
    let rt = runtime()?;
    let group = live.cfg.file.group.clone();
    step(&format!("reading {group}'s milestones, every state"));
    let milestones: Vec<Milestone> = rt
        .block_on(client.group_milestones(&group))
        .map_err(gitlab_failure)?
        .into_iter()
        .map(Milestone::from)
        .collect();
    let team = live.team(&snap);
    let pattern = team.milestone_pattern();
    let plan = cadence::plan(&milestones, &team, &pattern, today, ahead)
        .map_err(|e| fail(EX_FAILURE, e))?;
    let store = live.store()?;
    let me = snap.ws.me.clone();
    let session = u64::from(std::process::id());

    // 1. The milestones.
    let mut created: Vec<(String, Option<String>)> = Vec::new();
    let mut exit = EX_OK;
    let wanted = plan.to_create();
    if !dry_run && !wanted.is_empty() {
        let changes: Vec<Change> = wanted
            .iter()
            .enumerate()
            .map(|(n, m)| Change {
                issue: placeholder_id(session, n as u64 + 1),
                summary: format!("milestone {} created", m.title),
                edit: Edit {
                    create_milestone: Some(edit::NewMilestone {
                        group: group.clone(),
                        title: m.title.clone(),
                        start_date: m.start_date,
                        due_date: m.due_date,
                        description: String::new(),
                    }),
                    ..Edit::default()
                },
                ..Change::default()
            })
            .collect();
        let ids = store.enqueue(&changes)?;
        step(&format!("creating {} milestones", changes.len()));
        let d = deliver(&live, &store, &team, me.as_ref(), &ids)?;
        for (c, id) in changes.iter().zip(&ids) {
            let title = c
                .edit
                .create_milestone
                .as_ref()
                .map(|m| m.title.clone())
                .unwrap_or_default();
            let reason = d
                .refused
                .iter()
                .find(|(r, _)| r == id)
                .map(|(_, r)| r.clone());
            if d.queued.contains(id) {
                exit = worst(exit, EX_TEMPFAIL);
                created.push((title, Some("queued, not sent yet".into())));
            } else if let Some(r) = reason {
                exit = worst(exit, EX_FAILURE);
                created.push((title, Some(crate::core::domain::conflict::problem_text(&r))));
            } else {
                created.push((title, None));
            }
        }
        if let Some(e) = &d.waiting
            && !d.queued.is_empty()
        {
            eprintln!("waiting: {e}");
        }
    }

    // 2. The next iteration's planning issue (its milestone read again:
    // it may have just been made), with the current iteration's
    // carry-overs (its milestone histories).
    let current_id = plan.slots.first().and_then(|s| {
        milestones
            .iter()
            .find(|m| team.is_team_milestone(m) && m.start_date == Some(s.start_date()))
            .map(|m| m.id)
    });
    let fresh = match current_id {
        Some(c) if !dry_run => {
            step("reading the current iteration's milestone histories (carry-overs)");
            super::with_history(&live, &[c])?
        }
        _ => store.load()?.unwrap_or_default(),
    };
    let mut all = milestones.clone();
    for m in &fresh.ws.milestones {
        if !all.iter().any(|x| x.id == m.id) {
            all.push(m.clone());
        }
    }
    let planning = planning_issue(
        &live,
        &store,
        &fresh.ws,
        &team,
        &all,
        &plan,
        dry_run,
        session,
        me.as_ref(),
        &mut exit,
    )?;
    if plan.collisions() > 0 {
        exit = worst(exit, EX_FAILURE);
    }

    match format {
        ReportFormat::Json => print_json(&plan, &created, &planning, dry_run),
        ReportFormat::Plain => print_plain(&team, &plan, &created, &planning, dry_run),
    }
    Ok(exit)
}

#[allow(clippy::too_many_arguments)]
fn planning_issue(
    live: &Live,
    store: &Store,
    ws: &Workspace,
    team: &TeamConfig,
    milestones: &[Milestone],
    plan: &CadencePlan,
    dry_run: bool,
    session: u64,
    me: Option<&crate::core::domain::model::User>,
    exit: &mut u8,
) -> Result<Planning, Failure> {
    // The iteration after today's.
    let Some(next_slot) = plan.slots.get(1) else {
        return Ok(Planning::NoMilestone);
    };
    let start = next_slot.start_date();
    let by_start = |d: chrono::NaiveDate| {
        milestones
            .iter()
            .find(|m| team.is_team_milestone(m) && m.start_date == Some(d))
    };
    let current = plan.slots.first().and_then(|s| by_start(s.start_date()));
    let next = match by_start(start) {
        Some(m) => m,
        None if dry_run => {
            // It would be made first; the issue after it.
            return Ok(match next_slot {
                Slot::Create(m) => Planning::Create {
                    title: format!("{} {}", m.title, team.planning_title),
                    project: planning_project_name(live, ws, team, current),
                    done: None,
                },
                _ => Planning::NoMilestone,
            });
        }
        None => return Ok(Planning::NoMilestone),
    };
    let ambiguous = crate::core::domain::board::ambiguous_iids(ws);
    if let Some(i) = planning::template::find(ws, team, next) {
        return Ok(Planning::Exists {
            reference: crate::core::domain::board::short_ref(ws, i, &ambiguous),
        });
    }
    // Where: `planning_project`, else the project of the current one.
    let project = match &live.cfg.file.planning_project {
        Some(p) => {
            let client = live.client()?;
            match runtime()?.block_on(client.project(p)) {
                Ok(p) => p,
                Err(crate::gitlab::GitlabError::NotFound(_)) => {
                    *exit = worst(*exit, EX_USAGE);
                    return Ok(Planning::Cannot(format!(
                        "planning_project = {p:?} is not a project this token can see: fix it in {}",
                        live.cfg.path.display()
                    )));
                }
                Err(e) => return Err(gitlab_failure(e)),
            }
        }
        None => match current
            .and_then(|c| planning::template::find(ws, team, c))
            .and_then(|i| ws.project(i.project_id))
        {
            Some(p) => p.clone(),
            None => {
                *exit = worst(*exit, EX_USAGE);
                return Ok(Planning::Cannot(format!(
                    "no planning_project in {} and no current planning issue to take the project from: set planning_project = \"group/project\"",
                    live.cfg.path.display()
                )));
            }
        },
    };
    let template = match live.cfg.planning_template_path() {
        Some(path) => std::fs::read_to_string(&path).map_err(|e| {
            fail(
                EX_USAGE,
                format!("planning_template: cannot read {}: {e}", path.display()),
            )
        })?,
        None => planning::template::BUILT_IN.to_owned(),
    };
    // Made as the board makes it (`i`).
    let new = crate::core::planning::issue::new_planning_issue(
        ws, team, next, current, &template, project.id,
    )
    .map_err(|e| {
        fail(
            EX_USAGE,
            format!(
                "planning_template {}: {e}",
                live.cfg
                    .file
                    .planning_template
                    .as_ref()
                    .map_or("(built in)".into(), |p| p.display().to_string())
            ),
        )
    })?;
    let title = new.title.clone();
    if dry_run {
        return Ok(Planning::Create {
            title,
            project: project.path.clone(),
            done: None,
        });
    }
    let change = Change {
        issue: placeholder_id(session, 1000),
        project: project.id,
        summary: format!("planning issue {title} created"),
        edit: Edit {
            create: Some(new),
            ..Edit::default()
        },
        ..Change::default()
    };
    let ids = store.enqueue(std::slice::from_ref(&change))?;
    let d = deliver(live, store, team, me, &ids)?;
    let done = if !d.queued.is_empty() {
        *exit = worst(*exit, EX_TEMPFAIL);
        Some("queued, not sent yet".to_owned())
    } else if let Some((_, r)) = d.refused.first() {
        *exit = worst(*exit, EX_FAILURE);
        Some(crate::core::domain::conflict::problem_text(r))
    } else {
        // The created issue, from the cache the sender wrote.
        let after = store.load()?.unwrap_or_default();
        let made = after
            .ws
            .issues
            .iter()
            .find(|i| i.title == title && i.milestone_id == Some(next.id));
        return Ok(Planning::Create {
            title,
            project: project.path.clone(),
            done: Some(made.map_or("created".to_owned(), |i| {
                format!(
                    "created {}",
                    crate::core::domain::board::short_ref(
                        &after.ws,
                        i,
                        &crate::core::domain::board::ambiguous_iids(&after.ws)
                    )
                )
            })),
        });
    };
    Ok(Planning::Create {
        title,
        project: project.path,
        done,
    })
}

/// The project a dry run names.
fn planning_project_name(
    live: &Live,
    ws: &Workspace,
    team: &TeamConfig,
    current: Option<&Milestone>,
) -> String {
    live.cfg.file.planning_project.clone().unwrap_or_else(|| {
        current
            .and_then(|c| planning::template::find(ws, team, c))
            .and_then(|i| ws.project(i.project_id))
            .map_or("(no planning_project set)".into(), |p| p.path.clone())
    })
}

fn slot_line(s: &Slot, created: &[(String, Option<String>)], dry_run: bool) -> String {
    match s {
        Slot::Exists { title, start_date } => format!("  = {title}  (from {start_date}: exists)"),
        Slot::Create(m) => {
            let what = match created.iter().find(|(t, _)| *t == m.title) {
                _ if dry_run => "would create".to_owned(),
                Some((_, None)) => "created".to_owned(),
                Some((_, Some(why))) => why.clone(),
                None => "not created".to_owned(),
            };
            format!(
                "  + {}  ({} → {}: {what})",
                m.title, m.start_date, m.due_date
            )
        }
        Slot::Collides {
            title,
            start_date,
            taken_by,
            suggestion,
        } => format!(
            "  ! {title}  (from {start_date}: the title is taken by {taken_by}; nothing created. Set milestone_title = \"{suggestion}\" to avoid it)"
        ),
    }
}

fn print_plain(
    team: &TeamConfig,
    plan: &CadencePlan,
    created: &[(String, Option<String>)],
    planning: &Planning,
    dry_run: bool,
) {
    let weekday = plan
        .slots
        .first()
        .map_or("", |s| cadence::weekday_name(s.start_date()));
    println!(
        "{}: iterations of {} days from {weekday}s, titled \"{}\"",
        team.milestone_prefix.trim_end_matches([' ', '-']),
        plan.length_days,
        plan.pattern
    );
    for s in &plan.slots {
        println!("{}", slot_line(s, created, dry_run));
    }
    match planning {
        Planning::Exists { reference } => println!("planning issue: {reference} (exists)"),
        Planning::Create {
            title,
            project,
            done,
        } => println!(
            "planning issue: {title} in {project} ({})",
            match done {
                _ if dry_run => "would create".to_owned(),
                Some(d) => d.clone(),
                None => "created".to_owned(),
            }
        ),
        Planning::NoMilestone => {
            println!("planning issue: the next iteration has no milestone yet")
        }
        Planning::Cannot(why) => println!("planning issue: {why}"),
    }
    let nothing = plan.to_create().is_empty()
        && plan.collisions() == 0
        && matches!(planning, Planning::Exists { .. });
    if nothing {
        println!("nothing to do");
    }
}

fn print_json(
    plan: &CadencePlan,
    created: &[(String, Option<String>)],
    planning: &Planning,
    dry_run: bool,
) {
    let slots: Vec<serde_json::Value> = plan
        .slots
        .iter()
        .map(|s| {
            let mut v = serde_json::to_value(s).unwrap_or_default();
            if let Slot::Create(m) = s {
                let (status, why) = match created.iter().find(|(t, _)| *t == m.title) {
                    _ if dry_run => ("create", None),
                    Some((_, None)) => ("created", None),
                    Some((_, Some(w))) => ("not_created", Some(w.clone())),
                    None => ("not_created", None),
                };
                v["status"] = json!(status);
                if let Some(w) = why {
                    v["reason"] = json!(w);
                }
            }
            v
        })
        .collect();
    let planning = match planning {
        Planning::Exists { reference } => json!({"status": "exists", "reference": reference}),
        Planning::Create {
            title,
            project,
            done,
        } => json!({
            "status": match done {
                _ if dry_run => "create",
                None => "created",
                Some(d) if d.starts_with("created") => "created",
                Some(_) => "not_created",
            },
            "title": title, "project": project, "result": done,
        }),
        Planning::NoMilestone => json!({"status": "no_milestone"}),
        Planning::Cannot(why) => json!({"status": "cannot", "reason": why}),
    };
    let out = json!({
        "dry_run": dry_run,
        "length_days": plan.length_days,
        "pattern": plan.pattern,
        "milestones": slots,
        "planning_issue": planning,
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::cadence::NewMilestone;

    fn day(d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2025, 11, d).unwrap()
    }

    fn new(title: &str) -> Slot {
        Slot::Create(NewMilestone {
            title: title.into(),
            start_date: day(17),
            due_date: day(30),
        })
    }

    #[test]
    fn a_milestone_made_is_told_as_made_refused_or_not_made() {
        let created = vec![
            ("W47".to_owned(), None),
            (
                "W49".to_owned(),
                Some("GitLab refused: title taken".to_owned()),
            ),
        ];
        assert_eq!(
            slot_line(&new("W47"), &created, false),
            "  + W47  (2025-11-17 → 2025-11-30: created)"
        );
        assert_eq!(
            slot_line(&new("W49"), &created, false),
            "  + W49  (2025-11-17 → 2025-11-30: GitLab refused: title taken)"
        );
        assert_eq!(
            slot_line(&new("W51"), &created, false),
            "  + W51  (2025-11-17 → 2025-11-30: not created)"
        );
        // A dry run makes nothing, whatever was asked.
        assert_eq!(
            slot_line(&new("W47"), &created, true),
            "  + W47  (2025-11-17 → 2025-11-30: would create)"
        );
    }

    #[test]
    fn an_existing_or_colliding_milestone_is_told_with_its_start() {
        let exists = Slot::Exists {
            title: "W45".into(),
            start_date: day(3),
        };
        assert_eq!(
            slot_line(&exists, &[], false),
            "  = W45  (from 2025-11-03: exists)"
        );
        let collides = Slot::Collides {
            title: "W47".into(),
            start_date: day(17),
            taken_by: "Gitaly's W47".into(),
            suggestion: "Datastores {week}".into(),
        };
        assert_eq!(
            slot_line(&collides, &[], true),
            "  ! W47  (from 2025-11-17: the title is taken by Gitaly's W47; nothing created. Set milestone_title = \"Datastores {week}\" to avoid it)"
        );
    }
}
