//! Sanitizer for every string that comes from outside (GitLab, the demo file,
//! the cache): removes escape sequences, C0/C1 controls, bidi overrides and
//! zero-width characters, so nothing from an issue can move the cursor,
//! retitle the window, write the clipboard or reorder text on screen.
//! Applied once, where data enters the core.

/// Cleans a one-line field (title, label, name): newlines and tabs become
/// spaces, runs of white space are kept as they are.
pub fn line(s: &str) -> String {
    clean(s, false)
}

/// Cleans multi-line text (descriptions, comments): keeps `\n`, turns tabs
/// into four spaces and `\r\n` into `\n`.
pub fn text(s: &str) -> String {
    clean(s, true)
}

/// Whether a string would pass through [`line`] unchanged.
pub fn is_clean_line(s: &str) -> bool {
    s.chars()
        .all(|c| !is_dropped(c) && c != '\n' && c != '\t' && c != '\r')
}

fn clean(s: &str, multiline: bool) -> String {
    if s.chars()
        .all(|c| !is_dropped(c) && c != '\t' && c != '\r' && (multiline || c != '\n'))
    {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 introducers that start a string or sequence: swallow it too.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{9d}' | '\u{9e}' | '\u{9f}' | '\u{98}' => skip_string(&mut chars),
            '\n' if multiline => out.push('\n'),
            '\r' if multiline => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\t' if multiline => out.push_str("    "),
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_dropped(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Characters removed wherever they stand.
fn is_dropped(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'
        | '\u{80}'..='\u{9f}'
        // zero-width space, non-joiner, joiner, LRM, RLM
        | '\u{200b}'..='\u{200f}'
        // line/paragraph separators, bidi embeddings and overrides
        | '\u{2028}'..='\u{202e}'
        // word joiner, invisible operators, bidi isolates, deprecated format controls
        | '\u{2060}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{61c}'
        | '\u{180e}'
    )
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// After ESC: skip a whole escape sequence (CSI, OSC, DCS, SOS, PM, APC,
/// or a two-character escape).
fn skip_escape(chars: &mut Chars<'_>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => {
            chars.next();
            skip_string(chars);
        }
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            // nF escape: intermediates then one final byte.
            while let Some(&c) = chars.peek() {
                chars.next();
                if !('\u{20}'..='\u{2f}').contains(&c) {
                    break;
                }
            }
        }
        Some(c) if ('\u{30}'..='\u{7e}').contains(&c) => {
            chars.next();
        }
        _ => {}
    }
}

/// Skip CSI parameters and intermediates up to and including the final byte.
fn skip_csi(chars: &mut Chars<'_>) {
    while let Some(&c) = chars.peek() {
        if ('\u{30}'..='\u{3f}').contains(&c) || ('\u{20}'..='\u{2f}').contains(&c) {
            chars.next();
        } else {
            if ('\u{40}'..='\u{7e}').contains(&c) {
                chars.next();
            }
            return;
        }
    }
}

/// Skip a control string up to BEL, ST (`ESC \`) or C1 ST, whichever comes first.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hostile strings and what must remain of them on one line.
    const CATALOGUE: &[(&str, &str)] = &[
        ("plain title", "plain title"),
        ("red \u{1b}[31mtext\u{1b}[0m", "red text"),
        ("clear\u{1b}[2J\u{1b}[Hscreen", "clearscreen"),
        ("title\u{1b}]0;pwned\u{7}", "title"),
        (
            "link \u{1b}]8;;https://evil\u{1b}\\click\u{1b}]8;;\u{1b}\\",
            "link click",
        ),
        ("clip\u{1b}]52;c;cHduZWQ=\u{7}board", "clipboard"),
        ("dcs\u{1b}P1$r\u{1b}\\end", "dcsend"),
        ("c1 csi \u{9b}31mred", "c1 csi red"),
        ("bell\u{7} bs\u{8} nul\u{0}", "bell bs nul"),
        ("bidi \u{202e}gnp.exe\u{202c}", "bidi gnp.exe"),
        ("isolate \u{2066}x\u{2069}", "isolate x"),
        ("zero\u{200b}width\u{feff}", "zerowidth"),
        ("multi\nline\ttab", "multi line tab"),
        ("cr\roverwrite", "cr overwrite"),
        ("unterminated \u{1b}]0;title", "unterminated "),
        ("lone esc \u{1b}", "lone esc "),
        ("東京 🐘 Zoë عربى", "東京 🐘 Zoë عربى"),
    ];

    #[test]
    fn catalogue_is_neutralised_on_one_line() {
        for (input, want) in CATALOGUE {
            let got = line(input);
            assert_eq!(&got, want, "input {input:?}");
            assert!(is_clean_line(&got), "{got:?} still dirty");
        }
    }

    #[test]
    fn text_keeps_newlines_and_expands_tabs() {
        assert_eq!(text("a\r\nb\rc\td"), "a\nb\nc    d");
        assert_eq!(text("x\u{1b}[1my"), "xy");
    }

    #[test]
    fn clean_strings_are_returned_unchanged() {
        assert_eq!(line("Patroni failover"), "Patroni failover");
    }
}
