"""协查 in the web UI: 长沙 asks from the case page; 株洲 finds it in its inbox, reads only what is shared and answers
with a file; 长沙's case page shows the answer and the file; declining, stale forms and wrong sides."""

from __future__ import annotations

import io
import re
from html import unescape

from hotline.extensions import db
from tests.assists.conftest import DUE, PDF, ZHUZHOU
from tests.factories import PASSWORD


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def login(app, user, lang="en"):
    client = app.test_client()
    assert client.post(f"/language/{lang}").status_code == 302
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def ask_by_web(app, people, case_id) -> int:
    client = login(app, people.cs_officer)
    page = text(client.get(f"/cases/{case_id}"))
    assert f'href="/assists/case/{case_id}/new"' in page
    form = text(client.get(f"/assists/case/{case_id}/new"))
    assert "株洲某厂生产标注他人专利号的产品" in form  # the shared summary starts as the case's summary
    response = client.post(f"/assists/case/{case_id}/new", data={
        "region_code": ZHUZHOU, "kind": "investigation", "request": "请协助调查株洲某厂的生产情况",
        "case_summary": "涉嫌假冒专利的产品由株洲某厂生产", "due_on": DUE.isoformat()})
    assert response.status_code == 302, text(response)
    from hotline.assists.models import Assist

    with app.app_context():
        return db.session.query(Assist).one().id


def test_the_round_trip_in_the_web_ui(app, people, filed_case):
    assist_id = ask_by_web(app, people, filed_case)
    zz = login(app, people.zz_officer)
    inbox = text(zz.get("/inbox"))
    assert f'href="/assists/{assist_id}"' in inbox and "涉嫌假冒专利的产品由株洲某厂生产" in inbox
    page = text(zz.get(f"/assists/{assist_id}"))
    assert "请协助调查株洲某厂的生产情况" in page and "涉嫌假冒专利的产品由株洲某厂生产" in page
    assert "长沙某某贸易有限公司" not in page and "张三" not in page  # the parties are not shared
    assert f'href="/cases/{filed_case}' not in page  # no way to the case
    assert zz.get(f"/cases/{filed_case}").status_code == 404
    version = re.search(r'name="answer-version"[^>]*value="(\d+)"', page).group(1)

    empty = zz.post(f"/assists/{assist_id}/answer", data={"answer-version": version, "answer-result": ""})
    assert empty.status_code == 422
    answered = zz.post(f"/assists/{assist_id}/answer", data={
        "answer-version": version, "answer-result": "已现场检查，提取样品三件",
        "answer-file": (io.BytesIO(PDF), "现场检查笔录.pdf"), "answer-description": "笔录"},
        content_type="multipart/form-data")
    assert answered.status_code == 302, text(answered)
    assert 'id="answer-form"' not in text(zz.get(f"/assists/{assist_id}"))

    cs = login(app, people.cs_officer)
    case_page = text(cs.get(f"/cases/{filed_case}"))
    assert "已现场检查，提取样品三件" in case_page and "现场检查笔录.pdf" in case_page
    assert "Assistance answered (协查)" in case_page  # the audit trail
    link = re.search(rf'href="(/cases/{filed_case}/attachments/\d+)">现场检查笔录.pdf', case_page).group(1)
    download = cs.get(link)
    assert download.status_code == 200 and download.data == PDF
    download.close()


def test_declining_and_the_wrong_steps(app, people, filed_case):
    assist_id = ask_by_web(app, people, filed_case)
    cs = login(app, people.cs_officer)
    # the asking side sees the request but not the answer forms, and may not post them
    assert 'id="answer-form"' not in text(cs.get(f"/assists/{assist_id}"))
    assert cs.post(f"/assists/{assist_id}/decline", data={"decline-version": 1,
                                                          "decline-reason": "x"}).status_code == 403
    zz = login(app, people.zz_supervisor)
    stale = zz.post(f"/assists/{assist_id}/decline", data={"decline-version": 9, "decline-reason": "不办"})
    assert stale.status_code == 409
    declined = zz.post(f"/assists/{assist_id}/decline", data={"decline-version": 1,
                                                              "decline-reason": "该厂已迁出本市"})
    assert declined.status_code == 302
    late = zz.post(f"/assists/{assist_id}/answer", data={"answer-version": 2, "answer-result": "x"})
    assert late.status_code == 409
    case_page = text(cs.get(f"/cases/{filed_case}"))
    assert "Declined" in case_page and "该厂已迁出本市" in case_page
    # the lists: 株洲 received one, declined; a third region sees none
    listing = text(zz.get("/assists?direction=received&status=declined"))
    assert f'href="/assists/{assist_id}"' in listing
    assert f'href="/assists/{assist_id}"' not in text(zz.get("/assists?status=pending"))
    xt = login(app, people.xt_officer)
    assert xt.get(f"/assists/{assist_id}").status_code == 404
    assert f'href="/assists/{assist_id}"' not in text(xt.get("/assists"))


def test_asking_refuses_bad_input_and_the_wrong_people(app, people, filed_case):
    cs = login(app, people.cs_officer)
    response = cs.post(f"/assists/case/{filed_case}/new", data={
        "region_code": "430100", "kind": "investigation", "request": "", "case_summary": "摘要",
        "due_on": DUE.isoformat()})
    assert response.status_code == 422
    assert login(app, people.zz_officer).get(f"/assists/case/{filed_case}/new").status_code == 404
    assert cs.get(f"/assists/case/{filed_case}/joint").status_code == 403  # officers do not join regions


def test_the_supervisor_joins_a_region_in_the_web_ui(app, people, filed_case):
    sup = login(app, people.cs_supervisor)
    assert 'id="join-regions"' in text(sup.get(f"/cases/{filed_case}"))
    assert sup.post(f"/assists/case/{filed_case}/joint", data={}).status_code == 422
    response = sup.post(f"/assists/case/{filed_case}/joint", data={"region_codes": [ZHUZHOU]})
    assert response.status_code == 302
    zz = login(app, people.zz_officer)
    page = text(zz.get(f"/cases/{filed_case}"))
    assert "Run jointly (联合办案) with:" in page
    version = re.search(r'name="event-version"[^>]*value="(\d+)"', page).group(1)
    added = zz.post(f"/cases/{filed_case}/events", data={"event-kind": "note", "event-occurred_on": "2016-03-01",
                                                          "event-note": "株洲已约谈该厂", "event-version": version})
    assert added.status_code == 302, text(added)
    assert "株洲已约谈该厂" in text(sup.get(f"/cases/{filed_case}"))
    assert zz.post(f"/cases/{filed_case}/actions/suspend", data={"suspend-on": "2016-03-01"}).status_code == 403


def test_the_chinese_ui(app, people, filed_case):
    assist_id = ask_by_web(app, people, filed_case)
    zz = login(app, people.zz_officer, lang="zh_CN")
    page = text(zz.get(f"/assists/{assist_id}"))
    assert "协查请求" in page and "待答复" in page and "发送答复" in page
