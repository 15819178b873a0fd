//! `fake-gitlab`: serve a fake GitLab on loopback until killed.
//!
//! ```text
//! fake-gitlab [--port N] [--token T] [--issues N] [--projects N]
//!             [--demo-json assets/demo.json | --world saved.json] [--free] [--ce] [--latency-ms N]
//!             [--no-history]
//! ```
//! Faults can be switched while it runs: `POST /__fake/faults` with
//! `{"next": [{"Status": 503}], "always": {"RateLimit": {"retry_after": 60}}, "latency_ms": 0}`;
//! `GET /__fake/world` returns the whole state, which `--world FILE` serves again.
//! A generated group (`--issues N`) has six finished iterations and resource
//! events (`generate::iteration_history`) unless `--no-history`.

use std::time::Duration;

use fake_gitlab::{FakeGitlab, Tier, generate};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut port = 0u16;
    let mut token = "glpat-fake-token".to_owned();
    let mut issues = 200usize;
    let mut projects = 4usize;
    let mut demo: Option<String> = None;
    let mut saved: Option<String> = None;
    let mut free = false;
    let mut ce = false;
    let mut history = true;
    let mut latency = 0u64;
    let mut today = chrono::Local::now().date_naive();
    while let Some(a) = args.next() {
        let mut val = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--port" => port = val().parse().unwrap_or_else(|_| usage("bad --port")),
            "--token" => token = val(),
            "--issues" => issues = val().parse().unwrap_or_else(|_| usage("bad --issues")),
            "--projects" => projects = val().parse().unwrap_or_else(|_| usage("bad --projects")),
            "--demo-json" => demo = Some(val()),
            "--world" => saved = Some(val()),
            "--latency-ms" => latency = val().parse().unwrap_or_else(|_| usage("bad --latency-ms")),
            "--today" => today = val().parse().unwrap_or_else(|_| usage("bad --today")),
            "--free" => free = true,
            // GitLab Community Edition: a version without `-ee`, so its
            // GraphQL schema lacks EE's fields (`blocked`).
            "--ce" => ce = true,
            "--no-history" => history = false,
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let mut world = match (saved, demo) {
        (Some(path), _) => {
            let src =
                std::fs::read_to_string(&path).unwrap_or_else(|e| usage(&format!("{path}: {e}")));
            let mut w: fake_gitlab::World =
                serde_json::from_str(&src).unwrap_or_else(|e| usage(&format!("{path}: {e}")));
            w.log.clear();
            w
        }
        (None, demo) => match demo {
            Some(path) => {
                let src = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| usage(&format!("{path}: {e}")));
                generate::from_demo_json(&src, today, &token)
                    .unwrap_or_else(|e| usage(&format!("{path}: {e}")))
            }
            None => {
                let mut w = generate::datastores(issues, projects, today, &token);
                if history {
                    generate::iteration_history(&mut w, today);
                }
                w
            }
        },
    };
    if free {
        world.tier = Tier::Free;
    }
    if ce {
        world.tier = Tier::Free;
        world.version = world.version.trim_end_matches("-ee").to_owned();
    }
    world.latency_ms = latency;
    let server = FakeGitlab::start_on(world, format!("127.0.0.1:{port}").parse().expect("address"));
    println!("{}", server.url());
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn usage(msg: &str) -> ! {
    if !msg.is_empty() {
        eprintln!("fake-gitlab: {msg}");
    }
    eprintln!(
        "usage: fake-gitlab [--port N] [--token T] [--issues N] [--projects N] [--demo-json FILE | --world FILE] [--free] [--ce] [--latency-ms N] [--today YYYY-MM-DD] [--no-history]"
    );
    std::process::exit(2)
}
