"""Where the second release's pieces meet: the inbox providers together, reminders from them, due lists,
notifications, approvals against the case routes, transfers against calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

import hotline.models  # noqa: F401  (every mapper first)
from hotline.extensions import db
from hotline.notifications.models import Notification
from hotline.transfers.models import Transfer


def _notifications(app, user):
    with app.app_context():
        return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                       .order_by(Notification.id)))


def test_reminders_and_digest_run_in_a_worker_with_transfers_in_the_inboxes(app, side, transfer_of, web):
    """The worker has no request: a transfer's inbox row (its url) must not need one, or the hourly reminders
    and the 08:00 digest fail for everybody as soon as one transfer waits."""
    from workers.tasks.notifications import digest, remind

    call_id, transfer_id = transfer_of()
    with app.app_context():
        transfer = db.session.get(Transfer, transfer_id)
        sign_due, ref = transfer.sign_due_on, transfer.call.ref
    assert sign_due is not None
    assert digest(datetime(sign_due.year, sign_due.month, sign_due.day, tzinfo=UTC).isoformat()) >= 1
    [note] = [n for n in _notifications(app, side.zz) if n.kind == "digest"]
    assert ref in note.body
    assert remind((sign_due + timedelta(days=1)).isoformat()) >= 1
    [overdue] = [n for n in _notifications(app, side.zz) if n.kind == "overdue"]
    assert ref in overdue.title and overdue.url == f"/transfers/{transfer_id}"
    assert web(side.zz).get(overdue.url).status_code == 200


def _scenario(app, team, side, build_case, transfer_of, attached):
    """One of everything waiting: transfers to 株洲 pending, returned, signed and answered; a 长沙 case to file, a
    filed one with an extension request (a 长沙 supervisor among its officers), a supervised one."""
    from hotline.approvals.operations import act_or_request
    from hotline.cases.models import case_officers
    from hotline.core.clock import local_today
    from hotline.supervision.operations import designate
    from hotline.transfers.operations import answer_transfer, return_transfer, sign_transfer

    ids = {"transfers": [transfer_of()[1] for _ in range(4)]}
    with app.app_context():
        zz = attached(side.zz)
        pending, returned, signed, answered = (db.session.get(Transfer, t) for t in ids["transfers"])
        return_transfer(returned, "不属本市管辖", actor=zz, expected_version=returned.version)
        for transfer in (signed, answered):
            sign_transfer(transfer, complex_matter=False, actor=zz, expected_version=transfer.version)
        db.session.flush()
        answer_transfer(answered, {"outcome": "handled", "result": "已调解"}, actor=zz,
                        expected_version=answered.version)
        today = local_today()
        ids["received"] = build_case("received", received_on=(today - timedelta(days=3)).isoformat()).id
        case = build_case("filed", received_on="2026-06-01")
        db.session.execute(case_officers.insert().values(case_id=case.id, user_id=team.supervisor.id))
        db.session.commit()
        db.session.refresh(case)
        ids["approval"] = act_or_request(case, "extend", {"months": 1, "reason": "案情复杂"},
                                         actor=attached(team.officers[0]), expected_version=case.version).id
        ids["case"] = case.id
        supervised = build_case("filed", received_on=(today - timedelta(days=20)).isoformat())
        db.session.commit()
        ids["supervision"] = designate(supervised, {"instructions": "每月报告进展", "reports": [
            {"kind": "progress", "due_on": today + timedelta(days=1)},
            {"kind": "final", "due_on": today + timedelta(days=30)}]},
            actor=attached(team.province_supervisor), expected_version=supervised.version).id
        db.session.commit()
    return ids


def test_every_inbox_and_due_row_opens_for_its_reader(app, team, side, build_case, transfer_of, attached, web):
    """A row someone is shown leads to a page they may open: no approval rows for the hotline's operator (who
    may not read approvals), no 403 or 404 behind any link of the inbox or the due lists."""
    from datetime import date

    from hotline.accounts.models import User
    from hotline.core.clock import local_today
    from hotline.inbox.due import due_list
    from hotline.inbox.queries import inbox_items

    _scenario(app, team, side, build_case, transfer_of, attached)
    readers = {"operator": side.op, "株洲 officer": side.zz, "株洲 supervisor": side.zz_sup,
               "长沙 officer": team.officers[0], "长沙 supervisor": team.supervisor,
               "province supervisor": team.province_supervisor}
    for name, reader in readers.items():
        with app.test_request_context():
            user = db.session.get(User, reader.id)
            rows = inbox_items(user, local_today())
            for mine in (False, True):
                rows += due_list(user, local_today(), until=date(2027, 12, 31), mine=mine).items
            urls = {(row.kind, row.url) for row in rows}
        client = web(reader)
        opened = {(kind, url): client.get(url).status_code for kind, url in sorted(urls)}
        assert set(opened.values()) <= {200}, (name, opened)
    with app.test_request_context():
        operator_rows = due_list(db.session.get(User, side.op.id), local_today(), until=date(2027, 12, 31)).items
    assert "approval" not in {row.kind for row in operator_rows}


def test_mine_on_the_due_list_is_the_users_own_office_work(app, team, side, build_case, transfer_of, attached):
    """"Mine" holds the cases waiting to be filed of the user's own office (as the inbox does), not every
    region's: the province supervisor's own work is not 长沙's filing."""
    from datetime import date

    from hotline.accounts.models import User
    from hotline.core.clock import local_today
    from hotline.inbox.due import due_list

    ids = _scenario(app, team, side, build_case, transfer_of, attached)

    def mine(reader):
        with app.test_request_context():
            rows = due_list(db.session.get(User, reader.id), local_today(), until=date(2027, 12, 31), mine=True)
            return {(row.kind, row.case_id) for row in rows.items if row.case_id}

    assert ("deadline", ids["received"]) in mine(team.officers[0])
    assert ("deadline", ids["received"]) in mine(team.supervisor)
    assert ("deadline", ids["received"]) not in mine(team.province_supervisor)
    assert ("deadline", ids["received"]) not in mine(side.zz)


def test_a_cursor_of_the_wrong_shape_is_a_field_error_not_a_500(app, team, side, build_case, transfer_of, attached,
                                                                api):
    """A cursor that decodes to six values of the wrong types (``[1,2,3,4,5,6]``) is refused like any bad one
    when there are rows to compare it with."""
    import base64
    import json

    _scenario(app, team, side, build_case, transfer_of, attached)
    client = api(team.province_supervisor)
    assert client.get("/api/v1/inbox").get_json()["items"]
    for value in ([1, 2, 3, 4, 5, 6], [0, 0, None, "a", "b", "c"], [True, 1, "2026-01-01", "a", "b", "c"],
                  [0, 1.5, "2026-01-01", "a", "b", "c"], [0, 1, "2026-01-01", "a", ["b"], "c"]):
        cursor = base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
        response = client.get(f"/api/v1/inbox?cursor={cursor}")
        assert response.status_code == 422, (value, response.status_code)
        assert "cursor" in response.get_json()["errors"]


def test_after_a_return_only_the_hotline_decides_what_becomes_of_the_call(app, side, transfer_of, api):
    """The 株洲 supervisor who returned the hotline's transfer may not then transfer the call on as if they were
    the hotline (the new transfer's call-back would fall to 株洲) nor close it with feedback: 403; the hotline
    does either."""
    call_id, transfer_id = transfer_of()
    zz_sup, op = api(side.zz_sup), api(side.op)
    returned = zz_sup.post(f"/api/v1/transfers/{transfer_id}/return", json={"reason": "不属本市管辖", "version": 1})
    assert returned.status_code == 200, returned.get_json()
    version = op.get(f"/api/v1/calls/{call_id}").get_json()["version"]
    onward = zz_sup.post(f"/api/v1/calls/{call_id}/transfer", json={"to": "430100", "version": version})
    assert onward.status_code == 403, onward.get_json()
    closed = zz_sup.post(f"/api/v1/calls/{call_id}/feedback",
                         json={"method": "phone", "note": "已告知来电人", "version": version})
    assert closed.status_code == 403, closed.get_json()
    assert op.get(f"/api/v1/calls/{call_id}").get_json()["status"] == "transferred"
    onward = op.post(f"/api/v1/calls/{call_id}/transfer", json={"to": "430100", "version": version})
    assert onward.status_code == 200, onward.get_json()
    assert onward.get_json()["transfer"]["from_region_code"] == "430000"


def test_the_receiving_supervisor_is_not_offered_the_hotlines_steps_on_a_returned_call(app, side, transfer_of, api,
                                                                                        web):
    call_id, transfer_id = transfer_of()
    assert api(side.zz_sup).post(f"/api/v1/transfers/{transfer_id}/return",
                                 json={"reason": "不属本市管辖", "version": 1}).status_code == 200
    page = web(side.zz_sup).get(f"/calls/{call_id}").get_data(as_text=True)
    assert 'name="transfer-version"' not in page and 'name="feedback-version"' not in page
    hotline_page = web(side.op).get(f"/calls/{call_id}").get_data(as_text=True)
    assert 'name="transfer-version"' in hotline_page and 'name="feedback-version"' in hotline_page
    refused = web(side.zz_sup).post(f"/calls/{call_id}/feedback", data={
        "feedback-version": 3, "feedback-method": "phone", "feedback-note": "已告知"})
    assert refused.status_code == 403


def test_an_officer_cannot_clear_the_major_flag_of_a_supervised_case(app, team, side, build_case, transfer_of,
                                                                     attached, api, web):
    """督办 is the higher office's decision: the handling officer's edit (API or form) cannot take the case out of
    the major cases while the supervision runs."""
    from hotline.supervision.models import Supervision

    ids = _scenario(app, team, side, build_case, transfer_of, attached)
    with app.app_context():
        case_id = db.session.get(Supervision, ids["supervision"]).case_id
    officer = api(team.officers[0])
    version = officer.get(f"/api/v1/cases/{case_id}").get_json()["version"]
    response = officer.patch(f"/api/v1/cases/{case_id}", json={"is_major": False, "version": version})
    assert response.status_code == 422 and "is_major" in response.get_json()["errors"]
    with app.app_context():
        from hotline.cases.models import Case

        case = db.session.get(Case, case_id)
        fields = {"version": version, "case_type": case.case_type, "source": case.source,
                  "received_on": case.received_on.isoformat(), "summary": case.summary,
                  "requester_name": case.requester_name or "", "respondent_name": case.respondent_name or "",
                  "amount_involved": str(case.amount_involved or "")}
    form = web(team.officers[0]).post(f"/cases/{case_id}/edit", data=fields)  # the box unticked
    assert form.status_code == 422 and "stays a major case" in form.get_data(as_text=True)
    assert officer.get(f"/api/v1/cases/{case_id}").get_json()["is_major"] is True
    other = ids["case"]  # not supervised: the flag is the officers' to set
    version = officer.get(f"/api/v1/cases/{other}").get_json()["version"]
    assert officer.patch(f"/api/v1/cases/{other}", json={"is_major": True, "version": version}).status_code == 200


def test_a_step_taken_through_the_api_notifies_in_the_web_uis_language(app, side, transfer_of, api, monkeypatch):
    """The 株洲 officer answers from the handheld (API: English unless asked); the hotline operator's bell is
    read in the web UI, Chinese by default — the notification is written in it, not in the API's English."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "zh_CN")
    call_id, transfer_id = transfer_of()
    zz = api(side.zz)
    assert zz.post(f"/api/v1/transfers/{transfer_id}/sign", json={"version": 1}).status_code == 200
    answered = zz.post(f"/api/v1/transfers/{transfer_id}/answer",
                       json={"outcome": "handled", "result": "已调解", "version": 2})
    assert answered.status_code == 200, answered.get_json()
    with app.app_context():
        ref = db.session.get(Transfer, transfer_id).call.ref
    [note] = [n for n in _notifications(app, side.op) if n.object_id == transfer_id]
    assert note.title == f"转办 {ref} 已反馈，请回访来电人"
    refused = zz.post(f"/api/v1/transfers/{transfer_id}/answer", json={"version": 3})
    assert refused.status_code in (409, 422) and refused.get_json()["message"].isascii()  # the API replies: English
