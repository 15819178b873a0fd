//! glboard: GitLab issue boards in the terminal.
//!
//! - [`core`]: pure domain model, board layout and state updates.
//! - [`demo`]: the bundled demo workspace (and synthetic workspaces for benches).
//! - [`effects`]: the board's effect runner (what `update` asks of the adapters).
//! - [`events`]: GitLab's resource events of issues, read when needed and cached (insights).
//! - [`tui`]: the terminal adapter: event loop, views, terminal guard.
//! - [`cli`]: the command line.
//! - [`commands`]: every action without the UI (print, sync, take, ...).
//! - [`config`]: the config file and the token.
//! - [`gitlab`]: the GitLab REST client.
//! - [`fsutil`]: owner-only files and directories.
//! - [`store`]: the SQLite cache and the outbox table.
//! - [`outbox`]: sends queued changes to GitLab.
//! - [`report`]: the board as plain text, Markdown or JSON (`glboard print`).
//! - [`sync`]: background sync between GitLab and the cache.
//! - [`watch`]: an open board's view of what any process wrote to the cache.

// No panics and no silent truncation in shipped code: errors propagate,
// screen arithmetic saturates (`core::app::geometry::cells`), index steps are
// checked (`core::domain::num`). Unit tests (`cfg(test)`) may unwrap.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_possible_wrap,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod cli;
pub mod commands;
pub mod config;
pub mod core;
pub mod credentials;
pub mod demo;
pub mod effects;
pub mod events;
pub mod fsutil;
pub mod gitlab;
pub mod man;
pub mod merge_request_sync;
pub mod outbox;
pub mod report;
pub mod store;
pub mod sync;
pub mod tui;
pub mod watch;
