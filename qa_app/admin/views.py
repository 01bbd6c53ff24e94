"""Administration pages (admin role only) and the invitation link (anyone holding it)."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from qa_app.admin import services
from qa_app.admin.forms import (ROLE_HINTS, ConfirmMergeForm, InviteForm, MergeForm, PersonForm, ReviewForm,
                                SetPasswordForm, TeamForm, role_choices)
from qa_app.auth import sessions
from qa_app.auth.forms import EmptyForm
from qa_app.auth.models import Role, Team, User
from qa_app.auth.permissions import roles_required
from qa_app.extensions import db
from qa_app.history.services import events_for
from qa_app.writes import commit_form

bp = Blueprint("admin", __name__, url_prefix="/admin")
invitations = Blueprint("invitations", __name__)


def _actor():
    return current_user._get_current_object()


def _team(form) -> Team | None:
    value = form.team_id.data
    return db.session.get(Team, int(value)) if value else None


def _person(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


# --- people ------------------------------------------------------------------------------------

@bp.route("/people")
@roles_required(Role.ADMIN)
def people():
    query = sa.select(User).order_by(User.active.desc(), User.display_name, User.id)
    search = (request.args.get("q") or "").strip()
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(sa.or_(sa.func.lower(User.email).like(pattern), sa.func.lower(User.display_name).like(pattern)))
    from qa_app.mfa.models import TotpCredential

    enrolled = set(db.session.scalars(sa.select(TotpCredential.user_id).where(TotpCredential.confirmed_at.isnot(None))))
    return render_template("admin/people.html", people=db.session.scalars(query).all(), search=search,
                           enrolled=enrolled, reviewed=services.last_reviews(), invited=services.invitations_waiting(),
                           due_before=services.review_due_before())


@bp.route("/people/invite", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def invite():
    form = InviteForm()
    result = commit_form(form, lambda: services.invite(
        email=form.email.data, display_name=form.display_name.data, roles=[Role(r) for r in form.roles.data],
        team=_team(form), actor=_actor()))
    if result.ok:
        user = result.value
        flash(f"{user.display_name} has been invited. An email with a link to set their password is on its way "
              f"to {user.email}." if services.local_passwords() else
              f"{user.display_name} has been given an account and told by email how to sign in.", "success")
        return redirect(url_for("admin.person", user_id=user.id))
    return render_template("admin/invite.html", form=form, hints=ROLE_HINTS), (400 if form.errors else 200)


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def person(user_id: int):
    user = _person(user_id)
    form = PersonForm(obj=None if request.method == "POST" else user)
    if request.method == "GET":
        form.roles.data = sorted(r.value for r in user.roles)
        form.team_id.data = str(user.team_id) if user.team_id else ""
    result = commit_form(form, lambda: services.update(
        user, display_name=form.display_name.data, roles=[Role(r) for r in form.roles.data], team=_team(form),
        actor=_actor()))
    if result.ok:
        flash("Saved." if result.value else "Nothing was changed.", "success")
        return redirect(url_for("admin.person", user_id=user.id))
    from qa_app.mfa.services import is_enrolled

    return render_template("admin/person.html", person=user, form=form, hints=ROLE_HINTS, button=EmptyForm(),
                           two_step=is_enrolled(user), open_sessions=len(sessions.open_sessions(user)),
                           invitation=services.invitations_waiting([user.id]).get(user.id),
                           history=events_for(user, limit=30)), (400 if form.errors else 200)


def _action(user_id: int, change, message: str):
    user = _person(user_id)
    result = commit_form(EmptyForm(), lambda: change(user, actor=_actor()))
    if result.ok:
        flash(message.format(name=user.display_name), "success")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/people/<int:user_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def deactivate(user_id: int):
    return _action(user_id, services.deactivate, "{name} can no longer sign in, and has been signed out everywhere.")


@bp.route("/people/<int:user_id>/reactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def reactivate(user_id: int):
    return _action(user_id, services.reactivate, "{name} can sign in again.")


@bp.route("/people/<int:user_id>/reset-two-step", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_two_step(user_id: int):
    return _action(user_id, services.reset_two_step,
                   "{name}'s two-step verification has been reset. They set it up again when they next sign in.")


@bp.route("/people/<int:user_id>/end-sessions", methods=["POST"])
@roles_required(Role.ADMIN)
def end_sessions(user_id: int):
    return _action(user_id, services.end_sessions, "{name} has been signed out everywhere.")


@bp.route("/people/<int:user_id>/send-password-link", methods=["POST"])
@roles_required(Role.ADMIN)
def send_password_link(user_id: int):
    return _action(user_id, services.send_new_password_link,
                   "A link to set a new password is on its way to {name}. Earlier links no longer work.")


# --- teams -------------------------------------------------------------------------------------

@bp.route("/teams")
@roles_required(Role.ADMIN)
def teams():
    counts = dict(db.session.execute(sa.select(User.team_id, sa.func.count()).where(User.active.is_(True))
                                     .group_by(User.team_id)).all())
    return render_template("admin/teams.html", teams=db.session.scalars(sa.select(Team).order_by(Team.name)).all(),
                           counts=counts)


@bp.route("/teams/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_team():
    return _team_form(None)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def team(team_id: int):
    found = db.session.get(Team, team_id)
    if found is None:
        abort(404)
    return _team_form(found)


def _team_form(found: Team | None):
    form = TeamForm(obj=found)
    result = commit_form(form, lambda: services.save_team(found, name=form.name.data,
                                                          service_area=form.service_area.data or "", actor=_actor()))
    if result.ok:
        flash(f"Team {result.value.name} saved.", "success")
        return redirect(url_for("admin.teams"))
    return render_template("admin/team.html", form=form, team=found), (400 if form.errors else 200)


# --- the access review ------------------------------------------------------------------------

@bp.route("/access-review")
@roles_required(Role.ADMIN)
def access_review():
    return render_template("admin/access_review.html", due=services.overdue(), reviewed=services.last_reviews(),
                           days=current_app.config["ACCESS_REVIEW_DAYS"])


@bp.route("/access-review/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def review(user_id: int):
    user = _person(user_id)
    form = ReviewForm()
    form.keep.choices = role_choices(only=[r.value for r in user.roles])
    if request.method == "GET":
        form.keep.data = [r.value for r in user.roles]
    result = commit_form(form, lambda: services.review(user, keep=[Role(r) for r in form.keep.data or []],
                                                       actor=_actor()))
    if result.ok:
        outcome = result.value.outcome
        flash({"confirmed": f"{user.display_name}'s roles are confirmed.",
               "changed": f"{user.display_name}'s roles have been changed; they have been signed out.",
               "deactivated": f"{user.display_name}'s account has been deactivated."}[outcome], "success")
        return redirect(url_for("admin.access_review"))
    return render_template("admin/review.html", person=user, form=form), (400 if form.errors else 200)


# --- imported accounts ------------------------------------------------------------------------

@bp.route("/imported-accounts")
@roles_required(Role.ADMIN)
def imported_accounts():
    accounts = services.imported_accounts()
    merged_ids = {a.merged_into_id for a in accounts if a.merged_into_id}
    merged_into = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(merged_ids)))}
    return render_template("admin/imported_accounts.html", accounts=accounts, merged_into=merged_into,
                           holdings=services.holdings([a.id for a in accounts]))


def _imported(user_id: int) -> User:
    """An imported account still waiting to be merged: any other account is not found here."""
    user = _person(user_id)
    if not user.imported_from or user.merged_into_id is not None:
        abort(404)
    return user


@bp.route("/imported-accounts/<int:user_id>/merge", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def merge(user_id: int):
    """Step 1: choose the person's own account. Nothing changes until the next page is confirmed."""
    source = _imported(user_id)
    form = MergeForm()
    form.into.choices = [("", "Choose an account")] + [
        (str(u.id), f"{u.display_name} ({u.email})" + ("" if u.active else ", deactivated"))
        for u in services.merge_targets(source)]
    if request.method == "GET":
        suggested = services.suggested_target(source)
        form.into.data = str(suggested.id) if suggested else ""
    if form.validate_on_submit():
        return redirect(url_for("admin.confirm_merge", user_id=source.id, into_id=int(form.into.data)))
    return render_template("admin/merge.html", source=source, form=form,
                           held=services.holdings([source.id])[source.id]), (400 if form.errors else 200)


@bp.route("/imported-accounts/<int:user_id>/merge/<int:into_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def confirm_merge(user_id: int, into_id: int):
    """Step 2: what will move, and the button that moves it."""
    source = _imported(user_id)
    into = _person(into_id)
    form = ConfirmMergeForm()
    result = commit_form(form, lambda: services.merge(source, into, actor=_actor()))
    if result.ok:
        flash(f"{source.email} has been merged into {into.display_name}'s account and closed.", "success")
        return redirect(url_for("admin.person", user_id=into.id))
    problems = [message for field in form for message in field.errors]
    return render_template("admin/confirm_merge.html", source=source, into=into, form=form, problems=problems,
                           held=services.holdings([source.id])[source.id]), (400 if problems else 200)


# --- the invitation link -------------------------------------------------------------------------

@invitations.route("/invitation/<token>", methods=["GET", "POST"])
def accept(token: str):
    """Opening the link changes nothing (mail scanners open links); setting the password uses it up."""
    invitation = services.open_invitation(token) if services.local_passwords() else None
    if invitation is None:
        return render_template("admin/invitation_invalid.html"), 404
    form = SetPasswordForm()
    result = commit_form(form, lambda: services.accept(invitation, password=form.password.data,
                                                       confirm=form.confirm_password.data))
    if result.ok:
        flash("Your password is set. Sign in with your email address and the new password.", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("admin/invitation.html", form=form, person=invitation.user,
                           purpose=invitation.purpose), (400 if form.errors else 200)
