"""Case-file review pages: supervisors only, region-scoped (404 for another region's review), draw and score."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.review.models import CaseReview, CaseReviewScore

ROUTES = [("GET", "/review"), ("POST", "/review"), ("GET", "/review/{id}"), ("POST", "/review/{id}"),
          ("GET", "/review/scores")]


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def closed_dispute(build, sup, officers, region_code="430100"):
    """Worked by the officers (the first opens it): the supervisor, who reviews it, had no part in it."""
    return build(officers[0], region_code=region_code, received_on=date(2015, 9, 30),
                 filed_on=date(2015, 10, 12), officers=officers, events=(("served", date(2015, 10, 15)),),
                 closed_on=date(2015, 12, 15), outcome="withdrawn")


@pytest.fixture
def drawn(app, client, login, build, changsha):
    """One 长沙 case drawn into the sample "2015 年度评查" through the page; returns the review id."""
    sup, officers = changsha
    closed_dispute(build, sup, officers)
    login(sup)
    response = client.post("/review", data={"region_code": "430100", "year": "2015", "size": "5",
                                            "label": "2015 年度评查"})
    assert response.status_code == 302
    client.post("/logout")
    with app.app_context():
        return db.session.scalar(select(CaseReview.id))


def count_reviews(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CaseReview))


@pytest.mark.parametrize("role", ["operator", "officer", "admin"])
@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_review_pages_are_for_supervisors_only(client, login, create_user, drawn, role, method, url):
    login(create_user(role, "430000"))
    response = client.open(url.format(id=drawn), method=method, data={"region_code": "430100", "year": "2015",
                                                                     "size": "1", "label": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_review_pages_need_a_login(client, drawn, method, url):
    response = client.open(url.format(id=drawn), method=method)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("method", "url"), [("GET", "/review/{id}"), ("POST", "/review/{id}")])
def test_another_regions_review_is_not_found(app, client, login, zhuzhou, drawn, method, url):
    zz_sup, _ = zhuzhou
    login(zz_sup)
    with app.app_context():
        item_id = db.session.scalar(select(CaseReviewScore.item_id).where(CaseReviewScore.review_id == drawn))
    response = client.open(url.format(id=drawn), method=method, data={f"item_{item_id}": "fail"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(CaseReviewScore.passed).where(CaseReviewScore.review_id == drawn,
                                                                      CaseReviewScore.item_id == item_id)) is None


@pytest.mark.parametrize("review_id", ["0", "99999", "99999999999999999999"])
def test_unknown_review_is_not_found(client, login, changsha, review_id):
    login(changsha[0])
    assert client.get(f"/review/{review_id}").status_code == 404


def test_index_lists_samples_of_the_users_region_only(app, client, login, build, changsha, zhuzhou, create_user,
                                                      drawn):
    zz_sup, zz_officers = zhuzhou
    closed_dispute(build, zz_sup, zz_officers, region_code="430200")
    login(zz_sup)
    page = text(client.get("/review"))
    assert "No sample drawn yet." in page and "/review?label=" not in page
    # The draw form offers 株洲 only.
    assert re.findall(r'<option[^>]*value="(\d+)"', page) == ["430200"]
    response = client.post("/review", data={"region_code": "430100", "year": "2015", "size": "5", "label": "偷看"})
    assert response.status_code == 422 and count_reviews(app) == 1
    # Even in a sample a province user drew, a 市州 supervisor sees only their own files.
    client.post("/logout")
    login(create_user("supervisor", "430000"))
    assert client.post("/review", data={"region_code": "430000", "year": "2015", "size": "10",
                                        "label": "全省抽查"}).status_code == 302
    client.post("/logout")
    login(zz_sup)
    page = text(client.get("/review", query_string={"label": "全省抽查"}))
    assert "全省抽查" in page
    with app.app_context():
        rows = db.session.scalars(select(CaseReview).where(CaseReview.sample_label == "全省抽查")).all()
        numbers = {r.region_code: r.case.display_number for r in rows}
    assert numbers["430200"] in page and numbers["430100"] not in page


def test_draw_shows_the_sample_and_its_progress(app, client, login, changsha, drawn):
    login(changsha[0])
    page = text(client.get("/review", query_string={"label": "2015 年度评查"}))
    with app.app_context():
        review = db.session.get(CaseReview, drawn)
        number = review.case.display_number
    assert f'href="/review/{drawn}"' in page and number in page
    assert "In review" in page


def test_draw_errors_are_shown(client, login, changsha):
    login(changsha[0])
    response = client.post("/review", data={"region_code": "430100", "year": "2099", "size": "0", "label": ""})
    assert response.status_code == 422
    page = text(response)
    assert "Cases of a future year cannot be sampled." in page and 'class="errors"' in page


def test_draw_with_nothing_left_says_so(client, login, changsha, drawn):
    login(changsha[0])
    response = client.post("/review", data={"region_code": "430100", "year": "2015", "size": "5",
                                            "label": "2015 年度评查"}, follow_redirects=True)
    assert "No closed case of that year and region is left" in text(response)


def test_detail_shows_the_case_and_the_grouped_checklist(app, client, login, changsha, drawn):
    login(changsha[0])
    response = client.get(f"/review/{drawn}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = text(response)
    for heading in ("Veto items", "Form of the file", "Content of the file"):
        assert heading in page
    assert page.index("Veto items") < page.index("Form of the file") < page.index("Content of the file")
    assert "立案期限 2015-10-13, 实际 2015-10-12" in page and "有送达记录" in page
    assert "实施主体合法" in page and "在追诉时效内" not in page  # counterfeit-only item


def test_scoring_through_the_page(app, client, login, changsha, drawn):
    login(changsha[0])
    with app.app_context():
        scores = db.session.scalars(select(CaseReviewScore).where(CaseReviewScore.review_id == drawn)).all()
        codes = {s.item_id: s.item.code for s in scores}
        automatic = {s.item_id for s in scores if s.automatic}
    page = text(client.get(f"/review/{drawn}"))
    # The automatic verdicts come pre-filled (here all passed: on time, served, withdrawn needs no decision).
    prefilled = {int(i) for i in re.findall(r'<input checked id="item_(\d+)-0"', page)}
    assert prefilled == automatic and {codes[i] for i in automatic} == {"V02", "C01", "C03", "C08", "C09"}
    # A half-judged checklist stays in review.
    first_manual = next(i for i in codes if i not in automatic)
    assert client.post(f"/review/{drawn}", data={f"item_{first_manual}": "pass"}).status_code == 302
    with app.app_context():
        assert db.session.get(CaseReview, drawn).status == "pending"
    # The reviewer judges the manual items; the browser also posts the pre-filled automatic ones unchanged.
    data = {f"item_{i}": "fail" if codes[i] == "F02" else "pass" for i in codes}
    f02 = next(i for i, c in codes.items() if c == "F02")
    data[f"note_{f02}"] = "缺送达回证"
    response = client.post(f"/review/{drawn}", data=data)
    assert response.status_code == 302
    with app.app_context():
        review = db.session.get(CaseReview, drawn)
        # Only F02 (−4) fails.
        assert (review.status, review.score, review.grade) == ("done", 96, "优秀")
        assert {s.item_id for s in review.scores if s.automatic} == automatic
    page = text(client.get(f"/review/{drawn}"))
    assert "96.0" in page and "优秀" in page and "缺送达回证" in page


def test_scoring_errors_are_shown(app, client, login, changsha, drawn):
    login(changsha[0])
    with app.app_context():
        item_id = db.session.scalar(select(CaseReviewScore.item_id).where(CaseReviewScore.review_id == drawn))
    response = client.post(f"/review/{drawn}", data={f"item_{item_id}": "maybe", f"note_{item_id}": "x" * 1001})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(CaseReviewScore.note).where(CaseReviewScore.review_id == drawn,
                                                                    CaseReviewScore.item_id == item_id)) is None


def test_scores_page_by_region(app, client, login, create_user, changsha, zhuzhou, drawn):
    login(changsha[0])
    with app.app_context():
        review = db.session.get(CaseReview, drawn)
        ids = [s.item_id for s in review.scores]
    client.post(f"/review/{drawn}", data={f"item_{i}": "pass" for i in ids})
    page = text(client.get("/review/scores", query_string={"year": "2015"}))
    assert "长沙市" in page and "100.0" in page and "株洲市" not in page
    client.post("/logout")
    login(create_user("supervisor", "430000"))
    page = text(client.get("/review/scores", query_string={"year": "2015"}))
    assert page.index("长沙市") < page.index("株洲市") < page.index("湘西州") < page.index("全省")
    assert client.get("/review/scores", query_string={"year": "1999"}).status_code == 404
    assert client.get("/review/scores", query_string={"year": "2015", "label": "nope"}).status_code == 200


def test_nav_link_for_supervisors_only(client, login, create_user):
    login(create_user("supervisor", "430100"))
    assert 'href="/review"' in client.get("/calls").get_data(as_text=True)
    client.post("/logout")
    login(create_user("officer", "430100"))
    assert 'href="/review"' not in client.get("/calls").get_data(as_text=True)
