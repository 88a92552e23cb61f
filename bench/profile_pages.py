#!/usr/bin/env python3
"""Where a page's CPU goes: every request kind of the mixed load, in-process, on the mixed load's database.

    .venv/bin/python bench/profile_pages.py [--db hotline_bench_mix] [-n 200] [--kind calls_list ...]
                                            [--cprofile] [--top 25]

Needs the database `bench/load_mix.py --keep` leaves behind (1M calls, 100k cases). Creates the app with the
production configuration (CSRF on), logs the mixed load's six users in through the login form with Flask's
test client, draws targets exactly as load_mix.py does (same seed), and runs -n requests of every kind one
after another. Per kind it prints CPU per request (this thread's CPU time, so other load on the machine does
not inflate it), wall time, SQL statements and their wall time per request, and the response size. With
--cprofile, cProfile's top functions per kind (tottime and cumulative; cProfile slows Python ~1.5-2×, so read
proportions). Intake posts go through the API with a token made for the run.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import os
import pstats
import random
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

from intake import pg_url  # noqa: E402
from load_mix import DEFAULT_DB, REDIS_URL, USERS, build_targets  # noqa: E402

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
#: --url: how many of the slowest statements to show (PROFILE_STATEMENTS in the environment).
SHOW_STATEMENTS = int(os.environ.get("PROFILE_STATEMENTS", 3))
KINDS = ("intake", "calls_list", "calls_search", "call_detail", "case_detail", "stats", "case_list")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("-n", type=int, default=200, help="requests per kind (default 200)")
    p.add_argument("--kind", action="append", choices=KINDS, help="only these kinds (repeatable)")
    p.add_argument("--cprofile", action="store_true", help="cProfile's top functions per kind")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--url", nargs=2, action="append", metavar=("USER", "PATH"),
                   help="instead of the kinds: GET PATH as USER (e.g. mix-op '/calls?status=open') -n times, with "
                        "its slowest SQL statements (repeatable; a slow request from an access log, say)")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)

    os.environ.update(DATABASE_URL=pg_url(args.db), HOTLINE_CONFIG="production", SECRET_KEY=secrets.token_hex(32),
                      SESSION_COOKIE_SECURE="0", LOG_LEVEL="WARNING", REDIS_URL=REDIS_URL)
    from sqlalchemy import event

    from hotline import create_app
    from hotline.accounts import security
    from hotline.accounts.models import ApiToken, User
    from hotline.extensions import db

    app = create_app("production")
    clients = {}
    with app.app_context():
        # The users load_mix.py made (kept with --keep); fresh passwords for this run.
        for name in USERS:
            user = db.session.scalar(db.select(User).where(User.username == name))
            if user is None:
                print(f"no user {name}: run bench/load_mix.py --keep first", file=sys.stderr)
                return 2
            user.password_hash = security.hash_password("profile-" + name)
        op = db.session.scalar(db.select(User).where(User.username == "mix-switch"))
        token = security.new_token_value()
        db.session.add(ApiToken(user_id=op.id, name="profile-pages", prefix=token[:12],
                                token_hash=security.sha256_hex(token),
                                expires_at=security.utcnow() + dt.timedelta(days=1)))
        db.session.commit()
        statements: list[float] = []

        @event.listens_for(db.engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):
            conn.info["t0"] = time.perf_counter()

        texts: list[str] = []

        @event.listens_for(db.engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):
            statements.append(time.perf_counter() - conn.info.pop("t0", time.perf_counter()))
            texts.append(statement)

    for name in USERS:
        c = app.test_client()
        page = c.get("/login")
        m = _CSRF.search(page.get_data(as_text=True))
        resp = c.post("/login", data={"csrf_token": m.group(1) or m.group(2), "username": name,
                                      "password": "profile-" + name})
        assert resp.status_code == 302, (name, resp.status_code)
        clients[name] = c

    if args.url:
        gc.collect()
        gc.freeze()
        return profile_urls(args.url, args.n, clients, statements, texts, args.top if args.cprofile else 0)

    today = dt.date.today()
    targets = build_targets(args.db, {}, random.Random(args.seed), f"{today.year}-{today.month:02d}")
    sys.path.insert(0, str(BENCH_DIR))
    from bodies import make_call  # the intake bodies of post_call.lua

    api = app.test_client()
    rng = random.Random(args.seed)
    bodies = [make_call(rng) for _ in range(args.n + 20)]
    kinds = args.kind or list(KINDS)
    # As gunicorn.conf.py does in each worker: what is loaded by now (here also the targets and bodies) is out of
    # the garbage collector's sight, so its full collections do not land in one request's figures.
    gc.collect()
    gc.freeze()

    def one(kind: str, i: int):
        if kind == "intake":
            return api.post("/api/v1/calls", json=bodies[i % len(bodies)],
                            headers={"Authorization": f"Bearer {token}"}), 201
        user, path = targets[kind][i % len(targets[kind])]
        return clients[user].get(path), 200

    print(f"{'kind':<13} {'CPU/req':>9} {'wall/req':>9} {'p95 wall':>9} {'SQL/req':>8} {'SQL ms':>7} {'KiB':>6}")
    for kind in kinds:
        for i in range(10):  # warm-up: caches, first compilations
            one(kind, i)
        cpu, wall, nsql, tsql, size = [], [], [], [], []
        prof = cProfile.Profile() if args.cprofile else None
        for i in range(args.n):
            statements.clear()
            c0, w0 = time.thread_time(), time.perf_counter()
            if prof:
                prof.enable()
            resp, want = one(kind, i + 10)
            if prof:
                prof.disable()
            cpu.append(time.thread_time() - c0)
            wall.append(time.perf_counter() - w0)
            if resp.status_code != want:
                print(f"{kind}: {resp.status_code} for request {i}", file=sys.stderr)
                return 1
            nsql.append(len(statements))
            tsql.append(sum(statements))
            size.append(len(resp.get_data()))
        q95 = statistics.quantiles(wall, n=20)[-1]
        print(f"{kind:<13} {statistics.mean(cpu) * 1000:8.2f}ms {statistics.mean(wall) * 1000:8.2f}ms "
              f"{q95 * 1000:8.2f}ms {statistics.mean(nsql):8.1f} {statistics.mean(tsql) * 1000:7.2f} "
              f"{statistics.mean(size) / 1024:6.1f}", flush=True)
        if prof:
            for order in ("tottime", "cumulative"):
                out = io.StringIO()
                pstats.Stats(prof, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
                print(out.getvalue())
    return 0


def profile_urls(urls: list[list[str]], n: int, clients: dict, statements: list[float], texts: list[str],
                 top: int) -> int:
    """Each URL -n times (after one warm-up request): CPU, wall time and the slowest statements of the last;
    with ``top``, cProfile's top functions by internal time."""
    for user, path in urls:
        if user not in clients:
            print(f"no user {user}; one of {', '.join(clients)}", file=sys.stderr)
            return 2
        clients[user].get(path)
        cpu, wall = [], []
        prof = cProfile.Profile() if top else None
        for _ in range(max(1, n)):
            statements.clear()
            texts.clear()
            c0, w0 = time.thread_time(), time.perf_counter()
            if prof:
                prof.enable()
            resp = clients[user].get(path)
            if prof:
                prof.disable()
            cpu.append(time.thread_time() - c0)
            wall.append(time.perf_counter() - w0)
        print(f"{resp.status_code} {user} {path}\n  CPU {statistics.mean(cpu) * 1000:.2f} ms, wall "
              f"{statistics.mean(wall) * 1000:.2f} ms (max {max(wall) * 1000:.2f}), {len(statements)} statements, "
              f"{sum(statements) * 1000:.2f} ms of SQL")
        for took, sql in sorted(zip(statements, texts, strict=True), reverse=True)[:SHOW_STATEMENTS]:
            print(f"  {took * 1000:7.2f} ms  {' '.join(sql.split())[:300]}")
        if prof:
            out = io.StringIO()
            pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
