//! The board's screens besides the board itself, one module each: its
//! state, its keys and what they do.

pub mod grab;
pub mod help;
pub mod insights;
pub mod integrity;
pub mod picker;
pub mod problems;
pub mod prompt;
pub mod replan;
