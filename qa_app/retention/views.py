"""The retention page: what each kind of record is kept for, what is due, and legal holds."""

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from qa_app.auth.models import Role
from qa_app.auth.permissions import roles_required
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.retention import services
from qa_app.retention.forms import HoldForm, ReleaseForm
from qa_app.retention.models import LegalHold
from qa_app.retention.policy import parse_policy
from qa_app.rounds.models import AuditRound
from qa_app.writes import commit_form

bp = Blueprint("retention", __name__, url_prefix="/retention")
RETENTION_MANAGERS = (Role.ADMIN, Role.QA_LEAD)
KIND_LABELS = {"audits": "Audits and their answers", "actions": "Actions", "challenges": "IRO challenges",
               "escalations": "Escalations", "feedback": "Practitioners' reflections",
               "history": "Details of history entries"}


def _hold_form() -> HoldForm:
    form = HoldForm()
    form.round_name.choices = [("", "No round")] + [(name, name) for name in db.session.scalars(
        sa.select(AuditRound.name).order_by(AuditRound.created_at.desc()))]
    return form


def _page(form: HoldForm, status: int = 200):
    policy = parse_policy(current_app.config.get("RETENTION_DAYS"))
    due = services.what_is_due(policy, date.today())
    holds = services.active_holds()
    released = list(db.session.scalars(sa.select(LegalHold).where(LegalHold.released_at.is_not(None))
                                       .order_by(LegalHold.released_at.desc()).limit(20)))
    record(current_user, "retention.viewed", None, case_ids=[h.case_file_id for h in holds + released
                                                               if h.case_file_id],
           due={d.kind: d.count for d in due})
    db.session.commit()
    return render_template("retention/index.html", due=due, labels=KIND_LABELS, holds=holds, released=released,
                           form=form, release_form=ReleaseForm()), status


@bp.route("/")
@roles_required(*RETENTION_MANAGERS)
def index():
    return _page(_hold_form())


@bp.route("/holds", methods=["POST"])
@roles_required(*RETENTION_MANAGERS)
def place():
    form = _hold_form()
    written = commit_form(form, lambda: services.place_hold(
        actor=current_user, reason=form.reason.data or "", case_reference=form.case_reference.data or "",
        round_name=form.round_name.data or ""))
    if written.ok:
        flash(f"Legal hold placed on {written.value.target}: retention will not touch it until it is released.",
              "success")
        return redirect(url_for("retention.index"))
    return _page(form, 400)


@bp.route("/holds/<int:hold_id>/release", methods=["POST"])
@roles_required(*RETENTION_MANAGERS)
def release(hold_id: int):
    hold = db.get_or_404(LegalHold, hold_id)
    form = ReleaseForm()
    target = hold.target
    written = commit_form(form, lambda: services.release_hold(hold, actor=current_user, reason=form.reason.data or ""))
    if written.ok:
        flash(f"Legal hold on {target} released.", "success")
    else:
        flash("The hold was not released: " + "; ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("retention.index"))
