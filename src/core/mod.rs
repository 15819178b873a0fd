//! The pure core: domain model, board layout and state updates. No I/O, no
//! terminal, no clock: today's date and every input arrive as arguments.

pub mod action;
pub mod actions;
pub mod board;
pub mod commit;
pub mod conflict;
pub mod edit;
pub mod geometry;
pub mod iteration;
pub mod keymap;
pub mod markdown;
pub mod model;
pub mod overlay;
pub mod panes;
pub mod picker;
pub mod sanitize;
pub mod state;
pub mod text;
pub mod update;
pub mod workflow;

#[cfg(test)]
pub(crate) mod testing;
