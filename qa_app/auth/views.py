import math
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from qa_app.auth.forms import EmptyForm, SignInForm
from qa_app.auth import throttle
from qa_app.auth.services import authenticate, end_sessions, find_account, normalise_email
from qa_app.auth.signing_in import client_address
from qa_app.extensions import db
from qa_app.history.services import record

bp = Blueprint("auth", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = SignInForm()
    if request.method == "POST" and not current_app.config["LOCAL_PASSWORDS"]:
        return render_template("auth/sign_in.html", form=form), 403   # single sign-on only
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        account = find_account(email)
        attempt = throttle.begin((throttle.account_key(account, email), throttle.address_key(client_address())))
        db.session.commit()   # counted before the password is checked, on every worker and server
        if attempt.refused_until is not None:
            return _too_many(form, attempt)
        user = authenticate(email, form.password.data)
        if user is None:
            _record_failure(account, attempt)
            db.session.commit()
            form.email.errors.append("Enter a correct email address and password")
        else:
            return complete_password_step(user, attempt)
    return render_template("auth/sign_in.html", form=form)


def complete_password_step(user, attempt):
    """The password was right: the second step when the account has or needs one (qa_app.mfa), else
    signed in. The attempt stays counted until the person is signed in, so knowing the password
    does not buy unlimited guesses at the second step."""
    from qa_app.mfa.flow import after_password

    return after_password(user, _safe_next(request.args.get("next")), lambda: throttle.succeeded(attempt))


def _record_failure(account, attempt) -> None:
    """In the history: which account (never the typed email when it matches none, never the
    password), from where, and any wait it started."""
    if account is None:
        record(None, "auth.sign_in_failed", None, reason="no such account", address=client_address())
    else:
        reason = "account inactive" if not account.active else (
            "no password (signs in through the organisation)" if not account.password_hash else "wrong password")
        record(None, "auth.sign_in_failed", account, reason=reason, address=client_address())
    for key, seconds in (attempt.started_wait or {}).items():
        record(None, "auth.sign_in_throttled", account if key.startswith("account:") else None,
               counted_by=key.split(":")[0], wait_seconds=int(seconds), address=client_address())


def _too_many(form, attempt):
    seconds = attempt.retry_after_seconds()
    wait = f"{seconds} second{'s' if seconds != 1 else ''}" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"
    if attempt.refused_by == "address":
        message = (f"There have been too many failed attempts to sign in from your network. "
                   f"Wait {wait}, then try again.")
    else:
        message = (f"There have been too many failed attempts to sign in to this account. Wait {wait}, then try "
                   "again. If you have forgotten your password, ask your administrator for a new sign-in link.")
    form.email.errors.append(message)
    response = make_response(render_template("auth/sign_in.html", form=form), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    form = EmptyForm()
    if not form.validate_on_submit():
        return redirect(url_for("dashboard.home"))
    user = current_user._get_current_object()
    end_sessions(user, "signed_out")
    record(user, "auth.signed_out", user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have been signed out.", "success")
    return redirect(url_for("auth.sign_in"))


def _safe_next(target: str | None) -> str:
    """Only a path on this site, never another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("dashboard.home")
