"""A county's staff use every page of their role without an error: lists and statistics of a county office (its
own figures) answer, never 500."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD

WEB = ["/", "/inbox", "/notifications", "/tokens", "/calls", "/calls/new", "/transfers/", "/cases", "/cases/due",
       "/cases/calendar", "/cases/new", "/approvals", "/due", "/due/backlog", "/supervisions", "/review",
       "/review/scores", "/stats/", "/stats/monthly", "/stats/yearly", "/answers", "/admin/users", "/admin/users/new",
       "/admin/regions", "/admin/calendar"]
API = ["/api/v1/me", "/api/v1/inbox", "/api/v1/regions", "/api/v1/users", "/api/v1/calls", "/api/v1/cases",
       "/api/v1/transfers", "/api/v1/approvals", "/api/v1/supervisions", "/api/v1/due", "/api/v1/answers",
       "/api/v1/stats/monthly/2015-05", "/api/v1/reports/yearly/2015"]


@pytest.mark.parametrize("role", ["operator", "officer", "supervisor", "admin"])
def test_county_staff_get_no_server_error(app, create_user, make_token, role):
    user = create_user(role, "430102", username=f"fr-{role}")
    client = app.test_client()
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    errors = [f"{url}: {status}" for url in WEB
              if (status := client.get(url, follow_redirects=True).status_code) >= 500]
    headers = {"Authorization": f"Bearer {make_token(user)}"}
    errors += [f"{url}: {status}" for url in API
               if (status := client.get(url, headers=headers).status_code) >= 500]
    assert not errors


def test_a_county_supervisor_locks_its_own_month(app, create_user, make_token):
    """Statistics are kept per level (hotline.stats): a county supervisor locks (报送) its own county's month."""
    user = create_user("supervisor", "430102", username="fr-sup")
    headers = {"Authorization": f"Bearer {make_token(user)}"}
    response = app.test_client().post("/api/v1/stats/monthly/2015-05/lock", headers=headers, json={})
    assert response.status_code == 200
    assert response.get_json()["region_code"] == "430102" and response.get_json()["locked"] is True


def test_a_prefecture_lists_and_filters_its_counties_cases(app, client, create_user, login):
    from datetime import date

    from tests.review.builders import build_case

    changsha = create_user("officer", "430100", username="cs-o")
    furong = create_user("officer", "430102", username="fr-o")
    tianxin = create_user("officer", "430103", username="tx-o")
    own = build_case(app, changsha, received_on=date(2015, 5, 4), respondent_name="长沙本级某公司")
    county = build_case(app, furong, region_code="430102", received_on=date(2015, 5, 4), respondent_name="芙蓉某商行")
    login(changsha)
    both = client.get("/cases").get_data(as_text=True)
    assert f'href="/cases/{own}"' in both and f'href="/cases/{county}"' in both
    assert 'id="region_code"' in both  # a 市州 with counties filters by region
    only = client.get("/cases?region_code=430102").get_data(as_text=True)
    assert f'href="/cases/{county}"' in only and f'href="/cases/{own}"' not in only
    assert client.get(f"/cases/{county}").status_code == 200
    client.post("/logout")
    login(tianxin)
    assert f'href="/cases/{county}"' not in client.get("/cases").get_data(as_text=True)
    assert client.get(f"/cases/{county}").status_code == 404
    assert 'id="region_code"' not in client.get("/cases").get_data(as_text=True)
