//! The status line's message: what the last key did, a warning, an
//! error. A part of the state ([`crate::core::app::state::AppState::status`]);
//! the sync's words beside it are the session's
//! ([`crate::core::app::session::SyncStatus`]).

/// How serious a status message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// A message on the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    pub text: String,
    pub severity: Severity,
}

/// The status line's message (a part of the state): an informational one
/// lasts until the next key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusLine {
    pub message: Option<StatusMessage>,
}

impl StatusLine {
    /// Set an informational status message.
    pub fn info(&mut self, text: impl Into<String>) {
        self.message = Some(StatusMessage {
            text: text.into(),
            severity: Severity::Info,
        });
    }

    /// A key was pressed: an informational message lasts until then.
    pub fn key_pressed(&mut self) {
        if self
            .message
            .as_ref()
            .is_some_and(|m| m.severity == Severity::Info)
        {
            self.message = None;
        }
    }

    /// Set a warning status message.
    pub fn warn(&mut self, text: impl Into<String>) {
        self.message = Some(StatusMessage {
            text: text.into(),
            severity: Severity::Warning,
        });
    }
}
