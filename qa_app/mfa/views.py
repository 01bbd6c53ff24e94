"""Two-step verification pages: the second step of signing in (a code, or a recovery code; setting
it up when the role needs it), and the person's own settings under Your account."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from qa_app.auth import sessions, throttle
from qa_app.auth.signing_in import client_address, establish
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.mfa import flow, services
from qa_app.auth.services import verify_password
from qa_app.mfa.forms import CodeForm, EnrolForm, RecoveryCodeForm
from qa_app.mfa.qr import qr_svg
from qa_app.writes import commit_form

bp = Blueprint("mfa", __name__)

START_AGAIN = "Sign in again: the first step was too long ago, or did not happen."


# --- the second step of signing in --------------------------------------------------------------

def _checked(user, form, check, *, method: str, event: str):
    """Count the attempt (the same counter as passwords), check it, then sign in or say why not."""
    attempt = throttle.begin((throttle.account_key(user, ""), throttle.address_key(client_address())))
    db.session.commit()
    if attempt.refused_until is not None:
        seconds = attempt.retry_after_seconds()
        form.code.errors.append(f"There have been too many wrong codes. Wait {seconds} seconds, then try again.")
        return None, 429
    if check():
        throttle.succeeded(attempt)
        establish(user, method=method)
        return True, 302
    record(None, event, user, address=client_address())
    db.session.commit()
    return None, 400


@bp.route("/sign-in/two-step", methods=["GET", "POST"])
def verify_at_sign_in():
    user, next_path = flow.pending_user(enrol=False)
    if user is None:
        flash(START_AGAIN, "info")
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        ok, status = _checked(user, form, lambda: services.verify(user, form.code.data),
                              method="password and authenticator app", event="auth.two_step_failed")
        if ok:
            return redirect(next_path)
        if status == 400:
            form.code.errors.append("The code is not correct. Type the 6 numbers your app shows now")
    elif request.method == "POST":
        status = 400
    return render_template("mfa/verify.html", form=form), status


@bp.route("/sign-in/two-step/recovery", methods=["GET", "POST"])
def recover_at_sign_in():
    user, next_path = flow.pending_user(enrol=False)
    if user is None:
        flash(START_AGAIN, "info")
        return redirect(url_for("auth.sign_in"))
    form = RecoveryCodeForm()
    status = 200
    if form.validate_on_submit():
        ok, status = _checked(user, form, lambda: services.use_recovery_code(user, form.code.data),
                              method="password and recovery code", event="auth.recovery_code_failed")
        if ok:
            left = services.unused_recovery_codes(user)
            record(user, "mfa.recovery_code_used", user, left=left)
            db.session.commit()
            flash(f"You used a recovery code. You have {left} left. If you have lost your phone, set up "
                  "two-step verification again from Your account.", "info")
            return redirect(next_path)
        if status == 400:
            form.code.errors.append("That recovery code is not correct, or has been used already")
    elif request.method == "POST":
        status = 400
    return render_template("mfa/recover.html", form=form), status


@bp.route("/sign-in/two-step/set-up", methods=["GET", "POST"])
def set_up_at_sign_in():
    user, next_path = flow.pending_user(enrol=True)
    if user is None:
        flash(START_AGAIN, "info")
        return redirect(url_for("auth.sign_in"))
    return _enrol(user, continue_to=next_path, at_sign_in=True)


def _enrol(user, *, continue_to: str, at_sign_in: bool):
    credential = services.start_enrolment(user)
    db.session.commit()
    form = CodeForm() if at_sign_in else EnrolForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _enrol_page(user, credential, form, at_sign_in), 400
        attempt = throttle.begin((throttle.account_key(user, ""), throttle.address_key(client_address())))
        db.session.commit()
        if attempt.refused_until is not None:
            form.code.errors.append("There have been too many wrong codes. Wait a minute, then try again.")
            return _enrol_page(user, credential, form, at_sign_in), 429
        if not at_sign_in and not verify_password(user, form.current_password.data):
            form.current_password.errors.append("Your password is not correct")
            return _enrol_page(user, credential, form, at_sign_in), 400
        result = commit_form(form, lambda: services.confirm_enrolment(user, form.code.data, actor=user),
                             validate=False)
        if result.ok:
            throttle.succeeded(attempt)
            if at_sign_in:
                establish(user, method="password and authenticator app")
            else:
                _end_other_sessions(user)
            return render_template("mfa/recovery_codes.html", codes=result.value, continue_to=continue_to,
                                   first_time=True)
        return _enrol_page(user, credential, form, at_sign_in), 400
    return _enrol_page(user, credential, form, at_sign_in)


def _enrol_page(user, credential, form, at_sign_in):
    return render_template("mfa/set_up.html", form=form, qr=qr_svg(services.provisioning_uri(user, credential)),
                           secret=credential.secret, at_sign_in=at_sign_in)


# --- your own settings ---------------------------------------------------------------------------

def _end_other_sessions(user) -> None:
    """After a change to how the person signs in, their other sessions end (ASVS 5.0 7.4.3)."""
    sessions.end_all(user, "two_step_changed", keep=user.current_session)
    db.session.commit()


@bp.route("/account/two-step")
@login_required
def settings():
    user = current_user._get_current_object()
    return render_template("mfa/settings.html", enrolled=services.is_enrolled(user),
                           required=services.is_required(user), left=services.unused_recovery_codes(user),
                           form=CodeForm())


@bp.route("/account/two-step/set-up", methods=["GET", "POST"])
@login_required
def set_up():
    user = current_user._get_current_object()
    if services.is_enrolled(user):
        return redirect(url_for("mfa.settings"))
    return _enrol(user, continue_to=url_for("mfa.settings"), at_sign_in=False)


@bp.route("/account/two-step/recovery-codes", methods=["POST"])
@login_required
def new_recovery_codes():
    user = current_user._get_current_object()
    if not services.is_enrolled(user):
        abort(404)
    form = CodeForm()
    result = commit_form(form, lambda: services.regenerate_recovery_codes(user, form.code.data, actor=user))
    if result.ok:
        _end_other_sessions(user)
        return render_template("mfa/recovery_codes.html", codes=result.value, continue_to=url_for("mfa.settings"),
                               first_time=False)
    return render_template("mfa/settings.html", enrolled=True, required=services.is_required(user),
                           left=services.unused_recovery_codes(user), form=form, failed="codes"), 400


@bp.route("/account/two-step/turn-off", methods=["POST"])
@login_required
def turn_off():
    user = current_user._get_current_object()
    if not services.is_enrolled(user):
        abort(404)
    form = CodeForm()
    result = commit_form(form, lambda: services.turn_off(user, form.code.data))
    if result.ok:
        _end_other_sessions(user)
        flash("Two-step verification is turned off.", "success")
        return redirect(url_for("mfa.settings"))
    return render_template("mfa/settings.html", enrolled=True, required=services.is_required(user),
                           left=services.unused_recovery_codes(user), form=form, failed="off"), 400
