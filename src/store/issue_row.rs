//! An issue's row in the cache: a column for each of its fields (issue
//! #31), so a board or a printed milestone is read without a JSON parse
//! per issue, from rows a third the size of its JSON (fewer pages read).
//! The description has a table of its own.
//!
//! An issue whose text holds one of the separators below (never seen from
//! GitLab, but possible) keeps its JSON in `data` instead, with `title`
//! NULL; its `iid` and `project_id` are filled either way.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::ValueRef;

use super::{from_sql_id, sql_id};
use crate::core::domain::model::{Issue, IssueState, Marks, User};

/// Between a list's items (labels, users).
const ITEM: char = '\u{1e}';
/// Between a user's fields (id, username, name).
const FIELD: char = '\u{1f}';

/// The columns [`read`] expects, in its order, after `id, position`.
pub(super) const SELECT: &str = "issues.id, issues.position, issues.title, issues.iid, \
     issues.project_id, issues.state, issues.labels, issues.assignees, issues.author, \
     issues.weight, issues.created_at, issues.updated_at, issues.closed_at, issues.web_url, \
     issues.marks, issues.due_date, CASE WHEN issues.title IS NULL THEN issues.data END, \
     issues.milestone_id";

/// How many columns [`SELECT`] names.
pub(super) const WIDTH: usize = 18;

/// Writing a row: `id, position, data, milestone_id, open, rev` (?1..?6),
/// then the [`Columns`] in their order (?7 onwards).
pub(super) const INSERT: &str = "INSERT OR REPLACE INTO issues (id, position, data, milestone_id, open, rev, \
     title, iid, project_id, state, labels, assignees, author, weight, created_at, updated_at, \
     closed_at, web_url, marks, due_date) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)";

/// The columns of one issue, as written. `title` is `None` when the
/// issue cannot be put in columns (its JSON is read instead).
pub(super) struct Columns<'a> {
    pub title: Option<&'a str>,
    pub iid: i64,
    pub project_id: i64,
    pub state: &'static str,
    pub labels: String,
    pub assignees: String,
    pub author: Option<String>,
    pub weight: Option<u32>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub web_url: &'a str,
    pub marks: i64,
    pub due_date: Option<String>,
}

/// A row's leading columns for [`INSERT`]: id, position, its JSON (only
/// where the columns cannot hold the issue), milestone, open, revision.
pub(super) type Head<'a> = (i64, i64, Option<&'a str>, Option<i64>, bool, i64);

impl Columns<'_> {
    /// Write one row with [`INSERT`] (into `issues`, or the table being
    /// built by migration 11).
    pub(super) fn insert(
        &self,
        stmt: &mut rusqlite::Statement<'_>,
        (id, position, data, milestone, open, rev): Head<'_>,
    ) -> rusqlite::Result<usize> {
        stmt.execute(rusqlite::params![
            id,
            position,
            data,
            milestone,
            open,
            rev,
            self.title,
            self.iid,
            self.project_id,
            self.state,
            self.labels,
            self.assignees,
            self.author,
            self.weight,
            self.created_at,
            self.updated_at,
            self.closed_at,
            self.web_url,
            self.marks,
            self.due_date,
        ])
    }
}

fn nanos(t: &DateTime<Utc>) -> Option<i64> {
    t.timestamp_nanos_opt()
}

fn separated(s: &str) -> bool {
    s.contains([ITEM, FIELD])
}

fn user(u: &User) -> String {
    format!("{}{FIELD}{}{FIELD}{}", u.id, u.username, u.name)
}

/// The columns for `i`; their `title` is `None` when a text holds a
/// separator or a time is outside what a 64-bit nanosecond count holds.
pub(super) fn columns(i: &Issue) -> Columns<'_> {
    let users = i.assignees.iter().chain(i.author.as_ref());
    let fits = !separated(&i.title)
        && !i.labels.iter().any(|l| separated(l))
        && !users
            .clone()
            .any(|u| separated(&u.username) || separated(&u.name))
        && nanos(&i.created_at).is_some()
        && nanos(&i.updated_at).is_some()
        && i.closed_at.is_none_or(|t| nanos(&t).is_some());
    let marks = i64::from(i.marks.confidential)
        | i64::from(i.marks.incident) << 1
        | i64::from(i.marks.blocked) << 2;
    Columns {
        title: fits.then_some(i.title.as_str()),
        iid: sql_id(i.iid),
        project_id: sql_id(i.project_id),
        state: match i.state {
            IssueState::Opened => "opened",
            IssueState::Closed => "closed",
        },
        labels: i.labels.join(&ITEM.to_string()),
        assignees: i
            .assignees
            .iter()
            .map(user)
            .collect::<Vec<_>>()
            .join(&ITEM.to_string()),
        author: i.author.as_ref().map(user),
        weight: i.weight,
        created_at: nanos(&i.created_at).unwrap_or(0),
        updated_at: nanos(&i.updated_at).unwrap_or(0),
        closed_at: i.closed_at.as_ref().and_then(nanos),
        web_url: &i.web_url,
        marks,
        due_date: i.marks.due_date.map(|d| d.to_string()),
    }
}

fn text<'r>(v: ValueRef<'r>) -> rusqlite::Result<&'r str> {
    Ok(v.as_str()?)
}

fn time(n: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(n)
}

fn parse_user(s: &str) -> Option<User> {
    let mut f = s.split(FIELD);
    let id = f.next()?.parse().ok()?;
    let username = f.next()?.to_owned();
    let name = f.next()?.to_owned();
    Some(User { id, username, name })
}

fn list<T>(s: &str, each: impl Fn(&str) -> Option<T>) -> rusqlite::Result<Vec<T>> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split(ITEM)
        .map(|p| each(p).ok_or_else(|| corrupt("a list column")))
        .collect()
}

fn corrupt(what: &str) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(format!("corrupt row: {what}").into())
}

/// An issue from a row selected with [`SELECT`], starting at column
/// `at` (its description left empty): from its columns, or from its JSON
/// when the columns were never filled.
pub(super) fn read(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Issue> {
    let position: i64 = r.get(at + 1)?;
    let title = r.get_ref(at + 2)?;
    if title == ValueRef::Null {
        let data = match r.get_ref(at + 16)? {
            ValueRef::Null => return Err(corrupt("neither columns nor JSON")),
            v => v.as_bytes()?,
        };
        let mut i: Issue = serde_json::from_slice(data)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        i.position = position;
        i.description = String::new();
        i.raw_description = None;
        return Ok(i);
    }
    let due_date = match r.get_ref(at + 15)? {
        ValueRef::Null => None,
        v => Some(
            text(v)?
                .parse::<NaiveDate>()
                .map_err(|_| corrupt("due_date"))?,
        ),
    };
    let marks: i64 = r.get(at + 14)?;
    let author = match r.get_ref(at + 8)? {
        ValueRef::Null => None,
        v => Some(parse_user(text(v)?).ok_or_else(|| corrupt("author"))?),
    };
    Ok(Issue {
        id: from_sql_id(r.get(at)?),
        iid: from_sql_id(r.get(at + 3)?),
        project_id: from_sql_id(r.get(at + 4)?),
        title: text(title)?.to_owned(),
        description: String::new(),
        state: match text(r.get_ref(at + 5)?)? {
            "closed" => IssueState::Closed,
            _ => IssueState::Opened,
        },
        labels: list(text(r.get_ref(at + 6)?)?, |l| Some(l.to_owned()))?,
        milestone_id: r.get::<_, Option<i64>>(at + 17)?.map(from_sql_id),
        assignees: list(text(r.get_ref(at + 7)?)?, parse_user)?,
        author,
        weight: r.get(at + 9)?,
        created_at: time(r.get(at + 10)?),
        updated_at: time(r.get(at + 11)?),
        closed_at: r.get::<_, Option<i64>>(at + 12)?.map(time),
        web_url: text(r.get_ref(at + 13)?)?.to_owned(),
        position,
        marks: Marks {
            confidential: marks & 1 != 0,
            incident: marks & 2 != 0,
            blocked: marks & 4 != 0,
            due_date,
        },
        raw_description: None,
    })
}

/// Copy every issue of the table before migration 11 into the new one
/// (`issues_v11`), in id order, from its JSON (a row whose JSON does not
/// parse keeps it, to be reported when read, as before).
pub(super) fn copy_into_columns(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let mut read =
        tx.prepare("SELECT id, position, data, milestone_id, open, rev FROM issues ORDER BY id")?;
    let mut rows = read.query([])?;
    let mut write = tx.prepare(&INSERT.replace("INTO issues (", "INTO issues_v11 ("))?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let position: i64 = r.get(1)?;
        let data: String = r.get(2)?;
        let milestone: Option<i64> = r.get(3)?;
        let open: bool = r.get(4)?;
        let rev: i64 = r.get(5)?;
        match serde_json::from_str::<Issue>(&data) {
            Ok(i) => {
                let c = columns(&i);
                let json = c.title.is_none().then_some(data.as_str());
                c.insert(&mut write, (id, position, json, milestone, open, rev))?;
            }
            Err(_) => {
                tx.execute(
                    "INSERT INTO issues_v11 (id, position, data, milestone_id, open, rev) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    rusqlite::params![id, position, data, milestone, open, rev],
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::core::testing::{issue, user};
    use crate::store::snapshot::tests::snap;
    use crate::store::{IssueFilter, Store};

    /// Issues with every field set in the ways GitLab sets them, and some
    /// it does not.
    fn varied() -> Vec<Issue> {
        let mut full = issue(
            3,
            30,
            &["priority::1", "team::Datastores", "workflow-infra::Ready"],
        );
        full.title = "Ünïcode 🔒 title, \"quoted\"\twith a tab".into();
        full.state = IssueState::Closed;
        full.milestone_id = Some(9);
        full.assignees = vec![user(5, "ann", "Ann Ó"), user(6, "bob", "")];
        full.author = Some(user(7, "cy", "Cy Author"));
        full.weight = Some(0);
        full.created_at = Utc.timestamp_nanos(1_762_000_000_123_456_789);
        full.updated_at = Utc.timestamp_nanos(1_762_000_100_000_000_001);
        full.closed_at = Some(Utc.timestamp_nanos(1_762_000_200_000_000_000));
        full.position = -42;
        full.marks = Marks {
            confidential: true,
            incident: true,
            blocked: true,
            due_date: NaiveDate::from_ymd_opt(2026, 2, 29).or(NaiveDate::from_ymd_opt(2026, 3, 1)),
        };
        let bare = issue(4, 31, &[]);
        let mut odd = issue(5, 32, &["team::Datastores"]);
        odd.title = "a title with a \u{1e} record separator".into();
        let mut odd_user = issue(6, 33, &["x"]);
        odd_user.assignees = vec![user(8, "u\u{1f}v", "n")];
        let mut odd_label = issue(7, 34, &["a\u{1e}b", "c"]);
        odd_label.project_id = 2;
        let mut ancient = issue(8, 35, &[]);
        ancient.created_at = Utc.with_ymd_and_hms(1500, 1, 1, 0, 0, 0).unwrap();
        vec![full, bare, odd, odd_user, odd_label, ancient]
    }

    #[test]
    fn every_field_comes_back_as_written_from_columns_or_json() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
        let mut s = snap();
        s.ws.issues = varied();
        store.save_full(&s).unwrap();
        let back = store.load().unwrap().unwrap().ws.issues;
        assert_eq!(back, s.ws.issues);
        // Only the issues the columns cannot hold keep their JSON.
        let conn = rusqlite::Connection::open(dir.path().join("c.sqlite")).unwrap();
        let json: Vec<i64> = conn
            .prepare("SELECT id FROM issues WHERE data IS NOT NULL ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(json, vec![5, 6, 7, 8]);
        // One board's issues read alone are the same issues.
        let closed = store
            .load_undescribed(IssueFilter::Milestone(9))
            .unwrap()
            .unwrap();
        assert_eq!(closed.ws.issues, vec![s.ws.issues[0].clone()]);
    }

    #[test]
    fn a_row_with_neither_columns_nor_json_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
        store.save_full(&snap()).unwrap();
        store
            .write_for_tests("UPDATE issues SET title = NULL, data = NULL WHERE id = 1")
            .unwrap();
        let err = store.load().unwrap_err().to_string();
        assert!(err.contains("corrupt row"), "{err}");
    }
}
