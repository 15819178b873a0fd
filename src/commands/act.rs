//! The action commands (`take`, `promote`, `move`, `assign`, `unassign`,
//! `milestone`, `weight`, `close`, `reopen`): their arguments are mapped
//! onto the core's workflow (the one the board uses), the change is queued
//! in the outbox, sent (or left to the glboard process that is sending),
//! and GitLab's answer decides the exit code.

use super::{
    EX_FAILURE, EX_OK, EX_TEMPFAIL, EX_USAGE, Failure, Live, deliver, fail, find_milestone,
    find_user, resolve, worst,
};
use crate::cli::Cli;
use crate::core::domain::board;
use crate::core::domain::edit::{Change, Seen};
use crate::core::domain::iteration;
use crate::core::domain::model::{TeamConfig, Workspace};
use crate::core::domain::workflow::{self, Intent, Refusal};
use crate::gitlab::GitlabError;
use crate::store::{self, Store};

/// What an action command asks.
pub enum Act {
    Promote { to: String },
    Take,
    Move { lane: String },
    Assign { users: Vec<String> },
    Unassign { users: Vec<String> },
    Milestone { milestone: String },
    Weight { weight: String },
    Close,
    Reopen,
    Comment { text: String },
}

/// The workflow's intent for the command's arguments (unknown names are
/// usage errors).
fn intent(
    act: &Act,
    ws: &Workspace,
    team: &TeamConfig,
    today: chrono::NaiveDate,
) -> Result<Intent, Failure> {
    let users = |names: &[String]| {
        names
            .iter()
            .map(|u| find_user(ws, u).map(|u| u.id))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(match act {
        Act::Promote { to } => Intent::Promote(find_milestone(&ws.milestones, team, today, to)?.id),
        Act::Take => Intent::Take,
        Act::Move { lane } => {
            // The board's Closed list: closed, lane labels removed (as the
            // board's move does; `close` keeps them, as the issue page).
            if lane.eq_ignore_ascii_case("closed")
                && !team.lanes.iter().any(|l| l.eq_ignore_ascii_case(lane))
            {
                return Ok(Intent::ToClosed);
            }
            let Some(l) = team.lanes.iter().find(|l| l.eq_ignore_ascii_case(lane)) else {
                return Err(fail(
                    EX_USAGE,
                    format!("no lane {lane:?}; lanes: {}", team.lanes.join(", ")),
                ));
            };
            Intent::Lane(l.clone())
        }
        Act::Assign { users: u } => Intent::Assign(users(u)?),
        Act::Unassign { users: u } => Intent::Unassign(users(u)?),
        Act::Milestone { milestone } if milestone.eq_ignore_ascii_case("none") => {
            Intent::Milestone(None)
        }
        Act::Milestone { milestone } => Intent::Milestone(Some(
            find_milestone(&ws.milestones, team, today, milestone)?.id,
        )),
        Act::Weight { weight } if weight.eq_ignore_ascii_case("none") => Intent::Weight(None),
        Act::Weight { weight } => Intent::Weight(Some(weight.parse::<u32>().map_err(|_| {
            fail(
                EX_USAGE,
                format!("weight {weight:?}: a whole number, or none"),
            )
        })?)),
        Act::Close => Intent::Close,
        Act::Reopen => Intent::Reopen,
        Act::Comment { text } => Intent::Comment(text.clone()),
    })
}

/// Run an action on one or several issues: queued in the outbox as one
/// batch, the queue sent, a line per issue, one exit status for all.
pub fn act(cli: &Cli, references: &[String], act: Act) -> Result<u8, Failure> {
    match references {
        [one] => act_one(cli, one, act),
        [] => Err(fail(EX_USAGE, "name at least one issue")),
        many => act_many(cli, many, act),
    }
}

fn act_many(cli: &Cli, references: &[String], act: Act) -> Result<u8, Failure> {
    let today = cli.today();
    let Some(live) = Live::open(cli)? else {
        return Err(fail(
            EX_USAGE,
            "no configuration: run glboard init first (actions need GitLab)",
        ));
    };
    live.token()?;
    let store = live.store()?;
    let (ws, team) = live.seen(&store, today)?;
    if let Act::Assign { users } = &act
        && users.is_empty()
    {
        return Err(fail(EX_USAGE, "name the people to assign: --user USER"));
    }
    let what = intent(&act, &ws, &team, today)?;
    let ambiguous = board::ambiguous_iids(&ws);
    let ctx = workflow::Context {
        team: &team,
        milestones: &ws.milestones,
        members: &ws.members,
        me: ws.me.as_ref(),
        current: iteration::pick(&ws.milestones, &team, today).current,
        free_tier: ws.free_tier,
        command_line: true,
    };
    let mut code = EX_OK;
    let mut changes = Vec::new();
    // Every reference first: one unknown does not stop the others.
    for r in references {
        let issue = match resolve(&ws, &team, r) {
            Ok(i) => i.clone(),
            Err(f) => {
                eprintln!("{r}: {}", f.message);
                code = worst(code, f.code);
                continue;
            }
        };
        let name = board::short_ref(&ws, &issue, &ambiguous);
        match workflow::plan(&ctx, &issue, &name, &what) {
            Ok(p) => changes.push(Change {
                issue: issue.id,
                project: issue.project_id,
                iid: issue.iid,
                seen: Seen::of(&issue, &team),
                edit: p.edit,
                summary: p.summary,
                ..Change::default()
            }),
            Err(Refusal::NothingToChange) => println!("nothing to change: {name}"),
            Err(Refusal::Invalid(why)) => {
                eprintln!("{name}: {why}");
                code = worst(code, EX_FAILURE);
            }
            Err(Refusal::Unsupported(why)) => {
                eprintln!("{name}: {why}");
                code = worst(code, EX_USAGE);
            }
        }
    }
    if changes.is_empty() {
        return Ok(code);
    }
    // One batch, in one transaction.
    let ids = store.enqueue(&changes)?;
    let d = deliver(&live, &store, &team, ws.me.as_ref(), &ids)?;
    for (c, id) in changes.iter().zip(&ids) {
        if let Some((_, reason)) = d.refused.iter().find(|(r, _)| r == id) {
            eprintln!(
                "{}: {} (glboard pending retry {id} sends it again, discard {id} drops it)",
                c.summary,
                crate::core::domain::conflict::problem_text(reason)
            );
            code = worst(code, EX_FAILURE);
        } else if d.queued.contains(id) {
            eprintln!("{}: queued, not sent yet", c.summary);
            // A token GitLab rejects is the user's to fix: a usage error,
            // as for one reference.
            code = worst(
                code,
                if d.waiting == Some(GitlabError::Unauthorized) {
                    EX_USAGE
                } else {
                    EX_TEMPFAIL
                },
            );
        } else if let Some((_, what)) = d.not_kept.iter().find(|(k, _)| k == id) {
            // Applied in part: what GitLab kept is what is said.
            eprintln!("{}: applied in part: {what}", c.summary);
            code = worst(code, EX_FAILURE);
        } else {
            println!("{}", c.summary);
            nowhere(&ws, &team, c);
        }
    }
    for text in &d.said {
        println!("GitLab: {text}");
    }
    if !d.queued.is_empty() {
        let why = d
            .waiting
            .map_or("an earlier change is waiting".to_owned(), |e| e.to_string());
        eprintln!(
            "{} queued: {why}. glboard or `glboard sync` will send them.",
            d.queued.len()
        );
    }
    Ok(code)
}

/// Says where an issue went that the change leaves on neither board (a
/// lane past Ready with no milestone), and how to give it a milestone.
fn nowhere(ws: &Workspace, team: &TeamConfig, c: &Change) {
    let Some(mut issue) = ws.issue(c.issue).cloned() else {
        return;
    };
    crate::core::domain::edit::apply(&mut issue, &c.edit, &ws.members);
    if board::on_no_board(team, &issue) {
        let name = board::short_ref(ws, &issue, &board::ambiguous_iids(ws));
        eprintln!(
            "{name} has no milestone, so it is on neither board: `glboard milestone {name} current` gives it one"
        );
    }
}

/// Run an action on one issue: queue it in the outbox, send the queue, report.
fn act_one(cli: &Cli, reference: &str, act: Act) -> Result<u8, Failure> {
    let today = cli.today();
    let Some(live) = Live::open(cli)? else {
        return Err(fail(
            EX_USAGE,
            "no configuration: run glboard init first (actions need GitLab)",
        ));
    };
    // The token first: without one nothing is queued.
    live.token()?;
    let not_made = |e: store::StoreError| {
        fail(
            EX_FAILURE,
            format!("{e}\nthe change was not made: it is neither saved nor sent"),
        )
    };
    let store = match Store::open_or_set_aside(&live.store_path) {
        Ok((store, warning)) => {
            if let Some(w) = warning {
                eprintln!("glboard: warning: {w}");
            }
            store
        }
        Err(e) => return Err(not_made(e)),
    };
    // As the user sees it: with every change queued (by any process).
    let (ws, team) = live.seen(&store, today)?;
    let issue = resolve(&ws, &team, reference)?.clone();
    if let Act::Assign { users } = &act
        && users.is_empty()
    {
        return Err(fail(
            EX_USAGE,
            "name the people to assign: assign REF USER..., or assign REF... --user USER",
        ));
    }
    let what = intent(&act, &ws, &team, today)?;
    // Named as the board and `print` name it: `#123`, or `project#123`
    // when the iid alone is ambiguous.
    let name = board::short_ref(&ws, &issue, &board::ambiguous_iids(&ws));
    let ctx = workflow::Context {
        team: &team,
        milestones: &ws.milestones,
        members: &ws.members,
        me: ws.me.as_ref(),
        current: iteration::pick(&ws.milestones, &team, today).current,
        free_tier: ws.free_tier,
        command_line: true,
    };
    let planned = match workflow::plan(&ctx, &issue, &name, &what) {
        Ok(p) => p,
        Err(Refusal::NothingToChange) => {
            println!("nothing to change: {name}");
            return Ok(EX_OK);
        }
        Err(Refusal::Invalid(why)) => return Err(fail(EX_FAILURE, why)),
        Err(Refusal::Unsupported(why)) => return Err(fail(EX_USAGE, why)),
    };
    let change = Change {
        issue: issue.id,
        project: issue.project_id,
        iid: issue.iid,
        seen: Seen::of(&issue, &team),
        edit: planned.edit,
        summary: planned.summary.clone(),
        ..Change::default()
    };
    let change_done = change.clone();
    let ids = store.enqueue(&[change]).map_err(not_made)?;
    let d = deliver(&live, &store, &team, ws.me.as_ref(), &ids)?;
    if let Some((_, what)) = d.not_kept.first() {
        // Applied in part: what GitLab kept is what is said.
        return Err(fail(
            EX_FAILURE,
            format!("{}: applied in part: {what}", planned.summary),
        ));
    }
    if !d.sent.is_empty() {
        println!("{}", planned.summary);
        nowhere(&ws, &team, &change_done);
        for text in &d.said {
            println!("GitLab: {text}");
        }
        return Ok(EX_OK);
    }
    if let Some((id, reason)) = d.refused.first() {
        return Err(fail(
            EX_FAILURE,
            format!(
                "{} (glboard pending retry {id} sends it again, discard {id} drops it)",
                crate::core::domain::conflict::problem_text(reason)
            ),
        ));
    }
    if d.waiting == Some(GitlabError::Unauthorized) {
        return Err(fail(
            EX_USAGE,
            "GitLab rejects the token (401): the change is kept in the queue and goes once GITLAB_TOKEN works (glboard sync)",
        ));
    }
    let why = d
        .waiting
        .map_or("an earlier change is waiting".to_owned(), |e| e.to_string());
    Err(fail(
        EX_TEMPFAIL,
        format!("queued, not sent yet: {why}. glboard or `glboard sync` will send it."),
    ))
}

/// A comment's text: `-m TEXT`, `-F FILE`, or `-` (stdin).
pub fn comment_text(
    stdin: Option<&str>,
    message: Option<&str>,
    file: Option<&std::path::Path>,
) -> Result<String, Failure> {
    let text = match (stdin, message, file) {
        (_, Some(m), _) => m.to_owned(),
        (_, None, Some(f)) => std::fs::read_to_string(f)
            .map_err(|e| fail(EX_USAGE, format!("cannot read {}: {e}", f.display())))?,
        (Some("-"), None, None) => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                .map_err(|e| fail(EX_FAILURE, format!("cannot read stdin: {e}")))?;
            s
        }
        (Some(other), None, None) => {
            return Err(fail(
                EX_USAGE,
                format!("{other:?}: give the comment with -m TEXT, -F FILE, or - for stdin"),
            ));
        }
        (None, None, None) => {
            return Err(fail(
                EX_USAGE,
                "no comment: give it with -m TEXT, -F FILE, or - for stdin",
            ));
        }
    };
    if text.trim().is_empty() {
        return Err(fail(EX_USAGE, "empty comment: nothing sent"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{team, workspace};

    fn day() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2025, 11, 5).unwrap()
    }

    fn asked(act: Act) -> Result<Intent, (u8, String)> {
        intent(&act, &workspace(Vec::new()), &team(), day()).map_err(|f| (f.code, f.message))
    }

    #[test]
    fn a_lane_is_named_in_any_case_and_becomes_the_teams_spelling() {
        let to = |lane: &str| asked(Act::Move { lane: lane.into() });
        assert_eq!(to("in progress"), Ok(Intent::Lane("In Progress".into())));
        assert_eq!(to("READY"), Ok(Intent::Lane("Ready".into())));
        // The board's Closed list: closed, lane labels off.
        assert_eq!(to("closed"), Ok(Intent::ToClosed));
        assert_eq!(to("Closed"), Ok(Intent::ToClosed));
        let (code, message) = to("Doing").unwrap_err();
        assert_eq!(code, EX_USAGE);
        assert_eq!(
            message,
            "no lane \"Doing\"; lanes: Triage, Ready, In Progress, Under Review, Blocked, Done, Cancelled"
        );
    }

    #[test]
    fn a_lane_called_closed_is_a_lane_not_the_closed_list() {
        let mut t = team();
        t.lanes.push("Closed".into());
        let i = intent(
            &Act::Move {
                lane: "closed".into(),
            },
            &workspace(Vec::new()),
            &t,
            day(),
        );
        assert_eq!(i.ok(), Some(Intent::Lane("Closed".into())));
    }

    #[test]
    fn a_weight_is_a_whole_number_or_none() {
        let weight = |w: &str| asked(Act::Weight { weight: w.into() });
        assert_eq!(weight("3"), Ok(Intent::Weight(Some(3))));
        assert_eq!(weight("0"), Ok(Intent::Weight(Some(0))));
        assert_eq!(weight("None"), Ok(Intent::Weight(None)));
        for bad in ["-1", "2.5", "three", ""] {
            let (code, message) = weight(bad).unwrap_err();
            assert_eq!(code, EX_USAGE, "{bad:?}");
            assert!(message.ends_with(": a whole number, or none"), "{message}");
        }
    }

    #[test]
    fn a_milestone_is_none_or_one_the_team_has() {
        let to = |m: &str| {
            asked(Act::Milestone {
                milestone: m.into(),
            })
        };
        assert_eq!(to("NONE"), Ok(Intent::Milestone(None)));
        assert_eq!(to("current"), Ok(Intent::Milestone(Some(1))));
        assert_eq!(to("W47"), Ok(Intent::Milestone(Some(2))));
        assert_eq!(to("W99").unwrap_err().0, EX_USAGE);
        let promote = asked(Act::Promote { to: "next".into() });
        assert_eq!(promote, Ok(Intent::Promote(2)));
    }

    #[test]
    fn people_are_group_members_and_an_unknown_one_stops_it() {
        let assign = asked(Act::Assign {
            users: vec!["@zoe".into()],
        });
        assert_eq!(assign, Ok(Intent::Assign(vec![7])));
        let unassign = asked(Act::Unassign {
            users: vec!["ZOE".into()],
        });
        assert_eq!(unassign, Ok(Intent::Unassign(vec![7])));
        let (code, message) = asked(Act::Assign {
            users: vec!["zoe".into(), "@ghost".into()],
        })
        .unwrap_err();
        assert_eq!(
            (code, message.as_str()),
            (EX_USAGE, "no member @ghost in the group")
        );
    }

    #[test]
    fn the_other_actions_map_one_to_one() {
        assert_eq!(asked(Act::Take), Ok(Intent::Take));
        assert_eq!(asked(Act::Close), Ok(Intent::Close));
        assert_eq!(asked(Act::Reopen), Ok(Intent::Reopen));
        assert_eq!(
            asked(Act::Comment {
                text: "/spend 1h".into()
            }),
            Ok(Intent::Comment("/spend 1h".into()))
        );
    }

    #[test]
    fn a_comment_comes_from_m_then_f_then_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("note.md");
        std::fs::write(&file, "from the file\n").unwrap();
        // -m wins over -F and over `-`.
        assert_eq!(
            comment_text(Some("-"), Some("hi"), Some(&file)).unwrap(),
            "hi"
        );
        assert_eq!(
            comment_text(None, None, Some(&file)).unwrap(),
            "from the file\n"
        );
        let missing = dir.path().join("nope.md");
        let f = comment_text(None, None, Some(&missing)).unwrap_err();
        assert_eq!(f.code, EX_USAGE);
        assert!(f.message.starts_with("cannot read "), "{}", f.message);
    }

    #[test]
    fn no_comment_or_an_empty_one_is_a_usage_error() {
        let f = comment_text(None, None, None).unwrap_err();
        assert_eq!(f.code, EX_USAGE);
        assert!(f.message.starts_with("no comment"), "{}", f.message);
        let f = comment_text(Some("note.md"), None, None).unwrap_err();
        assert_eq!(f.code, EX_USAGE);
        assert!(
            f.message.starts_with("\"note.md\": give the comment"),
            "{}",
            f.message
        );
        let f = comment_text(None, Some(" \n\t"), None).unwrap_err();
        assert_eq!(
            (f.code, f.message.as_str()),
            (EX_USAGE, "empty comment: nothing sent")
        );
    }
}
