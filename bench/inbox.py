#!/usr/bin/env python3
"""The inbox at size: p95 of ``GET /api/v1/inbox`` for a 市州 officer and a province supervisor.

    .venv/bin/python bench/inbox.py [--db hotline_bench_mix] [-n 300] [--no-write] [--output bench/RESULTS.md]

Uses the mixed load's database (1,000,000 calls and 100,000 cases, bench/load_mix.py): an existing
``hotline_bench_mix`` with that much data is reused (``flask db upgrade`` brings it to this code's schema and
indexes, then ANALYZE); without one it is built exactly as load_mix.py builds it (its ``generate_demo``: the demo
generator for 2014–2015 with exact monthly volumes, then VACUUM ANALYZE) and kept for the next run.

Users: the demo data's 长沙 (430100) officer with the most cases (a 市州 officer), a province supervisor (the
demo data has no province staff: one is added, ``bench-inbox-sup-430000``), 长沙's supervisor (the busiest 市州
office), and the demo operator who logged every call. Each gets an API token; requests go
through the product's app in-process (Flask's test client, production configuration): server time only, no
network or gunicorn queueing, one request at a time. "Today" is the real date: every deadline of the
2014–2015 data still pending is years overdue, so each row's working days are counted over a decade.

Per user: -n timed requests after 20 warm-up ones; p50/p95/p99/max, the items returned, SQL statements per
request. The top bar's count is the same computation (shared with the page within a request); its time alone is
measured too. Writes the "Inbox" section of RESULTS.md between its markers (the rest of the file is kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

from intake import BenchError, git_revision, loadavg, pg_url, recreate_database, run_cli  # noqa: E402
from load_mix import DEFAULT_DB, counts, database_size, generate_demo, log, pg  # noqa: E402

BEGIN = "<!-- inbox.py: begin (written by bench/inbox.py; edits here are overwritten) -->"
END = "<!-- inbox.py: end -->"
GOAL_MS = 100.0
PROVINCE_SUPERVISOR = "bench-inbox-sup-430000"


def prepare_database(dbname: str, calls: int, cases: int) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "FLASK_DEBUG", "REDIS_URL")}
    env.update(DATABASE_URL=pg_url(dbname), HOTLINE_CONFIG="production", SECRET_KEY=secrets.token_hex(32),
               FLASK_APP="hotline", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    try:
        existing = counts(dbname)
        reuse = existing["calls"] >= calls * 0.95 and existing["cases"] >= cases * 0.95
    except Exception:  # noqa: BLE001 (no such database: build it)
        reuse = False
    if reuse:
        log(f"reusing {dbname}: {existing['calls']:,} calls, {existing['cases']:,} cases; migrating")
        run_cli(["db", "upgrade"], env)
        with pg(dbname) as conn:
            conn.execute("ANALYZE")
        return "reused (flask db upgrade, ANALYZE)"
    log(f"building {dbname}: {calls:,} calls, {cases:,} cases (load_mix.py's generator; this takes a while)")
    recreate_database(dbname)
    run_cli(["db", "upgrade"], env)
    run_cli(["seed"], env)
    started = time.monotonic()
    demo = generate_demo(env, calls, cases, Path(f"/tmp/{dbname}-demo.log"))
    with pg(dbname) as conn:
        conn.execute("VACUUM ANALYZE")
    return f"built for this run in {(time.monotonic() - started) / 60:.0f} min ({demo['counts']})"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--calls", type=int, default=1_000_000)
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("-n", type=int, default=300, help="timed requests per user (default 300)")
    p.add_argument("--output", default=str(BENCH_DIR / "RESULTS.md"))
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)

    started = dt.datetime.now(dt.UTC)
    rev = git_revision()
    data_note = prepare_database(args.db, args.calls, args.cases)
    data = counts(args.db)
    size = database_size(args.db)

    os.environ.update(DATABASE_URL=pg_url(args.db), HOTLINE_CONFIG="production", SECRET_KEY=secrets.token_hex(32),
                      SESSION_COOKIE_SECURE="0", LOG_LEVEL="WARNING")
    os.environ.pop("REDIS_URL", None)
    from sqlalchemy import event, func, select

    from hotline import create_app
    from hotline.accounts import security
    from hotline.accounts.models import ApiToken, User
    from hotline.cases.models import case_officers
    from hotline.extensions import db

    app = create_app("production")
    from hotline.inbox.queries import inbox_count  # after the app: every model is mapped
    statements = [0]
    with app.app_context():
        officer_id = db.session.execute(
            select(User.id).join(case_officers, case_officers.c.user_id == User.id)
            .where(User.role == "officer", User.region_code == "430100")
            .group_by(User.id).order_by(func.count().desc()).limit(1)).scalar()
        # The demo data has no province-level staff (its cases are the 市州 offices'): the province supervisor is
        # made here, once.
        province_sup = db.session.scalar(select(User).where(User.username == PROVINCE_SUPERVISOR))
        if province_sup is None:
            province_sup = User(username=PROVINCE_SUPERVISOR, display_name="省局负责人（基准）", role="supervisor",
                                region_code="430000", password_hash="!bench-unusable", is_active=True)
            db.session.add(province_sup)
            db.session.flush()
        users = {
            "市州 officer (长沙)": db.session.get(User, officer_id) if officer_id else None,
            "province supervisor": province_sup,
            "市州 supervisor (长沙)": db.session.scalar(select(User).where(User.username == "demo-supervisor-430100")),
            "province operator (logged every call)": db.session.scalar(select(User)
                                                                       .where(User.username == "demo-data")),
        }
        missing = [label for label, user in users.items() if user is None]
        if missing:
            raise BenchError(f"no demo user for {missing}: is {args.db} the mixed load's database?")
        tokens = {}
        for label, user in users.items():
            raw = security.new_token_value()
            db.session.add(ApiToken(user_id=user.id, name="bench-inbox", prefix=raw[:12],
                                    token_hash=security.sha256_hex(raw),
                                    expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1)))
            tokens[label] = (raw, user.id, user.username)
        db.session.commit()
        case_counts = {label: db.session.scalar(select(func.count()).select_from(case_officers)
                                                .where(case_officers.c.user_id == user.id))
                       for label, user in users.items()}

        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(*_args):
            statements[0] += 1

    client = app.test_client()
    results = {}
    for label, (raw, user_id, username) in tokens.items():
        headers = {"Authorization": f"Bearer {raw}"}
        for _ in range(20):
            assert client.get("/api/v1/inbox", headers=headers).status_code == 200
        times, stmts = [], []
        body = None
        for _ in range(args.n):
            statements[0] = 0
            t0 = time.perf_counter()
            resp = client.get("/api/v1/inbox", headers=headers)
            times.append((time.perf_counter() - t0) * 1000)
            stmts.append(statements[0])
            if resp.status_code != 200:
                raise BenchError(f"{label}: {resp.status_code} {resp.get_data(as_text=True)[:300]}")
            body = resp.get_json()
        with app.test_request_context():
            user = db.session.get(User, user_id)
            count_times = []
            for _ in range(max(args.n // 3, 20)):
                from flask import g

                g.pop("_inbox_items", None)
                t0 = time.perf_counter()
                total = inbox_count(user)
                count_times.append((time.perf_counter() - t0) * 1000)
            db.session.remove()
        results[label] = {
            "username": username, "cases": case_counts[label], "items_page": len(body["items"]), "total": total,
            "next": bool(body["next_cursor"]), "p50": statistics.median(times), "p95": percentile(times, 95),
            "p99": percentile(times, 99), "max": max(times), "statements": statistics.median(stmts),
            "count_p50": statistics.median(count_times), "count_p95": percentile(count_times, 95),
            "overdue": sum(1 for i in body["items"] if i["overdue"]),
        }
        r = results[label]
        log(f"{label}: p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, p99 {r['p99']:.1f} ms; {r['total']} items "
            f"({r['statements']:.0f} SQL statements); top-bar count p95 {r['count_p95']:.1f} ms")

    met = all(results[k]["p95"] < GOAL_MS for k in ("市州 officer (长沙)", "province supervisor"))
    lines = [
        BEGIN, "# Inbox: GET /api/v1/inbox at 1,000,000 calls and 100,000 cases", "",
        "Written by `bench/inbox.py` (see its docstring) — measured figures, not edited by hand.", "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; commit `{rev}`; load average after: {loadavg()}",
        f"- Data: {data['calls']:,} calls, {data['cases']:,} cases (database {size}); {data_note}",
        "- In-process (Flask test client, production configuration, PostgreSQL on 127.0.0.1): server time of one "
        f"request at a time, {args.n} timed requests per user after 20 warm-up ones; today = the real date, so the "
        "2014–2015 data's pending deadlines are years overdue",
        "",
        "| user | cases as officer | items | p50 ms | p95 ms | p99 ms | max ms | SQL / request "
        "| top-bar count p95 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, r in results.items():
        lines.append(f"| {label} (`{r['username']}`) | {r['cases']:,} | {r['total']} | {r['p50']:.1f} | "
                     f"{r['p95']:.1f} | {r['p99']:.1f} | {r['max']:.1f} | {r['statements']:.0f} | "
                     f"{r['count_p95']:.1f} |")
    lines += ["", f"Goal: p95 < {GOAL_MS:.0f} ms for the 市州 officer and the province supervisor: "
              f"**{'met' if met else 'NOT met'}**.", "", "Command:", "", "```",
              ".venv/bin/python bench/inbox.py" + (f" -n {args.n}" if args.n != 300 else ""), "```", END]
    section = "\n".join(lines) + "\n"
    print(section)
    if not args.no_write:
        from results import write_between

        path = Path(args.output)
        write_between(path, BEGIN, END, section)
        log(f"wrote {path}")
    return 0 if met else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
