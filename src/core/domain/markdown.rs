//! Renders an issue description (GitLab Flavored Markdown) into readable,
//! styled lines of plain text: headings, lists, task lists, quotes, code
//! blocks, links with their targets. The output names styles by meaning
//! ([`Emphasis`]); the terminal layer picks colours.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use crate::core::domain::text;

/// What a run of text means; the view maps each to a style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emphasis {
    Plain,
    Strong,
    Italic,
    Code,
    Heading,
    Link,
    Quote,
    Marker,
}

/// A run of text with one meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub emphasis: Emphasis,
}

/// One output line.
pub type RichLine = Vec<Run>;

/// Render markdown into lines. The input must already be sanitized.
pub fn render(src: &str) -> Vec<RichLine> {
    let mut r = Renderer::default();
    let opts = Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    for ev in Parser::new_ext(src, opts) {
        r.event(ev);
    }
    r.flush();
    while r.lines.last().is_some_and(|l| l.is_empty()) {
        r.lines.pop();
    }
    r.lines
}

/// Render to plain strings (for `print` and tests).
pub fn render_plain(src: &str) -> Vec<String> {
    render(src)
        .into_iter()
        .map(|l| l.into_iter().map(|r| r.text).collect())
        .collect()
}

/// Word-wrap styled lines to `width` cells. Leading indentation (markers,
/// quote bars) of a line is repeated as blank space on its continuation lines.
pub fn wrap_lines(lines: &[RichLine], width: usize) -> Vec<RichLine> {
    use unicode_segmentation::UnicodeSegmentation;
    let width = width.max(4);
    let mut out = Vec::new();
    for line in lines {
        let total: usize = line.iter().map(|r| text::width(&r.text)).sum();
        if total <= width {
            out.push(line.clone());
            continue;
        }
        // Indent for continuation lines: the width of leading marker runs.
        let indent: usize = line
            .iter()
            .take_while(|r| r.emphasis == Emphasis::Marker || r.text.trim().is_empty())
            .map(|r| text::width(&r.text))
            .sum::<usize>()
            .min(width / 2);
        let mut cur: RichLine = Vec::new();
        let mut cur_w = 0;
        let push = |cur: &mut RichLine, s: &str, e: Emphasis| {
            if let Some(last) = cur.last_mut()
                && last.emphasis == e
            {
                last.text.push_str(s);
            } else {
                cur.push(Run {
                    text: s.to_owned(),
                    emphasis: e,
                });
            }
        };
        for run in line {
            for word in &glued(&run.text) {
                let word = word.as_str();
                let ww = text::width(word);
                let blank = word.trim().is_empty();
                if cur_w + ww > width && cur_w > indent {
                    out.push(std::mem::take(&mut cur));
                    cur_w = 0;
                    if indent > 0 {
                        push(&mut cur, &" ".repeat(indent), Emphasis::Plain);
                        cur_w = indent;
                    }
                    if blank {
                        continue;
                    }
                }
                if cur_w + ww > width {
                    for g in word.graphemes(true) {
                        let gw = text::width(g);
                        if cur_w + gw > width && cur_w > indent {
                            out.push(std::mem::take(&mut cur));
                            cur_w = 0;
                            if indent > 0 {
                                push(&mut cur, &" ".repeat(indent), Emphasis::Plain);
                                cur_w = indent;
                            }
                        }
                        push(&mut cur, g, run.emphasis);
                        cur_w += gw;
                    }
                } else {
                    push(&mut cur, word, run.emphasis);
                    cur_w += ww;
                }
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    out
}

/// Word bounds to wrap at, closing punctuation kept with the word before
/// it: "below." never wraps as "below" and a lone ".".
fn glued(text: &str) -> Vec<String> {
    use unicode_segmentation::UnicodeSegmentation;
    let mut out: Vec<String> = Vec::new();
    for w in text.split_word_bounds() {
        let closing = w.chars().all(|c| ".,;:!?)]}»”’…".contains(c));
        match out.last_mut() {
            Some(last) if closing && !last.trim().is_empty() => last.push_str(w),
            _ => out.push(w.to_owned()),
        }
    }
    out
}

#[derive(Default)]
struct Renderer {
    lines: Vec<RichLine>,
    cur: RichLine,
    /// Stack of list counters: `None` for bullets, `Some(n)` for numbered.
    lists: Vec<Option<u64>>,
    quote_depth: usize,
    strong: usize,
    italic: usize,
    heading: bool,
    in_code_block: bool,
    link_target: Vec<String>,
    /// Indentation for continuation lines of the current list item.
    item_indent: usize,
    table_cell: usize,
}

impl Renderer {
    fn emphasis(&self) -> Emphasis {
        if self.heading {
            Emphasis::Heading
        } else if !self.link_target.is_empty() {
            Emphasis::Link
        } else if self.strong > 0 {
            Emphasis::Strong
        } else if self.italic > 0 {
            Emphasis::Italic
        } else if self.quote_depth > 0 {
            Emphasis::Quote
        } else {
            Emphasis::Plain
        }
    }

    fn push(&mut self, text: &str, emphasis: Emphasis) {
        if self.cur.is_empty() {
            self.start_line();
        }
        if let Some(last) = self.cur.last_mut()
            && last.emphasis == emphasis
        {
            last.text.push_str(text);
            return;
        }
        self.cur.push(Run {
            text: text.to_owned(),
            emphasis,
        });
    }

    fn start_line(&mut self) {
        if self.quote_depth > 0 {
            self.cur.push(Run {
                text: "│ ".repeat(self.quote_depth),
                emphasis: Emphasis::Marker,
            });
        }
        if self.item_indent > 0 {
            self.cur.push(Run {
                text: " ".repeat(self.item_indent),
                emphasis: Emphasis::Plain,
            });
        }
    }

    fn newline(&mut self) {
        let line = std::mem::take(&mut self.cur);
        self.lines.push(line);
    }

    fn flush(&mut self) {
        if !self.cur.is_empty() {
            self.newline();
        }
    }

    fn blank(&mut self) {
        self.flush();
        if self.lines.last().is_some_and(|l| !l.is_empty()) {
            self.lines.push(Vec::new());
        }
    }

    fn event(&mut self, ev: Event<'_>) {
        match ev {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => {
                if self.in_code_block {
                    for (i, l) in t.split('\n').enumerate() {
                        if i > 0 {
                            self.newline();
                        }
                        if !l.is_empty() {
                            self.push(&format!("    {l}"), Emphasis::Code);
                        }
                    }
                } else {
                    let e = self.emphasis();
                    self.push(&t, e);
                }
            }
            Event::Code(t) => self.push(&t, Emphasis::Code),
            Event::InlineMath(t) | Event::DisplayMath(t) => self.push(&t, Emphasis::Code),
            Event::Html(t) | Event::InlineHtml(t) => {
                let e = self.emphasis();
                self.push(t.trim_end_matches('\n'), e);
                if t.ends_with('\n') {
                    self.newline();
                }
            }
            Event::SoftBreak => {
                let e = self.emphasis();
                self.push(" ", e);
            }
            Event::HardBreak => self.newline(),
            Event::Rule => {
                self.blank();
                self.push("────────", Emphasis::Marker);
                self.newline();
            }
            Event::TaskListMarker(done) => {
                // Replace the bullet that the item start pushed.
                if let Some(last) = self.cur.last_mut()
                    && last.emphasis == Emphasis::Marker
                    && last.text.ends_with("• ")
                {
                    last.text.truncate(last.text.len() - "• ".len());
                    last.text.push_str(if done { "☑ " } else { "☐ " });
                } else {
                    self.push(if done { "☑ " } else { "☐ " }, Emphasis::Marker);
                }
            }
            Event::FootnoteReference(t) => self.push(&format!("[{t}]"), Emphasis::Marker),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => {
                if self.lists.is_empty() {
                    self.blank();
                } else {
                    // Loose list items: a paragraph after the first continues indented.
                    if !self.cur.is_empty()
                        && self.cur.iter().any(|r| r.emphasis != Emphasis::Marker)
                    {
                        self.newline();
                    }
                }
            }
            Tag::Heading { .. } => {
                self.blank();
                self.heading = true;
            }
            Tag::BlockQuote(_) => {
                self.blank();
                self.quote_depth += 1;
            }
            Tag::CodeBlock(kind) => {
                self.blank();
                if let CodeBlockKind::Fenced(lang) = kind
                    && !lang.is_empty()
                {
                    self.push(&format!("    ({lang})"), Emphasis::Marker);
                    self.newline();
                }
                self.in_code_block = true;
            }
            Tag::List(start) => {
                if self.lists.is_empty() {
                    self.blank();
                } else {
                    self.flush();
                }
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "• ".to_owned(),
                };
                let indent = "  ".repeat(depth);
                self.item_indent = 0;
                self.start_line();
                self.cur.push(Run {
                    text: format!("{indent}{marker}"),
                    emphasis: Emphasis::Marker,
                });
                self.item_indent = depth * 2 + marker.chars().count();
            }
            Tag::Emphasis => self.italic += 1,
            Tag::Strong => self.strong += 1,
            Tag::Strikethrough => {}
            Tag::Link { dest_url, .. } => self.link_target.push(dest_url.to_string()),
            Tag::Image { dest_url, .. } => {
                self.push("[image: ", Emphasis::Marker);
                self.link_target.push(dest_url.to_string());
            }
            Tag::Table(_) => self.blank(),
            Tag::TableHead | Tag::TableRow => {
                self.flush();
                self.table_cell = 0;
            }
            Tag::TableCell => {
                if self.table_cell > 0 {
                    self.push(" │ ", Emphasis::Marker);
                }
                self.table_cell += 1;
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.flush(),
            TagEnd::Heading(_) => {
                self.heading = false;
                self.flush();
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quote_depth = self.quote_depth.saturating_sub(1);
                self.blank();
            }
            TagEnd::CodeBlock => {
                self.in_code_block = false;
                self.flush();
                self.blank();
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                self.item_indent = 0;
                if self.lists.is_empty() {
                    self.blank();
                }
            }
            TagEnd::Item => {
                self.flush();
                self.item_indent = 0;
            }
            TagEnd::Emphasis => self.italic = self.italic.saturating_sub(1),
            TagEnd::Strong => self.strong = self.strong.saturating_sub(1),
            TagEnd::Link => {
                if let Some(url) = self.link_target.pop() {
                    let shown: String = self.cur.last().map(|r| r.text.clone()).unwrap_or_default();
                    if !url.is_empty() && !shown.ends_with(&url) {
                        self.push(&format!(" <{url}>"), Emphasis::Marker);
                    }
                }
            }
            TagEnd::Image => {
                if let Some(url) = self.link_target.pop() {
                    self.push(&format!(" {url}]"), Emphasis::Marker);
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => self.flush(),
            TagEnd::Table => self.blank(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_common_gitlab_markdown_as_text() {
        let src = "## Goal\n\nUpgrade **Patroni** on `db-main`.\n\n- [ ] drain replicas\n- [x] take backup\n\n1. one\n2. two\n\n```sql\nSELECT 1;\n```\n\n> careful\n\nSee [runbook](https://example.com/rb).";
        let lines = render_plain(src);
        assert_eq!(
            lines,
            vec![
                "Goal",
                "",
                "Upgrade Patroni on db-main.",
                "",
                "☐ drain replicas",
                "☑ take backup",
                "",
                "1. one",
                "2. two",
                "",
                "    (sql)",
                "    SELECT 1;",
                "",
                "│ careful",
                "",
                "See runbook <https://example.com/rb>.",
            ]
        );
    }

    #[test]
    fn emphasis_is_reported() {
        let lines = render("**bold** and `code`");
        let kinds: Vec<_> = lines[0].iter().map(|r| r.emphasis).collect();
        assert_eq!(
            kinds,
            vec![Emphasis::Strong, Emphasis::Plain, Emphasis::Code]
        );
    }

    #[test]
    fn nested_lists_indent() {
        let lines = render_plain("- a\n  - b\n- c");
        assert_eq!(lines, vec!["• a", "  • b", "• c"]);
    }

    #[test]
    fn wrapping_keeps_every_line_within_the_width_and_indents_continuations() {
        let lines = render(
            "- a list item that is far too long to fit on one narrow line of text\n\n東京リージョンのレプリカ遅延を調査する東京リージョンのレプリカ遅延",
        );
        let wrapped = wrap_lines(&lines, 20);
        for l in &wrapped {
            let w: usize = l.iter().map(|r| text::width(&r.text)).sum();
            assert!(w <= 20, "{l:?}");
        }
        let plain: Vec<String> = wrapped
            .iter()
            .map(|l| l.iter().map(|r| r.text.as_str()).collect())
            .collect();
        assert_eq!(plain[0], "• a list item that ");
        assert!(plain[1].starts_with("  is"), "{:?}", plain[1]);
    }

    #[test]
    fn empty_description_renders_nothing() {
        assert!(render("").is_empty());
        assert!(render("   \n\n").is_empty());
    }
}
