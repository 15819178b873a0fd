//! Any text as `init --board`'s address, alone and in each part of a group
//! board's address: parsing never panics (`%` before a multi-byte character
//! once did), and what parses names an http(s) host and its board; the
//! boards' label lists, whatever their titles, give a setup or an error,
//! and the config written from a setup is TOML that reads back the same.
#![no_main]
use glboard::core::domain::board_setup::{self, FoundBoard, List};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    let check = |url: &str| {
        let Ok(u) = board_setup::parse_board_url(url) else {
            return None;
        };
        assert!(
            u.host.starts_with("https://") || u.host.starts_with("http://"),
            "{u:?}"
        );
        Some(u)
    };
    let _ = check(s);
    let composed = format!(
        "https://gitlab.example.com/groups/{s}/-/boards/7?milestone_title={s}&label_name[]={s}"
    );
    if let Some(u) = check(&composed) {
        let lists: Vec<List> = s
            .split('\n')
            .enumerate()
            .map(|(n, l)| List {
                label: l.to_owned(),
                position: i64::try_from(n).unwrap_or(0),
                ..List::default()
            })
            .collect();
        let board = FoundBoard {
            url: u,
            name: s.to_owned(),
            scope_labels: s.split(' ').map(str::to_owned).collect(),
            scope_milestone: Some(s.to_owned()),
            lists,
        };
        let seen = board_setup::Seen {
            scope_labels: s.split(',').map(str::to_owned).collect(),
            team_milestones: vec![(s.to_owned(), 1)],
        };
        if let Ok(setup) = board_setup::derive(&[board.clone()], &seen) {
            // The file written is TOML and says what was found.
            let text = board_setup::config_text(&setup, &[board]);
            let t: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(t["team_label"].as_str(), Some(setup.team_label.as_str()));
            assert_eq!(
                t["milestone_prefix"].as_str(),
                Some(setup.milestone_prefix.as_str())
            );
            assert_eq!(setup.lanes.first(), Some(&setup.backlog_lane));
        }
    }
    let _ = board_setup::prefix_of(s);
});
