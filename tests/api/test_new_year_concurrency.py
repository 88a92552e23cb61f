"""The first records of a year, arriving together: every one is saved with its own number (no 500).

On PostgreSQL the reference numbers of a year come from a sequence created on the year's first use; concurrent
first uses used to race on ``CREATE SEQUENCE IF NOT EXISTS`` (unique violation on pg_class, answered 500).
Real concurrent requests: one thread per client, each request in its own app context and database connection,
all released together by a barrier, for years never used before.
"""

from __future__ import annotations

import threading

from tests.api.conftest import payload

WORKERS = 8


def _together(app, requests: list) -> list:
    """Run each ``request(client)`` in its own thread with its own test client, all starting at once."""
    results: list = [None] * len(requests)
    start = threading.Barrier(len(requests))

    def run(i: int) -> None:
        client = app.test_client()
        start.wait()
        try:
            results[i] = requests[i](client)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_first_calls_of_new_years_arriving_together_are_all_saved(app, users, make_token):
    token = make_token(users.op)
    headers = {"Authorization": f"Bearer {token}"}
    for year in (2011, 2012, 2013):  # three fresh years: the race is not left to one chance
        def intake(client, n, year=year):
            body = payload(received_at=f"{year}-01-0{n % 5 + 3}T09:{n:02d}:00+08:00",
                           caller_phone=f"138123456{n:02d}", summary=f"新年第一批来电 {n}")
            response = client.post("/api/v1/calls", json=body, headers=headers)
            return response.status_code, response.get_json()

        results = _together(app, [lambda c, n=n: intake(c, n) for n in range(WORKERS)])
        statuses = [r[0] if isinstance(r, tuple) else repr(r) for r in results]
        assert statuses == [201] * WORKERS, results
        refs = sorted(r[1]["ref"] for r in results)
        assert refs == [f"HL-{year}-{i:06d}" for i in range(1, WORKERS + 1)]


def test_first_cases_filed_in_a_new_year_together_all_get_a_number(app, case_api, crew):
    officer = case_api()
    ids = [u.id for u in crew.officers[:3]]
    for year in (2014, 2016, 2017, 2018):
        cases = [officer.open_case(received_on=f"{year}-01-05") for _ in range(WORKERS)]

        def file(client, case):
            response = client.post(f"/api/v1/cases/{case['id']}/actions",
                                   json={"action": "file", "filed_on": case["received_on"], "officer_ids": ids},
                                   headers={**officer.headers, "If-Match": str(case["version"])})
            return response.status_code, response.get_json()

        results = _together(app, [lambda c, case=case: file(c, case) for case in cases])
        statuses = [r[0] if isinstance(r, tuple) else repr(r) for r in results]
        assert statuses == [200] * WORKERS, results
        numbers = {r[1]["case_number"] for r in results}
        assert len(numbers) == WORKERS
        assert all(str(year) in number for number in numbers)
