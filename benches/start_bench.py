#!/usr/bin/env python3
"""Whole-process start-up benchmarks from a 5,000-issue cache (issue #13).

- Start to first frame of the board in a 120x40 pseudo-terminal, until the
  first frame's status line is read back; floor: spawning `true` in the same
  kind of pty.
- `glboard print iteration` as a whole process; floors in the same run: the
  process start (`glboard --version`), a plain SQLite read of the same rows
  (the `sqlite3` shell, as a process), and `cat` of the same output bytes.

The cache is synced from the fake GitLab (5,000 team issues, 20 projects),
then every issue is given a realistic description (2-6 KB of GitLab
Markdown: headings, task lists, code blocks, links), as real infra issues
carry.

Run: cargo build --release --workspace && python3 benches/start_bench.py
(KEEP_HOME=/tmp/bench-home keeps the cache and config there, to profile.)
"""
import os, pty, random, select, shutil, sqlite3, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release")
TOKEN = "glpat-bench"
RUNS = int(os.environ.get("RUNS", "21"))

PARAGRAPHS = [
    "## Problem\n\nThe `{c}` cluster shows replication lag above 30 s during the nightly vacuum window; "
    "see the [dashboard](https://dashboards.gitlab.net/d/patroni/{c}) and the alert history.",
    "## Proposal\n\n1. Move `autovacuum_vacuum_cost_limit` to 2000 on the replicas\n"
    "2. Re-run `pg_repack` on the three largest partitions\n3. Watch WAL volume for a week",
    "```sql\nSELECT relname, n_dead_tup, last_autovacuum\n  FROM pg_stat_user_tables\n ORDER BY n_dead_tup DESC\n LIMIT 20;\n```",
    "### Checklist\n\n- [ ] change request approved\n- [ ] gstg first, then gprd\n- [x] runbook updated\n- [ ] announce in #database",
    "> Note from the on-call: the last incident (INC-{n}) traced back to the same table; "
    "we should not close this before the partition rework lands.",
    "| host | lag | since |\n|---|---|---|\n| patroni-{c}-01 | 34 s | 02:10 |\n| patroni-{c}-02 | 41 s | 02:12 |",
]


def description(rng):
    parts = []
    while sum(len(p) for p in parts) < rng.randint(2000, 6000):
        parts.append(rng.choice(PARAGRAPHS).format(c=rng.choice(["main", "ci", "sec", "registry"]), n=rng.randint(1000, 9999)))
    return "\n\n".join(parts)


def timed(cmd, env=None, runs=RUNS):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t)
        if r.returncode != 0:
            sys.exit(f"{cmd} failed: {r.stderr.decode()[:500]}")
    return statistics.median(times) * 1000


def pty_until(cmd, env, marker, timeout=10.0):
    """Spawn in a 120x40 pty; seconds until `marker` was read (or EOF)."""
    t = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(cmd[0], cmd, env)
    import fcntl, struct, termios
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    buf = b""
    elapsed = None
    answered = False
    while time.perf_counter() - t < timeout:
        r, _, _ = select.select([fd], [], [], 0.05)
        if not r:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
        # Answer the colour query (theme = "auto") as a dark terminal does,
        # at once, as a local terminal would.
        if not answered and b"\x1b[c" in buf:
            os.write(fd, b"\x1b]10;rgb:ffff/ffff/ffff\x1b\\\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[?62;22c")
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
        os.write(fd, b"q")
    os.waitpid(pid, 0)
    os.close(fd)
    return elapsed


def main():
    fake = subprocess.Popen([os.path.join(BIN, "fake-gitlab"), "--issues", "5000", "--projects", "20", "--token", TOKEN, "--no-history"],
                            stdout=subprocess.PIPE, text=True)
    url = fake.stdout.readline().strip()
    # KEEP_HOME=DIR keeps the home (config and the 5,000-issue cache) there,
    # for a profiler afterwards.
    home = os.environ.get("KEEP_HOME") or tempfile.mkdtemp()
    env = dict(os.environ, XDG_CONFIG_HOME=f"{home}/config", XDG_CACHE_HOME=f"{home}/cache",
               XDG_STATE_HOME=f"{home}/state", GITLAB_TOKEN=TOKEN, TERM="xterm-256color")
    env.pop("GITLAB_HOST", None)
    env.pop("NO_COLOR", None)
    glb = os.path.join(BIN, "glboard")
    subprocess.run([glb, "init", "--host", url, "--group", "gitlab-com/gl-infra"], env=env, check=True, stdout=subprocess.DEVNULL)
    try:
        subprocess.run([glb, "sync"], env=env, check=True, stderr=subprocess.DEVNULL)
        cache = [os.path.join(dp, f) for dp, _, fs in os.walk(f"{home}/cache") for f in fs if f.endswith(".sqlite")][0]
        rng = random.Random(13)
        db = sqlite3.connect(cache)
        ids = [r[0] for r in db.execute("SELECT id FROM issues")]
        # Where this version of the cache keeps descriptions.
        own_table = db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'descriptions'").fetchone()[0] > 0
        sql = ("INSERT OR REPLACE INTO descriptions (description, id) VALUES (?, ?)" if own_table
               else "UPDATE issues SET data = json_set(data, '$.description', ?) WHERE id = ?")
        for i in ids:
            db.execute(sql, (description(rng), i))
        db.commit()
        size = os.path.getsize(cache) + (os.path.getsize(cache + "-wal") if os.path.exists(cache + "-wal") else 0)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        print(f"cache: {len(ids)} issues with 2-6 KB descriptions, {size / 1e6:.1f} MB")
        # The board must not sync while it is measured: no network.
        fake.terminate()
        fake.wait()

        # 1. Start to first frame in a pty.
        floor = statistics.median(pty_until(["true"], env, None) for _ in range(RUNS)) * 1000
        first = statistics.median(pty_until([glb], env, b"synced") for _ in range(RUNS)) * 1000
        print(f"start to first frame from the cache (pty 120x40): median {first:.1f} ms; floor (spawn `true` in a pty): {floor:.1f} ms")

        # 2. print iteration as a whole process, and its floors.
        out = subprocess.run([glb, "print", "iteration"], env=env, capture_output=True, check=True).stdout
        text = os.path.join(home, "print.txt")
        with open(text, "wb") as f:
            f.write(out)
        pr = timed([glb, "print", "iteration"], env)
        version = timed([glb, "--version"], env)
        shown = subprocess.run(["sqlite3", cache, "SELECT value FROM meta WHERE key = 'board_milestone'"], capture_output=True, text=True).stdout.strip()
        ms = sqlite3.connect(f"file:{cache}?mode=ro", uri=True)
        # The iteration board's milestone: the one with most open issues stands in when none is remembered.
        mid = shown or ms.execute("SELECT milestone_id FROM issues WHERE milestone_id IS NOT NULL GROUP BY milestone_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        rows = ms.execute("SELECT count(*) FROM issues WHERE milestone_id = ?", (mid,)).fetchone()[0]
        ms.close()
        read = timed(["sqlite3", cache, f"SELECT data FROM issues WHERE milestone_id = {mid}"], env)
        cat = timed(["cat", text], env)
        print(f"print iteration ({len(out)} bytes): median {pr:.1f} ms")
        print(f"  floors: process start (glboard --version) {version:.1f} ms; sqlite3 reading the same {rows} rows {read:.1f} ms; cat of the output {cat:.1f} ms")
    finally:
        if fake.poll() is None:
            fake.terminate()
        if not os.environ.get("KEEP_HOME"):
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
