//! The one-line prompt (weight, comment, a new issue's title): its keys,
//! the characters typed, and what accepting does.

use crate::core::app::action::Effect;
use crate::core::app::bulk::act;
use crate::core::app::command::{Binding, Command};
use crate::core::app::new_issue;
use crate::core::app::screens::Mode;
use crate::core::app::screens::{Keys, Screen};
use crate::core::app::state::AppState;
use crate::core::domain::model::IssueId;
use crate::core::domain::workflow::Intent;

/// What a one-line prompt is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputPurpose {
    Weight,
    Comment,
    /// The title of a new issue in this lane (`None`: no lane).
    NewTitle {
        lane: Option<String>,
    },
}

/// A one-line prompt: what it is for, on which issue, what is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputScreen {
    pub purpose: InputPurpose,
    pub issue: IssueId,
    pub text: String,
}

impl Keys for InputScreen {
    const NAME: &'static str = "input";
    const TITLE: &'static str = "Prompts (weight, comment)";
    const BINDINGS: &'static [Binding] = &[
        Binding::new("<Enter>", Command::Accept, "done"),
        Binding::new("<Esc>", Command::Cancel, "cancel"),
        Binding::new("<Backspace>", Command::Backspace, "delete a character"),
        Binding::new("<C-u>", Command::ClearText, "clear the text"),
        Binding::new("<C-c>", Command::Quit, "quit"),
    ];
}

impl Screen for InputScreen {
    fn command(self, state: &mut AppState, cmd: Command) -> Vec<Effect> {
        input_command(state, cmd)
    }

    fn typed(state: &mut AppState, c: char) {
        input_type(state, c);
    }
}

/// Keys in a one-line prompt.
pub fn input_command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let Mode::Input(InputScreen {
        purpose,
        issue,
        text,
    }) = &mut state.focus.mode
    else {
        return Vec::new();
    };
    match cmd {
        Command::Backspace => {
            text.pop();
        }
        Command::ClearText => text.clear(),
        Command::Cancel => {
            // The prompt's own complaint ("a weight is a whole number")
            // goes with it.
            state.focus.mode = Mode::Board;
            state.status.message = None;
        }
        Command::Accept => {
            let (purpose, id, text) = (purpose.clone(), *issue, text.trim().to_owned());
            state.focus.mode = Mode::Board;
            if let InputPurpose::NewTitle { lane } = purpose {
                return new_issue::new_issue_titled(state, text, lane);
            }
            let Some(issue) = state.ws.issue(id).cloned() else {
                return Vec::new();
            };
            match purpose {
                InputPurpose::Weight => {
                    if text.is_empty() {
                        state.status.info("weight unchanged");
                        return Vec::new();
                    }
                    let w = if text.eq_ignore_ascii_case("none") {
                        None
                    } else {
                        match text.parse::<u32>() {
                            Ok(w) => Some(w),
                            Err(_) => {
                                // The prompt stays, with what was typed.
                                state.focus.mode = Mode::Input(InputScreen {
                                    purpose: InputPurpose::Weight,
                                    issue: id,
                                    text,
                                });
                                state.status.warn(
                                    "a weight is a whole number (0, 1, 2, …) or none: Enter again, Esc to cancel",
                                );
                                return Vec::new();
                            }
                        }
                    };
                    return act(state, &issue, Intent::Weight(w));
                }
                InputPurpose::NewTitle { .. } => {}
                InputPurpose::Comment => {
                    if text.is_empty() {
                        state.status.info("empty comment: nothing sent");
                        return Vec::new();
                    }
                    return act(state, &issue, Intent::Comment(text));
                }
            }
        }
        _ => {}
    }
    Vec::new()
}

/// A typed character in a prompt.
pub fn input_type(state: &mut AppState, c: char) {
    if let Mode::Input(InputScreen { purpose, text, .. }) = &mut state.focus.mode {
        if *purpose == InputPurpose::Weight && !(c.is_ascii_alphanumeric()) {
            return;
        }
        text.push(c);
    }
}

#[cfg(test)]
mod tests {
    use crate::core::app::screens::Mode;
    use crate::core::app::screens::input::InputScreen;
    use crate::core::testing::{enqueued, keys, sel, state};

    #[test]
    fn weight_and_comment_prompts() {
        let mut s = state();
        keys(&mut s, "ll");
        let fx = keys(&mut s, "w5<Enter>");
        assert_eq!(enqueued(&fx)[0].edit.weight, Some(Some(5)));
        assert_eq!(sel(&s).weight, Some(5));
        let fx = keys(&mut s, "w<C-u>none<Enter>");
        assert_eq!(enqueued(&fx)[0].edit.weight, Some(None));
        // Bad input keeps the prompt and what was typed, and says why; so
        // `w abc Enter Esc` cancels the prompt and never quits.
        let fx = keys(&mut s, "wabc<Enter>");
        assert!(enqueued(&fx).is_empty());
        assert!(
            matches!(&s.focus.mode, Mode::Input(InputScreen { text, .. }) if text == "abc"),
            "{:?}",
            s.focus.mode
        );
        assert!(
            s.status
                .message
                .as_ref()
                .is_some_and(|m| m.text.contains("whole number"))
        );
        let fx = keys(&mut s, "<Esc>");
        assert!(fx.is_empty() && !s.session.quit);
        assert_eq!(s.focus.mode, Mode::Board);
        let fx = keys(&mut s, "cLooks good, taking it<Enter>");
        assert_eq!(
            enqueued(&fx)[0].edit.comment.as_deref(),
            Some("Looks good, taking it")
        );
    }
}
