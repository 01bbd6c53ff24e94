"""Escalations over HTTP: the lists, one escalation with its trail, acknowledging it and recording
its outcome."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from qa_app.audits.permissions import can_view_audit
from qa_app.auth.permissions import roles_required
from qa_app.db import utcnow
from qa_app.escalations import queries, services
from qa_app.escalations import deadlines
from qa_app.escalations.forms import AcknowledgeForm, OutcomeForm
from qa_app.escalations.models import Escalation, EscalationOutcome
from qa_app.escalations.permissions import AUTHORITY_ROLES, can_view_escalation, has_authority
from qa_app.escalations.workflow import STATUS_LABELS, EscalationEvent, allowed_actions
from qa_app.extensions import db
from qa_app.history.services import display_names, events_for, record
from qa_app.writes import commit_form

bp = Blueprint("escalations", __name__, url_prefix="/escalations")


bp.add_app_template_global(can_view_escalation, "can_view_escalation")
bp.add_app_template_global(has_authority, "has_escalation_authority")


@bp.app_template_global()
def escalation_state(escalation: Escalation) -> dict:
    """Everything a page says about an escalation's timing, worked out once."""
    now = utcnow()
    return {
        "label": STATUS_LABELS[escalation.status],
        "waited": services.describe_duration(services.waiting(escalation, now)),
        "overdue": services.is_overdue(escalation, now),
        "deadline": deadlines.describe(escalation.due_at),
        "late": escalation.acknowledged_at is not None and escalation.acknowledged_at > escalation.due_at,
        "outcome": EscalationOutcome(escalation.outcome).label if escalation.outcome else None,
    }


@bp.route("/")
@roles_required(*AUTHORITY_ROLES)
def index():
    open_ = queries.open_escalations_for(current_user)
    done = queries.recent_acknowledged_for(current_user)
    mine = queries.raised_by(current_user)
    record(current_user, "escalations.listed", None, open=len(open_), acknowledged=len(done), raised=len(mine))
    db.session.commit()
    return render_template("escalations/index.html", open_escalations=open_, acknowledged=done, raised=mine)


def load_escalation(escalation_id: int) -> Escalation:
    escalation = db.get_or_404(Escalation, escalation_id)
    if not can_view_escalation(current_user, escalation):
        abort(403)
    return escalation


def _page(escalation: Escalation, status: int = 200, *, form: AcknowledgeForm | None = None,
          outcome_form: OutcomeForm | None = None):
    history = events_for(escalation)
    version = str(escalation.version)
    return render_template(
        "escalations/show.html", escalation=escalation,
        form=form or AcknowledgeForm(formdata=None, version=version),
        outcome_form=outcome_form or OutcomeForm(formdata=None, version=version),
        history=history, people=display_names({e.actor_id for e in history if e.actor_id}),
        allowed=allowed_actions(escalation, current_user), Event=EscalationEvent,
        notifications=queries.notifications_about(escalation),
        can_open_audit=escalation.audit is not None and can_view_audit(current_user, escalation.audit),
    ), status


def _version(form) -> int | None:
    version = (form.version.data or "").strip()
    return int(version) if version.isdigit() else None


@bp.route("/<int:escalation_id>")
@login_required
def show(escalation_id: int):
    escalation = load_escalation(escalation_id)
    record(current_user, "escalation.viewed", escalation)
    db.session.commit()
    return _page(escalation)


@bp.route("/<int:escalation_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(escalation_id: int):
    escalation = load_escalation(escalation_id)
    if not has_authority(current_user, escalation.case_file):
        abort(403)
    form = AcknowledgeForm()
    if commit_form(form, lambda: services.acknowledge(
            escalation, actor=current_user, action_taken=form.action_taken.data, expected_version=_version(form)),
            fallback="action_taken", conflicts="raise",
            concurrent="Someone acknowledged this escalation at the same time. Nothing was saved.").ok:
        flash(f"Escalation for case file {escalation.case_file.reference} acknowledged. When you know what came of "
              "it, record the outcome to close it.", "success")
        return redirect(url_for("escalations.show", escalation_id=escalation.id))
    return _page(escalation, 400, form=form)


@bp.route("/<int:escalation_id>/outcome", methods=["POST"])
@login_required
def outcome(escalation_id: int):
    escalation = load_escalation(escalation_id)
    if not has_authority(current_user, escalation.case_file):
        abort(403)
    form = OutcomeForm()
    if commit_form(form, lambda: services.record_outcome(
            escalation, actor=current_user, outcome=form.outcome.data, note=form.note.data,
            outcome_on=form.outcome_on.data, today=date.today(), expected_version=_version(form)),
            fallback="note", conflicts="raise",
            concurrent="Someone changed this escalation at the same time. Nothing was saved.").ok:
        flash(f"Outcome recorded: the escalation for case file {escalation.case_file.reference} is closed.", "success")
        return redirect(url_for("escalations.show", escalation_id=escalation.id))
    return _page(escalation, 400, outcome_form=form)


def _check_settings(state) -> None:
    # A council's settings are checked when the app starts, not when a child is flagged at risk.
    try:
        deadlines.OfficeHours.parse(state.app.config["OFFICE_HOURS"])
        deadlines.parse_hours(state.app.config["ESCALATION_ACK_HOURS"])
    except ValueError as error:
        raise RuntimeError(str(error)) from None


bp.record_once(_check_settings)
