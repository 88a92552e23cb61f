"""State changes on calls. Each one validates, mutates, flushes and writes its audit event; the caller commits.

``data`` dicts use the API field names (``caller_phone``, ``anonymous`` …) so the web form and the JSON API
go through exactly the same rules.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import BigInteger, Integer, String, bindparam, delete, func, insert, select, text
from sqlalchemy.orm.attributes import set_committed_value

from hotline.calls.models import Call, Caller, CallStatus, NumberLookup
from hotline.calls.phones import PhoneError, parse_phone
from hotline.core import outbox
from hotline.core.audit import event_values, log_event, record_event
from hotline.core.clock import local_date, local_tz
from hotline.core.errors import DomainError, StaleVersion, StateError, ValidationFailed
from hotline.core.fastsql import FastStatement
from hotline.core.i18n import gettext as _
from hotline.core.i18n import pgettext
from hotline.core.models import AuditEvent, OutboxMessage, as_loaded, next_reference_number, reference_sequence
from hotline.core.patents import PatentNumberError, parse_patent_number
from hotline.core.permissions import PII_ROLES, mask_name, mask_phone, province_code, sees_region
from hotline.core.text import bigram_tokens, clean_text, match_key
from hotline.core.types import JSONDoc, UTCDateTime, utcnow
from hotline.extensions import db
from hotline.reference import queries as ref
from hotline.reference.queries import default_area_code as _default_area_code
from hotline.stats.operations import STALE_TOPIC, mark_stale, stale_payload

#: Fields an edit may change (PATCH and the edit form).
EDITABLE_FIELDS = (
    "received_at", "channel", "request_type", "ip_type", "region_code", "caller_name", "caller_phone",
    "anonymous", "accused_party", "patent_number", "product", "place", "summary", "description",
    "duration_seconds", "exhibition_name", "exhibition_id",
)
#: Personal data: audited masked, never logged.
_PII_FIELDS = {"caller_name": mask_name, "caller_phone_raw": mask_phone}
FEEDBACK_METHODS = ("phone", "sms", "letter", "email", "wechat", "visit")

#: Request types whose call need not name a region (it stays with the operator's office): nothing goes anywhere.
REGION_OPTIONAL_TYPES = frozenset({"consultation", "other"})
ANSWER_TEXT_LIMIT = 5000
#: The switch's call id (hotline.cti.models.CtiEvent.cti_call_id).
CTI_CALL_ID_LIMIT = 64

_LIMITS = {"caller_name": 100, "accused_party": 200, "product": 200, "place": 200, "summary": 500,
           "exhibition_name": 200, "description": 20000}


def _check_version(call: Call, expected: int | None) -> None:
    if expected is None:
        raise ValidationFailed(_("Version required."), {"version": [_("Send the version you edited (If-Match).")]})
    if int(expected) != call.version:
        raise StaleVersion(_("This call was changed by someone else (now version %(version)s).", version=call.version),
                           current=call)


def _normalize(data: dict[str, Any], *, actor, partial: bool, call: Call | None = None) -> dict[str, Any]:
    """Validate and normalize input; returns column values. Raises ValidationFailed with every field error."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def err(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    def present(field: str) -> bool:
        return field in data

    for field in ("caller_name", "accused_party", "product", "place", "summary", "exhibition_name", "description"):
        if present(field):
            value = data[field]
            if value is not None and not isinstance(value, str):
                err(field, _("Must be text."))
                continue
            value = clean_text(value, multiline=field == "description")
            if value is not None and len(value) > _LIMITS[field]:
                err(field, _("At most %(limit)d characters.", limit=_LIMITS[field]))
            out[field] = value
    if (not partial or present("summary")) and not out.get("summary"):
        err("summary", _("A summary is required."))

    if not partial or present("received_at"):
        received_at = data.get("received_at")
        if not isinstance(received_at, datetime):
            err("received_at", _("The time the call was received is required."))
        elif received_at.tzinfo is None:
            err("received_at", _("Give the time with its UTC offset (e.g. 2015-05-28T09:15:00+08:00)."))
        elif received_at > utcnow() + timedelta(minutes=5):
            err("received_at", _("The time received cannot be in the future."))
        elif received_at.year < 2000:
            err("received_at", _("The time received is before 2000."))
        else:
            out["received_at"] = received_at

    choices = {"channel": ref.list_channels, "request_type": ref.list_request_types, "ip_type": ref.list_ip_types}
    for field, source in choices.items():
        if not partial or present(field):
            value = data.get(field)
            if value in (None, ""):
                if field != "ip_type":
                    err(field, _("Required."))
                out[field] = None
            elif value not in {c.code for c in source()}:
                err(field, _("Unknown value %(value)r.", value=value))
            else:
                out[field] = value

    if not partial or present("region_code"):
        region_code = data.get("region_code")
        if not region_code and not partial and data.get("request_type") in REGION_OPTIONAL_TYPES:
            # A consultation answered here goes nowhere: it belongs to the operator's own office.
            out["region_code"] = getattr(actor, "region_code", None) or province_code()
        elif not region_code:
            err("region_code", _("The region is required for a report, complaint or aid request: choose where "
                                 "the matter happened."))
        elif region_code not in ref.region_map():
            err("region_code", _("Unknown region %(code)r.", code=region_code))
        elif not sees_region(actor, region_code):
            err("region_code", _("You can only log calls for your own region."))
        else:
            out["region_code"] = region_code

    if not partial or present("duration_seconds"):
        duration = data.get("duration_seconds")
        if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int)
                                     or not 0 <= duration <= 24 * 3600):
            err("duration_seconds", _("A number of seconds between 0 and 86400."))
        else:
            out["duration_seconds"] = duration

    if not partial or present("patent_number"):
        raw = data.get("patent_number")
        if raw is not None and not isinstance(raw, str):
            err("patent_number", _("Must be text."))
        elif raw and raw.strip():
            try:
                parsed = parse_patent_number(raw)
            except PatentNumberError as exc:
                err("patent_number", str(exc))
            else:
                out["patent_number"] = parsed.normalized
                out["patent_number_raw"] = raw.strip()[:40]
        else:
            out["patent_number"] = out["patent_number_raw"] = None

    anonymous = data.get("anonymous", call.is_anonymous if call else False)
    if not isinstance(anonymous, bool):
        err("anonymous", _("Must be true or false."))
        anonymous = False
    if not partial or present("anonymous"):
        out["is_anonymous"] = anonymous
    if not partial or present("caller_phone") or present("anonymous"):
        raw_phone = data.get("caller_phone") if present("caller_phone") else (call.caller_phone_raw if call else None)
        if raw_phone is not None and not isinstance(raw_phone, str):
            err("caller_phone", _("Must be text."))
        elif anonymous and raw_phone and raw_phone.strip():
            err("caller_phone", _("An anonymous call has no caller number."))
        else:
            try:
                phone = parse_phone(raw_phone, _default_area_code())
            except PhoneError as exc:
                err("caller_phone", str(exc))
            else:
                out["_phone"] = phone
                out["caller_phone_raw"] = phone.raw if phone else None
    name = out.get("caller_name", call.caller_name if call and not present("caller_name") else None)
    if anonymous and name:
        err("caller_name", _("An anonymous call has no caller name."))

    if "accused_party" in out:
        out["accused_party_key"] = match_key(out["accused_party"])
    if not partial:
        _normalize_answer(data, out, err)
        cti_call_id = data.get("cti_call_id")
        if cti_call_id is not None and not isinstance(cti_call_id, str):
            err("cti_call_id", _("Must be text."))
        else:
            cti_call_id = (cti_call_id or "").strip() or None
            if cti_call_id is not None and len(cti_call_id) > CTI_CALL_ID_LIMIT:
                err("cti_call_id", _("At most %(limit)d characters.", limit=CTI_CALL_ID_LIMIT))
            out["cti_call_id"] = cti_call_id
    if present("exhibition_id"):
        # The trade fair (hotline.campaigns) of the call's region; its name fills ``exhibition_name`` when empty.
        from hotline.campaigns.operations import link_values

        region = out.get("region_code") or (call.region_code if call is not None else None)
        links = link_values(data, region, errors, with_campaigns=False)
        fair = links.pop("exhibition", None)
        out.update(links)
        current_name = out.get("exhibition_name", call.exhibition_name if call is not None else None)
        if fair is not None and not current_name:
            out["exhibition_name"] = fair.name
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), errors)
    return out


def _normalize_answer(data: dict[str, Any], out: dict[str, Any], err) -> None:
    """Intake only: the answer given (``answer_text``), the standard answer it came from (``answer_id``: its
    current version is recorded) and ``answered`` (the call is logged answered). Reads the standard answer only
    when one is named."""
    text_value = data.get("answer_text")
    if text_value is not None and not isinstance(text_value, str):
        err("answer_text", _("Must be text."))
        text_value = None
    text_value = clean_text(text_value, multiline=True)
    if text_value and len(text_value) > ANSWER_TEXT_LIMIT:
        err("answer_text", _("At most %(limit)d characters.", limit=ANSWER_TEXT_LIMIT))
    out["answer_text"] = text_value
    out["answer_id"] = out["answer_version"] = None
    answer_id = data.get("answer_id")
    if answer_id not in (None, ""):
        from hotline.answers.models import StandardAnswer

        if isinstance(answer_id, str) and answer_id.isdigit():
            answer_id = int(answer_id)
        standard = (db.session.get(StandardAnswer, answer_id)
                    if isinstance(answer_id, int) and not isinstance(answer_id, bool) and 0 < answer_id < 2**63
                    else None)
        if standard is None:
            err("answer_id", _("Unknown standard answer %(id)s.", id=answer_id))
        elif not standard.is_active:
            err("answer_id", _("This standard answer is retired; choose another one."))
        else:
            out["answer_id"], out["answer_version"] = standard.id, standard.version
            if not text_value:
                out["answer_text"] = standard.answer
    answered = data.get("answered", False)
    if answered is None:
        answered = False
    if not isinstance(answered, bool):
        err("answered", _("Must be true or false."))
        answered = False
    if answered and not out.get("answer_text"):
        err("answer_text", _("Say what the caller was told, or insert a standard answer."))
    out["_answered"] = answered


#: One fixed statement per dialect, so SQLAlchemy caches it (a generated ``insert().on_conflict…`` is
#: recompiled on every intake). Both databases keep the earliest first_seen_at and the latest last_seen_at.
_UPSERT_CALLER_SQL = (
    "INSERT INTO callers (phone_key, number_type, area_code, first_seen_at, last_seen_at) "
    "VALUES (:phone_key, :number_type, :area_code, :seen, :seen) ON CONFLICT (phone_key) DO UPDATE SET "
    "first_seen_at = {least}(callers.first_seen_at, excluded.first_seen_at), "
    "last_seen_at = {greatest}(callers.last_seen_at, excluded.last_seen_at) "
    "RETURNING id, phone_key, number_type, area_code, first_seen_at, last_seen_at")
_CALLER_RESULT = {"id": Integer, "phone_key": String, "number_type": String, "area_code": String,
                  "first_seen_at": UTCDateTime, "last_seen_at": UTCDateTime}
_UPSERT_CALLER = {
    dialect: text(_UPSERT_CALLER_SQL.format(least=least, greatest=greatest))
    .bindparams(bindparam("seen", type_=UTCDateTime)).columns(**_CALLER_RESULT)
    for dialect, least, greatest in (("postgresql", "LEAST", "GREATEST"), ("sqlite", "MIN", "MAX"))
}


def _caller_params(phone, seen_at: datetime) -> dict[str, Any]:
    return {"phone_key": phone.key, "number_type": phone.number_type, "area_code": phone.area_code,
            "seen": seen_at}


def _caller_from_row(row) -> Caller:
    """The upserted caller as a persistent Caller, from its RETURNING values (no second SELECT): ``row`` is
    (id, phone_key, number_type, area_code, first_seen_at, last_seen_at)."""
    caller = as_loaded(Caller, dict(zip(_CALLER_RESULT, row, strict=True)))
    # Already in the session: the upsert may have widened its window.
    set_committed_value(caller, "first_seen_at", row[4])
    set_committed_value(caller, "last_seen_at", row[5])
    return caller


def _upsert_caller(phone, seen_at: datetime) -> Caller:
    """Insert the caller or widen its first/last-seen window, in one statement; returns the Caller."""
    row = db.session.execute(_UPSERT_CALLER[db.engine.dialect.name], _caller_params(phone, seen_at)).one()
    return _caller_from_row(row)


def _search_document(call: Call):
    tokens = bigram_tokens(call.summary, call.accused_party, call.caller_name)
    if db.engine.dialect.name == "postgresql":
        return func.to_tsvector("simple", tokens)
    return tokens


def _audit_value(field: str, value: Any) -> Any:
    masker = _PII_FIELDS.get(field)
    return masker(value) if masker and isinstance(value, str) else value


def _audit_changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    return {f: (_audit_value(f, old), _audit_value(f, new)) for f, (old, new) in changes.items()
            if f not in ("accused_party_key", "search_vector")}


def make_ref(received_at: datetime) -> str:
    year = received_at.astimezone(local_tz()).year
    number = next_reference_number("call", year)
    return f"{current_app.config['CALL_REF_PREFIX']}-{year}-{number:06d}"


#: The columns an intake writes (all others start NULL: transfer, feedback, decision …), in INSERT order.
_INTAKE_COLUMNS = (
    "ref", "version", "received_at", "channel", "request_type", "ip_type", "region_code", "status", "caller_id",
    "caller_phone_raw", "caller_name", "is_anonymous", "accused_party", "accused_party_key", "patent_number",
    "patent_number_raw", "product", "place", "summary", "description", "duration_seconds", "exhibition_name",
    "exhibition_id", "operator_id", "accept_due_on", "created_at", "updated_at", "search_vector", "answer_text",
    "answer_id", "answer_version", "decision", "decided_at", "decided_on", "cti_call_id",
)
#: Every column of Call but the deferred search vector: what a freshly logged Call holds (attribute = column name).
_CALL_ATTRIBUTES = tuple(c.key for c in Call.__table__.c if c.key != "search_vector")

#: SQLite (and any database without data-modifying CTEs): one cached Core INSERT per table.
_INSERT_CALL = insert(Call.__table__).returning(Call.__table__.c.id)
_INSERT_AUDIT = insert(AuditEvent.__table__)
_INSERT_OUTBOX = insert(OutboxMessage.__table__)

#: PostgreSQL: the whole intake write in one statement, per (reference sequence, with a caller); see _pg_intake.
_PG_INTAKE: dict[tuple[str, bool], Any] = {}


#: The columns of a duplicate hint, as find_duplicates(lean=True) reads them.
_DUPLICATE_COLUMNS = ("id", "ref", "received_at", "caller_id", "accused_party_key", "patent_number")


class DuplicateRow(NamedTuple):
    """An earlier call read with the intake's write (what a duplicate hint shows and matches on)."""

    id: int
    ref: str
    received_at: datetime
    caller_id: int | None
    accused_party_key: str | None
    patent_number: str | None


def _pg_duplicates(with_caller: bool, duplicates: tuple[bool, bool, bool, int]) -> str:
    """The duplicate query of find_duplicates(lean=True) as a LATERAL join of the intake's write statement: the
    same criteria, window, region scope, order and limit. It reads the statement's snapshot, taken before the new
    call is inserted, so the new call is never its own duplicate."""
    by_accused, by_patent, scoped, limit = duplicates
    conditions = (["calls.caller_id = cl.id"] if with_caller else []) + (
        ["calls.accused_party_key = :accused_party_key"] if by_accused else []) + (
        ["calls.patent_number = :patent_number"] if by_patent else [])
    return (
        f" LEFT JOIN LATERAL (SELECT {', '.join(f'calls.{c}' for c in _DUPLICATE_COLUMNS)} FROM calls "
        f"WHERE calls.received_at >= :dup_since AND ({' OR '.join(conditions)})"
        + (" AND calls.region_code = ANY(:dup_region_codes)" if scoped else "")
        + f" ORDER BY calls.received_at DESC, calls.id DESC LIMIT {int(limit)}) AS d ON true"
        " ORDER BY d.received_at DESC, d.id DESC"
    )


def _pg_intake(sequence: str, with_caller: bool, duplicates: tuple[bool, bool, bool, int] | None = None):
    """One round trip for the caller upsert, the reference number, the call, its audit row and the outbox row
    (and, with ``duplicates`` = (by accused party, by patent number, region-scoped, limit), the duplicate hints:
    one row per earlier call, the call's columns repeated; one row with NULL ``dup_*`` columns when none).

    Data-modifying CTEs: each INSERT runs exactly once and the later ones read the earlier ones' RETURNING rows
    (the caller's id, the call's id). The reference is ``<prefix>-<year>-`` plus ``nextval`` zero-padded to six
    digits (more once a year passes 999999, like ``{:06d}``). Built once per key, so SQLAlchemy's compiled cache
    and psycopg's prepared statements are reused.
    """
    key = (sequence, with_caller, duplicates)
    stmt = _PG_INTAKE.get(key)
    if stmt is not None:
        return stmt
    values = []
    for column in _INTAKE_COLUMNS:
        if column == "ref":
            values.append("(SELECT CAST(:ref_prefix AS text) || lpad(CAST(v AS text), greatest(6, length(CAST(v AS "
                          "text))), '0') FROM n)")
        elif column == "caller_id":
            values.append("(SELECT id FROM cl)" if with_caller else "NULL")
        elif column == "search_vector":
            values.append("to_tsvector('simple', :search_tokens)")
        else:
            values.append(f":{column}")
    caller_cte = f"cl AS ({_UPSERT_CALLER_SQL.format(least='LEAST', greatest='GREATEST')}), " if with_caller else ""
    sql = (
        f"WITH {caller_cte}"
        f"n AS (SELECT nextval('\"{sequence}\"') AS v), "
        f"c AS (INSERT INTO calls ({', '.join(_INTAKE_COLUMNS)}) VALUES ({', '.join(values)}) RETURNING id, ref), "
        "a AS (INSERT INTO audit_events (occurred_at, actor_id, actor_name, object_type, object_id, action, changes, "
        "region_code, note) VALUES (:created_at, :audit_actor_id, :audit_actor_name, :audit_object_type, "
        "(SELECT id FROM c), :audit_action, :audit_changes, :audit_region_code, :audit_note)), "
        "o AS (INSERT INTO outbox (topic, payload, created_at) VALUES (:outbox_topic, :outbox_payload, :created_at)) "
        + ("SELECT c.id, c.ref, cl.id AS caller_id, cl.phone_key, cl.number_type, cl.area_code, cl.first_seen_at, "
           "cl.last_seen_at" if with_caller else "SELECT c.id, c.ref")
        + ("".join(f", d.{c} AS dup_{c}" for c in _DUPLICATE_COLUMNS) if duplicates else "")
        + (" FROM c CROSS JOIN cl" if with_caller else " FROM c")
        + (_pg_duplicates(with_caller, duplicates) if duplicates else "")
    )
    binds = [bindparam(name, type_=UTCDateTime) for name in ("received_at", "created_at", "updated_at")]
    binds += [bindparam(name, type_=JSONDoc) for name in ("audit_changes", "outbox_payload")]
    if with_caller:
        binds.append(bindparam("seen", type_=UTCDateTime))
    if duplicates:
        binds.append(bindparam("dup_since", type_=UTCDateTime))
    result = {"id": BigInteger, "ref": String}
    if with_caller:
        result |= {"caller_id": BigInteger, **{k: v for k, v in _CALLER_RESULT.items() if k != "id"}}
    if duplicates:
        result |= {"dup_id": BigInteger, "dup_ref": String, "dup_received_at": UTCDateTime,
                   "dup_caller_id": BigInteger, "dup_accused_party_key": String, "dup_patent_number": String}
    stmt = FastStatement(text(sql).bindparams(*binds).columns(**result),
                         json_params=("audit_changes", "outbox_payload"))
    _PG_INTAKE[key] = stmt
    return stmt


def _write_intake(row: dict[str, Any], phone, tokens: str, event: dict[str, Any], payload: dict,
                  duplicates: dict[str, Any] | None = None):
    """INSERT the caller (upsert), the call, its audit row and its outbox row; returns the call's id and ref, the
    caller's columns (None without a number) and, on PostgreSQL when ``duplicates`` ({"since", "region_codes",
    "limit"}) is given and there is something to match on, the duplicate rows read in the same statement (None:
    not read here)."""
    received_at = row["received_at"]
    year = received_at.astimezone(local_tz()).year
    if db.engine.dialect.name == "postgresql":
        params = {k: v for k, v in row.items() if k not in ("ref", "caller_id", "search_vector")}
        params |= {"ref_prefix": f"{current_app.config['CALL_REF_PREFIX']}-{year}-", "search_tokens": tokens,
                   "outbox_topic": STALE_TOPIC, "outbox_payload": payload,
                   **{f"audit_{k}": v for k, v in event.items()}}
        if phone is not None:
            params |= _caller_params(phone, received_at)
        shape = None
        if duplicates is not None and (phone is not None or row["accused_party_key"] or row["patent_number"]):
            shape = (bool(row["accused_party_key"]), bool(row["patent_number"]),
                     duplicates["region_codes"] is not None, duplicates["limit"])
            params |= {"dup_since": duplicates["since"], "dup_region_codes": duplicates["region_codes"]}
        rows = _pg_intake(reference_sequence("call", year), phone is not None, shape).run(params)
        found = rows[0]  # (id, ref, [the caller's 6 columns], [the duplicate's 6 columns])
        caller_row = found[2:8] if phone is not None else None
        if shape is None:
            return found[0], found[1], caller_row, None
        width = len(_DUPLICATE_COLUMNS)
        dups = [DuplicateRow(*r[-width:]) for r in rows if r[-width] is not None]
        return found[0], found[1], caller_row, dups
    caller_row = None
    if phone is not None:
        caller_row = db.session.execute(_UPSERT_CALLER[db.engine.dialect.name],
                                        _caller_params(phone, received_at)).one()
    ref = make_ref(received_at)
    call_id = db.session.execute(_INSERT_CALL, {**row, "ref": ref, "caller_id": caller_row[0] if caller_row else None,
                                                "search_vector": tokens}).scalar_one()
    db.session.execute(_INSERT_AUDIT, {**event, "object_id": call_id, "occurred_at": row["created_at"]})
    db.session.execute(_INSERT_OUTBOX, {"topic": STALE_TOPIC, "payload": payload, "created_at": row["created_at"],
                                        "processed_at": None})
    return call_id, ref, caller_row, None


def record_call(data: dict[str, Any], *, actor) -> Call:
    """Log a call (intake). Normalizes the number and patent number, links the caller, audits.

    The hot path of the hotline, so it skips the ORM unit of work: the caller upsert, the call, its audit row and
    the statistics outbox row are written with cached Core statements (one round trip on PostgreSQL), and the
    returned Call is placed in the session from the values at hand, every column loaded, caller included.

    :raises ValidationFailed: with ``{field: [messages]}``.
    """
    return _record_call(data, actor=actor, duplicates=None)[0]


def record_call_with_duplicates(data: dict[str, Any], *, actor, limit: int = 10) -> tuple[Call, list]:
    """``record_call`` and the possible duplicates ``find_duplicates(actor, …, lean=True)`` would list for the
    new call (same criteria, window, region scope, order, limit; hints hold rows, not entities).

    On PostgreSQL the duplicate query rides in the write statement (one round trip for the whole intake);
    elsewhere it is the separate lean query.
    """
    from hotline.calls import queries

    duplicates = {"since": queries.duplicate_since(), "region_codes": queries.duplicate_scope(actor),
                  "limit": limit}
    call, rows = _record_call(data, actor=actor, duplicates=duplicates)
    if rows is None:
        hints = queries.find_duplicates(actor, caller_id=call.caller_id, accused_key=call.accused_party_key,
                                        patent_number=call.patent_number, exclude_id=call.id, limit=limit, lean=True)
    else:
        hints = queries.duplicate_hints(rows, caller_id=call.caller_id, accused_key=call.accused_party_key,
                                        patent_number=call.patent_number)
    return call, hints


def _record_call(data: dict[str, Any], *, actor, duplicates: dict[str, Any] | None) -> tuple[Call, list | None]:
    values = _normalize(data, actor=actor, partial=False)
    phone = values.pop("_phone", None)
    answered = values.pop("_answered")
    now = utcnow()
    if values.get("cti_call_id"):
        from hotline.cti.queries import switch_duration

        # Came through the switch: the duration is the switch's (answered → hung up), once it knows it.
        duration = switch_duration(values["cti_call_id"])
        if duration is not None:
            values["duration_seconds"] = duration
    if answered:
        # Logged and answered in one step: the decision is taken now, as "mark answered" would take it.
        values.update(status=CallStatus.answered.value, decision=CallStatus.answered.value, decided_at=now,
                      decided_on=local_date(now))
    changes = _audit_changes({
        k: (None, v) for k, v in values.items()
        if v is not None and v is not False and k not in ("accused_party_key", "decided_at", "decided_on")
    })
    row = dict.fromkeys(_INTAKE_COLUMNS)
    row.update(values, version=1, operator_id=getattr(actor, "id", None),
               accept_due_on=_accept_due_on(values["received_at"]), created_at=now, updated_at=now)
    if row["status"] is None:
        row["status"] = CallStatus.open.value
    if len(row) != len(_INTAKE_COLUMNS):  # a new intake field must be added to _INTAKE_COLUMNS, or it is lost
        raise RuntimeError(f"intake columns missing: {sorted(set(row) - set(_INTAKE_COLUMNS))}")
    tokens = bigram_tokens(row["summary"], row["accused_party"], row["caller_name"])
    event = event_values(Call.__audit_type__, "create", actor, changes, region_code=row["region_code"])
    payload = stale_payload(local_date(row["received_at"]))
    call_id, ref, caller_row, duplicate_rows = _write_intake(row, phone, tokens, event, payload, duplicates)
    outbox.written(STALE_TOPIC)
    caller = _caller_from_row(caller_row) if caller_row is not None else None
    attributes = dict.fromkeys(_CALL_ATTRIBUTES)
    attributes.update((k, v) for k, v in row.items() if k != "search_vector")
    attributes.update(id=call_id, ref=ref, caller_id=caller.id if caller else None, caller=caller)
    call = as_loaded(Call, attributes)
    log_event(event, call_id)
    return call, duplicate_rows


def find_call_by_cti_id(cti_call_id: str | None) -> Call | None:
    cti_call_id = (cti_call_id or "").strip() if isinstance(cti_call_id, str) else None
    if not cti_call_id:
        return None
    return db.session.scalar(select(Call).where(Call.cti_call_id == cti_call_id))


def record_call_once(data: dict[str, Any], *, actor) -> tuple[Call, bool]:
    """Log a call, once per switch call: with a ``cti_call_id`` already logged, the call logged then (and False)
    instead of a second one — also when two requests race (the unique index decides; the loser's insert is rolled
    back to a savepoint and it answers with the winner's call). Returns (call, created).

    :raises StateError: the switch call was logged as a call of a region ``actor`` does not see (its contents are
        not theirs to read).
    """
    call, created, _ = _record_once(data, actor, lambda: (record_call(data, actor=actor), []))
    return call, created


def record_call_once_with_duplicates(data: dict[str, Any], *, actor) -> tuple[Call, bool, list]:
    """``record_call_once`` for the API's intake: also the possible duplicates of a new call
    (``record_call_with_duplicates``; none for a call already logged). Returns (call, created, hints)."""
    return _record_once(data, actor, lambda: record_call_with_duplicates(data, actor=actor))


def _record_once(data: dict[str, Any], actor, record) -> tuple[Call, bool, list]:
    from sqlalchemy.exc import IntegrityError

    def existing() -> tuple[Call, bool, list] | None:
        call = find_call_by_cti_id(data.get("cti_call_id"))
        if call is None:
            return None
        if not sees_region(actor, call.region_code):
            raise StateError(_("This switch call is already logged, as another office's call."))
        return call, False, []

    if not data.get("cti_call_id"):  # no switch call: nothing to race for (and no savepoint on the hot path)
        call, hints = record()
        return call, True, hints
    found = existing()
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            call, hints = record()
            return call, True, hints
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found


def update_call(call: Call, data: dict[str, Any], *, actor, expected_version: int | None) -> dict:
    """Edit a call's intake fields (PATCH). Returns the audited changes."""
    _check_version(call, expected_version)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields."), {f: [_("Unknown field.")] for f in sorted(unknown)})
    values = _normalize(data, actor=actor, partial=True, call=call)
    phone = values.pop("_phone", "absent")
    new_caller = call.caller
    if phone != "absent":
        # Before any attribute changes, so the upsert's autoflush cannot write (and version) the call early.
        new_caller = _upsert_caller(phone, call.received_at) if phone is not None else None
    changes: dict[str, tuple[Any, Any]] = {}
    for field, new in values.items():
        old = getattr(call, field)
        if old != new:
            setattr(call, field, new)
            changes[field] = (old, new)
    if new_caller is not call.caller:
        call.caller = new_caller
    if not changes:
        return {}
    if {"summary", "accused_party", "caller_name"} & changes.keys():
        call.search_vector = _search_document(call)
    if "received_at" in changes:
        call.accept_due_on = _accept_due_on(call.received_at)
        mark_stale(local_date(changes["received_at"][0]))
    mark_stale(local_date(call.received_at))
    db.session.flush()
    record_event(call, "update", actor, _audit_changes(changes))
    return changes


def status_word(status: str) -> str:
    """A call status code as state messages quote it: the code itself in English, a word in Chinese."""
    words = {
        CallStatus.open.value: pgettext("call status", "open"),
        CallStatus.answered.value: pgettext("call status", "answered"),
        CallStatus.transferred.value: pgettext("call status", "transferred"),
        CallStatus.case_opened.value: pgettext("call status", "case_opened"),
        CallStatus.not_accepted.value: pgettext("call status", "not_accepted"),
        CallStatus.closed.value: pgettext("call status", "closed"),
    }
    return words.get(status, status)


def _move(call: Call, status: CallStatus) -> None:
    if not call.can_move_to(status):
        raise StateError(_("A call in status '%(status)s' cannot become '%(target)s'.",
                           status=status_word(call.status), target=status_word(status.value)))
    mark_stale(local_date(call.received_at))
    if call.status == CallStatus.open.value:
        call.decided_at = utcnow()
        call.decided_on = local_date(call.decided_at)
    if status != CallStatus.closed:
        call.decision = status.value
    call.status = status.value


def mark_case_opened(call: Call, case_id: int, *, actor) -> None:
    """The call led to an enforcement case (called by the cases domain in the same transaction)."""
    old_status = call.status
    _move(call, CallStatus.case_opened)
    db.session.flush()
    record_event(call, "case_opened", actor, {"status": (old_status, call.status), "case_id": (None, case_id)})


def _accept_due_on(received_at: datetime):
    """The hotline's acceptance/transfer deadline; None when the calendar lacks the year (intake never fails
    for that: the daily task fills it in once the year is loaded)."""
    from hotline.core.errors import DomainError
    from hotline.deadlines.engine import call_accept_deadline

    try:
        found = call_accept_deadline(local_date(received_at))
    except DomainError:
        return None
    return found[0] if found else None


def transfer_call(call: Call, to: str, note: str | None, *, actor, expected_version: int | None) -> None:
    """Transfer to a 市州 office (``to`` is its region code) or another agency (``to`` is its name).

    A transfer to a 市州 office moves the call into that region, so its officers see it.
    """
    _check_version(call, expected_version)
    to = clean_text(to if isinstance(to, str) else None)
    note = clean_text(note if isinstance(note, str) else None, multiline=True)
    if not to:
        raise ValidationFailed(_("Transfer target required."), {"to": [_("Choose a 市州 office or name an agency.")]})
    if note and len(note) > 2000:
        raise ValidationFailed(_("Note too long."), {"note": [_("At most %(limit)d characters.", limit=2000)]})
    from hotline.transfers.models import TransferStatus
    from hotline.transfers.operations import create_transfer, current_transfer, require_hotline_for_call

    again = call.status == CallStatus.transferred.value
    if again and actor is not None:
        require_hotline_for_call(actor, call)
    previous = current_transfer(call) if again else None
    if again and (previous is None or previous.status != TransferStatus.returned):
        raise StateError(_("A call in status '%(status)s' cannot become '%(target)s'.",
                           status=status_word(call.status), target=status_word(CallStatus.transferred.value)))
    regions = ref.region_map()
    if to in regions:
        if to == province_code():
            raise ValidationFailed(_("Invalid target."), {"to": [_("Transfer to a 市州 office, not the province.")]})
        target_region, agency = to, None
    else:
        if to.isdigit():
            raise ValidationFailed(_("Unknown region."), {"to": [_("Unknown region code %(code)r.", code=to)]})
        if len(to) > 200:
            raise ValidationFailed(_("Name too long."), {"to": [_("At most %(limit)d characters.", limit=200)]})
        target_region, agency = None, to
    # Validated: only now does anything change.
    old = {"status": call.status, "region_code": call.region_code,
           "transferred_to_region_code": call.transferred_to_region_code,
           "transferred_to_agency": call.transferred_to_agency}
    if not again:  # a returned transfer sent elsewhere: the call was transferred already
        _move(call, CallStatus.transferred)
    else:
        mark_stale(local_date(call.received_at))
    call.transferred_to_region_code = target_region
    call.transferred_to_agency = agency
    if target_region:
        call.region_code = target_region
    call.transferred_at = utcnow()
    call.transfer_note = note
    call.transfer_status = TransferStatus.pending.value  # the new transfer's (one version bump for the call)
    new = {k: getattr(call, k) for k in old}
    db.session.flush()
    record_event(call, "transfer", actor, {k: (old[k], new[k]) for k in old if old[k] != new[k]},
                 note=note, region_code=call.region_code)
    create_transfer(call, to_region_code=target_region, to_agency=agency, note=note, actor=actor,
                    from_region_code=actor.region_code if actor is not None else old["region_code"])


def set_call_status(call: Call, status: str, *, actor, expected_version: int | None,
                    reason: str | None = None) -> None:
    """Mark a call answered (consultation dealt with) or not accepted (with a reason)."""
    _check_version(call, expected_version)
    if status not in (CallStatus.answered.value, CallStatus.not_accepted.value):
        raise ValidationFailed(_("Invalid status."), {
            "status": [_("Use transfer, open a case or record feedback for the other statuses.")]})
    reason = clean_text(reason if isinstance(reason, str) else None)
    if status == CallStatus.not_accepted.value and not reason:
        raise ValidationFailed(_("Reason required."), {"reason": [_("Say why the call is not accepted.")]})
    if reason and len(reason) > 500:
        raise ValidationFailed(_("Reason too long."), {"reason": [_("At most %(limit)d characters.", limit=500)]})
    old_status = call.status
    _move(call, CallStatus(status))
    if status == CallStatus.not_accepted.value:
        call.not_accepted_reason = reason
    db.session.flush()
    record_event(call, "status", actor, {"status": (old_status, call.status)}, note=reason)


def record_feedback(call: Call, *, method: str, note: str | None, given_at: datetime | None, actor,
                    expected_version: int | None) -> None:
    """Record the feedback given to the caller; this closes the call."""
    _check_version(call, expected_version)
    errors: dict[str, list[str]] = {}
    if method not in FEEDBACK_METHODS:
        errors["method"] = [_("One of: %(choices)s.", choices=", ".join(FEEDBACK_METHODS))]
    note = clean_text(note if isinstance(note, str) else None, multiline=True)
    if not note:
        errors["note"] = [_("Say what the caller was told.")]
    elif len(note) > 2000:
        errors["note"] = [_("At most %(limit)d characters.", limit=2000)]
    given_at = given_at or utcnow()
    if given_at.tzinfo is None:
        errors["given_at"] = [_("Give the time with its UTC offset.")]
    elif given_at > utcnow() + timedelta(minutes=5):
        errors["given_at"] = [_("Cannot be in the future.")]
    elif given_at < call.received_at:
        errors["given_at"] = [_("Feedback cannot predate the call.")]
    if errors:
        raise ValidationFailed(_("Invalid feedback."), errors)
    from hotline.transfers.models import TransferStatus
    from hotline.transfers.operations import close_transfer, current_transfer, may_close_call, require_hotline_for_call

    require_hotline_for_call(actor, call)
    if not may_close_call(call):
        raise StateError(_("A transferred call closes once the caller was called back on its transfer "
                           "(now: %(status)s).", status=status_word(call.status)))
    transfer = current_transfer(call) if call.status == CallStatus.transferred.value else None
    old_status = call.status
    _move(call, CallStatus.closed)
    call.feedback_at = given_at
    call.feedback_method = method
    call.feedback_note = note
    call.closed_at = utcnow()
    db.session.flush()
    record_event(call, "feedback", actor, {"status": (old_status, call.status), "feedback_method": (None, method)},
                 note=note)
    if transfer is not None and transfer.status == TransferStatus.called_back:
        close_transfer(transfer, actor=actor)


def close_after_callback(call: Call, *, note: str | None, given_at: datetime, actor) -> None:
    """The caller was reached and satisfied on the transfer's call-back: that was the feedback; the call closes."""
    if call.status == CallStatus.closed.value or not call.can_move_to(CallStatus.closed):
        return
    old_status = call.status
    _move(call, CallStatus.closed)
    call.feedback_at = given_at
    call.feedback_method = "phone"
    call.feedback_note = note
    call.closed_at = utcnow()
    db.session.flush()
    record_event(call, "feedback", actor, {"status": (old_status, call.status), "feedback_method": (None, "phone")},
                 note=note)


def mark_duplicate(call: Call, original: Call | None, *, actor, expected_version: int | None) -> None:
    """Link ``call`` as a duplicate of ``original`` (or unlink with None)."""
    _check_version(call, expected_version)
    if original is not None:
        # Walk the original's own chain: linking must never close a loop (A → B → A).
        seen, cursor = set(), original
        while cursor is not None and cursor.id not in seen:
            if cursor.id == call.id:
                raise ValidationFailed(_("Invalid link."), {"duplicate_of": [
                    _("That call is already (a duplicate of) this one; link the other way round.")]})
            seen.add(cursor.id)
            cursor = cursor.duplicate_of
    old = call.duplicate_of.ref if call.duplicate_of else None
    call.duplicate_of_id = original.id if original else None
    db.session.flush()
    record_event(call, "link_duplicate", actor, {"duplicate_of": (old, original.ref if original else None)})


class TooManyLookups(DomainError):
    """More distinct full numbers looked up than the window allows (429)."""

    status_code = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _number_hash(phone_key: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, phone_key.encode(), hashlib.sha256).hexdigest()


def record_number_lookup(user, phone_key: str) -> bool:
    """A full number typed by a user who sees numbers masked (officer, supervisor) answers which calls it made: it
    reveals the number behind a masked one, and candidates could be tried one after another. So such look-ups are
    counted per user (distinct numbers, ``NUMBER_LOOKUPS_PER_WINDOW`` per ``NUMBER_LOOKUP_WINDOW_SECONDS``) and
    what they show is audited (:func:`audit_number_lookup`). Roles that see numbers (operators) are not counted.

    :returns: True when the number is new for this user in the window (its answer is to be audited), False when
        they asked for it already (the intake panel asks again as the other fields change) or see numbers anyway.
    :raises TooManyLookups: a new number beyond the limit; the first refusal of a window is audited (written in
        the caller's transaction: commit it before answering).
    """
    if user.role in PII_ROLES:
        return False
    cfg = current_app.config
    window = cfg["NUMBER_LOOKUP_WINDOW_SECONDS"]
    now = utcnow()
    since = now - timedelta(seconds=window)
    digest = _number_hash(phone_key)
    db.session.execute(delete(NumberLookup).where(NumberLookup.user_id == user.id, NumberLookup.occurred_at < since))
    mine = (NumberLookup.user_id == user.id, NumberLookup.occurred_at >= since)
    if db.session.scalar(select(NumberLookup.id).where(*mine, NumberLookup.number_hash == digest).limit(1)):
        return False
    if db.session.scalar(select(func.count()).where(*mine)) >= cfg["NUMBER_LOOKUPS_PER_WINDOW"]:
        already = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.actor_id == user.id, AuditEvent.action == "lookup_throttled", AuditEvent.occurred_at >= since))
        if not already:
            record_event(user, "lookup_throttled", user, {}, region_code=user.region_code,
                         note=f"more than {cfg['NUMBER_LOOKUPS_PER_WINDOW']} numbers in {window // 60} minutes")
        raise TooManyLookups(_("Too many numbers looked up; try again in %(minutes)d minutes.",
                               minutes=max(window // 60, 1)), retry_after=window)
    db.session.add(NumberLookup(user_id=user.id, number_hash=digest, occurred_at=now))
    return True


def audit_number_lookup(calls, *, actor) -> int:
    """Each call shown for a full number a masked-number user typed gets an audit row ``lookup_number``: the number
    behind its masked caller is known to them now, as after a reveal. Returns how many were written."""
    written = set()
    for call in calls:
        if call.id not in written:
            record_event(call, "lookup_number", actor, {})
            written.add(call.id)
    return len(written)


def reveal_caller(call: Call, *, actor) -> dict[str, str | None]:
    """Return the full caller name and number for a user who sees them masked; audited."""
    db.session.flush()
    record_event(call, "reveal_caller", actor, {})
    return {"caller_name": call.caller_name, "caller_phone": call.caller.phone_key if call.caller else None,
            "caller_phone_raw": call.caller_phone_raw}
