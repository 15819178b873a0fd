//! Property tests (proptest, on stable; the same targets run as cargo-fuzz
//! targets locally, see RELIABILITY.md): hostile input never panics, and
//! sanitized text never carries a control or escape sequence.

use glboard::core::domain::markdown;
use glboard::core::domain::sanitize;
use glboard::core::domain::text;
use proptest::prelude::*;

/// Strings mixing printable text with escapes, controls, bidi and wide characters.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9 #*_`\\[\\]()<>-]{0,12}",
        Just("\u{1b}[2J".to_owned()),
        Just("\u{1b}]0;title\u{7}".to_owned()),
        Just("\u{1b}]8;;https://evil.example\u{1b}\\".to_owned()),
        Just("\u{1b}]52;c;ZXZpbA==\u{7}".to_owned()),
        Just("\u{9b}31m".to_owned()),
        Just("\u{202e}\u{2066}\u{200b}\u{feff}".to_owned()),
        Just("東京リージョン🔥e\u{301}".to_owned()),
        Just("\r\n\t\u{0}\u{7f}\u{85}".to_owned()),
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

/// Text as people write planning issues, board addresses and templates:
/// references, multi-byte spaces, percent escapes, list markers, braces.
fn written() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-z0-9 #%/:.?&=+\\-]{0,10}",
        Just("\u{a0}#12".to_owned()),
        Just("\u{3000}chef-repo#1889".to_owned()),
        Just("\u{2003}gitlab-com/gl-infra/reliability#24427".to_owned()),
        Just("https://gitlab.com/a/b/-/issues/7#note_1".to_owned()),
        Just("&#1".to_owned()),
        Just("\n## Priorities\n".to_owned()),
        Just("\n1. ".to_owned()),
        Just("\n- [ ] ".to_owned()),
        Just("\n    * ".to_owned()),
        Just("%".to_owned()),
        Just("%e9%80".to_owned()),
        Just("%€".to_owned()),
        Just("%\u{a0}".to_owned()),
        Just("label_name[]=team%3A%3A".to_owned()),
        Just("?milestone_title=".to_owned()),
        Just("/-/boards/".to_owned()),
        Just("{milestone}".to_owned()),
        Just("{{".to_owned()),
        Just("}".to_owned()),
        Just("{unknown_one}".to_owned()),
        Just("東京🔥e\u{301}".to_owned()),
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..10).prop_map(|v| v.concat())
}

/// The demo's workspace, team, and its current and next iterations.
fn demo_iterations() -> (
    glboard::core::domain::model::Workspace,
    glboard::core::domain::model::TeamConfig,
    glboard::core::domain::model::Milestone,
    glboard::core::domain::model::Milestone,
) {
    let (ws, team) =
        glboard::demo::load(chrono::NaiveDate::from_ymd_opt(2025, 11, 5).unwrap()).unwrap();
    let mut ms: Vec<_> = glboard::core::domain::iteration::team_milestones(&ws.milestones, &team)
        .into_iter()
        .cloned()
        .collect();
    let next = ms.pop().unwrap();
    let current = ms.pop().unwrap();
    (ws, team, current, next)
}

/// The checks of the `priorities` fuzz target.
fn check_priorities(description: &str) {
    use glboard::core::domain::next;
    for item in next::priority_items(description) {
        assert!(description.contains(item.as_str()), "{item:?}");
        for r in next::references(&item) {
            assert!(item.contains(&r.iid.to_string()), "{r:?} in {item:?}");
        }
    }
    for r in next::references(description) {
        assert!(description.contains(&r.iid.to_string()), "{r:?}");
        if let Some(p) = &r.project {
            assert!(!p.is_empty() && description.contains(p.as_str()), "{r:?}");
        }
    }
}

/// The checks of the `board_url` fuzz target.
fn check_board_url(s: &str) {
    use glboard::core::domain::board_setup::{self, FoundBoard, List, Seen};
    let check = |url: &str| {
        let u = board_setup::parse_board_url(url).ok()?;
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
        let board = FoundBoard {
            url: u,
            name: s.to_owned(),
            scope_labels: s.split(' ').map(str::to_owned).collect(),
            scope_milestone: Some(s.to_owned()),
            lists: s
                .split('\n')
                .enumerate()
                .map(|(n, l)| List {
                    label: l.to_owned(),
                    position: n as i64,
                    ..List::default()
                })
                .collect(),
        };
        let seen = Seen {
            scope_labels: s.split(',').map(str::to_owned).collect(),
            team_milestones: vec![(s.to_owned(), 1)],
        };
        if let Ok(setup) = board_setup::derive(std::slice::from_ref(&board), &seen) {
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
}

/// The checks of the `planning_template` fuzz target.
fn check_planning_template(template: &str) {
    let (ws, team, current, next) = demo_iterations();
    match glboard::core::planning::template::fill(template, &ws, &team, &next, Some(&current)) {
        Ok(text) if !template.contains(['{', '}']) => assert_eq!(text, template),
        Ok(_) => {}
        Err(e) => assert!(e.starts_with("line "), "{e}"),
    }
}

fn is_safe(s: &str) -> bool {
    s.chars().all(|c| {
        let control = c.is_control() && c != '\n';
        let invisible =
            matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}' | '\u{feff}');
        !control && !invisible
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn sanitized_text_has_no_controls_or_escapes(s in hostile()) {
        let line = sanitize::line(&s);
        prop_assert!(is_safe(&line) && !line.contains('\n'), "{line:?}");
        prop_assert!(is_safe(&sanitize::text(&s)));
        // Idempotent.
        prop_assert_eq!(sanitize::line(&line), line.clone());
    }

    #[test]
    fn markdown_rendering_never_panics_and_stays_safe(s in hostile(), width in 1usize..120) {
        let clean = sanitize::text(&s);
        let lines = markdown::render(&clean);
        for l in markdown::wrap_lines(&lines, width) {
            let text: String = l.iter().map(|r| r.text.as_str()).collect();
            prop_assert!(is_safe(&text));
            // Wrapped to the width (the renderer's floor is 4 cells).
            prop_assert!(text::width(&text) <= width.max(4), "{text:?} wider than {width}");
        }
    }

    #[test]
    fn wrapping_respects_widths_and_graphemes(s in hostile(), width in 1usize..60, lines in 1usize..4) {
        let clean = sanitize::line(&s);
        for l in text::wrap(&clean, width, lines) {
            prop_assert!(text::width(&l) <= width.max(1), "{l:?} wider than {width}");
        }
        prop_assert!(text::width(&text::truncate(&clean, width)) <= width);
        prop_assert_eq!(text::width(&text::fit(&clean, width)), width);
    }

    #[test]
    fn config_parsing_never_panics(s in hostile()) {
        let _ = glboard::config::parse(std::path::Path::new("x.toml"), &s, None);
        let with_keys = format!("group = {s:?}\nteam_label = \"t\"\nworkflow_scope = \"w\"\n");
        let _ = glboard::config::parse(std::path::Path::new("x.toml"), &with_keys, None);
    }

    #[test]
    fn gitlab_json_decoding_never_panics_and_sanitizes(title in hostile(), labels in prop::collection::vec(hostile(), 0..5), junk in any::<Vec<u8>>()) {
        let _ = serde_json::from_slice::<Vec<glboard::gitlab::dto::ApiIssue>>(&junk);
        let v = serde_json::json!({
            "id": 1, "iid": 2, "project_id": 3, "title": title, "description": title,
            "state": "opened", "labels": labels, "created_at": "2025-01-01T00:00:00Z",
            "updated_at": "2025-01-01T00:00:00Z", "web_url": "https://gitlab.example.com/a/b/-/issues/2"
        });
        let api: glboard::gitlab::dto::ApiIssue = serde_json::from_value(v).unwrap();
        let issue = api.into_issue(0, &Default::default());
        prop_assert!(is_safe(&issue.title) && is_safe(&issue.description));
        prop_assert!(issue.labels.iter().all(|l| is_safe(l)));
    }

    /// A merge request's hostile title, names, reference and pipeline
    /// status reach the cache and a card's mark sanitized, and its mark
    /// fits any width (issue #30).
    #[test]
    fn merge_requests_decode_sanitized_and_their_marks_fit(t in hostile(), width in 0usize..30, junk in any::<Vec<u8>>()) {
        use glboard::gitlab::merge_requests::ApiMergeRequest;
        let _ = serde_json::from_slice::<Vec<ApiMergeRequest>>(&junk);
        let v = serde_json::json!({
            "id": 1, "iid": 42, "project_id": 3, "title": t, "state": t, "draft": false,
            "author": {"username": t}, "reviewers": [{"username": t}],
            "updated_at": "2025-01-01T00:00:00Z", "references": {"full": t},
            "head_pipeline": {"id": 9, "status": t},
        });
        let api: ApiMergeRequest = serde_json::from_value(v).unwrap();
        let m = api.into_merge_request(vec![7], true, None);
        prop_assert!(is_safe(&m.title) && is_safe(&m.author) && is_safe(&m.reference));
        prop_assert!(m.reviewers.iter().all(|r| is_safe(r)));
        prop_assert!(m.pipeline.is_none_or(|p| is_safe(p.as_str())));
        let mark = glboard::core::domain::merge_requests::card_marks(&[&m], 5, width);
        prop_assert!(is_safe(&mark) && text::width(&mark) <= width, "{mark:?}");
    }

    #[test]
    fn priorities_and_their_references_never_panic(d in written()) {
        check_priorities(&d);
    }

    #[test]
    fn board_addresses_never_panic_and_write_toml(s in written()) {
        check_board_url(&s);
    }

    #[test]
    fn planning_templates_never_panic(t in written()) {
        check_planning_template(&t);
    }

    #[test]
    fn reference_parsing_never_panics(r in hostile()) {
        let (ws, team) = glboard::demo::load(chrono::NaiveDate::from_ymd_opt(2025, 11, 5).unwrap()).unwrap();
        let _ = glboard::commands::resolve(&ws, &team, &r);
    }
}

/// Inputs the fuzzers (`cargo +nightly fuzz run T`) reported, kept as
/// regression tests: each file in tests/fuzz-regressions, named
/// `TARGET-what`, runs through the same checks as its target.
#[test]
fn fuzz_findings_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        seen += 1;
        // The target's name, before the first `-` (names have `_`).
        match name.split('-').next().unwrap() {
            // libFuzzer's (u8, &str): a width byte, then the text.
            "markdown" => {
                let width = usize::from(data[0] % 120) + 1;
                let src = String::from_utf8_lossy(&data[1..]);
                let lines = markdown::render(&sanitize::text(&src));
                for l in markdown::wrap_lines(&lines, width) {
                    let t: String = l.iter().map(|r| r.text.as_str()).collect();
                    assert!(
                        is_safe(&t) && text::width(&t) <= width.max(4),
                        "{name}: {t:?}"
                    );
                }
            }
            "sanitize" => {
                let line = sanitize::line(&String::from_utf8_lossy(&data));
                assert!(is_safe(&line), "{name}");
            }
            "gitlab_json" => {
                let _ = serde_json::from_slice::<Vec<glboard::gitlab::dto::ApiIssue>>(&data);
            }
            "config" => {
                let _ = glboard::config::parse(
                    std::path::Path::new("x.toml"),
                    &String::from_utf8_lossy(&data),
                    None,
                );
            }
            "priorities" => check_priorities(&String::from_utf8_lossy(&data)),
            "board_url" => check_board_url(&String::from_utf8_lossy(&data)),
            "planning_template" => check_planning_template(&String::from_utf8_lossy(&data)),
            "reference" => {
                let (ws, team) =
                    glboard::demo::load(chrono::NaiveDate::from_ymd_opt(2025, 11, 5).unwrap())
                        .unwrap();
                let _ = glboard::commands::resolve(&ws, &team, &String::from_utf8_lossy(&data));
            }
            other => panic!("{name}: no target {other}"),
        }
    }
    assert!(seen > 0);
}
