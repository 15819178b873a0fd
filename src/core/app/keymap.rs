//! The one keymap: every section's default bindings, each from its
//! screen's module ([`Keys::BINDINGS`]), assembled in the help overlay's
//! order ([`Context::ALL`]). It drives key dispatch and the help overlay
//! alike. Keys are plain data (no terminal types), so resolution is tested
//! without a terminal. Chords such as `gg` are sequences of key presses.

use std::sync::LazyLock;

/// Keys, commands and bindings are plain data of their own
/// ([`crate::core::app::command`]).
pub use crate::core::app::command::{Binding, Command, KeyCode, KeyPress};

/// Where a binding applies: a screen's keys, or planning mode's. The
/// sections come from the one list of screens ([`crate::core::app::screens`]).
pub use crate::core::app::screens::Context;
#[cfg(doc)]
use crate::core::app::screens::Keys;

/// The default keymap: every section's bindings, in the help overlay's
/// order (the sections in [`Context::ALL`]'s, each section's as its
/// screen lists them).
pub fn defaults() -> impl Iterator<Item = (Context, &'static Binding)> {
    Context::ALL
        .iter()
        .flat_map(|&c| c.bindings().iter().map(move |b| (c, b)))
}

/// A default binding with its section and its key sequences parsed.
#[derive(Debug, Clone)]
pub struct ParsedBinding {
    pub context: Context,
    pub binding: Binding,
    pub sequences: Vec<Vec<KeyPress>>,
}

static PARSED: LazyLock<Vec<ParsedBinding>> = LazyLock::new(|| {
    defaults()
        .map(|(context, b)| ParsedBinding {
            context,
            binding: *b,
            sequences: b
                .keys
                .split('|')
                .map(|s| parse_sequence(s).unwrap_or_default())
                .collect(),
        })
        .collect()
});

/// The parsed keymap.
pub fn bindings() -> &'static [ParsedBinding] {
    &PARSED
}

/// Outcome of resolving a key press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// A binding matched.
    Command(Command),
    /// The keys so far start a chord: wait for the next one.
    Pending,
    /// Nothing is bound to these keys.
    Unbound,
}

/// Resolve in the first of `contexts` that binds (or starts) the keys:
/// planning mode's own keys, then the board's.
pub fn resolve_layered(contexts: &[Context], pending: &[KeyPress], key: KeyPress) -> Resolution {
    for &c in contexts {
        match resolve(c, pending, key) {
            Resolution::Unbound => continue,
            r => return r,
        }
    }
    Resolution::Unbound
}

/// Resolve `pending` keys followed by `key` in a context.
fn resolve(context: Context, pending: &[KeyPress], key: KeyPress) -> Resolution {
    let mut seq: Vec<KeyPress> = pending.to_vec();
    seq.push(key);
    let mut prefix = false;
    for pb in bindings().iter().filter(|pb| pb.context == context) {
        for s in &pb.sequences {
            if *s == seq {
                return Resolution::Command(pb.binding.command);
            }
            if s.len() > seq.len() && s[..seq.len()] == seq[..] {
                prefix = true;
            }
        }
    }
    if prefix {
        Resolution::Pending
    } else {
        Resolution::Unbound
    }
}

/// Parse a key sequence such as `gg`, `<C-c>`, `<S-Left>` or `?`.
pub fn parse_sequence(s: &str) -> Option<Vec<KeyPress>> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('<')
            && !inner.is_empty()
        {
            // `<C-q` (unclosed) is a mistake, not the keys <, C, -, q; a
            // lone `<` is the key itself.
            let end = inner.find('>')?;
            out.push(parse_named(&inner[..end])?);
            rest = &inner[end + 1..];
            continue;
        }
        let c = rest.chars().next()?;
        out.push(KeyPress::char(c));
        rest = &rest[c.len_utf8()..];
    }
    if out.is_empty() { None } else { Some(out) }
}

fn parse_named(name: &str) -> Option<KeyPress> {
    let (mods, base) = match name.rsplit_once('-') {
        Some((m, b)) if !b.is_empty() => (m, b),
        _ => ("", name),
    };
    let mut k = KeyPress::plain(match base {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Tab" => KeyCode::Tab,
        "BackTab" => KeyCode::BackTab,
        "Backspace" => KeyCode::Backspace,
        "Delete" => KeyCode::Delete,
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "PageUp" => KeyCode::PageUp,
        "PageDown" => KeyCode::PageDown,
        "Space" => KeyCode::Char(' '),
        s if s.chars().count() == 1 => KeyCode::Char(s.chars().next()?),
        _ => return None,
    });
    for m in mods.split('-').filter(|m| !m.is_empty()) {
        match m {
            "C" => k.ctrl = true,
            "A" => k.alt = true,
            "S" => k.shift = true,
            _ => return None,
        }
    }
    Some(k)
}

/// How a key sequence is shown in the help overlay: `<Down>` becomes `↓`.
pub fn display_keys(keys: &str) -> String {
    keys.split('|')
        .map(|k| {
            k.replace("<Up>", "↑")
                .replace("<Down>", "↓")
                .replace("<Left>", "←")
                .replace("<Right>", "→")
                .replace("<S-", "<Shift-")
                .replace("<C-", "<Ctrl-")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_binding_parses_and_has_help() {
        for (c, b) in defaults() {
            assert!(!b.help.is_empty(), "{c:?} {b:?}");
            for k in b.keys.split('|') {
                assert!(parse_sequence(k).is_some(), "unparsable key {k:?} in {b:?}");
            }
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_a_context() {
        let mut seen = HashSet::new();
        for pb in bindings() {
            for s in &pb.sequences {
                assert!(
                    seen.insert((pb.context, s.clone())),
                    "duplicate {s:?} in {:?}",
                    pb.context
                );
            }
        }
    }

    #[test]
    fn no_sequence_is_a_prefix_of_another_in_a_context() {
        for a in bindings() {
            for b in bindings().iter().filter(|b| b.context == a.context) {
                for sa in &a.sequences {
                    for sb in &b.sequences {
                        if sa.len() < sb.len() {
                            assert_ne!(sa[..], sb[..sa.len()], "{sa:?} shadows {sb:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn resolves_single_keys_and_chords() {
        assert_eq!(
            resolve(Context::Board, &[], KeyPress::char('j')),
            Resolution::Command(Command::Down)
        );
        assert_eq!(
            resolve(Context::Board, &[], KeyPress::plain(KeyCode::Down)),
            Resolution::Command(Command::Down)
        );
        assert_eq!(
            resolve(Context::Board, &[], KeyPress::char('g')),
            Resolution::Pending
        );
        assert_eq!(
            resolve(Context::Board, &[KeyPress::char('g')], KeyPress::char('g')),
            Resolution::Command(Command::Top)
        );
        assert_eq!(
            resolve(Context::Board, &[KeyPress::char('g')], KeyPress::char('x')),
            Resolution::Unbound
        );
        assert_eq!(
            resolve(Context::Board, &[], KeyPress::ctrl('c')),
            Resolution::Command(Command::Quit)
        );
        assert_eq!(
            resolve(Context::Help, &[], KeyPress::char('?')),
            Resolution::Command(Command::Back)
        );
        assert_eq!(
            resolve(Context::Filter, &[], KeyPress::char('j')),
            Resolution::Unbound
        );
    }

    #[test]
    fn parses_modifiers() {
        assert_eq!(
            parse_sequence("<S-Left>").unwrap(),
            vec![KeyPress {
                code: KeyCode::Left,
                ctrl: false,
                alt: false,
                shift: true
            }]
        );
        assert_eq!(parse_sequence("<C-d>").unwrap(), vec![KeyPress::ctrl('d')]);
        assert_eq!(parse_sequence("<Nope>"), None);
        assert_eq!(display_keys("j|<Down>"), "j ↓");
    }
}
