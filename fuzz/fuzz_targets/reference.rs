//! Any REF on the command line: resolving never panics against the demo
//! workspace (which has an iid shared by two projects).
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static DEMO: OnceLock<(
    glboard::core::domain::model::Workspace,
    glboard::core::domain::model::TeamConfig,
)> = OnceLock::new();

fuzz_target!(|r: &str| {
    let (ws, team) = DEMO.get_or_init(|| {
        glboard::demo::load(chrono::NaiveDate::from_ymd_opt(2025, 11, 5).unwrap()).unwrap()
    });
    let _ = glboard::commands::resolve(ws, team, r);
});
