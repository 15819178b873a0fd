//! `glboard doctor`: each check as ok/FAIL with the fix.

use chrono::{NaiveDate, Utc};

use super::{EX_FAILURE, EX_OK, EX_TEMPFAIL, EX_USAGE, Failure, Live, runtime};
use crate::cli::Cli;
use crate::core::domain::iteration;
use crate::core::domain::lane_labels::LaneLabels;
use crate::core::domain::model::{Issue, IssueState, TeamConfig, Workspace};

/// `glboard doctor`: each check as ok/fail with a fix. Exit 1 when a
/// check fails, 75 when GitLab did not answer (or could not be reached)
/// and nothing else failed.
pub fn doctor(cli: &Cli) -> Result<u8, Failure> {
    let mut bad = 0;
    // GitLab did not answer: the checks that ask it are not made.
    let mut silent: Option<String> = None;
    let mut line = |ok: bool, what: &str, detail: String| {
        if !ok {
            bad += 1;
        }
        println!("{} {what}: {detail}", if ok { "ok  " } else { "FAIL" });
    };
    let live = match Live::open(cli) {
        Ok(Some(l)) => {
            line(
                true,
                "config",
                format!(
                    "{} (host {}, group {})",
                    l.cfg.path.display(),
                    l.cfg.host,
                    l.cfg.file.group
                ),
            );
            l
        }
        Ok(None) => {
            line(
                false,
                "config",
                "none found: run `glboard init --group PATH` (glboard shows the demo until then)"
                    .into(),
            );
            return Ok(EX_USAGE);
        }
        Err(f) => {
            line(false, "config", f.message);
            return Ok(EX_USAGE);
        }
    };
    let client = match live.client() {
        Ok(c) => {
            let from = crate::credentials::find(&live.cfg)
                .map_or_else(|_| "found".to_owned(), |c| format!("from {}", c.source));
            line(true, "token", from);
            Some(c)
        }
        Err(f) => {
            line(false, "token", f.message);
            None
        }
    };
    if let Some(client) = &client {
        let rt = runtime()?;
        match rt.block_on(client.current_user()) {
            Ok(u) => line(
                true,
                "GitLab",
                format!("{} answers; the token is @{}'s", live.cfg.host, u.username),
            ),
            Err(e) => {
                if e.is_offline() {
                    silent = Some(e.to_string());
                }
                line(false, "GitLab", format!("{e}"));
            }
        }
    }
    let client = client.filter(|_| silent.is_none());
    if let Some(client) = client {
        let rt = runtime()?;
        let group = &live.cfg.file.group;
        let scope = format!("{}::", live.cfg.file.workflow_scope);
        // GitLab's label search matches anywhere in the name: keep the
        // labels of the workflow scope only.
        match rt.block_on(client.group_labels(group, &scope)) {
            Ok(found) => {
                let lanes: Vec<String> = found
                    .into_iter()
                    .filter(|l| l.starts_with(&scope))
                    .collect();
                line(
                    true,
                    "group",
                    format!("{group} is visible; {} lane labels ({scope}*)", lanes.len()),
                );
                if live.cfg.file.lanes.is_some() {
                    let team = live.cfg.team(&[]);
                    // Lanes are followed by label id: a renamed one is
                    // still the lane (the cache knows its id).
                    let known = live
                        .store()
                        .and_then(|s| Ok(s.lane_labels()?))
                        .unwrap_or_default();
                    for (ok, detail) in lane_findings(&team, &lanes, &known, group) {
                        line(ok, "lane", detail);
                    }
                }
            }
            Err(e) => line(false, "group", e.to_string()),
        }
        let team_label = &live.cfg.file.team_label;
        let search = team_label
            .split_once("::")
            .map_or(team_label.as_str(), |(s, _)| s);
        match rt.block_on(client.group_labels(group, search)) {
            Ok(found) => {
                let (ok, detail) = team_label_finding(team_label, &found, group);
                line(ok, "team label", detail);
            }
            Err(e) => line(false, "team label", e.to_string()),
        }
    }
    match live.store().and_then(|s| {
        Ok((
            s.load()?,
            s.outbox_queued()?.len(),
            s.outbox_failed()?.len(),
        ))
    }) {
        Ok((snap, q, f)) => {
            match snap {
                Some(s) => {
                    line(
                        true,
                        "cache",
                        format!(
                            "{} ({} issues, synced {})",
                            live.store_path.display(),
                            s.ws.issues.len(),
                            s.meta.synced_at.map_or("never".into(), |t| {
                                crate::core::app::session::age(t, Utc::now())
                            })
                        ),
                    );
                    let (ok, detail) = iteration_check(&s.ws, &live.team(&s), cli.today());
                    line(ok, "iteration", detail);
                    // A warning, not a failure: the board works without it.
                    for w in live.cfg.capacity_warnings(&s.ws.members) {
                        println!("warn capacity: {w}");
                    }
                }
                None => line(false, "cache", "empty: run `glboard sync`".into()),
            }
            line(
                f == 0,
                "pending changes",
                format!(
                    "{q} queued, {f} refused{}",
                    if f > 0 { " (glboard pending)" } else { "" }
                ),
            );
        }
        Err(e) => line(false, "cache", e.message),
    }
    Ok(status(bad, silent.is_some()))
}

/// Exit 0 when every check passed; 75 when the one that failed is GitLab
/// not answering (the checks that ask it were not made); else 1.
fn status(failed: usize, gitlab_silent: bool) -> u8 {
    match (failed, gitlab_silent) {
        (0, _) => EX_OK,
        (1, true) => EX_TEMPFAIL,
        _ => EX_FAILURE,
    }
}

/// What each configured lane's label is on GitLab, when it is not simply
/// there (`on_gitlab`: the group's labels of the workflow scope): renamed
/// (fine: followed by the id the cache `known`s), or missing, with the
/// label it may have meant.
fn lane_findings(
    team: &TeamConfig,
    on_gitlab: &[String],
    known: &LaneLabels,
    group: &str,
) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    for lane in &team.lanes {
        let label = team.lane_label(lane);
        if let Some(now) = known
            .lanes
            .get(&label)
            .filter(|l| l.title != label && on_gitlab.contains(&l.title))
        {
            out.push((
                true,
                format!(
                    "{label} is called {} on GitLab now: glboard follows it by its id; rename it in `lanes` when you like",
                    now.title
                ),
            ));
        } else if !on_gitlab.contains(&label) {
            out.push((
                false,
                format!(
                    "{label} is not a label of {group}{}: fix `lanes` in the config",
                    did_you_mean(&label, on_gitlab)
                ),
            ));
        }
    }
    out
}

/// Whether the team label is among the group's labels `found`.
fn team_label_finding(team_label: &str, found: &[String], group: &str) -> (bool, String) {
    if found.iter().any(|l| l == team_label) {
        (true, format!("{team_label} exists"))
    } else {
        (
            false,
            format!(
                "{team_label} is not a label of {group}{}: fix `team_label` in the config",
                did_you_mean(team_label, found)
            ),
        )
    }
}

/// The current iteration holds team issues when the team has open ones;
/// else `milestone_prefix` names another team's milestones (or none), and
/// the board is empty though `sync` succeeds.
fn iteration_check(ws: &Workspace, team: &TeamConfig, today: NaiveDate) -> (bool, String) {
    let ours: Vec<&Issue> = ws
        .issues
        .iter()
        .filter(|i| i.has_label(&team.team_label))
        .collect();
    let open = ours
        .iter()
        .filter(|i| i.state == IssueState::Opened)
        .count();
    let prefix = &team.milestone_prefix;
    // Where the team's open issues are instead, most first.
    let elsewhere = || {
        let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
        for i in ours.iter().filter(|i| i.state == IssueState::Opened) {
            if let Some(m) = i.milestone_id.and_then(|m| ws.milestone(m)) {
                *by.entry(m.title.as_str()).or_default() += 1;
            }
        }
        let mut v: Vec<(&str, usize)> = by.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        if v.is_empty() {
            String::new()
        } else {
            let top: Vec<String> = v
                .iter()
                .take(3)
                .map(|(t, n)| format!("{t} ({n})"))
                .collect();
            format!("; its open issues are in {}", top.join(", "))
        }
    };
    let current = iteration::pick(&ws.milestones, team, today)
        .current
        .and_then(|id| ws.milestone(id));
    match current {
        Some(m) => {
            let n = ours.iter().filter(|i| i.milestone_id == Some(m.id)).count();
            if n > 0 || open == 0 {
                (true, format!("{} holds {n} team issues", m.title))
            } else {
                (
                    false,
                    format!(
                        "the current iteration {} (milestone_prefix {prefix:?}) holds no team issue while the team has {open} open issues{}: set milestone_prefix to the start of the team's iteration milestones' titles",
                        m.title,
                        elsewhere()
                    ),
                )
            }
        }
        None if open > 0 => (
            false,
            format!(
                "no open milestone's title starts with milestone_prefix {prefix:?} while the team has {open} open issues{}: fix milestone_prefix",
                elsewhere()
            ),
        ),
        None => (true, "no current iteration, and no open team issue".into()),
    }
}

/// ` (did you mean X?)` for the closest of `known`, when one is close.
fn did_you_mean(wanted: &str, known: &[String]) -> String {
    known
        .iter()
        .map(|k| {
            (
                strsim::normalized_levenshtein(&wanted.to_lowercase(), &k.to_lowercase()),
                k,
            )
        })
        .filter(|(score, _)| *score >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or(String::new(), |(_, k)| format!(" (did you mean {k}?)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::lane_labels::LaneLabel;
    use crate::core::testing::state;

    #[test]
    fn an_iteration_without_team_issues_fails_while_the_team_has_open_ones() {
        let s = state();
        let today = s.session.today;
        let (ok, detail) = iteration_check(&s.ws, &s.team, today);
        assert!(ok, "{detail}");
        // The prefix of another team that plans in the group.
        let mut other = s.team.clone();
        let mut ws = s.ws.clone();
        for m in ws.milestones.clone() {
            let mut o = m.clone();
            o.id = m.id + 1000;
            o.title = format!("Gitaly - {}", m.title);
            ws.milestones.push(o);
        }
        other.milestone_prefix = "Gitaly - ".into();
        let (ok, detail) = iteration_check(&ws, &other, today);
        assert!(!ok, "{detail}");
        assert!(
            detail.contains("holds no team issue") && detail.contains("its open issues are in"),
            "{detail}"
        );
        // A prefix no milestone has.
        other.milestone_prefix = "Nobody - ".into();
        let (ok, detail) = iteration_check(&ws, &other, today);
        assert!(!ok && detail.contains("no open milestone"), "{detail}");
        // No open team issue: nothing to say.
        for i in &mut ws.issues {
            i.state = crate::core::domain::model::IssueState::Closed;
        }
        assert!(iteration_check(&ws, &other, today).0);
    }

    #[test]
    fn near_misses_are_named() {
        let known = vec![
            "team::Datastores".to_owned(),
            "workflow-infra::Under Review".to_owned(),
        ];
        assert_eq!(
            did_you_mean("team::Datastore", &known),
            " (did you mean team::Datastores?)"
        );
        assert_eq!(
            did_you_mean("workflow-infra::Under Reveiw", &known),
            " (did you mean workflow-infra::Under Review?)"
        );
        assert_eq!(did_you_mean("team::Gitaly", &known), "");
    }

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn every_lane_label_there_is_nothing_to_say() {
        let t = crate::core::testing::team();
        let all: Vec<String> = t.lanes.iter().map(|l| t.lane_label(l)).collect();
        assert!(lane_findings(&t, &all, &LaneLabels::default(), "grp").is_empty());
    }

    #[test]
    fn a_lane_renamed_on_gitlab_is_fine_and_a_missing_one_fails_with_a_near_miss() {
        let mut t = crate::core::testing::team();
        t.lanes = labels(&["Ready", "In Progress", "Done"]);
        // In Progress was renamed Doing on GitLab (the cache knows its id);
        // Done is spelt Dones.
        let on_gitlab = labels(&[
            "workflow-infra::Ready",
            "workflow-infra::Doing",
            "workflow-infra::Dones",
        ]);
        let mut known = LaneLabels::default();
        known.lanes.insert(
            "workflow-infra::In Progress".into(),
            LaneLabel {
                id: 9,
                title: "workflow-infra::Doing".into(),
            },
        );
        assert_eq!(
            lane_findings(&t, &on_gitlab, &known, "grp"),
            vec![
                (
                    true,
                    "workflow-infra::In Progress is called workflow-infra::Doing on GitLab now: glboard follows it by its id; rename it in `lanes` when you like".to_owned()
                ),
                (
                    false,
                    "workflow-infra::Done is not a label of grp (did you mean workflow-infra::Dones?): fix `lanes` in the config".to_owned()
                ),
            ]
        );
        // Renamed to a title the group no longer has: missing, not renamed.
        let gone = labels(&["workflow-infra::Ready", "workflow-infra::Done"]);
        let found = lane_findings(&t, &gone, &known, "grp");
        assert_eq!(found.len(), 1);
        assert!(
            !found[0].0
                && found[0]
                    .1
                    .starts_with("workflow-infra::In Progress is not a label of grp")
        );
    }

    #[test]
    fn the_team_label_is_found_or_a_near_miss_named() {
        let found = labels(&["team::Datastores", "team::Gitaly"]);
        assert_eq!(
            team_label_finding("team::Datastores", &found, "grp"),
            (true, "team::Datastores exists".into())
        );
        assert_eq!(
            team_label_finding("team::Datastore", &found, "grp"),
            (
                false,
                "team::Datastore is not a label of grp (did you mean team::Datastores?): fix `team_label` in the config".into()
            )
        );
        let (ok, detail) = team_label_finding("team::Search", &[], "grp");
        assert!(
            !ok && detail == "team::Search is not a label of grp: fix `team_label` in the config"
        );
    }

    #[test]
    fn doctor_exits_75_only_when_gitlab_not_answering_is_all_that_failed() {
        assert_eq!(status(0, false), EX_OK);
        assert_eq!(status(0, true), EX_OK);
        assert_eq!(status(1, true), EX_TEMPFAIL);
        assert_eq!(status(1, false), EX_FAILURE);
        assert_eq!(status(2, true), EX_FAILURE);
    }
}
