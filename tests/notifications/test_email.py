"""Notification e-mail against a real SMTP server (aiosmtpd) started by the tests: a server that refuses or is
down delays the mail and loses none; each notification arrives exactly once, with a Message-ID of its event."""

from __future__ import annotations

import contextlib
import email
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from hotline.accounts.models import User
from hotline.core.models import OutboxMessage
from hotline.extensions import db
from hotline.notifications.models import Notification
from hotline.notifications.operations import EMAIL_TOPIC, message_id, notify, update_preferences
from tests.notifications.conftest import wait_for_embedded_senders
from workers.tasks.notifications import send_email


class Inbox:
    """An SMTP handler that keeps what it accepted; it answers 451 to the first ``refuse`` messages."""

    def __init__(self, refuse: int = 0):
        self.refuse = refuse
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    """``smtp(refuse=0, start=True)`` → (handler, controller): a real SMTP server on a free port, set as
    MAIL_SERVER; ``start=False`` leaves the port closed (connection refused) until ``controller.start()``."""
    controllers = []

    def make(refuse: int = 0, start: bool = True):
        port = free_port()
        handler = Inbox(refuse)
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        if start:
            controller.start()
        controllers.append(controller)
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setitem(app.config, "MAIL_FROM", "12330@hotline.example.cn")
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
        return handler, controller

    yield make
    for controller in controllers:
        with contextlib.suppress(AssertionError):  # never started
            controller.stop()


def _subscribe(app, user, kinds=("new_item",), address="officer@example.cn"):
    with app.app_context():
        row = db.session.get(User, user.id)
        update_preferences(row, email=address, kinds=list(kinds), actor=row)
        db.session.commit()


def _notify(app, users, key="new_item:transfer=7"):
    with app.app_context():
        ids = notify(users, "new_item", "转办 HL-2015-000007 待签收", "/calls/7", key=key)
        db.session.commit()
    wait_for_embedded_senders()
    return ids


def _pending(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == EMAIL_TOPIC,
                                                                  OutboxMessage.processed_at.is_(None))).all())


def test_mail_goes_out_after_the_commit_in_embedded_mode(app, team, smtp):
    handler, _ = smtp()
    _subscribe(app, team.officers[0])
    nid, _unsubscribed = _notify(app, [team.officers[0], team.officers[1]])  # officers[1] chose no e-mail
    assert len(handler.messages) == 1
    message = handler.messages[0]
    assert message["To"] == "officer@example.cn" and message["From"] == "12330@hotline.example.cn"
    assert "HL-2015-000007" in str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert "/calls/7" in message.get_payload(decode=True).decode()
    with app.app_context():
        notification = db.session.get(Notification, nid)
        assert notification.emailed_at is not None and message["Message-ID"] == message_id(notification)
    assert _pending(app) == 0
    send_email()  # the sweep finds nothing left: never twice
    assert len(handler.messages) == 1


def test_a_refusing_server_delays_the_mail_then_it_arrives_once(app, team, smtp):
    handler, _ = smtp(refuse=2)
    _subscribe(app, team.officers[0])
    [nid] = _notify(app, [team.officers[0]])  # refused once by the embedded sender after the commit
    assert handler.messages == [] and _pending(app) == 1
    assert send_email() == {"sent": 0, "delayed": 1}  # refused again (beat's sweep a minute later)
    with app.app_context():
        assert db.session.get(Notification, nid).emailed_at is None
    assert send_email() == {"sent": 1, "skipped": 0}  # the server accepts now
    assert send_email() == {"sent": 0, "skipped": 0}
    assert len(handler.messages) == 1 and _pending(app) == 0


def test_a_server_that_is_down_loses_no_mail_and_sends_each_once(app, team, smtp):
    handler, controller = smtp(start=False)  # connection refused
    _subscribe(app, team.officers[0])
    _subscribe(app, team.officers[1], address="second@example.cn")
    first = _notify(app, [team.officers[0], team.officers[1]], key="new_item:transfer=7")
    second = _notify(app, [team.officers[0]], key="new_item:transfer=8")
    assert len(first) == 2 and len(second) == 1
    assert send_email()["delayed"] == 1 and _pending(app) == 3
    controller.start()
    assert send_email() == {"sent": 3, "skipped": 0}
    send_email()
    _notify(app, [team.officers[0]], key="new_item:transfer=7")  # the same event again: nothing new
    send_email()
    assert sorted(m["To"] for m in handler.messages) == ["officer@example.cn", "officer@example.cn",
                                                         "second@example.cn"]
    assert len({m["Message-ID"] for m in handler.messages}) == 3


def test_no_mail_server_no_email_rows(app, team):
    _subscribe(app, team.officers[0])
    assert app.config["MAIL_SERVER"] is None
    _notify(app, [team.officers[0]])
    assert _pending(app) == 0


def test_a_preference_turned_off_before_sending_is_respected(app, team, smtp):
    handler, controller = smtp(start=False)
    _subscribe(app, team.officers[0])
    _notify(app, [team.officers[0]])
    _subscribe(app, team.officers[0], kinds=())
    controller.start()
    assert send_email() == {"sent": 0, "skipped": 1}
    assert handler.messages == [] and _pending(app) == 0
