#!/usr/bin/env python3
"""Profile and time the demo generator on PostgreSQL (issue 15 item 4: at least 50,000 rows/s).

    SECRET_KEY=x DATABASE_URL=postgresql://postgres@127.0.0.1:5432/scale_prof .venv/bin/python \
        bench/profile_demo.py [--years 2015] [--calls-per-month 16667] [--cases-per-month 1667] \
        [--profile /tmp/demo.prof] [--bulk on|off]

(The production configuration it runs under wants a SECRET_KEY; any value does here.)

The database must be migrated and seeded (`flask db upgrade && flask seed`) and is a scratch one: the tables
the generator fills are emptied first (TRUNCATE), so every run starts from the same state. Rows counted: every
row the generator writes (calls, callers, cases, case_officers, case_events, case_suspensions, case_extensions,
audit_events). Rows/s = those rows over the generation's wall time (monthly snapshots not built), with the load
average beside it.

On a loaded machine the wall time mostly measures the wait for a core, so the CPU seconds of every process the
load uses are printed too: the generator (all its threads: drawing the rows, and the writer thread formatting
the binary COPY), its search-document worker process (counted once it has exited), and its PostgreSQL backend.
"Rows/s if both cores were free" = rows / max(total CPU / 2, critical path), the critical path being the longest
of: the generator's own CPU plus the backend's CPU after the generator's last row (index builds, key checks,
ANALYZE nobody can overlap), the backend's CPU, the worker's CPU.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
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
    p.add_argument("--profile", help="write cProfile stats here and print the top 30 by internal time (the "
                   "main thread only: not the writer thread nor the search worker)")
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
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        children_cpu = children.ru_utime + children.ru_stime
        extra = {"bulk": args.bulk} if args.bulk is not None else {}
        t0 = time.monotonic()
        last_row: dict[str, float] = {}

        def progress(message: str) -> None:
            if message.startswith("Cases drawn"):  # the generator's last row: what the backend does after is a tail
                last_row["own"] = time.process_time() - own_cpu
                last_row["backend"] = _cpu(backend) - backend_cpu
            print(f"{time.monotonic() - t0:6.1f} s {message}", flush=True)

        options = DemoOptions(years=parse_years(args.years), seed=42, replace=True, build_stats=False,
                              calls_per_month=args.calls_per_month, cases_per_month=args.cases_per_month,
                              progress=progress, **extra)
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
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        worker_cpu = children.ru_utime + children.ru_stime - children_cpu
    rows = sum(result.counts.values())
    print(f"rows {rows:,} in {seconds:.1f} s = {rows / seconds:,.0f} rows/s (load before {load}, after "
          f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])})")
    total = own_cpu + worker_cpu + backend_cpu
    tail = backend_cpu - last_row.get("backend", backend_cpu)
    critical = max(own_cpu + tail, backend_cpu, worker_cpu)
    print(f"  CPU: generator {own_cpu:.1f} s, search worker {worker_cpu:.1f} s, PostgreSQL backend {backend_cpu:.1f} s "
          f"({tail:.1f} s of it after the last row) = {total:.1f} s, {rows / total:,.0f} rows per CPU-second")
    print(f"  rows/s if both cores were free: {rows / max(total / 2, critical):,.0f} "
          f"(rows / max(total CPU / 2 = {total / 2:.1f} s, critical path {critical:.1f} s))")
    print("  " + ", ".join(f"{t} {n:,}" for t, n in sorted(result.counts.items())))
    if profiler:
        profiler.dump_stats(args.profile)
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
