"""The second step of signing in with a password. Between the steps the cookie holds only who has
passed the first step, when, and where to go next (`two_step`), for at most PENDING_MINUTES; the
server-side session is made only once the second step is passed (a new identifier again)."""

import time
from collections.abc import Callable

from flask import redirect, session, url_for

from qa_app.auth.models import User
from qa_app.auth.signing_in import establish
from qa_app.extensions import db
from qa_app.mfa import services

PENDING_MINUTES = 10


def after_password(user: User, next_path: str, signed_in: Callable[[], None]):
    """Where a person whose password was right goes next; `signed_in()` is called (before the
    commit) when that is straight into the service."""
    if services.is_enrolled(user):
        return _pending(user, next_path, enrol=False)
    if services.is_required(user):
        return _pending(user, next_path, enrol=True)
    signed_in()
    establish(user, method="password")
    return redirect(next_path)


def _pending(user: User, next_path: str, *, enrol: bool):
    session.clear()   # whatever the cookie held before: nothing carries over into the signed-in session
    session["two_step"] = {"user": user.id, "at": time.time(), "next": next_path, "enrol": enrol}
    return redirect(url_for("mfa.set_up_at_sign_in" if enrol else "mfa.verify_at_sign_in"))


def pending_user(*, enrol: bool) -> tuple[User | None, str]:
    """The person between the steps and where they go next; None when there is none, it is too old,
    or the account has been deactivated meanwhile."""
    state = session.get("two_step")
    if not isinstance(state, dict) or bool(state.get("enrol")) != enrol:
        return None, ""
    if time.time() - float(state.get("at", 0)) > PENDING_MINUTES * 60:
        session.pop("two_step", None)
        return None, ""
    user = db.session.get(User, int(state.get("user", 0)))
    if user is None or not user.active:
        return None, ""
    return user, str(state.get("next") or url_for("dashboard.home"))
