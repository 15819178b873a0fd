//! Any description: the renderer never panics, its output is safe for the
//! terminal and wraps within the width asked (never narrower than 4 cells,
//! the renderer's floor).
#![no_main]
use glboard::core::domain::{markdown, sanitize, text};
use glboard_fuzz::is_safe;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &str)| {
    let (width, src) = input;
    let width = usize::from(width % 120) + 1;
    let clean = sanitize::text(src);
    let lines = markdown::render(&clean);
    for line in markdown::wrap_lines(&lines, width) {
        let joined: String = line.iter().map(|r| r.text.as_str()).collect();
        assert!(is_safe(&joined), "{joined:?}");
        assert!(
            text::width(&joined) <= width.max(4),
            "{joined:?} wider than {width}"
        );
    }
    for line in markdown::render_plain(&clean) {
        assert!(is_safe(&line));
    }
});
