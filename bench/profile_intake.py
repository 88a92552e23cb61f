#!/usr/bin/env python3
"""Where an intake request's time goes: the product under the benchmark's load, instrumented.

    .venv/bin/python bench/profile_intake.py [--duration 20] [--connections 16] [--workers 4] [--cprofile cpu|wall]
    .venv/bin/python bench/profile_intake.py --py-spy /path/to/py-spy      # sampling instead (see below)

Sets up a fresh database like bench/intake.py (hotline_bench_prof, dropped at the end), creates a few hundred
calls so the duplicate check finds rows, then serves ``create_profiled_app()`` below with gunicorn (4 sync
workers) and drives it with wrk and bench/post_call.lua (16 connections). It prints:

* CPU per request of the gunicorn workers and of the PostgreSQL backends (from /proc),
* per request, inclusive and nested: CPU time (the worker thread's) and wall time of each phase of the intake —
  token check, body parsing, normalization, caller upsert, reference number, flushes, duplicate check,
  serialization, commit, pool pre-pings (module attributes wrapped with timers; cheap),
* every SQL statement per request: how often and its wall time, with the product function that issued it,
* pool checkouts and commits per request,
* with ``--cprofile cpu|wall``: cProfile's top functions (slows Python code down ~1.5-2x: proportions only).

``--py-spy PATH`` samples the 4 uninstrumented workers with py-spy instead (wall-clock stacks on this VM).
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import io
import json
import os
import pstats
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))


# The profiled app (runs inside the gunicorn worker) ----------------------------------------------------------

def _issuer(frame) -> str:
    """The first hotline function up the stack that is not plumbing (the one that wanted this SQL)."""
    skip = ("/hotline/extensions.py",)
    while frame is not None:
        name = frame.f_code.co_filename
        if "/hotline/" in name and not name.endswith(skip):
            mod = name.split("/hotline/", 1)[1].removesuffix(".py").replace("/", ".")
            return f"{mod}:{frame.f_code.co_name}:{frame.f_lineno}"
        frame = frame.f_back
    return "?"


class _Phases:
    """Inclusive CPU (thread time) and wall time per named phase, nested; one request at a time (sync worker)."""

    def __init__(self) -> None:
        self.totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])  # calls, cpu s, wall s
        self.stack: list[str] = []

    def wrap(self, name: str, func):
        phases = self

        def timed(*args, **kwargs):
            phases.stack.append(name)
            c0, w0 = time.thread_time(), time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                entry = phases.totals[" > ".join(phases.stack)]
                entry[0] += 1
                entry[1] += time.thread_time() - c0
                entry[2] += time.perf_counter() - w0
                phases.stack.pop()

        timed.__wrapped__ = func
        return timed


def create_profiled_app():
    """The product's WSGI app with phase timers (always) and cProfile (PROFILE_CPROFILE=cpu|wall)."""
    import sqlalchemy.orm
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    from hotline import create_app
    from hotline.api import registry, views
    from hotline.calls import operations, queries
    from hotline.extensions import db

    app = create_app()
    out_dir = Path(os.environ["PROFILE_OUT"])
    mode = os.environ.get("PROFILE_CPROFILE", "")
    prof = (cProfile.Profile(time.thread_time) if mode == "cpu" else cProfile.Profile()) if mode else None
    phases = _Phases()
    state = {"requests": 0, "wall": [], "cpu": [], "sql": defaultdict(lambda: [0, 0.0]), "checkouts": 0,
             "commits": 0, "current": None, "per_request_sql": []}

    # Phases: patch the module attributes the code looks up at call time.
    for module, names in ((registry, ("_bearer_user", "parse_body")),
                          (views, ("_call_response",)),
                          (operations, ("record_call", "_normalize", "_upsert_caller", "make_ref", "_search_document",
                                        "record_event", "_accept_due_on")),
                          (queries, ("find_duplicates",))):
        for name in names:
            if hasattr(module, name):
                setattr(module, name, phases.wrap(name, getattr(module, name)))
    sqlalchemy.orm.Session.commit = phases.wrap("Session.commit", sqlalchemy.orm.Session.commit)
    sqlalchemy.orm.Session.flush = phases.wrap("Session.flush", sqlalchemy.orm.Session.flush)

    with app.app_context():
        engine = db.engine
    engine.dialect.do_ping = phases.wrap("pool pre-ping", engine.dialect.do_ping)

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("_t", []).append((time.perf_counter(), statement, _issuer(sys._getframe(1))))

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        t0, stmt, issuer = conn.info["_t"].pop()
        # CACHE_MISS: SQLAlchemy compiled this statement again for this request (CPU)
        hit = getattr(context, "cache_hit", None)
        cache = (getattr(hit, "name", None) or str(hit)).lower().replace("cache_", "")
        key = (f"{issuer} [{cache}]", " ".join(stmt.split())[:100])
        entry = state["sql"][key]
        entry[0] += 1
        entry[1] += time.perf_counter() - t0
        if state["current"] is not None:
            state["current"] += 1

    @event.listens_for(Pool, "checkout")
    def _checkout(dbapi_conn, record, proxy):
        state["checkouts"] += 1

    @event.listens_for(engine, "commit")
    def _commit(conn):
        state["commits"] += 1

    def dump():
        if not state["requests"]:
            return
        if prof is not None:
            prof.dump_stats(str(out_dir / f"worker-{os.getpid()}.prof"))
        summary = {
            "pid": os.getpid(), "requests": state["requests"], "wall": state["wall"], "cpu": state["cpu"],
            "statements": sum(state["per_request_sql"]), "checkouts": state["checkouts"],
            "commits": state["commits"],
            "sql": [[issuer, stmt, n, total] for (issuer, stmt), (n, total) in state["sql"].items()],
            "phases": dict(phases.totals),
        }
        (out_dir / f"worker-{os.getpid()}.json").write_text(json.dumps(summary))

    atexit.register(dump)
    inner = phases.wrap("WSGI app (Flask)", app.wsgi_app)

    def wsgi(environ, start_response):
        state["current"] = 0
        c0, t0 = time.thread_time(), time.perf_counter()
        if prof is not None:
            prof.enable()
        try:
            body = inner(environ, start_response)
            data = b"".join(body)
            if hasattr(body, "close"):
                body.close()
        finally:
            if prof is not None:
                prof.disable()
        state["wall"].append(time.perf_counter() - t0)
        state["cpu"].append(time.thread_time() - c0)
        state["per_request_sql"].append(state["current"])
        state["current"] = None
        state["requests"] += 1
        return [data]

    return wsgi


def _report(summaries: list[dict], args, prof_dir: Path) -> None:
    n = sum(s["requests"] for s in summaries)
    wall = sorted(w for s in summaries for w in s["wall"])
    cpu = sorted(c for s in summaries for c in s["cpu"])
    print(f"\nrequests seen by the workers: {n} (incl. the health probe)")
    print(f"inside the WSGI app per request: CPU mean {1000 * statistics.mean(cpu):.2f} ms "
          f"(p50 {1000 * cpu[len(cpu) // 2]:.2f}), wall mean {1000 * statistics.mean(wall):.2f} ms "
          f"(p50 {1000 * wall[len(wall) // 2]:.2f}, p99 {1000 * wall[int(len(wall) * 0.99)]:.2f})")
    statements = sum(s["statements"] for s in summaries)
    checkouts = sum(s["checkouts"] for s in summaries)
    commits = sum(s["commits"] for s in summaries)
    print(f"per request: {statements / n:.2f} SQL statements, {checkouts / n:.2f} pool checkouts (each pre-pings: "
          f"one more round trip), {commits / n:.2f} commits (each waits for the WAL flush)")

    phases: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for s in summaries:
        for k, (calls, c, w) in s["phases"].items():
            e = phases[k]
            e[0] += calls
            e[1] += c
            e[2] += w
    print("\nPhases per request (inclusive; nested phases indented; CPU = the worker thread's CPU time, wall "
          "includes waiting for PostgreSQL and for a CPU):")
    print(f"  {'calls':>5} {'CPU ms':>7} {'wall ms':>8}  phase")

    def show(prefix: str, depth: int) -> None:
        kids = [k for k in phases if k.count(" > ") == depth and (k.startswith(prefix + " > ") if prefix else True)]
        for key in sorted(kids, key=lambda k: -phases[k][2]):
            calls, c, w = phases[key]
            if calls / n >= 0.01:
                name = key.split(" > ")[-1]
                print(f"  {calls / n:5.2f} {1000 * c / n:7.3f} {1000 * w / n:8.3f}  {'  ' * depth}{name}")
                show(key, depth + 1)

    show("", 0)

    sql: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for s in summaries:
        for issuer, stmt, count, total in s["sql"]:
            e = sql[(issuer, stmt)]
            e[0] += count
            e[1] += total
    print("\nSQL per request (count, wall ms from execute to result; [hit]/[miss]: SQLAlchemy's compiled cache — "
          "a miss compiles the statement again; an INSERT issued from a query function is the session's autoflush):")
    total_sql = 0.0
    for (issuer, stmt), (count, total) in sorted(sql.items(), key=lambda kv: -kv[1][1]):
        if count / n < 0.01:
            continue
        total_sql += total
        print(f"  {count / n:5.2f}× {total / n * 1000:6.3f} ms  {issuer:<56} {stmt}")
    print(f"  total: {total_sql / n * 1000:.3f} ms")

    if args.cprofile:
        for f in prof_dir.glob("worker-*.prof"):
            for sort in ("cumulative", "tottime"):
                buf = io.StringIO()
                pstats.Stats(str(f), stream=buf).strip_dirs().sort_stats(sort).print_stats(args.top)
                print(f"\n=== cProfile ({args.cprofile} clock) of worker {f.stem}, by {sort} ===")
                print("\n".join(buf.getvalue().splitlines()[4:]))
            print(f"(profile kept at {f}; more workers' profiles next to it)")
            break


# py-spy mode ---------------------------------------------------------------------------------------------------

def _frame_name(frame: str) -> str:
    """``create_call (hotline/api/views.py:55)`` → ``hotline/api/views.py:create_call``."""
    func, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/main/", "python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{func}"


def _py_spy(args, env, token, procs, workdir, intake) -> int:
    import subprocess

    port = intake.free_port()
    log_path = workdir / "spied.log"
    master = procs.start("spied", [intake.venv_bin("gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
                                   "--log-level", "warning", "hotline:create_app()"], env=env, log_path=log_path)
    intake.wait_for_http(port, "/api/v1/health", master, log_path)
    intake.run_wrk("product", "warm-up", f"http://127.0.0.1:{port}{intake.PRODUCT_PATH}", token, duration=3,
                   connections=16, threads=2, seed=3)
    workers = intake.children_of(master.pid)
    spies = []
    for pid in workers:
        out = workdir / f"spy-{pid}.txt"
        spies.append((out, subprocess.Popen([args.py_spy, "record", "--pid", str(pid), "--rate", "250",
                                             "--duration", str(args.duration), "--format", "raw", "--nonblocking",
                                             "--output", str(out)], stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)))
    time.sleep(0.5)
    result, _ = intake.run_wrk("product", "spied", f"http://127.0.0.1:{port}{intake.PRODUCT_PATH}", token,
                               duration=args.duration - 1, connections=16, threads=2, seed=4)
    for _, spy in spies:
        spy.wait(timeout=args.duration + 30)
    print(f"load: {result['rps']:.1f} req/s, p50 {result['p50_ms']:.1f} ms, statuses {result['statuses']}, "
          f"{len(workers)} workers sampled by py-spy at 250 Hz (on-CPU samples only)")
    inclusive: dict[str, int] = defaultdict(int)
    own: dict[str, int] = defaultdict(int)
    total = 0
    for out, _ in spies:
        if not out.exists():
            continue
        for line in out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack:
                continue
            n = int(count)
            frames = [_frame_name(f) for f in stack.split(";")]
            total += n
            for name in set(frames):
                inclusive[name] += n
            own[frames[-1]] += n
    if not total:
        raise intake.BenchError("py-spy wrote no samples (is it allowed to ptrace? run as root)")
    ms_per_sample = 1000 / 250
    reqs = result["requests"] or 1
    print(f"\n{total} samples = {total * ms_per_sample / 1000:.1f} CPU s over {reqs} requests: "
          f"{total * ms_per_sample / reqs:.2f} ms of worker CPU per request (sampled)")
    print(f"\n=== inclusive (function and everything it calls), top {args.top} ===")
    for name, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"  {100 * n / total:5.1f}%  {n * ms_per_sample / reqs:6.2f} ms/req  {name}")
    print(f"\n=== own time (the frame on top of the stack), top {args.top} ===")
    for name, n in sorted(own.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"  {100 * n / total:5.1f}%  {n * ms_per_sample / reqs:6.2f} ms/req  {name}")
    return 0


# The driver ----------------------------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    import intake  # reuse the setup helpers

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=int, default=20)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--db-name", default="hotline_bench_prof")
    p.add_argument("--warmup-requests", type=int, default=300,
                   help="calls to create before profiling, so duplicate lookups find rows")
    p.add_argument("--py-spy", metavar="PATH", help="instead of cProfile: sample all 4 workers with this py-spy "
                   "binary under the benchmark's load (16 connections) — CPU only, no profiler overhead")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    p.add_argument("--cprofile", choices=("cpu", "wall"), help="also run cProfile in every worker with this clock")
    args = p.parse_args(argv)

    procs = intake.Processes()
    workdir = Path(tempfile.mkdtemp(prefix="hotline-prof-"))
    prof_dir = workdir / "out"
    prof_dir.mkdir()
    try:
        intake.recreate_database(args.db_name)
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TEST_DATABASE_URL", "FLASK_DEBUG")}
        env.update(DATABASE_URL=intake.pg_url(args.db_name), HOTLINE_CONFIG="production",
                   SECRET_KEY=secrets.token_hex(32), SESSION_COOKIE_SECURE="0", FLASK_APP="hotline",
                   LOG_LEVEL="WARNING", HOTLINE_INSTANCE_DIR=str(workdir / "instance"))
        intake.run_cli(["db", "upgrade"], env)
        intake.run_cli(["seed"], env)
        intake.run_cli(["users", "create", "profop", "--role", "operator", "--region", "430000", "--service"], env)
        token = intake.run_cli(["users", "token", "profop"], env).strip().splitlines()[-1]

        # Rows for the duplicate check to find, loaded through a plain worker (not profiled).
        port = intake.free_port()
        log_path = workdir / "plain.log"
        plain = procs.start("plain", [intake.venv_bin("gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                                      "--log-level", "warning", "hotline:create_app()"], env=env, log_path=log_path)
        intake.wait_for_http(port, "/api/v1/health", plain, log_path)
        import random

        import bodies

        rng = random.Random(5)
        for _ in range(args.warmup_requests):
            body = json.dumps(bodies.make_call(rng), ensure_ascii=False).encode()
            status, text = intake.post_once(port, intake.PRODUCT_PATH, body, token)
            if status != 201:
                raise intake.BenchError(f"warm-up request answered {status}: {text[:500]}")
        procs.stop()
        if args.py_spy:
            return _py_spy(args, env, token, procs, workdir, intake)

        port = intake.free_port()
        log_path = workdir / "profiled.log"
        penv = dict(env, PROFILE_OUT=str(prof_dir), PROFILE_CPROFILE=args.cprofile or "")
        master = procs.start("profiled", [intake.venv_bin("gunicorn"), "-w", str(args.workers), "-b",
                                          f"127.0.0.1:{port}", "--log-level", "warning", "--pythonpath",
                                          str(BENCH_DIR), "profile_intake:create_profiled_app()"], env=penv,
                             log_path=log_path)
        intake.wait_for_http(port, "/api/v1/health", master, log_path)
        meter = intake.CpuMeter(master.pid, args.db_name)
        meter.start()
        result, _ = intake.run_wrk("product", "profile", f"http://127.0.0.1:{port}{intake.PRODUCT_PATH}", token,
                                   duration=args.duration, connections=args.connections, threads=2, seed=7)
        cpu = meter.stop()
        reqs = max(1, result["requests"])
        print(f"wrk -c{args.connections} against {args.workers} instrumented workers: {result['rps']:.1f} req/s, "
              f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, statuses {result['statuses']}, "
              f"socket errors {result['socket_error_total']}")
        print(f"CPU per request (from /proc): gunicorn workers {1000 * cpu['app_cpu_s'] / reqs:.2f} ms, PostgreSQL "
              f"backends {1000 * cpu['pg_cpu_s'] / reqs:.2f} ms; wrk {1000 * cpu['loadgen_cpu_s'] / reqs:.2f} ms; "
              f"everything else on the machine used {cpu['other_cpu_s'] / cpu['elapsed_s']:.2f} CPUs meanwhile")
        procs.stop()  # the workers dump on exit
        time.sleep(0.5)
        summaries = [json.loads(f.read_text()) for f in prof_dir.glob("worker-*.json")]
        if not summaries:
            raise intake.BenchError(f"no profile written; worker log:\n{log_path.read_text()[-3000:]}")
        _report(summaries, args, prof_dir)
        return 0
    finally:
        procs.stop()
        intake.drop_database(args.db_name)
        if args.cprofile:
            print(f"(work dir {workdir})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
