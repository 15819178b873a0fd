//! Actions: everything that can change the state. Key presses, mouse
//! events and resizes from the terminal, and (later) results from adapters.

use super::keymap::{Command, KeyPress};

/// A mouse event, in terminal cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MouseInput {
    pub kind: MouseKind,
    pub x: u16,
    pub y: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseKind {
    Click,
    ScrollUp,
    ScrollDown,
}

/// An input to [`crate::core::update::update`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A key was pressed.
    Key(KeyPress),
    Mouse(MouseInput),
    /// The terminal is now this many columns and rows.
    Resize {
        width: u16,
        height: u16,
    },
    /// Run a command directly, as if its key had been pressed.
    Command(Command),
}

/// What the outside world should do after an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Leave the application.
    Quit,
}
