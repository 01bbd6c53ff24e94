from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from qa_app.audit_forms.models import TemplateVersion
from qa_app.audit_forms.services import current_version
from qa_app.audits.models import Audit
from qa_app.auth.models import Role
from qa_app.auth.permissions import roles_required
from qa_app.cases.models import CaseFile
from qa_app.errors import ValidationFailed
from qa_app.extensions import db
from qa_app.feedback import services
from qa_app.feedback.forms import answers_from, build_feedback_form
from qa_app.feedback.models import FeedbackRecord
from qa_app.feedback.permissions import RECORDING_ROLES, can_read, can_record_on
from qa_app.history.services import record
from qa_app.rounds.models import AuditRound
from qa_app.writes import commit_form

bp = Blueprint("feedback", __name__, url_prefix="/feedback")


def feedback_templates() -> list[TemplateVersion]:
    """The current template versions that ask feedback questions (their printable forms)."""
    return [v for v in db.session.scalars(sa.select(TemplateVersion).where(TemplateVersion.current.is_(True))
                                          .order_by(TemplateVersion.title)) if v.template.feedback]


@bp.route("/")
@roles_required(Role.QA_LEAD)
def index():
    records = db.session.scalars(sa.select(FeedbackRecord).order_by(FeedbackRecord.recorded_at.desc(),
                                                                    FeedbackRecord.id.desc()).limit(50)).all()
    rounds = [r for r in db.session.scalars(sa.select(AuditRound).order_by(AuditRound.created_at.desc()))
              if r.template_version.template.feedback]
    record(current_user, "family_feedback.listed", None, records=[r.id for r in records])
    db.session.commit()
    return render_template("feedback/index.html", records=records, rounds=rounds, templates=feedback_templates())


@bp.route("/forms/<key>")
@roles_required(*RECORDING_ROLES)
def blank_form(key: str):
    version = current_version(key)
    if version is None or version.template.feedback is None:
        abort(404)
    return render_template("feedback/blank_form.html", template=version.template)


@bp.route("/<int:record_id>")
@login_required
def show(record_id: int):
    feedback = db.get_or_404(FeedbackRecord, record_id)
    if not can_read(current_user, feedback):
        abort(403)
    record(current_user, "family_feedback.viewed", feedback)
    db.session.commit()
    return render_template("feedback/show.html", feedback=feedback, template=feedback.template)


@bp.route("/audits/<int:audit_id>/new", methods=["GET", "POST"])
@login_required
def for_audit(audit_id: int):
    audit = db.get_or_404(Audit, audit_id)
    if not can_record_on(current_user, audit):
        abort(403)
    template = audit.template
    if template.feedback is None:
        abort(404)
    form = build_feedback_form(template)
    written = commit_form(form, lambda: services.save_feedback(
        None, actor=current_user, case_file=audit.case_file, round_=audit.round, audit=audit,
        respondent=form.respondent.data, method=form.method.data, consent=form.consent.data,
        received_on=form.received_on.data, answers=answers_from(form, template), what_changed=form.what_changed.data,
        today=date.today()), fallback="what_changed")
    if written.ok:
        flash("The feedback has been recorded.", "success")
        return redirect(url_for("audits.show", audit_id=audit.id) + "#family-feedback")
    return render_template("feedback/new.html", form=form, template=template, audit=audit, round_=audit.round), (
        written.status if request.method == "POST" else 200)


@bp.route("/rounds/<int:round_id>/new", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def for_round(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    template = round_.template_version.template
    if template.feedback is None:
        abort(404)
    form = build_feedback_form(template, standalone=True)
    form.round_id.choices = [(str(round_.id), round_.name)]

    def save():
        reference = (form.reference.data or "").strip().upper()
        case = db.session.scalar(sa.select(CaseFile).where(CaseFile.reference == reference)) if reference else None
        if case is None:   # said together with everything else wrong on the form
            _, _, problems = services.check(
                template, respondent=form.respondent.data, method=form.method.data, consent=form.consent.data,
                received_on=form.received_on.data, answers=answers_from(form, template),
                what_changed=form.what_changed.data, today=date.today())
            raise ValidationFailed([("reference", f"No case file has the reference '{reference[:64]}'" if reference
                                     else "Enter the case reference written on the form")] + problems)
        audit = db.session.scalar(sa.select(Audit).where(Audit.round_id == round_.id, Audit.case_file_id == case.id))
        return services.save_feedback(
            None, actor=current_user, case_file=case, round_=round_,
            audit=audit if audit is not None and can_record_on(current_user, audit) else None,
            respondent=form.respondent.data, method=form.method.data, consent=form.consent.data,
            received_on=form.received_on.data, answers=answers_from(form, template),
            what_changed=form.what_changed.data, today=date.today())

    written = commit_form(form, save, fallback="what_changed")
    if written.ok:
        flash(f"The feedback on {written.value.case_file.reference} has been recorded.", "success")
        return redirect(url_for("feedback.show", record_id=written.value.id))
    return render_template("feedback/new.html", form=form, template=template, audit=None, round_=round_), (
        written.status if request.method == "POST" else 200)
