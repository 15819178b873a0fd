//! Small builders for unit tests of the core.

use chrono::{NaiveDate, TimeZone, Utc};

use super::model::*;

pub fn team() -> TeamConfig {
    crate::demo::datastores_team()
}

pub fn user(id: UserId, username: &str, name: &str) -> User {
    User {
        id,
        username: username.into(),
        name: name.into(),
    }
}

pub fn issue(id: IssueId, iid: u64, labels: &[&str]) -> Issue {
    let t = Utc.with_ymd_and_hms(2025, 11, 1, 12, 0, 0).unwrap();
    Issue {
        id,
        iid,
        project_id: 1,
        title: format!("Issue {iid}"),
        description: String::new(),
        state: IssueState::Opened,
        labels: labels.iter().map(|s| s.to_string()).collect(),
        milestone_id: None,
        assignees: Vec::new(),
        author: None,
        weight: None,
        created_at: t,
        updated_at: t,
        closed_at: None,
        web_url: format!("https://gitlab.example.com/grp/alpha/-/issues/{iid}"),
        position: id as i64,
    }
}

pub fn milestone(
    id: MilestoneId,
    title: &str,
    start: Option<&str>,
    due: Option<&str>,
) -> Milestone {
    Milestone {
        id,
        iid: id,
        title: title.into(),
        description: String::new(),
        start_date: start.map(|s| s.parse::<NaiveDate>().unwrap()),
        due_date: due.map(|s| s.parse::<NaiveDate>().unwrap()),
        state: MilestoneState::Active,
        web_url: String::new(),
    }
}

pub fn workspace(issues: Vec<Issue>) -> Workspace {
    Workspace {
        name: "test".into(),
        host: "https://gitlab.example.com".into(),
        group: "grp".into(),
        issues,
        milestones: vec![
            milestone(
                1,
                "Datastores team - W45",
                Some("2025-11-03"),
                Some("2025-11-16"),
            ),
            milestone(
                2,
                "Datastores team - W47",
                Some("2025-11-17"),
                Some("2025-11-30"),
            ),
        ],
        members: vec![user(7, "zoe", "Zoë Müller")],
        projects: vec![
            Project {
                id: 1,
                path: "grp/alpha".into(),
            },
            Project {
                id: 2,
                path: "grp/beta".into(),
            },
        ],
        me: None,
        is_demo: false,
        history: Default::default(),
    }
}
