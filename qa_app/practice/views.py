from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from qa_app.audits.models import Audit
from qa_app.auth.forms import EmptyForm
from qa_app.auth.permissions import roles_required
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.practice import queries, services
from qa_app.practice.forms import ConversationForm, ResponseForm
from qa_app.practice.panels import CASE_PEOPLE_ROLES
from qa_app.practice.permissions import can_record_conversation, can_release_by_hand, can_respond
from qa_app.writes import commit_form

bp = Blueprint("practice", __name__, url_prefix="/practice")


def _version(form) -> int | None:
    return int(form.version.data) if (form.version.data or "").isdigit() else None


@bp.route("/")
@roles_required(*CASE_PEOPLE_ROLES)
def index():
    released = queries.released_to(current_user)
    record(current_user, "practice.released_listed", None, audits=[r.audit.id for r in released])
    db.session.commit()
    return render_template("practice/index.html", released=released)


@bp.route("/audits/<int:audit_id>/release", methods=["POST"])
@login_required
def release(audit_id: int):
    audit = db.get_or_404(Audit, audit_id)
    if not can_release_by_hand(current_user, audit):
        abort(403)
    if commit_form(EmptyForm(), lambda: services.release_by_hand(audit, actor=current_user)).ok:
        people = services.case_people(audit)
        flash(f"The audit of {audit.case_file.reference} has been released"
              + (f" to {' and '.join(u.display_name for u in people)}." if people
                 else ": its case file is not linked to a worker or team manager yet."), "success")
    return redirect(url_for("audits.show", audit_id=audit.id) + "#practice")


@bp.route("/audits/<int:audit_id>/response", methods=["GET", "POST"])
@login_required
def response(audit_id: int):
    audit = db.get_or_404(Audit, audit_id)
    if not can_respond(current_user, audit):
        abort(403)
    existing = queries.record_of(audit.id).response
    form = ResponseForm(data={"agreement": existing.agreement, "will_do": existing.will_do,
                              "comments": existing.comments, "version": str(existing.version)}
                        if existing and request.method == "GET" else None)
    written = commit_form(form, lambda: services.respond(
        audit, actor=current_user, agreement=form.agreement.data, will_do=form.will_do.data,
        comments=form.comments.data, expected_version=_version(form)), fallback="will_do")
    if written.ok:
        flash("Your response has been saved. The auditor and your team manager can read it on the audit.",
              "success")
        return redirect(url_for("audits.show", audit_id=audit.id) + "#practice")
    if request.method == "GET":
        record(current_user, "audit.read_for_response", audit)
        db.session.commit()
    return render_template("practice/response.html", audit=audit, form=form, conflict=written.conflict), (
        written.status if request.method == "POST" else 200)


@bp.route("/audits/<int:audit_id>/conversation", methods=["GET", "POST"])
@login_required
def conversation(audit_id: int):
    audit = db.get_or_404(Audit, audit_id)
    if not can_record_conversation(current_user, audit):
        abort(403)
    existing = queries.record_of(audit.id).conversation
    form = ConversationForm(data={"held_on": existing.held_on, "attendees": existing.attendees,
                                  "method": existing.method, "notes": existing.notes,
                                  "version": str(existing.version)}
                            if existing and request.method == "GET" else None)
    written = commit_form(form, lambda: services.record_conversation(
        audit, actor=current_user, held_on=form.held_on.data, attendees=form.attendees.data,
        method=form.method.data, notes=form.notes.data, today=date.today(), expected_version=_version(form)),
        fallback="attendees")
    if written.ok:
        flash("The feedback conversation has been recorded.", "success")
        return redirect(url_for("audits.show", audit_id=audit.id) + "#practice")
    if request.method == "GET":   # the form shows the case reference and any conversation recorded
        record(current_user, "audit.read_for_conversation", audit, existing=existing is not None)
        db.session.commit()
    return render_template("practice/conversation.html", audit=audit, form=form, conflict=written.conflict), (
        written.status if request.method == "POST" else 200)
