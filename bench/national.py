#!/usr/bin/env python3
"""National scale (issue 15 item 4): ten years of demo data in one PostgreSQL database, and the pages that must
stay fast on it.

    .venv/bin/python bench/national.py [--calls 20000000] [--cases 2000000] [--years 2016-2025]
                                       [--db scale_national] [--small-db scale_small] [--small-calls 10000]
                                       [--build-only] [-n 100] [--duration 60] [--no-write]

1. Data: the database --db is reused when it already holds --calls and --cases (within 5 %); otherwise it is
   made anew (`flask db upgrade`, `flask seed`, then the demo generator for --years with exact monthly volumes,
   its bulk path: secondary indexes and foreign keys rebuilt after the load; monthly snapshots built; VACUUM
   ANALYZE). A small database (--small-db, --small-calls calls over the same years, same cases ratio) is built
   the same way, to compare the yearly summary against.
2. Measures (production configuration, in-process test client: server time only):
   - the yearly summary, ``GET /api/v1/reports/yearly/<year>`` for the last year, on both databases (p50/p95 of
     -n requests): flat within ±20 % is the goal;
   - the performance table ``/api/v1/reports/performance/<year>`` when this code has it (skipped otherwise);
   - a 市州 officer's inbox (``GET /api/v1/inbox``, the 长沙 officer with the most cases, as bench/inbox.py);
   - the call search (``GET /api/v1/calls?q=…``, words from the data's vocabulary, a 长沙 officer and the
     province) and the case list (``GET /api/v1/cases``, first page and a filtered page);
   then the pages with think-time users: gunicorn as gunicorn.conf.py serves it (4 gthread workers × 4 threads)
   and wrk with --connections users each waiting a random 1–3 s between requests (bench/think.lua), for
   --duration seconds, p95 per kind (goal < 200 ms).
3. Writes the "National scale" section of bench/RESULTS.md between its markers (figures, load average, the
   PostgreSQL settings, the capacity note); the rest of the file is kept.
"""

from __future__ import annotations

import argparse
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

from intake import BenchError, loadavg, pg_url, recreate_database, run_cli  # noqa: E402
from load_mix import counts, database_size, log, pg  # noqa: E402

BEGIN = "<!-- national.py: begin (written by bench/national.py; edits here are overwritten) -->"
END = "<!-- national.py: end -->"

GENERATE = r"""
import json, sys, time
from hotline import create_app
from hotline.demo import vocabulary as V
from hotline.demo.generator import DemoOptions, generate, parse_years, yearly_base

years_text, calls, cases = json.loads(sys.argv[1])
years = parse_years(years_text)
months = 12 * len(years)
base = {y: yearly_base(y) for y in years}
w = {"infringement_dispute": sum(b["disputes"] * V.INFRINGEMENT_SHARE for b in base.values()),
     "other_dispute": sum(b["disputes"] * (1 - V.INFRINGEMENT_SHARE) for b in base.values()),
     "counterfeit": sum(b["counterfeit"] for b in base.values())}
reject = sum(w[t] * V.REJECTED_PER_FILED[t] for t in w) / sum(w.values())
started = time.monotonic()
options = DemoOptions(years=years, calls_per_month=max(1, round(calls / months)),
                      cases_per_month=max(1, round(cases / months / (1 + reject))),
                      progress=lambda m: print(f"{time.monotonic() - started:7.1f} s {m}", flush=True))
app = create_app()
with app.app_context():
    result = generate(options)
print("RESULT " + json.dumps({"counts": result.counts, "seconds": result.seconds,
                              "calls_per_month": options.calls_per_month,
                              "cases_per_month": options.cases_per_month}), flush=True)
"""


def bench_env(dbname: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "FLASK_DEBUG", "REDIS_URL")}
    env.update(DATABASE_URL=pg_url(dbname), HOTLINE_CONFIG="production", SECRET_KEY=secrets.token_hex(32),
               FLASK_APP="hotline", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    return env


def prepare(dbname: str, years: str, calls: int, cases: int) -> dict:
    """Reuse ``dbname`` when it holds the data already; build it otherwise. Returns what was done."""
    env = bench_env(dbname)
    try:
        have = counts(dbname)
        reuse = abs(have["calls"] - calls) <= calls * 0.05 and abs(have["cases"] - cases) <= cases * 0.05
    except Exception:  # noqa: BLE001 (no such database: build it)
        reuse = False
    if reuse:
        log(f"reusing {dbname}: {have['calls']:,} calls, {have['cases']:,} cases")
        run_cli(["db", "upgrade"], env)
        earlier = Path(f"/tmp/{dbname}-build.json")
        if earlier.exists():  # the build's figures, kept by the run that built it
            kept = json.loads(earlier.read_text())
            if kept.get("note") == "built":
                return kept
        return {"note": "reused", "counts": have}
    log(f"building {dbname}: {calls:,} calls, {cases:,} cases over {years}")
    recreate_database(dbname)
    run_cli(["db", "upgrade"], env)
    run_cli(["seed"], env)
    load_before = loadavg()
    started = time.monotonic()
    log_path = Path(f"/tmp/{dbname}-demo.log")
    result = None
    with open(log_path, "w") as fh, subprocess.Popen(
            [sys.executable, "-c", GENERATE, json.dumps([years, calls, cases])], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        for line in proc.stdout:
            fh.write(line)
            fh.flush()
            if line.startswith("RESULT "):
                result = json.loads(line[len("RESULT "):])
            elif "calls " not in line or "/" not in line:
                log("demo-data: " + line.rstrip())
        proc.wait()
    if proc.returncode != 0 or result is None:
        raise BenchError(f"demo data generation failed ({proc.returncode}); see {log_path}")
    generated = time.monotonic() - started
    t0 = time.monotonic()
    with pg(dbname) as conn:
        conn.execute("VACUUM ANALYZE")
    result.update(note="built", wall_seconds=generated, vacuum_seconds=time.monotonic() - t0,
                  load_before=load_before, load_after=loadavg(), log=str(log_path))
    log(f"built {dbname} in {generated / 60:.1f} min: {result['counts']}")
    return result


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="scale_national")
    p.add_argument("--small-db", default="scale_small")
    p.add_argument("--years", default="2016-2025")
    p.add_argument("--calls", type=int, default=20_000_000)
    p.add_argument("--cases", type=int, default=2_000_000)
    p.add_argument("--small-calls", type=int, default=10_000)
    p.add_argument("--build-only", action="store_true")
    p.add_argument("-n", type=int, default=100, help="timed requests per measured request kind")
    p.add_argument("--duration", type=int, default=60)
    p.add_argument("--connections", type=int, default=40)
    p.add_argument("--output", default=str(BENCH_DIR / "RESULTS.md"))
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    built = prepare(args.db, args.years, args.calls, args.cases)
    Path(f"/tmp/{args.db}-build.json").write_text(json.dumps(built))
    small = prepare(args.small_db, args.years, args.small_calls, max(1, args.small_calls * args.cases // args.calls))
    Path(f"/tmp/{args.small_db}-build.json").write_text(json.dumps(small))
    log(f"{args.db}: {database_size(args.db)}; {args.small_db}: {database_size(args.small_db)}")
    if args.build_only:
        return 0
    from national_measure import measure_and_write  # noqa: PLC0415 (the measuring half)

    return measure_and_write(args, built, small)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
