#!/usr/bin/env python3
"""The monthly build at three levels: a province of 14 市州 against the same records spread over its counties.

    /work/main/.venv/bin/python bench/levels_bench.py [--calls 200000] [--cases 20000] [--reps 3] [--keep]

Databases (dropped first, and at the end unless --keep), on the local PostgreSQL:
- levels_bench_tpl: migrated and seeded (HOTLINE_PROVINCE 430000: 14 市州 and their counties);
- levels_bench_flat: the template plus --calls calls and --cases filed cases over 2015 (the demo generator,
  ``bench/stats_load.py``), every record in one of the 14 市州;
- levels_bench_tree: a copy of levels_bench_flat whose calls, cases and transfers are moved to the counties of
  their 市州 (GB/T 2260 codes of the shipped data, ~120 counties; one record in ten stays with the 市州 itself,
  市本级), so both hold the same records (both compacted by VACUUM FULL afterwards, so their tables are the same size).

Timed: the twelve months of 2015 built from nothing (snapshots deleted, ``build_month`` per month, commit), --reps
times, interleaved flat/tree, medians; and a rebuild of the same months with the snapshots present. Goal: the tree's
build within 2x of the flat one. Both builds must give the same province figures. Writes its section of
bench/RESULTS.md between its markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH_DIR))

from stats_bench import admin_execute, env_for, git_commit, load, log, machine, query_value, run  # noqa: E402,I001

TEMPLATE_DB, FLAT_DB, TREE_DB = "levels_bench_tpl", "levels_bench_flat", "levels_bench_tree"
YEAR = 2015
GOAL_RATIO = 2.0
BEGIN, END = "<!-- levels-bench:begin -->", "<!-- levels-bench:end -->"


def venv(name: str) -> str:
    """A tool of the venv running this script (the worktree has none of its own)."""
    return str(Path(sys.executable).parent / name)

#: Move every record of a 市州 to one of its counties (by id), one in ten staying with the 市州 itself.
SPREAD_SQL = """
CREATE TEMP TABLE county_slots AS
  SELECT parent_code, code, row_number() OVER (PARTITION BY parent_code ORDER BY code) - 1 AS slot,
         count(*) OVER (PARTITION BY parent_code) AS n
  FROM regions WHERE level = 'county' AND is_active;
UPDATE calls c SET region_code = s.code FROM county_slots s
  WHERE s.parent_code = c.region_code AND c.id % 10 <> 0 AND s.slot = c.id % s.n;
UPDATE cases c SET region_code = s.code FROM county_slots s
  WHERE s.parent_code = c.region_code AND c.id % 10 <> 0 AND s.slot = c.id % s.n;
UPDATE transfers t SET to_region_code = s.code FROM county_slots s
  WHERE s.parent_code = t.to_region_code AND t.id % 10 <> 0 AND s.slot = t.id % s.n;
"""


def make_app(dbname: str):
    from config import DevelopmentConfig
    from hotline import create_app

    cfg = type("LevelsBenchConfig", (DevelopmentConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}",
        "SECRET_KEY": "levels-bench-not-secret", "REDIS_URL": None, "HOTLINE_PROVINCE": "430000",
    })
    return create_app(cfg)


def build_year(app, *, fresh: bool) -> tuple[float, dict]:
    """Seconds to build the twelve months (from nothing when ``fresh``), and the province's figures."""
    from sqlalchemy import delete, select

    from hotline.core.permissions import province_code
    from hotline.extensions import db
    from hotline.stats.compute import Month
    from hotline.stats.models import MonthlySnapshot, SnapshotRevision
    from hotline.stats.operations import build_month

    with app.app_context():
        if fresh:
            db.session.execute(delete(SnapshotRevision))
            db.session.execute(delete(MonthlySnapshot))
            db.session.commit()
        t0 = time.perf_counter()
        for m in range(1, 13):
            build_month(Month(YEAR, m))
        db.session.commit()
        seconds = time.perf_counter() - t0
        rows = db.session.execute(select(MonthlySnapshot.month, MonthlySnapshot.data).where(
            MonthlySnapshot.region_code == province_code())).all()
        figures = {str(month): data for month, data in rows}
        db.session.remove()
    return seconds, figures


def report(results: dict, command: str) -> str:
    fresh, again = results["fresh"], results["again"]
    ok = fresh["ratio"] <= GOAL_RATIO
    lines = [
        BEGIN,
        "## Statistics at three levels: the monthly build, 14 市州 vs 14 市州 + their counties (levels)",
        "",
        f"Run {results['date']} at commit {results['commit']} on {machine()}; load before: {results['load']}.",
        f"Command: `{command}`.",
        "",
        f"Data: {results['calls']:,} calls and {results['cases']:,} filed cases over {YEAR} (demo generator), the same "
        f"records twice: in the 14 市州 (levels_bench_flat) and spread over {results['counties']} counties, one in ten "
        "kept by the 市州 itself (levels_bench_tree). Build: `build_month` for the 12 months of the year "
        "(one GROUP BY region pass per table and month, rolled up in Python along the tree), then commit; "
        f"median of {results['reps']} interleaved runs.",
        "",
        "| build of 12 months | 14 市州 | tree | snapshots (flat / tree) | ratio tree / flat |",
        "|---|---:|---:|---:|---:|",
        f"| from nothing | {fresh['flat']:.2f} s | {fresh['tree']:.2f} s | {results['snapshots_flat']} / "
        f"{results['snapshots_tree']} | **{fresh['ratio']:.2f}** |",
        f"| again (snapshots present) | {again['flat']:.2f} s | {again['tree']:.2f} s | | {again['ratio']:.2f} |",
        "",
        f"Goal: the tree's build within {GOAL_RATIO:g}x of the 14-region build: **{'met' if ok else 'MISSED'}**. "
        f"Province figures identical in both: {results['same_province']}.",
        END,
        "",
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    from results import write_between

    write_between(path, BEGIN, END, section)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200_000, help="calls in the year")
    parser.add_argument("--cases", type=int, default=20_000, help="filed cases in the year")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--output", default=str(BENCH_DIR / "RESULTS.md"))
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", action="store_true", help="use the databases a --keep run left (no load)")
    args = parser.parse_args(argv)
    command = "/work/main/.venv/bin/python bench/levels_bench.py" + "".join(
        f" {a}" for a in (argv if argv is not None else sys.argv[1:]))
    import logging

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("hotline").setLevel(logging.WARNING)
    results: dict = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": git_commit(),
                     "load": " ".join(f"{x:.2f}" for x in os.getloadavg()), "reps": args.reps}
    databases = [FLAT_DB, TREE_DB]
    try:
        if not args.reuse:
            log("template: migrate + seed")
            admin_execute(*(f'DROP DATABASE IF EXISTS "{d}" WITH (FORCE)' for d in [*databases, TEMPLATE_DB]),
                          f'CREATE DATABASE "{TEMPLATE_DB}"')
            env = env_for(TEMPLATE_DB, HOTLINE_PROVINCE="430000")
            run([venv("flask"), "db", "upgrade"], env)
            run([venv("flask"), "seed"], env)
            admin_execute(f'CREATE DATABASE "{FLAT_DB}" TEMPLATE "{TEMPLATE_DB}"')
            log(f"{FLAT_DB}: {args.calls:,} calls, {args.cases:,} cases over {YEAR}")
            load(FLAT_DB, ["--years", str(YEAR), "--calls", str(args.calls // 12), "--cases", str(args.cases // 12),
                           "--no-search"])
            admin_execute(f'CREATE DATABASE "{TREE_DB}" TEMPLATE "{FLAT_DB}"')
            log(f"{TREE_DB}: records moved to the counties")
            admin_execute(SPREAD_SQL, dbname=TREE_DB)
            # The moves leave dead rows: compact both, so the two scan tables of the same size.
            for dbname in databases:
                admin_execute("VACUUM FULL ANALYZE", dbname=dbname)
        results["calls"] = query_value(FLAT_DB, f"SELECT count(*) FROM calls WHERE received_at >= '{YEAR}-01-01' "
                                                f"AND received_at < '{YEAR + 1}-01-01'")
        results["cases"] = query_value(FLAT_DB, f"SELECT count(*) FROM cases WHERE filed_on BETWEEN '{YEAR}-01-01' "
                                                f"AND '{YEAR}-12-31'")
        results["counties"] = query_value(TREE_DB, "SELECT count(DISTINCT region_code) FROM calls c JOIN regions r "
                                                   "ON r.code = c.region_code WHERE r.level = 'county'")
        apps = {"flat": make_app(FLAT_DB), "tree": make_app(TREE_DB)}
        for kind in apps:  # warm-up: caches, connections, first plans
            build_year(apps[kind], fresh=True)
        times: dict[str, dict[str, list[float]]] = {"fresh": {"flat": [], "tree": []},
                                                    "again": {"flat": [], "tree": []}}
        figures = {}
        for rep in range(args.reps):
            for kind in ("flat", "tree") if rep % 2 == 0 else ("tree", "flat"):
                seconds, figures[kind] = build_year(apps[kind], fresh=True)
                times["fresh"][kind].append(seconds)
                times["again"][kind].append(build_year(apps[kind], fresh=False)[0])
                log(f"rep {rep + 1} {kind}: {seconds:.2f} s from nothing, {times['again'][kind][-1]:.2f} s again")
        for phase in times:
            flat, tree = (statistics.median(times[phase][k]) for k in ("flat", "tree"))
            results[phase] = {"flat": flat, "tree": tree, "ratio": tree / flat}
        results["same_province"] = "yes" if figures["flat"] == figures["tree"] else "NO"
        results["snapshots_flat"] = query_value(FLAT_DB, "SELECT count(*) FROM monthly_snapshots")
        results["snapshots_tree"] = query_value(TREE_DB, "SELECT count(*) FROM monthly_snapshots")
        section = report(results, command)
        print(section)
        if not args.no_write:
            write_section(Path(args.output), section)
    finally:
        if not args.keep:
            admin_execute(*(f'DROP DATABASE IF EXISTS "{d}" WITH (FORCE)' for d in [*databases, TEMPLATE_DB]))
    return 0 if results.get("fresh", {}).get("ratio", 99) <= GOAL_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
