import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from qa_app.audits import services
from qa_app.audits.extensions import AUDIT_EXTENSIONS
from qa_app.audits.forms import COUNT_FROM_PERCENT, MAX_TEXT, answers_from_form, build_audit_form
from qa_app.audits.models import Audit
from qa_app.audits.permissions import AUDITING_ROLES, can_edit_audit, can_view_audit
from qa_app.audits.workflow import EDITABLE_STATES, AuditStatus
from qa_app.auth.permissions import roles_required
from qa_app.errors import StaleEdit
from qa_app.extensions import db
from qa_app.history.services import display_names, events_for, record
from qa_app.panels import AUDIT_PANELS
from qa_app.writes import commit_form

bp = Blueprint("audits", __name__, url_prefix="/audits")


@bp.route("/mine")
@roles_required(*AUDITING_ROLES)
def mine():
    audits = db.session.scalars(
        sa.select(Audit).where(Audit.auditor_id == current_user.id,
                               Audit.status.not_in([AuditStatus.REMOVED, AuditStatus.CANCELLED]))
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


def _panels(audit: Audit):
    return AUDIT_PANELS.render_list(current_user._get_current_object(), audit)


def _form(audit: Audit, extensions, **kwargs):
    fields: dict = {}
    for extension, context in extensions:
        for question_key, group in extension.fields(context).items():
            fields.setdefault(question_key, {}).update(group)
    return build_audit_form(audit.template, extra_fields=fields, **kwargs)


@bp.route("/<int:audit_id>", methods=["GET", "POST"])
@login_required
def show(audit_id: int):
    audit = load_audit(audit_id)
    editable = can_edit_audit(current_user, audit) and audit.status in EDITABLE_STATES
    if request.method == "POST":
        if not editable:
            abort(403)
        return _save(audit)
    record(current_user, "audit.viewed", audit)
    db.session.commit()
    if not editable:
        history = events_for(audit, limit=100)
        return render_template("audits/view.html", audit=audit, template=audit.template,
                               answers=audit.answer_map(), history=history,
                               people=display_names({e.actor_id for e in history if e.actor_id}),
                               panels=_panels(audit))
    extensions = AUDIT_EXTENSIONS.active(audit)
    data = services.form_data_from_audit(audit)
    for extension, context in extensions:
        data |= extension.form_data(context)
    form = _form(audit, extensions, formdata=None, data=data)
    return _form_page(audit, form, extensions)


def _save(audit: Audit):
    template = audit.template
    extensions = AUDIT_EXTENSIONS.active(audit)
    form = _form(audit, extensions)
    submit = request.form.get("action") == "submit"
    attempted = []

    def save(as_submission: bool):
        attempted.append(as_submission)
        return services.save_audit(
            audit, actor=current_user, answers=answers_from_form(form, template),
            overall_grade=form.overall_grade.data, overall_summary=form.overall_summary.data,
            immediate_risk=form.immediate_risk.data, immediate_risk_reason=form.immediate_risk_reason.data,
            expected_version=int(form.version.data or 0), submit=as_submission,
            extensions={extension.name: extension.read(form, context) for extension, context in extensions})

    result = commit_form(form, lambda: save(submit), fallback="overall_summary", concurrent=StaleEdit.__doc__)
    if result.ok:
        said = _tell(result.value.notices)
        if submit:
            flash(f"Audit of {audit.case_file.reference} submitted.{said}", "success")
            return redirect(url_for("audits.mine"))
        flash(f"Draft saved. You can come back to it at any time.{said}", "success")
        return redirect(url_for("audits.show", audit_id=audit.id))
    draft_kept = None
    if submit and attempted and not result.conflict:
        # It cannot be submitted yet, but nothing typed is lost: keep it as a draft while the
        # problems are shown (when the draft itself can be saved).
        db.session.refresh(audit)
        kept = commit_form(form, lambda: save(False), validate=False, fallback="overall_summary",
                           concurrent=StaleEdit.__doc__)
        if kept.ok:
            draft_kept = _tell(kept.value.notices).strip() or True
    db.session.refresh(audit)
    extensions = AUDIT_EXTENSIONS.active(audit)  # reloaded: the rollback expired what they had read
    differences = []
    if result.conflict:
        # Saving again is now a deliberate choice to replace the other person's answers.
        form.version.data = str(audit.version)
        differences = services.differences(audit, answers_from_form(form, template))
    elif draft_kept:
        form.version.data = str(audit.version)
    return _form_page(audit, form, extensions, conflict=result.conflict, differences=differences,
                      draft_kept=draft_kept), result.status


def _tell(notices) -> str:
    """Flash the extensions' banners; return their sentences for the save's own confirmation."""
    for category, text in notices:
        if category != "info":
            flash(text, category)
    return "".join(f" {text}" for category, text in notices if category == "info")


def _form_page(audit: Audit, form, extensions, **context):
    return render_template("audits/form.html", audit=audit, template=audit.template, form=form,
                           extensions=extensions, panels=_panels(audit), max_text=MAX_TEXT,
                           count_from=COUNT_FROM_PERCENT, **context)
