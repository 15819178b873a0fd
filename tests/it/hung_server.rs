//! A GitLab that accepts connections and never answers, or sends half an
//! answer and stalls: `sync`, an action and `doctor` end within the budget,
//! say that GitLab did not answer, and keep the change queued (exit 75);
//! `print` from the cache never waits on the network. The budgets are made
//! short here (`GLBOARD_REQUEST_TIMEOUT`, `GLBOARD_GITLAB_BUDGET`); README
//! states the defaults.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Home, fake};
use fake_gitlab::{FakeGitlab, Fault};

/// The budget the tests give GitLab, in seconds.
const BUDGET: &str = "2";

/// Run glboard with the short budget; a run that does not end in a
/// minute is killed and fails the test (it would have hung).
fn run(home: &Home, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glboard"));
    cmd.args(args)
        .env("TERM", "dumb")
        .env_remove("GITLAB_HOST")
        .env("GLBOARD_REQUEST_TIMEOUT", BUDGET)
        .env("GLBOARD_GITLAB_BUDGET", BUDGET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in home.env() {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("glboard {args:?} did not end");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// An open issue of the team's with a unique iid, and its id.
fn some_issue(server: &FakeGitlab) -> (u64, u64) {
    let w = server.world();
    let i = w
        .issues
        .iter()
        .filter(|i| i.state == "opened" && i.labels.iter().any(|l| l == "team::Datastores"))
        .find(|i| w.issues.iter().filter(|j| j.iid == i.iid).count() == 1)
        .expect("an issue");
    (i.iid, i.id)
}

const SILENT: &str = "GitLab did not answer within 2 s";

fn hung_gitlab_ends_each_command(fault: Fault) {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let o = run(&home, &["sync"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let (iid, id) = some_issue(&server);
    let weight = server
        .world()
        .issues
        .iter()
        .find(|i| i.id == id)
        .and_then(|i| i.weight)
        .unwrap_or(0)
        + 1;
    server.world().always = Some(fault.clone());

    let o = run(&home, &["sync"]);
    assert_eq!(o.status.code(), Some(75), "{fault:?}: {}", text(&o));
    assert!(text(&o).contains(SILENT), "{fault:?}: {}", text(&o));

    let o = run(&home, &["weight", &iid.to_string(), &weight.to_string()]);
    assert_eq!(o.status.code(), Some(75), "{fault:?}: {}", text(&o));
    assert!(text(&o).contains(SILENT), "{fault:?}: {}", text(&o));
    let o = run(&home, &["pending"]);
    assert!(
        text(&o).contains("queued"),
        "{fault:?}: the change waits: {}",
        text(&o)
    );

    let o = run(&home, &["doctor"]);
    assert_eq!(o.status.code(), Some(75), "{fault:?}: {}", text(&o));
    assert!(
        text(&o).contains(&format!("FAIL GitLab: {SILENT}")),
        "{fault:?}: {}",
        text(&o)
    );

    // Setting up from the team's board waits no longer.
    let board = format!(
        "{}/groups/gitlab-com/gl-infra/-/boards/1688503?label_name[]=team%3A%3ADatastores",
        server.url()
    );
    let o = run(&home, &["init", "--board", &board, "--dry-run"]);
    assert_eq!(o.status.code(), Some(75), "{fault:?}: {}", text(&o));
    assert!(text(&o).contains(SILENT), "{fault:?}: {}", text(&o));

    // The cache answers at once, whatever GitLab does.
    let o = run(&home, &["print", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{fault:?}: {}", text(&o));

    // GitLab answers again: the queued weight goes.
    server.world().always = None;
    let o = run(&home, &["sync"]);
    assert_eq!(o.status.code(), Some(0), "{fault:?}: {}", text(&o));
    let on_server = server
        .world()
        .issues
        .iter()
        .find(|i| i.id == id)
        .and_then(|i| i.weight);
    assert_eq!(on_server, Some(weight), "{fault:?}");
}

#[test]
fn a_server_that_never_answers_ends_sync_an_action_and_doctor_within_the_budget() {
    hung_gitlab_ends_each_command(Fault::Hang);
}

#[test]
fn a_server_that_stalls_mid_answer_ends_sync_an_action_and_doctor_within_the_budget() {
    hung_gitlab_ends_each_command(Fault::Stall);
}

#[test]
fn a_token_command_that_never_ends_is_stopped_and_said() {
    let server = fake();
    let home = Home::new();
    home.write_config(&server.url());
    let cfg = home.path("config/glboard/config.toml");
    let config = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("token_command = \"sleep 100\"\n{config}")).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glboard"));
    cmd.arg("sync")
        .env("TERM", "dumb")
        .env_remove("GITLAB_HOST")
        .env("GLBOARD_TOKEN_COMMAND_TIMEOUT", "1");
    for (k, v) in home.env() {
        cmd.env(k, v);
    }
    cmd.env_remove("GITLAB_TOKEN");
    let o = cmd.output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("token_command failed: `sleep 100`: gave no token within 1 s"),
        "{}",
        text(&o)
    );
}
