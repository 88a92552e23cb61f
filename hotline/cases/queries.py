"""Read side of cases: scoped loading, filtered keyset lists, the due / overdue / major views, deadlines."""

from __future__ import annotations

import base64
import binascii
import json
import time
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Select, and_, func, literal_column, or_, select
from sqlalchemy.orm import lazyload, load_only, noload

from hotline.cases.models import (
    DUE_EXCEPT_PUBLICATION_SQL,
    UNPUBLISHED_PENALTY,
    Attachment,
    Case,
    CaseEvent,
    CaseStatus,
)
from hotline.core.clock import local_today
from hotline.core.errors import DomainError, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.models import AuditEvent
from hotline.core.patents import patent_matches, patent_query
from hotline.core.permissions import province_code, region_ancestors, region_clause, sees_region
from hotline.core.text import cjk_tokens, clean_text
from hotline.core.windows import window_edges
from hotline.deadlines.engine import Deadline, case_deadlines
from hotline.extensions import db

MAX_PAGE_SIZE = 200
MAX_ID = 2**63 - 1
#: Statuses whose deadlines still run.
ACTIVE_STATUSES = (CaseStatus.received.value, CaseStatus.filed.value, CaseStatus.suspended.value,
                   CaseStatus.closed.value)


def scope(stmt: Select, user) -> Select:
    """The cases the user's regions own (their lead region): the work lists (due lists, inbox, calendar) read
    these. What a user may *read* is wider (joint cases): ``case_visibility_clause``."""
    if user.region_code != province_code():
        stmt = stmt.where(region_clause(Case.region_code, user))
    return stmt


# Who sees a case: the one place (the case list, search, detail, API and evidence files ask here). ------------

def _joined_case_ids(user):
    """SELECT of the ids of the cases a region the user sees is joined to (联合办案)."""
    from hotline.assists.models import CaseJointRegion
    from hotline.core.permissions import region_clause

    return select(CaseJointRegion.case_id).where(region_clause(CaseJointRegion.region_code, user))


def case_visibility_clause(user):
    """SQL condition: the cases ``user`` may read — those of the regions they see (``region_clause`` on the lead
    region) and those a region they see is joined to. The province sees all. A region joined to no case keeps
    the plain region condition (the list's indexes on region_code serve it as before)."""
    from hotline.core.permissions import region_clause

    own = region_clause(Case.region_code, user)
    if user.region_code == province_code():
        return own
    joined = _joined_case_ids(user)
    if db.session.scalar(joined.limit(1)) is None:
        return own
    return or_(own, Case.id.in_(joined))


def joint_region_codes(case: Case) -> list[str]:
    """The regions joined to ``case`` (联合办案), in code order."""
    from hotline.assists.models import CaseJointRegion

    return list(db.session.scalars(select(CaseJointRegion.region_code).where(CaseJointRegion.case_id == case.id)
                                   .order_by(CaseJointRegion.region_code)))


def leads_case(user, case: Case) -> bool:
    """The user's regions include the case's lead region (who takes its steps: file, close, decide, edit)."""

    return sees_region(user, case.region_code)


def sees_case(user, case: Case) -> bool:
    """May ``user`` read ``case``: its lead region (or above), or a region joined to it."""

    return leads_case(user, case) or any(sees_region(user, code) for code in joint_region_codes(case))


def require_lead(user, case: Case) -> None:
    """403 for a joined region's user: the lead region takes the case's own steps."""
    from hotline.core.errors import NotAllowed

    if not leads_case(user, case):
        raise NotAllowed(_("This case is run jointly: only its lead region may do this; joined regions read it "
                           "and add events."))


def get_case_or_404(case_id: int, user) -> Case:
    """A case the user may see (``sees_case``); 404 when missing or outside their regions."""
    if not 0 < case_id <= MAX_ID:
        abort(404)
    case = db.session.get(Case, case_id)
    if case is None or not sees_case(user, case):
        abort(404)
    return case


def get_attachment_or_404(case: Case, attachment_id: int) -> Attachment:
    if not 0 < attachment_id <= MAX_ID:
        abort(404)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        abort(404)
    return attachment


@dataclass
class CaseFilters:
    status: str | None = None
    case_type: str | None = None
    region_code: str | None = None
    #: Only cases with a pending deadline already past (``next_due_on`` < today).
    overdue: bool = False
    #: Only cases with a pending deadline on or before this date.
    due_by: date | None = None
    filed_from: date | None = None
    filed_to: date | None = None
    is_major: bool | None = None
    officer_id: int | None = None
    q: str | None = None


def _encode(case: Case) -> str:
    return base64.urlsafe_b64encode(json.dumps([case.received_on.isoformat(), case.id]).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[date, int]:
    try:
        received_on, case_id = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        parsed = date.fromisoformat(received_on)
        if type(case_id) is not int or not 0 <= case_id <= MAX_ID:
            raise ValueError
        return parsed, case_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(_("Invalid cursor."),
                               {"cursor": [_("Invalid cursor; start again from the first page.")]}) from exc


#: Canonical patent numbers (201510123456.X, stored by parse_patent_number) are made of these only.
PATENT_NUMBER_CHARS = frozenset("0123456789.xX")
#: The characters that occur in case numbers (PostgreSQL): read from the table once per process.
_CASE_NUMBER_CHARS: dict = {"at": None, "chars": frozenset()}


def _case_number_chars() -> frozenset[str]:
    """Every character the case numbers can hold, both cases (the search is case-insensitive): what
    make_case_number writes — the configured format's characters, the 市州 short names and the digits — plus
    those of the numbers already in the table, which older formats may have written. The table is read once per
    process (their distinct shapes with the digits taken out, ~90 ms at 100k cases): every number filed later
    comes from this process's format, whose characters always count."""
    if _CASE_NUMBER_CHARS["at"] is None:
        from hotline.reference import queries as ref

        shapes = db.session.scalars(select(func.translate(Case.case_number, "0123456789", ""))
                                    .where(Case.case_number.is_not(None)).distinct())
        chars = set("0123456789") | set(current_app.config.get("CASE_NUMBER_FORMAT") or "")
        for text_ in (*shapes, *(r.short_name or "" for r in ref.region_map().values()),
                      *(r.case_number_format or "" for r in ref.region_map().values())):
            chars.update(text_)
        _CASE_NUMBER_CHARS["chars"] = frozenset(v for c in chars for v in (c, c.lower(), c.upper()))
        _CASE_NUMBER_CHARS["at"] = time.monotonic()
    return _CASE_NUMBER_CHARS["chars"]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _text_search(stmt: Select, q: str) -> Select:
    """Names and summary, case number and patent number.

    A substring test decides (SQLite does it alone); on PostgreSQL the bigram tsvector (GIN) narrows first when
    ``q`` holds Chinese: only Chinese tokens, for a Latin or number fragment (``ZL2014``, ``P3``) is no word of
    the index — it is left to the substring test, as in the call search. A patent number matches as printed, with
    or without ZL / CN and the dot (``ZL201710601862.3``, ``2017106018623``): the whole number by equality, a part
    by its digits.
    """
    pattern = _like(q)
    # Full-width and half-width spellings (ＡＣＭＥ / ACME) both match.
    patterns = list(dict.fromkeys([pattern, _like(unicodedata.normalize("NFKC", q))]))
    columns = [Case.summary, Case.respondent_name, Case.requester_name, Case.case_number, Case.patent_number]
    matches = [c.ilike(p, escape="\\") for c in columns for p in patterns]
    patent = patent_query(q)
    if patent is not None and patent.normalized:
        # A whole patent number: the cases of that patent, through the index on patent_number.
        return stmt.where(patent_matches(Case.patent_number, patent))
    if patent is not None:
        matches.append(patent_matches(Case.patent_number, patent))
    if db.engine.dialect.name == "postgresql" and cjk_tokens(q):
        # The case and patent numbers are not in the search document: they are alternatives — but an OR
        # with a substring test cannot use an index, so each is added only when ``q`` could be part of one
        # (every character of q occurs in some case number / patent numbers are digits, '.' and X).
        # Otherwise the GIN index alone narrows: a name search no longer reads all 100k cases (~300 ms).
        # The rarest token only (PostgreSQL's statistics, as the call search): with all the bigrams of a phrase
        # PostgreSQL multiplies their frequencies, expects one match of 6,700 and reads them all.
        from hotline.calls.queries import index_tokens

        alternatives = [Case.search_vector.op("@@")(func.plainto_tsquery("simple", index_tokens(q, "cases")))]
        if set(q) <= _case_number_chars():
            alternatives.append(Case.case_number.ilike(pattern, escape="\\"))
        if set(q) <= PATENT_NUMBER_CHARS:
            alternatives.append(Case.patent_number.ilike(pattern, escape="\\"))
        stmt = stmt.where(or_(*alternatives))
    return stmt.where(or_(*matches))


def filtered(user, filters: CaseFilters) -> Select:
    stmt = select(Case).where(case_visibility_clause(user))
    for name in ("status", "case_type", "region_code"):
        value = getattr(filters, name)
        if value:
            stmt = stmt.where(getattr(Case, name) == value)
    today = local_today()
    if filters.overdue:
        # Old penalty decisions never recorded as published are the "to complete" list, not overdue work.
        stmt = stmt.where(overdue_clause(today))
    if filters.due_by:
        stmt = stmt.where(Case.next_due_on <= filters.due_by)
    if filters.filed_from:
        stmt = stmt.where(Case.filed_on >= filters.filed_from)
    if filters.filed_to:
        # A case is filed on or after its receipt (ck_cases_filed_after_received), so the receipt-ordered index
        # range can start at filed_to instead of walking every newer case (a 2014 month: 73 → 2 ms at 100k).
        stmt = stmt.where(Case.filed_on <= filters.filed_to, Case.received_on <= filters.filed_to)
    if filters.is_major is not None:
        stmt = stmt.where(Case.is_major.is_(filters.is_major))
    if filters.officer_id:
        from hotline.cases.models import case_officers

        mine = select(case_officers.c.case_id).where(case_officers.c.user_id == filters.officer_id)
        stmt = stmt.where(Case.id.in_(mine))
    q = clean_text(filters.q)
    if q:
        stmt = _text_search(stmt, q)
    return stmt


#: What a case table shows (views.case_rows; the officers' names it reads itself): loaded without the rest.
_LIST_LOADING = (
    load_only(Case.id, Case.case_number, Case.received_on, Case.is_major, Case.is_exhibition, Case.is_ecommerce,
              Case.foreign_related, Case.case_type, Case.respondent_name, Case.summary, Case.region_code,
              Case.status, Case.next_due_on),
    noload(Case.officers), lazyload(Case.suspensions), lazyload(Case.extensions),
)


def list_cases(user, filters: CaseFilters, *, cursor: str | None = None, page_size: int = 50,
               for_list: bool = False) -> tuple[list[Case], str | None]:
    """Newest receipt first, keyset-paginated on (received_on, id). ``for_list``: only what a case table shows is
    loaded (other attributes load on access; the officers are not loaded)."""
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    stmt = filtered(user, filters)
    if cursor:
        after_on, after_id = _decode(cursor)
        # `received_on <= after` lets the index range start at the cursor (see calls.queries.list_calls).
        stmt = stmt.where(Case.received_on <= after_on,
                          or_(Case.received_on < after_on, and_(Case.received_on == after_on, Case.id < after_id)))
    # The list shows neither suspensions nor extensions: not loaded with every page (still there if asked for).
    stmt = stmt.options(*_LIST_LOADING) if for_list else stmt.options(lazyload(Case.suspensions),
                                                                        lazyload(Case.extensions))
    stmt = stmt.order_by(Case.received_on.desc(), Case.id.desc()).limit(page_size + 1)
    rows = None
    if clean_text(filters.q) and db.engine.dialect.name == "postgresql":
        rows = _search_in_windows(stmt, user, filters, cursor, page_size + 1)
    if rows is None:
        rows = list(db.session.scalars(stmt))
    return rows[:page_size], (_encode(rows[page_size - 1]) if len(rows) > page_size else None)


#: How many of the newest cases of the list's scope (regions, cursor) a text search tries first; then a window
#: SEARCH_WIDER_FACTORS times as long in time, then all cases (as the call search: calls.queries._search_page).
SEARCH_RECENT_WINDOW = 2_000
SEARCH_WIDER_FACTORS = (5, 25)
#: The windows' edges per scope: (when read, [received_on, ...]); any edge gives the right page, one ten minutes
#: old holds a few more cases.
_EDGES: dict[tuple, tuple[float, list[date]]] = {}
EDGE_SECONDS = 600


def _search_in_windows(stmt: Select, user, filters: CaseFilters, cursor: str | None, limit: int) -> list | None:
    """The page of a text search from the newest cases first, or None when no window fills it (then the caller
    searches all cases). A word of many cases (a brand, a product) matched thousands of them; PostgreSQL read
    every match to sort them by receipt (长沙, 华泰: 1,838 cases read for 51, 26 ms at 200,000 cases, growing with
    the table); bounded by the window's edge it reads the window's matches only. A page found in a window is
    exactly the page of a search over all cases: every case received from the edge on was examined."""
    window = select(Case).where(case_visibility_clause(user))
    if filters.region_code:
        window = window.where(Case.region_code == filters.region_code)
    if cursor:
        after_on, _after_id = _decode(cursor)
        window = window.where(Case.received_on <= after_on)
    key = (user.region_code, filters.region_code, cursor and _decode(cursor)[0])  # what the window depends on
    newest_first = window.with_only_columns(Case.received_on).order_by(Case.received_on.desc(), Case.id.desc())
    edges = window_edges(newest_first, key, _EDGES, recent=SEARCH_RECENT_WINDOW, factors=SEARCH_WIDER_FACTORS,
                         seconds=EDGE_SECONDS)
    for edge in edges:
        rows = list(db.session.scalars(stmt.where(Case.received_on >= edge)))
        if len(rows) == limit:
            return rows
    return None


def deadlines_of(case: Case) -> tuple[list[Deadline], str | None]:
    """The case's deadlines and the first error among them (e.g. a calendar year that is not loaded)."""
    try:
        deadlines = case_deadlines(case, today=local_today())
    except DomainError as exc:
        return [], exc.message
    return deadlines, next((d.error for d in deadlines if d.error), None)


def case_events(case: Case) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                   .order_by(CaseEvent.occurred_on, CaseEvent.id)))


def case_audit(case: Case) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "case",
                                                            AuditEvent.object_id == case.id).order_by(AuditEvent.id)))


def officer_choices(case_region: str) -> list:
    """Active officers and supervisors who may be assigned to a case of ``case_region``."""
    from hotline.accounts.models import User

    return list(db.session.scalars(
        select(User).where(User.is_active.is_(True), User.role.in_(("officer", "supervisor")),
                           User.region_code.in_((case_region, *region_ancestors(case_region))))
        .order_by(User.region_code, User.id)))


def supervisor_choices(case_region: str) -> list:
    from hotline.accounts.models import User

    return list(db.session.scalars(
        select(User).where(User.is_active.is_(True), User.role == "supervisor",
                           User.region_code.in_((case_region, *region_ancestors(case_region))))
        .order_by(User.id)))


# ---------------------------------------------------------------------------------------------------------------
# due lists (rows of hotline.inbox.due)

#: The short name of each case deadline, as the due lists and inboxes show it.
DEADLINE_LABELS = {"file": _l("Filing"), "close": _l("Closing"), "publish": _l("Publication")}
#: The most rows one provider gives a due list (the most urgent: the list is ordered by due date).
DUE_LIMIT = 500


def _pending_kind(case: Case) -> str | None:
    """The deadline that runs now, from the status: filing, closing (not while suspended), publication."""
    if case.status == CaseStatus.received.value:
        return "file"
    if case.status == CaseStatus.filed.value:
        return "close"
    if case.status == CaseStatus.closed.value and case.outcome == "penalized" and case.published_on is None:
        return "publish"
    return None


def _unpublished_penalty():
    return and_(Case.status == CaseStatus.closed.value, Case.outcome == "penalized", Case.published_on.is_(None))


def publication_backlog_clause(today: date):
    """Closed penalty decisions whose publication was never recorded long ago: they belong on the "to complete"
    (待补录) list, not among the overdue rows. Long ago: the case was closed before ``HOTLINE_GO_LIVE_ON`` (the
    day the office started recording in this system), or its publication deadline passed more than
    ``PUBLICATION_BACKLOG_DAYS`` calendar days ago."""
    cutoff = today - timedelta(days=int(current_app.config["PUBLICATION_BACKLOG_DAYS"]))
    old = [Case.publish_due_on < cutoff]
    go_live = current_app.config.get("HOTLINE_GO_LIVE_ON")
    if go_live:
        old.append(Case.closed_on < go_live)
    return and_(_unpublished_penalty(), or_(*old))


def overdue_clause(today: date):
    """SQL: the cases with a pending deadline past (``next_due_on`` < today) that are not on the "to complete" list
    (``publication_backlog_clause``) — exactly those rows, written so that indexes find them:

    - a past due date other than an unpublished penalty's (``DUE_EXCEPT_PUBLICATION_SQL``, indexed by
      ``ix_cases_due_except_publication``): filing and closing deadlines;
    - or an unpublished penalty whose publication is due and not long past: ``publish_due_on`` from the backlog's
      cutoff on (and closed from the go-live day), read through ``ix_cases_unpublished_penalties``.

    An unpublished penalty is never null (a closed case has an outcome: ``ck_cases_closed_iff``), so the two
    branches split the rows ``next_due_on < today AND NOT backlog`` picks, and nothing else. Written that way
    PostgreSQL read every case with a past due date — mostly old unpublished penalties, which it then removed —
    and, for lack of an estimate of how many would remain, walked the whole table by receipt date to fill a page
    (0 rows, ~300 ms at 200,000 cases); now it reads the few matching entries of the two indexes."""
    return due_clause(today, before=today)


def due_clause(today: date, *, before: date):
    """SQL: the cases with a pending deadline due before ``before`` that are not on the "to complete" list
    (``publication_backlog_clause`` as of ``today``), in the two index-friendly branches ``overdue_clause``
    describes. The overdue filter asks ``before=today``, the inbox the day after its horizon."""
    cutoff = today - timedelta(days=int(current_app.config["PUBLICATION_BACKLOG_DAYS"]))
    # Literal constants: the index's expression and ix_cases_unpublished_penalties' condition, to the letter.
    unpublished = [literal_column(UNPUBLISHED_PENALTY)]
    recent = [Case.next_due_on < before, Case.publish_due_on >= cutoff]
    go_live = current_app.config.get("HOTLINE_GO_LIVE_ON")
    if go_live:
        recent.append(Case.closed_on >= go_live)
    return or_(literal_column(f"({DUE_EXCEPT_PUBLICATION_SQL})", Date) < before, and_(*unpublished, *recent))


def _mine(stmt: Select, user) -> Select:
    """The user's own cases, and their office's cases waiting to be filed (registered to the user's own region
    code, as in the inbox): officers are assigned at filing, so until then a filing deadline concerns every
    officer of the office — not a province user, whose regions include every 市州's."""
    from hotline.cases.models import case_officers

    return stmt.where(or_(Case.id.in_(select(case_officers.c.case_id).where(case_officers.c.user_id == user.id)),
                          and_(Case.status == CaseStatus.received.value, Case.region_code == user.region_code)))


_DUE_LOADING = (load_only(Case.id, Case.case_number, Case.region_code, Case.status, Case.outcome, Case.published_on,
                          Case.summary, Case.respondent_name, Case.received_on, Case.filed_on, Case.closed_on,
                          Case.file_due_on, Case.close_due_on, Case.publish_due_on, Case.next_due_on),
                noload(Case.officers), lazyload(Case.suspensions), lazyload(Case.extensions))


def _case_item(case: Case, kind: str, due_on: date | None, today: date, cal, missing_year: int | None = None):
    from hotline.inbox.items import InboxItem, working_days_left

    left, overdue, missing = working_days_left(cal.for_region(case.region_code), today, due_on)
    title = f"{case.display_number} {case.respondent_name or case.summary[:30]}"
    return InboxItem(kind="deadline", title=title, deadline=str(DEADLINE_LABELS[kind]),
                     url=f"/cases/{case.id}", due_on=due_on, working_days_left=left, overdue=overdue,
                     missing_year=missing_year or missing, case_id=case.id)


def _missing_year(case: Case, cal) -> int | None:
    """The calendar year that keeps the case's running deadline from being computed (None if none does)."""
    from hotline.deadlines.calendar import CalendarMissing

    region_cal = cal.for_region(case.region_code)
    base = {"file": case.received_on, "close": case.filed_on, "publish": case.closed_on}[_pending_kind(case)]
    # The deadline runs from its base to at most a year and a half later (a closing period with its extension).
    for year in range(base.year, base.year + 3):
        try:
            region_cal.is_working(date(year, 1, 1))
        except CalendarMissing as exc:
            return exc.year
    return None


def due_items(user, today: date, cal, until: date | None = None, *, mine: bool = False) -> list:
    """The case deadlines pending in ``user``'s regions as due-list rows: overdue ones and those due by ``until``
    (all pending ones when None), the most urgent first; with the deadline they are about (立案 / 结案 / 公示)
    and the working days left. ``mine``: only the user's own cases (those they are an officer of, and the
    region's cases not filed yet).

    Running deadlines that could not be computed (the calendar year is not loaded: the stored due column is
    empty) stay listed with the missing year. Publication deadlines on the "to complete" list
    (``publication_backlog_clause``) are left out. Reads ``next_due_on`` (indexed): the status says which of the
    stored deadlines it is."""
    if user.role not in ("officer", "supervisor"):
        return []
    stmt = scope(select(Case).where(Case.next_due_on.is_not(None)), user).options(*_DUE_LOADING)
    if until is not None:
        stmt = stmt.where(Case.next_due_on <= until)
    stmt = stmt.where(~publication_backlog_clause(today))
    if mine:
        stmt = _mine(stmt, user)
    items = []
    for case in db.session.scalars(stmt.order_by(Case.next_due_on, Case.id).limit(DUE_LIMIT)):
        kind = _pending_kind(case)
        if kind is not None:
            items.append(_case_item(case, kind, case.next_due_on, today, cal))
    items.extend(undated_items(user, today, cal, mine=mine))
    return items


def undated_items(user, today: date, cal, *, mine: bool = False) -> list:
    """Running case deadlines without a due date because their calendar year is not loaded, with that year."""
    # Without a pending date next_due_on is null too: received / filed cases are read through the status
    # indexes, unpublished penalties through ix_cases_unpublished_penalties.
    unknown = or_(and_(Case.status == CaseStatus.received.value, Case.next_due_on.is_(None),
                       Case.file_due_on.is_(None)),
                  and_(Case.status == CaseStatus.filed.value, Case.next_due_on.is_(None), Case.close_due_on.is_(None)),
                  and_(_unpublished_penalty(), Case.publish_due_on.is_(None)))
    stmt = scope(select(Case).where(unknown), user).options(*_DUE_LOADING)
    if mine:
        stmt = _mine(stmt, user)
    items = []
    # No ORDER BY: it would walk the primary key past every case; the due list sorts the rows.
    for case in db.session.scalars(stmt.limit(DUE_LIMIT)):
        year = _missing_year(case, cal)
        if year is not None:
            items.append(_case_item(case, _pending_kind(case), None, today, cal, missing_year=year))
    return items


def publication_backlog(user, today: date, *, limit: int = DUE_LIMIT) -> tuple[list[Case], int]:
    """The "to complete" (待补录) list: closed penalty decisions of the user's regions whose publication was not
    recorded and is long past (``publication_backlog_clause``), oldest first, and how many there are."""
    stmt = scope(select(Case).where(publication_backlog_clause(today)), user)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = list(db.session.scalars(stmt.options(*_DUE_LOADING).order_by(Case.publish_due_on, Case.id).limit(limit)))
    return rows, total


# The inbox (我的待办) ------------------------------------------------------------------------------------------

#: Deadlines due within this many days (today included) are in the inbox: "today and this week".
INBOX_HORIZON_DAYS = 7
#: The inbox names a case's deadline by these labels.
CASE_DEADLINE_LABELS = {"file": "立案", "close": "结案", "publish": "公示"}
_INBOX_COLUMNS = (Case.id, Case.case_number, Case.summary, Case.region_code, Case.status, Case.case_type,
                  Case.outcome, Case.published_on, Case.file_due_on, Case.close_due_on, Case.publish_due_on)


def _pending_deadline(row) -> str | None:
    """Which of the case's deadlines runs now (file → close → publish; none while suspended or when done)."""
    if row.status == CaseStatus.received.value:
        return "file"
    if row.status == CaseStatus.filed.value:
        return "close"
    if (row.status == CaseStatus.closed.value and row.case_type == "counterfeit" and row.outcome == "penalized"
            and row.published_on is None):
        return "publish"
    return None


def _deadline_missing():
    """A running deadline without its stored due date: the calendar of its year is not loaded (yet)."""
    from sqlalchemy import text

    from hotline.cases.models import DEADLINE_MISSING_SQL

    return text(f"({DEADLINE_MISSING_SQL})")


def _inbox_missing_year(case_id: int, kind: str, cal) -> int | None:
    """The calendar year a case's ``kind`` deadline waits for (None if something else keeps it from a date)."""
    case = db.session.get(Case, case_id)
    try:
        deadlines = case_deadlines(case, cal)
    except DomainError:
        return None
    return next((d.missing_year for d in deadlines if d.kind == kind and d.due_on is None), None)


def inbox_items(user, today: date, cal) -> list:
    """The case deadlines waiting for ``user`` (an officer or supervisor) or their office:

    - 结案 / 公示 (and 立案 while still received) of the cases they are an officer of: overdue, or due within
      ``INBOX_HORIZON_DAYS`` (today and this week);
    - 立案 of their office's cases still waiting to be filed or refused (a received case has no officers yet:
      the office files it), overdue or due within the horizon — the office is the cases registered to the
      user's own region code (the province's own for a province user);
    - for a supervisor, also the office's overdue 结案 deadlines. Other offices' overdue cases are on the due
      list, not in a province supervisor's inbox;
    - not the publications of decisions long past (``publication_backlog_clause``): as on the due list, they are
      data to complete (待补录, ``/due/backlog``), not today's work — at national scale one officer had 2,530 of
      them, which made a to-do list nobody could work through and cost the page 130 ms;
    - any of these whose date cannot be computed (a calendar year not loaded), marked with that year.

    Reads the stored due dates (``file_due_on`` …) through indexes: the officer's pending deadlines by
    ``due_clause``'s two indexes, then ``case_officers``; the office's by ``(region_code, status)`` and
    ``(region_code, next_due_on)``.
    """
    from hotline.cases.models import case_officers
    from hotline.core.permissions import Role, region_clause
    from hotline.inbox.items import InboxItem, working_days_left

    if user.role not in (Role.officer, Role.supervisor):
        return []
    horizon = today + timedelta(days=INBOX_HORIZON_DAYS - 1)
    mine = select(case_officers.c.case_id).where(case_officers.c.user_id == user.id)
    # Separate statements, each on its index: pending deadlines by date (joined with the officer's case ids),
    # the few undated ones (partial index), the office's cases still to be filed (region, status).
    due = due_clause(today, before=horizon + timedelta(days=1))
    rows = list(db.session.execute(
        select(*_INBOX_COLUMNS).where(due, Case.id.in_(mine), region_clause(Case.region_code, user))))
    rows += db.session.execute(
        select(*_INBOX_COLUMNS).where(_deadline_missing(), Case.id.in_(mine),
                                      region_clause(Case.region_code, user))).all()
    rows += db.session.execute(
        select(*_INBOX_COLUMNS).where(Case.region_code == user.region_code,
                                      Case.status == CaseStatus.received.value,
                                      or_(Case.next_due_on <= horizon, Case.file_due_on.is_(None)))).all()
    if user.role == Role.supervisor:
        rows += db.session.execute(
            select(*_INBOX_COLUMNS).where(Case.region_code == user.region_code, Case.next_due_on < today,
                                          Case.status == CaseStatus.filed.value)).all()
    calendars: dict[str, object] = {}
    items, seen = [], set()
    for row in rows:
        kind = _pending_deadline(row)
        if kind is None or row.id in seen:
            continue
        seen.add(row.id)
        region_cal = calendars.get(row.region_code) or calendars.setdefault(row.region_code,
                                                                            cal.for_region(row.region_code))
        due_on = getattr(row, f"{kind}_due_on")
        if due_on is None:
            left, overdue, missing = None, False, _inbox_missing_year(row.id, kind, cal)
        elif due_on > horizon:
            continue
        else:
            left, overdue, missing = working_days_left(region_cal, today, due_on)
        number = row.case_number or f"#{row.id}"
        items.append(InboxItem(kind="deadline", title=f"{number} {row.summary[:40]}",
                               deadline=CASE_DEADLINE_LABELS[kind], url=f"/cases/{row.id}", due_on=due_on,
                               working_days_left=left, overdue=overdue, missing_year=missing, case_id=row.id))
    return items
