"""Throttling of sign-in attempts, counted per account and per client address and stored in the
database, so it holds across every gunicorn worker and app server.

Every attempt is counted as a failure *before* the password is checked (one short locked
transaction), and the count is undone when it succeeds, so parallel guesses on several workers
cannot slip past the count. From the `free`-th failure in a row an account must wait
`base × 2^(failures − free)` seconds, at most `max` (15 minutes): no permanent lockout that an
attacker could use to keep staff out. Attempts while waiting are refused at once with 429, before
any password hashing, so a flood costs the server little. Failures are forgiven one every
`forgive` seconds, so a person who mistyped yesterday starts afresh.

An address shared by a whole council office has a far higher threshold (THROTTLE_ADDRESS_FREE).
An email that matches no account is counted in one of 4,096 buckets (a keyed hash of the email),
so unknown and known emails behave alike and the typed email is never stored.
"""

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from qa_app.auth.models import SignInThrottle, User
from qa_app.db import utcnow
from qa_app.extensions import db

UNKNOWN_BUCKETS = 4096


@dataclass(frozen=True)
class Policy:
    free: int                # failures in a row before any wait
    base_seconds: float      # the first wait
    max_seconds: float       # the longest wait
    forgive_seconds: float   # one failure forgotten per this many seconds without failures

    def wait_after(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.base_seconds * 2 ** min(failures - self.free, 30), self.max_seconds)


def _policy(key: str) -> Policy:
    config = current_app.config
    if key.startswith("address:"):
        return Policy(int(config["THROTTLE_ADDRESS_FREE"]), float(config["THROTTLE_BASE_SECONDS"]),
                      float(config["THROTTLE_MAX_SECONDS"]), float(config["THROTTLE_ADDRESS_FORGIVE_SECONDS"]))
    return Policy(int(config["THROTTLE_ACCOUNT_FREE"]), float(config["THROTTLE_BASE_SECONDS"]),
                  float(config["THROTTLE_MAX_SECONDS"]), float(config["THROTTLE_ACCOUNT_FORGIVE_SECONDS"]))


def account_key(user: User | None, typed_email: str) -> str:
    if user is not None:
        return f"account:{user.id}"
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), typed_email.encode(), hashlib.sha256).digest()
    return f"account:?{int.from_bytes(digest[:4], 'big') % UNKNOWN_BUCKETS}"


def address_key(address: str) -> str:
    return f"address:{address or 'unknown'}"


@dataclass
class Attempt:
    """What `begin` decided. `refused_until`: the attempt must not be checked (429)."""

    keys: tuple[str, ...]
    refused_until: datetime | None = None
    refused_by: str = ""
    # Each row as it was before this attempt was counted, to undo the count on success.
    before: dict | None = None
    started_wait: dict | None = None    # key → seconds, for the rows this failure made wait

    def retry_after_seconds(self, now: datetime | None = None) -> int:
        if self.refused_until is None:
            return 0
        return max(1, math.ceil((self.refused_until - (now or utcnow())).total_seconds()))


def _ensure_rows(keys: tuple[str, ...]) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(SignInThrottle).values([{"key": key, "failures": 0} for key in keys])
                       .on_conflict_do_nothing(index_elements=["key"]))


def begin(keys: tuple[str, ...], *, now: datetime | None = None) -> Attempt:
    """Count an attempt against every key, or refuse it when one of them must still wait. The caller
    commits at once (before checking the password), then calls `succeeded` or `failed`."""
    _ensure_rows(keys)
    rows = list(db.session.scalars(sa.select(SignInThrottle).where(SignInThrottle.key.in_(keys))
                                   .order_by(SignInThrottle.key).with_for_update()))
    # The time once the rows are locked: another worker may have written a later failure meanwhile.
    now = now or utcnow()
    waiting = [row for row in rows if row.blocked_until is not None and row.blocked_until > now]
    if waiting:
        longest = max(waiting, key=lambda row: row.blocked_until)
        return Attempt(keys, refused_until=longest.blocked_until, refused_by=longest.key.split(":")[0])
    before, started = {}, {}
    for row in rows:
        policy = _policy(row.key)
        before[row.key] = (row.failures, row.last_failure_at, row.blocked_until)
        failures = row.failures
        if row.last_failure_at is not None and failures:
            quiet = max(0.0, (now - row.last_failure_at).total_seconds())
            failures = max(0, failures - int(quiet // policy.forgive_seconds))
        row.failures = failures + 1
        row.last_failure_at = now
        wait = policy.wait_after(row.failures)
        row.blocked_until = now + timedelta(seconds=wait) if wait else None
        if wait:
            started[row.key] = wait
    return Attempt(keys, before=before, started_wait=started)


def succeeded(attempt: Attempt) -> None:
    """The password was right: the account starts afresh; the address's count is undone by one."""
    for row in db.session.scalars(sa.select(SignInThrottle).where(SignInThrottle.key.in_(attempt.keys))
                                  .with_for_update()):
        if row.key.startswith("account:"):
            row.failures, row.last_failure_at, row.blocked_until = 0, None, None
        else:
            row.failures = max(0, row.failures - 1)
            if attempt.started_wait and row.key in attempt.started_wait:
                row.blocked_until = attempt.before[row.key][2]
