"""The measuring half of bench/national.py (see its docstring): in-process timings, think-time users, RESULTS.md."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake import BenchError, Processes, free_port, git_revision, loadavg, pg_url, venv_bin, wait_for_http
from load_mix import database_size, log, parse_wrk, pg, start_wrk, tree_cpu

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 200.0
FLAT = 0.20
CHANGSHA = "430100"
SUPERVISOR = "scale-national-sup-430000"
PG_SETTINGS = ("server_version", "shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size",
               "random_page_cost", "max_wal_size", "checkpoint_timeout", "synchronous_commit", "wal_level",
               "max_connections", "max_parallel_workers_per_gather", "jit")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def pg_settings(dbname: str) -> dict[str, str]:
    with pg(dbname) as conn:
        return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in PG_SETTINGS}  # noqa: S608


def _app(dbname: str):
    """The product's app on ``dbname`` (production configuration), a fresh import per database."""
    os.environ.update(DATABASE_URL=pg_url(dbname), HOTLINE_CONFIG="production", SECRET_KEY=secrets.token_hex(32),
                      SESSION_COOKIE_SECURE="0", LOG_LEVEL="WARNING")
    os.environ.pop("REDIS_URL", None)
    from hotline import create_app

    return create_app("production")


def users_and_tokens(app) -> dict[str, tuple[str, int]]:
    """The busiest 长沙 officer and a province supervisor (made once), each with a fresh API token."""
    from sqlalchemy import func, select

    from hotline.accounts import security
    from hotline.accounts.models import ApiToken, User
    from hotline.cases.models import case_officers
    from hotline.extensions import db

    with app.app_context():
        officer = db.session.scalar(
            select(User).join(case_officers, case_officers.c.user_id == User.id)
            .where(User.role == "officer", User.region_code == CHANGSHA)
            .group_by(User.id).order_by(func.count().desc()).limit(1))
        sup = db.session.scalar(select(User).where(User.username == SUPERVISOR))
        if sup is None:
            sup = User(username=SUPERVISOR, display_name="省局负责人（基准）", role="supervisor", region_code="430000",
                       password_hash="!bench-unusable", is_active=True)
            db.session.add(sup)
            db.session.flush()
        out = {}
        for label, user in (("officer", officer), ("province", sup)):
            raw = security.new_token_value()
            db.session.add(ApiToken(user_id=user.id, name="bench-national", prefix=raw[:12],
                                    token_hash=security.sha256_hex(raw),
                                    expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1)))
            out[label] = (raw, user.id)
        db.session.commit()
    return out


def targets(year: int, has_performance: bool, rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    """Per kind, (user, path) pairs: the same on both databases."""
    from hotline.demo import vocabulary as V

    words = [*V.BRANDS, *V.PRODUCTS, *V.GEO_PRODUCTS]
    q = urllib.parse.quote
    out = {
        "yearly summary": [(u, f"/api/v1/reports/yearly/{year}") for u in ("province", "officer")],
        "officer inbox (长沙)": [("officer", "/api/v1/inbox")],
        "call search": [(u, f"/api/v1/calls?q={q(w)}") for w in rng.sample(words, 20)
                        for u in ("officer", "province")],
        "case list": [(u, p) for u in ("officer", "province") for p in (
            "/api/v1/cases", "/api/v1/cases?status=filed", "/api/v1/cases?case_type=counterfeit",
            f"/api/v1/cases?filed_from={year}-03-01&filed_to={year}-03-31", "/api/v1/cases?overdue=true")],
    }
    if has_performance:
        # The 14 市州 ranked (province and officer alike), and the 长沙 officer's own table (its counties).
        out["performance table"] = [(u, f"/api/v1/reports/performance/{year}{r}") for u, r in (
            ("province", ""), ("officer", ""), ("officer", f"?region_code={CHANGSHA}"))]
    return out


def in_process(app, tokens, plan, n: int) -> dict[str, dict]:
    client = app.test_client()
    results = {}
    for kind, items in plan.items():
        times = []
        for i in range(n + 10):
            user, path = items[i % len(items)]
            t0 = time.perf_counter()
            resp = client.get(path, headers={"Authorization": f"Bearer {tokens[user][0]}"})
            elapsed = (time.perf_counter() - t0) * 1000
            if resp.status_code != 200:
                raise BenchError(f"{kind}: {path} answered {resp.status_code}: {resp.get_data(as_text=True)[:300]}")
            if i >= 10:
                times.append(elapsed)
        results[kind] = {"n": len(times), "p50": statistics.median(times), "p95": percentile(times, 95),
                         "max": max(times)}
        log(f"  {kind}: p50 {results[kind]['p50']:.1f} ms, p95 {results[kind]['p95']:.1f} ms (load {loadavg()})")
    return results


def think_time_users(dbname: str, tokens, plan, *, connections: int, duration: int, workdir: Path) -> dict:
    """gunicorn as the product serves it (its gunicorn.conf.py: 4 gthread workers × 4 threads) and one wrk per kind,
    connections split evenly, each user thinking 1–3 s."""
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "FLASK_DEBUG", "REDIS_URL")}
    # The web hosts of the several-hosts deployment (README): the scheduled jobs run on the worker host's beat, not
    # in these processes (otherwise, with no REDIS_URL, the first worker would run the daily sweep and the month
    # builds over the whole database while it is measured).
    env.update(DATABASE_URL=pg_url(dbname), HOTLINE_CONFIG="production", SECRET_KEY=secrets.token_hex(32),
               LOG_LEVEL="WARNING", SESSION_COOKIE_SECURE="0", EMBEDDED_SCHEDULER="0")
    procs = Processes()
    try:
        port = free_port()
        app_log = workdir / "gunicorn.log"
        app_proc = procs.start("gunicorn", [venv_bin("gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
                                            "--log-level", "warning",
                                            "-b", f"127.0.0.1:{port}", "hotline:create_app()"],
                               env=env, log_path=app_log)
        wait_for_http(port, "/api/v1/health", app_proc, app_log)
        per_kind = max(1, connections // len(plan))
        running = []
        for seed, (kind, items) in enumerate(plan.items(), start=1):
            path = workdir / f"targets-{seed}.tsv"
            path.write_text("".join(f"Bearer {tokens[u][0]}\t{p}\n" for u, p in items))
            proc, _cmd = start_wrk(kind, f"http://127.0.0.1:{port}", connections=per_kind, duration=duration,
                                   targets=path, token="", seed=seed, think=(1000, 3000))
            running.append((kind, proc))
        cpu0 = tree_cpu(app_proc.pid)
        results = {}
        for kind, proc in running:
            out, err = proc.communicate(timeout=duration + 120)
            results[kind] = parse_wrk(kind, out, err, proc.returncode)
        results["_app_cpu_s"] = tree_cpu(app_proc.pid) - cpu0
        results["_per_kind"] = per_kind
        return results
    finally:
        procs.stop()


def _build_step(built: dict, prefix: str) -> float | None:
    """Seconds of a step of the generator's log ("Indexes built again: 39 in 812.3 s")."""
    import re

    path = built.get("log")
    if not path or not Path(path).exists():
        return None
    for line in Path(path).read_text().splitlines():
        if prefix in line:
            m = re.search(r"in ([0-9.]+) s", line)
            if m:
                return float(m.group(1))
    return None


def capacity_note(data: dict, size_bytes: int, built: dict) -> list[str]:
    calls, cases = data["calls"], data["cases"]
    factor = 20_000_000 / calls
    national_gb = size_bytes * factor / 1e9
    indexes = _build_step(built, "Indexes built again")
    keys = _build_step(built, "Foreign keys checked")
    vacuum = built.get("vacuum_seconds")
    timing = []
    if indexes is not None:
        timing.append(f"rebuilding every secondary index of the filled tables took {indexes / 60:.1f} min here")
    if keys is not None:
        timing.append(f"checking every foreign key {keys / 60:.1f} min")
    if vacuum is not None:
        timing.append(f"VACUUM ANALYZE of the whole database {vacuum / 60:.1f} min")
    timing_text = ("; ".join(timing) + f" (×{factor:.0f} at national size, on a loaded 2-core machine)") \
        if timing else "maintenance times were not measured in this run (data reused)"
    return [
        "**Capacity note.** National volume (31 provinces, ~2,000,000 calls and ~200,000 cases a year) is ~20 million "
        f"calls and ~2 million cases in ten years: {factor:.1f}× this run ({calls:,} calls, {cases:,} cases, "
        f"{size_bytes / 1e9:.1f} GB with indexes), so about {national_gb:.0f} GB on one PostgreSQL primary, growing "
        f"~{national_gb / 10:.0f} GB a year — one ordinary server's disk; what must be in memory is the hot part (this "
        "year's rows and the indexes that lead with region and date). The pages measured walk keyset indexes "
        "(region, date, id), the inbox reads per-region due-date indexes, the yearly report reads monthly snapshots: "
        "their cost follows the page and the region's share, not the table size (the full / small column above). "
        "**Read replicas** are for CPU, not size: when the primary's CPU stays high at peak (many officers, "
        "statistics and exports at once), send reports, exports and searches to a replica; intake and every write "
        "stay on the primary. **Partitioning by year** (calls by received_at, audit_events by occurred_at) pays "
        "when whole years must be archived or dropped, or when maintenance of one table gets too long: "
        f"{timing_text}. At national size over ten years one primary without partitions is enough; partition when "
        "the retention rule asks to drop old years, or beyond ~100 million calls.",
    ]


def render(args, built, small, data, small_data, size, size_bytes, settings, solo_full, solo_small, think, year,
           has_performance, started) -> str:
    from national import BEGIN, END

    lines = [BEGIN, "# National scale: ten years of data in one PostgreSQL database", "",
             "Written by `bench/national.py` (see its docstring) — measured figures, not edited by hand.", "",
             f"- Date: {started:%Y-%m-%d %H:%M} UTC; commit `{git_revision()}`; load average at the end: {loadavg()} "
             "(2 cores shared with other work: figures under load)",
             f"- Data ({args.db}): {data['calls']:,} calls, {data['callers']:,} callers, {data['cases']:,} cases, "
             f"{data['case_events']:,} case events, {data['audit_events']:,} audit rows, "
             f"{data['monthly_snapshots']:,} monthly snapshots over {args.years} ({size})"]
    if built.get("note") == "built":
        rows = sum(built["counts"].values())
        lines.append(f"- Built by the demo generator's bulk path in {built['wall_seconds'] / 60:.1f} min "
                     f"(monthly snapshots included; VACUUM ANALYZE {built['vacuum_seconds'] / 60:.1f} min more): "
                     f"{rows:,} rows = {rows / built['wall_seconds']:,.0f} rows/s wall (load {built['load_before']} "
                     f"before, {built['load_after']} after)")
    else:
        lines.append("- Data reused from an earlier run of this script")
    lines += [f"- Small database ({args.small_db}, built the same way): {small_data['calls']:,} calls, "
              f"{small_data['cases']:,} cases", "",
              "PostgreSQL settings: " + ", ".join(f"`{k}={v}`" for k, v in settings.items()), "",
              f"## One request at a time (in-process test client, server time; {args.n} timed requests per kind)", "",
              "| request | p50 ms (small) | p95 ms (small) | p50 ms (full) | p95 ms (full) | full / small (p50) |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for kind, r in solo_full.items():
        s = solo_small.get(kind)
        ratio = r["p50"] / s["p50"] if s else float("nan")
        lines.append(f"| {kind} | {s['p50']:.1f} | {s['p95']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | {ratio:.2f} |"
                     if s else f"| {kind} | – | – | {r['p50']:.1f} | {r['p95']:.1f} | – |")
    yr = solo_full["yearly summary"]["p50"] / solo_small["yearly summary"]["p50"]
    lines += ["", f"Yearly summary for {year}: full size / small = {yr:.2f} (goal: within ±{FLAT:.0%}): "
              f"**{'met' if abs(yr - 1) <= FLAT else 'NOT met'}**."]
    if not has_performance:
        lines.append("The performance table (`/api/v1/reports/performance/{year}`) is not on this branch: skipped.")
    lines += ["", "## Think-time users (gunicorn as the product serves it: 4 gthread workers × 4 threads, "
              f"{think['_per_kind']} wrk connections per kind, each waiting 1–3 s between requests, "
              f"{args.duration} s)", "",
              "| request | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | non-200 | socket errors |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    met = True
    for kind, r in think.items():
        if kind.startswith("_"):
            continue
        met &= r["p95_ms"] < GOAL_MS and not r["bad_status"] and not r["socket_error_total"]
        lines.append(f"| {kind} | {r['requests']:,} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
                     f"{r['p99_ms']:.1f} | {r['max_ms']:.1f} | {r['bad_status']} | {r['socket_error_total']} |")
    lines += ["", f"Goal p95 < {GOAL_MS:.0f} ms for every page: **{'met' if met else 'NOT met'}** "
              f"(gunicorn workers used {think['_app_cpu_s']:.0f} CPU-s).", "", *capacity_note(data, size_bytes, built),
              "",
              "Command:", "", "```", " ".join([".venv/bin/python bench/national.py", *sys.argv[1:]]), "```", END]
    return "\n".join(lines) + "\n"


def measure_and_write(args, built: dict, small: dict) -> int:
    from load_mix import counts

    started = dt.datetime.now(dt.UTC)
    year = int(args.years.split("-")[-1].split(",")[-1])
    data, small_data = counts(args.db), counts(args.small_db)
    size = database_size(args.db)
    with pg(args.db) as conn:
        size_bytes = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    settings = pg_settings(args.db)
    solo = {}
    for dbname in (args.small_db, args.db):
        # One process per database (the app's configuration is read at import).
        log(f"{dbname}: one request at a time")
        proc = subprocess.run([sys.executable, __file__, dbname, str(year), str(args.n)], capture_output=True,
                              text=True, cwd=ROOT, timeout=3600)
        sys.stderr.write(proc.stderr[-3000:])
        if proc.returncode != 0:
            raise BenchError(f"measuring {dbname} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
        solo[dbname] = json.loads(proc.stdout.strip().splitlines()[-1])
    tokens, plan, has_performance = solo[args.db]["tokens"], solo[args.db]["plan"], solo[args.db]["has_performance"]
    workdir = Path(f"/tmp/{args.db}-bench")
    workdir.mkdir(exist_ok=True)
    log(f"{args.db}: think-time users for {args.duration} s")
    think = think_time_users(args.db, tokens, plan, connections=args.connections, duration=args.duration,
                             workdir=workdir)
    section = render(args, built, small, data, small_data, size, size_bytes, settings, solo[args.db]["results"],
                     solo[args.small_db]["results"], think, year, has_performance, started)
    print(section)
    if not args.no_write:
        from national import BEGIN, END

        path = Path(args.output)
        text = path.read_text() if path.exists() else ""
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            text = head + section.rstrip("\n") + rest.split(END, 1)[1]
        else:
            text = text.rstrip("\n") + "\n\n" + section
        path.write_text(text)
        log(f"wrote {path}")
    return 0


def has_performance_table(app) -> bool:
    """Does this code serve the performance table? Asked of the app's API routes (the table is merged: it is
    measured unless an older checkout is benchmarked)."""
    from hotline.api.registry import ENDPOINTS

    return any(e.rule == "/reports/performance/<period>" and e.method == "GET" for e in ENDPOINTS) and any(
        r.rule.endswith("/reports/performance/<period>") for r in app.url_map.iter_rules())


def solo_main(dbname: str, year: int, n: int) -> None:
    """Child process: tokens, then -n requests per kind; prints one JSON line."""
    app = _app(dbname)
    has_performance = has_performance_table(app)
    tokens = users_and_tokens(app)
    plan = targets(year, has_performance, random.Random(15))
    results = in_process(app, tokens, plan, n)
    print(json.dumps({"tokens": tokens, "plan": plan, "has_performance": has_performance, "results": results}))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    solo_main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
