"""Calls UI: keyboard-first intake with a live caller panel, the list, the detail page and its actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2.filters import do_truncate
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from hotline.calls import bp, logger
from hotline.calls.forms import (
    CALL_STATUS_LABELS,
    DUPLICATE_REASON_LABELS,
    FEEDBACK_METHOD_LABELS,
    CallFilterForm,
    DuplicateForm,
    EditCallForm,
    FeedbackForm,
    NewCallForm,
    StatusForm,
    TransferForm,
    api_shape,
    format_duration,
    status_label,
)
from hotline.calls.models import Call, CallStatus
from hotline.calls.operations import (
    EDITABLE_FIELDS,
    TooManyLookups,
    audit_number_lookup,
    mark_duplicate,
    record_call_once,
    record_feedback,
    record_number_lookup,
    reveal_caller,
    set_call_status,
    transfer_call,
    update_call,
)
from hotline.calls.phones import PhoneError, display_number, parse_phone
from hotline.calls.queries import (
    CallFilters,
    call_timeline,
    caller_history,
    count_caller_calls,
    decode_cursor,
    find_caller,
    find_duplicates,
    get_call_by_ref,
    get_call_or_404,
    list_calls,
    scope,
)
from hotline.core.errors import StaleVersion, StateError, ValidationFailed
from hotline.core.forms import ConfirmForm, HotlineForm
from hotline.core.patents import PatentNumberError, parse_patent_number
from hotline.core.permissions import (
    CALL_READ_ROLES,
    CALL_WRITE_ROLES,
    PII_ROLES,
    REVEAL_ROLES,
    mask_name,
    mask_phone,
    province_code,
    reload_visible,
    role_required,
    sees_region,
)
from hotline.core.text import clean_text, match_key
from hotline.extensions import db
from hotline.reference import queries as ref
from hotline.reference.queries import default_area_code as _default_area_code
from hotline.templating import format_local, local_tz
from hotline.transfers.forms import transfer_status_label
from hotline.transfers.models import TransferStatus
from hotline.transfers.operations import (
    acts_for_the_call,
    can_open_case,
    current_transfer,
    may_close_call,
    sees_transfer,
)

DEFAULT_PAGE_SIZE = 50
LOOKUP_HISTORY_LIMIT = 10
DETAIL_HISTORY_LIMIT = 20

STALE_MESSAGE = _l("Someone else changed this call; your input is kept below. Check the call and save again.")

ACTION_LABELS = {
    "create": _l("Logged"),
    "update": _l("Edited"),
    "transfer": _l("Transferred"),
    "status": _l("Status changed"),
    "feedback": _l("Feedback given to the caller"),
    "link_duplicate": _l("Duplicate link changed"),
    "reveal_caller": _l("Caller details revealed"),
    "lookup_number": _l("Caller's number looked up"),
    "case_opened": _l("Case opened from this call"),
    "transfer_sign": _l("Transfer signed for (签收)"),
    "transfer_return": _l("Transfer returned (退回)"),
    "transfer_answer": _l("Transfer answered (反馈)"),
    "transfer_callback": _l("Caller called back (回访)"),
    "transfer_reopen": _l("Transfer reopened (重办)"),
    "transfer_close": _l("Transfer closed"),
    "transfer_case_opened": _l("Case opened from the transfer"),
}

FIELD_LABELS = {
    "received_at": _l("Received"),
    "channel": _l("Channel"),
    "request_type": _l("Request type"),
    "ip_type": _l("IP type"),
    "region_code": _l("Region"),
    "caller_name": _l("Caller name"),
    "caller_phone_raw": _l("Caller number"),
    "is_anonymous": _l("Anonymous caller"),
    "accused_party": _l("Accused party"),
    "patent_number": _l("Patent number"),
    "patent_number_raw": _l("Patent number as given"),
    "product": _l("Product"),
    "place": _l("Place"),
    "summary": _l("Summary"),
    "description": _l("Details"),
    "duration_seconds": _l("Duration"),
    "exhibition_name": _l("Exhibition"),
    "exhibition_id": _l("Trade fair (展会)"),
    "status": _l("Status"),
    "transferred_to_region_code": _l("Transferred to office"),
    "transferred_to_agency": _l("Transferred to agency"),
    "feedback_method": _l("Feedback method"),
    "duplicate_of": _l("Duplicate of"),
    "case_id": _l("Case"),
    "transfer_status": _l("Transfer"),
}

_REGION_FIELDS = {"region_code", "transferred_to_region_code"}
_CATEGORY_FIELDS = {"request_type", "channel", "ip_type"}
_TIME_FIELDS = {"received_at", "feedback_at", "transferred_at", "closed_at"}


# ---------------------------------------------------------------------------------------------------------------
# helpers


@bp.before_request
def _no_store():
    # Every page of this blueprint carries callers' personal data: never cache it.
    g.no_store = True


#: Ids beyond BIGINT would make the database raise instead of finding nothing.
MAX_ID = 2**63 - 1


def _load_call(call_id: int) -> Call:
    """The call, if this user may see it (404 otherwise, also for ids no row can have)."""
    if not 0 < call_id <= MAX_ID:
        abort(404)
    return get_call_or_404(call_id, current_user)


def shows_pii(user) -> bool:
    return user.role in PII_ROLES


def _category_labels() -> dict[str, dict[str, str]]:
    """Per category kind, code → label in the page's language; built once per request (a list page asks
    three times per row)."""
    try:
        return g._call_category_labels
    except AttributeError:
        locale = str(get_locale() or "zh_CN")
        sources = {"request_type": ref.list_request_types, "channel": ref.list_channels, "ip_type": ref.list_ip_types}
        g._call_category_labels = labels = {kind: {item.code: item.label(locale) for item in source()}
                                            for kind, source in sources.items()}
        return labels


def category_label(kind: str, code: str | None) -> str:
    if not code:
        return ""
    return _category_labels()[kind].get(code, code)


def region_label(code: str | None) -> str:
    if not code:
        return ""
    region = ref.region_map().get(code)
    return region.name if region else code


def caller_display(call: Call, *, full: bool, revealed: dict | None = None) -> dict[str, str | None]:
    """What the page shows for the caller: full for PII roles (or once revealed), masked otherwise."""
    return _caller_view(call.is_anonymous, call.caller_name, call.caller.phone_key if call.caller else None,
                        call.caller_phone_raw, full=full or revealed is not None)


def _caller_view(anonymous: bool, name: str | None, key: str | None, raw: str | None, *, full: bool
                 ) -> dict[str, str | None]:
    if anonymous:
        return {"anonymous": True, "name": None, "number": None, "raw": None, "masked": False}
    if full:
        number = display_number(key) if key else raw
        return {"anonymous": False, "name": name, "number": number, "raw": raw if raw and raw != number else None,
                "masked": False}
    return {"anonymous": False, "name": mask_name(name), "number": mask_phone(key or raw), "raw": None,
            "masked": bool(name or key or raw)}


def _now_local_minute() -> datetime:
    return datetime.now(local_tz()).replace(second=0, microsecond=0, tzinfo=None)


def _local_minute(value: datetime | None) -> datetime | None:
    return value.astimezone(local_tz()).replace(second=0, microsecond=0, tzinfo=None) if value else None


@bp.context_processor
def _helpers():
    return {
        "status_label": status_label,
        "status_labels": CALL_STATUS_LABELS,
        "feedback_method_label": lambda m: FEEDBACK_METHOD_LABELS.get(m, m or ""),
        "duplicate_reason_labels": DUPLICATE_REASON_LABELS,
        "format_duration": format_duration,
        "CALL_WRITE_ROLES": CALL_WRITE_ROLES,
    }


# ---------------------------------------------------------------------------------------------------------------
# intake


def _saved_message(call: Call, *, answered: bool = False) -> Markup:
    """"Logged HL-2026-000012." with the reference linking to the call. The translation is escaped; the link is
    built from the URL and the generated reference, both escaped too."""
    link = Markup('<a href="{}">{}</a>').format(url_for("calls.detail", call_id=call.id), call.ref)
    if answered:
        return escape(_("Logged %(ref)s as answered.")) % {"ref": link}
    return escape(_("Logged %(ref)s.")) % {"ref": link}


@bp.route("/new", methods=["GET", "POST"])
@role_required(*CALL_WRITE_ROLES)
def new():
    """The intake form: one screen, keyboard only, saved with Ctrl+Enter; then straight to the next call."""
    form = NewCallForm(user=current_user)
    status = 200
    if request.method == "GET":
        form.received_at.data = _now_local_minute()
        form.request_type.data = form.request_type.choices[0].value if form.request_type.choices else None
        # A 市州 operator logs calls for their own region; the province centre picks it for each call.
        form.region_code.data = current_user.region_code if current_user.region_code != province_code() else ""
    if form.validate_on_submit():
        try:
            answered = "answered" in request.form
            call, created = record_call_once(form.api_data(local_tz(), answered=answered), actor=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            form.apply_domain_errors(exc.errors)
            status = 422
        except StateError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            status = 409
        else:
            db.session.commit()
            if not created:
                # The switch call was logged already (a second tab, a double submit): that call, not a second one.
                flash(_("This switch call was logged already as %(ref)s.", ref=call.ref), "info")
                return redirect(url_for("calls.detail", call_id=call.id))
            logger.info("call %s logged by user %s", call.id, current_user.id)
            flash(_saved_message(call, answered=answered), "success")
            return redirect(url_for("calls.new"))
    elif request.method == "POST":
        status = 422
    if status in (409, 422):
        form.lift_hidden_errors()
        form.form_errors.insert(0, _("The call was not saved: correct the highlighted fields."))
    return render_template("calls/new.html", form=form), status


@bp.route("/lookup")
@role_required(*CALL_READ_ROLES)
def lookup():
    """JSON for the intake side panel: the caller's earlier calls and possible duplicates (90 days).

    Region-scoped like every list; names and numbers masked for roles that do not see personal data. For those
    roles a full number is a reveal: the calls it shows are audited, and distinct numbers are rate-limited per user
    (429 beyond the limit) — trying candidates would otherwise uncover a masked number.
    """
    user = current_user
    full = shows_pii(user)
    phone_raw = request.args.get("phone", "")[:60]
    accused = request.args.get("accused_party", "")[:200]
    patent_raw = request.args.get("patent_number", "")[:60]
    exclude_id = request.args.get("exclude", type=int)
    if exclude_id is not None and not 0 < exclude_id <= MAX_ID:
        exclude_id = None

    result: dict = {"phone": None, "patent": None, "region_hint": None, "known_name": None,
                    "history": {"total": 0, "calls": []}, "duplicates": []}
    caller, counted, history = None, False, []
    if phone_raw.strip():
        try:
            phone = parse_phone(phone_raw, _default_area_code())
        except PhoneError as exc:
            result["phone"] = {"valid": False, "error": str(exc)}
        else:
            shown = display_number(phone.key) if full else mask_phone(phone.key)
            result["phone"] = {"valid": True, "display": shown, "type": phone.number_type}
            result["region_hint"] = _region_hint(phone.area_code)
            try:
                counted = record_number_lookup(user, phone.key)
            except TooManyLookups as exc:
                db.session.commit()  # the refusal's audit row
                logger.warning("number look-ups of user %s throttled", user.id)
                response = jsonify({"error": "Too Many Requests", "message": exc.message})
                response.headers["Retry-After"] = str(exc.retry_after)
                return response, 429
            caller = find_caller(phone.key)
    if caller is not None:
        history = caller_history(user, caller, exclude_id=exclude_id, limit=LOOKUP_HISTORY_LIMIT)
        total = count_caller_calls(user, caller)
        if exclude_id:
            excluded = db.session.get(Call, exclude_id)
            if excluded is not None and excluded.caller_id == caller.id and sees_region(user, excluded.region_code):
                total -= 1
        result["history"] = {"total": total, "calls": [_call_json(c, full=full) for c in history]}

    patent_number = None
    if patent_raw.strip():
        try:
            patent_number = parse_patent_number(patent_raw).normalized
        except PatentNumberError as exc:
            result["patent"] = {"valid": False, "error": str(exc)}
        else:
            result["patent"] = {"valid": True, "normalized": patent_number}

    hints = find_duplicates(user, caller_id=caller.id if caller else None, accused_key=match_key(accused),
                            patent_number=patent_number, exclude_id=exclude_id)
    # Each earlier call once: a possible duplicate that is one of the number's earlier calls is listed there,
    # with its reasons; the duplicates list holds the others.
    listed = {c["id"]: c for c in result["history"]["calls"]}
    for h in hints:
        entry = listed.get(h.call.id) or dict(_call_json(h.call, full=full))
        entry.update(reasons=h.reasons, reason_labels=[str(DUPLICATE_REASON_LABELS.get(r, r)) for r in h.reasons])
        if h.call.id not in listed:
            result["duplicates"].append(entry)
    if result["region_hint"] is None:
        # No telling area code (a mobile, or 0731 shared by three 市州): the region of the number's latest call.
        earlier = next((c.region_code for c in history if c.region_code != province_code()), None)
        if earlier is not None:
            result["region_hint"] = {"code": earlier, "name": region_label(earlier), "source": "earlier_calls"}
    # A known number fills in the caller's name: the latest name given on its earlier calls (roles that see it).
    result["known_name"] = next((c.caller_name for c in history if c.caller_name and not c.is_anonymous),
                                None) if full else None
    if counted:
        audit_number_lookup([*history, *(h.call for h in hints if "same_number" in h.reasons)], actor=user)
        db.session.commit()
    return jsonify(result)


def _region_hint(area_code: str | None) -> dict | None:
    """A landline area code that belongs to exactly one 市州 suggests the region (0731 is shared by three)."""
    if not area_code:
        return None
    matches = [r for r in ref.list_regions() if r.area_code == area_code and r.code != province_code()]
    if len(matches) != 1:
        return None
    return {"code": matches[0].code, "name": matches[0].name}


def _call_json(call: Call, *, full: bool) -> dict:
    caller = caller_display(call, full=full)
    return {
        "id": call.id,
        "ref": call.ref,
        "url": url_for("calls.detail", call_id=call.id),
        "received_at": format_local(call.received_at),
        "request_type": category_label("request_type", call.request_type),
        "status": call.status,
        "status_label": status_label(call.status),
        "region": region_label(call.region_code),
        "summary": call.summary,
        "accused_party": call.accused_party,
        "patent_number": call.patent_number,
        "caller_name": caller["name"],
        "caller_number": caller["number"],
        "anonymous": call.is_anonymous,
    }


# ---------------------------------------------------------------------------------------------------------------
# list


def _page_size() -> int:
    size = request.args.get("page_size", DEFAULT_PAGE_SIZE, type=int)
    return max(1, min(size or DEFAULT_PAGE_SIZE, 200))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_tz()).astimezone(UTC)


class CallRow(NamedTuple):
    """One line of the call list, ready to print (the template does no lookups per row)."""

    url: str
    ref: str
    received: str
    request_type: str
    channel: str
    region: str
    caller: dict
    accused_party: str
    summary: str
    status: str
    status_label: str


def _list_rows(calls: list, *, full: bool) -> list[CallRow]:
    """``calls``: the rows of ``list_calls(for_list=True)``."""
    labels = _category_labels()
    types, channels = labels["request_type"], labels["channel"]
    regions = ref.region_map()
    statuses = {s.value: str(label) for s, label in CALL_STATUS_LABELS.items()}
    tz = local_tz()
    # The detail URL of every row from one url_for (it is the costliest call per row otherwise).
    detail = url_for("calls.detail", call_id=0).removesuffix("0")
    rows = []
    for c in calls:
        region = regions.get(c.region_code)
        summary = c.summary or ""
        rows.append(CallRow(
            url=f"{detail}{c.id}", ref=c.ref, received=c.received_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            request_type=types.get(c.request_type, c.request_type or ""),
            channel=channels.get(c.channel, c.channel or ""),
            region=region.name if region else c.region_code,
            caller=_caller_view(c.is_anonymous, c.caller_name, c.phone_key, c.caller_phone_raw, full=full),
            accused_party=c.accused_party or "",
            summary=do_truncate(current_app.jinja_env, summary, 80),
            status=c.status, status_label=(statuses.get(c.status, c.status) if c.transfer_status is None
                                           else status_label(c.status, c.transfer_status))))
    return rows


def _valid_cursor(cursor: str) -> bool:
    """A cursor that decodes to an instant the database can compare (a hand-edited one may not)."""
    try:
        received_at, call_id = decode_cursor(cursor)
        received_at.astimezone(UTC)
    except (ValidationFailed, OverflowError):
        return False
    return 2000 <= received_at.year <= 2100 and 0 < call_id <= MAX_ID


def list_filters() -> tuple[CallFilterForm, CallFilters]:
    """The call list's filter form from the query string, and the filters it gives (invalid fields: ignored). The
    list page and its XLSX download read the same ones."""
    form = CallFilterForm(request.args, user=current_user)
    form.validate()

    def value(name):
        field = form._fields.get(name)
        return field.data if field is not None and field.data and not field.errors else None

    date_from, date_to = value("date_from"), value("date_to")
    filters = CallFilters(
        received_from=_day_start(date_from) if date_from else None,
        received_to=_day_start(date_to + timedelta(days=1)) if date_to else None,
        region_code=value("region_code"),
        request_type=value("request_type"),
        channel=value("channel"),
        status=value("status"),
        ip_type=value("ip_type"),
        q=clean_text(value("q")),  # no NUL or other control characters reach the database
    )
    return form, filters


@bp.route("")
@role_required(*CALL_READ_ROLES)
def index():
    form, filters = list_filters()
    page_size = _page_size()
    cursor = request.args.get("cursor") or None
    cursor_error = None
    if cursor and not _valid_cursor(cursor):
        cursor_error = _("This page link is no longer valid; showing the first page.")
        cursor = None
    calls, next_cursor = list_calls(current_user, filters, cursor=cursor, page_size=page_size, for_list=True)
    args = form.query_args()
    if page_size != DEFAULT_PAGE_SIZE:
        args["page_size"] = str(page_size)
    return render_template(
        "calls/index.html", form=form, rows=_list_rows(calls, full=shows_pii(current_user)),
        next_url=url_for("calls.index", cursor=next_cursor, **args) if next_cursor else None,
        first_url=url_for("calls.index", **args) if cursor else None,
        cursor_error=cursor_error,
        filtered=bool(args.keys() - {"page_size"}),
        export_url=url_for("calls.export", **form.query_args()),
    )


@bp.route("/export.xlsx")
@role_required(*CALL_READ_ROLES)
def export():
    """The call list with its filters as XLSX (what the page shows, masked as the page masks it)."""
    from hotline.calls.exports import export_calls
    from hotline.core.exports import audit_export, describe_filters
    from hotline.core.xlsx import xlsx_response

    form, filters = list_filters()
    out, count = export_calls(current_user, filters, describe_filters(form))
    audit_export(current_user, "calls", count, form)
    db.session.commit()
    return xlsx_response(out, f"calls-{datetime.now(local_tz()):%Y%m%d-%H%M}.xlsx")


# ---------------------------------------------------------------------------------------------------------------
# detail and actions


def _timeline_value(field: str, value):
    if value is None or value == "":
        return None
    if field == "status":
        return status_label(value)
    if field == "transfer_status":
        from hotline.transfers.forms import transfer_status_label

        return transfer_status_label(value)
    if field in _REGION_FIELDS:
        return region_label(value)
    if field in _CATEGORY_FIELDS:
        return category_label(field, value)
    if field == "feedback_method":
        return str(FEEDBACK_METHOD_LABELS.get(value, value))
    if field == "duration_seconds" and isinstance(value, int):
        return format_duration(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field in _TIME_FIELDS and isinstance(value, str):
        try:
            return format_local(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


def timeline_entries(call: Call) -> list[dict]:
    entries = []
    for event in call_timeline(call):
        changes = [
            {"field": str(FIELD_LABELS.get(name, name)),
             "old": _timeline_value(name, pair[0] if isinstance(pair, list | tuple) else None),
             "new": _timeline_value(name, pair[1] if isinstance(pair, list | tuple) else pair)}
            for name, pair in (event.changes or {}).items()
        ]
        entries.append({"at": event.occurred_at, "who": event.actor_name, "action": event.action,
                        "action_label": str(ACTION_LABELS.get(event.action, event.action)),
                        "changes": changes, "note": event.note})
    return entries


def _duplicated_by(call: Call) -> list[Call]:
    """Calls linked as duplicates of this one, in the user's region."""
    stmt = scope(select(Call).where(Call.duplicate_of_id == call.id), current_user)
    return list(db.session.scalars(stmt.order_by(Call.received_at.desc(), Call.id.desc()).limit(50)).unique())


def _can_transfer(call: Call) -> bool:
    """Open or answered calls; a transferred call whose region returned the transfer may go elsewhere."""
    if call.can_move_to(CallStatus.transferred):
        return True
    return call.status == CallStatus.transferred.value and call.transfer_status == TransferStatus.returned.value


def _can_close(call: Call) -> bool:
    return call.can_move_to(CallStatus.closed) and may_close_call(call)


def _action_forms(call: Call, **active) -> dict[str, HotlineForm]:
    """Fresh action forms (no formdata) except the one being submitted; only those the page can show (the
    template renders each under the same condition)."""
    user = current_user
    forms: dict[str, HotlineForm] = {"duplicate_form": active.get("duplicate_form") or DuplicateForm(
        formdata=None, prefix="duplicate", version=call.version,
        duplicate_of=call.duplicate_of.ref if call.duplicate_of else None)}
    if _can_transfer(call):
        forms["transfer_form"] = active.get("transfer_form") or TransferForm(
            formdata=None, prefix="transfer", user=user, version=call.version)
    if call.can_move_to(CallStatus.answered) or call.can_move_to(CallStatus.not_accepted):
        forms["status_form"] = active.get("status_form") or StatusForm(
            formdata=None, prefix="status", version=call.version)
    if _can_close(call):
        forms["feedback_form"] = active.get("feedback_form") or FeedbackForm(
            formdata=None, prefix="feedback", version=call.version, given_at=_now_local_minute())
    return forms


def _render_detail(call: Call, status: int = 200, *, revealed: dict | None = None, alert: str | None = None,
                   **active):
    user = current_user
    full = shows_pii(user)
    history, history_total = [], 0
    if call.caller is not None:
        history = caller_history(user, call.caller, exclude_id=call.id, limit=DETAIL_HISTORY_LIMIT)
        history_total = max(count_caller_calls(user, call.caller) - 1, 0)
    duplicates = find_duplicates(user, caller_id=call.caller_id, accused_key=call.accused_party_key,
                                 patent_number=call.patent_number, exclude_id=call.id)
    duplicate_of = call.duplicate_of if call.duplicate_of and sees_region(user, call.duplicate_of.region_code) else None
    can_write = user.role in CALL_WRITE_ROLES
    caller = caller_display(call, full=full, revealed=revealed)
    return render_template(
        "calls/detail.html", call=call, caller=caller, full=full, revealed=revealed, alert=alert,
        can_write=can_write, can_reveal=user.role in REVEAL_ROLES and caller["masked"],
        can_transfer=can_write and _can_transfer(call) and acts_for_the_call(user, call),
        can_answer=can_write and call.can_move_to(CallStatus.answered),
        can_reject=can_write and call.can_move_to(CallStatus.not_accepted),
        can_feedback=can_write and _can_close(call) and acts_for_the_call(user, call),
        transfers=[t for t in call.transfers if sees_transfer(user, t)] if call.transfer_status else [],
        can_open_case_from_transfer=can_open_case(user, current_transfer(call)) if call.transfer_status else False,
        transfer_status_label=transfer_status_label,
        history=history, history_total=history_total, duplicates=duplicates, duplicate_of=duplicate_of,
        duplicated_by=_duplicated_by(call), timeline=timeline_entries(call),
        category_label=category_label, region_label=region_label,
        **(_action_forms(call, **active) if can_write else {}),
    ), status


@bp.route("/<int:call_id>")
@role_required(*CALL_READ_ROLES)
def detail(call_id: int):
    call = _load_call(call_id)
    return _render_detail(call)


def _run_action(call: Call, form: HotlineForm, form_key: str, perform: Callable[[], None], success: str,
                aliases: dict[str, str] | None = None):
    """The shared POST lifecycle of the actions on a call: validate → operation → commit → flash → redirect.

    Domain errors roll back (an operation may have changed the object before refusing) and re-render the
    detail page with the user's input: 422 for invalid input, 409 for a conflict or a disallowed move.
    """
    status = 422
    if form.validate_on_submit():
        try:
            perform()
        except (StaleVersion, StaleDataError):
            db.session.rollback()
            call = reload_visible(call)
            form.form_errors.append(str(STALE_MESSAGE))
            form.reset_version(call.version)
            status = 409
        except StateError as exc:
            # The move is no longer possible (someone moved the call on): say so above everything.
            db.session.rollback()
            call = reload_visible(call)
            return _render_detail(call, 409, alert=exc.message, **{form_key: form})
        except ValidationFailed as exc:
            db.session.rollback()
            call = reload_visible(call)
            form.apply_domain_errors(exc.errors, aliases)
        else:
            db.session.commit()
            flash(success, "success")
            if not sees_region(current_user, call.region_code):
                return redirect(url_for("calls.index"))
            return redirect(url_for("calls.detail", call_id=call.id))
    form.lift_hidden_errors()
    return _render_detail(call, status, **{form_key: form})


@bp.route("/<int:call_id>/transfer", methods=["POST"])
@role_required(*CALL_WRITE_ROLES)
def transfer(call_id: int):
    call = _load_call(call_id)
    if not acts_for_the_call(current_user, call):
        abort(403)  # a transferred call goes on from the hotline that sent it, not from the receiving office
    form = TransferForm(prefix="transfer", user=current_user)

    def perform():
        transfer_call(call, form.target, form.note.data, actor=current_user, expected_version=form.version.data)

    target = region_label(form.to_region.data) if form.to_region.data else (form.to_agency.data or "").strip()
    return _run_action(call, form, "transfer_form", perform,
                       _("%(ref)s transferred to %(target)s.", ref=call.ref, target=target),
                       aliases={"to": "to_region" if form.to_region.data else "to_agency"})


@bp.route("/<int:call_id>/status", methods=["POST"])
@role_required(*CALL_WRITE_ROLES)
def set_status(call_id: int):
    call = _load_call(call_id)
    form = StatusForm(prefix="status")

    def perform():
        set_call_status(call, form.status.data, actor=current_user, expected_version=form.version.data,
                        reason=form.reason.data)

    return _run_action(call, form, "status_form", perform,
                       _("%(ref)s is now: %(status)s.", ref=call.ref, status=status_label(form.status.data)))


@bp.route("/<int:call_id>/feedback", methods=["POST"])
@role_required(*CALL_WRITE_ROLES)
def feedback(call_id: int):
    call = _load_call(call_id)
    if not acts_for_the_call(current_user, call):
        abort(403)  # the hotline that transferred the call tells the caller and closes it
    form = FeedbackForm(prefix="feedback")

    def perform():
        given_at = form.given_at.data.replace(tzinfo=local_tz()) if form.given_at.data else None
        record_feedback(call, method=form.method.data, note=form.note.data, given_at=given_at, actor=current_user,
                        expected_version=form.version.data)

    return _run_action(call, form, "feedback_form", perform,
                       _("Feedback recorded; %(ref)s is closed.", ref=call.ref))


@bp.route("/<int:call_id>/duplicate", methods=["POST"])
@role_required(*CALL_WRITE_ROLES)
def duplicate(call_id: int):
    call = _load_call(call_id)
    form = DuplicateForm(prefix="duplicate")
    wanted = clean_text(form.duplicate_of.data) or ""

    def perform():
        original = None
        if wanted:
            original = get_call_by_ref(wanted, current_user)
            if original is None:
                raise ValidationFailed(_("Unknown reference."), {"duplicate_of": [
                    _("There is no call %(ref)s in your region.", ref=wanted.upper())]})
        mark_duplicate(call, original, actor=current_user, expected_version=form.version.data)

    message = (_("%(ref)s marked as a duplicate of %(original)s.", ref=call.ref, original=wanted.upper()) if wanted
               else _("%(ref)s is no longer marked as a duplicate.", ref=call.ref))
    return _run_action(call, form, "duplicate_form", perform, message)


@bp.route("/<int:call_id>/reveal", methods=["POST"])
@role_required(*REVEAL_ROLES)
def reveal(call_id: int):
    """Show the caller's full name and number once, in this response only; the reveal is audited."""
    call = _load_call(call_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    revealed = reveal_caller(call, actor=current_user)
    db.session.commit()
    logger.info("caller of call %s revealed to user %s", call.id, current_user.id)
    return _render_detail(call, revealed=revealed)


# ---------------------------------------------------------------------------------------------------------------
# edit


def _edit_values(call: Call, *, with_caller: bool) -> dict:
    """The call as the edit form holds it; comparing against this keeps the edit a PATCH of what changed."""
    values = {
        "received_at": _local_minute(call.received_at),
        "channel": call.channel,
        "request_type": call.request_type,
        "ip_type": call.ip_type or "",
        "region_code": call.region_code,
        "accused_party": call.accused_party,
        "patent_number": call.patent_number_raw or call.patent_number,
        "product": call.product,
        "place": call.place,
        "summary": call.summary,
        "description": call.description,
        "duration_seconds": call.duration_seconds,
        "exhibition_name": call.exhibition_name,
        "exhibition_id": str(call.exhibition_id or ""),
    }
    if with_caller:
        values.update(caller_phone=call.caller_phone_raw, caller_name=call.caller_name, anonymous=call.is_anonymous)
    return values


def _changed(submitted: dict, original: dict, tz) -> dict:
    """The fields of ``submitted`` that differ from ``original`` (both form-shaped), as operation input."""
    submitted, original = api_shape(submitted, tz), api_shape(original, tz)
    return {name: value for name, value in submitted.items()
            if name in EDITABLE_FIELDS and name in original and value != original[name]}


@bp.route("/<int:call_id>/edit", methods=["GET", "POST"])
@role_required(*CALL_WRITE_ROLES)
def edit(call_id: int):
    call = _load_call(call_id)
    full = shows_pii(current_user)
    original = _edit_values(call, with_caller=full)
    form = EditCallForm(user=current_user, can_see_caller=full, data=dict(original, version=call.version))
    form.set_exhibition_choices(call.region_code if call.region_code != province_code() else None,
                                keep=call.exhibition_id)
    status = 200
    conflicts: dict[str, str] = {}
    if form.validate_on_submit():
        tz = local_tz()
        changes = _changed({name: form[name].data for name in original if name in form}, original, tz)
        if not changes:
            flash(_("Nothing was changed."), "info")
            return redirect(url_for("calls.detail", call_id=call.id))
        try:
            update_call(call, changes, actor=current_user, expected_version=form.version.data)
        except (StaleVersion, StaleDataError):
            db.session.rollback()
            call = reload_visible(call)
            # Where the user's input differs from what is saved now, show the saved value next to the field.
            current = api_shape(_edit_values(call, with_caller=full), tz)
            conflicts = {name: _conflict_value(name, current[name]) for name in changes if name in current}
            form.form_errors.append(str(STALE_MESSAGE))
            form.reset_version(call.version)
            status = 409
        except ValidationFailed as exc:
            db.session.rollback()
            call = reload_visible(call)
            form.apply_domain_errors(exc.errors)
            status = 422
        else:
            db.session.commit()
            flash(_("Saved %(ref)s.", ref=call.ref), "success")
            return redirect(url_for("calls.detail", call_id=call.id))
    elif request.method == "POST":
        status = 422
    if status != 200:
        form.lift_hidden_errors()
    return render_template("calls/edit.html", call=call, form=form, conflicts=conflicts, full=full,
                           caller=caller_display(call, full=full)), status


def _conflict_value(name: str, value) -> str:
    """How a value someone else saved meanwhile is shown next to the field."""
    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    shown = _timeline_value(name, value)
    return str(shown)
