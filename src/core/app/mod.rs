//! The board application: its state, the actions that change it, the keys
//! that raise them, the update loop, making changes with undo, and the
//! screens ([`screens`], one module each).

pub mod action;
pub mod bulk;
pub mod changes;
pub mod command;
pub mod commit;
pub mod custom_command;
pub mod geometry;
pub mod keymap;
pub mod keys;
pub mod navigation;
pub mod new_issue;
pub mod overlay;
pub mod panes;
pub mod picker;
pub mod screens;
pub mod session;
pub mod settings;
pub mod state;
pub mod status;
pub mod update;
pub mod workflow_keys;
