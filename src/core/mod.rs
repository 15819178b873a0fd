//! The pure core: domain model, board layout and state updates. No I/O, no
//! terminal, no clock: today's date and every input arrive as arguments.

pub mod action;
pub mod board;
pub mod board_setup;
pub mod bulk;
pub mod cadence;
pub mod capacity;
pub mod commit;
pub mod compose;
pub mod conflict;
pub mod custom_command;
pub mod edit;
pub mod geometry;
pub mod grab;
pub mod help;
pub mod insights;
pub mod insights_panel;
pub mod integrity;
pub mod iteration;
pub mod keymap;
pub mod keys;
pub mod lane_labels;
pub mod markdown;
pub mod merge_requests;
pub mod model;
pub mod navigation;
pub mod new_issue;
pub mod next;
pub mod num;
pub mod overlay;
pub mod panes;
pub mod picker;
pub mod picker_mode;
pub mod planning_issue;
pub mod planning_summary;
pub mod planning_template;
pub mod problems;
pub mod prompt;
pub mod quick_actions;
pub mod replan;
pub mod sanitize;
pub mod saved_view;
pub mod since;
pub mod state;
pub mod text;
pub mod update;
pub mod workflow;
pub mod workflow_keys;

#[cfg(test)]
pub(crate) mod testing;
