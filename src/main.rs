//! The `glboard` binary: parses the command line and runs the board.

use std::process::ExitCode;

use clap::Parser;
use glboard::cli::{BoardArg, Cli};
use glboard::core::board::BoardKind;
use glboard::core::state::AppState;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let today = cli.today();
    let (ws, team) = glboard::demo::load(today);
    let board = match cli.board {
        BoardArg::Backlog => BoardKind::Backlog,
        BoardArg::Iteration => BoardKind::Iteration,
    };
    let state = AppState::new(ws, team, today, board);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("glboard: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let (_tx, rx) = tokio::sync::mpsc::unbounded_channel();
    match runtime.block_on(glboard::tui::run(state, rx)) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("glboard: terminal error: {e}");
            ExitCode::from(1)
        }
    }
}
