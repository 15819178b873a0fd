//! glboard: GitLab issue boards in the terminal.
//!
//! - [`core`]: pure domain model, board layout and state updates.
//! - [`demo`]: the bundled demo workspace (and synthetic workspaces for benches).
//! - [`tui`]: the terminal adapter: event loop, views, terminal guard.
//! - [`cli`]: the command line.

pub mod cli;
pub mod core;
pub mod demo;
pub mod tui;
