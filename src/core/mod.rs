//! The pure core: domain model, board layout and state updates. No I/O, no
//! terminal, no clock: today's date and every input arrive as arguments.
//!
//! - [`domain`]: what the board is about (issues, lanes, iterations,
//!   capacity, cadence, the workflow's changes, insights, `next`), used by the
//!   board and the command line alike;
//! - [`planning`]: the iteration's planning issue: its template, its summary
//!   and `i` on the board;
//! - [`app`]: the board application: state, actions, keys, the update loop,
//!   undo, and one module per screen in [`app::screens`].

pub mod app;
pub mod domain;
pub mod planning;

#[cfg(test)]
pub(crate) mod testing;
