#!/usr/bin/env python3
"""Whole-process costs of the cards' age in their lane (issue #29).

For 1,500 and 5,000 team issues (the fake's generated group with its
resource events), against one fake GitLab:
- first sync: an empty cache; the full sync, then the label events of the
  current iteration's open cards (their `lane_since`);
- second sync: nothing changed: no event is asked for;
- print: `print --format json` from the cache (lane_since for every card),
  which asks GitLab for nothing.
Requests are counted from the fake's log; times are medians.

Run: cargo build --release --workspace && python3 benches/lane_age_bench.py
(BIN=target/debug to measure a debug build).
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, os.environ.get("BIN", os.path.join("target", "release")))
TOKEN = "glpat-bench"
RUNS = int(os.environ.get("RUNS", "3"))


def run(cmd, env):
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = (time.perf_counter() - t) * 1000
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {r.stderr.decode()[:500]}")
    return dt, r.stdout


def bench(n):
    fake = subprocess.Popen([os.path.join(BIN, "fake-gitlab"), "--issues", str(n), "--projects", "20", "--token", TOKEN],
                            stdout=subprocess.PIPE, text=True)
    url = fake.stdout.readline().strip()
    home = tempfile.mkdtemp()
    env = dict(os.environ, XDG_CONFIG_HOME=f"{home}/config", XDG_CACHE_HOME=f"{home}/cache",
               XDG_STATE_HOME=f"{home}/state", GITLAB_TOKEN=TOKEN, TERM="dumb")
    env.pop("GITLAB_HOST", None)
    glb = os.path.join(BIN, "glboard")
    subprocess.run([glb, "init", "--host", url, "--group", "gitlab-com/gl-infra"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    log = lambda: json.load(urllib.request.urlopen(f"{url}/__fake/log"))
    cache = f"{home}/cache"
    rows = {"first sync": [], "second sync": [], "print --format json": []}
    known = 0
    try:
        for _ in range(RUNS):
            shutil.rmtree(cache, ignore_errors=True)
            for name, cmd in [("first sync", [glb, "sync"]), ("second sync", [glb, "sync"]),
                              ("print --format json", [glb, "print", "--format", "json"])]:
                n0 = len(log())
                dt, out = run(cmd, env)
                new = log()[n0:]
                rows[name].append((dt, len(new), sum(1 for l in new if "/resource_" in l)))
                if name.startswith("print"):
                    v = json.loads(out)
                    known = sum(1 for lane in v["lanes"] for i in lane["issues"] if i["lane_since"])
        for name, rs in rows.items():
            t = statistics.median(r[0] for r in rs)
            print(f"{n} issues, {name}: median {t:.0f} ms (min {min(r[0] for r in rs):.0f}), "
                  f"{statistics.median(r[1] for r in rs):.0f} requests, "
                  f"{statistics.median(r[2] for r in rs):.0f} of them for events", flush=True)
        print(f"{n} issues: {known} printed cards with a lane_since", flush=True)
    finally:
        fake.kill()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    for n in (1500, 5000):
        bench(n)
