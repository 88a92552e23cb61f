#!/usr/bin/env python3
"""Profile and time the demo generator on PostgreSQL (issue 15 item 4: at least 50,000 rows/s).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/scale_prof .venv/bin/python bench/profile_demo.py \
        [--years 2015] [--calls-per-month 16667] [--cases-per-month 1667] [--profile /tmp/demo.prof] [--jobs N]

The database must be migrated and seeded (`flask db upgrade && flask seed`) and is a scratch one: the tables
the generator fills are emptied first (TRUNCATE), so every run starts from the same state. Rows counted: every
row the generator writes (calls, callers, cases, case_officers, case_events, case_suspensions, case_extensions,
audit_events). Rows/s = those rows over the generation's wall time (monthly snapshots not built), with the load
average beside it; the CPU seconds of the generator and of its PostgreSQL backend are printed too (on a loaded
machine the wall time mostly measures the wait for a core).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a local process (the PostgreSQL backend runs on this machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--years", default="2015")
    p.add_argument("--calls-per-month", type=int, default=16_667)
    p.add_argument("--cases-per-month", type=int, default=1_667)
    p.add_argument("--profile", help="write cProfile stats here and print the top 30 by internal time")
    p.add_argument("--bulk", type=lambda v: v == "on", default=None, help="on/off (default: the generator's choice)")
    args = p.parse_args(argv)
    os.environ.setdefault("HOTLINE_CONFIG", "production")
    from hotline import create_app
    from hotline.demo.generator import DemoOptions, generate, parse_years

    app = create_app(os.environ["HOTLINE_CONFIG"])
    with app.app_context():
        from sqlalchemy import text

        from hotline.demo.generator import FILLED_TABLES
        from hotline.extensions import db

        db.session.execute(text(f"TRUNCATE {', '.join(FILLED_TABLES)} CASCADE"))
        db.session.commit()
        backend = db.session.scalar(text("SELECT pg_backend_pid()"))
        backend_cpu = _cpu(backend)
        own_cpu = time.process_time()
        extra = {"bulk": args.bulk} if args.bulk is not None else {}
        t0 = time.monotonic()
        options = DemoOptions(years=parse_years(args.years), seed=42, replace=True, build_stats=False,
                              calls_per_month=args.calls_per_month, cases_per_month=args.cases_per_month,
                              progress=lambda m: print(f"{time.monotonic() - t0:6.1f} s {m}"), **extra)
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        profiler = cProfile.Profile() if args.profile else None
        started = time.monotonic()
        if profiler:
            profiler.enable()
        result = generate(options)
        if profiler:
            profiler.disable()
        seconds = time.monotonic() - started
        own_cpu = time.process_time() - own_cpu
        backend_cpu = _cpu(backend) - backend_cpu
    rows = sum(result.counts.values())
    print(f"rows {rows:,} in {seconds:.1f} s = {rows / seconds:,.0f} rows/s (load before {load}, after "
          f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])})")
    print(f"  CPU: generator {own_cpu:.1f} s, its PostgreSQL backend {backend_cpu:.1f} s = "
          f"{rows / (own_cpu + backend_cpu):,.0f} rows per CPU-second ({rows / max(own_cpu, backend_cpu):,.0f} rows/s "
          "when the two overlap on two free cores)")
    print("  " + ", ".join(f"{t} {n:,}" for t, n in sorted(result.counts.items())))
    if profiler:
        profiler.dump_stats(args.profile)
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
