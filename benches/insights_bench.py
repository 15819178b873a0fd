#!/usr/bin/env python3
"""Whole-process benchmarks of `glboard insights --last 6` (issue #29).

For 1,500 and 5,000 team issues (the fake's generated group, with six
finished iterations and their resource events), against one fake GitLab:
- first: a synced cache that has read no events yet (`glboard sync` first,
  not timed): the issues' milestone events and the state events of those
  that were in the six iterations are read;
- second: the same again: every event is cached and the iterations are
  finished, so no event is asked for (only the incremental sync's requests);
- cold: an empty cache (the full sync and the events).
Requests are counted from the fake's log; times are medians.

Run: cargo build --release --workspace && python3 benches/insights_bench.py
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release")
TOKEN = "glpat-bench"
RUNS = int(os.environ.get("RUNS", "3"))


def run(cmd, env):
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = (time.perf_counter() - t) * 1000
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {r.stderr.decode()[:500]}")
    return dt


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
    cmd = [glb, "insights", "--last", "6"]
    out = {}
    try:
        for name in ["first", "second", "cold"]:
            times, reqs, events = [], [], []
            for _ in range(RUNS):
                if name in ("first", "cold"):
                    shutil.rmtree(cache, ignore_errors=True)
                if name == "first":
                    run([glb, "sync"], env)
                if name == "second" and not times:
                    run(cmd, env)  # the events read once
                n0 = len(log())
                times.append(run(cmd, env))
                new = log()[n0:]
                reqs.append(len(new))
                events.append(sum(1 for l in new if "/resource_" in l))
            out[name] = (statistics.median(times), min(times), statistics.median(reqs), statistics.median(events))
            print(f"{n} issues, {name}: median {out[name][0]:.1f} ms (min {out[name][1]:.1f}), "
                  f"{out[name][2]:.0f} requests, {out[name][3]:.0f} of them for events", flush=True)
    finally:
        fake.kill()
        shutil.rmtree(home, ignore_errors=True)
    return out


if __name__ == "__main__":
    for n in (1500, 5000):
        bench(n)
