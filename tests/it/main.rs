//! The integration tests, in one binary (one link instead of one per file;
//! the tests of all files run side by side). The long runs that change the
//! whole process (`chaos`: a disk limit for the process) or that README
//! runs by name (`crash`, `processes`) are binaries of their own.

#[path = "../common/mod.rs"]
mod common;

mod actions;
mod cli;
mod e2e;
mod exits_and_logs;
mod fake_schemas;
mod hung_server;
mod insights;
mod live;
mod merge_requests;
mod properties;
mod real_gitlab;
mod render;
mod sync;
mod terminal;
