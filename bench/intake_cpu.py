#!/usr/bin/env python3
"""CPU and SQL statements per intake request, in-process: the product's POST /api/v1/calls against the floor.

    .venv/bin/python bench/intake_cpu.py [-n 400] [--rounds 3] [--cprofile] [--top 30] [--db-name intake_cpu]

A quick companion to bench/intake.py for working on the intake path: no gunicorn, no load generator, so the
figures are this thread's CPU time per request (other load on the machine barely moves them) and the SQL
statements each request sends (BEGIN/COMMIT and the pool's pre-ping are not cursor executions and not
counted; the listing says which statements run). Makes a fresh database NAME (and NAME_floor) like
bench/intake.py (`flask db upgrade`, `flask seed`, the operator and its token), posts the same bodies
(bench/bodies.py) through Flask's test client to both apps, alternately in rounds, and drops the databases.
With --cprofile, cProfile's top functions of the product (tottime and cumulative; cProfile slows Python, so
read proportions).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import secrets
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

import bodies  # noqa: E402
import intake  # noqa: E402


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", type=int, default=400, help="requests per system and round (default 400)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--cprofile", action="store_true")
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--callers", metavar="FUNCTION", help="with --cprofile: who calls FUNCTION (a pstats pattern)")
    p.add_argument("--db-name", default="intake_cpu")
    p.add_argument("--keep", action="store_true", help="keep the databases (to look at plans)")
    p.add_argument("--what-if", metavar="SQL", action="append", default=[],
                   help="run SQL on the product's database after the setup (e.g. 'DROP INDEX …' to price an index); "
                        "repeatable; for trying changes, not for figures of the product")
    args = p.parse_args(argv)
    product_db, floor_db = args.db_name, f"{args.db_name}_floor"
    for name in (product_db, floor_db):
        intake.recreate_database(name)
    try:
        return run(args, product_db, floor_db)
    finally:
        if not args.keep:
            for name in (product_db, floor_db):
                intake.drop_database(name)


def run(args, product_db: str, floor_db: str) -> int:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TEST_DATABASE_URL", "FLASK_DEBUG")}
    env.update(DATABASE_URL=intake.pg_url(product_db), HOTLINE_CONFIG="production", SECRET_KEY=secrets.token_hex(32),
               SESSION_COOKIE_SECURE="0", FLASK_APP="hotline", LOG_LEVEL="WARNING")
    intake.run_cli(["db", "upgrade"], env)
    intake.run_cli(["seed"], env)
    intake.run_cli(["users", "create", "benchop", "--role", "operator", "--region", "430000", "--service"], env)
    token = intake.run_cli(["users", "token", "benchop"], env).strip().splitlines()[-1].strip()
    if args.what_if:
        import psycopg

        with psycopg.connect(intake.pg_url(product_db), autocommit=True) as conn:
            for sql in args.what_if:
                conn.execute(sql)
                print(f"what-if: {sql}")
    os.environ.clear()
    os.environ.update(env)

    import floor_app
    from sqlalchemy import event

    from hotline import create_app
    from hotline.extensions import db

    floor_app.create_floor_tables(intake.pg_url(floor_db))
    product = create_app("production")
    floor = floor_app.create_floor_app(intake.pg_url(floor_db, "postgresql+psycopg"))
    texts: list[str] = []
    with product.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: texts.append(a[2]))
    event.listen(floor.extensions["floor_engine"], "before_cursor_execute", lambda *a: texts.append(a[2]))

    pool = bodies.make_bodies(20260101, args.n * (args.rounds + 1))
    clients = {"product": (product.test_client(), "/api/v1/calls", {"Authorization": f"Bearer {token}"}),
               "floor": (floor.test_client(), "/calls", {})}

    def post(system: str, body: bytes) -> None:
        client, path, headers = clients[system]
        resp = client.post(path, data=body, headers={**headers, "Content-Type": "application/json"})
        if resp.status_code != 201:
            raise SystemExit(f"{system}: {resp.status_code} {resp.get_data(as_text=True)[:500]}")

    for system in clients:  # warm-up: caches, compiled statements, prepared statements
        for body in pool[:50]:
            post(system, body)
    gc.collect()
    gc.freeze()  # as gunicorn.conf.py does in each worker

    meters = {"product": intake.CpuMeter(os.getpid(), product_db), "floor": intake.CpuMeter(os.getpid(), floor_db)}

    def backends_cpu(system: str) -> float:
        return sum(c for pid in meters[system]._backends() if (c := intake.proc_cpu(pid)) is not None)

    cpu: dict[str, list[float]] = {"product": [], "floor": []}
    pg: dict[str, list[float]] = {"product": [], "floor": []}
    statements: dict[str, Counter] = {"product": Counter(), "floor": Counter()}
    k = 50
    for _ in range(args.rounds):
        for system in clients:
            texts.clear()
            b0 = backends_cpu(system)
            c0 = time.thread_time()
            for body in pool[k:k + args.n]:
                post(system, body)
            cpu[system].append((time.thread_time() - c0) / args.n)
            pg[system].append((backends_cpu(system) - b0) / args.n)
            statements[system] = Counter(" ".join(t.split())[:110] for t in texts)
        k += args.n
    med = {s: statistics.median(v) * 1000 for s, v in cpu.items()}
    med_pg = {s: statistics.median(v) * 1000 for s, v in pg.items()}
    print(f"load average {intake.loadavg()}; {args.rounds} rounds × {args.n} requests each")
    for system in clients:
        per_round = ", ".join(f"{v * 1000:.2f}" for v in cpu[system])
        n_sql = sum(statements[system].values()) / args.n
        print(f"{system:8} app CPU/req median {med[system]:.2f} ms (rounds {per_round}), PostgreSQL backend CPU/req "
              f"{med_pg[system]:.2f} ms; {n_sql:.2f} SQL statements/req")
        for text, count in statements[system].most_common():
            print(f"    {count / args.n:5.2f}×  {text}")
    print(f"CPU ratio floor/product (in-process): app {med['floor'] / med['product']:.2f}, app + PostgreSQL "
          f"{(med['floor'] + med_pg['floor']) / (med['product'] + med_pg['product']):.2f}")

    if args.cprofile:
        prof = cProfile.Profile(time.thread_time)
        prof.enable()
        for body in pool[k:k + args.n]:
            post("product", body)
        prof.disable()
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(prof, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
            print(out.getvalue())
        if args.callers:
            out = io.StringIO()
            pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime").print_callers(args.callers)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
