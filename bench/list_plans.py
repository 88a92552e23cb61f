#!/usr/bin/env python3
"""What the case list and the call search read, per filter combination: EXPLAIN (ANALYZE, BUFFERS) of the SQL
the app itself sends (server-side parameters, as psycopg binds them), on a database that may be read-only.

    .venv/bin/python bench/list_plans.py [--db scale_national] [--kind cases|calls|both] [--words 华泰,浏阳花炮]

Users: the province (a supervisor), the 长沙 officer and an officer of a 长沙 county; one made in memory when the
database has none (nothing is written: every statement runs in a transaction that is rolled back). For each
request it prints the app's time and, per statement, PostgreSQL's execution time, the shared buffers read and
the scans of the plan. Text searches run twice in one process (the second as a warm worker serves it: the
search windows' edges are cached for ten minutes), and the second is printed. Not written to RESULTS.md: a
tool to look at plans (issue 15 item 4).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from intake import pg_url  # noqa: E402

USERS = (("province", "430000", "supervisor"), ("长沙", "430100", "officer"), ("芙蓉区", "430102", "officer"))
CASE_FILTERS = ("", "overdue=1", "status=filed", "status=received", "case_type=counterfeit",
                "case_type=other_dispute", "overdue=1 case_type=counterfeit", "region_code=430100",
                "region_code=430102 overdue=1", "q=华泰", "q=华泰 overdue=1", "q=儿童安全座椅")
CALL_WORDS = ("华泰", "保温杯", "浏阳花炮", "永州异蛇", "儿童安全座椅")


def _summary(rows: list[str]) -> str:
    text = "\n".join(rows)
    execution = re.search(r"Execution Time: ([0-9.]+) ms", text)
    buffers = re.search(r"Buffers: shared ([^\n]+)", text)
    scans = [m.group(1) for m in re.finditer(r"((?:Parallel )?(?:Bitmap Heap|Bitmap Index|Index Only|Index|Seq)"
                                             r" Scan(?: Backward)?(?: using \w+)? on \w+)", text)]
    return (f"{float(execution.group(1)) if execution else float('nan'):8.2f} ms "
            f"{buffers.group(1) if buffers else '':<28} {'; '.join(dict.fromkeys(scans))}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="scale_national")
    parser.add_argument("--kind", choices=("cases", "calls", "both"), default="both")
    parser.add_argument("--words", help="comma-separated call search words (default: a few of the vocabulary)")
    parser.add_argument("--verbose", action="store_true", help="print whole plans")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=pg_url(args.db, "postgresql+psycopg"), HOTLINE_CONFIG="production",
                      SECRET_KEY=secrets.token_hex(32), SESSION_COOKIE_SECURE="0", LOG_LEVEL="WARNING")
    os.environ.pop("REDIS_URL", None)
    from sqlalchemy import event, select

    import hotline.models  # noqa: F401  (every mapper, before the query modules)
    from hotline import create_app
    from hotline.accounts.models import User
    from hotline.calls.queries import CallFilters, list_calls
    from hotline.cases.queries import CaseFilters, list_cases
    from hotline.extensions import db

    app = create_app("production")
    words = args.words.split(",") if args.words else CALL_WORDS
    with app.app_context():
        users = []
        for label, region, role in USERS:
            user = db.session.scalar(select(User).where(User.region_code == region, User.role == role).limit(1))
            users.append((label, user or User(id=2**62, username=f"plans-{region}", role=role, region_code=region,
                                              is_active=True)))
        db.session.rollback()
        requests = []
        if args.kind in ("cases", "both"):
            for label, user in users:
                for spec in CASE_FILTERS:
                    kv = dict(part.split("=", 1) for part in spec.split())
                    filters = CaseFilters(status=kv.get("status"), case_type=kv.get("case_type"),
                                          region_code=kv.get("region_code"), overdue="overdue" in kv, q=kv.get("q"))
                    requests.append((f"cases {label} ?{spec}", lambda u=user, f=filters: list_cases(u, f)))
        if args.kind in ("calls", "both"):
            for label, user in users[:2]:
                for word in words:
                    requests.append((f"calls {label} ?q={word}",
                                     lambda u=user, w=word: list_calls(u, CallFilters(q=w))))
        for title, run in requests:
            statements = []

            def capture(conn, cursor, statement, parameters, context, executemany, into=statements):
                into.append((statement, parameters))

            if "q=" in title:
                run()  # warm: the windows' edges, the token statistics, the case numbers' characters
                db.session.rollback()
            event.listen(db.engine, "before_cursor_execute", capture)
            started = time.perf_counter()
            rows, _cursor = run()
            elapsed = (time.perf_counter() - started) * 1000
            event.remove(db.engine, "before_cursor_execute", capture)
            print(f"== {title}: {len(rows)} rows, {elapsed:.1f} ms in the app")
            for statement, parameters in statements:
                if not statement.lstrip().upper().startswith("SELECT") or not re.search(r"FROM (cases|calls)\b",
                                                                                       statement):
                    continue
                plan = [r[0] for r in db.session.connection().exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
                print("   ", "\n".join(plan) if args.verbose else _summary(plan))
            db.session.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
