"""The results page of the top bar's search box."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from flask_login import current_user

from hotline.calls.forms import status_label
from hotline.calls.models import Call
from hotline.calls.operations import TooManyLookups
from hotline.calls.views import caller_display, region_label, shows_pii
from hotline.cases.forms import CASE_STATUS_LABELS
from hotline.core.permissions import CALL_READ_ROLES, role_required
from hotline.extensions import db
from hotline.search import bp, logger
from hotline.search.operations import search
from hotline.templating import format_local

SEARCH_ROLES = CALL_READ_ROLES  # operators, officers and supervisors: those who read calls or cases


@bp.before_request
def _no_store():
    g.no_store = True  # the results can name callers


@bp.route("")
@role_required(*SEARCH_ROLES)
def index():
    """Results for a number; exactly one record found (and not asked to list): straight to it."""
    q = request.args.get("q", "")[:200]
    try:
        result = search(current_user, q)
    except TooManyLookups as exc:
        db.session.commit()  # the refusal's audit row
        logger.warning("number look-ups of user %s throttled (search)", current_user.id)
        return render_template("search/results.html", q=q, result=None, error=exc.message), 429
    db.session.commit()  # the look-up count and audit rows of a masked role's phone search
    single = result.single
    if single is not None and request.args.get("list") != "1":
        if isinstance(single, Call):
            return redirect(url_for("calls.detail", call_id=single.id))
        return redirect(url_for("cases.detail", case_id=single.id))
    full = shows_pii(current_user)
    calls = [{"ref": c.ref, "url": url_for("calls.detail", call_id=c.id), "received": format_local(c.received_at),
              "region": region_label(c.region_code), "status": c.status, "status_label": status_label(c.status),
              "caller": caller_display(c, full=full), "summary": c.summary, "patent_number": c.patent_number}
             for c in result.calls]
    cases = [{"number": c.display_number, "url": url_for("cases.detail", case_id=c.id),
              "received": c.received_on.isoformat() if c.received_on else "", "region": region_label(c.region_code),
              "status": c.status, "status_label": str(CASE_STATUS_LABELS.get(c.status, c.status)),
              "summary": c.summary, "patent_number": c.patent_number}
             for c in result.cases]
    return render_template("search/results.html", q=result.q, result=result, calls=calls, cases=cases, error=None)
