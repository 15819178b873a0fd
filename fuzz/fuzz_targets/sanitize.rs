//! Any text: sanitized, it has no control, escape, bidi or zero-width
//! character; sanitizing twice changes nothing; width-aware cuts fit.
#![no_main]
use glboard::core::domain::{sanitize, text};
use glboard_fuzz::is_safe;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &str)| {
    let (width, s) = input;
    let width = usize::from(width % 80) + 1;
    let line = sanitize::line(s);
    assert!(is_safe(&line) && !line.contains('\n'), "{line:?}");
    assert_eq!(sanitize::line(&line), line);
    let body = sanitize::text(s);
    assert!(is_safe(&body));
    assert_eq!(sanitize::text(&body), body);
    assert!(text::width(&text::truncate(&line, width)) <= width);
    assert_eq!(text::width(&text::fit(&line, width)), width);
    for l in text::wrap(&line, width, 3) {
        assert!(text::width(&l) <= width);
    }
});
