"""Who is told of what, at the event: the one place that turns a domain's step into notifications.

Each function is called by the domain operation that made the step, in its transaction (so a notification exists
exactly when the step was committed) and after its audit row. The keys name the event (and, for a step that can
happen again, its round), so a retried request or a replayed task never notifies twice.
"""

from __future__ import annotations

import functools

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from hotline.core.i18n import gettext as _
from hotline.core.permissions import Role
from hotline.extensions import db
from hotline.notifications.models import NotificationKind
from hotline.notifications.operations import notify


def _in_ui_language(event):
    """Notifications are stored text read in the web UI, whose language is the configured default: a step taken
    through the API (English unless the client asks otherwise) must not write the other side's bell in it."""

    @functools.wraps(event)
    def in_ui_language(*args, **kwargs):
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            return event(*args, **kwargs)

    return in_ui_language


def office_users(region_code: str | None, roles) -> list[int]:
    """Active people (not service accounts) of the office of ``region_code`` with one of ``roles``."""
    from hotline.accounts.models import User

    if not region_code:
        return []
    return list(db.session.scalars(
        select(User.id).where(User.region_code == region_code, User.role.in_([str(r) for r in roles]),
                              User.is_active.is_(True), User.is_service.is_(False)).order_by(User.id)))


def _without(ids: list[int], actor) -> list[int]:
    """Nobody is told of their own step."""
    actor_id = getattr(actor, "id", None)
    return [i for i in ids if i != actor_id]


# Transfers (转办) ------------------------------------------------------------------------------------------------

def _transfer(transfer, users, title: str, step: str, actor) -> None:
    notify(_without(users, actor), NotificationKind.new_item, title, f"/transfers/{transfer.id}",
           key=f"transfer={transfer.id}:{step}:{transfer.reopen_count}", object_type="transfer",
           object_id=transfer.id)


@_in_ui_language
def transfer_sent(transfer, actor) -> None:
    """A transfer to an office: its officers and supervisors sign for it. To an agency: the hotline's supervisors
    follow it."""
    ref = transfer.call.ref
    if transfer.to_region_code:
        users = office_users(transfer.to_region_code, (Role.officer, Role.supervisor))
        title = _("Transfer %(ref)s to sign for", ref=ref)
    else:
        users = office_users(transfer.from_region_code, (Role.supervisor,))
        title = _("Transfer %(ref)s sent to %(agency)s", ref=ref, agency=transfer.to_agency)
    _transfer(transfer, users, title, "sent", actor)


@_in_ui_language
def transfer_returned(transfer, actor) -> None:
    users = office_users(transfer.from_region_code, (Role.operator, Role.supervisor))
    _transfer(transfer, users, _("Transfer %(ref)s returned", ref=transfer.call.ref), "returned", actor)


@_in_ui_language
def transfer_answered(transfer, actor) -> None:
    users = office_users(transfer.from_region_code, (Role.operator,))
    _transfer(transfer, users, _("Transfer %(ref)s answered: call the caller back", ref=transfer.call.ref),
              "answered", actor)


@_in_ui_language
def transfer_reopened(transfer, actor) -> None:
    if not transfer.to_region_code:
        return
    users = office_users(transfer.to_region_code, (Role.officer, Role.supervisor))
    _transfer(transfer, users, _("Transfer %(ref)s reopened: the caller was dissatisfied", ref=transfer.call.ref),
              "reopened", actor)


# Approvals (审批) ------------------------------------------------------------------------------------------------

def _case_label(case) -> str:
    return case.case_number or _("case %(id)s", id=case.id)


def _deciders(case) -> list[int]:
    """The supervisors who may decide an approval of ``case``: of its region or above, not one of its officers."""
    from hotline.accounts.models import User
    from hotline.core.permissions import supervises

    officers = {o.id for o in case.officers}
    rows = db.session.scalars(select(User).where(User.role == Role.supervisor.value, User.is_active.is_(True),
                                                 User.is_service.is_(False)).order_by(User.id))
    return [u.id for u in rows if supervises(u, case.region_code) and u.id not in officers]


@_in_ui_language
def approval_requested(approval, actor) -> None:
    """The supervisors who may decide it."""
    notify(_without(_deciders(approval.case), actor), NotificationKind.new_item,
           _("Approval requested: %(case)s", case=_case_label(approval.case)), f"/approvals/{approval.id}",
           key=f"approval={approval.id}:requested", object_type="approval", object_id=approval.id)


@_in_ui_language
def approval_decided(approval, actor) -> None:
    """The requester learns the decision."""
    if approval.requested_by_id is None:
        return
    title = (_("Approval given: %(case)s", case=_case_label(approval.case)) if approval.status == "approved"
             else _("Approval refused: %(case)s", case=_case_label(approval.case)))
    notify(_without([approval.requested_by_id], actor), NotificationKind.approval_decided, title,
           f"/approvals/{approval.id}", key=f"approval={approval.id}:decided", object_type="approval",
           object_id=approval.id)


# Major-case supervision (督办) -----------------------------------------------------------------------------------

def _handling_office(case) -> list[int]:
    ids = [o.id for o in case.officers if o.is_active]
    return ids + [i for i in office_users(case.region_code, (Role.supervisor,)) if i not in ids]


@_in_ui_language
def supervision_designated(supervision, actor) -> None:
    case = supervision.case
    notify(_without(_handling_office(case), actor), NotificationKind.new_item,
           _("Case %(case)s is under supervision (督办)", case=_case_label(case)),
           f"/supervisions/{supervision.id}", key=f"supervision={supervision.id}:designated",
           object_type="supervision", object_id=supervision.id)


@_in_ui_language
def supervision_report_submitted(supervision, report, actor) -> None:
    case = supervision.case
    users = office_users(supervision.supervising_region_code, (Role.supervisor,))
    notify(_without(users, actor), NotificationKind.new_item,
           _("Report received on supervised case %(case)s", case=_case_label(case)),
           f"/supervisions/{supervision.id}", key=f"supervision={supervision.id}:report={report.id}",
           object_type="supervision", object_id=supervision.id)


@_in_ui_language
def supervision_closed(supervision, actor) -> None:
    case = supervision.case
    notify(_without(_handling_office(case), actor), NotificationKind.new_item,
           _("Supervision of case %(case)s has ended", case=_case_label(case)),
           f"/supervisions/{supervision.id}", key=f"supervision={supervision.id}:closed",
           object_type="supervision", object_id=supervision.id)


# Cooperation across regions (异地协作) ---------------------------------------------------------------------------

@_in_ui_language
def assist_requested(assist, actor) -> None:
    """The assisting region's officers and supervisors: a request to answer."""
    users = office_users(assist.region_code, (Role.officer, Role.supervisor))
    notify(_without(users, actor), NotificationKind.new_item,
           _("Request for assistance (协查) from another region, due %(day)s", day=assist.due_on.isoformat()),
           f"/assists/{assist.id}", key=f"assist={assist.id}:requested", object_type="assist",
           object_id=assist.id)


@_in_ui_language
def assist_closed(assist, actor) -> None:
    """The one who asked, and the asking region's supervisors: the request was answered or declined."""
    ids = [assist.created_by_id] if assist.created_by_id else []
    ids += [i for i in office_users(assist.from_region_code, (Role.supervisor,)) if i not in ids]
    case = _case_label(assist.case)
    title = (_("Assistance (协查) answered: %(case)s", case=case) if assist.status == "answered"
             else _("Assistance (协查) declined: %(case)s", case=case))
    notify(_without(ids, actor), NotificationKind.new_item, title, f"/assists/{assist.id}",
           key=f"assist={assist.id}:{assist.status}", object_type="assist", object_id=assist.id)


@_in_ui_language
def case_joined(case, region_codes, actor) -> None:
    """The joined regions' officers and supervisors: a case they now work jointly (联合办案)."""
    users: list[int] = []
    for code in region_codes:
        users += office_users(code, (Role.officer, Role.supervisor))
    notify(_without(users, actor), NotificationKind.new_item,
           _("Joint case (联合办案): %(case)s", case=_case_label(case)), f"/cases/{case.id}",
           key=f"joint:case={case.id}:{','.join(sorted(region_codes))}", object_type="case", object_id=case.id)
