//! Any `planning_template` file: filling it never panics (an unknown
//! placeholder is an error naming its line), and text with no brace comes
//! back as it was.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

use glboard::core::domain::model::{Milestone, TeamConfig, Workspace};

static DEMO: OnceLock<(Workspace, TeamConfig, Milestone, Milestone)> = OnceLock::new();

fuzz_target!(|template: &str| {
    let (ws, team, current, next) = DEMO.get_or_init(|| {
        let (ws, team) =
            glboard::demo::load(chrono::NaiveDate::from_ymd_opt(2025, 11, 5).unwrap()).unwrap();
        let mut ms = glboard::core::domain::iteration::team_milestones(&ws.milestones, &team);
        let next = ms.pop().unwrap().clone();
        let current = ms.pop().unwrap().clone();
        (ws, team, current, next)
    });
    let filled = glboard::core::planning::template::fill(template, ws, team, next, Some(current));
    match filled {
        Ok(text) if !template.contains(['{', '}']) => assert_eq!(text, template),
        Ok(_) => {}
        Err(e) => assert!(e.starts_with("line "), "{e}"),
    }
});
