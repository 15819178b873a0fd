//! What every fuzz target asserts about text that may reach a terminal.

/// No control character but newline, no bidi override, no zero-width trick.
pub fn is_safe(s: &str) -> bool {
    s.chars().all(|c| {
        let control = c.is_control() && c != '\n';
        let invisible = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}' | '\u{feff}');
        !control && !invisible
    })
}
