"""协查 through the API: the contract, who reads what (the assisting region never the case), the state machine with
its 409s, evidence files, inbox and due lists, and the case's audit trail."""

from __future__ import annotations

import io

from hotline.api.assist_schemas import AssistOut, AssistPageOut
from hotline.extensions import db
from tests.assists.conftest import CHANGSHA, DUE, PDF, TODAY, XIANGTAN, ZHUZHOU

CONTRACT = {"id", "version", "case_id", "case_number", "case_summary", "from_region_code", "region_code", "request",
            "due_on", "status", "result"}


def ask(api, user, case_id, **fields):
    body = {"region_code": ZHUZHOU, "request": "请协助调查株洲某厂的生产情况并提取样品", "due_on": DUE.isoformat()}
    body.update(fields)
    return api(user).post(f"/api/v1/cases/{case_id}/assists", json=body)


def test_ask_answers_the_contract_and_both_regions_read_it(api, people, filed_case):
    response = ask(api, people.cs_officer, filed_case, kind="evidence",
                   case_summary="涉嫌假冒专利：株洲某厂生产的产品标注他人专利号")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) >= CONTRACT
    AssistOut.model_validate(body)
    assert body["status"] == "pending" and body["result"] is None and body["version"] == 1
    assert body["from_region_code"] == CHANGSHA and body["region_code"] == ZHUZHOU
    assert body["case_id"] == filed_case and body["case_number"]  # the filed case's 案号
    assert body["case_summary"] == "涉嫌假冒专利：株洲某厂生产的产品标注他人专利号"
    assert body["kind"] == "evidence" and body["due_on"] == DUE.isoformat()
    assert body["working_days_left"] == 10 and body["overdue"] is False
    assert response.headers["Location"].endswith(f"/api/v1/assists/{body['id']}")

    for user in (people.cs_officer, people.zz_officer, people.zz_supervisor, people.province):
        read = api(user).get(f"/api/v1/assists/{body['id']}")
        assert read.status_code == 200, user.username
        assert read.get_json()["request"] == "请协助调查株洲某厂的生产情况并提取样品"
    # a third region: no such request
    assert api(people.xt_officer).get(f"/api/v1/assists/{body['id']}").status_code == 404
    assert api(people.xt_officer).get("/api/v1/assists").get_json()["items"] == []


def test_the_assisting_region_reads_only_what_the_request_shares(api, people, filed_case):
    assist = ask(api, people.cs_officer, filed_case).get_json()
    zz = api(people.zz_officer)
    # the case stays 404 to it: page, API, evidence
    assert zz.get(f"/api/v1/cases/{filed_case}").status_code == 404
    assert zz.post(f"/api/v1/cases/{filed_case}/events",
                   json={"kind": "note", "occurred_on": TODAY.isoformat(), "note": "x"}).status_code == 404
    assert all(c["id"] != filed_case for c in zz.get("/api/v1/cases").get_json()["items"])
    # the default summary is the case's own summary, not its parties
    text = str(zz.get(f"/api/v1/assists/{assist['id']}").get_json())
    assert "株洲某厂生产标注他人专利号的产品" in text
    assert "长沙某某贸易有限公司" not in text and "张三" not in text


def test_list_filters_by_status_and_direction(api, people, filed_case):
    first = ask(api, people.cs_officer, filed_case).get_json()
    second = ask(api, people.cs_officer, filed_case, region_code=XIANGTAN).get_json()
    api(people.zz_officer).post(f"/api/v1/assists/{first['id']}/decline", json={"reason": "不在本地", "version": 1})

    page = api(people.cs_officer).get("/api/v1/assists").get_json()
    AssistPageOut.model_validate(page)
    assert [a["id"] for a in page["items"]] == [second["id"], first["id"]]
    pending = api(people.cs_officer).get("/api/v1/assists?status=pending").get_json()["items"]
    assert [a["id"] for a in pending] == [second["id"]]
    assert api(people.cs_officer).get("/api/v1/assists?direction=received").get_json()["items"] == []
    received = api(people.zz_officer).get("/api/v1/assists?direction=received").get_json()["items"]
    assert [a["id"] for a in received] == [first["id"]]
    assert api(people.cs_officer).get("/api/v1/assists?status=bogus").status_code == 422


def test_bad_requests_are_field_errors_and_save_nothing(api, people, filed_case, app):
    from hotline.assists.models import Assist

    cases = [
        ({"region_code": CHANGSHA}, "region_code"),   # the case's own region
        ({"region_code": "430000"}, "region_code"),   # the province is no region to ask
        ({"region_code": "999999"}, "region_code"),
        ({"request": "   "}, "request"),
        ({"due_on": "2016-02-29"}, "due_on"),          # in the past
        ({"kind": "arrest"}, "kind"),
    ]
    for fields, field in cases:
        response = ask(api, people.cs_officer, filed_case, **fields)
        assert response.status_code == 422, (fields, response.get_json())
        errors = response.get_json().get("errors") or response.get_json().get("detail") or {}
        assert field in str(errors), (fields, response.get_json())
    with app.app_context():
        assert db.session.query(Assist).count() == 0


def test_only_the_case_region_asks(api, people, filed_case):
    assert ask(api, people.zz_officer, filed_case).status_code == 404  # it does not see the case
    assert ask(api, people.operator, filed_case).status_code == 403


def test_answer_state_machine_with_409s_and_the_asking_side_403(api, people, filed_case, app):
    assist = ask(api, people.cs_officer, filed_case).get_json()
    url = f"/api/v1/assists/{assist['id']}"
    # the asking side may not answer its own request
    refused = api(people.cs_officer).post(f"{url}/answer", json={"result": "自己答", "version": 1})
    assert refused.status_code == 403
    # a stale version: 409 with the request as it is
    stale = api(people.zz_officer).post(f"{url}/answer", json={"result": "已查", "version": 7})
    assert stale.status_code == 409 and stale.get_json()["current"]["version"] == 1
    # no version at all: 422
    assert api(people.zz_officer).post(f"{url}/answer", json={"result": "已查"}).status_code == 422
    assert api(people.zz_officer).post(f"{url}/answer", json={"result": " ", "version": 1}).status_code == 422

    answered = api(people.zz_officer).post(f"{url}/answer", json={"result": "已现场检查，提取样品3件", "version": 1},)
    assert answered.status_code == 200, answered.get_json()
    body = answered.get_json()
    assert body["status"] == "answered" and body["result"] == "已现场检查，提取样品3件" and body["version"] == 2
    assert body["answered_at"] and body["overdue"] is False

    again = api(people.zz_supervisor).post(f"{url}/answer", json={"result": "再答", "version": 2})
    assert again.status_code == 409 and "answered" in again.get_json()["message"]
    decline = api(people.zz_supervisor).post(f"{url}/decline", json={"reason": "不办", "version": 2})
    assert decline.status_code == 409 and "answered" in decline.get_json()["message"]
    upload = api(people.zz_officer).post(f"{url}/attachments", data={"file": (io.BytesIO(PDF), "late.pdf")},
                                         content_type="multipart/form-data")
    assert upload.status_code == 409
    # a third region: 404 on every step
    assert api(people.xt_officer).post(f"{url}/answer", json={"result": "x", "version": 2}).status_code == 404

    # the asking case's audit trail records the request and the answer
    with app.app_context():
        from hotline.core.models import AuditEvent

        actions = [e.action for e in db.session.query(AuditEvent).filter_by(object_type="case", object_id=filed_case)
                   .order_by(AuditEvent.id)]
        assert actions[-2:] == ["assist_request", "assist_answer"]


def test_decline_then_no_answer(api, people, filed_case, app):
    assist = ask(api, people.cs_officer, filed_case).get_json()
    url = f"/api/v1/assists/{assist['id']}"
    assert api(people.zz_officer).post(f"{url}/decline", json={"version": 1}).status_code == 422
    declined = api(people.zz_officer).post(f"{url}/decline", json={"reason": "该厂已迁出本市", "version": 1})
    assert declined.status_code == 200
    assert declined.get_json()["status"] == "declined"
    assert declined.get_json()["decline_reason"] == "该厂已迁出本市"
    late = api(people.zz_officer).post(f"{url}/answer", json={"result": "x", "version": 2})
    assert late.status_code == 409 and "declined" in late.get_json()["message"]
    with app.app_context():
        from hotline.core.models import AuditEvent

        event = (db.session.query(AuditEvent).filter_by(object_type="case", object_id=filed_case)
                 .order_by(AuditEvent.id.desc()).first())
        assert event.action == "assist_decline" and event.note == "该厂已迁出本市"


def test_evidence_files_go_to_the_asking_case(api, people, filed_case):
    assist = ask(api, people.cs_officer, filed_case).get_json()
    url = f"/api/v1/assists/{assist['id']}"
    # the asking side does not send the answer's files; a refused type is a field error
    assert api(people.cs_officer).post(f"{url}/attachments", data={"file": (io.BytesIO(PDF), "a.pdf")},
                                       content_type="multipart/form-data").status_code == 403
    bad = api(people.zz_officer).post(f"{url}/attachments", data={"file": (io.BytesIO(b"MZ\x90\x00"), "x.exe")},
                                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "file" in bad.get_json()["errors"]

    sent = api(people.zz_officer).post(f"{url}/attachments",
                                       data={"file": (io.BytesIO(PDF), "现场检查笔录.pdf"), "description": "笔录"},
                                       content_type="multipart/form-data")
    assert sent.status_code == 201, sent.get_json()
    files = sent.get_json()["files"]
    assert [f["original_name"] for f in files] == ["现场检查笔录.pdf"]
    # both regions download it from the request
    for user in (people.zz_officer, people.cs_officer):
        download = api(user).get(files[0]["url"])
        assert download.status_code == 200 and download.data == PDF
        download.close()
    assert api(people.xt_officer).get(files[0]["url"]).status_code == 404
    # the asking case holds it as evidence; the assisting region still cannot open the case's download
    case = api(people.cs_officer).get(f"/api/v1/cases/{filed_case}").get_json()
    attachment = next(a for a in case["attachments"] if a["original_name"] == "现场检查笔录.pdf")
    download = api(people.cs_officer).get(attachment["url"])
    assert download.data == PDF
    download.close()
    assert api(people.zz_officer).get(attachment["url"]).status_code == 404


def test_inbox_and_due_lists(api, people, filed_case, app, freeze):
    from datetime import date

    from hotline.accounts.models import User
    from hotline.deadlines.calendar import WorkCalendar
    from hotline.inbox.due import due_list
    from hotline.inbox.queries import inbox_items

    assist = ask(api, people.cs_officer, filed_case).get_json()
    with app.app_context():
        zz = db.session.get(User, people.zz_officer.id)
        items = [i for i in inbox_items(zz, TODAY, WorkCalendar()) if i.kind == "assist"]
        assert [(i.assist_id, i.due_on, i.working_days_left, i.overdue, i.case_id) for i in items] == [
            (assist["id"], DUE, 10, False, None)]
        assert items[0].url == f"/assists/{assist['id']}"
        # the asking region has nothing to do in its inbox; a third region neither
        for user in (people.cs_officer, people.xt_officer):
            assert not [i for i in inbox_items(db.session.get(User, user.id), TODAY, WorkCalendar())
                        if i.kind == "assist"]
        # overdue: on both regions' due lists, as overdue
        later = date(2016, 3, 17)
        for user in (people.zz_supervisor, people.cs_supervisor):
            rows = due_list(db.session.get(User, user.id), later, deadline="assist").items
            assert [(i.assist_id, i.overdue) for i in rows] == [(assist["id"], True)], user.username
        assert due_list(db.session.get(User, people.xt_officer.id), later, deadline="assist").items == []
    # answered: off the inbox and the due lists
    api(people.zz_officer).post(f"/api/v1/assists/{assist['id']}/answer", json={"result": "已查", "version": 1})
    with app.app_context():
        zz = db.session.get(User, people.zz_officer.id)
        assert not [i for i in inbox_items(zz, TODAY, WorkCalendar()) if i.kind == "assist"]
        assert due_list(zz, date(2016, 3, 17), deadline="assist").items == []


def test_notifications_tell_the_other_side(api, people, filed_case, app):
    from hotline.notifications.models import Notification

    assist = ask(api, people.cs_officer, filed_case).get_json()
    with app.app_context():
        told = {n.user_id for n in db.session.query(Notification).filter_by(object_type="assist")}
        assert told == {people.zz_officer.id, people.zz_supervisor.id}
    api(people.zz_officer).post(f"/api/v1/assists/{assist['id']}/answer", json={"result": "已查", "version": 1})
    with app.app_context():
        rows = db.session.query(Notification).filter_by(object_type="assist", key=f"assist={assist['id']}:answered")
        assert {n.user_id for n in rows} == {people.cs_officer.id, people.cs_supervisor.id}
