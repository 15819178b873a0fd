#!/usr/bin/env python3
"""Whole-process benchmarks at 5,000 and 20,000 issues (issues #13, #31).

One table, every figure a median of RUNS runs, each beside its floors
measured in the same run:
- start to first frame in a 120x40 pseudo-terminal, until the first frame's
  status line has been read back: in a pty that answers the terminal's
  colour question at once, and in one that never answers;
- `glboard print iteration` as plain text and as JSON;
- key press to frame on the open board (`j`, one card down): the time from
  writing the key to the last byte of the redraw, and the bytes written;
- floors: `glboard --version` (process start), `cat` of the printed bytes,
  spawning `true` in the same kind of pty.

Caches are synced from the fake GitLab (N team issues in 20 projects, with
their merge requests and label events), then every issue is given a 2-6 KB
description, as real infra issues carry. "realistic" is the 20,000-issue
cache with its current iteration cut to 600 cards (the rest moved to no
milestone), as a real group's iteration is.

Run: cargo build --release --workspace && python3 benches/scale_bench.py
Env: SIZES="5000 20000" RUNS=21 KEYS=60 KEEP_HOME=DIR (keeps the caches).
"""
import os, pty, random, select, shutil, sqlite3, statistics, subprocess, sys, tempfile, time
import fcntl, struct, termios

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release")
TOKEN = "glpat-bench"
RUNS = int(os.environ.get("RUNS", "21"))
KEYS = int(os.environ.get("KEYS", "60"))
SIZES = [int(s) for s in os.environ.get("SIZES", "5000 20000").split()]

PARAGRAPHS = [
    "## Problem\n\nThe `{c}` cluster shows replication lag above 30 s during the nightly vacuum window; "
    "see the [dashboard](https://dashboards.gitlab.net/d/patroni/{c}) and the alert history.",
    "## Proposal\n\n1. Move `autovacuum_vacuum_cost_limit` to 2000 on the replicas\n"
    "2. Re-run `pg_repack` on the three largest partitions\n3. Watch WAL volume for a week",
    "```sql\nSELECT relname, n_dead_tup, last_autovacuum\n  FROM pg_stat_user_tables\n ORDER BY n_dead_tup DESC\n LIMIT 20;\n```",
    "### Checklist\n\n- [ ] change request approved\n- [ ] gstg first, then gprd\n- [x] runbook updated\n- [ ] announce in #database",
    "> Note from the on-call: the last incident (INC-{n}) traced back to the same table; "
    "we should not close this before the partition rework lands.",
]


def description(rng):
    parts = []
    while sum(len(p) for p in parts) < rng.randint(2000, 6000):
        parts.append(rng.choice(PARAGRAPHS).format(c=rng.choice(["main", "ci", "sec", "registry"]), n=rng.randint(1000, 9999)))
    return "\n\n".join(parts)


def timed(cmd, env, runs=RUNS):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t)
        if r.returncode != 0:
            sys.exit(f"{cmd} failed: {r.stderr.decode()[:500]}")
    return statistics.median(times) * 1000


ANSWER = b"\x1b]10;rgb:ffff/ffff/ffff\x1b\\\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[?62;22c"


def spawn(cmd, env):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(cmd[0], cmd, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    return pid, fd


def read_some(fd, wait):
    r, _, _ = select.select([fd], [], [], wait)
    if not r:
        return None
    try:
        return os.read(fd, 1 << 16)
    except OSError:
        return b""


def first_frame(cmd, env, marker, answer, timeout=10.0):
    """Seconds from spawn until `marker` was read (None: to EOF)."""
    t = time.perf_counter()
    pid, fd = spawn(cmd, env)
    buf, elapsed, answered = b"", None, False
    while time.perf_counter() - t < timeout:
        chunk = read_some(fd, 0.05)
        if chunk is None:
            continue
        if not chunk:
            break
        buf += chunk
        if answer and not answered and b"\x1b[c" in buf:
            os.write(fd, ANSWER)
            answered = True
        if marker and marker in buf:
            elapsed = time.perf_counter() - t
            break
    if elapsed is None:
        elapsed = time.perf_counter() - t
        if marker:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            sys.exit(f"{cmd} never drew {marker!r}: {buf[-500:]!r}")
    if marker:
        # The colour question comes after the first frame: answered (or
        # not) before `q`, which would otherwise be read as its answer.
        rest = settle(fd, 0.3)
        if answer and not answered and b"\x1b[c" in rest:
            os.write(fd, ANSWER)
            settle(fd, 0.1)
        os.write(fd, b"q")
    end(pid, fd)
    return elapsed


def end(pid, fd):
    """Wait for the process; kill it if it has not ended within 5 s."""
    deadline = time.perf_counter() + 5
    while time.perf_counter() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        read_some(fd, 0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        print(f"warning: pid {pid} did not quit on q", file=sys.stderr)
    os.close(fd)


def settle(fd, quiet, limit=5.0):
    """Read until nothing came for `quiet` seconds (at most `limit`)."""
    buf = b""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        chunk = read_some(fd, quiet)
        if not chunk:
            return buf
        buf += chunk
    return buf


def keys(glb, env, cache):
    """Key press to frame: (latencies in ms, bytes written per key). Before
    every fifth key the cache's epoch moves (as a full sync's write does),
    so the board reads the whole cache again and the new workspace lands
    while keys are pressed."""
    pid, fd = spawn([glb], env)
    buf = b""
    t = time.perf_counter()
    while b"synced" not in buf and time.perf_counter() - t < 10:
        chunk = read_some(fd, 0.05)
        if chunk:
            buf += chunk
            if b"\x1b[c" in buf:
                os.write(fd, ANSWER)
    # The whole cache's read, the failed first sync (GitLab is not there:
    # "offline") and the colour answer land first: then the board is idle.
    settle(fd, 3.0, limit=15.0)
    # To a lane with cards (the first column, Open, may have none).
    for _ in range(2):
        os.write(fd, b"l")
        settle(fd, 0.2)
    lat, sizes = [], []
    for k in range(KEYS):
        key = b"j" if (k // 10) % 2 == 0 else b"k"
        if k % 5 == 2:
            db = sqlite3.connect(cache)
            db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key IN ('rev', 'epoch')")
            db.commit()
            db.close()
        t = time.perf_counter()
        os.write(fd, key)
        # The key's frame: what comes first, and what follows it within
        # 5 ms (one frame is one write, split only by the pty's buffer). A
        # landing's own redraw later is not the key's.
        out, first, last = b"", None, t
        while True:
            chunk = read_some(fd, 0.15 if first is None else 0.005)
            if not chunk:
                break
            out += chunk
            last = time.perf_counter()
            first = first or last
        settle(fd, 0.15)
        if out:
            lat.append((last - t) * 1000)
            sizes.append(len(out))
    os.write(fd, b"q")
    end(pid, fd)
    lat.sort()
    return lat, sizes


def make_cache(n, root):
    home = os.path.join(root, f"h{n}")
    env = dict(os.environ, XDG_CONFIG_HOME=f"{home}/config", XDG_CACHE_HOME=f"{home}/cache",
               XDG_STATE_HOME=f"{home}/state", GITLAB_TOKEN=TOKEN, TERM="xterm-256color")
    env.pop("GITLAB_HOST", None)
    env.pop("NO_COLOR", None)
    env.pop("RUST_LOG", None)
    glb = os.path.join(BIN, "glboard")
    cache = lambda: [os.path.join(dp, f) for dp, _, fs in os.walk(f"{home}/cache") for f in fs if f.endswith(".sqlite")][0]
    if os.path.exists(home):
        return env, cache()
    fake = subprocess.Popen([os.path.join(BIN, "fake-gitlab"), "--issues", str(n), "--projects", "20", "--token", TOKEN],
                            stdout=subprocess.PIPE, text=True)
    try:
        url = fake.stdout.readline().strip()
        subprocess.run([glb, "init", "--host", url, "--group", "gitlab-com/gl-infra"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([glb, "sync"], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        fake.terminate()
        fake.wait()
    rng = random.Random(13)
    db = sqlite3.connect(cache())
    ids = [r[0] for r in db.execute("SELECT id FROM issues")]
    db.executemany("INSERT OR REPLACE INTO descriptions (id, description) VALUES (?, ?)", [(i, description(rng)) for i in ids])
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return env, cache()


def realistic(env20, cache20, root, cards=600):
    """A copy of the 20,000-issue cache whose current iteration holds `cards`."""
    home = os.path.join(root, "h20000-600")
    if not os.path.exists(home):
        shutil.copytree(os.path.dirname(env20["XDG_CACHE_HOME"].rstrip("/")) , home)
    env = dict(env20, XDG_CONFIG_HOME=f"{home}/config", XDG_CACHE_HOME=f"{home}/cache", XDG_STATE_HOME=f"{home}/state")
    cache = [os.path.join(dp, f) for dp, _, fs in os.walk(f"{home}/cache") for f in fs if f.endswith(".sqlite")][0]
    glb = os.path.join(BIN, "glboard")
    out = subprocess.run([glb, "print", "iteration", "--format", "json"], env=env, capture_output=True, check=True).stdout
    import json
    title = json.loads(out)["milestone"]["title"]
    db = sqlite3.connect(cache)
    mid = db.execute("SELECT id FROM milestones WHERE json_extract(data, '$.title') = ?", (title,)).fetchone()[0]
    db.execute("UPDATE issues SET milestone_id = NULL WHERE milestone_id = ? AND id NOT IN "
               "(SELECT id FROM issues WHERE milestone_id = ? ORDER BY id LIMIT ?)", (mid, mid, cards))
    db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key IN ('rev', 'epoch')")
    db.commit()
    db.close()
    return env, cache


def measure(label, env, cache, glb, floors):
    out = subprocess.run([glb, "print", "iteration"], env=env, capture_output=True, check=True).stdout
    text = os.path.join(tempfile.gettempdir(), f"glboard-bench-{os.getpid()}.txt")
    with open(text, "wb") as f:
        f.write(out)
    cards = out.count(b"\n")
    row = {"label": label, "lines": cards}
    row["frame"] = statistics.median(first_frame([glb], env, b"synced", True) for _ in range(RUNS)) * 1000
    # A terminal that never answers: its own remembered palette (it is
    # asked once, then remembered as silent).
    silent = dict(env, XDG_STATE_HOME=env["XDG_STATE_HOME"] + "-silent")
    row["frame_silent"] = statistics.median(first_frame([glb], silent, b"synced", False) for _ in range(RUNS)) * 1000
    row["plain"] = timed([glb, "print", "iteration", "--format", "plain"], env)
    row["json"] = timed([glb, "print", "iteration", "--format", "json"], env)
    row["cat"] = timed(["cat", text], env)
    lat, sizes = keys(glb, env, cache)
    row["key_med"] = statistics.median(lat) if lat else float("nan")
    row["key_p99"] = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan")
    row["key_bytes"] = statistics.median(sizes) if sizes else float("nan")
    os.unlink(text)
    return row


def main():
    glb = os.path.join(BIN, "glboard")
    root = os.environ.get("KEEP_HOME") or tempfile.mkdtemp()
    try:
        homes = []
        for n in SIZES:
            env, cache = make_cache(n, root)
            homes.append((f"{n:,} issues", env, cache))
            if n == 20000:
                homes.append(("20,000 issues, 600-card iteration", *realistic(env, cache, root)))
        env0 = homes[0][1]
        floors = {
            "version": timed([glb, "--version"], env0),
            "pty_true": statistics.median(first_frame(["true"], env0, None, False) for _ in range(RUNS)) * 1000,
        }
        rows = [measure(label, env, cache, glb, floors) for label, env, cache in homes]
        print(f"\nmedians of {RUNS} runs ({KEYS} key presses); floors in the same run: "
              f"`glboard --version` {floors['version']:.1f} ms, spawn `true` in a pty {floors['pty_true']:.1f} ms\n")
        print("| cache | first frame (pty answers) | first frame (pty never answers) | print plain | print JSON (x plain) | `cat` of the print | key to frame, median / p99 (a sync landing every 5th key) | bytes per key |")
        print("|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['label']} ({r['lines']:,} lines printed) | {r['frame']:.1f} ms | {r['frame_silent']:.1f} ms | {r['plain']:.1f} ms | "
                  f"{r['json']:.1f} ms ({r['json'] / r['plain']:.2f}x) | {r['cat']:.1f} ms | {r['key_med']:.1f} / {r['key_p99']:.1f} ms | {r['key_bytes']:.0f} |")
    finally:
        if not os.environ.get("KEEP_HOME"):
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
