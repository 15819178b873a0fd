//! Quick actions in a comment (`/spend 1h`, `/label ~x`), as GitLab reads
//! them: which lines GitLab takes out of the note (only the commands it
//! recognises: a line like `/etc/hosts` stays), and whether a
//! commands-only comment whose answer was lost shows as done, matched by
//! its effect (the issue read fresh, the system notes GitLab wrote for
//! it), never by "some note of mine exists". Pure.

use crate::core::domain::model::Issue;

/// The issue quick actions GitLab recognises
/// (`lib/gitlab/quick_actions/*_actions.rb`, `ee/lib/ee/gitlab/quick_actions/`):
/// their lines are removed from a note's body.
const KNOWN: &[&str] = &[
    "add_child",
    "assign",
    "assign_reviewer",
    "award",
    "blocked_by",
    "blocks",
    "board_move",
    "cc",
    "checkin_reminder",
    "clear_health_status",
    "clear_weight",
    "clone",
    "close",
    "confidential",
    "copy_metadata",
    "create_merge_request",
    "done",
    "due",
    "duplicate",
    "epic",
    "estimate",
    "estimate_time",
    "health_status",
    "iteration",
    "label",
    "labels",
    "lock",
    "move",
    "page",
    "parent",
    "promote",
    "promote_to_incident",
    "publish",
    "react",
    "reassign",
    "relabel",
    "relate",
    "remove_child",
    "remove_due_date",
    "remove_epic",
    "remove_estimate",
    "remove_iteration",
    "remove_milestone",
    "remove_parent",
    "remove_time_estimate",
    "remove_time_spent",
    "remove_zoom",
    "reopen",
    "set_parent",
    "severity",
    "shrug",
    "spend",
    "spent",
    "status",
    "subscribe",
    "tableflip",
    "timeline",
    "title",
    "todo",
    "type",
    "unassign",
    "unlabel",
    "unlock",
    "unrelate",
    "unsubscribe",
    "weight",
    "zoom",
    "milestone",
];

/// A line's command and its arguments, when GitLab recognises it.
fn command(line: &str) -> Option<(&str, &str)> {
    let cmd = line.trim_start().strip_prefix('/')?;
    let (name, rest) = cmd.split_once(char::is_whitespace).unwrap_or((cmd, ""));
    KNOWN
        .iter()
        .any(|k| k.eq_ignore_ascii_case(name))
        .then_some((name, rest.trim()))
}

/// A comment's text as GitLab stores it: the lines of commands it
/// recognises are removed; everything else stays, `/etc/hosts` included.
pub fn stored_body(body: &str) -> String {
    body.lines()
        .filter(|l| command(l).is_none())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// `1h30m`, `1h 30m`, `2d`, `1mo`, `45m` as seconds, as GitLab counts them
/// (`Gitlab::TimeTrackingFormatter`: a day is 8 hours, a week 5 days, a
/// month 4 weeks); `None` for anything else.
pub fn duration(s: &str) -> Option<i64> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let (negative, s) = match s.strip_prefix('-') {
        Some(r) => (true, r.to_owned()),
        None => (false, s),
    };
    let mut total = 0i64;
    let mut rest = s.as_str();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let n: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit, len) = if rest.starts_with("mo") {
            (4 * 5 * 8 * 3600, 2)
        } else {
            match rest.chars().next()? {
                'w' => (5 * 8 * 3600, 1),
                'd' => (8 * 3600, 1),
                'h' => (3600, 1),
                'm' => (60, 1),
                's' => (1, 1),
                _ => return None,
            }
        };
        rest = &rest[len..];
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    Some(if negative { -total } else { total })
}

/// The time a system note says was added or subtracted ("added 1h 30m of
/// time spent", "subtracted 30m of time spent at 2026-12-01":
/// `SystemNotes::TimeTrackingService#change_time_spent`).
fn spent_in_note(note: &str) -> Option<i64> {
    let (sign, rest) = if let Some(r) = note.strip_prefix("added ") {
        (1, r)
    } else {
        (-1, note.strip_prefix("subtracted ")?)
    };
    let (amount, _) = rest.split_once(" of time spent")?;
    duration(amount).map(|d| sign * d.abs())
}

/// `~a ~"b c"` as label titles.
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

/// `@a @b me` as usernames (`me`: `me`).
fn people<'a>(rest: &'a str, me: Option<&'a str>) -> Vec<&'a str> {
    rest.split([' ', ','])
        .filter(|w| !w.is_empty())
        .filter_map(|w| match w {
            "me" => me,
            w => w.strip_prefix('@'),
        })
        .collect()
}

/// Whether a commands-only comment (its body) shows as done on GitLab: the
/// issue as read now, and the system notes written by me since the first
/// attempt. Each command it can check must show its effect (a `/spend`
/// must have a time-spent note of its own amount; a label, state or
/// assignee must be as asked). Commands it cannot check are idempotent
/// settings (a milestone, an estimate): sent again they do no harm. With
/// nothing it can check, `false`: the comment is sent again.
pub fn applied(body: &str, fresh: &Issue, my_system_notes: &[&str], me: Option<&str>) -> bool {
    let mut spent: Vec<Option<i64>> = my_system_notes.iter().map(|n| spent_in_note(n)).collect();
    let mut checked = 0;
    for line in body.lines() {
        let Some((name, rest)) = command(line) else {
            continue;
        };
        let ok = match name.to_ascii_lowercase().as_str() {
            "spend" | "spent" => {
                let Some(d) = rest.split_whitespace().next().and_then(duration) else {
                    continue;
                };
                // A note of this amount, each note standing for one command.
                match spent.iter().position(|s| *s == Some(d)) {
                    Some(at) => {
                        spent[at] = None;
                        true
                    }
                    None => false,
                }
            }
            "label" | "labels" => {
                let want = labels(rest);
                if want.is_empty() {
                    continue;
                }
                want.iter().all(|l| fresh.has_label(l))
            }
            "unlabel" => {
                let gone = labels(rest);
                if gone.is_empty() {
                    continue;
                }
                gone.iter().all(|l| !fresh.has_label(l))
            }
            "close" => !fresh.is_open(),
            "reopen" => fresh.is_open(),
            "assign" => {
                let want = people(rest, me);
                if want.is_empty() {
                    continue;
                }
                want.iter()
                    .all(|u| fresh.assignees.iter().any(|a| a.username == *u))
            }
            "unassign" => {
                let gone = people(rest, me);
                if gone.is_empty() {
                    continue;
                }
                gone.iter()
                    .all(|u| !fresh.assignees.iter().any(|a| a.username == *u))
            }
            _ => continue,
        };
        if !ok {
            return false;
        }
        checked += 1;
    }
    checked > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::model::IssueState;
    use crate::core::testing::{issue, user};

    #[test]
    fn only_the_commands_gitlab_knows_leave_the_body() {
        assert_eq!(stored_body("/spend 1h"), "");
        assert_eq!(stored_body("Done.\n/spend 30m\n/label ~x"), "Done.");
        assert_eq!(
            stored_body("Edit it:\n/etc/hosts\n/close"),
            "Edit it:\n/etc/hosts"
        );
    }

    #[test]
    fn durations_as_gitlab_counts_them() {
        assert_eq!(duration("1h30m"), Some(5400));
        assert_eq!(duration("1h 30m"), Some(5400));
        assert_eq!(duration("2d"), Some(57_600));
        assert_eq!(duration("1mo"), Some(4 * 5 * 8 * 3600));
        assert_eq!(duration("-30m"), Some(-1800));
        assert_eq!(duration("1x"), None);
        assert_eq!(duration(""), None);
        assert_eq!(duration("99999999999999999999w"), None);
    }

    #[test]
    fn a_lost_spend_is_done_only_with_a_time_note_of_its_amount() {
        let i = issue(1, 1, &["team::Datastores"]);
        // My own take a minute earlier left "assigned to @me": not a /spend.
        assert!(!applied(
            "/spend 1h",
            &i,
            &["assigned to @zoe"],
            Some("zoe")
        ));
        assert!(applied(
            "/spend 1h",
            &i,
            &["assigned to @zoe", "added 1h of time spent"],
            Some("zoe")
        ));
        // GitLab writes the amount its own way.
        assert!(applied(
            "/spend 90m",
            &i,
            &["added 1h 30m of time spent"],
            None
        ));
        // Two /spend of one amount need two notes.
        assert!(!applied(
            "/spend 1h\n/spend 1h",
            &i,
            &["added 1h of time spent"],
            None
        ));
        assert!(applied(
            "/spend -30m",
            &i,
            &["subtracted 30m of time spent"],
            None
        ));
    }

    #[test]
    fn labels_state_and_people_are_read_off_the_issue() {
        let mut i = issue(1, 1, &["team::Datastores", "bug"]);
        i.assignees = vec![user(7, "zoe", "Zoë")];
        assert!(applied("/label ~bug", &i, &[], None));
        assert!(!applied("/label ~bug ~\"needs review\"", &i, &[], None));
        assert!(applied("/unlabel ~feature", &i, &[], None));
        assert!(!applied("/close", &i, &[], None));
        i.state = IssueState::Closed;
        assert!(applied("/close\n/assign me", &i, &[], Some("zoe")));
        assert!(!applied("/unassign @zoe", &i, &[], None));
        // Nothing checkable: sent again (an idempotent setting).
        assert!(!applied("/estimate 2h", &i, &[], None));
    }
}
