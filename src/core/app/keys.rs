//! The keymap in effect: the default table ([`keymap::defaults`]) with the
//! config's `[keys]` rebindings and `[[commands]]` keys applied. An action
//! is named as the help overlay shows it (`take`, `move-lane-left`,
//! `set-priority-2`), a mode by its section (`board`, `detail`, ...). A key
//! taken by another action, a key that starts another's chord, an unknown
//! action or mode: an error naming both bindings and the config line.

use crate::core::app::command::{Command, KeyPress};
use crate::core::app::keymap::{self, Context, Resolution};

/// One binding in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub context: Context,
    /// As written: alternatives separated by `|`.
    pub keys: String,
    pub command: Command,
    pub help: String,
    pub sequences: Vec<Vec<KeyPress>>,
}

/// The keymap in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    pub bound: Vec<Bound>,
}

/// A rebinding from the config: in `context`, `action` gets `keys`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebind {
    pub context: String,
    pub action: String,
    pub keys: Vec<String>,
    /// The config line it is on.
    pub line: usize,
}

/// What is wrong with a rebinding, and its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeysError {
    pub line: usize,
    pub message: String,
}

/// An action's name, as the config and the help overlay write it:
/// `MoveLaneLeft` is `move-lane-left`, `SetPriority(2)` `set-priority-2`.
pub fn action_name(cmd: Command) -> String {
    let raw = format!("{cmd:?}");
    let mut out = String::new();
    for (i, c) in raw.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c == '(' {
            out.push('-');
        }
    }
    out
}

/// A mode's name in the config: its help section's first word, lower case.
pub fn context_name(c: Context) -> &'static str {
    c.name()
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap {
            bound: keymap::bindings()
                .iter()
                .map(|pb| Bound {
                    context: pb.context,
                    keys: pb.binding.keys.to_owned(),
                    command: pb.binding.command,
                    help: pb.binding.help.to_owned(),
                    sequences: pb.sequences.clone(),
                })
                .collect(),
        }
    }
}

fn parse_keys(keys: &[String], line: usize) -> Result<Vec<Vec<KeyPress>>, KeysError> {
    keys.iter()
        .map(|k| {
            keymap::parse_sequence(k).filter(|s| !s.is_empty()).ok_or_else(|| KeysError {
                line,
                message: match k.rfind('<') {
                    Some(at) if k.len() > 1 && !k[at..].contains('>') => format!(
                        "{k:?} is not a key: its < is not closed (write {:?})",
                        format!("{k}>")
                    ),
                    _ => format!(
                        "{k:?} is not a key: write letters, or <Enter> <Esc> <Tab> <Space> <Up> <F5> <C-x> <S-Left> <A-x>"
                    ),
                },
            })
        })
        .collect()
}

impl Keymap {
    /// Resolve `pending` keys and `key` in a context.
    pub fn resolve(&self, context: Context, pending: &[KeyPress], key: KeyPress) -> Resolution {
        let mut seq: Vec<KeyPress> = pending.to_vec();
        seq.push(key);
        let mut prefix = false;
        for b in self.bound.iter().filter(|b| b.context == context) {
            for s in &b.sequences {
                if *s == seq {
                    return Resolution::Command(b.command);
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

    /// Resolve in the first of `contexts` that binds (or starts) the keys.
    pub fn resolve_layered(
        &self,
        contexts: &[Context],
        pending: &[KeyPress],
        key: KeyPress,
    ) -> Resolution {
        for &c in contexts {
            match self.resolve(c, pending, key) {
                Resolution::Unbound => continue,
                r => return r,
            }
        }
        Resolution::Unbound
    }

    /// The keys of `command` in `context`, as written (`t|<C-t>`).
    pub fn keys_of(&self, context: Context, command: Command) -> Option<&str> {
        self.bound
            .iter()
            .find(|b| b.context == context && b.command == command)
            .map(|b| b.keys.as_str())
    }

    /// Whether a sequence is free in a context: not bound, not the start
    /// of a binding's chord, no binding the start of it. The binding in
    /// the way otherwise.
    fn in_the_way(
        &self,
        context: Context,
        seq: &[KeyPress],
        except: Option<Command>,
    ) -> Option<&Bound> {
        self.bound
            .iter()
            .filter(|b| b.context == context && Some(b.command) != except)
            .find(|b| {
                b.sequences.iter().any(|s| {
                    let n = s.len().min(seq.len());
                    s[..n] == seq[..n]
                })
            })
    }

    /// The keymap with the config's rebindings: each replaces the action's
    /// keys in that mode.
    pub fn rebound(&self, rebinds: &[Rebind]) -> Result<Keymap, KeysError> {
        let mut km = self.clone();
        // First every action's keys go, then the new ones come, so two
        // actions may swap keys.
        let mut planned = Vec::new();
        for r in rebinds {
            let Some(context) = Context::ALL
                .iter()
                .copied()
                .find(|c| context_name(*c) == r.context)
            else {
                return Err(KeysError {
                    line: r.line,
                    message: format!(
                        "[keys.{}]: no such mode; modes: {}",
                        r.context,
                        Context::ALL
                            .iter()
                            .map(|c| c.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            };
            let Some(at) = km
                .bound
                .iter()
                .position(|b| b.context == context && action_name(b.command) == r.action)
            else {
                let known: Vec<String> = km
                    .bound
                    .iter()
                    .filter(|b| b.context == context)
                    .map(|b| action_name(b.command))
                    .collect();
                return Err(KeysError {
                    line: r.line,
                    message: format!(
                        "[keys.{}] {}: no such action in that mode (its actions, as the help overlay (?) names them: {})",
                        r.context,
                        r.action,
                        known.join(", ")
                    ),
                });
            };
            let seqs = parse_keys(&r.keys, r.line)?;
            km.bound[at].sequences.clear();
            planned.push((at, context, seqs, r));
        }
        for (at, context, seqs, r) in planned {
            let cmd = km.bound[at].command;
            for s in &seqs {
                if let Some(other) = km.in_the_way(context, s, Some(cmd)) {
                    return Err(KeysError {
                        line: r.line,
                        message: format!(
                            "[keys.{}] {} = {:?} conflicts with {} ({}, bound to {}): rebind that one too",
                            r.context,
                            r.action,
                            r.keys.join("|"),
                            action_name(other.command),
                            other.help,
                            other.keys,
                        ),
                    });
                }
            }
            km.bound[at].sequences = seqs;
            km.bound[at].keys = r.keys.join("|");
        }
        Ok(km)
    }

    /// Add a binding of its own (a `[[commands]]` entry) to a mode.
    pub fn add(
        &mut self,
        context: Context,
        keys: &str,
        command: Command,
        help: &str,
        line: usize,
    ) -> Result<(), KeysError> {
        let seqs = parse_keys(&[keys.to_owned()], line)?;
        for s in &seqs {
            if let Some(other) = self.in_the_way(context, s, None) {
                return Err(KeysError {
                    line,
                    message: format!(
                        "[[commands]] key {keys:?} conflicts with {} ({}, bound to {}): choose another key, or rebind that one in [keys.{}]",
                        action_name(other.command),
                        other.help,
                        other.keys,
                        context_name(context)
                    ),
                });
            }
        }
        self.bound.push(Bound {
            context,
            keys: keys.to_owned(),
            command,
            help: help.to_owned(),
            sequences: seqs,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::app::command::KeyPress;

    fn rb(context: &str, action: &str, keys: &[&str], line: usize) -> Rebind {
        Rebind {
            context: context.into(),
            action: action.into(),
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            line,
        }
    }

    #[test]
    fn actions_have_the_names_the_help_shows() {
        assert_eq!(action_name(Command::MoveLaneLeft), "move-lane-left");
        assert_eq!(action_name(Command::SetPriority(2)), "set-priority-2");
        assert_eq!(action_name(Command::Take), "take");
        // Every action of a mode has a name of its own.
        let km = Keymap::default();
        for &c in Context::ALL {
            let mut names: Vec<String> = km
                .bound
                .iter()
                .filter(|b| b.context == c)
                .map(|b| action_name(b.command))
                .collect();
            let n = names.len();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), n, "{c:?}");
        }
    }

    #[test]
    fn a_rebound_action_answers_its_new_key_only() {
        let km = Keymap::default()
            .rebound(&[
                rb("board", "take", &["T"], 3),
                rb("board", "move-card-top", &["gT"], 4),
            ])
            .unwrap();
        let r = |k: char| km.resolve(Context::Board, &[], KeyPress::char(k));
        assert_eq!(r('T'), Resolution::Command(Command::Take));
        assert_eq!(r('t'), Resolution::Unbound, "the old key is free");
        // Two actions may swap keys.
        let km = Keymap::default()
            .rebound(&[
                rb("board", "move-lane-left", &["L"], 1),
                rb("board", "move-lane-right", &["H"], 2),
            ])
            .unwrap();
        assert_eq!(
            km.resolve(Context::Board, &[], KeyPress::char('L')),
            Resolution::Command(Command::MoveLaneLeft)
        );
    }

    #[test]
    fn conflicts_and_unknown_names_are_errors_naming_both_and_the_line() {
        let err = Keymap::default()
            .rebound(&[rb("board", "take", &["j"], 7)])
            .unwrap_err();
        assert_eq!(err.line, 7);
        assert!(
            err.message.contains("take") && err.message.contains("down"),
            "{}",
            err.message
        );
        // A key that starts a chord (gg) is in the way too.
        let err = Keymap::default()
            .rebound(&[rb("board", "take", &["g"], 2)])
            .unwrap_err();
        assert!(err.message.contains("conflicts with"), "{}", err.message);
        let err = Keymap::default()
            .rebound(&[rb("board", "teleport", &["Z"], 9)])
            .unwrap_err();
        assert_eq!(err.line, 9);
        assert!(err.message.contains("no such action"), "{}", err.message);
        let err = Keymap::default()
            .rebound(&[rb("boards", "take", &["Z"], 1)])
            .unwrap_err();
        assert!(err.message.contains("no such mode"), "{}", err.message);
        let err = Keymap::default()
            .rebound(&[rb("board", "take", &["<Nope>"], 1)])
            .unwrap_err();
        assert!(err.message.contains("is not a key"), "{}", err.message);
    }
}
