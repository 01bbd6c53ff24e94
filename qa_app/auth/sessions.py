"""Sessions held on the server: each sign-in makes a UserSession; the cookie carries only its random
key. A session ends when the user signs out (every session of theirs ends), changes their password
(their other sessions end), is deactivated, ends it on the "your sessions" page, is idle longer than
SESSION_IDLE_MINUTES (default 30), or is older than SESSION_MAX_HOURS (default 10)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from qa_app.auth.models import User, UserSession
from qa_app.db import utcnow
from qa_app.extensions import db

# last_seen_at is written at most this often, so a busy page does not write on every request.
TOUCH_EVERY = timedelta(seconds=30)

END_REASONS = {
    "signed_out": "Signed out",
    "ended_by_user": "Ended from another session",
    "password_changed": "The password was changed",
    "deactivated": "The account was deactivated",
    "idle": "No activity for too long",
    "expired": "Reached the longest time a session may last",
    "mfa_reset": "Two-step verification was reset",
    "two_step_changed": "Two-step verification was changed",
    "ended_by_admin": "Ended by an administrator",
    "roles_changed": "The account's roles were changed",
}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=float(current_app.config["SESSION_IDLE_MINUTES"]))


def absolute_limit() -> timedelta:
    return timedelta(hours=float(current_app.config["SESSION_MAX_HOURS"]))


def start(user: User, *, method: str, user_agent: str = "", address: str = "",
          now: datetime | None = None) -> tuple[UserSession, str]:
    """A new session for `user` and its key (for the cookie; only its hash is stored)."""
    now = now or utcnow()
    key = secrets.token_urlsafe(32)
    record = UserSession(user_id=user.id, key_hash=_hash(key), created_at=now, last_seen_at=now,
                         method=method, user_agent=user_agent[:300], address=address[:64])
    db.session.add(record)
    db.session.flush()
    user.session_key, user.current_session = key, record
    return record, key


@dataclass(frozen=True)
class Lookup:
    user: User | None
    ended_because: str = ""     # why a session the cookie named is no longer valid


def resume(user_id: int, key: str, *, now: datetime | None = None) -> Lookup:
    """The user of an open session, touching its last-seen time; or why it cannot be used (and it is
    ended now if it ran out). The caller commits."""
    now = now or utcnow()
    record = db.session.scalar(sa.select(UserSession).where(UserSession.key_hash == _hash(key)))
    if record is None or record.user_id != user_id:
        return Lookup(None)
    if record.ended_at is not None:
        return Lookup(None, record.end_reason)
    user = record.user
    if not user.active:
        end(record, "deactivated", now=now)
        return Lookup(None, "deactivated")
    if now - record.created_at > absolute_limit():
        end(record, "expired", now=now)
        return Lookup(None, "expired")
    if now - record.last_seen_at > idle_limit():
        end(record, "idle", now=now)
        return Lookup(None, "idle")
    if now - record.last_seen_at >= TOUCH_EVERY:
        record.last_seen_at = now
    user.session_key, user.current_session = key, record
    return Lookup(user)


def end(record: UserSession, reason: str, *, now: datetime | None = None) -> None:
    if record.ended_at is None:
        record.ended_at, record.end_reason = now or utcnow(), reason


def end_all(user: User, reason: str, *, keep: UserSession | None = None) -> int:
    """End every open session of `user` (but `keep`); the number ended."""
    query = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(query.values(ended_at=utcnow(), end_reason=reason)
                                .execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


def open_sessions(user: User) -> list[UserSession]:
    return list(db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def describe_device(user_agent: str) -> str:
    """'Firefox on Windows' from a user-agent string, or the start of it."""
    browsers = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
    systems = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
               ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))
    browser = next((name for marker, name in browsers if marker in user_agent), "")
    system = next((name for marker, name in systems if marker in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (user_agent[:60] or "Unknown browser")
