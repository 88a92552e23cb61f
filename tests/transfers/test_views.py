"""Transfer pages: the list, the detail with its clock and only the allowed forms, the steps by form, the call
page's transfer section and status."""

from __future__ import annotations

from datetime import date
from html import unescape

from hotline.extensions import db
from hotline.transfers.models import Transfer


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _set(app, transfer_id, **values):
    with app.app_context():
        t = db.session.get(Transfer, transfer_id)
        for k, v in values.items():
            setattr(t, k, v)
        db.session.commit()


def _get(app, transfer_id) -> Transfer:
    with app.app_context():
        t = db.session.get(Transfer, transfer_id)
        db.session.expunge(t)
        return t


def test_receiving_officer_sees_the_call_as_waiting_to_be_signed(app, side, transfer_of, web):
    call_id, transfer_id = transfer_of()
    zz = web(side.zz)
    calls = _text(zz.get("/calls"))
    assert "Transferred · Waiting to be signed for" in calls
    page = _text(zz.get(f"/calls/{call_id}"))
    assert "Transferred · Waiting to be signed for" in page
    assert f"/transfers/{transfer_id}" in page
    listing = _text(zz.get("/transfers/?scope=mine"))
    assert f"/transfers/{transfer_id}" in listing
    assert f'/transfers/{transfer_id}"' not in _text(web(side.cs).get("/transfers/"))
    assert web(side.cs).get(f"/transfers/{transfer_id}").status_code == 404


def test_detail_shows_the_clock_with_its_rule_and_only_the_allowed_forms(app, side, transfer_of, web):
    _call_id, transfer_id = transfer_of()
    page = _text(web(side.zz).get(f"/transfers/{transfer_id}"))
    assert "粤知〔2011〕208号" in page and "15个工作日" in page
    assert 'id="sign-form"' in page and 'id="return-form"' in page
    assert 'id="answer-form"' not in page and 'id="callback-form"' not in page
    op_page = _text(web(side.op).get(f"/transfers/{transfer_id}"))
    assert 'id="sign-form"' not in op_page and 'id="callback-form"' not in op_page


def test_sign_answer_and_call_back_by_form(app, side, transfer_of, web):
    call_id, transfer_id = transfer_of()
    zz = web(side.zz)
    response = zz.post(f"/transfers/{transfer_id}/sign", data={"sign-version": 1, "sign-complex": "y"})
    assert response.status_code == 302
    assert (_get(app, transfer_id).status, _get(app, transfer_id).complex) == ("signed", True)
    page = _text(zz.get(response.location))
    assert "Signed for." in page and 'id="answer-form"' in page and "120日" in page
    response = zz.post(f"/transfers/{transfer_id}/answer", data={
        "answer-version": 2, "answer-outcome": "handled", "answer-result": "已责令停止销售"})
    assert response.status_code == 302
    op = web(side.op)
    page = _text(op.get(f"/transfers/{transfer_id}"))
    assert 'id="callback-form"' in page
    # reached without saying whether satisfied: the form says what is missing
    response = op.post(f"/transfers/{transfer_id}/callback", data={"callback-version": 3, "callback-reached": "yes"})
    assert response.status_code == 422
    assert "Ask the caller whether they are satisfied." in _text(response)
    response = op.post(f"/transfers/{transfer_id}/callback", data={
        "callback-version": 3, "callback-reached": "yes", "callback-satisfaction": "satisfied",
        "callback-note": "已电话告知处理结果"})
    assert response.status_code == 302
    assert _get(app, transfer_id).status == "closed"
    page = _text(op.get(f"/calls/{call_id}"))
    assert "Closed" in page and "已电话告知处理结果" in page


def test_wrong_step_and_wrong_side_by_form(app, side, transfer_of, web):
    _call_id, transfer_id = transfer_of()
    response = web(side.zz).post(f"/transfers/{transfer_id}/answer", data={
        "answer-version": 1, "answer-outcome": "handled", "answer-result": "x"})
    assert response.status_code == 409
    assert "Cannot answer a transfer in status 'pending'." in _text(response)
    assert web(side.op).post(f"/transfers/{transfer_id}/sign", data={"sign-version": 1}).status_code == 403
    assert web(side.op).post(f"/transfers/{transfer_id}/callback", data={}).status_code == 409


def test_stale_form_is_409_and_keeps_the_input(app, side, transfer_of, web):
    _call_id, transfer_id = transfer_of()
    zz = web(side.zz)
    assert zz.post(f"/transfers/{transfer_id}/sign", data={"sign-version": 1}).status_code == 302
    response = zz.post(f"/transfers/{transfer_id}/answer", data={
        "answer-version": 1, "answer-outcome": "handled", "answer-result": "我写的结果"})
    assert response.status_code == 409
    assert "我写的结果" in _text(response)


def test_return_needs_a_reason_and_lets_the_hotline_transfer_again(app, side, transfer_of, web):
    call_id, transfer_id = transfer_of()
    zz = web(side.zz)
    assert zz.post(f"/transfers/{transfer_id}/return", data={"return-version": 1}).status_code == 422
    assert zz.post(f"/transfers/{transfer_id}/return", data={
        "return-version": 1, "return-reason": "不属本市管辖"}).status_code == 302
    page = _text(web(side.op).get(f"/calls/{call_id}"))
    assert "Transferred · Returned" in page and 'id="transfer-form"' in page


def test_overdue_transfers_are_marked(app, side, transfer_of, web):
    _call_id, transfer_id = transfer_of()
    _set(app, transfer_id, sent_on=date(2025, 1, 6), sign_due_on=date(2025, 1, 27))
    listing = _text(web(side.zz).get("/transfers/?overdue=y"))
    assert "is-overdue" in listing and f"/transfers/{transfer_id}" in listing
    page = _text(web(side.zz).get(f"/transfers/{transfer_id}"))
    assert "overdue" in page


def test_receiving_region_opens_a_case_from_the_signed_transfer_on_the_web(app, side, transfer_of, web):
    call_id, transfer_id = transfer_of()
    zz = web(side.zz)
    assert 'id="open-case"' not in _text(zz.get(f"/transfers/{transfer_id}"))
    zz.post(f"/transfers/{transfer_id}/sign", data={"sign-version": 1})
    assert 'id="open-case"' in _text(zz.get(f"/transfers/{transfer_id}"))
    assert 'id="open-case"' in _text(zz.get(f"/calls/{call_id}"))
    assert zz.get(f"/cases/from-call/{call_id}").status_code == 200
