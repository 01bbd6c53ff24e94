"""The last step of every way of signing in (password, password and a second factor, single
sign-on): a fresh cookie naming a new server-side session, and the event in the history."""

from flask import g, request, session
from flask_login import login_user

from qa_app.auth import sessions
from qa_app.auth.models import User
from qa_app.extensions import db
from qa_app.history.services import record

# What the sign-in page says when a session was refused (qa_app.auth.sessions.END_REASONS keys).
SIGNED_OUT_MESSAGES = {
    "idle": "You were signed out because you had not used the service for {idle}. Sign in again.",
    "expired": "You were signed out because you had been signed in for {hours}. Sign in again.",
    "password_changed": "Your password was changed, so you were signed out. Sign in with the new password.",
    "deactivated": "Sign in to continue.",
}


def client_address() -> str:
    """The client's address (behind the proxies declared in TRUSTED_PROXY_COUNT, see ProxyFix)."""
    return (request.remote_addr or "")[:64]


def establish(user: User, *, method: str) -> None:
    """Sign `user` in: whatever the cookie held before (a pending second step, another user) is
    dropped, a new session is started and committed."""
    session.clear()
    record_, _key = sessions.start(user, method=method, user_agent=request.headers.get("User-Agent", ""),
                                   address=client_address())
    login_user(user)
    record(user, "auth.signed_in", user, method=method, session=record_.id)
    db.session.commit()


def signed_out_message() -> str:
    from flask import current_app

    reason = g.get("session_end_reason", "")
    template = SIGNED_OUT_MESSAGES.get(reason, "Sign in to continue.")
    return template.format(idle=_amount(current_app.config["SESSION_IDLE_MINUTES"], "minute"),
                           hours=_amount(current_app.config["SESSION_MAX_HOURS"], "hour"))


def _amount(value, unit: str) -> str:
    number = float(value)
    return f"{number:g} {unit}{'' if number == 1 else 's'}"
