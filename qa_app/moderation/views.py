"""Moderation pages: the QA lead's sample and assignment, the moderator's queue, blind grading,
the side-by-side comparison, completing or returning, version differences and calibration."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from qa_app.audits.models import Audit
from qa_app.auth.forms import EmptyForm
from qa_app.auth.models import Role
from qa_app.auth.permissions import roles_required
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.moderation import queries, services, statistics
from qa_app.moderation.forms import (
    AddForm, AssignModeratorForm, ReasonForm, build_compare_form, build_grading_form, grades_from, rationales_from,
)
from qa_app.moderation.models import Moderation
from qa_app.moderation.permissions import MODERATING_ROLES, can_view_versions, is_assigned_moderator
from qa_app.moderation.selection import ModerationRule, SelectionReason
from qa_app.moderation.services import grade_field, rationale_field
from qa_app.moderation.versions import changes_between
from qa_app.moderation.workflow import (
    STAGE_LABELS, ModerationEvent, ModerationOutcome, ModerationStatus, allowed_actions, next_moderation_status,
    stage,
)
from qa_app.rounds.models import AuditRound
from qa_app.writes import commit_form

bp = Blueprint("moderation", __name__, url_prefix="/moderation")


# --- template helpers ---------------------------------------------------------------------------------

@bp.app_template_global("moderation_status_label")
def moderation_status_label(status: str) -> str:
    return ModerationStatus(status).label


@bp.app_template_global("moderation_stage")
def moderation_stage(moderation: Moderation) -> dict:
    """The state a page shows: {"key": …, "label": …} (see moderation.workflow.stage)."""
    key = stage(moderation)
    return {"key": key, "label": STAGE_LABELS[key]}


@bp.app_template_global("moderation_outcome_label")
def moderation_outcome_label(outcome: str) -> str:
    return ModerationOutcome(outcome).label


@bp.app_template_global("allowed_moderation_actions")
def allowed_moderation_actions(moderation: Moderation, user) -> frozenset[str]:
    return allowed_actions(moderation, user)


# --- helpers ------------------------------------------------------------------------------------------

def load_moderation(moderation_id: int) -> Moderation:
    return db.get_or_404(Moderation, moderation_id)


def load_as_moderator(moderation_id: int) -> Moderation:
    """The moderation, if the signed-in user is its assigned moderator (404 missing, 403 not theirs)."""
    moderation = load_moderation(moderation_id)
    if not is_assigned_moderator(current_user, moderation):
        abort(403)
    return moderation


def _user():
    return current_user._get_current_object()


def _next_page(moderation: Moderation):
    actions = allowed_actions(moderation, _user())
    if "grade" in actions:
        return redirect(url_for("moderation.grade", moderation_id=moderation.id))
    if "compare" in actions:
        return redirect(url_for("moderation.compare", moderation_id=moderation.id))
    return redirect(url_for("moderation.show", moderation_id=moderation.id))


# --- the moderator ----------------------------------------------------------------------------------

@bp.route("/")
@roles_required(*MODERATING_ROLES)
def index():
    manage = current_user.has_role(Role.QA_LEAD)
    return render_template("moderation/index.html", queue=queries.queue_for(current_user.id),
                           rounds=queries.rounds_for_moderation() if manage else [], manage=manage)


def _grading_data(moderation: Moderation) -> dict:
    data = {"version": str(moderation.version), "overall_grade": moderation.overall_grade,
            "overall_rationale": moderation.overall_rationale}
    for answer in moderation.answers:
        data[grade_field(answer.question_key)] = answer.grade
        data[rationale_field(answer.question_key)] = answer.rationale
    return data


def _render_grading(moderation: Moderation, form, status: int = 200, conflict: str | None = None):
    audit = moderation.audit
    blind = audit.round.blind_moderation
    return render_template(
        "moderation/grade.html", moderation=moderation, audit=audit, template=audit.template, form=form,
        blind=blind, conflict=conflict,
        # Open moderation only: blind grading never sends the auditor's grades or evidence.
        auditor_answers=None if blind else audit.answer_map()), status


@bp.route("/<int:moderation_id>/grade", methods=["GET", "POST"])
@roles_required(*MODERATING_ROLES)
def grade(moderation_id: int):
    moderation = load_as_moderator(moderation_id)
    if moderation.status != ModerationStatus.ASSIGNED:
        return _next_page(moderation)
    template = moderation.audit.template
    if request.method == "GET":
        services.record_view(moderation, current_user, "grade")
        db.session.commit()
        return _render_grading(moderation, build_grading_form(template, formdata=None,
                                                              data=_grading_data(moderation)))
    form = build_grading_form(template)
    lock = request.form.get("action") == "grade"
    written = commit_form(form, lambda: services.save_grades(
        moderation, actor=current_user, grades=grades_from(form, template), rationales=rationales_from(form, template),
        overall_grade=form.overall_grade.data, overall_rationale=form.overall_rationale.data,
        expected_version=int(form.version.data or 0), lock=lock), concurrent=services.STALE_MESSAGE)
    if written.conflict:
        db.session.refresh(moderation)
        if moderation.status != ModerationStatus.ASSIGNED:
            flash(services.STALE_MESSAGE, "info")
            return _next_page(moderation)
        return _render_grading(moderation, build_grading_form(template, formdata=None,
                                                              data=_grading_data(moderation)), 409, written.conflict)
    if not written.ok:
        return _render_grading(moderation, form, 400)
    if lock:
        flash("Your grades are saved. Now compare them with the auditor's.", "success")
        return redirect(url_for("moderation.compare", moderation_id=moderation.id))
    flash("Draft saved. The auditor's grades stay hidden until you lock in your grades.", "success")
    return redirect(url_for("moderation.grade", moderation_id=moderation.id))


def _render_compare(moderation: Moderation, form, status: int = 200, conflict: str | None = None):
    audit = moderation.audit
    return render_template(
        "moderation/compare.html", moderation=moderation, audit=audit, template=audit.template, form=form,
        rows=queries.comparison(moderation, as_completed=False), conflict=conflict,
        returns=queries.returns_of(moderation), version_count=len(queries.versions_of(audit.id))), status


def _compare_data(moderation: Moderation) -> dict:
    data = {"version": str(moderation.version), "overall_rationale": moderation.overall_rationale}
    for answer in moderation.answers:
        data[rationale_field(answer.question_key)] = answer.rationale
    return data


@bp.route("/<int:moderation_id>/compare", methods=["GET", "POST"])
@roles_required(*MODERATING_ROLES)
def compare(moderation_id: int):
    moderation = load_as_moderator(moderation_id)
    if "compare" not in allowed_actions(moderation, _user()):
        return _next_page(moderation)
    template = moderation.audit.template
    if request.method == "GET":
        services.record_view(moderation, current_user, "compare")
        db.session.commit()
        return _render_compare(moderation, build_compare_form(template, formdata=None,
                                                              data=_compare_data(moderation)))
    form = build_compare_form(template)
    action = request.form.get("action")
    if action not in ("complete", "return"):
        form.validate_on_submit()
        return _render_compare(moderation, form, 400)
    arguments = dict(actor=current_user, rationales=rationales_from(form, template),
                     overall_rationale=form.overall_rationale.data,
                     expected_version=int(form.version.data or 0))
    reference = moderation.audit.case_file.reference
    if action == "complete":
        written = commit_form(form, lambda: services.complete(moderation, **arguments),
                              concurrent=services.STALE_MESSAGE)
    else:
        written = commit_form(form, lambda: services.return_for_correction(
            moderation, comments=form.comments.data, **arguments), concurrent=services.STALE_MESSAGE)
    if written.conflict:
        db.session.refresh(moderation)
        if "compare" not in allowed_actions(moderation, _user()):
            flash(services.STALE_MESSAGE, "info")
            return _next_page(moderation)
        return _render_compare(moderation, build_compare_form(template, formdata=None,
                                                              data=_compare_data(moderation)), 409, written.conflict)
    if not written.ok:
        return _render_compare(moderation, form, 400)
    if action == "complete":
        flash(f"Moderation of {reference} completed: {ModerationOutcome(written.value).label.lower()}.", "success")
    else:
        flash(f"The audit of {reference} has been returned to the auditor for correction.", "success")
    return redirect(url_for("moderation.index"))


@bp.route("/<int:moderation_id>")
@roles_required(*MODERATING_ROLES)
def show(moderation_id: int):
    moderation = load_moderation(moderation_id)
    actions = allowed_actions(moderation, _user())
    if "view" not in actions:
        if "grade" in actions:
            return redirect(url_for("moderation.grade", moderation_id=moderation.id))
        abort(403)
    services.record_view(moderation, current_user, "show")
    db.session.commit()
    graded = moderation.status not in (ModerationStatus.ASSIGNED, ModerationStatus.WITHDRAWN) or (
        moderation.status == ModerationStatus.WITHDRAWN and moderation.graded_at is not None)
    return render_template(
        "moderation/show.html", moderation=moderation, audit=moderation.audit, actions=actions,
        rows=queries.comparison(moderation) if graded else [],
        returns=queries.returns_of(moderation), version_count=len(queries.versions_of(moderation.audit_id)),
        reason_label=SelectionReason(moderation.selected_because).label)


@bp.route("/audits/<int:audit_id>/versions")
@login_required
def versions(audit_id: int):
    audit = db.get_or_404(Audit, audit_id)
    moderation = queries.moderation_of(audit.id)
    if not can_view_versions(current_user, audit, moderation):
        abort(403)
    submitted = queries.versions_of(audit.id)
    numbers = [v.number for v in submitted]
    after = request.args.get("to", type=int, default=numbers[-1] if numbers else None)
    before = request.args.get("from", type=int, default=numbers[-2] if len(numbers) > 1 else None)
    by_number = {v.number: v for v in submitted}
    if (after is not None and after not in by_number) or (before is not None and before not in by_number):
        abort(404)
    changes = None
    if before is not None and after is not None:
        changes = changes_between(audit.template, by_number[before].snapshot, by_number[after].snapshot)
    record(current_user, "audit.versions_viewed", audit, compared=[before, after])
    db.session.commit()
    return render_template("moderation/versions.html", audit=audit, moderation=moderation, versions=submitted,
                           before=before, after=after, changes=changes)


# --- the QA lead ------------------------------------------------------------------------------------

@bp.route("/rounds/<int:round_id>")
@roles_required(Role.QA_LEAD)
def round_page(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    moderations = queries.round_moderations(round_.id)
    record(current_user, "moderation.round_viewed", round_)
    db.session.commit()
    return render_template(
        "moderation/round.html", round=round_, moderations=moderations, changes=queries.round_changes(round_.id),
        rule=ModerationRule.from_round(round_), addable=len(queries.addable_audits(round_.id)),
        empty_form=EmptyForm(), reasons={r.value: r.label for r in SelectionReason},
        user=_user())


@bp.route("/rounds/<int:round_id>/select", methods=["POST"])
@roles_required(Role.QA_LEAD)
def select(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    written = commit_form(EmptyForm(), lambda: services.select_for_moderation(round_, actor=current_user))
    if written.ok:
        count = len(written.value)
        flash(f"{count} audit{'s' if count != 1 else ''} added to the moderation sample." if count
              else "No more audits need moderating under this round's rule.", "success")
    return redirect(url_for("moderation.round_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/assign", methods=["POST"])
@roles_required(Role.QA_LEAD)
def auto_assign(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    written = commit_form(EmptyForm(), lambda: services.auto_assign(round_, actor=current_user))
    if written.ok:
        assigned, left = written.value
        message = f"{assigned} moderation{'s' if assigned != 1 else ''} assigned."
        if left:
            message += (f" {left} could not be assigned because the only moderator is the audit's own auditor: "
                        "assign them by hand.")
        flash(message, "success")
    return redirect(url_for("moderation.round_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/add", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def add(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    audits = queries.addable_audits(round_.id)
    form = AddForm()
    form.audit_id.choices = [
        (a.id, f"{a.case_file.reference}, audited by {a.auditor.display_name if a.auditor else 'nobody'} "
               f"({a.template.scale.label(a.overall_grade)})") for a in audits]
    chosen = {a.id: a for a in audits}
    if commit_form(form, lambda: services.add_by_hand(chosen[form.audit_id.data], reason=form.reason.data,
                                                      actor=current_user)).ok:
        reference = chosen[form.audit_id.data].case_file.reference
        flash(f"The audit of {reference} was added to the moderation sample.", "success")
        return redirect(url_for("moderation.round_page", round_id=round_id))
    if request.method == "GET":
        record(current_user, "moderation.round_viewed", round_, page="add")   # lists audits and their grades
        db.session.commit()
    status = 400 if form.errors else 200
    return render_template("moderation/add.html", round=round_, form=form, audits=audits), status


@bp.route("/<int:moderation_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def withdraw(moderation_id: int):
    moderation = load_moderation(moderation_id)
    # A clear refusal (409) for one that can no longer be withdrawn, before any form.
    next_moderation_status(moderation.status, ModerationEvent.WITHDRAW, moderation.audit.status)
    form = ReasonForm()
    if commit_form(form, lambda: services.withdraw(moderation, reason=form.reason.data, actor=current_user)).ok:
        flash(f"The audit of {moderation.audit.case_file.reference} was withdrawn from moderation.", "success")
        return redirect(url_for("moderation.round_page", round_id=moderation.round_id))
    status = 400 if form.errors else 200
    return render_template("moderation/withdraw.html", moderation=moderation, audit=moderation.audit,
                           form=form), status


@bp.route("/<int:moderation_id>/assign", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def assign(moderation_id: int):
    moderation = load_moderation(moderation_id)
    next_moderation_status(moderation.status, ModerationEvent.REASSIGN, moderation.audit.status)
    audit = moderation.audit
    people = [u for u in services.eligible_moderators() if u.id != audit.auditor_id]
    form = AssignModeratorForm()
    form.moderator_id.choices = [(u.id, u.display_name) for u in people]
    by_id = {u.id: u for u in people}
    if commit_form(form, lambda: services.assign(moderation, by_id[form.moderator_id.data], actor=current_user)).ok:
        chosen = by_id[form.moderator_id.data]
        flash(f"The audit of {audit.case_file.reference} will be moderated by {chosen.display_name}.", "success")
        return redirect(url_for("moderation.round_page", round_id=moderation.round_id))
    if moderation.moderator_id and not form.is_submitted():
        form.moderator_id.data = moderation.moderator_id
    status = 400 if form.errors else 200
    return render_template("moderation/assign.html", moderation=moderation, audit=audit, form=form), status


@bp.route("/calibration")
@roles_required(Role.QA_LEAD)
def calibration():
    rounds = queries.rounds_for_moderation()
    chosen = request.args.get("round", type=int)
    if chosen is not None and chosen not in {r.round.id for r in rounds}:
        abort(404)
    figures = statistics.calibration(round_ids=[chosen] if chosen is not None else None)
    record(current_user, "moderation.calibration_viewed", None, round=chosen)
    db.session.commit()
    return render_template("moderation/calibration.html", figures=figures, rounds=rounds, chosen=chosen)
