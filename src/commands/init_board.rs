//! `glboard init --board URL [--board URL]`: the config written from the
//! team's GitLab boards (their scope, label lists, limits and the
//! milestones in use), shown before it is written.

use std::path::Path;

use super::{EX_OK, EX_USAGE, Failure, fail, runtime};
use crate::config::{self, ConfigError};
use crate::core::domain::board_setup::{self, FoundBoard, List};
use crate::gitlab::{Client, GitlabError};

/// Read the boards, show what they say, write the config to `path`
/// (never over an existing file; `dry_run` only prints it).
pub fn init_from_boards(path: &Path, urls: &[String], dry_run: bool) -> Result<u8, Failure> {
    let parsed = urls
        .iter()
        .map(|u| board_setup::parse_board_url(u).map_err(|e| fail(EX_USAGE, e)))
        .collect::<Result<Vec<_>, _>>()?;
    let first = parsed
        .first()
        .ok_or_else(|| fail(EX_USAGE, "no --board given"))?;
    if let Some(other) = parsed.iter().find(|u| u.host != first.host) {
        return Err(fail(
            EX_USAGE,
            format!(
                "the boards are on different hosts ({} and {})",
                first.host, other.host
            ),
        ));
    }
    if !dry_run && path.exists() {
        return Err(fail(
            EX_USAGE,
            ConfigError::Exists {
                path: path.to_owned(),
            }
            .to_string(),
        ));
    }
    config::check_host(&first.host).map_err(|e| fail(EX_USAGE, e.to_string()))?;
    // The token as every command finds it (GITLAB_TOKEN, the keyring,
    // glab's login; token_command too when a config for this host is there).
    let existing = config::load(path).ok().filter(|c| {
        c.host
            .eq_ignore_ascii_case(first.host.trim_end_matches('/'))
    });
    let creds = crate::credentials::find_for(&first.host, existing.as_ref(), path)?;
    // Under the command's budget, as every command that asks GitLab.
    let mut client = Client::new(&first.host, &creds.token, super::cli_policy())
        .map_err(|e| fail(EX_USAGE, e.to_string()))?
        .with_silence(super::command_silence());
    if creds.oauth {
        client = client
            .sending_as(crate::gitlab::TokenKind::Oauth, &creds.token)
            .map_err(|e| fail(EX_USAGE, e.to_string()))?;
    }
    let rt = runtime()?;
    let gitlab = |e: GitlabError| match e {
        GitlabError::NotFound(what) => fail(
            EX_USAGE,
            format!(
                "not found on GitLab: {what} (is the address right, and can the token see it?)"
            ),
        ),
        GitlabError::Unauthorized => fail(EX_USAGE, "GitLab rejects the token (401)"),
        e => super::gitlab_failure(e),
    };
    let mut found = Vec::new();
    for url in &parsed {
        let (board, lists) = rt
            .block_on(async {
                let board = match client.group_board(&url.group, url.board_id).await {
                    // The group is there but not this board: name the
                    // boards it has, as GitLab's boards page would.
                    Err(GitlabError::NotFound(what)) if what.contains(" has no board ") => {
                        let theirs = client
                            .group_boards(&url.group)
                            .await
                            .map(|bs| {
                                bs.iter()
                                    .map(|b| {
                                        format!(
                                            "{} \"{}\"",
                                            b.id,
                                            crate::core::domain::sanitize::line(&b.name)
                                        )
                                    })
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            })
                            .unwrap_or_default();
                        let what = if theirs.is_empty() {
                            what
                        } else {
                            format!("{what}; its boards: {theirs}")
                        };
                        return Err(GitlabError::NotFound(what));
                    }
                    r => r?,
                };
                let lists = client.board_lists(&url.group, url.board_id).await?;
                Ok::<_, GitlabError>((board, lists))
            })
            .map_err(gitlab)?;
        // Work item status lists (GitLab 18.2+) are not lanes glboard reads.
        if lists
            .iter()
            .any(crate::gitlab::dto::ApiList::is_status_list)
        {
            return Err(fail(
                EX_USAGE,
                format!(
                    "board \"{}\" has work item status lists (GitLab 18.2+), which glboard does not support yet: its lanes are workflow labels. Give a board whose lists are the team's workflow labels, or write the lanes in the config by hand (README: Configuration)",
                    crate::core::domain::sanitize::line(&board.name)
                ),
            ));
        }
        // GitLab's text, sanitized as everywhere it enters: it is printed.
        let clean = |t: &str| crate::core::domain::sanitize::line(t);
        found.push(FoundBoard {
            url: url.clone(),
            name: clean(&board.name),
            scope_labels: board.labels.iter().map(|l| clean(&l.name)).collect(),
            scope_milestone: board.milestone.map(|m| clean(&m.title)),
            lists: lists
                .into_iter()
                .filter_map(|l| {
                    Some(List {
                        label: clean(&l.label?.name),
                        position: l.position.unwrap_or(0),
                        // A limit counts only where the list's metric
                        // says so (`limit_metric`; none: both).
                        max_issue_count: match l.limit_metric.as_deref() {
                            Some("issue_weights") => 0,
                            _ => l.max_issue_count.unwrap_or(0),
                        },
                        max_issue_weight: match l.limit_metric.as_deref() {
                            Some("issue_count") => 0,
                            _ => l.max_issue_weight.unwrap_or(0),
                        },
                    })
                })
                .collect(),
        });
    }
    let (scope, team_label) = board_setup::scope_and_team(&found).map_err(|e| fail(EX_USAGE, e))?;
    let group = &first.group;
    // The group's labels of the lanes' scope: the backlog lane (Triage)
    // when the backlog board is not given.
    let lane_prefix = format!("{scope}::");
    let scope_labels: Vec<String> = rt
        .block_on(client.group_labels(group, &lane_prefix))
        .map_err(gitlab)?
        .into_iter()
        .filter(|l| l.starts_with(&lane_prefix))
        .collect();
    // The milestone prefix, when neither an address nor a board names a
    // milestone: from the milestones of the team's own issues.
    let named = found
        .iter()
        .any(|b| b.url.milestone_title.is_some() || b.scope_milestone.is_some());
    let team_milestones = if named {
        Vec::new()
    } else {
        rt.block_on(team_milestones(&client, group, &team_label))
            .map_err(gitlab)?
    };
    let seen = board_setup::Seen {
        scope_labels,
        team_milestones,
    };
    let setup = board_setup::derive(&found, &seen).map_err(|e| fail(EX_USAGE, e))?;
    // What was found, before anything is written.
    println!("From GitLab's boards:");
    for b in &found {
        println!(
            "  board {} \"{}\" in {}",
            b.url.board_id, b.name, b.url.group
        );
    }
    println!("  team label        {}", setup.team_label);
    println!(
        "  lanes             {}::{{{}}}",
        setup.workflow_scope,
        setup.lanes.join(", ")
    );
    println!(
        "  backlog, ready, doing, done   {}, {}, {}, {}",
        setup.backlog_lane, setup.ready_lane, setup.doing_lane, setup.done_lane
    );
    if !setup.wip.is_empty() {
        let wip: Vec<String> = setup.wip.iter().map(|(l, n)| format!("{l} {n}")).collect();
        println!("  WIP limits        {}", wip.join(", "));
    }
    if !setup.wip_weight.is_empty() {
        let wip: Vec<String> = setup
            .wip_weight
            .iter()
            .map(|(l, n)| format!("{l} w{n}"))
            .collect();
        println!("  weight limits     {}", wip.join(", "));
    }
    if !named {
        println!("  milestones seen   {}", seen_line(&seen.team_milestones));
    }
    println!(
        "  milestone prefix  {:?} ({})",
        setup.milestone_prefix,
        setup.prefix_from.describe()
    );
    let text = board_setup::config_text(&setup, &found);
    if dry_run {
        println!();
        print!("{text}");
        return Ok(EX_OK);
    }
    if let Some(dir) = path.parent() {
        crate::fsutil::create_private_dir(dir).map_err(|e| {
            fail(
                super::EX_FAILURE,
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
    }
    crate::fsutil::write_private(path, text.as_bytes()).map_err(|e| {
        fail(
            super::EX_FAILURE,
            format!("cannot write {}: {e}", path.display()),
        )
    })?;
    println!("wrote {}", path.display());
    println!("run glboard (GITLAB_TOKEN set) to open the iteration board");
    Ok(EX_OK)
}

/// How many recent days of the team's issues tell its milestones.
const RECENT_DAYS: i64 = 120;

/// The milestones of the team's issues (those with the team label)
/// updated in the last [`RECENT_DAYS`], open or closed: each title with
/// how many of them it holds, most first.
async fn team_milestones(
    client: &Client,
    group: &str,
    team_label: &str,
) -> Result<Vec<(String, usize)>, GitlabError> {
    let since = chrono::Utc::now() - chrono::Duration::days(RECENT_DAYS);
    let issues = client
        .group_issues(
            group,
            &[
                ("labels", team_label.to_owned()),
                ("milestone", "Any".to_owned()),
                ("state", "all".to_owned()),
                (
                    "updated_after",
                    since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ),
            ],
            &|_, _| {},
        )
        .await?;
    let titles: std::collections::HashMap<u64, String> = client
        .group_milestones(group)
        .await?
        .into_iter()
        .map(|m| (m.id, crate::core::domain::sanitize::line(&m.title)))
        .collect();
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for m in issues.iter().filter_map(|i| i.milestone.as_ref()) {
        if let Some(t) = titles.get(&m.id) {
            *counts.entry(t).or_default() += 1;
        }
    }
    let mut out: Vec<(String, usize)> =
        counts.into_iter().map(|(t, n)| (t.to_owned(), n)).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

/// `W45 (12 issues), W47 (3), … and 4 more`, or that there are none.
fn seen_line(milestones: &[(String, usize)]) -> String {
    const SHOWN: usize = 5;
    if milestones.is_empty() {
        return format!("none: no team issue updated in {RECENT_DAYS} days is in a milestone");
    }
    let mut parts: Vec<String> = milestones
        .iter()
        .take(SHOWN)
        .enumerate()
        .map(|(k, (t, n))| match (k, n) {
            (0, 1) => format!("{t} (1 issue)"),
            (0, n) => format!("{t} ({n} issues)"),
            (_, n) => format!("{t} ({n})"),
        })
        .collect();
    if milestones.len() > SHOWN {
        parts.push(format!("and {} more", milestones.len() - SHOWN));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_milestones_seen_are_counted_the_first_in_words() {
        let seen = |ms: &[(&str, usize)]| {
            seen_line(
                &ms.iter()
                    .map(|(t, n)| ((*t).to_owned(), *n))
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(seen(&[("W45", 1)]), "W45 (1 issue)");
        assert_eq!(seen(&[("W45", 12), ("W47", 3)]), "W45 (12 issues), W47 (3)");
        let many = [
            ("a", 9),
            ("b", 8),
            ("c", 7),
            ("d", 6),
            ("e", 5),
            ("f", 4),
            ("g", 3),
        ];
        assert_eq!(
            seen(&many),
            "a (9 issues), b (8), c (7), d (6), e (5), and 2 more"
        );
        assert_eq!(
            seen(&[]),
            format!("none: no team issue updated in {RECENT_DAYS} days is in a milestone")
        );
    }
}
