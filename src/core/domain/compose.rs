//! Text written in `$EDITOR` (a comment, a new issue's description): the
//! file glboard hands over and what it keeps of it. The explanation sits
//! below a scissors line, as in `git commit --verbose`, after an empty
//! first line where the editor's cursor starts. Exactly the lines glboard
//! wrote are left out, wherever they end up, so a Markdown heading
//! (`# Plan`) and text written below the explanation stay.

/// The line above glboard's explanation.
pub const SCISSORS: &str = "# ------------------------ >8 ------------------------";

/// The file to edit: an empty line to write on, then the scissors and the
/// explanation (`header`, a line each).
pub fn template(header: &str) -> String {
    let mut t = String::from("\n\n");
    t.push_str(SCISSORS);
    t.push('\n');
    t.push_str("# glboard leaves out this line and the ones below it that start with #.\n");
    for l in header.lines() {
        t.push_str("# ");
        t.push_str(l);
        t.push('\n');
    }
    t
}

/// What the user wrote into [`template`]`(header)`: every line but the
/// template's own, trimmed.
pub fn written(saved: &str, header: &str) -> String {
    let ours = template(header);
    let ours: Vec<&str> = ours.lines().filter(|l| !l.is_empty()).collect();
    let kept: Vec<&str> = saved
        .lines()
        .filter(|l| !ours.contains(&l.trim_end()))
        .collect();
    kept.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_above_the_scissors_is_kept_headings_too() {
        let h = "Comment on #1 Fix it\nsave an empty file to cancel";
        let t = template(h);
        assert!(t.starts_with('\n'), "the cursor starts on an empty line");
        assert_eq!(written(&t, h), "", "untouched: empty, so cancelled");
        // Typed at the cursor, as vim's `i` does on line 1.
        let saved = format!("Hello LLLL world{t}");
        assert_eq!(written(&saved, h), "Hello LLLL world");
        let saved = format!("# Plan\n\n- [ ] one\n{t}");
        assert_eq!(written(&saved, h), "# Plan\n\n- [ ] one");
        // Below the explanation (an editor that appends) counts too.
        assert_eq!(written(&format!("{t}Appended.\n"), h), "Appended.");
        // The explanation never reaches GitLab, whatever was typed.
        assert!(!written(&format!("x{t}"), h).contains("Comment on"));
    }
}
