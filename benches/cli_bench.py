#!/usr/bin/env python3
"""Whole-process benchmarks of the command line (issue #7).

- `glboard print iteration` from a 5,000-issue cache: wall time and peak RSS.
- `glboard print --refresh` (cold: empty cache; warm: incremental) against
  python-gitlab's CLI listing the same issues, and against curl fetching the
  very same URLs glboard fetched (the floor), all against one fake GitLab.

Run: cargo build --release --workspace && pip install python-gitlab && python3 benches/cli_bench.py
"""
import json, os, resource, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release")
TOKEN = "glpat-bench"
RUNS = int(os.environ.get("RUNS", "15"))


def timed(cmd, env=None, runs=RUNS, setup=None):
    times = []
    for _ in range(runs):
        if setup:
            setup()
        t = time.perf_counter()
        r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t)
        if r.returncode != 0:
            sys.exit(f"{cmd[0]} failed: {r.stderr.decode()[:500]}")
    return statistics.median(times) * 1000, min(times) * 1000


def main():
    fake = subprocess.Popen([os.path.join(BIN, "fake-gitlab"), "--issues", "5000", "--projects", "20", "--token", TOKEN, "--no-history"],
                            stdout=subprocess.PIPE, text=True)
    url = fake.stdout.readline().strip()
    home = tempfile.mkdtemp()
    env = dict(os.environ, XDG_CONFIG_HOME=f"{home}/config", XDG_CACHE_HOME=f"{home}/cache",
               XDG_STATE_HOME=f"{home}/state", GITLAB_TOKEN=TOKEN, TERM="dumb")
    env.pop("GITLAB_HOST", None)
    glb = os.path.join(BIN, "glboard")
    subprocess.run([glb, "init", "--host", url, "--group", "gitlab-com/gl-infra"], env=env, check=True, stdout=subprocess.DEVNULL)
    try:
        subprocess.run([glb, "sync"], env=env, check=True, stderr=subprocess.DEVNULL)
        # 1. print from the cache, as a whole process.
        med, best = timed([glb, "print", "iteration"], env)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        subprocess.run([glb, "print", "iteration"], env=env, stdout=subprocess.DEVNULL, check=True)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"print iteration from a 5,000-issue cache: median {med:.1f} ms (min {best:.1f}), peak RSS {rss/1024:.1f} MB")

        # 2. print --refresh: which URLs does it fetch? (cold and warm)
        def log():
            return json.load(urllib.request.urlopen(f"{url}/__fake/log"))
        cache = f"{home}/cache"
        def cold():
            shutil.rmtree(cache, ignore_errors=True)
        cold()
        n0 = len(log())
        subprocess.run([glb, "print", "--refresh"], env=env, stdout=subprocess.DEVNULL, check=True)
        cold_urls = [u.split(" ", 1)[1] for u in log()[n0:] if u.startswith("GET")]
        n1 = len(log())
        subprocess.run([glb, "print", "--refresh"], env=env, stdout=subprocess.DEVNULL, check=True)
        warm_urls = [u.split(" ", 1)[1] for u in log()[n1:] if u.startswith("GET")]
        cold_med, _ = timed([glb, "print", "--refresh"], env, runs=7, setup=cold)
        warm_med, _ = timed([glb, "print", "--refresh"], env, runs=RUNS)

        def curl(urls):
            cmd = ["curl", "-sS", "-H", f"PRIVATE-TOKEN: {TOKEN}"]
            for u in urls:
                cmd += [url + u, "-o", "/dev/null"]
            return cmd
        cold_floor, _ = timed(curl(cold_urls), runs=7)
        warm_floor, _ = timed(curl(warm_urls), runs=RUNS)

        # 3. python-gitlab's CLI listing the team's issues.
        cfg = f"{home}/python-gitlab.cfg"
        with open(cfg, "w") as f:
            f.write(f"[global]\ndefault = fake\n[fake]\nurl = {url}\nprivate_token = {TOKEN}\napi_version = 4\n")
        pg = shutil.which("gitlab")
        pg_med = None
        if pg:
            pg_med, _ = timed([pg, "-c", cfg, "group-issue", "list", "--group-id", "gitlab-com/gl-infra",
                               "--labels", "team::Datastores", "--per-page", "100", "--get-all"], runs=5)
        print(f"print --refresh, cold cache ({len(cold_urls)} requests): glboard {cold_med:.1f} ms · curl same URLs {cold_floor:.1f} ms "
              f"({cold_med/cold_floor:.2f}x the floor)")
        print(f"print --refresh, warm cache ({len(warm_urls)} requests): glboard {warm_med:.1f} ms · curl same URLs {warm_floor:.1f} ms "
              f"({warm_med/warm_floor:.2f}x the floor)")
        if pg_med:
            print(f"python-gitlab CLI, group-issue list --all (same team issues): {pg_med:.1f} ms "
                  f"-> glboard cold is {pg_med/cold_med:.1f}x faster, warm {pg_med/warm_med:.1f}x faster")
        else:
            print("python-gitlab not installed (pip install python-gitlab): skipped")
    finally:
        fake.terminate()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
