#!/usr/bin/env python3
"""Statistics benchmarks on PostgreSQL: monthly snapshot vs one hand-written query, yearly summary and worker memory
at two data sizes, and a 24-month rebuild with two Celery workers.

    .venv/bin/python bench/stats_bench.py [--calls 2000000] [--cases 200000] [--keep] [--output bench/RESULTS.md]

a) compute_month (call_figures + case_figures) for a month holding --calls calls and --cases filed cases, against
   bench/stats_sql.py's single hand-written statement, same run, interleaved, medians; both must give the same
   figures. Goal: ratio <= 2.0.
b) yearly_summary(2015) (snapshots present) on a database whose month has --small-calls calls and on the big one.
   Goal: medians within 20 %.
c) peak RSS of a fresh process that builds the month (build_month + commit), at --mem-small-calls and at --calls.
   Goal: within 20 %.
d) 24 months x 15 regions rebuilt by 24 stats.build_month tasks on two Celery workers (Redis db 12, one process
   each); wall time from the first dispatch until all 360 snapshots carry a newer computed_at. The same 24 months
   built one after another in one process are timed too, for comparison.

Databases (dropped first, and at the end unless --keep): hotline_bench_stats (2014-2015 demo data at
--context-scale for every month but 2015-06, which gets --calls / --cases), hotline_bench_stats_small (2015-06:
--small-calls calls), hotline_bench_stats_mem (2015-06: --mem-small-calls calls), from a migrated and seeded
template. Every process started here is stopped at the end (its own process group).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH_DIR))

import stats_sql  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/12"
TEMPLATE_DB = "hotline_bench_stats_tpl"
BIG_DB = "hotline_bench_stats"
SMALL_DB = "hotline_bench_stats_small"
MEM_DB = "hotline_bench_stats_mem"
BENCH_MONTH = "2015-06"
YEAR = 2015
GOAL_RATIO = 2.0
GOAL_SPREAD = 0.20
BEGIN, END = "<!-- stats-bench:begin -->", "<!-- stats-bench:end -->"

MEMORY_PROBE = r"""
import json, resource, sys
def rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
from sqlalchemy import text
from hotline import create_app
from hotline.extensions import db
from hotline.stats.compute import Month
from hotline.stats.operations import build_month
app = create_app()
with app.app_context():
    db.session.execute(text("SELECT 1"))
    before = rss("VmRSS")
    build_month(Month.parse(sys.argv[1]))
    db.session.commit()
print(json.dumps({"before_kb": before, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "hwm_kb": rss("VmHWM")}))
"""


def log(msg: str) -> None:
    print(f"[stats-bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def admin_execute(*statements: str, dbname: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(f"{PG}/{dbname}", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def query_value(dbname: str, sql: str):
    import psycopg

    with psycopg.connect(f"{PG}/{dbname}", autocommit=True) as conn:
        return conn.execute(sql).fetchone()[0]


def env_for(dbname: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "HOTLINE_CONFIG")}
    env.update(DATABASE_URL=f"{PG}/{dbname}", SECRET_KEY="stats-bench-not-secret", HOTLINE_CONFIG="development",
               PYTHONPATH=str(ROOT), FLASK_APP="hotline", **extra)
    return env


def venv(name: str) -> str:
    path = ROOT / ".venv" / "bin" / name
    return str(path) if path.exists() else name


def run(cmd: list[str], env: dict[str, str], *, echo: bool = False) -> str:
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    if echo:
        for line in proc.stdout.splitlines():
            if line.strip() and "INFO" not in line:
                print("    " + line, flush=True)
    return proc.stdout


def load(dbname: str, args: list[str]) -> dict:
    out = run([sys.executable, str(BENCH_DIR / "stats_load.py"), *args], env_for(dbname), echo=True)
    return json.loads(out.strip().splitlines()[-1])


class Workers:
    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self, n: int, dbname: str, log_dir: Path) -> None:
        for i in range(1, n + 1):
            path = log_dir / f"stats-bench-worker{i}.log"
            fh = open(path, "wb")  # noqa: SIM115 - handed to the process
            cmd = [venv("celery"), "-A", "workers.celery_app", "worker", "--concurrency", "1", "--pool", "prefork",
                   "-n", f"statsbench{i}@%h", "--without-heartbeat", "--without-mingle", "--without-gossip",
                   "--loglevel", "INFO"]
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env_for(dbname, REDIS_URL=REDIS_URL), stdout=fh,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
            fh.close()
            self.procs.append(proc)
            self.logs.append(path)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if all(" ready." in p.read_text(errors="replace") for p in self.logs):
                return
            for proc, path in zip(self.procs, self.logs, strict=True):
                if proc.poll() is not None:
                    raise RuntimeError(f"worker exited:\n{path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        raise RuntimeError("workers did not become ready in 90 s")

    def tasks_done(self) -> list[int]:
        return [p.read_text(errors="replace").count("succeeded in") for p in self.logs]

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.procs.clear()


def make_app(dbname: str, redis: bool = False):
    from config import DevelopmentConfig
    from hotline import create_app

    cfg = type("BenchConfig", (DevelopmentConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}",
        "SECRET_KEY": "stats-bench-not-secret", "REDIS_URL": REDIS_URL if redis else None,
    })
    return create_app(cfg)


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


# a) -------------------------------------------------------------------------------------------------------

def bench_month(app, reps: int) -> dict:
    from sqlalchemy import event, text

    from hotline.extensions import db
    from hotline.stats.compute import Month, compute_month, empty_figures

    month = Month.parse(BENCH_MONTH)
    params = stats_sql.params(month)

    def product():
        with app.app_context():
            result = compute_month(month)
            db.session.remove()
        return result

    def hand():
        with app.app_context():
            rows = db.session.execute(text(stats_sql.MONTH_SQL), params).all()
            db.session.remove()
        return rows

    # Same figures?
    ours = product()
    theirs = stats_sql.to_figures(hand())
    mismatches = []
    for code, figures in theirs.items():
        key = "other" if code == "430000" else code
        if ours.get(key) != figures:
            mismatches.append(code)
    for code, figures in ours.items():
        if code not in theirs and code not in ("430000", "other") and figures != empty_figures():
            mismatches.append(code)
    if mismatches:
        raise RuntimeError(f"compute_month and the hand-written query disagree for {mismatches}")
    province = ours["430000"]
    # The product's statements, for EXPLAIN.
    captured: list[tuple[str, dict]] = []
    with app.app_context():
        engine = db.engine

        def capture(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("SELECT") and ("FROM calls" in statement
                                                                    or "FROM cases" in statement):
                captured.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        try:
            product()
        finally:
            event.remove(engine, "before_cursor_execute", capture)
    plans = {}
    with app.app_context():
        raw = db.session.connection().connection.driver_connection
        for statement, parameters in captured:
            name = "call_figures" if "FROM calls" in statement else "case_figures"
            rows = raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).fetchall()
            plans[name] = [r[0] for r in rows]
        compiled = text(stats_sql.MONTH_SQL).compile(dialect=db.engine.dialect)
        rows = raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled),
                           {k: params[k] for k in compiled.params}).fetchall()
        plans["hand_written"] = [r[0] for r in rows]
        db.session.remove()
    # Warm both, then interleave.
    product()
    hand()
    ours_t, hand_t = [], []
    for i in range(reps):
        if i % 2 == 0:
            ours_t.append(timed(product))
            hand_t.append(timed(hand))
        else:
            hand_t.append(timed(hand))
            ours_t.append(timed(product))
    return {"product_ms": [round(t * 1000, 1) for t in ours_t], "hand_ms": [round(t * 1000, 1) for t in hand_t],
            "product_median_ms": round(median_ms(ours_t), 1), "hand_median_ms": round(median_ms(hand_t), 1),
            "ratio": round(statistics.median(ours_t) / statistics.median(hand_t), 2),
            "identical": True, "regions_compared": len(theirs), "plans": plans,
            "calls_in_month": province["calls"]["total"], "cases_filed_in_month": province["cases"]["filed"],
            "cases_pending_end": province["cases"]["pending_end"]}


# b) -------------------------------------------------------------------------------------------------------

def build_all(app, months) -> float:
    from hotline.extensions import db
    from hotline.stats.operations import build_month

    def go():
        with app.app_context():
            for month in months:
                build_month(month)
                db.session.commit()
            db.session.remove()

    return timed(go)


def bench_yearly(small_app, big_app, reps: int) -> dict:
    from hotline.extensions import db
    from hotline.stats.yearly import yearly_summary

    def summary(app):
        def go():
            with app.app_context():
                result = yearly_summary(YEAR)
                db.session.remove()
            return result
        return go

    small, big = summary(small_app), summary(big_app)
    small_totals, big_totals = small(), big()
    small_t, big_t = [], []
    for i in range(reps):
        pair = (small, big) if i % 2 == 0 else (big, small)
        for fn in pair:
            (small_t if fn is small else big_t).append(timed(fn))
    ms, mb = statistics.median(small_t), statistics.median(big_t)
    return {"small_median_ms": round(ms * 1000, 2), "big_median_ms": round(mb * 1000, 2),
            "spread": round(abs(mb - ms) / min(ms, mb), 3), "reps": reps,
            "small_calls_year": small_totals["calls"]["total"], "big_calls_year": big_totals["calls"]["total"],
            "small_cases_year": small_totals["cases"]["total"], "big_cases_year": big_totals["cases"]["total"]}


# c) -------------------------------------------------------------------------------------------------------

def memory_probe(dbname: str) -> dict:
    out = run([sys.executable, "-c", MEMORY_PROBE, BENCH_MONTH], env_for(dbname))
    return json.loads(out.strip().splitlines()[-1])


def bench_memory(small_db: str, big_db: str, reps: int) -> dict:
    small, big = [], []
    for i in range(reps):
        order = ((small_db, small), (big_db, big)) if i % 2 == 0 else ((big_db, big), (small_db, small))
        for dbname, bucket in order:
            bucket.append(memory_probe(dbname))
    ps = statistics.median(r["peak_kb"] for r in small)
    pb = statistics.median(r["peak_kb"] for r in big)
    return {"small_peak_mib": round(ps / 1024, 1), "big_peak_mib": round(pb / 1024, 1),
            "small_before_mib": round(statistics.median(r["before_kb"] for r in small) / 1024, 1),
            "big_before_mib": round(statistics.median(r["before_kb"] for r in big) / 1024, 1),
            "spread": round(abs(pb - ps) / min(ps, pb), 3), "reps": reps,
            "small_runs_mib": [round(r["peak_kb"] / 1024, 1) for r in small],
            "big_runs_mib": [round(r["peak_kb"] / 1024, 1) for r in big]}


# d) -------------------------------------------------------------------------------------------------------

def bench_rebuild(app_redis, dbname: str, months, log_dir: Path, workers: Workers) -> dict:
    import redis
    from sqlalchemy import func, select

    from hotline.extensions import db
    from hotline.stats.models import MonthlySnapshot

    redis.Redis.from_url(REDIS_URL).flushdb()
    workers.start(2, dbname, log_dir)
    from workers.tasks.stats import build_month_task

    expected = len(months) * 15
    with app_redis.app_context():
        db.session.remove()
        t_start = dt.datetime.now(dt.UTC)
        t0 = time.perf_counter()
        for month in months:
            build_month_task.apply_async(args=[str(month)], retry=False)
        while True:
            done = db.session.scalar(select(func.count()).select_from(MonthlySnapshot)
                                     .where(MonthlySnapshot.computed_at >= t_start))
            db.session.rollback()
            if done >= expected:
                break
            if time.perf_counter() - t0 > 3600:
                raise RuntimeError(f"rebuild not finished after an hour ({done}/{expected})")
            time.sleep(0.1)
        wall = time.perf_counter() - t0
        db.session.remove()
    time.sleep(1)
    per_worker = workers.tasks_done()
    workers.stop()
    return {"wall_s": round(wall, 2), "snapshots": expected, "tasks_per_worker": per_worker}


# Report ---------------------------------------------------------------------------------------------------

def machine() -> str:
    cpus = os.cpu_count()
    mem = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f", {int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    return f"{cpus} CPUs{mem}, Linux {platform.release()}, Python {platform.python_version()}"


def report(results: dict, args, command: str) -> str:
    a, b, c, d = results["a"], results["b"], results["c"], results["d"]
    ok = lambda met: "met" if met else "**missed**"  # noqa: E731
    lines = [
        BEGIN,
        "# Statistics: monthly snapshot, yearly summary, worker memory, parallel rebuild",
        "",
        "Written by `bench/stats_bench.py` (see bench/README-stats.md) — measured figures, not edited by hand.",
        "",
        f"- Date: {results['date']}; commit `{results['commit']}`",
        f"- Machine: {machine()}",
        f"- {results['pg_version']}; settings: {results['pg_settings']}",
        f"- Load average before / after: {results['load_before']} / {results['load_after']}",
        f"- Data: `{BIG_DB}` — {BENCH_MONTH}: {a['calls_in_month']:,} calls, {a['cases_filed_in_month']:,} cases filed "
        f"({results['big_rows']['cases']:,} cases in the table, {results['big_rows']['calls']:,} calls), the other 23 "
        f"months of 2014–2015 at demo scale {args.context_scale:g}; `{SMALL_DB}` — {BENCH_MONTH}: "
        f"{args.small_calls:,} calls; `{MEM_DB}` — {BENCH_MONTH}: {args.mem_small_calls:,} calls "
        "(cases a tenth of the calls everywhere), all made by `flask demo-data`'s generator (bench/stats_load.py)",
        f"- Load times: {results['load_seconds']}",
        "",
        "Command:",
        "",
        "```",
        command,
        "```",
        "",
        "| benchmark | measured | goal | result |",
        "| --- | --- | --- | --- |",
        f"| a) month {BENCH_MONTH}: compute_month vs one hand-written SQL (median of {args.reps}) | "
        f"{a['product_median_ms']:,.0f} ms vs {a['hand_median_ms']:,.0f} ms = ×{a['ratio']} | ≤ ×{GOAL_RATIO} | "
        f"{ok(a['ratio'] <= GOAL_RATIO)} |",
        f"| a) same figures | {a['regions_compared']} regions compared, identical | identical | met |",
        f"| b) yearly_summary({YEAR}), {b['small_calls_year']:,} vs {b['big_calls_year']:,} calls in the year "
        f"(median of {b['reps']}) | {b['small_median_ms']} ms vs {b['big_median_ms']} ms "
        f"({b['spread'] * 100:.1f} %) | within 20 % | {ok(b['spread'] <= GOAL_SPREAD)} |",
        f"| c) peak RSS of a process building {BENCH_MONTH}, {args.mem_small_calls:,} vs {a['calls_in_month']:,} "
        f"calls (median of {c['reps']}) | {c['small_peak_mib']} MiB vs {c['big_peak_mib']} MiB "
        f"({c['spread'] * 100:.1f} %) | within 20 % | {ok(c['spread'] <= GOAL_SPREAD)} |",
        f"| d) rebuild 24 months × 15 regions, 2 Celery workers | {d['wall_s']} s wall "
        f"(tasks per worker {d['tasks_per_worker']}) | recorded | — |",
        f"| d) the same 24 months in one process, one after another | {results['sequential_s']:.2f} s | "
        "(comparison) | — |",
        "",
        f"a) runs (ms): compute_month {a['product_ms']}; hand-written {a['hand_ms']}.",
        f"c) runs (MiB): small {c['small_runs_mib']}; big {c['big_runs_mib']}; RSS before building: "
        f"{c['small_before_mib']} / {c['big_before_mib']} MiB.",
        "",
        "What is measured: a) `hotline.stats.compute.compute_month` (both aggregate statements, the reference "
        "look-ups and the Python that shapes every region) against `bench/stats_sql.py`'s single statement "
        "executed through the same session, each in a fresh app context, interleaved after one warm-up each; "
        "before timing, every region's figures from both are compared and must be equal. b) "
        "`hotline.stats.yearly.yearly_summary` with the 24 snapshots of 2014–2015 present in both databases. "
        "c) `ru_maxrss` of a fresh Python process that creates the app, connects, runs `build_month` and commits "
        "(what one worker task costs). d) 24 `stats.build_month` tasks queued at once on Redis db 12, two "
        "`celery worker --concurrency 1` processes against the big database.",
        "",
        "Plans (EXPLAIN ANALYZE, BUFFERS) of the month's statements:",
        "",
    ]
    for name, plan in a["plans"].items():
        lines += [f"`{name}`:", "", "```", *plan, "```", ""]
    if results.get("notes"):
        lines += ["Notes:", "", *results["notes"], ""]
    lines.append(END)
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    from results import write_between

    write_between(path, BEGIN, END, section)


def git_commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                         check=False)
    return out.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2_000_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--small-calls", type=int, default=10_000)
    parser.add_argument("--mem-small-calls", type=int, default=20_000)
    parser.add_argument("--context-scale", type=float, default=10.0)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--yearly-reps", type=int, default=41)
    parser.add_argument("--mem-reps", type=int, default=3)
    parser.add_argument("--output", default=str(BENCH_DIR / "RESULTS.md"))
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", action="store_true", help="use the databases a --keep run left (no load)")
    args = parser.parse_args(argv)
    command = ".venv/bin/python bench/stats_bench.py" + "".join(
        f" {a}" for a in (argv if argv is not None else sys.argv[1:]))

    import logging

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("hotline").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    log_dir = Path(os.environ.get("TMPDIR", "/tmp"))
    workers = Workers()
    results: dict = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": git_commit(),
                     "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()), "notes": []}
    databases = [BIG_DB, SMALL_DB, MEM_DB]
    try:
        if not args.reuse:
            log("template database: migrate + seed")
            admin_execute(*(f'DROP DATABASE IF EXISTS "{d}" WITH (FORCE)' for d in [*databases, TEMPLATE_DB]),
                          f'CREATE DATABASE "{TEMPLATE_DB}"')
            run([venv("flask"), "db", "upgrade"], env_for(TEMPLATE_DB))
            run([venv("flask"), "seed"], env_for(TEMPLATE_DB))
            admin_execute(*(f'CREATE DATABASE "{d}" TEMPLATE "{TEMPLATE_DB}"' for d in databases))
            loads = {}
            log(f"{BIG_DB}: 2014-2015 at scale {args.context_scale:g} except {BENCH_MONTH}")
            loads["context"] = load(BIG_DB, ["--years", "2014-2015", "--scale", str(args.context_scale),
                                             "--skip-month", BENCH_MONTH])["seconds"]
            log(f"{BIG_DB}: {BENCH_MONTH} with {args.calls:,} calls and {args.cases:,} cases")
            loads["big month"] = load(BIG_DB, ["--years", str(YEAR), "--month", BENCH_MONTH, "--calls",
                                               str(args.calls), "--cases", str(args.cases)])["seconds"]
            for dbname, n in ((SMALL_DB, args.small_calls), (MEM_DB, args.mem_small_calls)):
                log(f"{dbname}: {BENCH_MONTH} with {n:,} calls")
                loads[dbname] = load(dbname, ["--years", str(YEAR), "--month", BENCH_MONTH, "--calls", str(n),
                                              "--cases", str(n // 10)])["seconds"]
            results["load_seconds"] = ", ".join(f"{k} {v:.0f} s" for k, v in loads.items())
            log("VACUUM ANALYZE")
            for dbname in databases:
                admin_execute("VACUUM ANALYZE", dbname=dbname)
        else:
            results["load_seconds"] = "(reused databases)"
        results["big_rows"] = {"calls": query_value(BIG_DB, "SELECT count(*) FROM calls"),
                               "cases": query_value(BIG_DB, "SELECT count(*) FROM cases")}
        results["pg_version"] = query_value(BIG_DB, "SELECT version()").split(" on ")[0]
        results["pg_settings"] = ", ".join(
            f"{name}={query_value(BIG_DB, f'SHOW {name}')}" for name in
            ("shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather", "jit"))

        from hotline.stats.compute import Month
        from hotline.stats.operations import month_range

        months = month_range(Month(2014, 1), Month(2015, 12))
        big_app, small_app, mem_app = make_app(BIG_DB), make_app(SMALL_DB), make_app(MEM_DB)
        log(f"a) compute_month vs hand-written SQL, {args.reps} interleaved repetitions")
        results["a"] = bench_month(big_app, args.reps)
        log(f"   product {results['a']['product_median_ms']} ms, hand {results['a']['hand_median_ms']} ms, "
            f"ratio {results['a']['ratio']}")
        log("d) sequential baseline: 24 months in this process")
        results["sequential_s"] = build_all(big_app, months)
        log(f"   {results['sequential_s']:.1f} s")
        log("d) 24 build_month tasks on 2 Celery workers")
        results["d"] = bench_rebuild(make_app(BIG_DB, redis=True), BIG_DB, months, log_dir, workers)
        log(f"   {results['d']}")
        log("b) yearly summary (building the small databases' 24 months first)")
        build_all(small_app, months)
        build_all(mem_app, months)
        results["b"] = bench_yearly(small_app, big_app, args.yearly_reps)
        log(f"   {results['b']}")
        log("c) peak memory of a process building the month")
        results["c"] = bench_memory(MEM_DB, BIG_DB, args.mem_reps)
        log(f"   {results['c']}")
        results["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        section = report(results, args, command)
        print(section)
        if not args.no_write:
            write_section(Path(args.output), section)
            log(f"written to {args.output}")
        return 0
    finally:
        workers.stop()
        with contextlib.suppress(Exception):
            import redis

            redis.Redis.from_url(REDIS_URL).flushdb()
        if not args.keep:
            with contextlib.suppress(Exception):
                admin_execute(*(f'DROP DATABASE IF EXISTS "{d}" WITH (FORCE)' for d in [*databases, TEMPLATE_DB]))


if __name__ == "__main__":
    raise SystemExit(main())
