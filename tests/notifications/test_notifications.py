"""Notifications: once per event, read and unread, another user's answers 404, e-mail preferences."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline.accounts.models import User
from hotline.core.models import AuditEvent, OutboxMessage
from hotline.extensions import db
from hotline.notifications.models import Notification
from hotline.notifications.operations import EMAIL_TOPIC, notify, update_preferences


def _notify(app, users, key="new_item:transfer=1", kind="new_item", title="转办 HL-2015-000001 待签收"):
    with app.app_context():
        ids = notify(users, kind, title, "/calls/1", key=key, object_type="transfer", object_id=1)
        db.session.commit()
        return ids


def test_the_same_event_notifies_a_user_once(app, team):
    first = _notify(app, [team.officers[0], team.officers[1].id])
    again = _notify(app, [team.officers[0], team.officers[1]])
    other_event = _notify(app, [team.officers[0]], key="new_item:transfer=2")
    assert len(first) == 2 and again == [] and len(other_event) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 3


def test_email_is_queued_only_for_users_who_chose_it_and_without_personal_data(app, team, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens: the embedded sender only fails
    with app.app_context():
        wants = db.session.get(User, team.officers[0].id)
        update_preferences(wants, email="zhang@example.cn", kinds=["new_item"], actor=wants)
        other_kind = db.session.get(User, team.officers[1].id)
        update_preferences(other_kind, email="li@example.cn", kinds=["digest"], actor=other_kind)
        db.session.commit()
    ids = _notify(app, [team.officers[0], team.officers[1], team.officers[2]])
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == EMAIL_TOPIC)).all()
        mine = db.session.scalar(select(Notification.id).where(Notification.user_id == team.officers[0].id))
        assert [r.payload for r in rows] == [{"notification_id": mine}] and mine in ids
        # the preference change is audited, without the address
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "notification_preferences",
                                                           AuditEvent.object_id == team.officers[0].id))
        assert event.changes["email_new_item"] == [False, True]
        assert "zhang@example.cn" not in str(event.changes)


def test_api_lists_unread_and_marks_read(app, team, api):
    _notify(app, [team.officers[0]], key="a")
    _notify(app, [team.officers[0]], key="b", kind="overdue", title="已逾期")
    _notify(app, [team.officers[1]], key="c")
    client = api(team.officers[0])
    body = client.get("/api/v1/notifications?unread=true").get_json()
    assert [n["kind"] for n in body["items"]] == ["overdue", "new_item"] and body["next_cursor"] is None
    first = body["items"][0]
    assert set(first) == {"id", "kind", "title", "url", "body", "object_type", "object_id", "created_at",
                          "read_at"}
    resp = client.post(f"/api/v1/notifications/{first['id']}/read")
    assert resp.status_code == 200 and resp.get_json()["read_at"]
    assert len(client.get("/api/v1/notifications?unread=true").get_json()["items"]) == 1
    assert len(client.get("/api/v1/notifications").get_json()["items"]) == 2
    page = client.get("/api/v1/notifications?page_size=1").get_json()
    assert [n["id"] for n in page["items"]] == [first["id"]] and page["next_cursor"]
    rest = client.get(f"/api/v1/notifications?page_size=1&cursor={page['next_cursor']}").get_json()
    assert [n["id"] for n in rest["items"]] == [first["id"] - 1] and rest["next_cursor"] is None
    assert client.get("/api/v1/notifications?cursor=%%%").status_code == 422
    assert client.get("/api/v1/notifications?unread=maybe").status_code == 422


def test_another_users_notification_answers_404(app, team, api, client, login):
    theirs = _notify(app, [team.officers[1]])[0]
    assert api(team.officers[0]).post(f"/api/v1/notifications/{theirs}/read").status_code == 404
    assert api(team.officers[0]).post("/api/v1/notifications/999999/read").status_code == 404
    login(team.officers[0])
    assert client.post(f"/notifications/{theirs}/read").status_code == 404
    with app.app_context():
        assert db.session.get(Notification, theirs).read_at is None


def test_bell_page_mark_read_and_mark_all_read(app, team, client, login):
    one = _notify(app, [team.officers[0]], key="a", title="第一条提醒")[0]
    _notify(app, [team.officers[0]], key="b", title="第二条提醒")
    login(team.officers[0])
    page = client.get("/inbox").get_data(as_text=True)
    assert "Notifications: 2 unread" in page
    listing = client.get("/notifications").get_data(as_text=True)
    assert "第一条提醒" in listing and "第二条提醒" in listing
    resp = client.post(f"/notifications/{one}/read", data={"open": "1"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/calls/1"
    assert "Notifications: 1 unread" in client.get("/inbox").get_data(as_text=True)
    assert "第一条提醒" not in client.get("/notifications?unread=1").get_data(as_text=True)
    assert client.post("/notifications/read-all").status_code == 302
    assert "Notifications: 0 unread" in client.get("/inbox").get_data(as_text=True)


def test_settings_page_saves_the_address_and_kinds(app, team, client, login):
    login(team.officers[0])
    assert client.get("/notifications/settings").status_code == 200
    bad = client.post("/notifications/settings", data={"email": "not an address", "email_overdue": "y"})
    assert bad.status_code == 422 and "Not an e-mail address." in bad.get_data(as_text=True)
    none = client.post("/notifications/settings", data={"email": "", "email_overdue": "y"})
    assert none.status_code == 422 and "Required to get notifications by e-mail." in none.get_data(as_text=True)
    ok = client.post("/notifications/settings", data={"email": "wang@example.cn", "email_overdue": "y",
                                                      "email_digest": "y"})
    assert ok.status_code == 302
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert 'value="wang@example.cn"' in page
    with app.app_context():
        from hotline.notifications.operations import email_preferences

        prefs = email_preferences(db.session.get(User, team.officers[0].id))
        assert prefs == {"new_item": False, "due_tomorrow": False, "overdue": True, "approval_decided": False,
                         "digest": True}


def test_new_inbox_item_notification_is_keyed_by_the_item(app, team):
    from hotline.inbox.items import InboxItem
    from hotline.notifications.operations import notify_new_item

    item = InboxItem(kind="transfer_sign", title="转办 HL-2015-000009", deadline="签收", url="/transfers/9",
                     due_on=None, working_days_left=None, overdue=False, transfer_id=9)
    with app.app_context():
        assert len(notify_new_item([team.officers[0], team.officers[1]], item)) == 2
        assert notify_new_item([team.officers[0]], item) == []
        db.session.commit()
        row = db.session.scalar(select(Notification).where(Notification.user_id == team.officers[0].id))
        assert (row.kind, row.object_type, row.object_id, row.url) == ("new_item", "transfer", 9, "/transfers/9")
        assert row.key == "new_item:transfer_sign:transfer=9:签收:-" and "签收" in row.title
