"""Data for the statistics tests: calls through the real intake operation (so the outbox is written as in
production), cases inserted as the workflow leaves them (dates, outcome and amounts exactly as given)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hotline.accounts.models import User
from hotline.calls.operations import record_call
from hotline.cases.models import Case
from hotline.deadlines.engine import rule_set_for
from hotline.extensions import db

BEIJING = ZoneInfo("Asia/Shanghai")
CHANGSHA, ZHUZHOU, PROVINCE = "430100", "430200", "430000"


def beijing(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


def province_operator() -> User:
    """A province operator (logs calls for any region, including 430000 itself); made once per test."""
    user = db.session.scalar(select(User).where(User.username == "stats-op"))
    if user is None:
        from hotline.accounts.operations import create_user

        user = create_user(username="stats-op", display_name="stats", password="stats operator passphrase",
                           role="operator", region_code=PROVINCE, actor=None)
        db.session.flush()
    return user


def add_call(received_at: datetime, *, region_code: str = CHANGSHA, channel: str = "phone",
             request_type: str = "complaint", ip_type: str | None = "patent", **fields):
    """One call through record_call (inside an app context; the caller commits)."""
    data = {"received_at": received_at, "channel": channel, "request_type": request_type, "ip_type": ip_type,
            "region_code": region_code, "summary": "某公司销售的产品涉嫌假冒专利", **fields}
    return record_call(data, actor=province_operator())


def add_case(*, case_type: str = "infringement_dispute", region_code: str = CHANGSHA,
             received_on: date, filed_on: date | None = None, closed_on: date | None = None,
             outcome: str | None = None, rejected_on: date | None = None, amount_involved: str | None = None,
             fine_amount: str | None = None, confiscated_amount: str | None = None,
             transferred_judicial: bool = False, judicial_confirmation: bool = False, **flags) -> Case:
    """A case row in the state its dates imply (inside an app context; the caller commits)."""
    if closed_on is not None:
        status = "closed"
        outcome = outcome or ("penalized" if case_type == "counterfeit" else "mediated")
    elif rejected_on is not None:
        status = "not_accepted"
    elif filed_on is not None:
        status = "filed"
    else:
        status = "received"

    def money(value: str | None) -> Decimal | None:
        return Decimal(value) if value is not None else None

    case = Case(case_type=case_type, source="request", region_code=region_code, status=status,
                received_on=received_on, rule_set_code=rule_set_for(received_on).code, summary="统计测试案件",
                filed_on=filed_on, closed_on=closed_on, outcome=outcome if closed_on else None,
                rejected_on=rejected_on, amount_involved=money(amount_involved), fine_amount=money(fine_amount),
                confiscated_amount=money(confiscated_amount), transferred_judicial=transferred_judicial,
                judicial_confirmation=judicial_confirmation, **flags)
    db.session.add(case)
    db.session.flush()
    return case


@contextmanager
def celery_broker(app, url: str | None, queue: str | None = None):
    """Point the app (REDIS_URL) and its Celery app at ``url`` for the block, as a deployment with Redis would
    run, sending tasks to ``queue`` (default: Celery's); the embedded (eager) Celery app and the Redis client are
    restored afterwards."""
    from hotline.extensions import celery_init_app

    original_url, original_celery = app.config.get("REDIS_URL"), app.extensions["celery"]
    app.config["REDIS_URL"] = url
    app.extensions.pop("hotline_redis", None)
    celery_app = celery_init_app(app)
    if queue:
        celery_app.conf.task_default_queue = queue
    try:
        yield celery_app
    finally:
        app.config["REDIS_URL"] = original_url
        app.extensions.pop("hotline_redis", None)
        app.extensions["celery"] = original_celery
        original_celery.set_current()
        original_celery.set_default()
        celery_app.close()
