"""Where the second release's pieces meet: the inbox providers together, reminders from them, due lists,
notifications, approvals against the case routes, transfers against calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

import hotline.models  # noqa: F401  (every mapper first)
from hotline.extensions import db
from hotline.notifications.models import Notification
from hotline.transfers.models import Transfer


def _notifications(app, user):
    with app.app_context():
        return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                       .order_by(Notification.id)))


def test_reminders_and_digest_run_in_a_worker_with_transfers_in_the_inboxes(app, side, transfer_of, web):
    """The worker has no request: a transfer's inbox row (its url) must not need one, or the hourly reminders
    and the 08:00 digest fail for everybody as soon as one transfer waits."""
    from workers.tasks.notifications import digest, remind

    call_id, transfer_id = transfer_of()
    with app.app_context():
        transfer = db.session.get(Transfer, transfer_id)
        sign_due, ref = transfer.sign_due_on, transfer.call.ref
    assert sign_due is not None
    assert digest(datetime(sign_due.year, sign_due.month, sign_due.day, tzinfo=UTC).isoformat()) >= 1
    [note] = [n for n in _notifications(app, side.zz) if n.kind == "digest"]
    assert ref in note.body
    assert remind((sign_due + timedelta(days=1)).isoformat()) >= 1
    [overdue] = [n for n in _notifications(app, side.zz) if n.kind == "overdue"]
    assert ref in overdue.title and overdue.url == f"/transfers/{transfer_id}"
    assert web(side.zz).get(overdue.url).status_code == 200
