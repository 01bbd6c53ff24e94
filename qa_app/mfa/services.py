"""Two-step verification: enrolment, checking codes, recovery codes, reset.

A code is accepted for the current 30-second step and one either side (clocks drift), never for
a step at or before the last one accepted (RFC 6238 §5.2: no replay). Recovery codes are 24
characters from the base32 alphabet (120 bits), shown once, stored as SHA-256 and used once.
"""

import hashlib
import secrets
import time

import pyotp
import sqlalchemy as sa
from flask import current_app

from qa_app.auth.models import User
from qa_app.db import utcnow
from qa_app.errors import NotPermitted, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.mfa.models import RecoveryCode, TotpCredential

RECOVERY_CODES = 10
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # 32 symbols, no 0/O or 1/I to misread
STEP = 30


def required_roles() -> frozenset[str] | None:
    """The roles that must use two-step verification; None means everyone (MFA_REQUIRED_ROLES=all)."""
    value = str(current_app.config.get("MFA_REQUIRED_ROLES", "")).strip().lower()
    if value == "all":
        return None
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def is_required(user: User) -> bool:
    roles = required_roles()
    return roles is None or any(role.value in roles for role in user.roles)


def credential(user: User) -> TotpCredential | None:
    return db.session.get(TotpCredential, user.id)


def is_enrolled(user: User) -> bool:
    found = credential(user)
    return found is not None and found.confirmed_at is not None


def start_enrolment(user: User) -> TotpCredential:
    """The secret to show at enrolment: the one already being set up, else a new one."""
    found = credential(user)
    if found is not None and found.confirmed_at is not None:
        raise NotPermitted("Two-step verification is already set up for this account.")
    if found is None:
        found = TotpCredential(user_id=user.id, secret=pyotp.random_base32(32))
        db.session.add(found)
        db.session.flush()
    return found


def provisioning_uri(user: User, found: TotpCredential) -> str:
    return pyotp.TOTP(found.secret).provisioning_uri(name=user.email, issuer_name=current_app.config["SERVICE_NAME"])


def _normalise_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "")


def _accept_totp(found: TotpCredential, code: str, now: float | None = None) -> bool:
    code = _normalise_code(code)
    if not (len(code) == 6 and code.isdigit()):
        return False
    current = int((now if now is not None else time.time()) // STEP)
    totp = pyotp.TOTP(found.secret)
    for step in (current - 1, current, current + 1):
        if found.last_step is not None and step <= found.last_step:
            continue
        if secrets.compare_digest(totp.at(step * STEP), code):
            found.last_step = step
            return True
    return False


def confirm_enrolment(user: User, code: str, *, actor: User) -> list[str]:
    """Finish enrolment with a code from the app; returns the new recovery codes (shown once).
    ValidationFailed when the code is wrong."""
    found = start_enrolment(user)
    if not _accept_totp(found, code):
        raise ValidationFailed([("code", "The code is not correct. Check the time on your phone is right, "
                                         "and type the 6 numbers your app shows now")])
    found.confirmed_at = utcnow()
    record(actor, "mfa.enrolled", user)
    return _new_recovery_codes(user)


def verify(user: User, code: str) -> bool:
    """Whether `code` is a current, unused code from the user's app."""
    found = credential(user)
    return found is not None and found.confirmed_at is not None and _accept_totp(found, code)


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise_code(code).upper().encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(24))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 24, 4)))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    return codes


def regenerate_recovery_codes(user: User, code: str, *, actor: User) -> list[str]:
    """New recovery codes (the old ones stop working), after a current code from the app."""
    if not verify(user, code):
        raise ValidationFailed([("code", "The code is not correct")])
    record(actor, "mfa.recovery_codes_replaced", user)
    return _new_recovery_codes(user)


def use_recovery_code(user: User, code: str) -> bool:
    """Whether `code` is one of the user's unused recovery codes; it is used up if so."""
    if len(_normalise_code(code)) != 24:
        return False
    found = db.session.scalar(sa.select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None)))
    if found is None:
        return False
    found.used_at = utcnow()
    return True


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def remove(user: User, *, actor: User, reason: str) -> None:
    """Take away the user's app and recovery codes (an administrator's reset, or the user turning it
    off where it is optional). A required user sets it up again at their next sign-in."""
    db.session.execute(sa.delete(TotpCredential).where(TotpCredential.user_id == user.id))
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record(actor, "mfa.removed", user, reason=reason)


def turn_off(user: User, code: str) -> None:
    if is_required(user):
        raise NotPermitted("Your role needs two-step verification, so it cannot be turned off.")
    if not verify(user, code):
        raise ValidationFailed([("code", "The code is not correct")])
    remove(user, actor=user, reason="turned off by the user")

