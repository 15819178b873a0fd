//! The team's own commands (`[[commands]]` in the config): a key, a title
//! for the help overlay, and a shell command with placeholders filled from
//! the selected card (`{reference}`, `{iid}`, `{project}`, `{web_url}`,
//! `{title}`, `{branch}`) and the marked cards (`{references}`, `{iids}`,
//! `{web_urls}`). Values never become shell text: each placeholder turns
//! into a quoted positional parameter (`"${3}"`) and the values are passed
//! as arguments to `sh -c`, so quotes, `$(...)` or newlines in a title are
//! only ever data. Run in the background (its result on the status line)
//! or, with `interactive = true`, in the terminal with the board suspended.

pub mod run;

/// One `[[commands]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomCommand {
    pub key: String,
    pub title: String,
    pub command: String,
    pub interactive: bool,
}

/// The placeholders, single then lists.
pub const PLACEHOLDERS: [&str; 9] = [
    "reference",
    "iid",
    "project",
    "web_url",
    "title",
    "branch",
    "references",
    "iids",
    "web_urls",
];

/// A branch name from an issue, as GitLab's "Create branch" makes one:
/// the iid, then the title in lower case, runs of anything but letters
/// and digits made one `-`, at most 100 characters.
pub fn branch_name(iid: u64, title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() && c.is_ascii() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    let mut name = if slug.is_empty() {
        iid.to_string()
    } else {
        format!("{iid}-{slug}")
    };
    if name.len() > 100 {
        name.truncate(100);
        name = name.trim_end_matches('-').to_owned();
    }
    name
}

/// The script for `sh -c` and its arguments: every `{placeholder}` of
/// `template` becomes `"${N}"` (lists `"${N}" "${M}" ...`), and the values
/// are the arguments (`$0` is `glboard`). An unknown placeholder is an
/// error.
pub fn expand(
    template: &str,
    single: &[(&str, String)],
    lists: &[(&str, Vec<String>)],
) -> Result<(String, Vec<String>), String> {
    let mut script = String::new();
    let mut args: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(at) = rest.find('{') {
        script.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(end) = tail.find('}') else {
            script.push_str(tail);
            rest = "";
            break;
        };
        let name = &tail[1..end];
        let param = |args: &mut Vec<String>, v: &str| {
            args.push(v.to_owned());
            format!("\"${{{}}}\"", args.len())
        };
        if let Some((_, v)) = single.iter().find(|(k, _)| *k == name) {
            let p = param(&mut args, v);
            script.push_str(&p);
        } else if let Some((_, vs)) = lists.iter().find(|(k, _)| *k == name) {
            let ps: Vec<String> = vs.iter().map(|v| param(&mut args, v)).collect();
            script.push_str(&ps.join(" "));
        } else if name.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !name.is_empty() {
            return Err(format!(
                "unknown placeholder {{{name}}} (known: {})",
                PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(" ")
            ));
        } else {
            // Not a placeholder (shell braces, `${HOME}`): as written.
            script.push('{');
            rest = &tail[1..];
            continue;
        }
        rest = &tail[end + 1..];
    }
    script.push_str(rest);
    Ok((script, args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_quoted_parameters_never_shell_text() {
        let hostile = "it's \"$(rm -rf ~)\" `x`\nnext; echo pwned".to_owned();
        let (script, args) = expand(
            "git switch -c {branch} && echo {title} {iids}",
            &[("branch", "12-x".into()), ("title", hostile.clone())],
            &[("iids", vec!["1".into(), "2".into()])],
        )
        .unwrap();
        assert_eq!(
            script,
            "git switch -c \"${1}\" && echo \"${2}\" \"${3}\" \"${4}\""
        );
        assert_eq!(
            args,
            vec!["12-x".to_owned(), hostile, "1".into(), "2".into()]
        );
        // Shell braces that are no placeholder stay as written.
        let (script, _) = expand("echo ${HOME} {} {A}", &[], &[]).unwrap();
        assert_eq!(script, "echo ${HOME} {} {A}");
        assert!(
            expand("echo {titel}", &[], &[])
                .unwrap_err()
                .contains("unknown placeholder {titel}")
        );
    }

    #[test]
    fn branch_names_are_made_as_gitlab_makes_them() {
        assert_eq!(
            branch_name(1883, "Tune autovacuum for ci_builds_metadata (partitions)!"),
            "1883-tune-autovacuum-for-ci-builds-metadata-partitions"
        );
        assert_eq!(branch_name(7, "顧客報告"), "7");
        assert!(branch_name(9, &"a ".repeat(200)).len() <= 100);
    }
}
