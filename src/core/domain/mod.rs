//! The domain: what the board is about, apart from the application that
//! shows it. Issues, lanes and labels, iterations, capacity, cadence rules,
//! the workflow's changes and their conflicts, insights, `next` and text.
//! Shared by the board and every command of the command line.

pub mod board;
pub mod board_setup;
pub mod cadence;
pub mod capacity;
pub mod compose;
pub mod conflict;
pub mod edit;
pub mod events;
pub mod ids;
pub mod insights;
pub mod iteration;
pub mod lane_labels;
pub mod markdown;
pub mod merge_requests;
pub mod model;
pub mod next;
pub mod num;
pub mod quick_actions;
pub mod sanitize;
pub mod saved_view;
pub mod since;
pub mod text;
pub mod workflow;
