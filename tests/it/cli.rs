//! The command line without the UI: golden output of `print` in its three
//! formats, the JSON schema, exit codes for every outcome, references, and
//! actions against the fake GitLab from a shell with no terminal.

use crate::common;
use std::process::{Command, Output};

use crate::common::{Home, TOKEN, fake, files_under};
use fake_gitlab::Fault;

/// Run glboard with no config (the demo) and no terminal.
fn demo(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_glboard"))
        .args(args)
        .arg("--demo")
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env("TERM", "dumb")
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn print_plain_golden() {
    let o = demo(&["print", "--today", "2025-11-05"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains('\x1b'), "no escape codes when piped");
    assert!(
        out.lines().all(|l| common::width(l) <= 100),
        "fits 100 columns when not a terminal"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn print_backlog_markdown_golden() {
    let o = demo(&[
        "print",
        "backlog",
        "--format",
        "markdown",
        "--today",
        "2025-11-05",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn print_json_golden_and_schema() {
    let o = demo(&[
        "print",
        "iteration",
        "--format",
        "json",
        "--lane",
        "Ready",
        "--lane",
        "blocked",
        "--today",
        "2025-11-05",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/print.schema.json"))
            .expect("docs/print.schema.json");
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let lanes: Vec<&str> = v["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(lanes, vec!["Ready", "Blocked"]);
    insta::assert_snapshot!(out);
}

#[test]
fn print_next_milestone_and_by_title() {
    let next = demo(&[
        "print",
        "--milestone",
        "next",
        "--format",
        "json",
        "--today",
        "2025-11-05",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&next)).unwrap();
    assert_eq!(v["milestone"]["title"], "Datastores team - W47");
    let w43 = demo(&[
        "print",
        "--milestone",
        "W43",
        "--format",
        "json",
        "--today",
        "2025-11-05",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&w43)).unwrap();
    assert_eq!(v["milestone"]["title"], "Datastores team - W43");
    let none = demo(&["print", "--milestone", "W99", "--today", "2025-11-05"]);
    assert_eq!(
        none.status.code(),
        Some(2),
        "an unknown name is a usage error"
    );
    assert!(stderr(&none).contains("no milestone matches"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["print", "--format", "yaml"],
        vec!["frobnicate"],
        vec!["print", "--lane", "Nope", "--today", "2025-11-05"],
        vec!["assign", "#1"],
        vec!["--today", "yesterday"],
    ] {
        let o = demo(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
    // Actions need GitLab: on the demo they are usage errors.
    let o = demo(&["take", "#1850"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("glboard init"));
}

#[test]
fn completions_and_man_page_come_from_the_command_definitions() {
    let o = demo(&["completions", "bash"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("print") && stdout(&o).contains("take"));
    let o = demo(&["man"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains(".TH glboard"));
}

/// The first Ready issue of the current iteration whose iid is unique.
fn first_ready(server: &fake_gitlab::FakeGitlab) -> (u64, u64) {
    let w = server.world();
    let cur = w.milestones[2].id;
    let mut ready: Vec<_> = w
        .issues
        .iter()
        .filter(|i| {
            i.state == "opened"
                && i.milestone_id == Some(cur)
                && i.labels.contains("workflow-infra::Ready")
        })
        .filter(|i| w.issues.iter().filter(|j| j.iid == i.iid).count() == 1)
        .collect();
    ready.sort_by_key(|i| i.relative_position);
    (ready[0].iid, ready[0].id)
}

/// A home with a config pointing at the fake, synced.
fn synced_home(server: &fake_gitlab::FakeGitlab) -> Home {
    let home = Home::new();
    home.write_config(&server.url());
    let o = home.run(&["sync"]);
    assert!(o.status.success(), "sync: {}", stderr(&o));
    home
}

fn with_dumb_term(home: &Home, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glboard"));
    cmd.args(args).env("TERM", "dumb").env_remove("GITLAB_HOST");
    for (k, v) in home.env() {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn over_a_plain_shell_print_take_and_pending() {
    let server = fake();
    let home = synced_home(&server);
    let o = with_dumb_term(&home, &["print"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("In Progress ("));
    assert!(stdout(&o).contains("synced just now"));

    // Take the first Ready issue of the current iteration by its iid.
    let (iid, id) = first_ready(&server);
    let o = with_dumb_term(&home, &["take", &iid.to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("taken by @dsilva"));
    {
        let w = server.world();
        let i = w.issues.iter().find(|i| i.id == id).unwrap();
        assert!(
            i.labels.contains("workflow-infra::In Progress")
                && !i.labels.contains("workflow-infra::Ready")
        );
        assert!(i.assignee_ids.contains(&w.me));
    }
    let o = with_dumb_term(&home, &["pending"]);
    assert_eq!(stdout(&o).trim(), "no pending changes");
    // The cache has it: print shows it in progress without a refresh.
    let o = with_dumb_term(
        &home,
        &[
            "print",
            "--lane",
            "In Progress",
            "--mine",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let iids: Vec<u64> = v["lanes"][0]["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["iid"].as_u64().unwrap())
        .collect();
    assert!(iids.contains(&iid), "{iids:?}");
}

#[test]
fn every_action_outcome_has_its_exit_code() {
    let mut server = fake();
    let home = synced_home(&server);

    let iid = first_ready(&server).0.to_string();

    // Done: 0. Nothing to change: 0.
    let o = with_dumb_term(&home, &["move", &iid, "blocked"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = with_dumb_term(&home, &["move", &iid, "Blocked"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("nothing to change"));
    // Unknown lane, unknown user, bad weight: 2. Unknown reference: 1.
    assert_eq!(
        with_dumb_term(&home, &["move", &iid, "Nowhere"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        with_dumb_term(&home, &["assign", &iid, "@nobody"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        with_dumb_term(&home, &["weight", &iid, "heavy"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        with_dumb_term(&home, &["close", "999999"]).status.code(),
        Some(1)
    );
    // An ambiguous iid lists the candidates: 2; the full reference works.
    let (shared, names) = {
        let w = server.world();
        let team: Vec<_> = w
            .issues
            .iter()
            .filter(|i| i.labels.contains("team::Datastores"))
            .collect();
        let i = team
            .iter()
            .find(|i| {
                team.iter()
                    .any(|j| j.iid == i.iid && j.project_id != i.project_id)
            })
            .unwrap();
        let names: Vec<String> = team
            .iter()
            .filter(|j| j.iid == i.iid)
            .map(|j| {
                w.projects
                    .iter()
                    .find(|p| p.id == j.project_id)
                    .unwrap()
                    .path
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        (i.iid, names)
    };
    let o = with_dumb_term(&home, &["weight", &format!("#{shared}"), "3"]);
    assert_eq!(o.status.code(), Some(2));
    for n in &names {
        assert!(
            stderr(&o).contains(&format!("{n}#{shared}")),
            "{}",
            stderr(&o)
        );
    }
    let o = with_dumb_term(&home, &["weight", &format!("{}#{shared}", names[0]), "13"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Named as the board and `print` name it: project#iid, no group path.
    let said = format!("{}#{shared} weight 13", names[0]);
    assert_eq!(stdout(&o).trim(), said);
    let printed = stdout(&with_dumb_term(&home, &["print", "--format", "plain"]));
    assert!(
        printed.contains(&format!("{}#{shared} ", names[0])),
        "{printed}"
    );

    // GitLab refuses (403): 1, and the change is listed as refused.
    server.world().always = Some(Fault::Status(403));
    let o = with_dumb_term(&home, &["milestone", &iid, "next"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = with_dumb_term(&home, &["pending"]);
    assert!(stdout(&o).contains("refused"), "{}", stdout(&o));
    let id = stdout(&o).split_whitespace().next().unwrap().to_owned();
    assert_eq!(
        with_dumb_term(&home, &["pending", "discard", &id])
            .status
            .code(),
        Some(0)
    );

    // Rate-limited for an hour: 75 with the time.
    server.world().always = Some(Fault::RateLimit { retry_after: 3600 });
    let o = with_dumb_term(&home, &["weight", &iid, "5"]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("rate-limited by GitLab until"),
        "{}",
        stderr(&o)
    );

    // Unreachable: 75, queued; the next sync sends it.
    server.world().always = None;
    let url = server.url();
    let world = server.world().clone();
    server.stop();
    let o = with_dumb_term(&home, &["close", &iid]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    assert!(stderr(&o).contains("queued"));
    let o = with_dumb_term(&home, &["pending"]);
    assert_eq!(stdout(&o).matches("queued").count(), 2, "{}", stdout(&o));
    let server = fake_gitlab::FakeGitlab::start_on(
        world,
        url.trim_start_matches("http://").parse().unwrap(),
    );
    let o = with_dumb_term(&home, &["sync"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let w = server.world();
    let i = w
        .issues
        .iter()
        .find(|i| i.iid.to_string() == iid && i.labels.contains("workflow-infra::Blocked"))
        .unwrap();
    assert_eq!((i.state.as_str(), i.weight), ("closed", Some(5)));
    drop(w);
    assert_eq!(
        stdout(&with_dumb_term(&home, &["pending"])).trim(),
        "no pending changes"
    );
    let _ = TOKEN;
}

#[test]
fn doctor_reports_each_check() {
    let server = fake();
    let home = synced_home(&server);
    let o = with_dumb_term(&home, &["doctor"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    for what in [
        "config",
        "token",
        "GitLab",
        "group",
        "cache",
        "pending changes",
    ] {
        assert!(
            stdout(&o).contains(&format!("ok   {what}:")),
            "{what}: {}",
            stdout(&o)
        );
    }
    assert!(
        stdout(&o).contains("ok   team label: team::Datastores exists"),
        "{}",
        stdout(&o)
    );
    // Counted: the labels of the workflow scope, not every label that
    // mentions it.
    let lanes = server
        .world()
        .labels
        .iter()
        .filter(|l| l.starts_with("workflow-infra::"))
        .count();
    assert!(
        stdout(&o).contains(&format!("{lanes} lane labels")),
        "{}",
        stdout(&o)
    );
    // A misspelt team label and lane: named, with the near miss, exit 1.
    let cfg = home.path("config/glboard/config.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace("team::Datastores", "team::Datastore")
            .replace("\"Under Review\"", "\"Under Reveiw\""),
    )
    .unwrap();
    let o = with_dumb_term(&home, &["doctor"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains("FAIL team label: team::Datastore is not a label")
            && out.contains("did you mean team::Datastores?"),
        "{out}"
    );
    assert!(
        out.contains("FAIL lane: workflow-infra::Under Reveiw")
            && out.contains("did you mean workflow-infra::Under Review?"),
        "{out}"
    );
    std::fs::write(&cfg, text).unwrap();
    server.world().always = Some(Fault::Status(401));
    let o = with_dumb_term(&home, &["doctor"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("FAIL GitLab: GitLab rejected the token"),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains(TOKEN));
}

#[test]
fn replan_moves_what_is_not_done_and_a_refusal_leaves_the_rest_applied() {
    let server = fake();
    let home = synced_home(&server);
    let (cur, next) = {
        let w = server.world();
        (w.milestones[2].id, w.milestones[3].id)
    };
    let not_done = |w: &fake_gitlab::World, m: u64| {
        w.issues
            .iter()
            .filter(|i| {
                i.milestone_id == Some(m)
                    && i.state == "opened"
                    && i.labels.contains("team::Datastores")
            })
            .filter(|i| {
                !i.labels.contains("workflow-infra::Done")
                    && !i.labels.contains("workflow-infra::Cancelled")
                    && !i.title.contains("Iteration Planning")
            })
            .count()
    };
    let moving = not_done(&server.world(), cur);
    assert!(moving >= 20, "{moving}");

    // A dry run prints the plan and changes nothing.
    let before = server.world().log.len();
    let o = with_dumb_term(&home, &["replan", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with(&format!("would move {moving} issues from")),
        "{}",
        stdout(&o)
    );
    assert!(
        server.world().log[before..]
            .iter()
            .all(|l| l.starts_with("GET"))
    );
    // Without a terminal it will not apply without --yes.
    assert_eq!(with_dumb_term(&home, &["replan"]).status.code(), Some(2));

    // One issue is deleted on GitLab meanwhile: refused, the rest moved.
    let doomed = {
        let mut w = server.world();
        let id = w
            .issues
            .iter()
            .find(|i| {
                i.milestone_id == Some(cur)
                    && i.state == "opened"
                    && i.labels.contains("workflow-infra::Blocked")
            })
            .unwrap()
            .id;
        w.issues.retain(|i| i.id != id);
        id
    };
    let o = with_dumb_term(&home, &["replan", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}\n{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains(&format!("{} of {moving} moved", moving - 1)),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("no longer exists"));
    let w = server.world();
    assert_eq!(not_done(&w, cur), 0);
    assert!(w.issues.iter().all(|i| i.id != doomed));
    assert!(not_done(&w, next) >= moving - 1);
}

#[test]
fn without_a_terminal_the_board_points_to_print() {
    let o = demo(&["--today", "2025-11-05"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("glboard print"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "no escape codes written to a pipe");
}

#[test]
fn a_corrupt_cache_is_set_aside_and_rebuilt() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let cache = glboard::store::path_for(
        &home.path("cache/glboard"),
        &server.url(),
        "gitlab-com/gl-infra",
    );
    std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
    std::fs::write(&cache, vec![0x42; 8192]).unwrap();
    let o = home.run(&["sync"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("moved to"), "{}", stderr(&o));
    let o = with_dumb_term(&home, &["print"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("synced"));
}

#[test]
fn two_processes_on_one_cache() {
    let server = fake();
    let home = synced_home(&server);
    let iid = first_ready(&server).0.to_string();
    let spawn = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_glboard"));
        cmd.args(args).env("TERM", "dumb");
        for (k, v) in home.env() {
            cmd.env(k, v);
        }
        cmd.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn(&["sync"]);
    let b = spawn(&["weight", &iid, "8"]);
    let c = spawn(&["sync"]);
    for child in [a, b, c] {
        let o = child.wait_with_output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = with_dumb_term(&home, &["pending"]);
    assert_eq!(stdout(&o).trim(), "no pending changes");
    let w = server.world();
    assert_eq!(
        w.issues
            .iter()
            .find(|i| i.iid.to_string() == iid)
            .unwrap()
            .weight,
        Some(8)
    );
}

#[test]
fn a_revoked_token_pauses_the_queue_and_keeps_the_change() {
    let server = fake();
    let home = synced_home(&server);
    let iid = first_ready(&server).0.to_string();
    server.world().token = "glpat-rotated".into();
    let o = with_dumb_term(&home, &["weight", &iid, "13"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("kept in the queue"), "{}", stderr(&o));
    assert!(stdout(&with_dumb_term(&home, &["pending"])).contains("queued"));
    // The token works again: the change goes.
    server.world().token = TOKEN.into();
    assert_eq!(with_dumb_term(&home, &["sync"]).status.code(), Some(0));
    let w = server.world();
    assert_eq!(
        w.issues
            .iter()
            .find(|i| i.iid.to_string() == iid)
            .unwrap()
            .weight,
        Some(13)
    );
}

/// Run glboard with files limited to `fsize` bytes (a full disk: writes
/// past it fail with EFBIG; SIGXFSZ ignored, as the shell passes it on).
fn on_a_full_disk(home: &Home, fsize: u64, args: &[&str]) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("trap '' XFSZ; exec prlimit --fsize={fsize} \"$@\""))
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_glboard"))
        .args(args)
        .env("TERM", "dumb")
        .env_remove("GITLAB_HOST");
    for (k, v) in home.env() {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn a_full_or_unwritable_disk_is_named_and_loses_nothing() {
    let server = fake();
    let home = synced_home(&server);
    let (iid, id) = first_ready(&server);
    let iid = iid.to_string();
    let weight =
        |s: &fake_gitlab::FakeGitlab| s.world().issues.iter().find(|i| i.id == id).unwrap().weight;
    // A change queued while GitLab is away.
    server.world().always = Some(Fault::Reset);
    let o = with_dumb_term(&home, &["weight", &iid, "13"]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    server.world().always = None;

    for fsize in [0u64, 4096] {
        // A new change cannot be saved: it is refused, said so, never sent.
        let o = on_a_full_disk(&home, fsize, &["weight", &iid, "21"]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("disk full or read-only") && stderr(&o).contains("not made"),
            "{}",
            stderr(&o)
        );
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
        // The board and the queue still read, read-only.
        let o = on_a_full_disk(&home, fsize, &["print", "--offline"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stdout(&o).contains("Ready"), "{}", stdout(&o));
        assert!(stderr(&o).contains("read-only"), "{}", stderr(&o));
        let o = on_a_full_disk(&home, fsize, &["pending"]);
        assert!(stdout(&o).contains("queued"), "{}", stdout(&o));
        // A sync cannot write: it fails, saying why.
        let o = on_a_full_disk(&home, fsize, &["sync"]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("disk full or read-only"),
            "{}",
            stderr(&o)
        );
    }
    assert_ne!(
        weight(&server),
        Some(21),
        "a change that was not saved was not sent"
    );

    // Room again: the queued change goes, nothing else.
    let o = with_dumb_term(&home, &["sync"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(weight(&server), Some(13));
    assert_eq!(
        stdout(&with_dumb_term(&home, &["pending"])).trim(),
        "no pending changes"
    );

    // A cache directory that cannot be made (its place is taken by a file).
    let blocked = home.path("blocked");
    std::fs::write(&blocked, "").unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glboard"));
    cmd.args(["weight", &iid, "3"]).env("TERM", "dumb");
    for (k, v) in home.env() {
        cmd.env(k, v);
    }
    let o = cmd.env("XDG_CACHE_HOME", &blocked).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("Not a directory"), "{}", stderr(&o));
    assert_eq!(weight(&server), Some(13));
}

#[test]
fn print_without_a_config_says_how_to_get_one_or_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_glboard"))
        .args(["print", "--today", "2025-11-05"])
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env_remove("GLBOARD_CONFIG")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("glboard init") && err.contains("--demo"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    // With --demo it prints the demo, and says so.
    let o = demo(&["print", "--today", "2025-11-05"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("DEMO"));
}

#[test]
fn init_from_the_teams_boards_writes_a_working_config() {
    let server = fake();
    let home = Home::new();
    let (title, lane_order) = {
        let w = server.world();
        (w.milestones[2].title.clone(), w.boards[0].lists.len())
    };
    let iteration = format!(
        "{}/groups/{}/-/boards/1688503?milestone_title={}&label_name[]=team%3A%3ADatastores",
        server.url(),
        fake_gitlab::generate::GROUP,
        title.replace(' ', "%20")
    );
    let backlog = format!(
        "{}/groups/{}/-/boards/1688504",
        server.url(),
        fake_gitlab::generate::GROUP
    );
    // Shown first, nothing written.
    let o = home.run(&[
        "init",
        "--board",
        &iteration,
        "--board",
        &backlog,
        "--dry-run",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("team label        team::Datastores"), "{out}");
    assert!(
        out.contains("Triage, Ready, In Progress, Under Review, Blocked, Done, Cancelled"),
        "lanes in the lists' order: {out}"
    );
    assert!(
        out.contains("In Progress 6"),
        "WIP from max_issue_count: {out}"
    );
    assert!(out.contains("\"Datastores team - \""), "{out}");
    assert!(!home.path("config/glboard/config.toml").exists());
    assert!(lane_order > 0);
    // Written, and it works: sync and print.
    let o = home.run(&["init", "--board", &iteration, "--board", &backlog]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = home.run(&["sync"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = home.run(&["print", "--format", "plain"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains(&title), "{}", stdout(&o));
    // Again: never over an existing file.
    let o = home.run(&["init", "--board", &iteration]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // A board that is not there, an address that is not a board: 2.
    let gone = iteration.replace("1688503", "999");
    let o = home.run(&["init", "--board", &gone, "--dry-run"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = home.run(&["init", "--board", "https://example.com/a/b", "--dry-run"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("group board"), "{}", stderr(&o));
}

#[test]
fn init_takes_the_teams_prefix_and_lanes_not_the_groups() {
    let server = fake();
    let home = Home::new();
    {
        let mut w = server.world();
        // Another team plans in the group, with more milestones than ours.
        fake_gitlab::generate::another_team(
            &mut w,
            "Gitaly team - ",
            12,
            chrono::Local::now().date_naive(),
        );
        // The backlog board lists its Triage lane, and Ready.
        let b = w.boards.iter_mut().find(|b| b.id == 1_688_504).unwrap();
        for (id, lane, position) in [(11, "Triage", 0), (12, "Ready", 1)] {
            b.lists.push(fake_gitlab::FList {
                id,
                label: format!("workflow-infra::{lane}"),
                position,
                max_issue_count: 0,
                ..Default::default()
            });
        }
    }
    // No milestone in the addresses, none on the boards.
    let iteration = format!(
        "{}/groups/{}/-/boards/1688503?label_name[]=team%3A%3ADatastores",
        server.url(),
        fake_gitlab::generate::GROUP,
    );
    let backlog = format!(
        "{}/groups/{}/-/boards/1688504",
        server.url(),
        fake_gitlab::generate::GROUP
    );
    let flow =
        "workflow-infra::{Triage, Ready, In Progress, Under Review, Blocked, Done, Cancelled}";
    let roles = "backlog, ready, doing, done   Triage, Ready, In Progress, Done";
    for boards in [[&iteration, &backlog], [&backlog, &iteration]] {
        let o = home.run(&[
            "init",
            "--board",
            boards[0],
            "--board",
            boards[1],
            "--dry-run",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains(flow) && out.contains(roles), "{out}");
        assert!(
            out.contains(
                "milestone prefix  \"Datastores team - \" (from the milestones of the team's issues)"
            ),
            "{out}"
        );
        assert!(
            out.contains("milestones seen   Datastores team - W") && !out.contains("Gitaly"),
            "{out}"
        );
    }
    // The iteration board alone: the backlog lane from the group's labels.
    let o = home.run(&["init", "--board", &iteration]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(flow) && out.contains(roles), "{out}");
    let cfg = home.path("config/glboard/config.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        text.contains("milestone_prefix = \"Datastores team - \""),
        "{text}"
    );
    // The board it writes is the team's, and doctor agrees.
    let o = home.run(&["sync"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = with_dumb_term(&home, &["doctor"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("ok   iteration: Datastores team - W"),
        "{}",
        stdout(&o)
    );
    // With the other team's prefix the board would be empty: doctor fails.
    std::fs::write(
        &cfg,
        text.replace(
            "milestone_prefix = \"Datastores team - \"",
            "milestone_prefix = \"Gitaly team - \"",
        ),
    )
    .unwrap();
    let o = with_dumb_term(&home, &["doctor"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains("FAIL iteration: the current iteration Gitaly team - W")
            && out.contains("holds no team issue while the team has")
            && out.contains("its open issues are in Datastores team - W"),
        "{out}"
    );
}

#[test]
fn cadence_makes_each_milestone_and_the_planning_issue_once() {
    let server = fake();
    let next = server.world().milestones[3].id;
    let is_next_planning = |i: &fake_gitlab::FIssue| {
        i.title.contains("Iteration Planning") && i.milestone_id == Some(next)
    };
    // The next iteration has no planning issue yet.
    server.world().issues.retain(|i| !is_next_planning(i));
    let home = synced_home(&server);
    let before = server.world().milestones.len();
    let o = home.run(&["cadence", "--ahead", "5", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.matches("would create").count(), 3, "{out}");
    assert_eq!(
        server.world().milestones.len(),
        before,
        "a dry run makes nothing"
    );
    let o = home.run(&["cadence", "--ahead", "5"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    // What it waits for is said (issue #28: a first run took seconds
    // with nothing on the screen), on stderr: stdout keeps the report.
    for step in [
        "cadence: syncing the cache",
        "milestones, every state…",
        "cadence: creating 2 milestones…",
    ] {
        assert!(stderr(&o).contains(step), "{step}: {}", stderr(&o));
        assert!(!stdout(&o).contains(step), "{}", stdout(&o));
    }
    assert_eq!(
        server.world().milestones.len(),
        before + 2,
        "{}",
        stdout(&o)
    );
    let made = server
        .world()
        .issues
        .iter()
        .filter(|i| is_next_planning(i))
        .count();
    assert_eq!(made, 1, "{}", stdout(&o));
    // Again: nothing to do, nothing made.
    let o = home.run(&["cadence", "--ahead", "5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("nothing to do"), "{}", stdout(&o));
    let o = home.run(&["cadence", "--ahead", "5", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        v["milestones"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["status"] == "exists"),
        "{v}"
    );
    assert_eq!(v["planning_issue"]["status"], "exists");
    assert_eq!(server.world().milestones.len(), before + 2);
    assert_eq!(
        server
            .world()
            .issues
            .iter()
            .filter(|i| is_next_planning(i))
            .count(),
        1
    );
}

#[test]
fn planning_summary_is_written_between_markers_keeping_the_teams_text() {
    let server = fake();
    let home = synced_home(&server);
    let cur = server.world().milestones[2].id;
    let planning = |server: &fake_gitlab::FakeGitlab| {
        server
            .world()
            .issues
            .iter()
            .find(|i| i.title.contains("Iteration Planning") && i.milestone_id == Some(cur))
            .cloned()
            .expect("the current planning issue")
    };
    let before = planning(&server).description.unwrap_or_default();
    assert!(!before.is_empty());
    let o = home.run(&["planning", "summary", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        v["by_lane"].as_array().is_some_and(|a| !a.is_empty()),
        "{v}"
    );
    assert!(v["outlook"].is_array() && v["no_weight"].is_array(), "{v}");
    let o = home.run(&["planning", "summary", "--write"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let after = planning(&server).description.unwrap_or_default();
    assert!(
        after.starts_with(before.trim_end()),
        "the team's text first"
    );
    assert_eq!(after.matches("<!-- glboard:summary -->").count(), 1);
    assert!(after.contains("### Committed, by lane"), "{after}");
    // Again: the block replaced, not added.
    let o = home.run(&["planning", "summary", "--write"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let again = planning(&server).description.unwrap_or_default();
    assert_eq!(again.matches("<!-- glboard:summary -->").count(), 1);
}

/// A planning summary in conflict (the team edited the planning issue
/// after glboard read it) is retried by `pending retry` over GitLab's text
/// as it is now: the team's edit kept, the summary written (issue #28: the
/// retry made the same conflict again).
#[test]
fn a_planning_summary_in_conflict_is_retried_over_gitlabs_text() {
    use glboard::core::domain::edit::{Change, DescriptionEdit, Edit};
    const BEGIN: &str = "<!-- glboard:summary -->";
    let server = fake();
    let home = synced_home(&server);
    let cur = server.world().milestones[2].id;
    let planning = server
        .world()
        .issues
        .iter()
        .find(|i| i.title.contains("Iteration Planning") && i.milestone_id == Some(cur))
        .cloned()
        .expect("the current planning issue");
    let seen = planning.description.clone().unwrap_or_default();
    // The summary as glboard would write it over what it read.
    let block = format!("{BEGIN}\nthe figures\n<!-- /glboard:summary -->");
    let cache = files_under(&home.path("cache"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "sqlite"))
        .unwrap();
    let store = glboard::store::Store::open(&cache).unwrap();
    store
        .enqueue(&[Change {
            issue: planning.id,
            project: planning.project_id,
            iid: planning.iid,
            summary: format!("#{}: write the planning summary", planning.iid),
            edit: Edit {
                description: Some(DescriptionEdit {
                    text: format!("{}\n\n{block}\n", seen.trim_end()),
                    before: seen.clone(),
                }),
                ..Edit::default()
            },
            ..Change::default()
        }])
        .unwrap();
    drop(store);
    // Meanwhile the team adds a priority on GitLab.
    let edited = format!("{}\n\nAdded by the team.\n", seen.trim_end());
    {
        let mut w = server.world();
        let i = w.issues.iter_mut().find(|i| i.id == planning.id).unwrap();
        i.description = Some(edited.clone());
        i.updated_at = chrono::Utc::now();
    }
    let o = with_dumb_term(&home, &["sync"]);
    assert_eq!(o.status.code(), Some(1), "a conflict: {}", stderr(&o));
    let listed = stdout(&with_dumb_term(&home, &["pending"]));
    assert!(listed.contains("write the planning summary"), "{listed}");
    assert!(listed.contains("description was edited"), "{listed}");
    let id = listed.split_whitespace().next().unwrap().to_owned();
    let o = with_dumb_term(&home, &["pending", "retry", &id]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let now = server
        .world()
        .issues
        .iter()
        .find(|i| i.id == planning.id)
        .unwrap()
        .description
        .clone()
        .unwrap_or_default();
    assert!(
        now.starts_with(edited.trim_end()),
        "the team's edit kept: {now}"
    );
    assert_eq!(now.matches(BEGIN).count(), 1, "{now}");
    assert!(now.contains("the figures"), "{now}");
    let left = stdout(&with_dumb_term(&home, &["pending"]));
    assert!(!left.contains("refused"), "{left}");
}

#[test]
fn planning_summary_reads_the_cache_without_a_token_and_leaves_the_planning_issue_out() {
    let server = fake();
    let home = synced_home(&server);
    let cur = server.world().milestones[2].id;
    let planning = server
        .world()
        .issues
        .iter()
        .find(|i| i.title.contains("Iteration Planning") && i.milestone_id == Some(cur))
        .cloned()
        .expect("the current planning issue");
    // Printing only reads the cache: no token needed (issue #28).
    let o = without_token(&home, &["planning", "summary", "--format", "json"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        v["by_lane"].as_array().is_some_and(|a| !a.is_empty()),
        "{v}"
    );
    // The planning issue is where the summary goes, not planned work.
    let refs: Vec<&str> = v["by_lane"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["issues"].as_array().unwrap())
        .filter_map(|i| i["web_url"].as_str())
        .collect();
    assert!(
        !refs
            .iter()
            .any(|u| u.ends_with(&format!("/-/issues/{}", planning.iid))),
        "{refs:?}"
    );
    // Writing it still needs the token.
    let o = without_token(&home, &["planning", "summary", "--write"], "");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn config_mistakes_are_said_with_their_line() {
    let server = fake();
    let home = synced_home(&server);
    let path = home.path("config/glboard/config.toml");
    let good = std::fs::read_to_string(&path).unwrap();
    // An unclosed key name: an error naming the file and line (exit 2),
    // not the four keys <, C, -, q.
    let bad = format!("{good}\n[keys.board]\ntake = \"<C-q\"\n");
    let line = bad.lines().position(|l| l.starts_with("take")).unwrap() + 1;
    std::fs::write(&path, &bad).unwrap();
    let o = home.run(&["print"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains(&format!("config.toml:{line}: \"<C-q\" is not a key")),
        "{}",
        stderr(&o)
    );
    // A [capacity] member the group does not have: a warning with its line.
    let bad = format!("{good}\n[capacity]\nakovacs = 8\nnobody-here = 5\n");
    let line = bad
        .lines()
        .position(|l| l.starts_with("nobody-here"))
        .unwrap()
        + 1;
    std::fs::write(&path, &bad).unwrap();
    let o = with_dumb_term(&home, &["doctor"]);
    assert!(
        stdout(&o).contains(&format!(
            "warn capacity: [capacity] nobody-here is not a member of {} (a misspelt username? {}:{line})",
            fake_gitlab::generate::GROUP,
            path.display()
        )),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains("akovacs is not"), "{}", stdout(&o));
    // An empty GLBOARD_CONFIG is as unset: the default file.
    std::fs::write(&path, &good).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glboard"));
    cmd.args(["print"])
        .env("GLBOARD_CONFIG", "")
        .env_remove("GITLAB_HOST");
    for (k, v) in home.env() {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("Datastores team"), "{}", stdout(&o));
}

#[test]
fn gitlab_messages_name_the_cause() {
    let server = fake();
    let home = synced_home(&server);
    // A single sign-on proxy's sign-in page where the API's JSON was due:
    // said as such (the change stays queued, exit 75), not as JSON that
    // does not parse.
    server.world().always = Some(Fault::SignIn);
    let o = with_dumb_term(&home, &["sync"]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("answered with a web page (Sign in · Example Corp SSO)")
            && err.contains("a proxy or single sign-on is in the way"),
        "{err}"
    );
    assert!(!err.contains("expected value"), "{err}");
    // A proxy sending the browser to its sign-in page: the same, with where.
    server.world().always = Some(Fault::Redirect("https://sso.example.com/login".into()));
    let err = stderr(&with_dumb_term(&home, &["sync"]));
    assert!(
        err.contains("web page (redirected to https://sso.example.com/login)"),
        "{err}"
    );
    server.world().always = None;

    // A write to an archived project: GitLab's bare 403 is asked about
    // and named, not blamed on the token's scopes.
    let (project, iid) = {
        let w = server.world();
        let i = w
            .issues
            .iter()
            .find(|i| {
                i.project_id != w.projects[0].id
                    && i.state == "opened"
                    && i.labels.contains("team::Datastores")
                    && i.weight != Some(7)
            })
            .unwrap();
        (i.project_id, i.iid)
    };
    let path = server
        .world()
        .projects
        .iter()
        .find(|p| p.id == project)
        .unwrap()
        .path
        .clone();
    let reference = format!("{path}#{iid}");
    server.world().archive_project(project);
    let o = with_dumb_term(&home, &["weight", &reference, "7"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("project {path} is archived")),
        "{err}"
    );
    assert!(!err.contains("scope"), "{err}");

    // A board the group lacks is not a group that does not exist.
    let o = home.run(&[
        "init",
        "--dry-run",
        "--board",
        &format!(
            "{}/groups/{}/-/boards/999",
            server.url(),
            fake_gitlab::generate::GROUP
        ),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "group {} has no board 999",
            fake_gitlab::generate::GROUP
        )) && err.contains("its boards: 1688503"),
        "{err}"
    );
    assert!(!err.contains("does not exist"), "{err}");
}

#[test]
fn actions_take_several_references_and_an_unknown_one_stops_none_of_the_others() {
    let server = fake();
    let home = synced_home(&server);
    let (a, b) = {
        let w = server.world();
        let cur = w.milestones[2].id;
        let mut ready: Vec<_> = w
            .issues
            .iter()
            .filter(|i| {
                i.state == "opened"
                    && i.milestone_id == Some(cur)
                    && i.labels.contains("workflow-infra::Ready")
            })
            .filter(|i| w.issues.iter().filter(|j| j.iid == i.iid).count() == 1)
            .map(|i| (i.iid, i.id))
            .collect();
        ready.sort();
        (ready[0], ready[1])
    };
    let (ra, rb) = (format!("#{}", a.0), format!("#{}", b.0));
    // An unknown reference in the middle: the others still go, exit 1.
    let o = home.run(&["weight", &ra, "#999999", &rb, "5"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("#999999"), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).lines().count(),
        2,
        "a line per issue: {}",
        stdout(&o)
    );
    let weight = |id: u64| {
        server
            .world()
            .issues
            .iter()
            .find(|i| i.id == id)
            .unwrap()
            .weight
    };
    assert_eq!((weight(a.1), weight(b.1)), (Some(5), Some(5)));
    // Several issues, several people.
    let o = home.run(&[
        "assign",
        &ra,
        &rb,
        "--user",
        "bwright",
        "--user",
        "@eoconnor",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let has = |id: u64, who: &str| {
        let w = server.world();
        let u = w.users.iter().find(|u| u.username == who).unwrap().id;
        w.issues
            .iter()
            .find(|i| i.id == id)
            .unwrap()
            .assignee_ids
            .contains(&u)
    };
    assert!(has(a.1, "bwright") && has(b.1, "eoconnor"));
    // The one-issue forms as before.
    let o = home.run(&["unassign", &ra, "bwright"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!has(a.1, "bwright") && has(b.1, "bwright"));
    let o = home.run(&["move", &ra, &rb, "Under Review"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 2);
    let o = home.run(&["assign", &ra]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "no one to assign is a usage error"
    );
}

#[test]
fn print_a_saved_view() {
    let server = fake();
    let home = synced_home(&server);
    let config = home.path("config/glboard/config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[views.ready-unassigned]\nlanes = [\"Ready\"]\nassignees = [\"none\"]\n");
    std::fs::write(&config, text).unwrap();
    let o = home.run(&["print", "--view", "ready-unassigned", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let lanes = v["lanes"].as_array().unwrap();
    assert_eq!(lanes.len(), 1, "{v}");
    assert_eq!(lanes[0]["name"], "Ready");
    let issues = lanes[0]["issues"].as_array().unwrap();
    assert!(!issues.is_empty());
    assert!(
        issues
            .iter()
            .all(|i| i["assignees"].as_array().unwrap().is_empty())
    );
    let o = home.run(&["print", "--view", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("ready-unassigned"), "{}", stderr(&o));
}

#[test]
fn two_profiles_on_two_servers_each_with_its_own_cache() {
    let (one, two) = (fake(), fake());
    // The second server's team is told apart by a title.
    {
        let mut w = two.world();
        let cur = w.milestones[2].id;
        let i = w
            .issues
            .iter_mut()
            .find(|i| i.state == "opened" && i.milestone_id == Some(cur))
            .unwrap();
        i.title = "Only on the second server".into();
    }
    let home = Home::new();
    home.write_config(&one.url());
    let config = home.path("config/glboard/config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[profiles.second]\nhost = \"{}\"\nmilestone_prefix = \"Datastores team - \"\n",
        two.url()
    ));
    std::fs::write(&config, text).unwrap();
    let o = home.run(&["sync"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = home.run(&["--profile", "second", "sync"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let caches: Vec<_> = files_under(&home.path("cache"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sqlite"))
        .collect();
    assert_eq!(caches.len(), 2, "a cache each: {caches:?}");
    let o = home.run(&["print"]);
    assert!(!stdout(&o).contains("Only on the second server"));
    let o = home.run(&["print", "--profile", "second"]);
    assert!(
        stdout(&o).contains("Only on the second server"),
        "{}",
        stdout(&o)
    );
    // GLBOARD_PROFILE too.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_glboard"));
    cmd.args(["print"]);
    for (k, v) in home.env() {
        cmd.env(k, v);
    }
    let o = cmd.env("GLBOARD_PROFILE", "second").output().unwrap();
    assert!(stdout(&o).contains("Only on the second server"));
    let o = home.run(&["--profile", "third", "print"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("profiles: second"), "{}", stderr(&o));
}

/// `glboard ARGS` in `home` with no GITLAB_TOKEN (and `HOME` there).
fn without_token(home: &Home, args: &[&str], stdin: &str) -> Output {
    without_token_with(home, args, stdin, &[])
}

/// [`without_token`] with `env` besides (none of glab's variables but these).
fn without_token_with(home: &Home, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    use std::io::Write;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_glboard"));
    cmd.args(args);
    for (k, v) in home.env() {
        cmd.env(k, v);
    }
    cmd.env_remove("GITLAB_TOKEN")
        .env_remove("GITLAB_HOST")
        .env_remove("GITLAB_ACCESS_TOKEN")
        .env_remove("OAUTH_TOKEN")
        .env_remove("GLAB_CONFIG_DIR")
        .env_remove("XDG_CONFIG_DIRS")
        .env("HOME", home.path(""))
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_login_glab_has_is_used_for_its_host_only_and_never_written() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let port = server.url().rsplit(':').next().unwrap().to_owned();
    let glab_dir = home.path("config/glab-cli");
    std::fs::create_dir_all(&glab_dir).unwrap();
    let glab = glab_dir.join("config.yml");
    // Another host's token first: it must not be sent here.
    let text = format!(
        "git_protocol: ssh\nhosts:\n  gitlab.com:\n    token: glpat-not-for-this-host\n    api_protocol: https\n  127.0.0.1:\n    token: {TOKEN}\n    api_host: 127.0.0.1:{port}\n    api_protocol: http\n    user: dsilva\n"
    );
    std::fs::write(&glab, &text).unwrap();
    let o = without_token(&home, &["sync"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = without_token(&home, &["doctor"], "");
    assert!(
        stdout(&o).contains("token: from glab's login"),
        "{}",
        stdout(&o)
    );
    for out in [stdout(&o), stderr(&o)] {
        assert!(!out.contains(TOKEN) && !out.contains("glpat-not-for"));
    }
    assert_eq!(
        std::fs::read_to_string(&glab).unwrap(),
        text,
        "glab's file unchanged"
    );
    // glboard's own files never hold it.
    for f in files_under(&home.path("")) {
        if f == glab {
            continue;
        }
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
            "token in {}",
            f.display()
        );
    }
    // With glab's entry for another port only: no token, said so (exit 2).
    std::fs::write(&glab, text.replace(&format!(":{port}"), ":9")).unwrap();
    let o = without_token(&home, &["sync"], "");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no GitLab token"), "{}", stderr(&o));
}

/// Two OAuth access tokens (64 hex digits, as GitLab makes them): the one
/// glab's login holds when it expired, and the one glab renews it to.
const STALE: &str = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const RENEWED: &str = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";

#[test]
fn an_expired_glab_login_is_renewed_through_glab_or_named_as_such() {
    let server = fake();
    // GitLab takes only the renewed token: the stale one expired.
    server.world().token = RENEWED.into();
    let home = Home::new();
    home.write_config(&server.url());
    let glab_dir = home.path("config/glab-cli");
    std::fs::create_dir_all(&glab_dir).unwrap();
    let glab = glab_dir.join("config.yml");
    let expired = common::glab_oauth_config(&server.url(), STALE, &common::glab_expiry(-5));
    std::fs::write(&glab, &expired).unwrap();
    let tools = tempfile::tempdir().unwrap();
    let bin = common::fake_glab(tools.path(), &glab);
    let with_glab = format!("{}:/usr/bin:/bin", bin.display());
    let log = tools.path().join("glab.log");

    // No glab on PATH: the expired login is named, with what to run.
    let empty = tempfile::tempdir().unwrap();
    let nowhere = empty.path().display().to_string();
    let o = without_token_with(&home, &["sync"], "", &[("PATH", &nowhere)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("glab's login for 127.0.0.1 expired"), "{err}");
    assert!(
        err.contains("glab auth login --hostname 127.0.0.1"),
        "{err}"
    );
    assert!(!err.contains(STALE), "{err}");
    assert!(
        server.world().log.is_empty(),
        "the stale token was not sent"
    );

    // glab is there but cannot renew it (its refresh token refused): said.
    let o = without_token_with(&home, &["sync"], "", &[("PATH", &with_glab)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("glab could not renew it"), "{err}");
    assert!(err.contains("invalid_grant"), "glab's reason: {err}");
    assert!(
        err.contains("glab auth login --hostname 127.0.0.1"),
        "{err}"
    );

    // glab renews it (writing its own file): glboard reads it again and syncs.
    let renewed = common::glab_oauth_config(&server.url(), RENEWED, &common::glab_expiry(120));
    std::fs::write(tools.path().join("glab-next.yml"), &renewed).unwrap();
    let o = without_token_with(&home, &["sync"], "", &[("PATH", &with_glab)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        calls.lines().last(),
        Some("api --hostname 127.0.0.1 user"),
        "a glab command that makes a request to the host: {calls}"
    );
    assert_eq!(
        std::fs::read_to_string(&glab).unwrap(),
        renewed,
        "glab's file as glab wrote it"
    );
    // A login that has not expired is used as it is: glab is not run.
    let runs = calls.lines().count();
    let o = without_token_with(&home, &["sync"], "", &[("PATH", &with_glab)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), runs);
    assert_no_token_anywhere_but(&home, &glab, RENEWED);
}

/// Neither `token` appears in any file under `home` but `except`.
fn assert_no_token_anywhere_but(home: &Home, except: &std::path::Path, token: &str) {
    for f in files_under(&home.path("")) {
        if f == except {
            continue;
        }
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "token in {}",
            f.display()
        );
    }
}

#[test]
fn glabs_config_is_found_where_glab_looks_for_it() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let port = server.url().rsplit(':').next().unwrap().to_owned();
    let glab_text = |token: &str| {
        format!(
            "hosts:\n  127.0.0.1:\n    token: {token}\n    api_host: 127.0.0.1:{port}\n    api_protocol: http\n"
        )
    };
    let put = |dir: &str, token: &str| {
        let d = home.path(dir);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("config.yml"), glab_text(token)).unwrap();
    };
    // The legacy ~/.config/glab-cli before the XDG directory, as glab has it.
    put("config/glab-cli", "glpat-wrong-xdg");
    put(".config/glab-cli", TOKEN);
    let o = without_token(&home, &["sync"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // GLAB_CONFIG_DIR before both.
    put(".config/glab-cli", "glpat-wrong-legacy");
    put("glab-elsewhere", TOKEN);
    let elsewhere = home.path("glab-elsewhere").display().to_string();
    let o = without_token_with(&home, &["sync"], "", &[("GLAB_CONFIG_DIR", &elsewhere)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = without_token_with(&home, &["doctor"], "", &[("GLAB_CONFIG_DIR", &elsewhere)]);
    assert!(stdout(&o).contains("glab-elsewhere"), "{}", stdout(&o));
    // GITLAB_ACCESS_TOKEN and OAUTH_TOKEN, as glab reads them, before its file.
    for var in ["GITLAB_ACCESS_TOKEN", "OAUTH_TOKEN"] {
        let o = without_token_with(&home, &["doctor"], "", &[(var, TOKEN)]);
        assert!(
            stdout(&o).contains(&format!("token: from {var}")),
            "{var}: {}",
            stdout(&o)
        );
        assert!(
            stdout(&o).contains("the token is @"),
            "{var}: {}",
            stdout(&o)
        );
    }
    // `init --board` finds the token as every other command does.
    std::fs::remove_file(home.path("config/glboard/config.toml")).unwrap();
    let board = format!(
        "{}/groups/{}/-/boards/1688503?label_name[]=team%3A%3ADatastores",
        server.url(),
        fake_gitlab::generate::GROUP
    );
    let o = without_token_with(
        &home,
        &["init", "--board", &board, "--dry-run"],
        "",
        &[("GLAB_CONFIG_DIR", &elsewhere)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("team::Datastores"), "{}", stdout(&o));
}

#[test]
fn ci_job_tokens_are_refused_with_the_reason() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let file = home.path("config/glboard/config.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("token_type = \"job\"\n{text}")).unwrap();
    let o = home.run(&["sync"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("config.toml:1"), "file and line: {err}");
    assert!(err.contains("CI job token cannot read issues"), "{err}");
    assert!(err.contains("project or group access token"), "{err}");
    assert!(server.world().log.is_empty(), "nothing sent");
    // A job token in GITLAB_TOKEN (CI_JOB_TOKEN's glcbt- form) likewise.
    std::fs::write(&file, text).unwrap();
    let o = without_token_with(
        &home,
        &["sync"],
        "",
        &[("GITLAB_TOKEN", "glcbt-64_abcdefghij")],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("CI job token cannot read issues"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_oauth_token_sent_as_a_personal_one_suggests_token_type() {
    let server = fake();
    server.world().token = RENEWED.into();
    let home = Home::new();
    home.write_config(&server.url());
    let file = home.path("config/glboard/config.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("token_type = \"personal\"\n{text}")).unwrap();
    let o = without_token_with(&home, &["sync"], "", &[("GITLAB_TOKEN", RENEWED)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("rejected the token (401)"), "{err}");
    assert!(err.contains("token_type = \"oauth\""), "{err}");
    assert!(!err.contains(RENEWED), "{err}");
    // As OAuth, it goes.
    std::fs::write(&file, format!("token_type = \"oauth\"\n{text}")).unwrap();
    let o = without_token_with(&home, &["sync"], "", &[("GITLAB_TOKEN", RENEWED)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn auth_login_without_a_keyring_says_so_and_writes_no_file() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let before = files_under(&home.path(""));
    let o = without_token(&home, &["auth", "login"], &format!("{TOKEN}\n"));
    match o.status.code() {
        // A machine with a keyring (a desktop): kept there, then removed.
        Some(0) => {
            assert!(stdout(&o).contains("stored in the system keyring"));
            let o = without_token(&home, &["auth", "logout"], "");
            assert_eq!(o.status.code(), Some(0));
        }
        // No keyring (CI, SSH): said, with what to do instead.
        code => {
            assert_eq!(code, Some(1), "{}", stderr(&o));
            assert!(stderr(&o).contains("GITLAB_TOKEN"), "{}", stderr(&o));
            assert!(stderr(&o).contains("never keeps tokens in plain files"));
        }
    }
    assert!(!stdout(&o).contains(TOKEN) && !stderr(&o).contains(TOKEN));
    // Every command writes its log (issue #26), never the token; no other file.
    let log = home.path("state/glboard/glboard.log");
    let written: Vec<_> = files_under(&home.path(""))
        .into_iter()
        .filter(|f| *f != log)
        .collect();
    assert_eq!(written, before, "no file written but the log");
    assert!(
        !std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains(TOKEN)
    );
    // A token GitLab does not take is not kept.
    let o = without_token(&home, &["auth", "login"], "glpat-wrong\n");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn next_lists_priorities_ready_and_backlog_and_takes_the_first() {
    let server = fake();
    let home = synced_home(&server);
    let o = home.run(&["next", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema"], 1);
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/next.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&v), "{v}");
    // The demo's planning issue lists its priorities with references.
    let priorities = v["priorities"].as_array().unwrap();
    assert!(!priorities.is_empty(), "{v}");
    assert!(priorities[0]["issues"][0]["reference"].is_string());
    assert!(v["ready"].as_array().is_some() && v["backlog"].as_array().is_some());
    // Plain fits 80 columns and one screen.
    let o = home.run(&["next"]);
    let out = stdout(&o);
    assert!(out.lines().all(|l| common::width(l) <= 80), "{out}");
    assert!(out.lines().count() <= 22, "{out}");
    let a = out.find("A. Priorities").unwrap();
    let b = out.find("B. Ready").unwrap();
    let c = out.find("C. Top of the backlog").unwrap();
    assert!(a < b && b < c);
    // Taking needs --yes without a terminal; then GitLab has it as `take` would.
    let o = home.run(&["next", "--take"]);
    assert_eq!(o.status.code(), Some(2));
    let first = v["first"]["reference"].as_str().unwrap().to_owned();
    let o = home.run(&["next", "--take", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("{first} taken")),
        "{}",
        stdout(&o)
    );
    let iid: u64 = first.rsplit('#').next().unwrap().parse().unwrap();
    let w = server.world();
    let me = w.me;
    let taken = w
        .issues
        .iter()
        .find(|i| i.iid == iid && i.assignee_ids.contains(&me))
        .expect("taken");
    assert!(taken.labels.contains("workflow-infra::In Progress"));
}

#[test]
fn comments_from_a_shell_with_and_without_quick_actions() {
    let server = fake();
    let home = synced_home(&server);
    let (iid, id) = first_ready(&server);
    let r = format!("#{iid}");
    let notes = |server: &fake_gitlab::FakeGitlab| {
        server
            .world()
            .notes
            .iter()
            .filter(|n| n.issue_id == id && !n.system)
            .map(|n| n.body.clone())
            .collect::<Vec<_>>()
    };
    let o = home.run(&["comment", &r, "-m", "Plain words."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(notes(&server), vec!["Plain words."]);
    // Only quick actions: no comment, and what GitLab did is said; once.
    let o = home.run(&["comment", &r, "-m", "/spend 1h"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("GitLab: Added 1h spent time."),
        "{}",
        stdout(&o)
    );
    assert_eq!(notes(&server).len(), 1);
    let spent = |s: &fake_gitlab::FakeGitlab| {
        s.world()
            .issues
            .iter()
            .find(|i| i.id == id)
            .unwrap()
            .time_spent_secs
    };
    assert_eq!(spent(&server), 3600);
    // Mixed: stored without the command line, the command run.
    let file = home.path("note.md");
    std::fs::write(&file, "Half an hour on it.\n/spend 30m\n").unwrap();
    let o = home.run(&["comment", &r, "-F", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(notes(&server)[1], "Half an hour on it.");
    assert_eq!(spent(&server), 5400);
    // Nothing to say: a usage error.
    let o = home.run(&["comment", &r]);
    assert_eq!(o.status.code(), Some(2));
}

/// A Triage issue with no milestone moved to Ready stays on the backlog
/// board (its Ready column, printed); moved past Ready it is on neither
/// board, and the command says so and how to give it a milestone.
#[test]
fn a_triage_issue_moved_to_ready_stays_findable() {
    let server = fake();
    let home = synced_home(&server);
    let iid = {
        let w = server.world();
        let i = w
            .issues
            .iter()
            .filter(|i| {
                i.state == "opened"
                    && i.milestone_id.is_none()
                    && i.labels.contains("workflow-infra::Triage")
                    && i.labels.contains("team::Datastores")
            })
            .find(|i| w.issues.iter().filter(|j| j.iid == i.iid).count() == 1)
            .expect("a Triage issue with a unique iid");
        i.iid.to_string()
    };
    let o = home.run(&["move", &iid, "Ready"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("neither board"), "{}", stderr(&o));
    let o = home.run(&["print", "backlog", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let lane = &v["lanes"][1];
    assert_eq!(lane["name"], "Ready, no milestone");
    assert!(
        lane["issues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["iid"].as_u64().map(|n| n.to_string()) == Some(iid.clone())),
        "{lane}"
    );
    let o = home.run(&["move", &iid, "In Progress"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "#{iid} has no milestone, so it is on neither board: `glboard milestone #{iid} current` gives it one"
        )),
        "{}",
        stderr(&o)
    );
}

/// An iid two projects have is printed `project#iid` even when the printed
/// board holds only one of them (as the board names it), so the printed
/// reference works as an argument.
#[test]
fn every_reference_print_shows_works_as_an_argument() {
    let server = fake();
    let (iid, ready_id) = first_ready(&server);
    let project = {
        let mut w = server.world();
        let cur = w.milestones[2].id;
        let ready_project = w
            .issues
            .iter()
            .find(|i| i.id == ready_id)
            .unwrap()
            .project_id;
        // A backlog issue of another project takes the same iid.
        let other = w
            .issues
            .iter_mut()
            .find(|i| {
                i.project_id != ready_project
                    && i.milestone_id != Some(cur)
                    && i.labels.contains("team::Datastores")
            })
            .unwrap();
        other.iid = iid;
        let p = w.projects.iter().find(|p| p.id == ready_project).unwrap();
        p.path.rsplit('/').next().unwrap().to_owned()
    };
    let home = synced_home(&server);
    let o = home.run(&["print", "--format", "plain"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let shown = format!("{project}#{iid}");
    assert!(
        stdout(&o).contains(&format!("  {shown} ")),
        "{shown} in\n{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains(&format!(" #{iid} ")), "{}", stdout(&o));
    let o = home.run(&["weight", &shown, "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Piped, `print` fits `COLUMNS` when it is set, else 100 columns.
#[test]
fn piped_print_honours_columns() {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_glboard"));
    let dir = tempfile::tempdir().unwrap();
    let o = cmd
        .args(["print", "--demo", "--today", "2025-11-05"])
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env("TERM", "dumb")
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.lines().all(|l| common::width(l) <= 80), "{out}");
    assert!(out.lines().any(|l| common::width(l) > 75), "{out}");
}

/// A token GitLab rejects is a usage error (2) with one reference or
/// several: the changes are kept in the queue either way (issue #27).
#[test]
fn a_rejected_token_exits_2_with_one_reference_or_several() {
    let server = fake();
    let home = synced_home(&server);
    let refs: Vec<String> = {
        let w = server.world();
        let cur = w.milestones[2].id;
        let mut ready: Vec<_> = w
            .issues
            .iter()
            .filter(|i| i.state == "opened" && i.milestone_id == Some(cur))
            .filter(|i| w.issues.iter().filter(|j| j.iid == i.iid).count() == 1)
            .collect();
        ready.sort_by_key(|i| i.id);
        ready.iter().take(2).map(|i| i.iid.to_string()).collect()
    };
    server.world().token = "glpat-rotated".into();
    let one = with_dumb_term(&home, &["weight", &refs[0], "13"]);
    assert_eq!(one.status.code(), Some(2), "{}", stderr(&one));
    let several = with_dumb_term(&home, &["weight", &refs[0], &refs[1], "8"]);
    assert_eq!(several.status.code(), Some(2), "{}", stderr(&several));
    assert!(stdout(&with_dumb_term(&home, &["pending"])).contains("queued"));
}

/// The re-plan from the shell plans what the user sees (queued changes on
/// top) and offers the targets the board offers: later, open iterations
/// (issue #27).
#[test]
fn replan_plans_with_queued_changes_and_only_to_later_open_iterations() {
    let mut server = fake();
    let home = synced_home(&server);
    let (iid, _) = first_ready(&server);
    let prev = server.world().milestones[1].title.clone();
    // An earlier (still open) iteration is no target, as on the board.
    let o = with_dumb_term(&home, &["replan", "--to", &prev, "--dry-run"]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("not a later open iteration"),
        "{}",
        stderr(&o)
    );
    // GitLab away: a move to Done stays queued, and the re-plan sees it.
    server.stop();
    let o = with_dumb_term(&home, &["move", &iid.to_string(), "Done"]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    let o = with_dumb_term(&home, &["replan", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        !stdout(&o).contains(&format!("#{iid} ")),
        "the issue moved to Done is not re-planned:\n{}",
        stdout(&o)
    );
}

/// A milestone several match is a usage error (2), as an unknown one is
/// and as an ambiguous reference is.
#[test]
fn an_ambiguous_milestone_exits_2_like_an_unknown_one() {
    let o = demo(&["print", "--today", "2025-11-05", "--milestone", "W4"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("matches several milestones"),
        "{}",
        stderr(&o)
    );
    let o = demo(&["print", "--today", "2025-11-05", "--milestone", "W99"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
