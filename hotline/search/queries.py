"""What a number typed into the search box finds: calls by phone number (roles that see numbers; a masked role's
look-up is an audited reveal, rate-limited), by reference (HL-…) or patent number; cases by 案号 or patent number.
Region-scoped like every list (hotline.core.permissions.region_clause)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import and_, func, or_, select

from hotline.calls.models import Call, Caller
from hotline.calls.phones import PhoneError, parse_phone
from hotline.calls.queries import _REF
from hotline.cases.models import Case
from hotline.cases.operations import CASE_ROLES
from hotline.core.patents import PatentQuery, patent_query
from hotline.core.permissions import CALL_READ_ROLES, PII_ROLES, region_clause
from hotline.core.text import clean_text
from hotline.extensions import db

#: At most this many of each kind, newest first.
LIMIT = 20
MAX_QUERY = 100

#: Brackets people type around a 案号's year, for the one the configured format uses.
_BRACKETS = str.maketrans({"(": "〔", "[": "〔", "【": "〔", "［": "〔", "{": "〔", "〈": "〔", "《": "〔",
                           ")": "〕", "]": "〕", "】": "〕", "］": "〕", "}": "〕", "〉": "〕", "》": "〕"})
#: A phone number as typed: digits with spaces, dashes, parentheses and a leading +.
_PHONE_SHAPE = re.compile(r"^\+?[0-9][0-9 \-()]{3,24}$")


@dataclass
class SearchResult:
    q: str
    calls: list[Call] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    #: Which kinds of number the text was read as (ref, phone, case_number, patent).
    kinds: list[str] = field(default_factory=list)
    #: The phone number's key, when it was searched by a role that sees numbers masked (to count and audit).
    masked_phone_key: str | None = None
    #: Calls found by that phone number (audited for a masked role).
    phone_calls: list[Call] = field(default_factory=list)

    @property
    def single(self) -> Call | Case | None:
        """The one record found, when there is exactly one."""
        found = [*self.calls, *self.cases]
        return found[0] if len(found) == 1 else None


def _case_number_formats() -> list[str]:
    """The 案号 patterns in use: the province's and those of the 市州 that number their own (regions data), else
    the configured or default pattern."""
    from hotline.core.permissions import province_code
    from hotline.reference import queries as ref
    from hotline.reference.data import default_case_number_format

    formats = [r.case_number_format for r in ref.region_map().values() if getattr(r, "case_number_format", None)]
    fallback = current_app.config.get("CASE_NUMBER_FORMAT") or default_case_number_format(province_code())
    return list(dict.fromkeys([*formats, fallback]))


def _case_number_shape() -> tuple[str, str, str, str] | None:
    """The 案号 pattern's (opening and closing bracket of the year, text between it and the number, text after the
    number): ``湘知执字〔{year}〕第{number}号`` → (〔, 〕, 第, 号). The first pattern in use that has this shape (the
    patterns of one province share their brackets and words; their prefixes differ)."""
    for fmt in _case_number_formats():
        match = re.search(r"(.)\{year\}(.)(.*)\{number\}(.*)$", fmt)
        if match:
            return match.group(1), match.group(2), match.group(3), match.group(4)
    return None


def case_number_clause(q: str):
    """SQL on Case.case_number for a 案号 typed whole or in part, with any brackets: ``湘知执字〔2015〕第12号``,
    ``湘知执字(2015)12号``, ``〔2015〕第12号``, ``2015第12号``, ``[2015]12``, ``湘知执字〔2015〕`` (that year's); None
    when ``q`` is none. A whole number (prefix given) by equality (the unique index), else the number's end."""
    shape = _case_number_shape()
    if shape is None:
        return None
    opening, closing, middle, tail = shape
    text_ = "".join(unicodedata.normalize("NFKC", q).split()).translate(_BRACKETS)
    text_ = text_.replace("〔", opening).replace("〕", closing)
    m = re.match(rf"^(?P<prefix>[^0-9{re.escape(opening)}]*?){re.escape(opening)}?(?P<year>(?:19|20)[0-9]{{2}})"
                 rf"{re.escape(closing)}?(?:{re.escape(middle)})?(?P<number>[0-9]{{1,6}})?(?:{re.escape(tail)})?$",
                 text_)
    if not m:
        return None
    prefix, year, number = m.group("prefix"), m.group("year"), m.group("number")
    marked = opening in text_ or (middle and middle in text_) or (tail and tail in text_)
    if not (prefix or marked):
        return None  # bare digits: a phone or patent number, not a 案号
    if number is None:
        if not prefix:
            return None  # a year alone finds too much to be "the" record
        return Case.case_number.like(f"{_escape(prefix)}{opening}{year}{closing}%", escape="\\")
    whole = f"{opening}{year}{closing}{middle}{int(number)}{tail}"
    if prefix:
        return Case.case_number == prefix + whole
    # Only the end typed: the whole numbers it can be, one for each prefix in use (the unique index finds them;
    # a test of every number's end read all 100,000 cases).
    return Case.case_number.in_(sorted(p + whole for p in _case_number_prefixes(opening)))


#: The 案号 prefixes (the text before the year's bracket) of the numbers in the table, read once per process.
_PREFIXES: dict[str, frozenset[str]] = {}


def _case_number_prefixes(opening: str) -> frozenset[str]:
    """Every prefix a 案号 can have: those the configured format writes (per region when it names the region) and
    those of the numbers already stored (older formats), read from the table once per process."""
    from hotline.reference import queries as ref

    if opening not in _PREFIXES:
        position = (func.strpos if db.engine.dialect.name == "postgresql" else func.instr)(Case.case_number, opening)
        stored = db.session.scalars(select(func.substr(Case.case_number, 1, position - 1))
                                    .where(Case.case_number.is_not(None), position > 0).distinct())
        _PREFIXES[opening] = frozenset(stored)
    formatted = set()
    for fmt in _case_number_formats():
        head = fmt[:fmt.index("{year}") - 1] if "{year}" in fmt else ""
        if head:
            formatted |= {head.format(region=r.short_name or "") for r in ref.region_map().values()}
    return _PREFIXES[opening] | formatted


def _escape(text_: str) -> str:
    return text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix_range(column, prefix: str):
    """SQL: ``column`` begins with ``prefix`` (ASCII), as a range the column's B-tree index walks (a LIKE alone
    does not use it under the database's collation), with the LIKE kept for exactness."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper, column.like(_escape(prefix) + "%", escape="\\"))


def _ref_clauses(q: str) -> list | None:
    """SQL conditions on Call.ref for a reference typed whole (``HL-2015-000123``, ``hl2015-123``: zero-padded) or
    begun (``HL-2015-0001``, ``HL-2015``), each to run on its own (an OR of an equality and a range is a filter
    PostgreSQL applies to every reference: 3 s at 1M calls); None when ``q`` is no reference."""
    prefix = current_app.config["CALL_REF_PREFIX"].upper()
    text_ = "".join(unicodedata.normalize("NFKC", q).upper().split())
    match = re.match(_REF.format(prefix=re.escape(prefix)), text_)
    if not match:
        return None
    year = match.group(1) or match.group(3)
    number = match.group(2) or match.group(4)
    if number is None:
        return [_prefix_range(Call.ref, f"{prefix}-{year}-")]
    exact = Call.ref == f"{prefix}-{year}-{int(number):06d}"
    if len(number) >= 6:
        return [exact]
    return [exact, _prefix_range(Call.ref, f"{prefix}-{year}-{number}")]


def _patent_clause(column, query: PatentQuery):
    """SQL on a canonical patent-number column (``201510001234.2``): the whole number by equality, else the
    numbers that begin with the digits typed (a number is typed from its start), through the column's index."""
    if query.normalized:
        return column == query.normalized
    digits = query.digits
    prefix = digits if len(digits) <= 12 else f"{digits[:12]}.{digits[12:]}"
    return _prefix_range(column, prefix)


def phone_key_of(q: str) -> str | None:
    """The number's key when ``q`` looks like a phone number and is one."""
    if not _PHONE_SHAPE.match(q):
        return None
    try:
        phone = parse_phone(q, current_app.config["DEFAULT_AREA_CODE"])
    except PhoneError:
        return None
    return phone.key if phone else None


def find_by_number(user, q: str | None) -> SearchResult:
    """The calls and cases ``user`` may read whose number ``q`` is (or begins, for references and 案号), newest
    first, at most LIMIT of each. The phone number is searched only for roles that read calls; for a role that
    sees numbers masked, ``masked_phone_key`` is set: the caller (views) counts the look-up and audits what it
    shows (hotline.calls.operations.record_number_lookup / audit_number_lookup) before answering."""
    q = (clean_text(q) or "")[:MAX_QUERY]
    result = SearchResult(q=q)
    if not q:
        return result
    reads_calls = user.role in CALL_READ_ROLES
    reads_cases = user.role in CASE_ROLES
    call_clauses, case_clauses = [], []
    phone_clause = None
    ref_clauses = None
    if reads_calls:
        ref_clauses = _ref_clauses(q)
        if ref_clauses is not None:
            result.kinds.append("ref")
        # A reference (2015-000123 without its prefix) is not also read as a number: for a masked role that would
        # count as a look-up of a number.
        key = phone_key_of(q) if ref_clauses is None else None
        if key is not None:
            phone_clause = Call.caller_id == select(Caller.id).where(Caller.phone_key == key).scalar_subquery()
            call_clauses.append(phone_clause)
            result.kinds.append("phone")
            if user.role not in PII_ROLES:
                result.masked_phone_key = key
    patent = patent_query(q)
    if patent is not None:
        result.kinds.append("patent")
        if reads_calls:
            call_clauses.append(_patent_clause(Call.patent_number, patent))
        if reads_cases:
            case_clauses.append(_patent_clause(Case.patent_number, patent))
    if reads_cases:
        number = case_number_clause(q)
        if number is not None:
            case_clauses.append(number)
            result.kinds.append("case_number")
    newest = (Call.received_at.desc(), Call.id.desc())
    calls: dict[int, Call] = {}
    for ref_clause in ref_clauses or ():
        # By reference alone, highest numbers first: a prefix (HL-2015-0001…) walks the reference index.
        calls.update((c.id, c) for c in db.session.scalars(
            select(Call).where(ref_clause, region_clause(Call.region_code, user))
            .order_by(Call.ref.desc()).limit(LIMIT)).unique())
    if call_clauses:
        calls.update((c.id, c) for c in db.session.scalars(
            select(Call).where(or_(*call_clauses), region_clause(Call.region_code, user))
            .order_by(*newest).limit(LIMIT)).unique())
    result.calls = sorted(calls.values(), key=lambda c: (c.received_at, c.id), reverse=True)[:LIMIT]
    if phone_clause is not None:
        result.phone_calls = [c for c in result.calls if c.caller is not None and c.caller.phone_key == key]
    if case_clauses:
        result.cases = list(db.session.scalars(
            select(Case).where(or_(*case_clauses), region_clause(Case.region_code, user))
            .order_by(Case.received_on.desc(), Case.id.desc()).limit(LIMIT)))
    return result
