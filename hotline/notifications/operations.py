"""Notifications: create them once per event, mark them read, keep e-mail preferences, send the e-mail.

``notify`` is what domains call at an event (a new inbox item, an approval decided); the reminder pass creates the
due-tomorrow and overdue ones and the daily digest from the inbox. Each notification is unique per user and
``key``: the same event never notifies a user twice, however often it is reported.

E-mail goes through the transactional outbox (topic ``notifications.email``, one row per notification, payload: its
id only). The sender claims one row at a time (locked: ``FOR UPDATE SKIP LOCKED``), hands the e-mail to the SMTP
server, and marks the notification ``emailed_at`` and the row processed in that transaction, committed right after
the server accepted it:

- a server that refuses or is down (4xx/5xx, connection refused, timeout) leaves the notification unmarked and the
  outbox row pending; the next run (a retry, beat's sweep every minute, the next commit in embedded mode) sends it:
  mail is delayed, never lost;
- two senders never send the same notification (the row lock is held across the SMTP exchange; the other skips
  the locked row, and a notification already marked is not sent again);
- only a crash between the server's acceptance and the commit (process killed, database gone in that instant) can
  send one twice; both copies then carry the same Message-ID, derived from the user and the event key, so a mail
  system or a reader can tell it is the same message.
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from hotline.core import outbox
from hotline.core.audit import record_event
from hotline.core.errors import ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.types import utcnow
from hotline.extensions import db
from hotline.notifications.models import Notification, NotificationKind, NotificationPreference

EMAIL_TOPIC = "notifications.email"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class MailUnavailable(Exception):
    """The SMTP server refused or could not be reached: the notification stays pending for the next run."""


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _user_ids(users: Iterable) -> list[int]:
    ids = []
    for user in users:
        user_id = user if isinstance(user, int) else user.id
        if user_id not in ids:
            ids.append(user_id)
    return ids


def notify(users: Iterable, kind: str, title: str, url: str, *, key: str, object_type: str | None = None,
           object_id: int | None = None, body: str | None = None) -> list[int]:
    """Notify ``users`` (users or ids) of an event, in the caller's transaction, once per user and ``key``.

    Users who chose e-mail for ``kind`` (and have an address) get an outbox row for the sender in the same
    transaction. Returns the ids of the notifications created now (an event already notified adds nothing).

    :param kind: a ``NotificationKind`` value.
    :param key: names the event, e.g. ``new_item:transfer=12`` or ``overdue:deadline:case=3:结案:2015-06-30``.
    """
    kind = NotificationKind(kind).value
    ids = _user_ids(users)
    if not ids:
        return []
    title, key = title[:300], key[:200]
    values = [{"user_id": user_id, "kind": kind, "title": title, "url": url[:500], "body": body, "key": key,
               "object_type": object_type, "object_id": object_id, "created_at": utcnow()} for user_id in ids]
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    stmt = (insert(Notification).values(values)
            .on_conflict_do_nothing(index_elements=["user_id", "key"])
            .returning(Notification.id, Notification.user_id))
    created = db.session.execute(stmt).all()
    if created and mail_configured():
        wanted = _email_wanted({user_id for _, user_id in created}, kind)
        for nid in sorted(nid for nid, user_id in created if user_id in wanted):
            outbox.write(EMAIL_TOPIC, {"notification_id": nid})
    return [nid for nid, _ in created]


def notify_new_item(users: Iterable, item) -> list[int]:
    """"New in your inbox" for ``users`` at the event that put ``item`` (an InboxItem) there: a transfer sent to
    their region, an approval requested … Keyed by the item (and its due date), so reporting the same item again
    adds nothing; a reopened item with a new deadline is a new event."""
    from hotline.inbox.queries import item_id

    object_type, object_id = _object_of(item)
    due = item.due_on.isoformat() if item.due_on else "-"
    return notify(users, NotificationKind.new_item, _("New: %(deadline)s %(title)s", deadline=item.deadline,
                                                       title=item.title),
                  item.url, key=f"new_item:{item_id(item)}:{due}", object_type=object_type, object_id=object_id)


def _email_wanted(user_ids: set[int], kind: str) -> set[int]:
    """Which of ``user_ids`` want e-mail for ``kind`` and have an address."""
    from hotline.accounts.models import User

    if not user_ids:
        return set()
    rows = db.session.execute(
        select(NotificationPreference.user_id)
        .join(User, User.id == NotificationPreference.user_id)
        .where(NotificationPreference.user_id.in_(user_ids), NotificationPreference.kind == kind,
               NotificationPreference.email.is_(True), User.email.is_not(None), User.is_active.is_(True)))
    return set(rows.scalars())


# Reading ------------------------------------------------------------------------------------------------------

def mark_read(notification: Notification, *, actor) -> bool:
    """Mark one of the actor's notifications read. Returns whether it was unread. (Not audited: reading one's own
    reminders changes nothing anyone else relies on.)"""
    if notification.user_id != actor.id:
        raise PermissionError("not the actor's notification")
    if notification.read_at is not None:
        return False
    notification.read_at = utcnow()
    db.session.flush()
    return True


def mark_all_read(*, actor) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    result = db.session.execute(update(Notification)
                                .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
                                .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0


# Preferences --------------------------------------------------------------------------------------------------

def email_preferences(user) -> dict[str, bool]:
    """{kind: e-mail wanted} for every kind (no row: no e-mail)."""
    rows = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.email)
                                   .where(NotificationPreference.user_id == user.id)).all())
    return {kind.value: bool(rows.get(kind.value, False)) for kind in NotificationKind}


def update_preferences(user, *, email: str | None, kinds: Iterable[str], actor) -> dict[str, tuple]:
    """Set the user's e-mail address and the kinds they want by e-mail. Audited (without the address itself).

    :raises ValidationFailed: an address that is not one, or e-mail asked for without an address.
    """
    email = (email or "").strip() or None
    kinds = {NotificationKind(k).value for k in kinds}
    if email is not None and (len(email) > 254 or not _EMAIL.match(email)):
        raise ValidationFailed(_("Check the e-mail address."), {"email": [_("Not an e-mail address.")]})
    if kinds and email is None:
        raise ValidationFailed(_("Give an e-mail address to get e-mail."),
                               {"email": [_("Required to get notifications by e-mail.")]})
    before = email_preferences(user)
    changes: dict[str, tuple] = {}
    if email != user.email:
        changes["email"] = ("…" if user.email else None, "…" if email else None)  # never the address itself
        user.email = email
    existing = {p.kind: p for p in db.session.scalars(select(NotificationPreference)
                                                      .where(NotificationPreference.user_id == user.id))}
    for kind in NotificationKind:
        wanted = kind.value in kinds
        if before[kind.value] != wanted:
            changes[f"email_{kind.value}"] = (before[kind.value], wanted)
        row = existing.get(kind.value)
        if row is None:
            if wanted:
                db.session.add(NotificationPreference(user_id=user.id, kind=kind.value, email=True))
        else:
            row.email = wanted
    db.session.flush()
    if changes:
        record_event(user, "notification_preferences", actor, changes)
    return changes


# Sending ------------------------------------------------------------------------------------------------------

def message_id(notification: Notification) -> str:
    """The same for every copy of one notification's e-mail (derived from its user and event key)."""
    digest = hashlib.sha256(f"{notification.user_id}:{notification.key}".encode()).hexdigest()[:32]
    domain = (current_app.config.get("MAIL_FROM") or "hotline@localhost").rpartition("@")[2].strip(">") or "localhost"
    return f"<{digest}@{domain}>"


def build_email(notification: Notification, to: str) -> EmailMessage:
    base = (current_app.config.get("HOTLINE_BASE_URL") or "").rstrip("/")
    message = EmailMessage()
    message["Subject"] = notification.title
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Message-ID"] = message_id(notification)
    message["Date"] = formatdate(localtime=False)
    parts = [notification.title, ""]
    if notification.body:
        parts += [notification.body, ""]
    parts.append(f"{base}{notification.url}")
    message.set_content("\n".join(parts))
    return message


def _smtp_send(message: EmailMessage) -> None:
    config = current_app.config
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25),
                          timeout=float(config.get("MAIL_TIMEOUT") or 30)) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailUnavailable(type(exc).__name__) from exc


def send_next() -> str | None:
    """Take the oldest pending e-mail (its outbox row locked against other senders), send it, mark the
    notification ``emailed_at`` and the row processed, and commit. Returns ``sent``, ``skipped`` (already sent,
    or no address or preference any more) or None when nothing is pending.

    :raises MailUnavailable: the server refused or could not be reached; nothing is marked (rolled back).
    """
    from hotline.accounts.models import User

    rows = outbox.claim(EMAIL_TOPIC, limit=1)
    if not rows:
        db.session.rollback()
        return None
    row = rows[0]
    notification = db.session.get(Notification, int(row.payload.get("notification_id", 0)))
    outcome = "skipped"
    if (notification is not None and notification.emailed_at is None
            and notification.user_id in _email_wanted({notification.user_id}, notification.kind)):
        user = db.session.get(User, notification.user_id)
        try:
            _smtp_send(build_email(notification, user.email))
        except MailUnavailable:
            db.session.rollback()
            raise
        notification.emailed_at = utcnow()
        outcome = "sent"
    outbox.mark_processed([row.id])
    db.session.commit()
    return outcome


def send_pending_email(limit: int = 500) -> dict[str, int]:
    """Send pending notification e-mails, one transaction each, up to ``limit``.

    :raises MailUnavailable: the server is down; what was sent stays marked, the rest stays pending.
    """
    counts = {"sent": 0, "skipped": 0}
    if not mail_configured():
        return counts
    for _attempt in range(limit):
        outcome = send_next()
        if outcome is None:
            break
        counts[outcome] += 1
    return counts


def unread_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


# Reminders ----------------------------------------------------------------------------------------------------

#: An item that became overdue within this many days is notified (after an outage the pass catches up); older
#: overdue items are in the inbox and the digest, not announced again on the first run.
OVERDUE_NOTICE_DAYS = 7


def _recipients():
    """Active users who can have inbox items (everyone but administrators)."""
    from hotline.accounts.models import User
    from hotline.core.permissions import Role

    return list(db.session.scalars(select(User).where(User.is_active.is_(True), User.role != Role.admin.value)
                                   .order_by(User.id)))


def create_reminders(today) -> int:
    """Due-tomorrow (the next working day) and became-overdue notifications from every user's inbox, in the
    caller's transaction. Idempotent: the key is the kind, the item and its due date, so a rerun (hourly) adds
    nothing and a deadline moved by an extension is a new event. Returns how many were created."""
    from datetime import timedelta

    from hotline.deadlines.calendar import WorkCalendar
    from hotline.inbox.queries import inbox_items, item_id

    cal = WorkCalendar()
    created = 0
    for user in _recipients():
        for item in inbox_items(user, today, cal):
            if item.due_on is None:
                continue
            if not item.overdue and item.working_days_left == 1:
                kind, title = NotificationKind.due_tomorrow, _("Due on the next working day: %(deadline)s %(title)s",
                                                                deadline=item.deadline, title=item.title)
            elif item.overdue and item.due_on >= today - timedelta(days=OVERDUE_NOTICE_DAYS):
                kind, title = NotificationKind.overdue, _("Overdue: %(deadline)s %(title)s",
                                                           deadline=item.deadline, title=item.title)
            else:
                continue
            object_type, object_id = _object_of(item)
            created += len(notify([user.id], kind, title, item.url,
                                  key=f"{kind.value}:{item_id(item)}:{item.due_on.isoformat()}",
                                  object_type=object_type, object_id=object_id))
    return created


def _object_of(item) -> tuple[str | None, int | None]:
    for name in ("transfer_id", "approval_id", "assist_id", "case_id", "call_id"):
        value = getattr(item, name)
        if value is not None:
            return name.removesuffix("_id"), value
    return None, None


def create_digests(today) -> int:
    """The daily digest (08:00 Beijing time): one notification per user and day listing what is due that day
    and what is overdue; none for a user with neither. Idempotent (key ``digest:<day>``)."""
    from hotline.deadlines.calendar import WorkCalendar
    from hotline.inbox.queries import inbox_items

    cal = WorkCalendar()
    created = 0
    for user in _recipients():
        items = inbox_items(user, today, cal)
        due_today = [i for i in items if not i.overdue and i.due_on == today]
        overdue = [i for i in items if i.overdue]
        if not due_today and not overdue:
            continue
        today_note = _("due today")
        lines = [f"{i.deadline} {i.title} ({today_note})" for i in due_today]
        for i in overdue:
            since = _("overdue since %(day)s", day=i.due_on.isoformat())
            lines.append(f"{i.deadline} {i.title} ({since})")
        title = _("Today %(day)s: %(due)d due, %(overdue)d overdue", day=today.isoformat(), due=len(due_today),
                  overdue=len(overdue))
        created += len(notify([user.id], NotificationKind.digest, title, "/inbox", key=f"digest:{today.isoformat()}",
                              body="\n".join(lines[:200])))
    return created
