"""Redis stops while operators log calls and officers work cases: every request still succeeds quickly, every
record is kept, and the statistics catch up once Redis is back (a real worker runs beat's sweep)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from hotline.calls.models import Call
from hotline.cases.models import Case
from hotline.core.clock import local_date
from hotline.core.models import OutboxMessage
from hotline.core.permissions import DEFAULT_PROVINCE as PROVINCE_CODE
from hotline.extensions import db
from hotline.stats.compute import Month
from hotline.stats.models import MonthlySnapshot
from tests.factories import PASSWORD
from tests.faults.conftest import start_worker, stop_worker
from tests.stats.builders import celery_broker

pytestmark = pytest.mark.services


def _intake(n: int) -> dict:
    return {"received_at": (datetime.now(UTC) - timedelta(minutes=30 + n)).isoformat(), "channel": "phone",
            "request_type": "complaint", "ip_type": "patent", "region_code": "430100",
            "caller_phone": f"1380000{n:04d}", "summary": f"第{n}号来电: 某公司销售假冒专利产品"}


def _calls_in_snapshot(app, month: Month) -> int | None:
    with app.app_context():
        data = db.session.scalar(sa.select(MonthlySnapshot.data).where(
            MonthlySnapshot.month == month.first_day, MonthlySnapshot.region_code == PROVINCE_CODE))
        return data["calls"]["total"] if data else None


def test_intake_and_casework_survive_a_redis_outage_and_statistics_catch_up(
        app, client, create_user, api, redis_server, database_url, tmp_path):
    operator = create_user("operator", "430100")
    officer = create_user("officer", "430100")
    colleagues = [create_user("officer", "430100") for _ in range(2)]
    operator_api, officer_api = api(operator), api(officer)
    month = Month.of(local_date(datetime.now(UTC) - timedelta(minutes=30)))

    with celery_broker(app, redis_server.url):
        redis_server.stop()

        slowest = 0.0
        for n in range(8):
            started = time.monotonic()
            response = operator_api.post("/api/v1/calls", json=_intake(n))
            slowest = max(slowest, time.monotonic() - started)
            assert response.status_code == 201, response.get_json()
        # The web intake too: the operator's form saves and redirects.
        web = app.test_client()
        assert web.post("/login", data={"username": operator.username, "password": PASSWORD}).status_code == 302
        started = time.monotonic()
        form = {**_intake(99), "received_at": (datetime.now(UTC) + timedelta(hours=8) - timedelta(minutes=40))
                .strftime("%Y-%m-%dT%H:%M")}
        response = web.post("/calls/new", data=form)
        slowest = max(slowest, time.monotonic() - started)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        # An officer opens and files a case.
        created = officer_api.post("/api/v1/cases", json={
            "case_type": "infringement_dispute", "region_code": "430100", "received_on": "2015-09-30",
            "source": "request", "summary": "专利侵权纠纷处理请求", "respondent_name": "长沙某某科技有限公司"})
        assert created.status_code == 201, created.get_json()
        case = created.get_json()
        filed = officer_api.post(f"/api/v1/cases/{case['id']}/actions", json={
            "action": "file", "filed_on": "2015-10-08", "officer_ids": [officer.id] + [c.id for c in colleagues],
            "version": case["version"]})
        assert filed.status_code == 200, filed.get_json()
        # A dead broker costs at most its short socket timeouts, never a hung request.
        assert slowest < 5.0

        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Call)) == 9
            assert db.session.scalar(sa.select(Case.status)) == "filed"
            pending = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                        .where(OutboxMessage.processed_at.is_(None)))
            assert pending >= 10  # nine intakes, the case and its filing: nothing was lost or dropped
        assert _calls_in_snapshot(app, month) is None

        # Redis is back: a worker runs beat's periodic sweep, and the month's figures catch up.
        redis_server.start()
        worker = start_worker(redis_url=redis_server.url, database_url=database_url, workdir=tmp_path,
                              name=f"fault-redis-{id(tmp_path)}")
        try:
            from workers.tasks.stats import sweep

            sweep.delay()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and _calls_in_snapshot(app, month) != 9:
                time.sleep(0.3)
            assert _calls_in_snapshot(app, month) == 9, (tmp_path / f"fault-redis-{id(tmp_path)}.log").read_text()
        finally:
            stop_worker(worker)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.processed_at.is_(None))) == 0
