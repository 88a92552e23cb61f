#!/usr/bin/env python3
"""Performance table (绩效考核) cost at two data sizes, on PostgreSQL.

    .venv/bin/python bench/performance_bench.py [--small 1] [--big 20] [--keep]

For each scale, a database ``perf_bench_<scale>`` (dropped first, and at the end unless --keep) is migrated,
seeded and filled with the demo generator for 2014-2015 (every 市州); then, in one process:
- store_month(2015-06): the worker's part that computes a month's counts (median of 5);
- performance_table(2015) with the months stored: the yearly table (median of 9);
- performance_table(2015-06): the monthly table (median of 9).
The yearly table sums twelve stored rows per region, so its time should not grow with the data.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")

PROBE = r"""
import json, statistics, sys, time
from hotline import create_app
from hotline.extensions import db
from hotline.stats.compute import Month
from hotline.stats.performance import Period, performance_table, store_month
from sqlalchemy import text

app = create_app("production")
with app.app_context():
    calls = db.session.scalar(text("select count(*) from calls"))
    cases = db.session.scalar(text("select count(*) from cases"))
    transfers = db.session.scalar(text("select count(*) from transfers"))
    def timed(fn, n):
        out = []
        for _ in range(n):
            t = time.perf_counter(); fn(); db.session.commit(); out.append((time.perf_counter() - t) * 1000)
        return statistics.median(out)
    store = timed(lambda: store_month(Month(2015, 6)), 5)
    performance_table(Period.parse("2015")); db.session.commit()
    year = timed(lambda: performance_table(Period.parse("2015")), 9)
    month = timed(lambda: performance_table(Period.parse("2015-06")), 9)
    print(json.dumps({"calls": calls, "cases": cases, "transfers": transfers, "store_month_ms": store,
                      "year_table_ms": year, "month_table_ms": month}))
"""


def run(cmd: list[str], env: dict[str, str], stdin: str = "") -> str:
    return subprocess.run(cmd, env=env, cwd=ROOT, input=stdin, capture_output=True, text=True, check=True).stdout


def measure(scale: float, keep: bool) -> dict:
    name = f"perf_bench_{str(scale).replace('.', '_')}"
    admin = f"{PG}/postgres"
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATABASE_URL=f"{PG}/{name}", HOTLINE_CONFIG="production", SECRET_KEY="bench-only-secret")
    flask = [sys.executable, "-m", "flask", "--app", "hotline"]
    try:
        run([*flask, "db", "upgrade"], env)
        run([*flask, "seed"], env)
        started = time.perf_counter()
        run([*flask, "demo-data", "--years", "2014-2015", "--scale", str(scale), "--no-search"], env)
        load_s = time.perf_counter() - started
        result = json.loads(run([sys.executable, "-c", PROBE], env).strip().splitlines()[-1])
        result["scale"], result["load_s"] = scale, round(load_s)
        return result
    finally:
        if not keep:
            subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=float, default=1)
    parser.add_argument("--big", type=float, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    for scale in (args.small, args.big):
        r = measure(scale, args.keep)
        print(f"scale {r['scale']}: {r['calls']:,} calls, {r['cases']:,} cases, {r['transfers']:,} transfers "
              f"(load {r['load_s']} s) | store_month(2015-06) {r['store_month_ms']:.1f} ms | "
              f"year table {r['year_table_ms']:.1f} ms | month table {r['month_table_ms']:.1f} ms", flush=True)


if __name__ == "__main__":
    main()
