//! The help overlay (`?`): every key of every mode, generated from the
//! keymap table, scrolled, and searched with `/` (a key, a word of its
//! description, or a mode's name). Opened from the detail pane, it returns
//! there when it closes.

use crate::core::app::action::Effect;
use crate::core::app::command::{Binding, Command};
use crate::core::app::keymap::{self, Context};
use crate::core::app::screens::pager::{self, Page};
use crate::core::app::screens::{Keys, Mode, Screen};
use crate::core::app::state::AppState;
use crate::core::domain::markdown::{Emphasis, RichLine, Run};

/// The help overlay, scrolled; `query` narrows it, typed after `/`
/// (`typing`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpScreen {
    pub scroll: usize,
    pub query: String,
    pub typing: bool,
}

impl Keys for HelpScreen {
    const NAME: &'static str = "help";
    const TITLE: &'static str = "Help";
    const BINDINGS: &'static [Binding] = &[
        Binding::new("j|<Down>", Command::Down, "scroll down"),
        Binding::new("k|<Up>", Command::Up, "scroll up"),
        Binding::new("<C-d>|<PageDown>|<Space>", Command::PageDown, "page down"),
        Binding::new("<C-u>|<PageUp>", Command::PageUp, "page up"),
        Binding::new("gg|<Home>", Command::Top, "top"),
        Binding::new("G|<End>", Command::Bottom, "bottom"),
        Binding::new(
            "/",
            Command::StartFilter,
            "search the keys (Enter keeps, Esc clears)",
        ),
        Binding::new(
            "q|<Esc>|?",
            Command::Back,
            "close help (back to where it opened)",
        ),
        Binding::new("<C-c>", Command::Quit, "quit"),
    ];
}

impl Screen for HelpScreen {
    /// Typing a search takes the filter's keys.
    fn keys_of(&self) -> Option<Context> {
        self.typing.then_some(Context::Filter)
    }

    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        if self.typing {
            search_command(state, cmd);
        } else {
            match cmd {
                Command::Help => open_help(state),
                Command::StartFilter => start_search(state),
                Command::Back => state.focus.mode = Mode::Board,
                _ => {
                    let page = page(state);
                    if let Some(page) = page
                        && let Mode::Help(HelpScreen { scroll, .. }) = &mut state.focus.mode
                    {
                        page.command(scroll, cmd);
                    }
                }
            }
        }
        Vec::new()
    }

    fn typed(state: &mut AppState, c: char) {
        if matches!(
            &state.focus.mode,
            Mode::Help(HelpScreen { typing: true, .. })
        ) {
            search_type(state, c);
        }
    }
}

fn run(text: impl Into<String>, emphasis: Emphasis) -> Run {
    Run {
        text: text.into(),
        emphasis,
    }
}

/// The overlay's lines, narrowed to `query` (case-insensitive) when it is
/// not empty: a binding shows when its keys or its description contain the
/// query, a whole mode when its name does. A binding wider than `width`
/// wraps under its description, so the action's name (what `[keys]`
/// rebinds it by) is never cut.
pub fn help_lines(km: &crate::core::app::keys::Keymap, query: &str, width: usize) -> Vec<RichLine> {
    let q = query.trim().to_lowercase();
    let mut lines = Vec::new();
    let key_w = km
        .bound
        .iter()
        .map(|b| crate::core::domain::text::width(&keymap::display_keys(&b.keys)))
        .max()
        .unwrap_or(0)
        + 2;
    for &ctx in Context::ALL {
        let whole = q.is_empty() || ctx.title().to_lowercase().contains(&q);
        let rows: Vec<RichLine> = km
            .bound
            .iter()
            .filter(|b| b.context == ctx && !b.sequences.is_empty())
            .filter(|b| {
                let keys = keymap::display_keys(&b.keys);
                let name = crate::core::app::keys::action_name(b.command);
                whole
                    || b.help.to_lowercase().contains(&q)
                    || keys.to_lowercase().contains(&q)
                    || b.keys.to_lowercase().contains(&q)
                    || name.contains(&q)
            })
            .flat_map(|b| {
                binding_lines(
                    &keymap::display_keys(&b.keys),
                    key_w,
                    &b.help,
                    &crate::core::app::keys::action_name(b.command),
                    width,
                )
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Vec::new());
        }
        lines.push(vec![run(ctx.title(), Emphasis::Heading)]);
        lines.extend(rows);
    }
    if lines.is_empty() {
        lines.push(vec![run(
            format!(
                "no key matches \"{}\" (Esc clears the search)",
                query.trim()
            ),
            Emphasis::Italic,
        )]);
        return lines;
    }
    if q.is_empty() {
        lines.push(Vec::new());
        lines.push(vec![run(
            "Mouse: click selects a card, the wheel moves through a column.",
            Emphasis::Italic,
        )]);
    }
    lines
}

/// The lines' width in an overlay `inner_w` cells wide.
pub fn width(inner_w: u16) -> usize {
    usize::from(inner_w)
}

/// One binding: its keys, its description and its action's name (the name
/// `[keys]` in the config rebinds it by), wrapped within `width` under the
/// description.
fn binding_lines(keys: &str, key_w: usize, help: &str, name: &str, width: usize) -> Vec<RichLine> {
    use crate::core::domain::text;
    let keys = run(format!("  {keys:<key_w$}"), Emphasis::Strong);
    let name = format!("  ({name})");
    let indent = text::width(&keys.text);
    if indent + text::width(help) + text::width(&name) <= width {
        return vec![vec![
            keys,
            run(help, Emphasis::Plain),
            run(name, Emphasis::Marker),
        ]];
    }
    let room = width.saturating_sub(indent).max(12);
    let pad = || run(" ".repeat(indent), Emphasis::Plain);
    let mut out: Vec<RichLine> = Vec::new();
    for (n, part) in text::wrap(help, room, usize::MAX).into_iter().enumerate() {
        let lead = if n == 0 { keys.clone() } else { pad() };
        out.push(vec![lead, run(part, Emphasis::Plain)]);
    }
    let last_w = out
        .last()
        .map_or(0, |l| l.iter().skip(1).map(|r| text::width(&r.text)).sum());
    match out.last_mut() {
        Some(last) if last_w + text::width(&name) <= room => {
            last.push(run(name, Emphasis::Marker));
        }
        _ => out.push(vec![pad(), run(name.trim_start(), Emphasis::Marker)]),
    }
    out
}

/// `?`: open the overlay; from the detail pane it returns there.
/// The help's lines (as searched) against the rows that show them; none
/// when the help is not showing.
fn page(state: &AppState) -> Option<Page> {
    let Mode::Help(HelpScreen { query, .. }) = &state.focus.mode else {
        return None;
    };
    let (w, visible) = pager::overlay_size(state.session.viewport);
    Some(Page {
        total: help_lines(&state.settings.keymap, query, width(w)).len(),
        visible,
    })
}

/// Scroll the help by `delta` lines (the mouse wheel).
pub(crate) fn scroll(state: &mut AppState, delta: i64) {
    if let Some(page) = page(state)
        && let Mode::Help(HelpScreen { scroll, .. }) = &mut state.focus.mode
    {
        page.scroll(scroll, delta);
    }
}

/// Keep the help's scroll within its lines (after a resize).
pub(crate) fn clamp_scroll(state: &mut AppState) {
    if let Some(page) = page(state)
        && let Mode::Help(HelpScreen { scroll, .. }) = &mut state.focus.mode
    {
        page.clamp(scroll);
    }
}

pub fn open_help(state: &mut AppState) {
    let from = std::mem::replace(
        &mut state.focus.mode,
        Mode::Help(HelpScreen {
            scroll: 0,
            query: String::new(),
            typing: false,
        }),
    );
    if !matches!(from, Mode::Board | Mode::Help(HelpScreen { .. })) {
        state.focus.back = Some(Box::new(from));
    }
}

/// Keys while typing a search in the overlay (the filter keys).
pub fn search_command(state: &mut AppState, cmd: Command) {
    let Mode::Help(HelpScreen {
        scroll,
        query,
        typing,
    }) = &mut state.focus.mode
    else {
        return;
    };
    match cmd {
        Command::FilterAccept => *typing = false,
        Command::FilterCancel => {
            query.clear();
            *typing = false;
        }
        Command::FilterBackspace => {
            query.pop();
        }
        Command::FilterClear => query.clear(),
        _ => return,
    }
    *scroll = 0;
}

/// A typed character of the search.
pub fn search_type(state: &mut AppState, c: char) {
    if let Mode::Help(HelpScreen { scroll, query, .. }) = &mut state.focus.mode {
        query.push(c);
        *scroll = 0;
    }
}

/// `/` in the overlay: start (or go on) typing a search.
pub fn start_search(state: &mut AppState) {
    if let Mode::Help(HelpScreen { typing, .. }) = &mut state.focus.mode {
        *typing = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::app::screens::detail::DetailScreen;
    use crate::core::testing::{keys, state};

    fn text(lines: &[RichLine]) -> String {
        lines
            .iter()
            .map(|l| l.iter().map(|r| r.text.as_str()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_overlay_lists_every_binding_of_every_mode() {
        let all = text(&help_lines(&Default::default(), "", 200));
        for (_, b) in keymap::defaults() {
            assert!(all.contains(b.help), "help lacks {:?}", b.help);
        }
        for title in [
            "Planning mode",
            "Re-plan",
            "Lane integrity",
            "Problems",
            "Pickers",
            "Grab",
        ] {
            assert!(all.contains(title), "help lacks {title}");
        }
    }

    /// At 80 columns (76 cells inside the overlay) nothing is cut: a long
    /// line wraps under its description, the action's name whole.
    #[test]
    fn at_80_columns_every_line_wraps_and_every_action_name_shows() {
        let km = Default::default();
        let lines = help_lines(&km, "", 76);
        for l in &lines {
            let w: usize = l
                .iter()
                .map(|r| crate::core::domain::text::width(&r.text))
                .sum();
            assert!(w <= 76, "{w}: {:?}", text(std::slice::from_ref(l)));
        }
        let all = text(&lines);
        for (_, b) in keymap::defaults() {
            let name = crate::core::app::keys::action_name(b.command);
            assert!(all.contains(&format!("({name})")), "{name} cut");
        }
    }

    #[test]
    fn a_search_narrows_to_matching_keys_and_modes() {
        let found = text(&help_lines(&Default::default(), "grab", 200));
        assert!(found.contains("grab the card"));
        assert!(found.contains("carry up"), "the whole Grab section shows");
        assert!(!found.contains("open in the browser"));
        assert!(text(&help_lines(&Default::default(), "zzzz", 200)).contains("no key matches"));
    }

    #[test]
    fn search_is_typed_after_slash_and_esc_clears_it_before_closing() {
        let mut s = state();
        keys(&mut s, "?/grab");
        let Mode::Help(HelpScreen { query, typing, .. }) = &s.focus.mode else {
            panic!("{:?}", s.focus.mode)
        };
        assert_eq!((query.as_str(), *typing), ("grab", true));
        // q while typing is text, not close.
        keys(&mut s, "q<Backspace><Enter>");
        let Mode::Help(HelpScreen { query, typing, .. }) = &s.focus.mode else {
            panic!("{:?}", s.focus.mode)
        };
        assert_eq!((query.as_str(), *typing), ("grab", false));
        keys(&mut s, "/<Esc>");
        assert!(matches!(&s.focus.mode, Mode::Help(HelpScreen { query, .. }) if query.is_empty()));
        keys(&mut s, "<Esc>");
        assert_eq!(s.focus.mode, Mode::Board);
        assert!(!s.session.quit);
    }

    #[test]
    fn help_from_the_detail_pane_returns_to_it() {
        let mut s = state();
        keys(&mut s, "ll<Enter>");
        assert!(
            matches!(s.focus.mode, Mode::Detail(DetailScreen { .. })),
            "{:?}",
            s.focus.mode
        );
        keys(&mut s, "?");
        assert!(matches!(s.focus.mode, Mode::Help(HelpScreen { .. })));
        keys(&mut s, "<Esc>");
        assert!(
            matches!(s.focus.mode, Mode::Detail(DetailScreen { .. })),
            "{:?}",
            s.focus.mode
        );
        keys(&mut s, "<Esc>");
        assert_eq!(s.focus.mode, Mode::Board);
    }
}
