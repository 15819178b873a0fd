//! Display-width helpers: measuring, truncating and wrapping text in terminal
//! cells. Widths come from `unicode-width`; cuts fall on grapheme boundaries,
//! so wide characters, combining marks and emoji never split.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Width of a string in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Truncate `s` to at most `max` cells, ending in `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = width(g);
        if used + w > max - 1 {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    out
}

/// [`fit`] appended to `out`, without a string of its own (a printed
/// board fits thousands of titles); returns the cells it took.
pub fn fit_into(out: &mut String, s: &str, cells: usize) -> usize {
    let w = width(s);
    if w <= cells {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', cells - w));
        return cells;
    }
    let t = truncate(s, cells);
    let w = width(&t);
    out.push_str(&t);
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    cells
}

/// Pad `s` with spaces (or truncate it) to exactly `cells` cells.
pub fn fit(s: &str, cells: usize) -> String {
    let t = truncate(s, cells);
    let w = width(&t);
    let mut out = t;
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

/// Split into alternating runs of whitespace and non-whitespace, so lines
/// break only at spaces (`(needs` stays whole).
fn words(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let space = first.is_whitespace();
        let end = rest
            .find(|c: char| c.is_whitespace() != space)
            .unwrap_or(rest.len());
        let (word, tail) = rest.split_at(end);
        rest = tail;
        Some(word)
    })
}

/// Word-wrap one line of text into lines of at most `max_width` cells. Words
/// longer than a line are broken at grapheme boundaries. When `max_lines` is
/// reached the last line ends in `…`.
pub fn wrap(s: &str, max_width: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    if max_width == 0 || max_lines == 0 {
        return lines;
    }
    let mut cur = String::new();
    let mut cur_w = 0;
    let mut truncated = false;
    'words: for word in words(s) {
        let ww = width(word);
        let is_space = word.chars().all(char::is_whitespace);
        if cur_w + ww <= max_width {
            if !(is_space && cur_w == 0) {
                cur.push_str(word);
                cur_w += ww;
            }
            continue;
        }
        if is_space {
            // Break here; the space is dropped.
            lines.push(std::mem::take(&mut cur));
            cur_w = 0;
            if lines.len() == max_lines {
                truncated = true;
                break;
            }
            continue;
        }
        if ww <= max_width {
            lines.push(std::mem::take(&mut cur).trim_end().to_owned());
            if lines.len() == max_lines {
                truncated = true;
                break;
            }
            cur.push_str(word);
            cur_w = ww;
            continue;
        }
        // A word wider than a line: break it by graphemes.
        for g in word.graphemes(true) {
            // A character wider than the whole line (a CJK character in a
            // one-cell column) shows as an ellipsis.
            let (g, gw) = if width(g) > max_width {
                ("…", 1)
            } else {
                (g, width(g))
            };
            if cur_w + gw > max_width {
                lines.push(std::mem::take(&mut cur));
                cur_w = 0;
                if lines.len() == max_lines {
                    truncated = true;
                    break 'words;
                }
            }
            cur.push_str(g);
            cur_w += gw;
        }
    }
    if !truncated {
        if !cur.is_empty() {
            lines.push(cur);
        }
    } else if let Some(last) = lines.last_mut() {
        let w = width(last);
        if w < max_width {
            last.push('…');
        } else {
            *last = truncate(&format!("{last}…"), max_width);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_into_appends_what_fit_returns() {
        for s in [
            "",
            "abc",
            "a long title here",
            "日本語のタイトル",
            "e\u{301}te\u{301}",
            "🔒 x",
        ] {
            for cells in 0..20 {
                let mut out = String::from(">");
                assert_eq!(fit_into(&mut out, s, cells), width(&fit(s, cells)));
                assert_eq!(out, format!(">{}", fit(s, cells)), "{s:?} in {cells}");
            }
        }
    }

    #[test]
    fn truncate_counts_cells_not_bytes() {
        assert_eq!(truncate("東京リージョン", 7), "東京リ…");
        assert_eq!(width(&truncate("東京リージョン", 7)), 7);
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }

    #[test]
    fn truncate_keeps_graphemes_whole() {
        // e + combining acute, then an emoji with a skin tone.
        let s = "e\u{301}e\u{301}e\u{301} 👍🏽👍🏽";
        let t = truncate(s, 5);
        assert!(t.ends_with('…'));
        assert!(width(&t) <= 5);
        assert!(t.starts_with("e\u{301}"));
    }

    #[test]
    fn fit_pads_to_exact_width() {
        assert_eq!(width(&fit("🐘 pg", 8)), 8);
        assert_eq!(width(&fit("東京東京東京", 5)), 5);
    }

    #[test]
    fn wrap_breaks_on_words_and_marks_the_cut() {
        let lines = wrap("Patroni failover drill on the main cluster", 16, 2);
        assert_eq!(lines, vec!["Patroni failover", "drill on the…"]);
        let lines = wrap("short", 16, 2);
        assert_eq!(lines, vec!["short"]);
        let lines = wrap("terminal too small (needs 30x10)", 20, 3);
        assert_eq!(lines, vec!["terminal too small", "(needs 30x10)"]);
    }

    #[test]
    fn wrap_breaks_long_words_and_wide_text() {
        let lines = wrap("aaaaaaaaaaaaaaaaaaaa", 8, 3);
        assert_eq!(lines, vec!["aaaaaaaa", "aaaaaaaa", "aaaa"]);
        assert_eq!(wrap("東京", 1, 2), vec!["…", "…"], "wider than the line");
        for l in wrap("東京リージョンのレプリカ遅延を調査する", 9, 2) {
            assert!(width(&l) <= 9, "{l}");
        }
    }
}
