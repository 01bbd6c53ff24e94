"""Accounts: creating users, checking passwords, loading the signed-in user."""

import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g

from qa_app.auth import passwords, sessions
from qa_app.auth.models import Role, Team, User, UserRole
from qa_app.errors import ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record

# Verifying against this keeps a wrong email as slow as a wrong password.
_DUMMY_HASH: dict[tuple[int, int], str] = {}


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_or_create_team(name: str) -> Team:
    name = " ".join(name.split())
    team = db.session.scalar(sa.select(Team).where(sa.func.lower(Team.name) == name.lower()))
    if team is None:
        team = Team(name=name)
        db.session.add(team)
        db.session.flush()
    return team


def create_user(
    *, email: str, roles: list[Role], display_name: str | None = None, team: Team | None = None,
    password: str | None = None, active: bool = True, actor: User | None = None,
) -> User:
    """Create an account. ValidationFailed when the email is malformed or taken, or roles are empty."""
    email = normalise_email(email)
    problems = []
    if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        problems.append(("email", f"'{email}' is not an email address."))
    elif db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        problems.append(("email", f"An account with the email {email} already exists."))
    if not roles:
        problems.append(("roles", "Give the user at least one role."))
    if password is not None:
        problem = passwords.problem(password, user_inputs=(email, display_name or ""))
        if problem:
            problems.append(("password", problem + "."))
    if problems:
        raise ValidationFailed(problems)
    user = User(
        email=email,
        display_name=display_name or email.split("@")[0].replace(".", " ").title(),
        team=team,
        password_hash=hash_password(password) if password else None,
        active=active,
    )
    user.role_rows = [UserRole(role=Role(role).value) for role in sorted(set(roles))]
    db.session.add(user)
    record(actor, "user.created", user, email=email, roles=sorted(r.value for r in roles),
           team=team.name if team else None, active=active)
    return user


def create_imported_user(*, email: str, name: str, role: Role, source: str, actor: User | None = None) -> User:
    """An account for someone a results import names by an email address nobody here has: inactive
    (no sign-in), marked as imported from `source`, and never sharing a display name with another
    account (the email is added to a name already in use, and stands in for a missing one), so
    people are never confused with each other. Merge it into the person's own account later."""
    name = " ".join((name or "").split())
    taken = name and db.session.scalar(sa.select(User.id).where(sa.func.lower(User.display_name) == name.lower()))
    display_name = email if not name else f"{name} ({email})" if taken else name
    user = create_user(email=email, roles=[role], display_name=display_name[:120], active=False, actor=actor)
    user.imported_from = source[:200]
    return user


def set_password(user: User, password: str, actor: User | None = None) -> None:
    """Store a new password (the policy is checked by the caller) and end the user's sessions,
    except the one the actor is using when they change their own."""
    user.password_hash = hash_password(password)
    keep = user.current_session if actor is not None and actor.id == user.id else None
    sessions.end_all(user, "password_changed", keep=keep)
    record(actor, "user.password_changed", user)


def find_account(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same work either way)."""
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    hasher = _hasher()
    key = (hasher.time_cost, hasher.memory_cost)
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hasher.hash(secrets.token_hex(8))
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH[key]
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active or not user.password_hash:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def verify_password(user: User, password: str) -> bool:
    """Whether `password` is the user's own (a user with no password never matches)."""
    if not user.password_hash:
        return False
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def account_for(email: str) -> User | None:
    """The account with this email address, active or not, or None."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the cookie names a user and a session key; the session must be open,
    not idle too long and not too old (qa_app.auth.sessions). Why it was refused is kept in
    `g.session_end_reason` for the sign-in page."""
    ident, _, key = user_id.partition(":")
    if not ident.isdigit() or not key:
        return None
    lookup = sessions.resume(int(ident), key)
    if lookup.ended_because:
        g.session_end_reason = lookup.ended_because
    if db.session.dirty:
        db.session.commit()   # the last-seen time, or the end of a session that ran out
    return lookup.user


def end_sessions(user: User, reason: str = "signed_out") -> None:
    """Sign the user out everywhere: every session of theirs ends at once."""
    sessions.end_all(user, reason)
