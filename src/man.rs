//! The man page: clap's sections (name, synopsis, options, commands) from
//! the same definitions as `--help`, then what a user of the board and a
//! script writer look up: the keys of every mode (from the one keymap,
//! in the help overlay's order), the exit codes, the files and the environment.

use std::io::Write;

use crate::core::app::keymap::{defaults, display_keys};

/// Quote text for roff: a leading `.` or `'` would be read as a request.
fn roff(text: &str) -> String {
    let t = text.replace('\\', "\\\\").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

/// The extra sections, as roff.
pub fn extra_sections() -> String {
    let mut out = String::new();
    out.push_str(".SH KEYS\n");
    let mut context = None;
    for (c, b) in defaults() {
        if context != Some(c) {
            context = Some(c);
            out.push_str(&format!(".SS {}\n", roff(c.title())));
        }
        out.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            roff(&display_keys(b.keys)),
            roff(b.help)
        ));
    }
    out.push_str(
        ".SH EXIT STATUS\n\
         .TP\n\\fB0\\fR\nDone: GitLab confirmed it, or there was nothing to change.\n\
         .TP\n\\fB1\\fR\nPermanent failure: GitLab refused the change (it waits in \\fBglboard pending\\fR), an unknown reference, no cache yet, a change that cannot be saved.\n\
         .TP\n\\fB2\\fR\nUsage or configuration error: a bad flag, an unknown lane, user or milestone, an ambiguous reference or milestone, a bad config, a missing or rejected token.\n\
         .TP\n\\fB75\\fR\nQueued, or retry later: GitLab unreachable or failing, or rate\\-limited for more than 5 minutes (the message says until when).\n",
    );
    out.push_str(
        ".SH FILES\n\
         .TP\n\\fI$XDG_CONFIG_HOME/glboard/config.toml\\fR\nThe configuration (\\fBglboard init\\fR writes a commented one).\n\
         .TP\n\\fI$XDG_CACHE_HOME/glboard/<host>_<group>.sqlite\\fR\nThe cache: GitLab's state and the changes not yet applied (0600).\n\
         .TP\n\\fI$XDG_STATE_HOME/glboard/glboard.log\\fR\nThe log (level from \\fBRUST_LOG\\fR; never the token).\n",
    );
    out.push_str(
        ".SH ENVIRONMENT\n\
         .TP\n\\fBGITLAB_TOKEN\\fR\nThe token (else \\fBtoken_command\\fR in the config, the system keyring, then glab's login).\n\
         .TP\n\\fBGITLAB_ACCESS_TOKEN\\fR, \\fBOAUTH_TOKEN\\fR, \\fBGLAB_CONFIG_DIR\\fR\nglab's login, as glab reads them: the tokens (\\fBOAUTH_TOKEN\\fR sent as OAuth) before glab's config.yml, looked for in \\fBGLAB_CONFIG_DIR\\fR, \\fI~/.config/glab\\-cli\\fR, then the XDG config directory; an expired glab OAuth login is renewed by running \\fBglab\\fR.\n\
         .TP\n\\fBGITLAB_HOST\\fR\nOverrides the config's host.\n\
         .TP\n\\fBGLBOARD_CONFIG\\fR\nAnother config file (as \\fB\\-\\-config\\fR); empty is as unset.\n\
         .TP\n\\fBGLBOARD_PROFILE\\fR\nA profile of the config (as \\fB\\-\\-profile\\fR); empty is as unset.\n\
         .TP\n\\fBVISUAL\\fR, \\fBEDITOR\\fR\nWhere comments and descriptions are written.\n\
         .TP\n\\fBNO_COLOR\\fR\nNo colours.\n\
         .TP\n\\fBRUST_LOG\\fR\nThe log's level (default info).\n",
    );
    out
}

/// The COMMANDS section: every command (and sub-command) with its usage
/// and what it does, here, since there is no `glboard-COMMAND(1)` page
/// (clap's own section would name such pages).
pub fn commands_section(cmd: &clap::Command) -> String {
    fn walk(out: &mut String, prefix: &str, cmd: &clap::Command) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = format!("{prefix} {}", sub.get_name());
            if sub.get_subcommands().any(|s| !s.is_hide_set()) {
                walk(out, &name, sub);
                continue;
            }
            let mut usage = sub.clone().bin_name(name.clone());
            let usage = usage.render_usage().to_string();
            let usage = usage.trim_start_matches("Usage: ").trim();
            out.push_str(&format!(".TP\n\\fB{}\\fR\n", roff(usage)));
            if let Some(about) = sub.get_about().or_else(|| sub.get_long_about()) {
                for line in about.to_string().lines() {
                    out.push_str(&format!("{}\n", roff(line)));
                }
            }
        }
    }
    let mut out = String::from(".SH COMMANDS\n");
    walk(&mut out, cmd.get_name(), cmd);
    out
}

/// Write the whole man page: clap's sections but its list of sub-command
/// pages, which are not made, then the commands and the extra sections.
pub fn render(cmd: clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(out)?;
    }
    out.write_all(commands_section(&cmd).as_bytes())?;
    if cmd.get_version().is_some() {
        man.render_version_section(out)?;
    }
    out.write_all(extra_sections().as_bytes())
}

#[cfg(test)]
mod tests {
    /// The exit statuses as README gives them: an unknown reference is 1,
    /// an ambiguous milestone 2.
    #[test]
    fn the_man_pages_exit_statuses_agree_with_the_readme() {
        let all = super::extra_sections();
        let s = all.split(".SH EXIT STATUS").nth(1).unwrap();
        let one = s.split("\\fB1\\fR\n").nth(1).unwrap();
        let one = one.split(".TP").next().unwrap();
        assert!(one.contains("an unknown reference"), "{one}");
        let two = s.split("\\fB2\\fR\n").nth(1).unwrap();
        let two = two.split(".TP").next().unwrap();
        assert!(!two.contains("or reference"), "{two}");
        assert!(two.contains("ambiguous reference or milestone"), "{two}");
    }

    /// No `glboard-take(1)` is ever made, so none is named; every command
    /// is in the page itself, with its usage.
    #[test]
    fn the_man_page_names_no_page_it_cannot_produce_and_lists_every_command() {
        use clap::CommandFactory;
        let mut page = Vec::new();
        super::render(crate::cli::Cli::command(), &mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        assert!(!page.contains("glboard\\-take(1)"), "{page}");
        assert!(!page.contains("(1)\n"), "a page reference is left");
        assert!(page.contains(".SH COMMANDS"));
        for want in ["glboard take", "glboard planning summary", "glboard print"] {
            assert!(page.contains(&super::roff(want)), "{want}");
        }
        assert!(page.contains(".SH EXIT STATUS"));
    }

    #[test]
    fn the_man_page_has_keys_exit_codes_files_and_environment() {
        let s = super::extra_sections();
        for want in [
            ".SH KEYS",
            ".SS Re\\-plan screen",
            ".SH EXIT STATUS",
            "\\fB75\\fR",
            ".SH FILES",
            ".SH ENVIRONMENT",
            "GITLAB_TOKEN",
        ] {
            assert!(s.contains(want), "{want}");
        }
    }
}
