"""`flask stats build YYYY-MM [--to YYYY-MM] [--region CODE]` and `flask stats yearly YYYY [--region CODE]`."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from hotline.core.clock import local_today
from hotline.core.permissions import province_code
from hotline.extensions import db

stats_cli = AppGroup("stats", help="Build the monthly statistics and print the yearly summary.")

_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")
_YEAR = re.compile(r"^[0-9]{4}$")
FIRST_YEAR = 2000
TABLE_HEADERS = ["地区", "来电", "电话", "办案总量", "专利纠纷", "假冒专利", "结案", "移送司法", "涉案金额(元)",
                 "办案同比"]


def _month(value: str, param: str):
    from hotline.stats.compute import Month

    try:
        if not _MONTH.match(value):
            raise ValueError
        month = Month.parse(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a month: give YYYY-MM (2000-01 or later).",
                                 param_hint=param) from None
    if month.first_day > local_today():
        raise click.BadParameter(f"{value} has not started yet.", param_hint=param)
    return month


def _region(value: str | None) -> str | None:
    from hotline.reference import queries as ref

    if value is not None and value not in ref.region_map():
        raise click.BadParameter(f"Unknown region {value!r} (a 6-digit code: the province's or one of its 市州).",
                                 param_hint="--region")
    return value


def _refresh_if_embedded() -> None:
    if not current_app.config.get("REDIS_URL"):
        from workers.tasks.stats import refresh_stale

        refresh_stale.run()


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * max(width - _width(text), 0)
    return space + text if right else text + space


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Plain-text columns aligned for a terminal (CJK characters count double); numbers to the right."""
    widths = [max(_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(_pad(h, w, i > 0) for i, (h, w) in enumerate(zip(headers, widths, strict=True)))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(_pad(str(v), w, i > 0) for i, (v, w) in enumerate(zip(row, widths, strict=True))))
    return "\n".join(lines)


def _growth(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def _figures_lines(month: str, region_code: str) -> list[str]:
    from hotline.stats.compute import Month
    from hotline.stats.operations import get_snapshot

    snapshot = get_snapshot(Month.parse(month), region_code, build_missing=False)
    calls, cases = snapshot.data["calls"], snapshot.data["cases"]
    lines = [
        f"  {region_code}{' (locked)' if snapshot.locked else ''}: calls {calls['total']} (phone "
        f"{calls['phone_total']}, transferred {calls['transferred']}); cases filed {cases['total']} "
        f"(disputes {cases['disputes']}, counterfeit {cases['counterfeit']}), closed {cases['closed']}, "
        f"pending at month end {cases['pending_end']}, amount involved {cases['amount_involved']}, "
        f"fines {cases['fines']}",
    ]
    pending = next((r for r in snapshot.revisions if r.status == "pending"), None)
    if pending is not None:
        lines.append(f"  pending revision #{pending.id}: calls {pending.data['calls']['total']}, cases filed "
                     f"{pending.data['cases']['total']} (accept or discard it on the statistics page)")
    return lines


@stats_cli.command("build")
@click.argument("month")
@click.option("--to", "last", default=None, metavar="YYYY-MM", help="Build every month from MONTH to this one.")
@click.option("--region", "region_code", default=None, metavar="CODE",
              help="Also print this region's figures (the province's code: the province).")
def build_command(month: str, last: str | None, region_code: str | None) -> None:
    """Compute MONTH (YYYY-MM) for every region and store it. Safe to run again; a locked month keeps its
    figures and a different result is kept as a pending revision."""
    from hotline.core.errors import ValidationFailed
    from hotline.stats.operations import MAX_REBUILD_MONTHS, build_month, month_range

    first = _month(month, "MONTH")
    try:
        months = month_range(first, _month(last, "--to")) if last else [first]
    except ValidationFailed:
        raise click.BadParameter("The last month is before the first.", param_hint="--to") from None
    if len(months) > MAX_REBUILD_MONTHS:
        raise click.BadParameter(f"At most {MAX_REBUILD_MONTHS} months at once.", param_hint="--to")
    region_code = _region(region_code)
    for m in months:
        outcome = build_month(m)
        db.session.commit()
        counts = Counter(outcome.values())
        click.echo(f"{m}: {len(outcome)} snapshots ("
                   + ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) + ")")
        if region_code:
            for line in _figures_lines(str(m), region_code):
                click.echo(line)


def _region_rows(summary: dict[str, Any]) -> list[list[str]]:
    rows = summary.get("by_region")
    if rows is None:
        from hotline.reference import queries as ref

        region = ref.region_map().get(summary["region_code"])
        cases, calls = summary["cases"], summary["calls"]
        rows = [{"label": region.stat_label if region else summary["region_code"], "calls_total": calls["total"],
                 "calls_phone": calls["phone_total"], "cases_total": cases["total"], "disputes": cases["disputes"],
                 "counterfeit": cases["counterfeit"], "closed": cases["closed"],
                 "transferred_judicial": cases["transferred_judicial"],
                 "amount_involved": cases["amount_involved"], "growth_cases_total": summary["growth"]["cases.total"]}]
    return [[r["label"], str(r["calls_total"]), str(r["calls_phone"]), str(r["cases_total"]), str(r["disputes"]),
             str(r["counterfeit"]), str(r["closed"]), str(r["transferred_judicial"]), r["amount_involved"],
             _growth(r["growth_cases_total"])] for r in rows]


@stats_cli.command("yearly")
@click.argument("year")
@click.option("--region", "region_code", default=None, metavar="CODE",
              help="The province (HOTLINE_PROVINCE, the default) or one of its 市州.")
def yearly_command(year: str, region_code: str) -> None:
    """Print the yearly summary of YEAR: the narrative and the table by region (built from the monthly
    snapshots; missing months are computed first)."""
    from hotline.stats.yearly import yearly_summary

    if not _YEAR.match(year) or not FIRST_YEAR <= int(year) <= local_today().year:
        raise click.BadParameter(f"{year!r} is not a year from {FIRST_YEAR} to this year.", param_hint="YEAR")
    region_code = _region(region_code or province_code())
    _refresh_if_embedded()
    summary = yearly_summary(int(year), region_code)
    db.session.commit()
    period = f"{summary['year']}" if summary["months"] == 12 else f"{summary['year']} (months 1–{summary['months']})"
    click.echo(f"Yearly summary {period}, region {region_code}")
    click.echo("")
    click.echo(summary["narrative"])
    click.echo("")
    click.echo(table(TABLE_HEADERS, _region_rows(summary)))
