"""Actions and reflections over HTTP: load (404), check (403), validate, call one service, commit."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from qa_app.actions import queries, services
from qa_app.actions.forms import ActionForm, DoneForm, ReflectionForm, ReopenForm, VerifyForm
from qa_app.actions.models import Action
from qa_app.actions.permissions import can_check_actions, can_reflect, can_view_action, is_allocated_worker
from qa_app.actions.services import OWNER_ROLES
from qa_app.actions.workflow import (
    TRANSITIONS, ActionEvent, allowed_actions, is_overdue, is_party, status_label,
)
from qa_app.audits.models import Audit
from qa_app.audits.workflow import SUBMITTED_STATES
from qa_app.auth.models import Role
from qa_app.audits.permissions import can_view_audit
from qa_app.auth.permissions import roles_required
from qa_app.errors import DomainError
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.presentation import uk_date
from qa_app.rounds.models import AuditRound
from qa_app.writes import commit_form

bp = Blueprint("actions", __name__, url_prefix="/actions")


@bp.app_template_global()
def action_status_label(status: str) -> str:
    return status_label(status)


@bp.app_template_global()
def action_overdue(action: Action) -> bool:
    return is_overdue(action, date.today())


# --- lists -----------------------------------------------------------------------------------

@bp.route("/mine")
@roles_required(*OWNER_ROLES)
def mine():
    actions = queries.actions_owned_by(current_user.id, date.today())
    record(current_user, "actions.listed", None, view="mine", count=len(actions))
    db.session.commit()
    return render_template("actions/list.html", actions=actions, heading="My actions", view="mine",
                           caption="Actions you own")


@bp.route("/team")
@roles_required(Role.AUDITOR)
def team():
    team = current_user.team
    actions = queries.actions_for_team(team.id, date.today()) if team else []
    record(current_user, "actions.listed", None, view="team", team=team.name if team else None, count=len(actions))
    db.session.commit()
    return render_template("actions/list.html", actions=actions, view="team", team=team,
                           heading=f"Actions for {team.name}" if team else "Team actions",
                           caption="Actions on your team's case files")


@bp.route("/rounds/<int:round_id>")
@roles_required(Role.QA_LEAD)
def for_round(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    actions = queries.actions_for_round(round_.id, date.today())
    record(current_user, "actions.listed", round_, view="round", count=len(actions))
    db.session.commit()
    return render_template("actions/list.html", actions=actions, view="round", round=round_,
                           heading=f"Actions from {round_.name}", caption="Actions in this round, overdue first")


# --- one action ------------------------------------------------------------------------------

def load_action(action_id: int) -> Action:
    action = db.get_or_404(Action, action_id)
    if not can_view_action(current_user, action):
        abort(403)
    return action


def _page(action: Action, status: int = 200, **forms):
    allowed = allowed_actions(action, current_user)
    version = str(action.version)
    forms.setdefault("done_form", DoneForm(formdata=None, version=version))
    forms.setdefault("verify_form", VerifyForm(formdata=None, version=version))
    forms.setdefault("reopen_form", ReopenForm(formdata=None, version=version))
    audit = action.audit
    question = next((q for q in audit.template.questions() if q.key == action.question_key), None)
    return render_template("actions/show.html", action=action, audit=audit, question=question,
                           allowed=allowed, Event=ActionEvent, can_open_audit=can_view_audit(current_user, audit),
                           error_title=any(f.errors for f in forms.values()), **forms), status


@bp.route("/<int:action_id>")
@login_required
def show(action_id: int):
    action = load_action(action_id)
    record(current_user, "action.viewed", action)
    db.session.commit()
    return _page(action)


def _party_or_403(action: Action, event: ActionEvent) -> None:
    party = next(p for (_, e), (_, p) in TRANSITIONS.items() if e == event)
    if not is_party(current_user, action, party):
        abort(403)


def _transition(action_id: int, event: ActionEvent, form_class, form_name: str, call, done_message: str):
    action = load_action(action_id)
    _party_or_403(action, event)
    form = form_class()
    if commit_form(form, lambda: call(action, form), fallback="submit", conflicts="raise",
                   concurrent="Someone changed this action after you opened it. Nothing was saved: "
                              "check it and try again.").ok:
        flash(done_message, "success")
        return redirect(url_for("actions.show", action_id=action.id))
    return _page(action, 400, **{form_name: form})


@bp.route("/<int:action_id>/done", methods=["POST"])
@login_required
def done(action_id: int):
    return _transition(action_id, ActionEvent.MARK_DONE, DoneForm, "done_form", lambda action, form: services.mark_done(
        action, actor=current_user, note=form.note.data, expected_version=_version(form)),
        "Action marked as done. The auditor will check it.")


@bp.route("/<int:action_id>/verify", methods=["POST"])
@login_required
def verify(action_id: int):
    return _transition(action_id, ActionEvent.VERIFY, VerifyForm, "verify_form", lambda action, form: services.verify(
        action, actor=current_user, expected_version=_version(form)), "Action verified.")


@bp.route("/<int:action_id>/reopen", methods=["POST"])
@login_required
def reopen(action_id: int):
    return _transition(action_id, ActionEvent.REOPEN, ReopenForm, "reopen_form", lambda action, form: services.reopen(
        action, actor=current_user, reason=form.reason.data, expected_version=_version(form)),
        "Action reopened. Its owner can see why.")


def _version(form) -> int | None:
    value = (form.version.data or "").strip()
    return int(value) if value.isdigit() else None


# --- adding actions to an audit ----------------------------------------------------------------

@bp.route("/audits/<int:audit_id>/new", methods=["GET", "POST"])
@login_required
def new(audit_id: int):
    audit = db.get_or_404(Audit, audit_id)
    if not can_check_actions(current_user, audit):
        abort(403)
    if audit.status not in SUBMITTED_STATES:
        raise DomainError("Actions can be added once the audit has been submitted.")
    form = ActionForm()
    template = audit.template
    form.question_key.choices = [("", "Choose a question")] + [
        (q.key, f"{section.title}: {q.text}") for section in template.sections for q in section.questions]
    owners = services.owner_choices()
    form.owner_id.choices = [("", "Choose an owner")] + [
        (u.id, f"{u.display_name} ({u.team.name if u.team else 'no team'})") for u in owners]
    if request.method == "GET":
        form.question_key.data = request.args.get("question", "")
        worker = next((u for u in owners if is_allocated_worker(u, audit.case_file)), None)
        form.owner_id.data = worker.id if worker else None
    written = commit_form(form, lambda: services.create_action(
        audit, actor=current_user, question_key=form.question_key.data, description=form.description.data,
        owner_id=form.owner_id.data, due_date=form.due_date.data, today=date.today()))
    if written.ok:
        action = written.value
        flash(f"Action added for {action.owner.display_name}, due by {uk_date(action.due_date)}.", "success")
        if can_view_audit(current_user, audit):
            return redirect(url_for("audits.show", audit_id=audit.id) + "#actions")
        return redirect(url_for("actions.show", action_id=action.id))
    status = 400 if form.errors else 200
    return render_template("actions/new.html", audit=audit, form=form), status


# --- reflections -------------------------------------------------------------------------------

@bp.route("/audits/<int:audit_id>/reflection", methods=["GET", "POST"])
@login_required
def reflection(audit_id: int):
    audit = db.get_or_404(Audit, audit_id)
    if not can_reflect(current_user, audit):
        abort(403)
    mine = next((r for r in queries.reflections_of(audit.id) if r.author_id == current_user.id), None)
    form = ReflectionForm(data={"text": mine.text} if mine and request.method == "GET" else None)
    if commit_form(form, lambda: services.add_reflection(audit, actor=current_user, text=form.text.data),
                   fallback="text").ok:
        flash("Your reflection has been saved.", "success")
        return redirect(url_for("actions.reflection", audit_id=audit.id))
    if request.method == "GET":
        record(current_user, "audit.read_for_reflection", audit)
        db.session.commit()
    return render_template("actions/reflection.html", audit=audit, form=form, mine=mine,
                           actions=queries.actions_of_audit(audit.id)), 400 if form.errors else 200
