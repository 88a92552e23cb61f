"""The public page of penalty decisions: no login, only published penalties, redacted, inert HTML, cacheable."""

from __future__ import annotations

from datetime import date

import pytest

from tests.review.builders import build_case, staff

FACTS = ("当事人张三丰(电话13812345678,身份证号430102199001011234,邮箱zhangsf@example.com)在其经营的店铺"
         "销售标注已失效专利号的产品。<script>alert('x')</script>")


@pytest.fixture
def team(create_user):
    return staff(create_user, "430100", officers=3)


@pytest.fixture
def penalty(app, team):
    """``penalty(published_on=…, **kw) -> case id``: a penalized counterfeit case closed 2015-05-20."""
    sup, officers = team

    def factory(published_on=date(2015, 5, 25), respondent_name="张三丰", respondent_kind="person",
                facts=FACTS, outcome="penalized", closed_on=date(2015, 5, 20), **kw):
        close_data = {"violation_facts": facts, "penalty_basis": "《专利法》第六十三条; 举报电话0731-84445555",
                      "penalty_terms": "自收到决定书之日起15日内缴纳罚款"}
        if outcome == "penalized":
            close_data.update(fine_amount="12500.00", confiscated_amount="3000")
        return build_case(app, sup, case_type="counterfeit", source="inspection", received_on=date(2015, 5, 4),
                          filed_on=date(2015, 5, 5), officers=officers[:2], closed_on=closed_on, outcome=outcome,
                          close_data=close_data, published_on=published_on, respondent_name=respondent_name,
                          respondent_kind=respondent_kind, **kw)

    return factory


def body(response) -> str:
    return response.get_data(as_text=True)


def test_published_decision_is_public_and_redacted(client, penalty):
    case_id = penalty()
    for url in ("/public/decisions", f"/public/decisions/{case_id}"):
        response = client.get(url)
        assert response.status_code == 200
        html = body(response)
        for secret in ("13812345678", "430102199001011234", "zhangsf@example.com", "0731-84445555", "张三丰"):
            assert secret not in html
        assert html.count("[已隐去]") == 4
        assert "张**" in html  # the person's name masked, in the party field and inside the facts
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html and "<script>" not in html
        assert "¥12,500.00" in html and "¥3,000.00" in html
        assert "《专利法》第六十三条" in html and "自收到决定书之日起15日内缴纳罚款" in html
        assert "长沙市知识产权局 · 2015-05-20" in html and "2015-05-25" in html  # the 长沙 office decided
        assert "湘知执字〔2015〕第1号" in html
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert "Set-Cookie" not in response.headers


def test_organization_name_is_shown_in_full_but_redacted(client, penalty):
    case_id = penalty(respondent_name="长沙某某贸易有限公司", respondent_kind="organization",
                      facts="长沙某某贸易有限公司销售假冒专利产品, 联系电话0731-88888888")
    html = body(client.get(f"/public/decisions/{case_id}"))
    assert html.count("长沙某某贸易有限公司") == 2 and "0731-88888888" not in html and "长*" not in html


@pytest.mark.parametrize("kind", ["unpublished", "exempted", "dispute"])
def test_only_published_penalty_decisions_are_shown(app, client, penalty, team, kind):
    published = penalty()
    if kind == "unpublished":
        hidden = penalty(published_on=None)
    elif kind == "exempted":
        hidden = penalty(outcome="exempted", published_on=None)
    else:
        sup, officers = team
        hidden = build_case(app, sup, received_on=date(2015, 9, 30), filed_on=date(2015, 10, 12), officers=officers,
                            closed_on=date(2015, 12, 1), outcome="infringement_found", respondent_name="某某公司")
    listing = body(client.get("/public/decisions"))
    assert f"/public/decisions/{published}" in listing and f"/public/decisions/{hidden}" not in listing
    assert client.get(f"/public/decisions/{hidden}").status_code == 404


@pytest.mark.parametrize("case_id", ["0", "424242", "99999999999999999999"])
def test_unknown_decision_is_not_found(client, case_id):
    assert client.get(f"/public/decisions/{case_id}").status_code == 404


def test_decisions_are_listed_newest_first_and_paginated(client, penalty, monkeypatch):
    import hotline.public.views as public_views

    monkeypatch.setattr(public_views, "PAGE_SIZE", 2)
    oldest = penalty(published_on=date(2015, 5, 21))
    newest = penalty(published_on=date(2015, 6, 2))
    middle = penalty(published_on=date(2015, 5, 28))
    first = body(client.get("/public/decisions"))
    assert first.index(f"/public/decisions/{newest}") < first.index(f"/public/decisions/{middle}")
    assert f"/public/decisions/{oldest}" not in first and "/public/decisions?page=2" in first
    second = body(client.get("/public/decisions", query_string={"page": 2}))
    assert f"/public/decisions/{oldest}" in second and f"/public/decisions/{newest}" not in second
    assert client.get("/public/decisions", query_string={"page": 3}).status_code == 404
    assert client.get("/public/decisions", query_string={"page": 0}).status_code == 404


def test_empty_list(client):
    response = client.get("/public/decisions")
    assert response.status_code == 200 and "No penalty decisions have been published yet." in body(response)


def test_an_organizations_legal_representative_is_published_with_its_name(client, penalty):
    case_id = penalty(respondent_name="长沙某某贸易有限公司", respondent_kind="organization",
                      respondent_legal_rep="李四")
    html = body(client.get(f"/public/decisions/{case_id}"))
    assert '<dt>Legal representative</dt><dd class="legal-rep">李四</dd>' in html
    listed = body(client.get("/public/decisions"))
    assert '<dd class="legal-rep">李四</dd>' in listed


def test_a_persons_decision_has_no_legal_representative_line(client, penalty):
    html = body(client.get(f"/public/decisions/{penalty()}"))
    assert 'class="legal-rep"' not in html


def test_a_supervisor_withdraws_a_decision_from_the_case_page(app, client, penalty, team):
    from tests.cases.test_views import hidden_version
    from tests.factories import PASSWORD

    sup, _officers = team
    case_id = penalty(respondent_name="长沙某某贸易有限公司", respondent_kind="organization")
    assert client.get(f"/public/decisions/{case_id}").status_code == 200
    staff_client = app.test_client()
    staff_client.post("/language/en")
    assert staff_client.post("/login", data={"username": sup.username, "password": PASSWORD}).status_code == 302
    page = body(staff_client.get(f"/cases/{case_id}"))
    assert 'id="action-withdraw"' in page and "Withdraw the published decision" in page
    version = hidden_version(page, "withdraw")
    refused = staff_client.post(f"/cases/{case_id}/actions/withdraw", data={
        "withdraw-version": version, "withdraw-on": "2015-05-27", "withdraw-reason": ""})
    assert refused.status_code == 422 and "Say why" in body(refused)
    done = staff_client.post(f"/cases/{case_id}/actions/withdraw", data={
        "withdraw-version": version, "withdraw-on": "2015-05-27", "withdraw-reason": "行政复议决定变更处罚"})
    assert done.status_code == 302
    page = body(staff_client.get(f"/cases/{case_id}"))
    assert "Withdrawn from the public page" in page and "行政复议决定变更处罚" in page
    assert "Publication withdrawn" in page  # the audit trail
    assert 'id="action-withdraw"' not in page
    assert client.get(f"/public/decisions/{case_id}").status_code == 404
