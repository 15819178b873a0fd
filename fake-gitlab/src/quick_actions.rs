//! Quick actions in a note, as GitLab runs them
//! (`Notes::QuickActionsService`, `lib/api/helpers/notes_helpers.rb`):
//! the command lines are taken out of the body and applied; a body that
//! was only commands creates no note and answers 202 with
//! `commands_changes` and `summary`. Time spent leaves a system note
//! (`SystemNotes::TimeTrackingService#change_time_spent`: "added 1h 30m of
//! time spent"); label and state changes leave resource events, not notes
//! (`ResourceEvents::ChangeLabelsService`, `ResourceEvents::ChangeStateService`).

use chrono::Duration;
use serde_json::{Map, Value, json};

use crate::world::{FNote, World};

/// What a note's quick actions did.
pub(crate) struct Outcome {
    /// The body without its command lines, trimmed.
    pub body: String,
    pub summary: Vec<String>,
    pub changes: Map<String, Value>,
}

/// `1h30m`, `2d`, `45m` as seconds (a day is 8 hours, as GitLab counts).
fn duration(s: &str) -> Option<i64> {
    let mut total = 0i64;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        total += n * match c {
            'w' => 5 * 8 * 3600,
            'd' => 8 * 3600,
            'h' => 3600,
            'm' => 60,
            _ => return None,
        };
    }
    if !num.is_empty() {
        return None;
    }
    (total > 0).then_some(total)
}

/// Seconds as GitLab writes them in notes (`Gitlab::TimeTrackingFormatter.output`):
/// `1h 30m`, `1d 2h` (a day of 8 hours, a week of 5 days).
fn formatted(secs: i64) -> String {
    let mut left = secs.abs();
    let mut parts = Vec::new();
    for (unit, name) in [(5 * 8 * 3600, "w"), (8 * 3600, "d"), (3600, "h"), (60, "m")] {
        if left >= unit {
            parts.push(format!("{}{name}", left / unit));
            left %= unit;
        }
    }
    parts.join(" ")
}

/// `~a ~"b c"` as label names.
fn labels(rest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut s = rest.trim();
    while let Some(r) = s.strip_prefix('~') {
        if let Some(q) = r.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            out.push(q[..end].to_owned());
            s = q.get(end + 1..).unwrap_or("").trim_start();
        } else {
            let end = r.find(char::is_whitespace).unwrap_or(r.len());
            out.push(r[..end].to_owned());
            s = r[end..].trim_start();
        }
    }
    out
}

/// Run the quick actions of `body` on the issue; `None` for an issue that
/// is not there.
pub(crate) fn run(w: &mut World, project: u64, iid: u64, body: &str) -> Option<Outcome> {
    let issue_id = w.issue(project, iid)?.id;
    // Label and state changes leave resource events (crate::events).
    let labels_before = w.issue(project, iid)?.labels.clone();
    let state_before = w.issue(project, iid)?.state.clone();
    let mut kept = Vec::new();
    let mut summary = Vec::new();
    let mut changes = Map::new();
    let mut system = Vec::new();
    for line in body.lines() {
        let Some(cmd) = line.trim_start().strip_prefix('/') else {
            kept.push(line);
            continue;
        };
        let (name, rest) = cmd.split_once(char::is_whitespace).unwrap_or((cmd, ""));
        let rest = rest.trim();
        match name {
            "spend" | "spent" => {
                let Some(secs) = rest.split_whitespace().next().and_then(duration) else {
                    kept.push(line);
                    continue;
                };
                let i = w.issue_mut(project, iid)?;
                i.time_spent_secs += secs;
                let shown = rest.split_whitespace().next().unwrap_or("");
                summary.push(format!("Added {shown} spent time."));
                changes.insert("spend_time".into(), json!({"duration": secs}));
                system.push(format!("added {} of time spent", formatted(secs)));
            }
            "label" => {
                let add = labels(rest);
                if add.is_empty() {
                    kept.push(line);
                    continue;
                }
                let mut set = w.issue(project, iid)?.labels.clone();
                for l in &add {
                    w.add_label(&mut set, l);
                }
                w.issue_mut(project, iid)?.labels = set;
                let names: Vec<String> = add.iter().map(|l| format!("~\"{l}\"")).collect();
                summary.push(format!("Added {} label(s).", names.join(" ")));
                changes.insert("add_label_ids".into(), json!(add));
            }
            "unlabel" => {
                let rm = labels(rest);
                let i = w.issue_mut(project, iid)?;
                if rm.is_empty() {
                    i.labels.clear();
                } else {
                    for l in &rm {
                        i.labels.remove(l);
                    }
                }
                summary.push("Removed label(s).".into());
                changes.insert("remove_label_ids".into(), json!(rm));
            }
            "close" => {
                let now = w.now();
                let i = w.issue_mut(project, iid)?;
                i.state = "closed".into();
                i.closed_at = Some(now);
                summary.push("Closed this issue.".into());
                changes.insert("state_event".into(), json!("close"));
            }
            "reopen" => {
                let i = w.issue_mut(project, iid)?;
                i.state = "opened".into();
                i.closed_at = None;
                summary.push("Reopened this issue.".into());
                changes.insert("state_event".into(), json!("reopen"));
            }
            _ => kept.push(line),
        }
    }
    if !summary.is_empty() {
        let now = w.now();
        let me = w.me;
        let (labels_after, state_after) = {
            let i = w.issue(project, iid)?;
            (i.labels.clone(), i.state.clone())
        };
        w.record_labels(issue_id, &labels_before, &labels_after, me, now);
        if state_after != state_before {
            w.record_state(issue_id, state_after == "closed", me, now);
        }
        for text in system {
            let id = w.fresh_id();
            w.notes.push(FNote {
                id,
                issue_id,
                body: text,
                author_id: me,
                created_at: now,
                system: true,
            });
        }
        let i = w.issue_mut(project, iid)?;
        i.updated_at = if now > i.updated_at {
            now
        } else {
            i.updated_at + Duration::milliseconds(1)
        };
    }
    Some(Outcome {
        body: kept.join("\n").trim().to_owned(),
        summary,
        changes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_labels_parse_as_gitlab_writes_them() {
        assert_eq!(duration("1h30m"), Some(5400));
        assert_eq!(duration("2d"), Some(57_600));
        assert_eq!(duration("1x"), None);
        assert_eq!(formatted(5400), "1h 30m");
        assert_eq!(formatted(3600), "1h");
        assert_eq!(labels("~a ~\"b c\" ~d"), vec!["a", "b c", "d"]);
    }
}
