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
            line(
                true,
                "token",
                "found (GITLAB_TOKEN or token_command)".into(),
            );
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
        match rt.block_on(client.group_labels(
            &live.cfg.file.group,
            &format!("{}::", live.cfg.file.workflow_scope),
        )) {
            Ok(l) => line(
                true,
                "group",
                format!(
                    "{} is visible; {} lane labels",
                    live.cfg.file.group,
                    l.len()
                ),
            ),
            Err(e) => line(false, "group", e.to_string()),
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
