#!/usr/bin/env python3
"""Lists out of the product at size: the call and case lists exported as XLSX, memory and time.

    .venv/bin/python bench/exports.py [--db exports_bench] [--calls 105000] [--cases 20000] [--no-write]

The database ``exports_bench`` (PostgreSQL) is built once with the demo generator (2014–2015, exact monthly
volumes, as bench/load_mix.py builds its own) and reused while it holds enough rows. Each export runs in a fresh
Python process (so the peak resident set is that export's, not an earlier one's): the product's app in production
configuration, the real route through Flask's test client with a bearer token — ``GET /api/v1/calls.xlsx`` as
the province operator (every call, callers in full) and as 长沙's supervisor (masked), ``GET
/api/v1/cases.xlsx`` as a province supervisor — the same export code as the pages' 下载 Excel links. A list of
~10,000 rows (a date window of the newest rows) and the whole list are each exported; per export: rows in the
file, seconds (the body streamed to a temporary file to the end), the process's peak RSS (``ru_maxrss``) before
the request (app loaded, one warm-up request) and after it, the file's size; then the same request again under
tracemalloc (not timed) for the peak of Python allocations, and the saved file opened with openpyxl (read-only)
to count its rows. Writes the "Exports" section of RESULTS.md between its
markers (the rest of the file is kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

BEGIN = "<!-- exports.py: begin (written by bench/exports.py; edits here are overwritten) -->"
END = "<!-- exports.py: end -->"
DEFAULT_DB = "exports_bench"
PROVINCE_SUPERVISOR = "bench-exports-sup-430000"

CHILD = r"""
import datetime as dt, json, resource, sys, tempfile, time, tracemalloc
from openpyxl import load_workbook
from sqlalchemy import select
from hotline import create_app
from hotline.accounts import security
from hotline.accounts.models import ApiToken, User
from hotline.extensions import db

url, username = sys.argv[1], sys.argv[2]
app = create_app("production")
with app.app_context():
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None and username == "bench-exports-sup-430000":
        # The demo data has no province staff: the province supervisor is made here, once.
        user = User(username=username, display_name="省局负责人（导出基准）", role="supervisor", region_code="430000",
                    password_hash="!bench-unusable", is_active=True)
        db.session.add(user)
        db.session.flush()
    raw = security.new_token_value()
    db.session.add(ApiToken(user_id=user.id, name="bench-exports", prefix=raw[:12],
                            token_hash=security.sha256_hex(raw),
                            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)))
    db.session.commit()
headers = {"Authorization": f"Bearer {raw}"}
client = app.test_client()
warm = client.get(url.split("?")[0] + "?received_from=2000-01-01&received_to=2000-01-02"
                  if "calls" in url else url.split("?")[0] + "?filed_from=2000-01-01&filed_to=2000-01-02",
                  headers=headers)
warm.get_data(); warm.close()
assert warm.status_code == 200, warm.status_code
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
response = client.get(url, headers=headers, buffered=False)
assert response.status_code == 200, response.status_code
size = 0
with tempfile.NamedTemporaryFile(suffix=".xlsx") as saved:
    for chunk in response.response:  # streamed: the body read to the end, as a client would
        size += len(chunk)
        saved.write(chunk)
    response.close()
    seconds = time.perf_counter() - t0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Again under tracemalloc (slower: not timed) for the peak of Python allocations during the request.
    tracemalloc.start()
    again = client.get(url, headers=headers, buffered=False)
    for chunk in again.response:
        pass
    again.close()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    saved.flush()
    book = load_workbook(saved.name, read_only=True)
    rows = sum(1 for _ in book.worksheets[0].iter_rows(min_row=5, values_only=True))
    book.close()
print("RESULT " + json.dumps({"seconds": seconds, "rss_before_kb": rss_before, "rss_after_kb": rss_after,
                              "traced_peak": traced_peak, "bytes": size, "rows": rows}), flush=True)
"""

def env_for(dbname: str) -> dict:
    from intake import pg_url

    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "FLASK_DEBUG", "REDIS_URL")}
    env.update(DATABASE_URL=pg_url(dbname), HOTLINE_CONFIG="production", SECRET_KEY=secrets.token_hex(32),
               FLASK_APP="hotline", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1", SESSION_COOKIE_SECURE="0")
    return env


def prepare_database(dbname: str, calls: int, cases: int) -> str:
    from intake import recreate_database, run_cli
    from load_mix import counts, generate_demo, log, pg

    env = env_for(dbname)
    try:
        existing = counts(dbname)
        reuse = existing["calls"] >= calls * 0.95 and existing["cases"] >= cases * 0.9
    except Exception:  # noqa: BLE001 (no such database: build it)
        reuse = False
    if reuse:
        log(f"reusing {dbname}: {existing['calls']:,} calls, {existing['cases']:,} cases; migrating")
        run_cli(["db", "upgrade"], env)
        note = "reused (flask db upgrade)"
    else:
        log(f"building {dbname}: {calls:,} calls, {cases:,} cases (the demo generator)")
        recreate_database(dbname)
        run_cli(["db", "upgrade"], env)
        run_cli(["seed"], env)
        started = time.monotonic()
        demo = generate_demo(env, calls, cases, Path(f"/tmp/{dbname}-demo.log"))
        note = f"built for this run in {(time.monotonic() - started) / 60:.1f} min ({demo['counts']})"
    with pg(dbname) as conn:
        conn.execute("VACUUM ANALYZE")
    return note


def newest_window(dbname: str, table: str, rows: int) -> str:
    """The query string of a date window holding at least ``rows`` of the newest rows (Beijing dates)."""
    from load_mix import pg

    with pg(dbname) as conn:
        if table == "calls":
            edge = conn.execute("SELECT (received_at AT TIME ZONE 'Asia/Shanghai')::date FROM calls "
                                "ORDER BY received_at DESC, id DESC OFFSET %s LIMIT 1", (rows - 1,)).fetchone()[0]
            return f"received_from={edge.isoformat()}"
        edge = conn.execute("SELECT filed_on FROM cases WHERE filed_on IS NOT NULL "
                            "ORDER BY filed_on DESC OFFSET %s LIMIT 1", (rows - 1,)).fetchone()[0]
        return f"filed_from={edge.isoformat()}"


def run_child(code: str, env: dict, url: str, username: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, url, username], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=1800)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"export child failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


def write_results(path: Path, section: str) -> None:
    from results import write_between

    write_between(path, BEGIN, END, section)


def main(argv: list[str]) -> int:
    from intake import git_revision, loadavg
    from load_mix import counts, database_size, log

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--calls", type=int, default=105_000)
    p.add_argument("--cases", type=int, default=20_000)
    p.add_argument("--small", type=int, default=10_000, help="rows of the small export (default 10,000)")
    p.add_argument("--output", default=str(BENCH_DIR / "RESULTS.md"))
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)

    started = dt.datetime.now(dt.UTC)
    rev = git_revision()
    note = prepare_database(args.db, args.calls, args.cases)
    data = counts(args.db)
    size = database_size(args.db)
    env = env_for(args.db)
    calls_small = newest_window(args.db, "calls", args.small)
    cases_small = newest_window(args.db, "cases", args.small)
    runs = [
        ("calls, province operator (full callers)", f"/api/v1/calls.xlsx?{calls_small}", "demo-data"),
        ("calls, province operator (full callers)", "/api/v1/calls.xlsx", "demo-data"),
        ("calls, 长沙 supervisor (masked)", "/api/v1/calls.xlsx?region_code=430100", "demo-supervisor-430100"),
        ("cases, province supervisor", f"/api/v1/cases.xlsx?{cases_small}", PROVINCE_SUPERVISOR),
        ("cases, province supervisor", "/api/v1/cases.xlsx", PROVINCE_SUPERVISOR),
    ]
    results = []
    for label, url, username in runs:
        log(f"export {label}: GET {url}")
        measured = run_child(CHILD, env, url, username)
        measured.update(label=label, url=url, username=username)
        log(f"  {measured['rows']:,} rows in {measured['seconds']:.1f} s; RSS {measured['rss_before_kb'] / 1024:.0f}"
            f" → {measured['rss_after_kb'] / 1024:.0f} MB; traced peak {measured['traced_peak'] / 2**20:.1f} MB")
        results.append(measured)

    lines = [
        "# Exports: the call and case lists as XLSX (100,000 rows)",
        "",
        "Written by `bench/exports.py` (see its docstring) — measured figures, not edited by hand.",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; commit `{rev}`; load average after: {loadavg()}",
        f"- Data: {data['calls']:,} calls, {data['cases']:,} cases (database {size}); {note}",
        "- Each export in a fresh process: the app in production configuration, the real route through Flask's "
        "test client (bearer token), PostgreSQL on 127.0.0.1; rows read in keyset batches of 1,000, the XLSX "
        "written by XlsxWriter in constant_memory mode to a temporary file, then streamed (the body is read to "
        "the end). RSS = the process's peak resident set (`ru_maxrss`) after the app and one warm-up request, "
        "then after the export; traced = the peak of Python allocations during the same request made again under "
        "tracemalloc (not timed). Rows counted by opening the saved file with openpyxl.",
        "",
        "| export | user | rows | seconds | rows/s | peak RSS before MB | peak RSS after MB | growth MB "
        "| traced peak MB | file MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        before, after = r["rss_before_kb"] / 1024, r["rss_after_kb"] / 1024
        lines.append(f"| {r['label']} `{r['url']}` | `{r['username']}` | {r['rows']:,} | {r['seconds']:.1f} | "
                     f"{r['rows'] / r['seconds']:,.0f} | {before:.0f} | {after:.0f} | {after - before:.0f} | "
                     f"{r['traced_peak'] / 2**20:.1f} | {r['bytes'] / 2**20:.1f} |")
    small, large = results[0], results[1]
    lines += [
        "",
        f"Memory is flat in the row count: {small['rows']:,} calls grew the peak RSS by "
        f"{(small['rss_after_kb'] - small['rss_before_kb']) / 1024:.0f} MB, {large['rows']:,} calls by "
        f"{(large['rss_after_kb'] - large['rss_before_kb']) / 1024:.0f} MB (traced Python peak "
        f"{small['traced_peak'] / 2**20:.1f} vs {large['traced_peak'] / 2**20:.1f} MB).",
        "",
        "Command:",
        "",
        "```",
        ".venv/bin/python bench/exports.py",
        "```",
    ]
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        write_results(Path(args.output), section)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
