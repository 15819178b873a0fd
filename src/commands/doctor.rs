//! `glboard doctor`: each check as ok/FAIL with the fix.

use chrono::Utc;

use super::{EX_FAILURE, EX_OK, EX_USAGE, Failure, Live, runtime};
use crate::cli::Cli;

/// `glboard doctor`: each check as ok/fail with a fix.
pub fn doctor(cli: &Cli) -> Result<u8, Failure> {
    let mut bad = 0;
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
            let from = live
                .cfg
                .credentials()
                .map_or_else(|_| "found".to_owned(), |c| format!("from {}", c.source));
            line(true, "token", from);
            Some(c)
        }
        Err(f) => {
            line(false, "token", f.message);
            None
        }
    };
    if let Some(client) = client {
        let rt = runtime()?;
        match rt.block_on(client.current_user()) {
            Ok(u) => line(
                true,
                "GitLab",
                format!("{} answers; the token is @{}'s", live.cfg.host, u.username),
            ),
            Err(e) => line(false, "GitLab", format!("{e}")),
        }
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
                    for lane in &team.lanes {
                        let label = team.lane_label(lane);
                        if let Some(now) = known
                            .lanes
                            .get(&label)
                            .filter(|l| l.title != label && lanes.contains(&l.title))
                        {
                            line(
                                true,
                                "lane",
                                format!(
                                    "{label} is called {} on GitLab now: glboard follows it by its id; rename it in `lanes` when you like",
                                    now.title
                                ),
                            );
                        } else if !lanes.contains(&label) {
                            line(
                                false,
                                "lane",
                                format!(
                                    "{label} is not a label of {group}{}: fix `lanes` in the config",
                                    did_you_mean(&label, &lanes)
                                ),
                            );
                        }
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
            Ok(found) if found.iter().any(|l| l == team_label) => {
                line(true, "team label", format!("{team_label} exists"));
            }
            Ok(found) => line(
                false,
                "team label",
                format!(
                    "{team_label} is not a label of {group}{}: fix `team_label` in the config",
                    did_you_mean(team_label, &found)
                ),
            ),
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
                Some(s) => line(
                    true,
                    "cache",
                    format!(
                        "{} ({} issues, synced {})",
                        live.store_path.display(),
                        s.ws.issues.len(),
                        s.meta
                            .synced_at
                            .map_or("never".into(), |t| crate::core::state::age(t, Utc::now()))
                    ),
                ),
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
    Ok(if bad == 0 { EX_OK } else { EX_FAILURE })
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
    use super::did_you_mean;

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
}
