"""Region scoping beyond the record in the path: region codes in query strings, record ids and references inside
request bodies, an attachment id paired with one's own case, sample labels; and API tokens kept only as hashes."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from hotline.extensions import db
from tests.security.conftest import OTHER_REGION, PDF_BYTES, REGION, issue_raw_token, login_client


def _bearer(app, user) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_raw_token(app, user)}"}


def test_another_regions_code_in_the_query_string_is_404(app, staff, world):
    """A 长沙 officer or supervisor asking for 株洲's figures (pages, downloads, API) gets 404."""
    officer, supervisor = login_client(app, staff.officer), login_client(app, staff.supervisor)
    token = _bearer(app, staff.supervisor)
    api = app.test_client()
    answers = {
        "monthly page": officer.get(f"/stats/monthly?region_code={OTHER_REGION}&month=2015-05"),
        "monthly xlsx": officer.get(f"/stats/monthly/2015-05.xlsx?region_code={OTHER_REGION}"),
        "yearly page": officer.get(f"/stats/yearly?region_code={OTHER_REGION}&year=2015"),
        "yearly docx": officer.get(f"/stats/yearly/2015.docx?region_code={OTHER_REGION}"),
        "lock": supervisor.post(f"/stats/monthly/2015-05/lock?region_code={OTHER_REGION}"),
        "rebuild": supervisor.post(f"/stats/rebuild?region_code={OTHER_REGION}",
                                   data={"month_from": "2015-05", "month_to": "2015-05"}),
        "api monthly": api.get(f"/api/v1/stats/monthly/2015-05?region_code={OTHER_REGION}", headers=token),
        "api lock": api.post(f"/api/v1/stats/monthly/2015-05/lock?region_code={OTHER_REGION}", headers=token),
        "api yearly": api.get(f"/api/v1/reports/yearly/2015?region_code={OTHER_REGION}", headers=token),
        "api yearly csv": api.get(f"/api/v1/reports/yearly/2015.csv?region_code={OTHER_REGION}", headers=token),
        "api province": api.get("/api/v1/stats/monthly/2015-05?region_code=430000", headers=token),
    }
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 404)
    from hotline.stats.models import MonthlySnapshot

    with app.app_context():
        assert not db.session.scalar(sa.select(sa.func.count()).where(MonthlySnapshot.locked.is_(True)))


def test_lists_never_widen_to_another_region(app, staff, world):
    """Asking a list for 株洲 (or the whole province) shows nothing of 株洲 to a 长沙 user."""
    from hotline.calls.operations import record_call

    own_call, other_operator = world.call, staff.other["operator"]
    with app.app_context():
        from hotline.accounts.models import User

        record_call({"received_at": datetime.now(UTC), "channel": "phone", "request_type": "complaint",
                     "region_code": OTHER_REGION, "summary": "株洲的来电"},
                    actor=db.session.get(User, other_operator.id))
        db.session.commit()
    token = _bearer(app, staff.supervisor)
    api = app.test_client()
    for region in (OTHER_REGION, "430000"):
        calls = api.get(f"/api/v1/calls?region_code={region}", headers=token).get_json()["items"]
        assert {c["region_code"] for c in calls} <= {REGION}
        users = api.get(f"/api/v1/users?region_code={region}", headers=token).get_json()["items"]
        assert {u["region_code"] for u in users} <= {REGION}
    page = login_client(app, staff.operator).get(f"/calls?region_code={OTHER_REGION}").get_data(as_text=True)
    assert "株洲的来电" not in page and own_call.ref in page


def test_ids_and_references_inside_bodies_are_scoped(app, staff, world):
    """A 株洲 user cannot reach 长沙's records through ids in a body or a reference typed into a form."""
    call = world.call
    zz_operator, zz_officer = staff.other["operator"], staff.other["officer"]
    api = app.test_client()
    officer_token = _bearer(app, zz_officer)
    opened = api.post("/api/v1/cases", headers=officer_token, json={
        "case_type": "counterfeit", "region_code": OTHER_REGION, "received_on": "2015-09-30", "summary": "假冒",
        "call_id": call.id})
    assert opened.status_code == 422 and "call_id" in opened.get_json()["errors"]
    own = api.post("/api/v1/cases", headers=officer_token, json={
        "case_type": "counterfeit", "region_code": OTHER_REGION, "received_on": "2015-09-30", "summary": "假冒"})
    assert own.status_code == 201
    case = own.get_json()
    cs_officers = staff.officers
    filed = api.post(f"/api/v1/cases/{case['id']}/actions", headers=officer_token, json={
        "action": "file", "filed_on": "2015-09-30", "officer_ids": [u.id for u in cs_officers[:2]],
        "version": case["version"]})
    assert filed.status_code == 422 and "officer_ids" in filed.get_json()["errors"]

    operator = login_client(app, zz_operator)
    with app.app_context():
        from hotline.accounts.models import User
        from hotline.calls.operations import record_call

        mine = record_call({"received_at": datetime.now(UTC), "channel": "phone", "request_type": "complaint",
                            "region_code": OTHER_REGION, "summary": "株洲的来电"},
                           actor=db.session.get(User, zz_operator.id))
        db.session.commit()
        mine_id = mine.id
    linked = operator.post(f"/calls/{mine_id}/duplicate",
                           data={"duplicate-duplicate_of": call.ref, "duplicate-version": "1"})
    assert linked.status_code == 422
    assert call.ref.upper() in linked.get_data(as_text=True)  # "There is no call … in your region"
    with app.app_context():
        from hotline.calls.models import Call

        assert db.session.get(Call, mine_id).duplicate_of_id is None


def test_an_attachment_is_only_served_with_its_own_case(app, staff, world):
    """Pairing one's own case with another region's attachment id is 404 (web and API)."""
    from hotline.accounts.models import User
    from hotline.cases.attachments import store_attachment
    from hotline.cases.operations import create_case

    secret = world.attachment
    zz_officer = staff.other["officer"]
    with app.app_context():
        case = create_case({"case_type": "counterfeit", "region_code": OTHER_REGION, "received_on": "2015-09-30",
                            "summary": "株洲的案件"}, actor=db.session.get(User, zz_officer.id))
        store_attachment(case, FileStorage(io.BytesIO(PDF_BYTES), filename="own.pdf"), description=None,
                         actor=db.session.get(User, zz_officer.id))
        db.session.commit()
        own_case = case.id
    web = login_client(app, zz_officer).get(f"/cases/{own_case}/attachments/{secret.id}")
    api = app.test_client().get(f"/api/v1/cases/{own_case}/attachments/{secret.id}", headers=_bearer(app, zz_officer))
    assert (web.status_code, api.status_code) == (404, 404)
    assert PDF_BYTES not in web.data and PDF_BYTES not in api.data


def test_another_regions_sample_label_shows_nothing(app, staff, world):
    review = world.review
    zz = login_client(app, staff.other["supervisor"])
    page = zz.get("/review", query_string={"label": review.sample_label}).get_data(as_text=True)
    assert f"/review/{review.id}\"" not in page
    scores = zz.get("/review/scores", query_string={"year": 2015, "label": review.sample_label})
    assert scores.status_code == 200 and f"/review/{review.id}\"" not in scores.get_data(as_text=True)


def test_api_tokens_are_stored_hashed_and_shown_once(app, staff):
    client = login_client(app, staff.officer)
    created = client.post("/tokens", data={"name": "执法通"}).get_data(as_text=True)
    raw = re.search(r"hl_[A-Za-z0-9_-]{40,}", created).group(0)
    assert raw not in client.get("/tokens").get_data(as_text=True)
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT * FROM api_tokens")).all()
    assert rows and not [row for row in rows if any(isinstance(v, str) and raw in v for v in row)]
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
