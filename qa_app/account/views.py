"""Your account: details, password, sessions."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from qa_app.account import services
from qa_app.account.forms import ChangePasswordForm
from qa_app.auth import sessions, throttle
from qa_app.auth.signing_in import client_address
from qa_app.auth.forms import EmptyForm
from qa_app.auth.models import UserSession
from qa_app.extensions import db
from qa_app.writes import commit_form

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/")
@login_required
def index():
    return render_template("account/index.html", open_count=len(sessions.open_sessions(current_user)))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    if not current_user.password_hash or not current_app.config["LOCAL_PASSWORDS"]:
        abort(404)
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if not form.validate_on_submit():
        return render_template("account/password.html", form=form), (400 if form.errors else 200)
    # Guesses at the current password (someone at an unlocked computer) share the sign-in's count.
    attempt = throttle.begin((throttle.account_key(user, ""), throttle.address_key(client_address())))
    db.session.commit()
    if attempt.refused_until is not None:
        form.current_password.errors.append("There have been too many wrong passwords. Wait "
                                            f"{attempt.retry_after_seconds()} seconds, then try again.")
        return render_template("account/password.html", form=form), 429
    result = commit_form(form, lambda: services.change_password(
        user, current=form.current_password.data, new=form.new_password.data), validate=False)
    if not form.current_password.errors:
        throttle.succeeded(attempt)
        db.session.commit()
    if result.ok:
        flash("Your password has been changed. You have been signed out on every other device.", "success")
        return redirect(url_for("account.index"))
    return render_template("account/password.html", form=form), (200 if not form.errors else 400)


@bp.route("/sessions")
@login_required
def list_sessions():
    return render_template("account/sessions.html", open=sessions.open_sessions(current_user),
                           current=current_user.current_session, form=EmptyForm(),
                           describe_device=sessions.describe_device)


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):
    record_ = db.session.get(UserSession, session_id)
    if record_ is None or record_.user_id != current_user.id or record_.ended_at is not None:
        abort(404)
    if record_.id == current_user.current_session.id:
        abort(404)   # this session ends by signing out
    user = current_user._get_current_object()
    result = commit_form(EmptyForm(), lambda: services.end_session(user, record_))
    if result.ok:
        flash("That session has ended.", "success")
    return redirect(url_for("account.list_sessions"))


@bp.route("/sessions/end-others", methods=["POST"])
@login_required
def end_others():
    user = current_user._get_current_object()
    result = commit_form(EmptyForm(), lambda: services.end_other_sessions(user))
    if result.ok:
        count = result.value
        flash(f"{count} other session{'s' if count != 1 else ''} ended." if count else
              "You had no other sessions.", "success")
    return redirect(url_for("account.list_sessions"))
