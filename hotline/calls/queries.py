"""Read side of calls: scoped loading, filtered keyset lists, search, caller history, duplicate hints."""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import abort, current_app
from sqlalchemy import Select, and_, bindparam, func, or_, select, text
from sqlalchemy.orm import load_only, noload, selectinload

from hotline.calls.models import Call, Caller, CallStatus
from hotline.core.clock import local_date
from hotline.core.errors import ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.models import AuditEvent
from hotline.core.patents import patent_matches, patent_query
from hotline.core.permissions import (
    CALL_READ_ROLES,
    PII_ROLES,
    province_code,
    region_clause,
    region_subtree,
    sees_region,
)
from hotline.core.text import cjk_runs, clean_text
from hotline.core.types import utcnow
from hotline.core.windows import window_edges
from hotline.extensions import db
from hotline.reference.queries import default_area_code as _default_area_code

MAX_PAGE_SIZE = 200
#: Largest BIGINT: ids beyond it cannot exist (and would overflow the driver).
MAX_ID = 2**63 - 1


def scope(stmt: Select, user) -> Select:
    """Restrict a statement on Call to the user's region (province users see all)."""
    if user.region_code != province_code():
        stmt = stmt.where(region_clause(Call.region_code, user))
    return stmt


def get_call_or_404(call_id: int, user) -> Call:
    """Load a call the user may see; 404 when missing or outside their region (never say which)."""
    if not 0 < call_id <= MAX_ID:
        abort(404)
    call = db.session.get(Call, call_id)
    if call is None or not sees_region(user, call.region_code):
        abort(404)
    return call


def may_read_call(user, call: Call | None) -> bool:
    """Whether ``user`` may read ``call``: a role that reads calls, and the call's region (the province's users:
    every region). A case's linked call may be another region's (logged for the province, opened as a 市州's)."""
    return call is not None and user.role in CALL_READ_ROLES and sees_region(user, call.region_code)


def readable_call_ids(user, call_ids) -> set[int]:
    """The ids among ``call_ids`` of calls ``user`` may read (one query; none when the role reads no calls)."""
    ids = {i for i in call_ids if i is not None}
    if not ids or user.role not in CALL_READ_ROLES:
        return set()
    return set(db.session.scalars(scope(select(Call.id).where(Call.id.in_(ids)), user)))


def get_call_by_ref(ref: str, user) -> Call | None:
    return db.session.scalar(scope(select(Call).where(Call.ref == ref.strip().upper()), user))


@dataclass
class CallFilters:
    received_from: datetime | None = None
    received_to: datetime | None = None
    region_code: str | None = None
    request_type: str | None = None
    channel: str | None = None
    status: str | None = None
    ip_type: str | None = None
    q: str | None = None
    caller_id: int | None = None
    extra: dict = field(default_factory=dict)


def encode_cursor(call: Call) -> str:
    payload = json.dumps([call.received_at.isoformat(), call.id]).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        received_at, call_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        parsed = datetime.fromisoformat(received_at)
        if (parsed.tzinfo is None or type(call_id) is not int or not 0 <= call_id <= MAX_ID
                or not 2000 <= parsed.year <= 9998):
            raise ValueError
        return parsed, call_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(_("Invalid cursor."),
                               {"cursor": [_("Invalid cursor; start again from the first page.")]}) from exc


#: PostgreSQL's most-common-element frequencies of calls.search_vector (pg_stats, refreshed by ANALYZE); those of
#: cases.search_vector (the case list's search) in their own entry.
_TOKEN_STATS: dict = {"at": -1e9, "freqs": None}
_TOKEN_STATS_OF: dict[str, dict] = {"calls": _TOKEN_STATS, "cases": {"at": -1e9, "freqs": None}}
TOKEN_STATS_SECONDS = 600


def _token_frequencies(table: str = "calls") -> dict[str, float] | None:
    """{token: share of the table's rows holding it} for the ~1,000 most common tokens of ``table``'s
    search_vector (calls or cases), cached per process for 10 min; None before the table was ever analyzed."""
    stats = _TOKEN_STATS_OF[table]
    now = time.monotonic()
    if now - stats["at"] > TOKEN_STATS_SECONDS:
        row = db.session.execute(text(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE tablename = :table AND attname = 'search_vector' AND schemaname = current_schema()"),
            {"table": table}).first()
        stats["freqs"] = dict(zip(row[0], row[1], strict=False)) if row and row[0] else None
        stats["at"] = now
    return stats["freqs"]


def index_tokens(q: str, table: str = "calls") -> str:
    """The token(s) of ``q`` the GIN index of ``table`` (calls or cases) narrows with: ``_index_tokens``."""
    return _index_tokens(q, table)


def _index_tokens(q: str, table: str = "calls") -> str:
    """The token(s) of a query the GIN index narrows with; the substring test does the rest.

    The query's tokens are the bigrams of its Chinese runs (single characters only for one-character runs: a
    document holds every single character of its runs, so one covered by a bigram narrows nothing more). Of
    these only the rarest is used, by PostgreSQL's own statistics: PostgreSQL multiplies the frequencies of the
    tokens of a query, and for a phrase whose bigrams always come together (儿童安全座椅: five bigrams, 1 % of
    calls) it then expects one match instead of 10,000 and reads every match to sort them. With one token its
    estimate is right, so it combines the index with the time window or the other filters; and a rare phrase
    still has a rare bigram (禾建 of 长沙嘉禾建材商行), which narrows as well as all of them.
    """
    runs = cjk_runs(q)
    tokens = list(dict.fromkeys([r for r in runs if len(r) == 1] + [r[i:i + 2] for r in runs
                                                                     for i in range(len(r) - 1)]))
    freqs = _token_frequencies(table) if len(tokens) > 1 else None
    if freqs is None:
        return " ".join(tokens)
    return min(tokens, key=lambda t: (freqs.get(t, 0.0), -len(t)))


#: A reference number as typed: ``HL-2015-000123``, ``hl2015-123``, ``HL-2015`` (the prefix is the configured
#: one), or ``2015-000123`` without it.
_REF = r"^(?:{prefix}-?([0-9]{{4}})(?:-?([0-9]{{1,6}}))?|([0-9]{{4}})-([0-9]{{1,6}}))$"


def _ref_matches(q: str):
    """SQL: the calls whose reference number ``q`` is (zero-padded: ``HL-2015-123`` is ``HL-2015-000123``) or
    begins (``HL-2015-0001…``, ``HL-2015``), and whether ``q`` is a whole number (six digits: no other reference
    begins with it); None when ``q`` is no reference number."""
    prefix = current_app.config["CALL_REF_PREFIX"].upper()
    text_ = "".join(unicodedata.normalize("NFKC", q).upper().split())
    match = re.match(_REF.format(prefix=re.escape(prefix)), text_)
    if not match:
        return None
    year = match.group(1) or match.group(3)
    number = match.group(2) or match.group(4)
    if number is None:
        return Call.ref.like(f"{prefix}-{year}-%"), False
    exact = Call.ref == f"{prefix}-{year}-{int(number):06d}"
    if len(number) == 6:
        return exact, True
    return or_(exact, Call.ref.like(f"{prefix}-{year}-{number}%")), False


def _phone_matches(q: str):
    """SQL: the calls of the number ``q`` (any spelling: ``138 1234 5678``, ``+86 138…``, ``0731-8888 9999``,
    ``88889999`` with the default area code); None when ``q`` is no phone number."""
    from hotline.calls.phones import PhoneError, parse_phone

    try:
        phone = parse_phone(q, _default_area_code())
    except PhoneError:
        return None
    if phone is None:
        return None
    return Call.caller_id == select(Caller.id).where(Caller.phone_key == phone.key).scalar_subquery()


def _text_search(stmt: Select, q: str, user) -> Select:
    """Chinese-aware search over summary, accused party and (for roles that see it) caller name; and what people
    type to find a call: its reference number (``HL-2015-000123``), its patent number as printed (with or without
    ZL and the dot) and — for roles that see numbers only — the caller's phone number in any spelling.

    PostgreSQL narrows with the bigram tsvector (GIN index) when ``q`` holds Chinese, then an exact substring
    test keeps precision; SQLite does the substring test alone. A role that sees numbers masked cannot search
    by number: a search would tell which full number called (confirming a guessed number), what the masked
    display and the audited reveal keep from it.
    """
    q = clean_text(q)
    if not q:
        return stmt

    def like(text: str) -> str:
        return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    columns = [Call.summary, Call.accused_party]
    sees_numbers = user.role in PII_ROLES
    if sees_numbers:
        columns += [Call.caller_name, Call.caller_phone_raw]
    # Full-width and half-width spellings (ＡＣＭＥ / ACME) both match.
    patterns = list(dict.fromkeys([like(q), like(unicodedata.normalize("NFKC", q))]))
    patent = patent_query(q)
    ref = _ref_matches(q)
    phone = _phone_matches(q) if sees_numbers else None
    whole = []
    if ref and ref[1]:
        whole.append(ref[0])
    if patent and patent.normalized:
        whole.append(patent_matches(Call.patent_number, patent))
    if phone is not None:
        whole.append(phone)
    if whole:
        # A whole reference, patent or phone number: the calls that have it, found through their indexes (a
        # substring test of every call would read them all when the number is rare, as it mostly is).
        return stmt.where(or_(*whole))
    matches = [col.ilike(p, escape="\\") for col in columns for p in patterns]
    if ref:
        matches.append(ref[0])
    if patent:
        matches.append(patent_matches(Call.patent_number, patent))
    if db.engine.dialect.name == "postgresql":
        # Only Chinese tokens narrow through the index: a Latin fragment ("P3" of "P30") is no indexed word,
        # so it is left to the substring test (reference, patent and phone numbers hold no Chinese).
        tokens = _index_tokens(q)
        if tokens:
            stmt = stmt.where(Call.search_vector.op("@@")(func.plainto_tsquery("simple", tokens)))
    return stmt.where(or_(*matches))


#: How many of the newest calls (after the region, date and cursor) a search tries first.
SEARCH_RECENT_WINDOW = 20_000
#: Then windows these many times as long in time (about as many times the calls), before all calls.
SEARCH_WIDER_FACTORS = (5, 25)


#: The window's edges per list scope (region, dates, cursor): (when read, [received_at, ...]), newest window
#: first. Any edge gives the right page (a window holds every call from its edge on); edges ten minutes old only
#: hold a few more calls, and save an index walk of 20,000 of the scope's entries per search (for a 市州, whose
#: codes no index reads in time order together, ~90,000 entries of the time index: ~80 ms).
_EDGES: dict[tuple, tuple[float, list[datetime]]] = {}
EDGE_SECONDS = 600


def _window_edges(stmt: Select, key: tuple) -> list[datetime]:
    """The search windows' edges of ``stmt``'s scope (hotline.core.windows), kept EDGE_SECONDS per scope."""
    newest_first = stmt.with_only_columns(Call.received_at).order_by(Call.received_at.desc(), Call.id.desc())
    return window_edges(newest_first, key, _EDGES, recent=SEARCH_RECENT_WINDOW, factors=SEARCH_WIDER_FACTORS,
                        seconds=EDGE_SECONDS)


def _search_page(stmt: Select, q: str, user, limit: int, *, window: Select, edge_key: tuple,
                 for_list: bool = False) -> list[Call]:
    """The newest ``limit`` calls of ``stmt`` that match ``q``.

    A frequent word (a brand, a product, a district) matches thousands of calls; narrowing by the GIN index
    alone then means reading every match to sort them by time (0.2–0.5 s for 10,000 matches of 1M calls). So
    PostgreSQL first looks among the newest SEARCH_RECENT_WINDOW calls of ``window`` (the list's scope, region,
    dates and cursor, without the status or category filters): the time of the oldest of them comes from the
    (region_code,) received_at, id index, and the search is bounded by it, which the planner combines with the
    GIN index (BitmapAnd) — a few ms. When a whole page matches there, it is exactly the page a full search
    gives (every call from that time on was examined). Otherwise it tries windows SEARCH_WIDER_FACTORS times as
    long, and only then all calls — a rare word, or a rare status: few matches, cheap to sort. Without the wider
    window a word less frequent in a 市州 (a local product: one call in 600) went from 20,000 calls to all of them,
    and PostgreSQL intersected its matches with every entry of the 市州's in the region index (470,000 of 2M
    calls: 190 ms, growing with the table; in a wider window 10–30 ms). A common status (closed: two calls in
    three) is no help to narrow with: without the window, PostgreSQL combined the word's matches with 650,000
    entries of the status index and read 7,000 calls (70–150 ms); within it, 3 ms. The caller and operator are
    loaded for the page only (selectin), not joined to every candidate.
    """
    newest_first = (Call.received_at.desc(), Call.id.desc())
    postgres = db.engine.dialect.name == "postgresql"
    edges = _window_edges(window, edge_key) if postgres else []
    if for_list:
        stmt = _as_list_rows(stmt)
    elif postgres:
        stmt = stmt.options(selectinload(Call.caller), selectinload(Call.operator))
    found = _text_search(stmt, q, user).order_by(*newest_first).limit(limit)

    def run(statement: Select) -> list:
        return list(db.session.execute(statement)) if for_list else list(db.session.scalars(statement).unique())

    for edge in edges:
        rows = run(found.where(Call.received_at >= edge))
        if len(rows) == limit:
            return rows
    return run(found)


#: What the call list page shows: plain rows of these columns and the caller's number key (not Call entities:
#: their loading is most of a list page's cost; the description can be 20,000 characters).
_LIST_COLUMNS = (Call.id, Call.ref, Call.received_at, Call.request_type, Call.channel, Call.region_code,
                 Call.caller_name, Call.caller_phone_raw, Call.is_anonymous, Call.accused_party, Call.summary,
                 Call.status, Call.transfer_status, Caller.phone_key)


def _as_list_rows(stmt: Select) -> Select:
    return stmt.with_only_columns(*_LIST_COLUMNS).outerjoin(Caller, Call.caller_id == Caller.id)


def list_calls(user, filters: CallFilters, *, cursor: str | None = None, page_size: int = 50,
               for_list: bool = False, max_page_size: int = MAX_PAGE_SIZE) -> tuple[list[Call], str | None]:
    """Newest first, keyset-paginated on (received_at, id) so page N costs the same as page 1.

    ``for_list``: rows of what the list page shows (``_LIST_COLUMNS``) instead of Call entities.
    ``max_page_size``: larger batches for the XLSX export (which reads the whole list page by page)."""
    page_size = max(1, min(int(page_size), max_page_size))
    stmt = scope(select(Call), user)
    if filters.region_code:
        stmt = stmt.where(Call.region_code == filters.region_code)
    if filters.received_from:
        stmt = stmt.where(Call.received_at >= filters.received_from)
    if filters.received_to:
        stmt = stmt.where(Call.received_at < filters.received_to)
    if cursor:
        after_at, after_id = decode_cursor(cursor)
        # The leading `received_at <= after` is redundant logically but lets the index range start at the cursor
        # (an OR alone makes PostgreSQL walk the index from the newest row, filtering: slow on later pages).
        stmt = stmt.where(Call.received_at <= after_at,
                          or_(Call.received_at < after_at, and_(Call.received_at == after_at, Call.id < after_id)))
    window = stmt  # a search's window of newest calls: everything so far, not the status or category filters
    for name in ("request_type", "channel", "status", "ip_type", "caller_id"):
        value = getattr(filters, name)
        if value:
            stmt = stmt.where(getattr(Call, name) == value)
    if filters.q:
        # Everything the window's edge depends on: the scope, region, dates and cursor.
        edge_key = (user.region_code if user.region_code != province_code() else None, filters.region_code,
                    filters.received_from, filters.received_to, cursor)
        rows = _search_page(stmt, filters.q, user, page_size + 1, window=window, edge_key=edge_key,
                            for_list=for_list)
    else:
        stmt = stmt.order_by(Call.received_at.desc(), Call.id.desc()).limit(page_size + 1)
        rows = list(db.session.execute(_as_list_rows(stmt))) if for_list else list(db.session.scalars(stmt).unique())
    next_cursor = encode_cursor(rows[page_size - 1]) if len(rows) > page_size else None
    return rows[:page_size], next_cursor


def find_caller(phone_key: str) -> Caller | None:
    return db.session.scalar(select(Caller).where(Caller.phone_key == phone_key))


def caller_history(user, caller: Caller, *, exclude_id: int | None = None, limit: int = 20) -> list[Call]:
    """Earlier calls of this number, newest first, within the user's region."""
    stmt = scope(select(Call).where(Call.caller_id == caller.id), user)
    if exclude_id:
        stmt = stmt.where(Call.id != exclude_id)
    return list(db.session.scalars(stmt.order_by(Call.received_at.desc(), Call.id.desc()).limit(limit)).unique())


def count_caller_calls(user, caller: Caller) -> int:
    return db.session.scalar(scope(select(func.count()).select_from(Call).where(Call.caller_id == caller.id), user))


@dataclass
class DuplicateHint:
    #: The earlier call; with ``lean``, a row of the columns a reference list needs (id, ref, received_at).
    call: Call
    reasons: list[str]


#: Lean duplicate queries, built once per shape (which criteria, region scope, exclusion, limit) so their cache
#: key is computed once and SQLAlchemy's compiled cache serves every later intake.
_LEAN_DUPLICATES: dict[tuple, Select] = {}


def _lean_duplicates(by_caller: bool, by_accused: bool, by_patent: bool, scoped: bool, excluding: bool,
                     limit: int) -> Select:
    """Core SELECT of the columns the hints need: no entities, no eager loads."""
    key = (by_caller, by_accused, by_patent, scoped, excluding, limit)
    stmt = _LEAN_DUPLICATES.get(key)
    if stmt is None:
        calls = Call.__table__
        conditions = []
        if by_caller:
            conditions.append(calls.c.caller_id == bindparam("caller_id"))
        if by_accused:
            conditions.append(calls.c.accused_party_key == bindparam("accused_key"))
        if by_patent:
            conditions.append(calls.c.patent_number == bindparam("patent_number"))
        stmt = select(calls.c.id, calls.c.ref, calls.c.received_at, calls.c.caller_id, calls.c.accused_party_key,
                      calls.c.patent_number).where(calls.c.received_at >= bindparam("since"), or_(*conditions))
        if scoped:
            stmt = stmt.where(calls.c.region_code.in_(bindparam("region_codes", expanding=True)))
        if excluding:
            stmt = stmt.where(calls.c.id != bindparam("exclude_id"))
        stmt = stmt.order_by(calls.c.received_at.desc(), calls.c.id.desc()).limit(limit)
        _LEAN_DUPLICATES[key] = stmt
    return stmt


def find_duplicates(user, *, caller_id: int | None = None, accused_key: str | None = None,
                    patent_number: str | None = None, exclude_id: int | None = None,
                    now: datetime | None = None, limit: int = 10, lean: bool = False) -> list[DuplicateHint]:
    """Calls of the last 90 days with the same number, accused party or patent number (one query).

    ``lean`` reads only what a reference list needs (id, ref, time, the matched fields) as rows, not entities:
    the intake API.
    """
    if not (caller_id or accused_key or patent_number):
        return []
    since = duplicate_since(now)
    if lean:
        scoped = duplicate_scope(user) is not None
        stmt = _lean_duplicates(bool(caller_id), bool(accused_key), bool(patent_number), scoped, bool(exclude_id),
                                limit)
        session = db.session()
        if session.autoflush:
            session.flush()  # as the entity query does: pending calls count
        rows = session.execute(stmt, {"since": since, "caller_id": caller_id, "accused_key": accused_key,
                                      "patent_number": patent_number,
                                      "region_codes": list(region_subtree(user.region_code)),
                                      "exclude_id": exclude_id})
    else:
        conditions = []
        if caller_id:
            conditions.append(Call.caller_id == caller_id)
        if accused_key:
            conditions.append(Call.accused_party_key == accused_key)
        if patent_number:
            conditions.append(Call.patent_number == patent_number)
        stmt = scope(select(Call).where(Call.received_at >= since, or_(*conditions)), user)
        if exclude_id:
            stmt = stmt.where(Call.id != exclude_id)
        rows = db.session.scalars(stmt.order_by(Call.received_at.desc(), Call.id.desc()).limit(limit)).unique()
    return duplicate_hints(rows, caller_id=caller_id, accused_key=accused_key, patent_number=patent_number)


def duplicate_since(now: datetime | None = None) -> datetime:
    """The start of the duplicate window (``DUPLICATE_WINDOW_DAYS`` before now)."""
    return (now or utcnow()) - timedelta(days=current_app.config["DUPLICATE_WINDOW_DAYS"])


def duplicate_scope(user) -> list[str] | None:
    """The regions a user's duplicate hints are limited to — their region and the regions below it (None: the
    whole province), as ``find_duplicates``."""
    return list(region_subtree(user.region_code)) if user.region_code != province_code() else None


def duplicate_hints(rows, *, caller_id: int | None, accused_key: str | None,
                    patent_number: str | None) -> list[DuplicateHint]:
    """Earlier calls (entities or rows with caller_id, accused_party_key, patent_number) as hints with reasons."""
    hints = []
    for call in rows:
        reasons = []
        if caller_id and call.caller_id == caller_id:
            reasons.append("same_number")
        if accused_key and call.accused_party_key == accused_key:
            reasons.append("same_accused_party")
        if patent_number and call.patent_number == patent_number:
            reasons.append("same_patent_number")
        hints.append(DuplicateHint(call, reasons))
    return hints


def call_timeline(call: Call) -> list[AuditEvent]:
    """Every audited change of the call, oldest first."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "call", AuditEvent.object_id == call.id)
        .order_by(AuditEvent.id)
    ))


# ---------------------------------------------------------------------------------------------------------------
# due lists (rows of hotline.inbox.due)

#: The most rows the calls give a due list (the most urgent: ordered by due date).
DUE_LIMIT = 500


def due_items(user, today: date, cal, until: date | None = None, *, mine: bool = False) -> list:
    """Open calls of ``user``'s regions whose acceptance deadline (受理: decide within 5 working days) is past
    or due by ``until`` (all open calls when None), as due-list rows; for the roles that decide calls (operators,
    supervisors). ``mine``: calls the user logged. An open call without a due date (its calendar year is not
    loaded) stays listed with the missing year. Reads ``(status, accept_due_on)`` (indexed)."""
    from hotline.core.permissions import CALL_WRITE_ROLES, region_clause
    from hotline.deadlines.calendar import CalendarMissing
    from hotline.inbox.items import InboxItem, working_days_left

    if user.role not in CALL_WRITE_ROLES:
        return []
    open_calls = and_(Call.status == CallStatus.open.value, region_clause(Call.region_code, user))
    if mine:
        open_calls = and_(open_calls, Call.operator_id == user.id)
    loading = (load_only(Call.id, Call.ref, Call.summary, Call.region_code, Call.received_at, Call.accept_due_on),
               noload(Call.caller), noload(Call.operator))
    dated = select(Call).options(*loading).where(open_calls, Call.accept_due_on.is_not(None))
    if until is not None:
        dated = dated.where(Call.accept_due_on <= until)
    undated = select(Call).options(*loading).where(open_calls, Call.accept_due_on.is_(None))
    label = _("Acceptance")
    items = []
    for stmt in (dated.order_by(Call.accept_due_on, Call.id), undated.order_by(Call.id)):
        for call in db.session.scalars(stmt.limit(DUE_LIMIT)):
            region_cal = cal.for_region(call.region_code)
            missing = None
            if call.accept_due_on is None:
                received = local_date(call.received_at)
                for year in (received.year, received.year + 1):
                    try:
                        region_cal.is_working(date(year, 1, 1))
                    except CalendarMissing as exc:
                        missing = exc.year
                        break
                if missing is None:
                    continue
            left, overdue, year = working_days_left(region_cal, today, call.accept_due_on)
            items.append(InboxItem(kind="deadline", title=f"{call.ref} {call.summary[:30]}", deadline=label,
                                   url=f"/calls/{call.id}", due_on=call.accept_due_on, working_days_left=left,
                                   overdue=overdue, missing_year=missing or year, call_id=call.id))
    return items


# The inbox (我的待办) ------------------------------------------------------------------------------------------

#: The operator's undecided calls due within this many days (today included) are in their inbox; with the 5-working-
#: day limit that is every call they logged and have not yet answered, transferred, opened a case from or refused.
INBOX_HORIZON_DAYS = 7
ACCEPT_DEADLINE_LABEL = "受理"


def inbox_items(user, today, cal) -> list:
    """The calls waiting for ``user`` (an operator): those they logged that still wait for a decision (受理或转办,
    5 working days), overdue or due within ``INBOX_HORIZON_DAYS``, and those whose deadline cannot be computed
    (the calendar year of the 5th working day is not loaded). Served by the partial index on undecided calls."""
    from hotline.core.clock import local_date
    from hotline.core.permissions import Role
    from hotline.deadlines.calendar import CalendarMissing
    from hotline.deadlines.engine import call_accept_deadline
    from hotline.inbox.items import InboxItem, working_days_left

    if user.role != Role.operator:
        return []
    horizon = today + timedelta(days=INBOX_HORIZON_DAYS - 1)
    rows = db.session.execute(
        select(Call.id, Call.ref, Call.summary, Call.accept_due_on)
        .where(Call.operator_id == user.id, Call.decided_at.is_(None),
               or_(Call.accept_due_on <= horizon, Call.accept_due_on.is_(None)))).all()
    items, counted = [], {}
    for row in rows:
        if row.accept_due_on is None:
            received_at = db.session.scalar(select(Call.received_at).where(Call.id == row.id))
            try:
                call_accept_deadline(local_date(received_at), cal)
                missing = None  # loaded since: the nightly pass fills the date in
            except CalendarMissing as exc:
                missing = exc.year
            left, overdue = None, False
        else:
            if row.accept_due_on not in counted:  # many calls share a due date
                counted[row.accept_due_on] = working_days_left(cal, today, row.accept_due_on)
            left, overdue, missing = counted[row.accept_due_on]
        items.append(InboxItem(kind="deadline", title=f"{row.ref} {row.summary[:40]}",
                               deadline=ACCEPT_DEADLINE_LABEL, url=f"/calls/{row.id}", due_on=row.accept_due_on,
                               working_days_left=left, overdue=overdue, missing_year=missing, call_id=row.id))
    return items
