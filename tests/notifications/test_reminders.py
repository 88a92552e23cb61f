"""Reminders from the inbox: due on the next working day, became overdue, the 08:00 (Beijing) digest; never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hotline.extensions import db
from hotline.notifications.models import Notification
from workers.schedule import BEAT_SCHEDULE
from workers.tasks.notifications import digest, remind

BEIJING = ZoneInfo("Asia/Shanghai")


def _notifications(app, user):
    with app.app_context():
        return [(n.kind, n.key, n.title) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def test_due_tomorrow_and_overdue_reminders_are_created_once(app, team, build_case):
    with app.app_context():
        tomorrow = build_case("received", received_on="2015-10-09")  # 立案 due Thu 2015-10-15
        late = build_case("received", received_on="2015-10-01")  # 立案 due 2015-10-13 (holiday week)
        ancient = build_case("received", received_on="2015-06-01")  # overdue for months: not announced again
        db.session.commit()
        tomorrow, late, ancient = tomorrow.id, late.id, ancient.id
    # cases waiting to be filed are their office's: each of 长沙's 5 active officers and its supervisor
    assert remind("2015-10-14") == 2 * 6
    assert remind("2015-10-14") == 0  # hourly reruns add nothing
    rows = _notifications(app, team.officers[0])
    assert sorted((kind, key) for kind, key, _ in rows) == [
        ("due_tomorrow", f"due_tomorrow:deadline:case={tomorrow}:立案:2015-10-15"),
        ("overdue", f"overdue:deadline:case={late}:立案:2015-10-13"),
    ]
    assert all(f"case={ancient}:" not in key for _, key, _ in rows)
    assert any("立案" in title and f"#{tomorrow} " in title for _, _, title in rows)
    assert len(_notifications(app, team.supervisor)) == 2
    assert _notifications(app, team.other_officer) == [] and _notifications(app, team.inactive_officer) == []


def test_digest_lists_what_is_due_that_day_once_per_user_and_day(app, team, build_case):
    with app.app_context():
        due_today = build_case("received", received_on="2015-10-08")  # 立案 due 2015-10-14
        build_case("received", received_on="2015-10-12")  # due 2015-10-19: not in today's digest
        db.session.commit()
        due_today = due_today.id
    # 00:00 UTC is 08:00 in Beijing: the digest of 14 October
    assert digest("2015-10-14T00:00:00+00:00") >= 1
    assert digest("2015-10-14T00:05:00+00:00") == 0
    [(kind, key, title)] = [r for r in _notifications(app, team.officers[0]) if r[0] == "digest"]
    assert key == "digest:2015-10-14" and "2015-10-14" in title and "1 due" in title
    with app.app_context():
        body = db.session.scalar(select(Notification.body).where(Notification.key == key,
                                                                 Notification.user_id == team.officers[0].id))
    assert f"#{due_today} " in body and "due today" in body
    # 16:30 UTC on the 13th is already the 14th in Beijing: the same digest, not a second one
    assert digest("2015-10-13T16:30:00+00:00") == 0
    # the next day: a new digest (the case is overdue now)
    assert digest("2015-10-15T00:00:00+00:00") >= 1
    assert [k for kind, k, _ in _notifications(app, team.officers[0]) if kind == "digest"] == [
        "digest:2015-10-14", "digest:2015-10-15"]
    assert _notifications(app, team.other_officer) == []  # nothing waits for them: no digest


def test_digest_runs_at_eight_in_beijing(app):
    entry = BEAT_SCHEDULE["notifications.digest"]
    schedule = entry["schedule"]
    schedule.app = app.extensions["celery"]
    assert entry["task"] == "notifications.digest"
    last = datetime(2015, 10, 13, 8, 0, 5, tzinfo=BEIJING)  # the run of the day before, at 08:00 Beijing time

    def due_at(moment: datetime) -> bool:
        schedule.nowfun = lambda: moment.astimezone(UTC)
        return schedule.is_due(last).is_due

    assert not due_at(datetime(2015, 10, 14, 7, 59, tzinfo=BEIJING))
    assert due_at(datetime(2015, 10, 14, 8, 0, 30, tzinfo=BEIJING))
    assert not due_at(datetime(2015, 10, 13, 16, 0, tzinfo=BEIJING))  # 08:00 UTC: not then
    # seen at 16:00 Beijing time the next run is 16 hours away: 08:00 the next morning
    assert schedule.remaining_estimate(last).total_seconds() == 16 * 3600
    schedule.nowfun = None
    assert BEAT_SCHEDULE["notifications.send_email"]["schedule"] == 60.0
    assert date(2015, 10, 14).weekday() == 2
