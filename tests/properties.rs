//! Property tests (proptest, on stable; the same targets run as cargo-fuzz
//! targets locally, see RELIABILITY.md): hostile input never panics, and
//! sanitized text never carries a control or escape sequence.

use glboard::core::markdown;
use glboard::core::sanitize;
use glboard::core::text;
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
            other => panic!("{name}: no target {other}"),
        }
    }
    assert!(seen > 0);
}
