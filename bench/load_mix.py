#!/usr/bin/env python3
"""Mixed load: intake posts, call lists and searches, call and case pages, statistics, case lists — at once.

    .venv/bin/python bench/load_mix.py [--calls 1000000] [--cases 100000] [--duration 60] [--connections 50]
                                       [--solo 10] [--warmup 15] [--keep] [--reuse] [--no-write]

What it does (see bench/README.md, "Mixed load"): a fresh database (hotline_bench_mix, dropped first),
`flask db upgrade` + `flask seed`, demo data through the generator (hotline/demo) with exact monthly volumes
giving --calls calls and --cases cases over 2014–2015, VACUUM ANALYZE; users with known (random) passwords —
operator, officer and supervisor of the province (430000) and of 长沙 (430100) — and an API token for a
service account with the province operator's role (mix-switch: the telephony switch); gunicorn (4 sync
workers, HOTLINE_CONFIG=production, Redis db 11) and a Celery worker (with beat) beside it. It logs every
user in through the real form (CSRF token from the login page) and
writes, per page kind, a list of request targets drawn from the data: real call and case ids (by region for
the 长沙 users), real keyset cursors, filters, search words from the data's own vocabulary, months.

Then, one wrk process per request kind, all at once for --duration seconds, with the connections split
by weight (intake 20 %, call list 24 %, call search 16 %, call detail 10 %, case detail 16 %, statistics
10 %, case list 4 %): each wrk measures one kind, so its latency histogram is that kind's exact one. Before
that: a warm-up of the same mix, and (--solo) each kind alone on one connection, which gives its service
time without queueing. Any socket error, timeout, or a status other than 201 (intake) / 200 (pages) fails
the run (exit 1) and RESULTS.md is left alone. Intake rows are counted against the 201s.

Writes the "Mixed load" section of bench/RESULTS.md (between its markers; the rest of the file is kept).
Stops every process it started; drops the database unless --keep. --reuse keeps an existing
hotline_bench_mix that already holds the demo data (migrates it, reuses it; for profiling rounds).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import os
import random
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

import intake  # noqa: E402  (the intake benchmark's process, database and machine helpers)
from intake import (  # noqa: E402
    PG_HOST,
    PG_PORT,
    BenchError,
    Processes,
    children_of,
    drop_database,
    free_port,
    git_revision,
    loadavg,
    machine_busy,
    machine_info,
    parse_bench_lines,
    pg_url,
    proc_cpu,
    recreate_database,
    run_cli,
    venv_bin,
    wait_for_http,
)

DEFAULT_DB = "hotline_bench_mix"
REDIS_URL = "redis://127.0.0.1:6379/11"
YEARS = (2014, 2015)
PROVINCE, CHANGSHA = "430000", "430100"
TARGETS_PER_KIND = 4000
GOAL_P95_MS = 200.0
# --access-log: time, worker pid, status, microseconds, request line.
ACCESS_LOG_FORMAT = '%(t)s %(p)s %(s)s %(D)s "%(r)s"'
MARK_BEGIN = "<!-- load_mix.py: begin (written by bench/load_mix.py; edits here are overwritten) -->"
MARK_END = "<!-- load_mix.py: end -->"

#: kind → (label, connection weight, method and path shown in the report)
KINDS: dict[str, tuple[str, float, str]] = {
    "intake": ("Intake", 20, "POST /api/v1/calls (bearer token)"),
    "calls_list": ("Call list", 24, "GET /calls (filters, keyset pages)"),
    "calls_search": ("Call search", 16, "GET /calls?q=…"),
    "call_detail": ("Call detail", 10, "GET /calls/<id>"),
    "case_detail": ("Case detail", 16, "GET /cases/<id>"),
    "stats": ("Statistics", 10, "GET /stats/monthly?month=…"),
    "case_list": ("Case list", 4, "GET /cases (filters, keyset pages)"),
}

#: username → (role, region)
USERS = {
    "mix-op": ("operator", PROVINCE),
    "mix-op-cs": ("operator", CHANGSHA),
    "mix-officer": ("officer", PROVINCE),
    "mix-officer-cs": ("officer", CHANGSHA),
    "mix-sup": ("supervisor", PROVINCE),
    "mix-sup-cs": ("supervisor", CHANGSHA),
}


def log(msg: str) -> None:
    print(f"[load_mix {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def split_connections(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Connections per kind, at least one each, adding up to ``total`` (largest remainder)."""
    if total < len(weights):
        raise BenchError(f"--connections must be at least {len(weights)} (one per kind)")
    rest = total - len(weights)
    wsum = sum(weights.values())
    raw = {k: rest * w / wsum for k, w in weights.items()}
    out = {k: 1 + int(v) for k, v in raw.items()}
    left = total - sum(out.values())
    for k in sorted(raw, key=lambda k: -(raw[k] - int(raw[k])))[:left]:
        out[k] += 1
    return out


# Data ---------------------------------------------------------------------------------------------------

GENERATE = r"""
import json, sys, time
from hotline import create_app
from hotline.demo import vocabulary as V
from hotline.demo.generator import DemoOptions, generate

years, calls, cases = json.loads(sys.argv[1])
months = 12 * len(years)
# Filed cases per month such that filed + not accepted (REJECTED_PER_FILED of the type mix) come to `cases`.
base = {y: V.BASE_YEARS[y] for y in years}
w = {"infringement_dispute": sum(b["disputes"] * V.INFRINGEMENT_SHARE for b in base.values()),
     "other_dispute": sum(b["disputes"] * (1 - V.INFRINGEMENT_SHARE) for b in base.values()),
     "counterfeit": sum(b["counterfeit"] for b in base.values())}
reject = sum(w[t] * V.REJECTED_PER_FILED[t] for t in w) / sum(w.values())
options = DemoOptions(years=years, calls_per_month=round(calls / months),
                      cases_per_month=round(cases / months / (1 + reject)),
                      progress=lambda m: print(m, flush=True))
app = create_app()
with app.app_context():
    result = generate(options)
print("RESULT " + json.dumps({"counts": result.counts, "seconds": result.seconds,
                              "calls_per_month": options.calls_per_month,
                              "cases_per_month": options.cases_per_month}), flush=True)
"""


def generate_demo(env: dict, calls: int, cases: int, log_path: Path) -> dict:
    cmd = [sys.executable, "-c", GENERATE, json.dumps([list(YEARS), calls, cases])]
    started = time.monotonic()
    result = None
    with open(log_path, "w") as fh, subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                                     stderr=subprocess.STDOUT, text=True) as proc:
        last_shown = 0.0
        for line in proc.stdout:
            fh.write(line)
            if line.startswith("RESULT "):
                result = json.loads(line[len("RESULT "):])
            elif time.monotonic() - last_shown > 60 or not line.startswith("  "):
                log("demo-data: " + line.rstrip())
                last_shown = time.monotonic()
        proc.wait()
        if proc.returncode != 0 or result is None:
            raise BenchError(f"demo data generation failed ({proc.returncode}); see {log_path}:\n"
                             + log_path.read_text()[-3000:])
    result["wall_seconds"] = time.monotonic() - started
    return result


def pg(dbname: str, *, autocommit: bool = True):
    import psycopg

    return psycopg.connect(pg_url(dbname), autocommit=autocommit, connect_timeout=5)


def counts(dbname: str) -> dict[str, int]:
    with pg(dbname) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 (fixed names)
                for t in ("calls", "cases", "callers", "audit_events", "monthly_snapshots", "case_events")}


def database_size(dbname: str) -> str:
    with pg(dbname) as conn:
        return conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]


# Users and sessions -------------------------------------------------------------------------------------

def create_users(env: dict, workdir: Path) -> tuple[dict[str, str], str]:
    passwords = {}
    for name, (role, region) in USERS.items():
        password = "mix-" + secrets.token_urlsafe(12)
        run_cli(["users", "create", name, "--role", role, "--region", region, "--password-stdin", "--no-must-change"],
                env, stdin=password + "\n")
        passwords[name] = password
    # The API intake comes through an integration: a service account with mix-op's role and region.
    run_cli(["users", "create", "mix-switch", "--role", USERS["mix-op"][0], "--region", USERS["mix-op"][1],
             "--service"], env)
    token = run_cli(["users", "token", "mix-switch", "--name", "load-mix"], env).strip().splitlines()[-1].strip()
    if not token.startswith("hl_"):
        raise BenchError(f"unexpected output of `flask users token`: {token!r}")
    creds = workdir / "credentials.txt"
    creds.write_text("".join(f"{n} {p}\n" for n, p in passwords.items()) + f"token mix-switch {token}\n")
    creds.chmod(0o600)
    return passwords, token


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def login(base: str, username: str, password: str) -> str:
    """Log in through the form (GET /login for the CSRF token, POST it back); the Cookie header value."""
    import requests

    s = requests.Session()
    page = s.get(f"{base}/login", timeout=30)
    m = _CSRF.search(page.text)
    if page.status_code != 200 or not m:
        raise BenchError(f"GET /login answered {page.status_code} without a CSRF token:\n{page.text[:500]}")
    csrf = m.group(1) or m.group(2)
    resp = s.post(f"{base}/login", data={"csrf_token": csrf, "username": username, "password": password},
                  allow_redirects=False, timeout=30)
    if resp.status_code != 302:
        raise BenchError(f"login of {username} answered {resp.status_code}:\n{resp.text[:800]}")
    check = s.get(f"{base}/calls" if USERS[username][0] == "operator" else f"{base}/cases", allow_redirects=False,
                  timeout=60)
    if check.status_code != 200:
        raise BenchError(f"{username} is not logged in after the form (status {check.status_code})")
    return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


# Targets -------------------------------------------------------------------------------------------------

def _cursor(moment, row_id: int) -> str:
    value = moment.isoformat() if hasattr(moment, "isoformat") else str(moment)
    return base64.urlsafe_b64encode(json.dumps([value, row_id]).encode()).decode().rstrip("=")


def _path(base: str, **params) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return base + ("?" + urllib.parse.urlencode(params) if params else "")


def build_targets(dbname: str, cookies: dict[str, str], rng: random.Random, current_month: str
                  ) -> dict[str, list[tuple[str, str]]]:
    """Per page kind, (username, path) pairs drawn from the data."""
    from hotline.demo import vocabulary as V

    with pg(dbname) as conn:
        calls = conn.execute("SELECT id, received_at, region_code, accused_party, caller_name FROM calls "
                             "TABLESAMPLE BERNOULLI (0.6) REPEATABLE (7)").fetchall()
        cases = conn.execute("SELECT id, received_on, region_code, respondent_name, patent_number, case_number "
                             "FROM cases TABLESAMPLE BERNOULLI (5) REPEATABLE (7)").fetchall()
        regions = [r[0] for r in conn.execute("SELECT code FROM regions WHERE code <> %s ORDER BY code",
                                              (PROVINCE,))]
        first_day, last_day = conn.execute(
            "SELECT min(received_at), max(received_at) FROM calls WHERE received_at < '2016-01-01'").fetchone()
    if len(calls) < 100 or len(cases) < 100:
        raise BenchError(f"too little data to draw targets from ({len(calls)} calls, {len(cases)} cases sampled)")
    cs_calls = [c for c in calls if c[2] == CHANGSHA]
    cs_cases = [c for c in cases if c[2] == CHANGSHA]
    statuses_call = ("open", "answered", "transferred", "case_opened", "not_accepted", "closed")
    request_types = tuple(V.REQUEST_TYPE_MIX)
    channels = tuple(V.CHANNEL_MIX)
    ip_types = ("patent", "trademark", "copyright", "trade_secret", "geo_indication")
    case_statuses = ("received", "filed", "suspended", "closed", "not_accepted")
    case_types = ("infringement_dispute", "other_dispute", "counterfeit")
    span_days = max(1, (last_day - first_day).days)
    months = [f"{y}-{m:02d}" for y in YEARS for m in range(1, 13)]

    def a_day():
        return (first_day + dt.timedelta(days=rng.randrange(span_days))).astimezone(
            dt.timezone(dt.timedelta(hours=8))).date()

    def call_list_target(user: str) -> str:
        province = USERS[user][1] == PROVINCE
        pool = calls if province else cs_calls
        r = rng.random()
        if r < 0.35:
            return _path("/calls")
        if r < 0.50:
            return _path("/calls", region_code=rng.choice(regions) if province else None,
                         status=rng.choice(statuses_call) if not province else None)
        if r < 0.60:
            return _path("/calls", status=rng.choice(statuses_call))
        if r < 0.70:
            which = rng.choice(("request_type", "channel", "ip_type"))
            value = rng.choice({"request_type": request_types, "channel": channels, "ip_type": ip_types}[which])
            return _path("/calls", **{which: value})
        if r < 0.80:
            start = a_day()
            return _path("/calls", date_from=start.isoformat(),
                         date_to=(start + dt.timedelta(days=rng.choice((0, 6, 30)))).isoformat())
        row = rng.choice(pool)  # a later page: the cursor of a real call (keyset)
        return _path("/calls", cursor=_cursor(row[1], row[0]))

    def call_search_target(user: str) -> str:
        province = USERS[user][1] == PROVINCE
        pool = calls if province else cs_calls
        r = rng.random()
        if r < 0.25:
            q = rng.choice(V.BRANDS)
        elif r < 0.40:
            q = rng.choice(V.BRANDS) + rng.choice(V.INDUSTRIES)
        elif r < 0.60:
            q = rng.choice(V.PRODUCTS)
        elif r < 0.70:
            q = rng.choice(V.GEO_PRODUCTS)
        elif r < 0.90:
            party = next((c[3] for c in rng.sample(pool, 20) if c[3]), None) or rng.choice(V.BRANDS)
            q = party
        else:  # a caller's name (operators see names; for the others it searches summary and party only)
            q = next((c[4] for c in rng.sample(pool, 20) if c[4]), None) or rng.choice(V.SURNAMES)
        extra = {}
        if rng.random() < 0.25:
            if province:
                extra["region_code"] = rng.choice(regions)
            else:
                extra["status"] = rng.choice(statuses_call)
        return _path("/calls", q=q, **extra)

    def call_detail_target(user: str) -> str:
        pool = calls if USERS[user][1] == PROVINCE else cs_calls
        return f"/calls/{rng.choice(pool)[0]}"

    def case_detail_target(user: str) -> str:
        pool = cases if USERS[user][1] == PROVINCE else cs_cases
        return f"/cases/{rng.choice(pool)[0]}"

    def stats_target(user: str) -> str:
        month = current_month if rng.random() < 0.15 else rng.choice(months)
        region = None  # a 长沙 user sees 长沙
        if USERS[user][1] == PROVINCE:
            region = PROVINCE if rng.random() < 0.4 else rng.choice(regions)
        return _path("/stats/monthly", month=month, region_code=region)

    def case_list_target(user: str) -> str:
        province = USERS[user][1] == PROVINCE
        pool = cases if province else cs_cases
        r = rng.random()
        if r < 0.35:
            return _path("/cases")
        if r < 0.50:
            return _path("/cases", status=rng.choice(case_statuses))
        if r < 0.60:
            return _path("/cases", case_type=rng.choice(case_types))
        if r < 0.67 and province:
            return _path("/cases", region_code=rng.choice(regions))
        if r < 0.72:
            return _path("/cases", overdue="y")
        if r < 0.80:
            start = a_day()
            return _path("/cases", filed_from=start.isoformat(), filed_to=(start + dt.timedelta(days=30)).isoformat())
        if r < 0.88:
            row = rng.choice(pool)
            q = row[3] or row[4] or rng.choice(V.BRANDS)
            return _path("/cases", q=q)
        row = rng.choice(pool)
        return _path("/cases", cursor=_cursor(row[1], row[0]))

    plan = {
        "calls_list": (call_list_target, ("mix-op", "mix-op-cs", "mix-officer-cs", "mix-sup")),
        "calls_search": (call_search_target, ("mix-op", "mix-op-cs", "mix-officer", "mix-sup-cs")),
        "call_detail": (call_detail_target, ("mix-op", "mix-sup", "mix-officer-cs", "mix-op-cs")),
        "case_detail": (case_detail_target, ("mix-officer", "mix-sup", "mix-officer-cs", "mix-sup-cs")),
        "stats": (stats_target, ("mix-officer", "mix-sup", "mix-officer-cs", "mix-sup-cs")),
        "case_list": (case_list_target, ("mix-officer", "mix-sup", "mix-officer-cs", "mix-sup-cs")),
    }
    out: dict[str, list[tuple[str, str]]] = {}
    for kind, (make, users) in plan.items():
        out[kind] = [(user, make(user)) for user in (users[i % len(users)] for i in range(TARGETS_PER_KIND))]
        rng.shuffle(out[kind])
    return out


def write_targets(path: Path, targets: list[tuple[str, str]], cookies: dict[str, str]) -> None:
    path.write_text("".join(f"{cookies[user]}\t{p}\n" for user, p in targets))


def check_targets(base: str, kind: str, targets: list[tuple[str, str]], cookies: dict[str, str], n: int,
                  rng: random.Random) -> None:
    """A few targets of each kind, one by one: they must answer 200 (a 404 means a target drawn wrongly)."""
    import requests

    for user, path in rng.sample(targets, min(n, len(targets))):
        resp = requests.get(base + path, headers={"Cookie": cookies[user]}, allow_redirects=False, timeout=120)
        if resp.status_code != 200:
            raise BenchError(f"sanity: {kind} {path} as {user} answered {resp.status_code}:\n{resp.text[:600]}")


# Load ----------------------------------------------------------------------------------------------------

def start_wrk(kind: str, url: str, *, connections: int, duration: int, targets: Path | None, token: str,
              seed: int, think: tuple[int, int] | None = None) -> tuple[subprocess.Popen, list[str]]:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
           "-s", str(BENCH_DIR / "load_mix.lua"), url]
    env = dict(os.environ, BENCH_KIND=kind, BENCH_DIR=str(BENCH_DIR), BENCH_SEED=str(seed),
               BENCH_TARGETS=str(targets or ""), BENCH_TOKEN=token if kind == "intake" else "",
               BENCH_THINK_MIN_MS=str(think[0] if think else 0), BENCH_THINK_MAX_MS=str(think[1] if think else 0))
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    return proc, cmd


def parse_wrk(kind: str, stdout: str, stderr: str, returncode: int) -> dict:
    if returncode != 0:
        raise BenchError(f"wrk ({kind}) failed ({returncode}):\n{stdout}\n{stderr}")
    head, fields, statuses, first_failure = parse_bench_lines(stdout)
    if not head:
        raise BenchError(f"no BENCH lines in wrk's output for {kind}:\n{stdout}\n{stderr}")
    requests_n = int(head["requests"])
    duration_s = int(head["duration_us"]) / 1e6
    expected = 201 if kind == "intake" else 200
    errors = {k: int(fields[f"errors.{k}"]) for k in ("connect", "read", "write", "timeout")}
    return {
        "kind": kind, "requests": requests_n, "duration_s": duration_s,
        "rps": requests_n / duration_s if duration_s else 0.0, "bytes": int(head["bytes"]),
        **{f"{p}_ms": float(fields[f"latency_us.{p}"]) / 1000 for p in ("p50", "p90", "p95", "p99", "max", "mean")},
        "statuses": statuses, "bad_status": sum(n for s, n in statuses.items() if s != expected),
        "socket_errors": errors, "socket_error_total": sum(errors.values()), "first_failure": first_failure,
        "expected": expected,
    }


def drain(base_url: str, timeout: float = 120) -> None:
    """Wait until the server has worked off the requests still queued from a run (wrk closes its connections
    when its time is up, the server still answers what it had accepted): a health check must come back fast."""
    import requests

    deadline = time.monotonic() + timeout
    fast = 0
    while time.monotonic() < deadline and fast < 2:
        t0 = time.monotonic()
        with contextlib.suppress(requests.RequestException):
            requests.get(f"{base_url}/api/v1/health", timeout=timeout)
        fast = fast + 1 if time.monotonic() - t0 < 0.1 else 0
        time.sleep(0.2)


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and all its descendants (those alive now)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        c = proc_cpu(p)
        if c is not None:
            total += c
        todo.extend(children_of(p))
    return total


def pg_backend_cpu(dbname: str) -> dict[int, float]:
    with pg(dbname) as conn:
        pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                           "AND pid <> pg_backend_pid()")]
    return {p: c for p in pids if (c := proc_cpu(p)) is not None}


def run_mix(label: str, base_url: str, conns: dict[str, int], duration: int, target_files: dict[str, Path],
            token: str, seed: int, *, gunicorn_pid: int, celery_pid: int, dbname: str,
            think: tuple[int, int] | None = None) -> tuple[dict, dict, list]:
    """All kinds at once (one wrk each); per-kind results, CPU accounting, the wrk commands."""
    app0, worker0, pg0 = tree_cpu(gunicorn_pid), tree_cpu(celery_pid), pg_backend_cpu(dbname)
    busy0, t0 = machine_busy(), time.monotonic()
    ru0 = os.times()
    running = []
    for kind, n in conns.items():
        if n <= 0:
            continue
        url = base_url + ("/api/v1/calls" if kind == "intake" else "/")
        proc, cmd = start_wrk(kind, url, connections=n, duration=duration, targets=target_files.get(kind),
                              token=token, seed=seed, think=think)
        running.append((kind, proc, cmd))
    results, cmds = {}, []
    try:
        for kind, proc, cmd in running:
            out, err = proc.communicate(timeout=duration + 120)
            results[kind] = parse_wrk(kind, out, err, proc.returncode)
            cmds.append((kind, cmd))
    finally:
        for _kind, proc, _cmd in running:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
    elapsed = time.monotonic() - t0
    busy = machine_busy() - busy0
    ru1 = os.times()
    pg1 = pg_backend_cpu(dbname)
    app = tree_cpu(gunicorn_pid) - app0
    worker = tree_cpu(celery_pid) - worker0
    pg_cpu = sum(c - pg0.get(p, 0.0) for p, c in pg1.items())
    loadgen = (ru1.children_user + ru1.children_system) - (ru0.children_user + ru0.children_system)
    ncpu = os.cpu_count() or 1
    drain(base_url)
    cpu = {"elapsed_s": elapsed, "app_cpu_s": app, "worker_cpu_s": worker, "pg_cpu_s": pg_cpu,
           "loadgen_cpu_s": loadgen, "machine_busy_pct": 100 * busy / (elapsed * ncpu),
           "other_pct": 100 * max(0.0, busy - app - worker - pg_cpu - loadgen) / (elapsed * ncpu)}
    total = sum(r["requests"] for r in results.values())
    log(f"{label}: {total} requests in {elapsed:.0f} s ({total / elapsed:.0f} req/s); CPU app {app:.0f} s, "
        f"PG {pg_cpu:.0f} s, worker {worker:.0f} s, load generator {loadgen:.0f} s; machine busy "
        f"{cpu['machine_busy_pct']:.0f}%, others {cpu['other_pct']:.0f}%")
    for kind, r in results.items():
        flag = ""
        if r["socket_error_total"] or r["bad_status"]:
            flag = f"  ERRORS statuses {r['statuses']} socket {r['socket_errors']} first: {r['first_failure']}"
        log(f"  {kind:<13} c={conns[kind]:<3} {r['rps']:7.1f} req/s  p50 {r['p50_ms']:7.1f}  p95 {r['p95_ms']:7.1f}  "
            f"p99 {r['p99_ms']:7.1f}  max {r['max_ms']:7.1f} ms  n={r['requests']}{flag}")
    return results, cpu, cmds


def failures_of(label: str, results: dict, *, need_requests: bool = True) -> list[str]:
    out = []
    for kind, r in results.items():
        if r["socket_error_total"] or r["bad_status"] or (need_requests and r["requests"] == 0):
            out.append(f"{label} {kind}: {r['requests']} requests, statuses {r['statuses']} (expected "
                       f"{r['expected']}), socket errors {r['socket_errors']}"
                       + (f", first failure: {r['first_failure']}" if r["first_failure"] else ""))
    return out


# Report --------------------------------------------------------------------------------------------------

def fmt(v: float) -> str:
    return f"{v:.0f} ms" if v >= 100 else f"{v:.1f} ms"


def render_section(*, command: str, info: dict, started: dt.datetime, git_rev: str, data: dict, conns: dict,
                   duration: int, mix: dict, mix_cpu: dict, solo: dict | None, solo_seconds: int, wrk_cmd: str,
                   load: dict, accounting: list[str], worker_note: str, warmup: int, users: dict | None = None,
                   users_cpu: dict | None = None, think: tuple[int, int] | None = None,
                   workers_note: str = "4 sync workers") -> str:
    total_req = sum(r["requests"] for r in mix.values())
    elapsed = max(r["duration_s"] for r in mix.values())
    misses = [KINDS[k][0] for k, r in mix.items() if r["p95_ms"] >= GOAL_P95_MS]
    lines = [
        MARK_BEGIN,
        "# Mixed load: intake, lists, search, detail pages and statistics at once",
        "",
        "Written by `bench/load_mix.py` (see bench/README.md, \"Mixed load\") — measured figures, not edited by hand.",
        "",
        f"- Date: {started.strftime('%Y-%m-%d %H:%M')} UTC; commit `{git_rev}`",
        f"- Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, Linux {info['kernel']}, "
        f"Python {info['python']}; PostgreSQL {info['postgresql']} ({info['pg_settings']}) on {PG_HOST}:{PG_PORT}",
        f"- Servers: {info['gunicorn']}, {workers_note}, HOTLINE_CONFIG=production, access log off, log level "
        f"WARNING; Redis {REDIS_URL}; a Celery worker (concurrency 2) and beat beside it; load: {info['wrk']}, one "
        "process per request kind; load generator, servers, worker and PostgreSQL share the machine",
        f"- Load average (1, 5, 15 min) before the setup: {load['before_setup']}; before the measured run: "
        f"{load['before_run']}; after it: {load['after_run']} — other sessions' work shares the 2 CPUs; during "
        f"the run the machine was {mix_cpu['machine_busy_pct']:.0f}% busy, {mix_cpu['other_pct']:.0f}% of it "
        "by processes outside this benchmark",
        f"- Data: {data['calls']:,} calls, {data['cases']:,} cases, {data['callers']:,} callers, "
        f"{data['audit_events']:,} audit events, {data['case_events']:,} case events, "
        f"{data['monthly_snapshots']:,} monthly snapshots (database {data['size']}); demo data 2014–2015 "
        f"({data['note']}), then VACUUM ANALYZE",
        f"- {sum(conns.values())} connections for {duration} s, after a {warmup} s warm-up of the same mix",
        "",
        "Command:",
        "",
        "```",
        command,
        "```",
        "",
        "Load generator (one per kind, all started together; `-c` per kind as in the table):",
        "",
        "```",
        wrk_cmd,
        "```",
        "",
        "Targets (drawn from the data by load_mix.py; every request picks one at random): call and case ids "
        "from a sample of the real rows (长沙 users get 长沙 rows), call lists with no filter (35 %), a region, "
        "status, category or date filter, or a later page by a real keyset cursor (20 %); searches for brands, "
        "products, accused parties and callers' names taken from the data; statistics for a month of 2014–2015 "
        "or the current month (15 %), whole province or one region; case lists with status, type, region, "
        "overdue, filing-date or search filters or a later page. Users: operator, officer and supervisor of the "
        "province and of 长沙 (430100), logged in through the form; intake with the token of a service account "
        "with the province operator's role "
        "(bodies of bench/post_call.lua).",
        "",
        f"## Per request kind: {sum(conns.values())} closed-loop connections (no think time)",
        "",
        "Each connection sends its next request as soon as the answer arrives: the machine's saturation "
        "throughput, and latencies that are mostly the wait for a free worker (mean latency = connections / "
        "throughput).",
        "",
        "| kind | request | conns | req/s | share | p50 | p90 | p95 | p99 | max | requests | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for kind, r in mix.items():
        label, _w, what = KINDS[kind]
        p95 = f"**{fmt(r['p95_ms'])}**" if r["p95_ms"] < GOAL_P95_MS else f"**{fmt(r['p95_ms'])}** ✗"
        lines.append(f"| {label} | `{what}` | {conns[kind]} | {r['rps']:.1f} | "
                     f"{100 * r['requests'] / total_req:.0f}% | {fmt(r['p50_ms'])} | {fmt(r['p90_ms'])} | {p95} | "
                     f"{fmt(r['p99_ms'])} | {fmt(r['max_ms'])} | {r['requests']} | "
                     f"{r['socket_error_total'] + r['bad_status']} |")
    lines.append(f"| **all** | | {sum(conns.values())} | **{total_req / elapsed:.1f}** | 100% | | | | | | "
                 f"{total_req} | 0 |")
    app_ms = 1000 * mix_cpu["app_cpu_s"] / max(1, total_req)
    pg_ms = 1000 * mix_cpu["pg_cpu_s"] / max(1, total_req)
    lines += [
        "",
        f"CPU during the run: gunicorn workers {mix_cpu['app_cpu_s']:.0f} s ({app_ms:.1f} ms per request), "
        f"PostgreSQL backends of the database {mix_cpu['pg_cpu_s']:.0f} s ({pg_ms:.1f} ms per request), Celery "
        f"worker {mix_cpu['worker_cpu_s']:.1f} s, wrk {mix_cpu['loadgen_cpu_s']:.1f} s, over "
        f"{mix_cpu['elapsed_s']:.0f} s on {info['nproc']} CPUs. {worker_note}",
        "",
        *[f"- {line}" for line in accounting],
        "",
    ]
    user_misses: list[str] = []
    if users:
        user_total = sum(r["requests"] for r in users.values())
        user_elapsed = max(r["duration_s"] for r in users.values())
        user_misses = [KINDS[k][0] for k, r in users.items() if r["p95_ms"] >= GOAL_P95_MS]
        lines += [
            f"## The same {sum(conns.values())} connections as users with think time ({think[0]}–{think[1]} ms)",
            "",
            f"Each connection waits a random {think[0]}–{think[1]} ms (uniform) before each request, as a person "
            "reading a page or talking to a caller does (hotline staff rarely click faster than once a second; "
            "wrk's latency does not include the wait). Same targets, same split of connections, "
            f"{duration} s, right after the closed-loop run.",
            "",
            "| kind | conns | req/s | p50 | p90 | p95 | p99 | max | requests | errors |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for kind, r in users.items():
            p95 = f"**{fmt(r['p95_ms'])}**" if r["p95_ms"] < GOAL_P95_MS else f"**{fmt(r['p95_ms'])}** ✗"
            lines.append(f"| {KINDS[kind][0]} | {conns[kind]} | {r['rps']:.1f} | {fmt(r['p50_ms'])} | "
                         f"{fmt(r['p90_ms'])} | {p95} | {fmt(r['p99_ms'])} | {fmt(r['max_ms'])} | {r['requests']} | "
                         f"{r['socket_error_total'] + r['bad_status']} |")
        lines.append(f"| **all** | {sum(conns.values())} | **{user_total / user_elapsed:.1f}** | | | | | | "
                     f"{user_total} | 0 |")
        lines += [
            "",
            f"CPU during this run: gunicorn workers {users_cpu['app_cpu_s']:.0f} s "
            f"({1000 * users_cpu['app_cpu_s'] / max(1, user_total):.1f} ms per request), PostgreSQL "
            f"{users_cpu['pg_cpu_s']:.0f} s ({1000 * users_cpu['pg_cpu_s'] / max(1, user_total):.1f} ms per "
            f"request); the machine was {users_cpu['machine_busy_pct']:.0f}% busy, "
            f"{users_cpu['other_pct']:.0f}% of it outside this benchmark.",
            "",
        ]
    if solo:
        lines += [
            f"## Service time per kind (each kind alone, 1 connection, {solo_seconds} s)",
            "",
            "Without queueing: what one request of the kind costs on this machine at this moment. With 50 "
            "closed-loop clients and every kind sharing 4 workers and 2 CPUs, the mix's latencies are these plus "
            "the wait for a worker.",
            "",
            "| kind | req/s | p50 | p95 | p99 | requests |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for kind, r in solo.items():
            lines.append(f"| {KINDS[kind][0]} | {r['rps']:.1f} | {fmt(r['p50_ms'])} | {fmt(r['p95_ms'])} | "
                         f"{fmt(r['p99_ms'])} | {r['requests']} |")
        lines.append("")
    lines += [
        "## Result",
        "",
        "- Errors: none — 0 socket errors, every intake 201, every page 200 (the script refuses to write this "
        "section otherwise)",
        f"- Goal p95 < {GOAL_P95_MS:.0f} ms for every kind, {sum(conns.values())} closed-loop connections "
        "(no think time): " + ("**met**" if not misses else f"**NOT met** for {', '.join(misses)}"),
        capacity_note(sum(conns.values()), total_req / elapsed, mix_cpu, total_req, info["nproc"]),
        *([f"- Goal p95 < {GOAL_P95_MS:.0f} ms for every kind, the same connections with {think[0]}–{think[1]} ms "
           "think time: " + ("**met**" if not user_misses else f"**NOT met** for {', '.join(user_misses)}")]
          if users else []),
        "",
        MARK_END,
    ]
    return "\n".join(lines) + "\n"


def capacity_note(connections: int, rps: float, cpu: dict, requests: int, nproc: int) -> str:
    """What the closed-loop goal asks of the machine, from Little's law, against what this run's requests cost."""
    needed = connections / (GOAL_P95_MS / 1000)
    budget_ms = 1000 * nproc / needed
    busy_ms = 1000 * (cpu["machine_busy_pct"] / 100) * cpu["elapsed_s"] * nproc / max(1, requests)
    return (f"- What the closed-loop goal needs: with {connections} connections and no think time the requests' "
            f"mean latency is {connections} / throughput ({connections} / {rps:.0f} req/s = "
            f"{1000 * connections / rps:.0f} ms here), so some kind averages at least that and its p95 is higher "
            f"still; every kind's p95 < {GOAL_P95_MS:.0f} ms therefore needs more than {needed:.0f} req/s: at most "
            f"{budget_ms:.1f} ms of CPU per request on {nproc} CPUs for the app, "
            f"PostgreSQL, the worker and the load generator together. This run's requests cost {busy_ms:.1f} ms of "
            f"busy machine CPU each (app {1000 * cpu['app_cpu_s'] / max(1, requests):.1f}, PostgreSQL "
            f"{1000 * cpu['pg_cpu_s'] / max(1, requests):.1f})")


def write_section(path: Path, section: str) -> None:
    from results import write_between

    write_between(path, MARK_BEGIN, MARK_END, section)


# Main ----------------------------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=1_000_000, help="demo calls over 2014–2015 (default 1,000,000)")
    p.add_argument("--cases", type=int, default=100_000, help="demo cases, filed + not accepted (default 100,000)")
    p.add_argument("--duration", type=int, default=60, help="seconds of the measured mix (default 60)")
    p.add_argument("--connections", type=int, default=50, help="connections, split over the kinds (default 50)")
    p.add_argument("--warmup", type=int, default=15, help="seconds of the same mix before measuring (default 15)")
    p.add_argument("--solo", type=int, default=10, help="seconds per kind alone on 1 connection (0: skip)")
    p.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    p.add_argument("--worker-class", default="gthread", choices=("gthread", "sync"),
                   help="gunicorn worker class (default gthread, as gunicorn.conf.py)")
    p.add_argument("--threads", type=int, default=4,
                   help="threads per gthread worker (default 4, as gunicorn.conf.py)")
    p.add_argument("--db-name", default=DEFAULT_DB, help=f"database (default {DEFAULT_DB}); dropped and recreated")
    p.add_argument("--reuse", action="store_true", help="reuse the database if it already holds demo data "
                   "(build it otherwise); implies --keep")
    p.add_argument("--keep", action="store_true", help="keep the database, logs and credentials afterwards")
    p.add_argument("--output", default=str(BENCH_DIR / "RESULTS.md"), help="results file (its Mixed load section)")
    p.add_argument("--no-write", action="store_true", help="print the figures, do not write the results file")
    p.add_argument("--think", default="500-1500", metavar="MIN-MAX",
                   help="after the closed-loop mix, the same connections as users who wait MIN-MAX ms (uniform) "
                        "before each request (default 500-1500; 0 skips that run)")
    p.add_argument("--seed", type=int, default=1, help="seed of the targets and of wrk's choices")
    p.add_argument("--access-log", metavar="FILE", help="gunicorn's access log with each request's time and "
                   "worker (for finding slow requests; costs some CPU, so not for the figures written down)")
    args = p.parse_args(argv)
    if not intake._IDENT.match(args.db_name):
        p.error("--db-name must be a lower-case SQL identifier")
    if min(args.duration, args.connections, args.workers, args.calls, args.cases) < 1:
        p.error("duration, connections, workers, calls and cases must be positive")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    think: tuple[int, int] | None = None
    if args.think and args.think != "0":
        m = re.fullmatch(r"(\d+)-(\d+)", args.think)
        if not m or int(m.group(1)) > int(m.group(2)):
            raise BenchError(f"--think wants MIN-MAX in ms (e.g. 500-1500), not {args.think!r}")
        think = (int(m.group(1)), int(m.group(2)))
    signal.signal(signal.SIGTERM, intake._raise_on_term)
    if not shutil.which("wrk"):
        raise BenchError("wrk is not installed (apt-get install wrk)")
    started = dt.datetime.now(dt.UTC)
    git_rev = git_revision()  # the code at the start (the servers load it a few minutes later)
    load = {"before_setup": loadavg()}
    conns = split_connections(args.connections, {k: w for k, (_l, w, _p) in KINDS.items()})
    procs = Processes()
    workdir = Path(tempfile.mkdtemp(prefix="hotline-load-mix-"))
    dbname = args.db_name
    created = False
    clean = False
    rng = random.Random(args.seed)
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "FLASK_DEBUG")}
        env.update(DATABASE_URL=pg_url(dbname), HOTLINE_CONFIG="production", SECRET_KEY=secrets.token_hex(32),
                   SESSION_COOKIE_SECURE="0", FLASK_APP="hotline", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1",
                   REDIS_URL=REDIS_URL, HOTLINE_INSTANCE_DIR=str(workdir / "instance"))
        reuse = False
        if args.reuse:
            try:
                existing = counts(dbname)
                reuse = existing["calls"] >= args.calls * 0.95 and existing["cases"] >= args.cases * 0.95
            except Exception:  # noqa: BLE001 (no such database: build it)
                reuse = False
            log(f"--reuse: {'reusing' if reuse else 'cannot reuse'} {dbname}")
        demo: dict = {}
        if reuse:
            run_cli(["db", "upgrade"], env)
            with pg(dbname) as conn:
                conn.execute("DELETE FROM user_sessions WHERE user_id IN (SELECT id FROM users WHERE username "
                             "LIKE 'mix-%%')")
                conn.execute("DELETE FROM api_tokens WHERE user_id IN (SELECT id FROM users WHERE username "
                             "LIKE 'mix-%%')")
                conn.execute("DELETE FROM users WHERE username LIKE 'mix-%%' AND id NOT IN "
                             "(SELECT actor_id FROM audit_events WHERE actor_id IS NOT NULL) AND id NOT IN "
                             "(SELECT operator_id FROM calls WHERE operator_id IS NOT NULL)")
                left = conn.execute("SELECT count(*) FROM users WHERE username LIKE 'mix-%%'").fetchone()[0]
            if left:
                # Users that acted cannot be deleted: rename them out of the way.
                with pg(dbname) as conn:
                    conn.execute("UPDATE users SET username = 'old' || id || '-' || username, is_active = false "
                                 "WHERE username LIKE 'mix-%%'")
            data_note = "reused from an earlier run (--reuse)"
        else:
            log(f"creating database {dbname} on {PG_HOST}:{PG_PORT}")
            recreate_database(dbname)
            created = True
            run_cli(["db", "upgrade"], env)
            run_cli(["seed"], env)
            log(f"demo data: {args.calls:,} calls and {args.cases:,} cases over {YEARS[0]}–{YEARS[-1]} "
                "(this takes a while)")
            demo = generate_demo(env, args.calls, args.cases, workdir / "demo-data.log")
            log(f"demo data done in {demo['wall_seconds']:.0f} s: {demo['counts']}")
            data_note = (f"`DemoOptions(years=[2014, 2015], calls_per_month={demo['calls_per_month']}, "
                         f"cases_per_month={demo['cases_per_month']})` of hotline/demo/generator.py, loaded in "
                         f"{demo['wall_seconds'] / 60:.0f} min")
        with pg(dbname) as conn:
            log("VACUUM ANALYZE")
            conn.execute("VACUUM ANALYZE")
        passwords, token = create_users(env, workdir)

        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = venv_bin("gunicorn")
        app_log, worker_log = workdir / "gunicorn.log", workdir / "celery.log"
        log(f"starting gunicorn on :{port} ({args.workers} workers) and a Celery worker with beat")
        app_proc = procs.start("gunicorn", [gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "-w", str(args.workers),
                                            "-k", args.worker_class, "--threads", str(args.threads),
                                            "--log-level", "warning", "--timeout", "60", "-b", f"127.0.0.1:{port}",
                                            *(["--access-logfile", args.access_log, "--access-logformat",
                                               ACCESS_LOG_FORMAT] if args.access_log else []),
                                            "hotline:create_app()"],
                               env=env, log_path=app_log)
        worker_proc = procs.start("celery", [venv_bin("celery"), "-A", "workers.celery_app", "worker", "-B",
                                             "--loglevel=INFO", "--concurrency=2", "--schedule",
                                             str(workdir / "celerybeat-schedule")], env=env, log_path=worker_log)
        wait_for_http(port, "/api/v1/health", app_proc, app_log)
        deadline = time.monotonic() + 90
        while "ready" not in worker_log.read_text():
            if worker_proc.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"the Celery worker did not start:\n{worker_log.read_text()[-3000:]}")
            time.sleep(0.5)

        log("logging in through the form")
        cookies = {name: login(base, name, pw) for name, pw in passwords.items()}
        today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
        targets = build_targets(dbname, cookies, rng, f"{today.year}-{today.month:02d}")
        target_files = {}
        for kind, items in targets.items():
            target_files[kind] = workdir / f"targets-{kind}.tsv"
            write_targets(target_files[kind], items, cookies)
            check_targets(base, kind, items, cookies, 12, rng)
        log("sanity requests answered 200 for every page kind")
        import requests

        sample = intake.bodies.make_bodies(20260101, 1)[0]
        resp = requests.post(f"{base}/api/v1/calls", data=sample, timeout=60, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"})
        if resp.status_code != 201:
            raise BenchError(f"sanity intake answered {resp.status_code}: {resp.text[:600]}")

        calls_before = counts(dbname)["calls"]
        runs = 0
        ok_intake = 0
        failures: list[str] = []
        if args.warmup:
            warm, _cpu, _cmds = run_mix("warm-up", base, conns, args.warmup, target_files, token, 99,
                                        gunicorn_pid=app_proc.pid, celery_pid=worker_proc.pid, dbname=dbname)
            failures += failures_of("warm-up", warm, need_requests=False)
            ok_intake += warm.get("intake", {}).get("statuses", {}).get(201, 0)
            runs += conns["intake"]
        solo: dict = {}
        if args.solo and not failures:
            for kind in KINDS:
                one = {k: (1 if k == kind else 0) for k in KINDS}
                res, _cpu, _cmds = run_mix(f"solo {kind}", base, one, args.solo, target_files, token, 50,
                                           gunicorn_pid=app_proc.pid, celery_pid=worker_proc.pid, dbname=dbname)
                failures += failures_of(f"solo {kind}", res)
                solo[kind] = res[kind]
                ok_intake += res[kind]["statuses"].get(201, 0) if kind == "intake" else 0
                runs += 1 if kind == "intake" else 0
        if failures:
            for f in failures:
                log("FAIL " + f)
            return 1
        with pg(dbname) as conn:
            outbox0 = conn.execute("SELECT count(*) FROM outbox WHERE processed_at IS NOT NULL").fetchone()[0]
        load["before_run"] = loadavg()
        mix_started = dt.datetime.now(dt.UTC)
        mix, mix_cpu, cmds = run_mix("MIX", base, conns, args.duration, target_files, token, args.seed,
                                     gunicorn_pid=app_proc.pid, celery_pid=worker_proc.pid, dbname=dbname)
        load["after_run"] = loadavg()
        failures += failures_of("mix", mix)
        ok_intake += mix["intake"]["statuses"].get(201, 0)
        runs += conns["intake"]
        users: dict = {}
        users_cpu: dict = {}
        if think and not failures:
            time.sleep(3)  # the closed loop's last queued requests are still being answered when wrk stops
            users, users_cpu, _cmds = run_mix(f"USERS (think {think[0]}-{think[1]} ms)", base, conns, args.duration,
                                              target_files, token, args.seed + 1, gunicorn_pid=app_proc.pid,
                                              celery_pid=worker_proc.pid, dbname=dbname, think=think)
            failures += failures_of("users", users)
            ok_intake += users["intake"]["statuses"].get(201, 0)
            runs += conns["intake"]
        for name, proc in procs.procs:
            if proc.poll() is not None:
                failures.append(f"{name} died during the run (exit {proc.returncode})")

        time.sleep(2)
        after = counts(dbname)
        new_calls = after["calls"] - calls_before
        with pg(dbname) as conn:
            outbox1 = conn.execute("SELECT count(*) FROM outbox WHERE processed_at IS NOT NULL").fetchone()[0]
            refreshed = conn.execute("SELECT count(*) FROM monthly_snapshots WHERE computed_at >= %s",
                                     (mix_started,)).fetchone()[0]
        accounting = [
            f"Intake: {ok_intake} responses 201 in the warm-up, solo and measured runs, {new_calls} new rows in "
            f"calls (+{new_calls - ok_intake} still in flight when a run's time was up; at most {runs})",
        ]
        if not (ok_intake <= new_calls <= ok_intake + runs):
            failures.append(f"intake rows {new_calls} do not match {ok_intake} responses 201")
        worker_note = (f"The worker processed {outbox1 - outbox0} statistics outbox rows during and just after the run "
                       f"and rewrote {refreshed} snapshot rows (the current month, kept fresh while calls arrive).")
        if outbox1 == outbox0:
            failures.append("the Celery worker processed no statistics outbox row during the run")
        for line in accounting:
            log(line)
        log(worker_note)
        if failures:
            for f in failures:
                log("FAIL " + f)
            return 1

        for title, res in (("closed loop (no think time)", mix), (f"users (think {args.think} ms)", users)):
            if not res:
                continue
            print(f"\n{title}")
            print(f"{'kind':<13} {'conns':>5} {'req/s':>7} {'p50':>9} {'p95':>9} {'p99':>9}")
            for kind, r in res.items():
                mark = "" if r["p95_ms"] < GOAL_P95_MS else "  (p95 goal missed)"
                print(f"{kind:<13} {conns[kind]:>5} {r['rps']:7.1f} {r['p50_ms']:7.1f}ms {r['p95_ms']:7.1f}ms "
                      f"{r['p99_ms']:7.1f}ms{mark}")

        if not args.no_write:
            data = dict(after, size=database_size(dbname), note=data_note)
            exe = Path(sys.executable)
            exe_shown = f".venv/bin/{exe.name}" if exe.parent.parent.name == ".venv" else "python"
            command = shlex.join([exe_shown, "bench/load_mix.py", *argv])
            kind0, cmd0 = cmds[0]
            shown = [Path(c).name if c == "wrk" else c for c in cmd0]
            shown = [re.sub(r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:PORT", c) for c in shown]
            shown = [c.replace(str(BENCH_DIR) + "/", "bench/") for c in shown]
            shown[-1] = "http://127.0.0.1:PORT/"
            wrk_cmd = ("BENCH_KIND=<kind> BENCH_TARGETS=<targets file> BENCH_TOKEN=<operator token> "
                       + shlex.join([*shown[:2], "-c<n>", *shown[3:]])
                       + "    # intake: http://127.0.0.1:PORT/api/v1/calls")
            section = render_section(command=command, info=machine_info(dbname), started=started,
                                     git_rev=git_rev, data=data, conns=conns, duration=args.duration,
                                     mix=mix, mix_cpu=mix_cpu, solo=solo or None, solo_seconds=args.solo,
                                     wrk_cmd=wrk_cmd, load=load, accounting=accounting, worker_note=worker_note,
                                     warmup=args.warmup, users=users or None, users_cpu=users_cpu, think=think,
                                     workers_note=f"{args.workers} {args.worker_class} workers"
                                     + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
                                     + " (gunicorn.conf.py)")
            write_section(Path(args.output), section)
            log(f"wrote the Mixed load section of {args.output}")
        results = {"mix": mix, "solo": solo, "cpu": mix_cpu, "load": load, "conns": conns, "users": users,
                   "users_cpu": users_cpu}
        (workdir / "results.json").write_text(json.dumps(results, indent=1, default=str))
        clean = True
        return 0
    finally:
        procs.stop()
        if args.keep or args.reuse:
            log(f"kept database {dbname}; logs, targets and credentials in {workdir}")
        elif created:
            try:
                drop_database(dbname)
                log(f"dropped {dbname}")
            except Exception as exc:  # noqa: BLE001 (report, keep cleaning up)
                log(f"could not drop {dbname}: {exc}")
        if clean and not (args.keep or args.reuse):
            shutil.rmtree(workdir, ignore_errors=True)
        elif not clean:
            log(f"logs: {workdir}")


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as exc:
        print(f"bench/load_mix.py: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("bench/load_mix.py: interrupted; processes stopped", file=sys.stderr)
        sys.exit(130)
