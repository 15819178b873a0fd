//! The command line: flags and subcommands, parsed with clap. Thin: it only
//! turns arguments into a [`Cli`] value; `main` decides what to run.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

/// Which board to open first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BoardArg {
    Backlog,
    Iteration,
}

/// GitLab issue boards in the terminal.
#[derive(Debug, Parser)]
#[command(name = "glboard", version, about, long_about = None)]
pub struct Cli {
    /// Open the bundled demo workspace (what glboard opens with no configuration).
    #[arg(long)]
    pub demo: bool,

    /// Board to open first.
    #[arg(long, value_enum, default_value = "iteration")]
    pub board: BoardArg,

    /// Take DATE (YYYY-MM-DD) as today: picks the current iteration and shifts the demo.
    #[arg(long, global = true, value_name = "DATE")]
    pub today: Option<NaiveDate>,

    /// Config file (default: $XDG_CONFIG_HOME/glboard/config.toml).
    #[arg(long, global = true, value_name = "FILE", env = "GLBOARD_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Write a commented starter config file for a GitLab host and group.
    Init {
        /// GitLab instance, e.g. https://gitlab.com
        #[arg(long, default_value = "https://gitlab.com")]
        host: String,
        /// Full path of the group, e.g. gitlab-com/gl-infra
        #[arg(long)]
        group: String,
    },
}

impl Cli {
    /// Today's date: `--today`, else the local clock.
    pub fn today(&self) -> NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn today_must_be_a_date() {
        let cli = Cli::try_parse_from(["glboard", "--today", "2025-11-05"]).unwrap();
        assert_eq!(cli.today(), NaiveDate::from_ymd_opt(2025, 11, 5).unwrap());
        let err = Cli::try_parse_from(["glboard", "--today", "tomorrow"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
