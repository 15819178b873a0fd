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
    /// The bundled demo workspace: what the board opens with no configuration; `print --demo` prints it.
    #[arg(long, global = true)]
    pub demo: bool,

    /// Board to open first.
    #[arg(long, value_enum, default_value = "iteration")]
    pub board: BoardArg,

    /// Open the iteration board on this milestone: current, next, or a title (or a unique part of one).
    #[arg(long, value_name = "MILESTONE")]
    pub milestone: Option<String>,

    /// Take DATE (YYYY-MM-DD) as today: picks the current iteration and shifts the demo.
    #[arg(long, global = true, value_name = "DATE")]
    pub today: Option<NaiveDate>,

    /// Config file (default: $GLBOARD_CONFIG, else $XDG_CONFIG_HOME/glboard/config.toml; an empty GLBOARD_CONFIG is as unset).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// A profile of the config (`[profiles.NAME]`): another host, group, team or lanes, with a cache of its own (default: $GLBOARD_PROFILE; empty is as unset).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// How `print` formats the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Plain,
    Markdown,
    Json,
}

/// How `cadence` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Plain,
    Json,
}

/// How the planning summary is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Markdown,
    Json,
}

/// What `planning` does.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum PlanningCmd {
    /// The iteration's planning summary: committed issues by lane and by
    /// person, capacity over 2, 4 and 6 weeks, carry-overs, what needs a
    /// weight or an assignee.
    Summary {
        /// current, next, or a milestone title.
        #[arg(long, default_value = "current")]
        milestone: String,
        /// Write it into the planning issue's description, between
        /// <!-- glboard:summary --> markers, keeping the rest.
        #[arg(long)]
        write: bool,
        /// markdown (as written) or json.
        #[arg(long, value_enum, default_value = "markdown")]
        format: SummaryFormat,
    },
}

/// What `auth` does.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum AuthCmd {
    /// Store a token for the host in the system keyring (read from the
    /// terminal, not shown; or from stdin): used when GITLAB_TOKEN and
    /// token_command give none.
    Login {
        /// The GitLab host (default: the config's).
        #[arg(long, value_name = "URL")]
        host: Option<String>,
    },
    /// Remove the host's token from the system keyring.
    Logout {
        /// The GitLab host (default: the config's).
        #[arg(long, value_name = "URL")]
        host: Option<String>,
    },
}

/// What `pending` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PendingAction {
    Retry,
    Discard,
}

/// Shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Write a commented starter config file for a GitLab host and group.
    Init {
        /// GitLab instance, e.g. https://gitlab.com
        #[arg(long, default_value = "https://gitlab.com")]
        host: String,
        /// Full path of the group, e.g. gitlab-com/gl-infra (a starter file to edit)
        #[arg(long, required_unless_present = "board")]
        group: Option<String>,
        /// A group board's web address (repeatable: the backlog and the
        /// iteration board): host, group, team label, lanes in board order,
        /// WIP limits and milestone prefix are read from GitLab's board
        /// definition (needs a token with read_api, found as for every
        /// command: GITLAB_TOKEN, the keyring, glab's login).
        #[arg(long, value_name = "URL", conflicts_with = "group")]
        board: Vec<String>,
        /// With --board: print what was found and the config, write nothing.
        #[arg(long, requires = "board")]
        dry_run: bool,
    },
    /// Print a board from the cache (no UI).
    Print {
        /// Which board.
        #[arg(value_enum, default_value = "iteration")]
        board: BoardArg,
        /// Milestone of the iteration board: current, next, or a title.
        #[arg(long, default_value = "current")]
        milestone: String,
        /// Only these lanes (repeatable).
        #[arg(long = "lane", value_name = "NAME")]
        lanes: Vec<String>,
        /// Only issues assigned to you.
        #[arg(long)]
        mine: bool,
        /// A saved view of the config (`[views.NAME]`).
        #[arg(long, value_name = "NAME")]
        view: Option<String>,
        /// What changed since a day (YYYY-MM-DD) or since the board last closed (last), instead of the board.
        #[arg(long, value_name = "DATE|last")]
        since: Option<String>,
        /// plain (fits the terminal), markdown (pastes into a GitLab comment) or json (docs/print.schema.json).
        #[arg(long, value_enum, default_value = "plain")]
        format: Format,
        /// Sync with GitLab before printing.
        #[arg(long, conflicts_with = "offline")]
        refresh: bool,
        /// Never touch the network (the default without --refresh).
        #[arg(long)]
        offline: bool,
    },
    /// Send pending changes, then refresh the cache.
    Sync,
    /// Promote: ready lane and a milestone (default: the current iteration).
    Promote {
        /// The issues: `group/project#123`, `project#123`, `#123` or `123` (when unique).
        #[arg(required = true, value_name = "REF")]
        references: Vec<String>,
        /// current, next, or a milestone title.
        #[arg(long, default_value = "current")]
        to: String,
    },
    /// Take: assign yourself and move to the doing lane.
    Take {
        /// The issues: `group/project#123`, `project#123`, `#123` or `123` (when unique).
        #[arg(required = true, value_name = "REF")]
        references: Vec<String>,
    },
    /// Move to a lane (exactly one lane label afterwards): `move REF... LANE`.
    Move {
        /// The issues, then the lane as configured (case does not matter), e.g. "In Progress".
        #[arg(required = true, num_args = 2.., value_name = "REF... LANE")]
        args: Vec<String>,
    },
    /// Add assignees: `assign REF USER...`, or `assign REF... --user USER...`.
    Assign {
        /// The issue and the usernames (with or without @); with --user, only issues.
        #[arg(required = true, value_name = "REF... | REF USER...")]
        args: Vec<String>,
        /// A username (repeatable): every argument is then an issue.
        #[arg(long = "user", value_name = "USER")]
        users: Vec<String>,
    },
    /// Remove assignees (default: yourself): `unassign REF [USER...]`, or `unassign REF... --user USER...`.
    Unassign {
        /// The issue and the usernames (none: yourself); with --user, only issues.
        #[arg(required = true, value_name = "REF... | REF USER...")]
        args: Vec<String>,
        /// A username (repeatable): every argument is then an issue.
        #[arg(long = "user", value_name = "USER")]
        users: Vec<String>,
    },
    /// Set the milestone (a title, current, next) or clear it (none): `milestone REF... TITLE`.
    Milestone {
        /// The issues, then current, next, a title (or a unique part of one), or none to clear it.
        #[arg(required = true, num_args = 2.., value_name = "REF... MILESTONE")]
        args: Vec<String>,
    },
    /// Set the weight (a number) or clear it (none): `weight REF... N`.
    Weight {
        /// The issues, then a whole number, or none to clear it.
        #[arg(required = true, num_args = 2.., value_name = "REF... WEIGHT")]
        args: Vec<String>,
    },
    /// Close the issues.
    Close {
        /// The issues: `group/project#123`, `project#123`, `#123` or `123` (when unique).
        #[arg(required = true, value_name = "REF")]
        references: Vec<String>,
    },
    /// Reopen the issues.
    Reopen {
        /// The issues: `group/project#123`, `project#123`, `#123` or `123` (when unique).
        #[arg(required = true, value_name = "REF")]
        references: Vec<String>,
    },
    /// The Friday re-plan: move every issue not Done from one iteration to another.
    Replan {
        /// current, next, or a milestone title.
        #[arg(long, default_value = "current")]
        from: String,
        /// current, next, or a milestone title.
        #[arg(long, default_value = "next")]
        to: String,
        /// Also put them back in the ready lane.
        #[arg(long)]
        reset_lane: bool,
        /// Show what would move; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do it without asking (needed when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// The fortnight's cadence: make sure the next iterations exist as
    /// milestones, and the next iteration's planning issue (for a CI schedule).
    Cadence {
        /// How many iterations after the current one must exist.
        #[arg(long, default_value_t = 3)]
        ahead: u32,
        /// Show what would be created; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// plain or json.
        #[arg(long, value_enum, default_value = "plain")]
        format: ReportFormat,
    },
    /// What to work on next: the planning issue's priorities, the ready lane, the backlog.
    Next {
        /// plain (fits 80 columns), markdown or json (docs/next.schema.json).
        #[arg(long, value_enum, default_value = "plain")]
        format: Format,
        /// How many priorities, ready issues and backlog issues to list, each.
        #[arg(long, default_value_t = 4)]
        limit: usize,
        /// Take the first suggestion (assign yourself, doing lane, the current milestone from the backlog).
        #[arg(long)]
        take: bool,
        /// Take it without asking (needed when stdin is not a terminal).
        #[arg(long, requires = "take")]
        yes: bool,
    },
    /// How iterations went: committed, added, removed, done, carried over, say/do; the velocity over the last N.
    Insights {
        /// One iteration: current, previous (the default) or a title.
        #[arg(long, value_name = "current|previous|TITLE", conflicts_with = "last")]
        milestone: Option<String>,
        /// The last N finished iterations, newest first, with the velocity.
        #[arg(long, value_name = "N")]
        last: Option<usize>,
        /// plain, markdown or json (docs/insights.schema.json).
        #[arg(long, value_enum, default_value = "plain")]
        format: Format,
        /// From the cache only: no sync, no events read.
        #[arg(long)]
        offline: bool,
    },
    /// Comment on an issue: `-m TEXT`, `-F FILE`, or `-` for stdin; quick actions (/spend 1h) work as on GitLab.
    Comment {
        /// The issue: `group/project#123`, `project#123`, `#123` or `123` (when unique).
        reference: String,
        /// `-`: the comment from stdin.
        #[arg(value_name = "-")]
        stdin: Option<String>,
        /// The comment's text.
        #[arg(short = 'm', long = "message", value_name = "TEXT", conflicts_with_all = ["file", "stdin"])]
        message: Option<String>,
        /// A file holding the comment.
        #[arg(
            short = 'F',
            long = "file",
            value_name = "FILE",
            conflicts_with = "stdin"
        )]
        file: Option<PathBuf>,
    },
    /// The token in the system keyring: login, logout.
    Auth {
        #[command(subcommand)]
        what: AuthCmd,
    },
    /// The Iteration Planning issue: its summary.
    Planning {
        #[command(subcommand)]
        what: PlanningCmd,
    },
    /// List queued and refused changes; retry or discard one.
    Pending {
        /// retry (send a refused change again) or discard (drop it); none: list.
        #[arg(value_enum)]
        action: Option<PendingAction>,
        /// The change's id, as listed.
        id: Option<u64>,
    },
    /// Check config, token, host, cache and pending changes.
    Doctor,
    /// Print shell completions.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: ShellArg,
    },
    /// Print the man page (roff).
    Man,
}

impl Cli {
    /// The flags `GLBOARD_CONFIG` and `GLBOARD_PROFILE` stand for, where
    /// the command line does not give them; an empty one is as unset
    /// (`GLBOARD_CONFIG= glboard` is the default config, as `EDITOR=` is
    /// no editor), not a flag without its value.
    pub fn with_env(
        mut self,
        config: Option<std::ffi::OsString>,
        profile: Option<std::ffi::OsString>,
    ) -> Cli {
        if self.config.is_none() {
            self.config = config.filter(|v| !v.is_empty()).map(PathBuf::from);
        }
        if self.profile.is_none() {
            self.profile = profile
                .filter(|v| !v.is_empty())
                .map(|v| v.to_string_lossy().into_owned());
        }
        self
    }

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
    fn every_argument_and_flag_has_a_help_line() {
        fn check(cmd: &clap::Command, path: &str) {
            for a in cmd.get_arguments() {
                let id = a.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                assert!(a.get_help().is_some(), "{path} {id} has no help line");
            }
            for sub in cmd.get_subcommands() {
                assert!(
                    sub.get_about().is_some(),
                    "{path} {} has no about",
                    sub.get_name()
                );
                check(sub, &format!("{path} {}", sub.get_name()));
            }
        }
        check(&Cli::command(), "glboard");
    }

    #[test]
    fn actions_take_a_reference() {
        let cli = Cli::try_parse_from(["glboard", "move", "#123", "In Progress"]).unwrap();
        assert!(
            matches!(cli.command, Some(Cmd::Move { ref args }) if args == &["#123", "In Progress"])
        );
        let cli = Cli::try_parse_from(["glboard", "move", "#1", "#2", "Done"]).unwrap();
        assert!(matches!(cli.command, Some(Cmd::Move { ref args }) if args.len() == 3));
        let err = Cli::try_parse_from(["glboard", "move", "#123"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        // `assign #1` with nobody: refused when run (exit 2, tests/it/cli.rs).
        let err = Cli::try_parse_from(["glboard", "assign"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let cli = Cli::try_parse_from([
            "glboard",
            "print",
            "backlog",
            "--format",
            "json",
            "--today",
            "2025-11-05",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Some(Cmd::Print {
                format: Format::Json,
                board: BoardArg::Backlog,
                ..
            })
        ));
    }

    #[test]
    fn today_must_be_a_date() {
        // GLBOARD_CONFIG and GLBOARD_PROFILE: the flag first, empty is unset.
        let env = |c: &str, p: &str| {
            Cli::try_parse_from(["glboard", "print"])
                .unwrap()
                .with_env(Some(c.into()), Some(p.into()))
        };
        let cli = env("", "");
        assert_eq!((cli.config, cli.profile), (None, None));
        let cli = env("/x/c.toml", "ops");
        assert_eq!(cli.config, Some(PathBuf::from("/x/c.toml")));
        assert_eq!(cli.profile.as_deref(), Some("ops"));
        let cli = Cli::try_parse_from(["glboard", "--config", "/y.toml", "print"])
            .unwrap()
            .with_env(Some("/x/c.toml".into()), None);
        assert_eq!(cli.config, Some(PathBuf::from("/y.toml")));
        let cli = Cli::try_parse_from(["glboard", "--today", "2025-11-05"]).unwrap();
        assert_eq!(cli.today(), NaiveDate::from_ymd_opt(2025, 11, 5).unwrap());
        let err = Cli::try_parse_from(["glboard", "--today", "tomorrow"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
