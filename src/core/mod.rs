//! The pure core: domain model, board layout and state updates. No I/O, no
//! terminal, no clock: today's date and every input arrive as arguments.

pub mod action;
pub mod actions;
pub mod board;
pub mod edit;
pub mod geometry;
pub mod iteration;
pub mod keymap;
pub mod markdown;
pub mod model;
pub mod panes;
pub mod picker;
pub mod sanitize;
pub mod state;
pub mod text;
pub mod update;

#[cfg(test)]
pub(crate) mod testing;
