#!/usr/bin/env python3
"""Load demo data for the statistics benchmarks (the `flask demo-data` generator, with month-level controls).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/DB .venv/bin/python bench/stats_load.py \
        --years 2015 --month 2015-06 --calls 2000000 --cases 200000 [--scale 1] [--skip-month 2015-06]

``--month`` (repeatable) restricts the run to those months, ``--skip-month`` leaves months out, ``--calls`` and
``--cases`` set exact numbers per month (all calls; filed cases) instead of the scaled yearly figures.
Snapshots are not built here (the benchmark builds them). Prints the generator's progress and one JSON line
``{"counts": ..., "seconds": ...}`` at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", default="2015")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--month", action="append", default=[])
    parser.add_argument("--skip-month", action="append", default=[])
    parser.add_argument("--calls", type=int, default=None)
    parser.add_argument("--cases", type=int, default=None)
    parser.add_argument("--no-search", action="store_true")
    args = parser.parse_args(argv)

    import logging

    from hotline import create_app
    from hotline.demo.generator import DemoOptions, generate, parse_years
    from hotline.stats.compute import Month

    logging.getLogger("hotline").setLevel(logging.WARNING)
    app = create_app()
    years = parse_years(args.years)
    months = [Month.parse(m) for m in args.month] or [Month(y, m) for y in years for m in range(1, 13)]
    skip = {Month.parse(m) for m in args.skip_month}
    months = [m for m in months if m not in skip]
    with app.app_context():
        result = generate(DemoOptions(years=years, scale=args.scale, seed=args.seed, months=months,
                                      calls_per_month=args.calls, cases_per_month=args.cases, build_stats=False,
                                      search=not args.no_search, progress=lambda m: print(m, flush=True)))
    print(json.dumps({"counts": result.counts, "seconds": round(result.seconds, 1)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
