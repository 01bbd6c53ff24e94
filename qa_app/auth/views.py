from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from qa_app.auth.forms import EmptyForm, SignInForm
from qa_app.auth.services import authenticate, end_sessions
from qa_app.auth.signing_in import establish
from qa_app.extensions import db
from qa_app.history.services import record

bp = Blueprint("auth", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            record(None, "auth.sign_in_failed", None, email=form.email.data.strip().lower()[:254])
            db.session.commit()
            form.email.errors.append("Enter a correct email address and password")
        else:
            establish(user, method="password")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/sign_in.html", form=form)


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
