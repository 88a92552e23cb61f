"""Monthly figures, computed by aggregate SQL in the database (one pass over calls, one over transfers, one over
cases).

Counting rules (product.md "Statistics", domain-reference.md §3):
- calls count by received time, with Beijing-time month boundaries (stored UTC);
- 办案总量 = disputes filed + counterfeit cases filed; disputes = infringement + other disputes;
- closed counts use the closing date; pending = filed and not closed at the end of the month;
- money sums are Decimal yuan, kept as decimal strings in the snapshot.
Every figure is additive over regions, so the province row is the sum of the region rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, or_, select

from hotline.calls.models import Call
from hotline.campaigns.models import case_campaigns
from hotline.cases.models import ALL_OUTCOMES, Case
from hotline.core.clock import local_tz
from hotline.core.permissions import province_code
from hotline.extensions import db
from hotline.reference import queries as ref

MONEY_FIELDS = ("amount_involved", "fines", "confiscated")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM`` → Month; raises ValueError with a readable message."""
        try:
            year, month = (int(p) for p in text.split("-"))
        except ValueError as exc:
            raise ValueError(f"Not a month: {text!r} (expected YYYY-MM).") from exc
        if not (2000 <= year <= 2100 and 1 <= month <= 12) or len(text) != 7:
            raise ValueError(f"Not a month: {text!r} (expected YYYY-MM).")
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) of the month in Beijing time, as UTC instants."""
        tz = local_tz()
        start = datetime(self.year, self.month, 1, tzinfo=tz)
        nxt = self.next()
        end = datetime(nxt.year, nxt.month, 1, tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def _count(condition) -> Any:
    return func.count().filter(condition)


def _sum(column, condition) -> Any:
    return func.coalesce(func.sum(column).filter(condition), 0)


def call_figures(month: Month) -> dict[str, dict[str, Any]]:
    """Per region: calls by request type, channel, IP type and decision (one scan of the month's calls)."""
    start, end = month.utc_bounds()
    request_types = [c.code for c in ref.list_request_types()]
    channels = [c.code for c in ref.list_channels()]
    ip_types = [c.code for c in ref.list_ip_types()]
    columns = [Call.region_code, func.count().label("total")]
    columns += [_count(Call.request_type == code).label(f"rt_{code}") for code in request_types]
    columns += [_count(Call.channel == code).label(f"ch_{code}") for code in channels]
    columns += [_count(Call.ip_type == code).label(f"ip_{code}") for code in ip_types]
    columns += [
        _count(Call.ip_type.is_(None)).label("ip_none"),
        _count(Call.transferred_at.is_not(None)).label("transferred"),
        _count(Call.decision == "case_opened").label("case_opened"),
        _count(Call.decision == "not_accepted").label("not_accepted"),
        _count(Call.decision == "answered").label("answered"),
        _count(Call.status == "closed").label("closed"),
        _count(Call.decided_on <= Call.accept_due_on).label("decided_in_time"),
        _count(and_(Call.decided_on.is_(None), Call.accept_due_on < month.next().first_day)).label("undecided_overdue"),
        _count(Call.request_type.in_(("report", "complaint"))).label("reports_and_complaints"),
        # Calls at a trade fair: linked to a fair record, or naming one (hotline.campaigns).
        _count(or_(Call.exhibition_id.is_not(None), Call.exhibition_name.is_not(None))).label("exhibition"),
    ]
    stmt = (select(*columns).where(Call.received_at >= start, Call.received_at < end).group_by(Call.region_code))
    out: dict[str, dict[str, Any]] = {}
    for row in db.session.execute(stmt).mappings():
        out[row["region_code"]] = {
            "total": row["total"],
            "by_request_type": {code: row[f"rt_{code}"] for code in request_types},
            "by_channel": {code: row[f"ch_{code}"] for code in channels},
            "by_ip_type": {**{code: row[f"ip_{code}"] for code in ip_types}, "unspecified": row["ip_none"]},
            "phone_total": row["ch_phone"] if "phone" in channels else 0,
            "reports_and_complaints": row["reports_and_complaints"],
            "transferred": row["transferred"],
            "case_opened": row["case_opened"],
            "not_accepted": row["not_accepted"],
            "answered": row["answered"],
            "closed": row["closed"],
            "decided_in_time": row["decided_in_time"],
            "undecided_overdue": row["undecided_overdue"],
            "exhibition": row["exhibition"],
        }
    return out


#: Transfer figures, kept with the calls (additive keys): signed / answered and how many in time, and the callers'
#: satisfaction at the call-back. A transfer counts for the receiving region (an agency's for the hotline's).
TRANSFER_KEYS = ("transfers_signed", "transfers_signed_on_time", "transfers_answered", "transfers_answered_on_time",
                 "callers_satisfied", "callers_basically_satisfied", "callers_dissatisfied")


def transfer_figures(month: Month) -> dict[str, dict[str, int]]:
    """Per region: transfers signed and answered in the month (by the Beijing date of the step), those within
    their limit, and the satisfaction of the callers reached at call-backs in the month (one scan)."""
    from hotline.transfers.models import Transfer

    first, last = month.first_day, month.last_day
    signed = Transfer.signed_on.between(first, last)
    answered = Transfer.answered_on.between(first, last)
    called_back = and_(Transfer.called_back_on.between(first, last), Transfer.reached.is_(True))
    region = func.coalesce(Transfer.to_region_code, Transfer.from_region_code)
    columns = [
        region.label("region_code"),
        _count(signed).label("transfers_signed"),
        _count(and_(signed, Transfer.signed_on <= Transfer.sign_due_on)).label("transfers_signed_on_time"),
        _count(answered).label("transfers_answered"),
        _count(and_(answered, Transfer.answered_on <= Transfer.answer_due_on)).label("transfers_answered_on_time"),
        _count(and_(called_back, Transfer.satisfaction == "satisfied")).label("callers_satisfied"),
        _count(and_(called_back, Transfer.satisfaction == "basically_satisfied")).label(
            "callers_basically_satisfied"),
        _count(and_(called_back, Transfer.satisfaction == "dissatisfied")).label("callers_dissatisfied"),
    ]
    stmt = select(*columns).where(or_(signed, answered, called_back)).group_by(region)
    return {row["region_code"]: {key: row[key] for key in TRANSFER_KEYS}
            for row in db.session.execute(stmt).mappings()}


def _case_conditions(month: Month):
    first, last = month.first_day, month.last_day
    filed = Case.filed_on.between(first, last)
    closed = Case.closed_on.between(first, last)
    pending = and_(Case.filed_on <= last, or_(Case.closed_on.is_(None), Case.closed_on > last))
    #: Every case any figure of the month counts.
    counted = or_(Case.received_on.between(first, last), Case.rejected_on.between(first, last), filed, closed,
                  pending)
    return filed, closed, pending, counted


def case_figures(month: Month) -> dict[str, dict[str, Any]]:
    """Per region: filed by type, closed by outcome, pending at month end, amounts (one scan)."""
    first, last = month.first_day, month.last_day
    filed, closed, pending, counted = _case_conditions(month)
    dispute = Case.case_type.in_(("infringement_dispute", "other_dispute"))
    columns = [
        Case.region_code,
        _count(Case.received_on.between(first, last)).label("received"),
        _count(filed).label("filed"),
        _count(and_(filed, dispute)).label("disputes"),
        _count(and_(filed, Case.case_type == "infringement_dispute")).label("infringement_disputes"),
        _count(and_(filed, Case.case_type == "other_dispute")).label("other_disputes"),
        _count(and_(filed, Case.case_type == "counterfeit")).label("counterfeit"),
        _count(Case.rejected_on.between(first, last)).label("not_accepted"),
        _count(closed).label("closed"),
        *[_count(and_(closed, Case.outcome == outcome)).label(f"out_{outcome}") for outcome in ALL_OUTCOMES],
        _count(pending).label("pending_end"),
        _count(or_(and_(pending, Case.close_due_on < last),
                   and_(closed, Case.close_due_on.is_not(None), Case.closed_on > Case.close_due_on))).label("overdue"),
        _count(and_(closed, Case.transferred_judicial.is_(True))).label("transferred_judicial"),
        _count(and_(closed, Case.outcome == "mediated")).label("mediated"),
        _count(and_(closed, Case.judicial_confirmation.is_(True))).label("judicial_confirmation"),
        _count(and_(filed, Case.is_exhibition.is_(True))).label("exhibition"),
        # Filed cases counted in a campaign (专项行动, hotline.campaigns).
        _count(and_(filed, exists().where(case_campaigns.c.case_id == Case.id))).label("campaign"),
        _count(and_(filed, Case.is_ecommerce.is_(True))).label("ecommerce"),
        _count(and_(filed, Case.is_major.is_(True))).label("major"),
        _count(and_(filed, Case.foreign_related.is_(True))).label("foreign_related"),
        _sum(Case.amount_involved, filed).label("amount_involved"),
        _sum(Case.fine_amount, closed).label("fines"),
        _sum(Case.confiscated_amount, closed).label("confiscated"),
    ]
    stmt = select(*columns).where(counted).group_by(Case.region_code)
    out: dict[str, dict[str, Any]] = {}
    for row in db.session.execute(stmt).mappings():
        figures = {key: row[key] for key in (
            "received", "filed", "disputes", "infringement_disputes", "other_disputes", "counterfeit", "not_accepted",
            "closed", "pending_end", "overdue", "transferred_judicial", "mediated", "judicial_confirmation",
            "exhibition", "ecommerce", "major", "foreign_related", "campaign")}
        figures["total"] = figures["filed"]
        figures["closed_by_outcome"] = {o: row[f"out_{o}"] for o in ALL_OUTCOMES}
        for key in MONEY_FIELDS:
            figures[key] = str(Decimal(row[key]).quantize(Decimal("0.01")))
        out[row["region_code"]] = figures
    return out


def _zero_like(template: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in template.items():
        if isinstance(value, dict):
            out[key] = _zero_like(value)
        elif isinstance(value, str):
            out[key] = "0.00"
        else:
            out[key] = 0
    return out


def copy_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """A copy of nested figures (dicts of numbers and decimal strings), cheaper than ``copy.deepcopy``."""
    return {key: copy_figures(value) if isinstance(value, dict) else value for key, value in figures.items()}


def _add(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, dict):
            sub = into.get(key)
            if sub is None:
                sub = into[key] = _zero_like(value)
            _add(sub, value)
        elif isinstance(value, str):
            into[key] = str(Decimal(into.get(key, "0")) + Decimal(value))
        else:
            into[key] = into.get(key, 0) + value


def empty_figures() -> dict[str, Any]:
    """The shape of a month with no activity (every key present, all zero)."""
    calls = {"total": 0, "by_request_type": {c.code: 0 for c in ref.list_request_types()},
             "by_channel": {c.code: 0 for c in ref.list_channels()},
             "by_ip_type": {**{c.code: 0 for c in ref.list_ip_types()}, "unspecified": 0},
             "phone_total": 0, "reports_and_complaints": 0, "transferred": 0, "case_opened": 0, "not_accepted": 0,
             "answered": 0, "closed": 0, "decided_in_time": 0, "undecided_overdue": 0,
             **dict.fromkeys(TRANSFER_KEYS, 0), "exhibition": 0}
    cases = dict.fromkeys((
        "received", "filed", "disputes", "infringement_disputes", "other_disputes", "counterfeit", "not_accepted",
        "closed", "pending_end", "overdue", "transferred_judicial", "mediated", "judicial_confirmation",
        "exhibition", "ecommerce", "major", "foreign_related", "total",
        # major-case supervision (督办): supervisions designated / ended in the month (hotline.supervision)
        "supervised_opened", "supervised_closed",
        # cases counted in a campaign (hotline.campaigns)
        "campaign"), 0)
    cases["closed_by_outcome"] = dict.fromkeys(ALL_OUTCOMES, 0)
    cases.update(dict.fromkeys(MONEY_FIELDS, "0.00"))
    return {"calls": calls, "cases": cases}


def own_figures(month: Month) -> dict[str, dict[str, Any]]:
    """The figures of the records logged against each region itself (no roll-up): one GROUP BY region pass over
    calls, one over transfers, one over cases, one over supervisions. Only regions with records are keys."""
    calls, cases, transfers = call_figures(month), case_figures(month), transfer_figures(month)
    # Major-case supervision (督办): supervised cases opened and closed in the month, by the case's region.
    from hotline.supervision.queries import supervision_figures

    for code, figures in supervision_figures(month.first_day, month.last_day).items():
        cases.setdefault(code, {}).update(figures)
    out: dict[str, dict[str, Any]] = {}
    for code in sorted({*calls, *cases, *transfers}):
        figures = empty_figures()
        if code in calls:
            figures["calls"].update(calls[code])
        if code in transfers:
            figures["calls"].update(transfers[code])
        if code in cases:
            figures["cases"].update(cases[code])
        out[code] = figures
    return out


def stat_tree(codes_with_figures=()) -> dict[str, list[str]]:
    """The statistics tree: the province's children are its 市州 in the official order, a 市州's children its
    counties in GB/T 2260 code order (only those in ``codes_with_figures``: a county without records has no
    row). Counties are leaves."""
    province = province_code()
    wanted = set(codes_with_figures)
    tree: dict[str, list[str]] = {province: []}
    for region in ref.list_regions():
        if region.code == province:
            continue
        tree[province].append(region.code)
        tree[region.code] = [c.code for c in ref.list_counties(region.code) if c.code in wanted]
    return tree


def compute_month(month: Month) -> dict[str, dict[str, Any]]:
    """Figures for every region and the province total (key ``province_code()``).

    Each level's figures include everything below it: a county's records count in the county, its 市州 and the
    province (a record logged against a 市州 itself stays the 市州's own). Keys: every 市州 (official order),
    each county with records, ``other`` (calls and cases logged against the province itself, so the yearly table
    can show 其他) and the province total, which sums every row. Computed once (GROUP BY region) and rolled up
    in Python along the tree.
    """
    own = own_figures(month)
    tree = stat_tree(own)
    province = province_code()
    result: dict[str, dict[str, Any]] = {}

    def roll(code: str) -> dict[str, Any]:
        figures = empty_figures()
        if code in own and code != province:
            _add(figures, own[code])
        for child in tree.get(code, ()):
            _add(figures, roll(child))
        if code != province:
            result[code] = figures
        return figures

    total = roll(province)
    result["other"] = own.get(province, empty_figures())
    _add(total, result["other"])
    result[province] = total
    return result


# The records behind the figures ----------------------------------------------------------------------------------

#: What the figures read of a call and of a case: a record whose fingerprint changes can change the figures.
CALL_FINGERPRINT = (Call.region_code, Call.received_at, Call.channel, Call.request_type, Call.ip_type,
                    Call.transferred_at.is_not(None), Call.decision, Call.status, Call.decided_on, Call.accept_due_on)
CASE_FINGERPRINT = (Case.region_code, Case.case_type, Case.received_on, Case.filed_on, Case.rejected_on,
                    Case.closed_on, Case.outcome, Case.close_due_on, Case.transferred_judicial,
                    Case.judicial_confirmation, Case.is_exhibition, Case.is_ecommerce, Case.is_major,
                    Case.foreign_related, Case.amount_involved, Case.fine_amount, Case.confiscated_amount)


def _fingerprint(values) -> str:
    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        return str(value)

    return hashlib.blake2b("|".join(text(v) for v in values).encode(), digest_size=6).hexdigest()


def record_sets(month: Month) -> tuple[dict[str, dict[str, dict[str, str]]], dict[str, dict[str, str]]]:
    """The calls and cases behind each region's figures of ``month`` (calls and cases recorded against the
    province itself under ``other``): ``{region: {"calls": {id: fingerprint}, "cases": {id: fingerprint}}}``,
    and the references to show them by: ``{"calls": {id: ref}, "cases": {id: case number or #id}}``.

    Kept with a locked month, they tell which records a later revision of its figures comes from."""
    start, end = month.utc_bounds()
    sets: dict[str, dict[str, dict[str, str]]] = {}
    refs: dict[str, dict[str, str]] = {"calls": {}, "cases": {}}

    def bucket(region_code: str, kind: str) -> dict[str, str]:
        key = "other" if region_code == province_code() else region_code
        return sets.setdefault(key, {"calls": {}, "cases": {}})[kind]

    calls = select(Call.id, Call.ref, *CALL_FINGERPRINT).where(Call.received_at >= start, Call.received_at < end)
    for row in db.session.execute(calls):
        bucket(row[2], "calls")[str(row[0])] = _fingerprint(row[2:])
        refs["calls"][str(row[0])] = row[1]
    cases = select(Case.id, Case.case_number, *CASE_FINGERPRINT).where(_case_conditions(month)[3])
    for row in db.session.execute(cases):
        bucket(row[2], "cases")[str(row[0])] = _fingerprint(row[2:])
        refs["cases"][str(row[0])] = row[1] or f"#{row[0]}"
    return sets, refs


def empty_records() -> dict[str, dict[str, str]]:
    return {"calls": {}, "cases": {}}


def diff_records(locked: dict[str, dict[str, str]], current: dict[str, dict[str, str]],
                 refs: dict[str, dict[str, str]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Which calls and cases differ between the records behind locked figures and the current ones: added (now
    counted, not then), removed (counted then, not now: moved to another region or month, or deleted) and
    changed (counted both times, with a different value of what the figures read)."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for kind in ("calls", "cases"):
        old, new = locked.get(kind, {}), current.get(kind, {})
        added = sorted(set(new) - set(old), key=int)
        removed = sorted(set(old) - set(new), key=int)
        changed = sorted((k for k in set(old) & set(new) if old[k] != new[k]), key=int)
        missing = [k for k in removed if k not in refs.get(kind, {})]
        if missing:
            model = Call if kind == "calls" else Case
            label = Call.ref if kind == "calls" else Case.case_number
            for record_id, text in db.session.execute(select(model.id, label).where(model.id.in_(
                    [int(k) for k in missing]))):
                refs[kind][str(record_id)] = text or f"#{record_id}"

        labels = refs.setdefault(kind, {})
        out[kind] = {what: [{"id": int(k), "ref": labels.get(k, f"#{k}")} for k in ids]
                     for what, ids in (("added", added), ("removed", removed), ("changed", changed))}
    return out


def merge_changes(parts: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """The changes of several regions together (the province's); None when any part is not known."""
    if any(p is None for p in parts):
        return None
    out: dict[str, Any] = {kind: {"added": [], "removed": [], "changed": []} for kind in ("calls", "cases")}
    for part in parts:
        for kind, lists in part.items():
            for what, items in lists.items():
                out[kind][what].extend(items)
    for lists in out.values():
        for what in lists:
            lists[what].sort(key=lambda item: item["id"])
    return out


def subtract(into: dict[str, Any], other: dict[str, Any]) -> None:
    """``into -= other``, figure by figure (the inverse of ``_add``)."""
    for key, value in other.items():
        if isinstance(value, dict):
            subtract(into.setdefault(key, _zero_like(value)), value)
        elif isinstance(value, str):
            into[key] = str(Decimal(into.get(key, "0")) - Decimal(value))
        else:
            into[key] = into.get(key, 0) - value
