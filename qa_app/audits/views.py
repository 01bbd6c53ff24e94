import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from qa_app.audits import services
from qa_app.audits.forms import build_audit_form, answers_from_form
from qa_app.audits.models import Audit
from qa_app.audits.workflow import EDITABLE_STATES, AuditStatus
from qa_app.auth.models import Role
from qa_app.auth.permissions import can_edit_audit, can_view_audit, roles_required
from qa_app.errors import StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import display_names, events_for, record
from qa_app.reviews.grades import final_overall_grades
from qa_app.panels import AUDIT_PANELS, NAVIGATION
from qa_app.reviews.forms import checks_from_form, review_fields, review_form_data, verify_ids_from_form
from qa_app.reviews.services import review_context

bp = Blueprint("audits", __name__, url_prefix="/audits")
AUDITING_ROLES = (Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD)
NAVIGATION.add("audits.mine", "My audits", AUDITING_ROLES, order=10)


@bp.route("/mine")
@roles_required(*AUDITING_ROLES)
def mine():
    audits = db.session.scalars(
        sa.select(Audit).where(Audit.auditor_id == current_user.id, Audit.status != AuditStatus.REMOVED)
        .order_by(Audit.status != AuditStatus.RETURNED, Audit.submitted_at.is_not(None), Audit.id)
    ).all()
    to_do = [a for a in audits if a.status in EDITABLE_STATES]
    done = [a for a in audits if a.status not in EDITABLE_STATES]
    return render_template("audits/mine.html", to_do=to_do, done=done)


def load_audit(audit_id: int) -> Audit:
    """The audit, if the signed-in user may see it (404 when missing, 403 when not theirs)."""
    audit = db.get_or_404(Audit, audit_id)
    if not can_view_audit(current_user, audit):
        abort(403)
    return audit


@bp.route("/<int:audit_id>", methods=["GET", "POST"])
@login_required
def show(audit_id: int):
    audit = load_audit(audit_id)
    editable = can_edit_audit(current_user, audit) and audit.status in EDITABLE_STATES
    template = audit.template
    if request.method == "POST":
        if not editable:
            abort(403)
        return _save(audit)
    record(current_user, "audit.viewed", audit)
    db.session.commit()
    if not editable:
        history = events_for(audit, limit=100)
        return render_template("audits/view.html", audit=audit, template=template,
                               answers=audit.answer_map(), history=history,
                               final_grade=final_overall_grades([audit.id]).get(audit.id),
                               people=display_names({e.actor_id for e in history if e.actor_id}),
                               panels=AUDIT_PANELS.render_list(current_user._get_current_object(), audit))
    review = review_context(audit)
    data = services.form_data_from_audit(audit) | (review_form_data(review) if review else {})
    form = build_audit_form(template, extra_fields=review_fields(review) if review else None, formdata=None,
                            data=data)
    return render_template("audits/form.html", audit=audit, template=template, form=form, problems=[],
                           review=review,
                           panels=AUDIT_PANELS.render_list(current_user._get_current_object(), audit))


def _save(audit: Audit):
    template = audit.template
    review = review_context(audit)
    form = build_audit_form(template, extra_fields=review_fields(review) if review else None)
    submit = request.form.get("action") == "submit"
    conflict = None
    already_flagged = audit.immediate_risk
    if form.validate_on_submit():
        try:
            services.save_audit(
                audit, actor=current_user, answers=answers_from_form(form, template),
                overall_grade=form.overall_grade.data, overall_summary=form.overall_summary.data,
                immediate_risk=form.immediate_risk.data, immediate_risk_reason=form.immediate_risk_reason.data,
                expected_version=int(form.version.data or 0), submit=submit,
                review_checks=checks_from_form(form, review) if review else None,
                verify_action_ids=verify_ids_from_form(form, review) if review else (),
            )
            db.session.commit()
        except ValidationFailed as error:
            db.session.rollback()
            for name, message in error.problems:
                field = form[name] if name in form else form.overall_summary
                field.errors = list(field.errors) + [message]
        except (StaleEdit, StaleDataError) as error:
            db.session.rollback()
            conflict = error.message if isinstance(error, StaleEdit) else StaleEdit.__doc__
        else:
            escalated = (" You flagged a child at immediate risk: an escalation has been raised, and the case's "
                         "team manager, the moderators and the QA lead have been told and must acknowledge it."
                         if audit.immediate_risk and not already_flagged else "")
            if submit:
                flash(f"Audit of {audit.case_file.reference} submitted.{escalated}", "success")
                return redirect(url_for("audits.mine"))
            flash(f"Draft saved. You can come back to it at any time.{escalated}", "success")
            return redirect(url_for("audits.show", audit_id=audit.id))
    db.session.refresh(audit)
    review = review_context(audit)  # reloaded: the rollback expired what it had read
    differences = []
    if conflict:
        # Saving again is now a deliberate choice to replace the other person's answers.
        form.version.data = str(audit.version)
        differences = services.differences(audit, answers_from_form(form, template))
    status = 409 if conflict else 400
    return render_template("audits/form.html", audit=audit, template=template, form=form,
                           conflict=conflict, differences=differences, review=review,
                           panels=AUDIT_PANELS.render_list(current_user._get_current_object(), audit)), status
