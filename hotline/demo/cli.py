"""`flask demo-data`: realistic synthetic calls and cases for trying the product and for benchmarks."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from hotline.demo.generator import DemoDataError, DemoOptions, generate, parse_years


def _regions(value: str) -> list[str] | None:
    if value.strip().lower() == "all":
        return None
    codes = [part.strip() for part in value.split(",") if part.strip()]
    if not codes:
        raise click.BadParameter("Give 'all' or 6-digit 市州 codes separated by commas.")
    return codes


@click.command("demo-data")
@click.option("--years", default="2014-2015", show_default=True,
              help="Years to generate: 2014-2015, 2015 or 2014,2015.")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Multiplies every volume (1 = Hunan's published figures; 500 ≈ 2 million calls a year).")
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same data.")
@click.option("--regions", default="all", show_default=True, help="'all' or 市州 codes (430100,430200).")
@click.option("--replace", is_flag=True, help="Delete the demo data of these years first (audit rows stay).")
@click.option("--no-stats", is_flag=True, help="Do not build the monthly snapshots (they are marked stale instead).")
@click.option("--no-search", is_flag=True, help="Leave the full-text search documents empty (faster loads).")
@click.option("--bulk/--no-bulk", default=None,
              help="PostgreSQL: drop the secondary indexes and foreign keys for the load and rebuild them after "
                   "(faster; the tables, and users and reference tables, are locked until the commit). "
                   "Default: from 200,000 planned calls and cases on.")
@with_appcontext
def demo_data_command(years, scale, seed, regions, replace, no_stats, no_search, bulk) -> None:
    """Generate demo calls, callers and cases through the product's rules, in bulk."""
    try:
        options = DemoOptions(years=parse_years(years), scale=scale, seed=seed, regions=_regions(regions),
                              replace=replace, build_stats=not no_stats, search=not no_search, bulk=bulk,
                              progress=lambda message: click.echo(message))
        result = generate(options)
    except DemoDataError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo("Rows: " + ", ".join(f"{table} {n:,}" for table, n in sorted(result.counts.items())))
    click.echo(f"Done in {result.seconds:.1f} s ({len(result.months)} month(s)).")
