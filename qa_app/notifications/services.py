"""The outbox: queue a notification (in the same transaction as the change it is about) and send
what is waiting by SMTP.

Sending is at least once: a message is marked sent after the server accepts it, so a crash between
the two can send it twice, never zero times. A message the server refuses is tried again on later
runs, up to MAX_ATTEMPTS; a server that cannot be reached does not use up attempts.
"""

import os
import smtplib
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa

from qa_app.auth.models import User
from qa_app.db import lock_for_writing, utcnow
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.notifications.models import Notification

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "case-file-audit@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config) -> "SmtpSettings":
        """SMTP_HOST (empty: do not send), SMTP_PORT (25), SMTP_FROM, SMTP_USERNAME, SMTP_PASSWORD,
        SMTP_STARTTLS ("1"/"true") and SMTP_TIMEOUT, from the app's config."""
        def get(name, default=""):
            value = config.get(name)
            return os.environ.get(name, default) if value in (None, "") else value

        return cls(
            host=str(get("SMTP_HOST")).strip(), port=int(get("SMTP_PORT", 25)),
            sender=str(get("SMTP_FROM", cls.sender)), username=str(get("SMTP_USERNAME")),
            password=str(get("SMTP_PASSWORD")),
            starttls=str(get("SMTP_STARTTLS", "")).lower() in ("1", "true", "yes", "on"),
            timeout=float(get("SMTP_TIMEOUT", 30)),
        )


def queue(recipient: User, *, subject: str, body: str, object_type: str = "",
          object_id: int | None = None) -> Notification:
    notification = Notification(recipient_id=recipient.id, subject=subject[:200], body=body,
                                object_type=object_type, object_id=object_id)
    db.session.add(notification)
    return notification


def pending_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.sent_at.is_(None), Notification.attempts < MAX_ATTEMPTS)) or 0


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    left_queued: int = 0
    error: str = ""         # the server could not be reached, or ended the session
    messages: list[str] = field(default_factory=list)


def send_pending(settings: SmtpSettings, *, limit: int = 200) -> SendResult:
    """Send up to `limit` waiting notifications, oldest first. Without an SMTP host nothing is
    sent and everything stays queued (the result says so)."""
    result = SendResult()
    if not settings.host:
        result.left_queued = pending_count()
        result.messages.append(f"SMTP_HOST is not set: {result.left_queued} notification(s) left queued.")
        return result
    lock_for_writing(db.session)   # SQLite: two senders take turns (PostgreSQL: skip_locked below)
    waiting = list(db.session.scalars(
        sa.select(Notification).where(Notification.sent_at.is_(None), Notification.attempts < MAX_ATTEMPTS)
        .order_by(Notification.created_at, Notification.id).limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL: two senders never take the same row
    ))
    if waiting:
        try:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        except (OSError, smtplib.SMTPException) as error:
            result.left_queued = pending_count()
            result.error = str(error) or type(error).__name__
            result.messages.append(f"Cannot reach the SMTP server {settings.host}:{settings.port} ({error}); "
                                   f"{result.left_queued} notification(s) left queued.")
            return result
        try:
            if settings.starttls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password)
            for notification in waiting:
                _send_one(smtp, settings, notification, result)
        except (OSError, smtplib.SMTPException) as error:
            result.error = str(error) or type(error).__name__
            result.messages.append(f"The SMTP server stopped the session ({error}).")
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    db.session.flush()
    result.left_queued = pending_count()
    result.messages.append(f"Sent {result.sent}, failed {result.failed}, {result.left_queued} left queued.")
    return result


def _send_one(smtp: smtplib.SMTP, settings: SmtpSettings, notification: Notification,
              result: SendResult) -> None:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = notification.recipient.email
    message["Subject"] = notification.subject
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or socket.getfqdn())
    message.set_content(notification.body)
    notification.attempts += 1
    try:
        smtp.send_message(message)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
        notification.last_error = str(error)[:2000]
        result.failed += 1
        return
    notification.sent_at = utcnow()
    notification.last_error = ""
    result.sent += 1
    record(None, "notification.sent", notification, to=notification.recipient.email,
           about=f"{notification.object_type}/{notification.object_id}" if notification.object_type else "")
