"""The moderation rules: selecting audits, assigning moderators, grading, completing, returning.

Plain functions with an explicit actor; they flush, never commit (the view commits once). Each
status change goes through `qa_app.moderation.workflow`, which drives the audit's own state
machine, and every change is written to the history.
"""

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified

from qa_app.audit_forms.schema import AuditTemplate, overall_grade_problem
from qa_app.audits.models import Audit
from qa_app.audits.services import set_final_grades
from qa_app.audits.workflow import SUBMITTED_STATES, AuditStatus
from qa_app.auth.models import Role, User, UserRole
from qa_app.db import utcnow
from qa_app.errors import DomainError, NotPermitted, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.moderation.models import ModeratedAnswer, Moderation, ModerationChange
from qa_app.moderation.permissions import can_be_moderator, can_manage_moderation, is_assigned_moderator
from qa_app.moderation.selection import Candidate, ModerationRule, SelectionReason, choose, spread
from qa_app.moderation.workflow import (
    ACTIVE_STATES, ModerationEvent, ModerationStatus, next_moderation_status, outcome, select_audit_status,
)
from qa_app.rounds.models import AuditRound

MAX_TEXT = 20_000
STALE_MESSAGE = ("This moderation was changed after you opened it, so your changes have not been saved. "
                 "The page now shows the saved moderation: check it and make your changes again.")


# --- selecting and assigning ----------------------------------------------------------------------

def _require_manager(actor) -> None:
    if not can_manage_moderation(actor):
        raise NotPermitted("Only a QA lead can change the moderation sample or assign moderators.")


def _round_moderations(round_: AuditRound) -> list[Moderation]:
    return list(db.session.scalars(sa.select(Moderation).where(Moderation.round_id == round_.id)
                                   .order_by(Moderation.id)))


def select_for_moderation(round_: AuditRound, *, actor) -> list[Moderation]:
    """Apply the round's moderation rule to its submitted audits; returns the moderations added.

    Safe to run again as more audits are submitted: earlier choices are kept (see
    `selection.choose`), withdrawn audits are not chosen again. DomainError before the sample
    is confirmed.
    """
    _require_manager(actor)
    if round_.sample_confirmed_at is None:
        raise DomainError("Confirm the round's sample before choosing audits to moderate.")
    rows = db.session.execute(
        sa.select(Audit.id, Audit.auditor_id, Audit.overall_grade, Audit.immediate_risk).where(
            Audit.round_id == round_.id, Audit.status.in_([s.value for s in SUBMITTED_STATES]),
            Audit.auditor_id.is_not(None), Audit.overall_grade.is_not(None))
    ).all()
    candidates = [Candidate(audit_id=i, auditor_id=a, overall_grade=g, immediate_risk=bool(r)) for i, a, g, r in rows]
    already = {m.audit_id: m.selected_because for m in _round_moderations(round_)}
    rule = ModerationRule.from_round(round_)
    chosen = choose(candidates, rule, round_.template_version.template.scale, round_.seed, already)
    audits = {a.id: a for a in db.session.scalars(sa.select(Audit).where(Audit.id.in_(list(chosen))))} if chosen else {}
    added = []
    for audit_id, reason in sorted(chosen.items()):
        audit = audits[audit_id]
        if audit.status != AuditStatus.SUBMITTED:
            continue  # moved on since (only a submitted audit can enter moderation)
        added.append(_start(audit, reason=reason, note="", actor=actor))
    record(actor, "moderation.selection_run", round_, rule=rule.describe(), added=len(added),
           audits=[m.audit_id for m in added])
    return added


def _start(audit: Audit, *, reason: SelectionReason, note: str, actor) -> Moderation:
    audit.status = select_audit_status(audit.status)
    moderation = Moderation(audit=audit, round_id=audit.round_id, selected_because=reason.value,
                            selection_note=note, status=ModerationStatus.ASSIGNED)
    db.session.add(moderation)
    record(actor, "moderation.selected", moderation, audit=audit.id, case=audit.case_file.reference,
           reason=reason.value, note=note)
    return moderation


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([("reason", f"Give a reason for {what}.")])
    if len(reason) > 2000:
        raise ValidationFailed([("reason", "The reason must be 2,000 characters or fewer.")])
    return reason


def add_by_hand(audit: Audit, *, reason: str, actor) -> Moderation:
    """Put a submitted audit into the moderation sample (or back into it), with a reason."""
    _require_manager(actor)
    reason = _reason(reason, "adding the audit to the moderation sample")
    existing = db.session.scalar(sa.select(Moderation).where(Moderation.audit_id == audit.id))
    if existing is not None and existing.status != ModerationStatus.WITHDRAWN:
        raise DomainError(f"The audit of {audit.case_file.reference} is already in the moderation sample.")
    if existing is None:
        moderation = _start(audit, reason=SelectionReason.HAND, note=reason, actor=actor)
    else:
        moderation = existing
        moderation.status, audit.status = next_moderation_status(
            moderation.status, ModerationEvent.RESELECT, audit.status)
        # A fresh, blind grading: nothing from before the withdrawal is kept on the record.
        moderation.answers.clear()
        moderation.overall_grade = moderation.auditor_overall_grade = moderation.graded_at = None
        moderation.overall_rationale = ""
        moderation.selected_because, moderation.selection_note = SelectionReason.HAND.value, reason
        record(actor, "moderation.selected", moderation, audit=audit.id, case=audit.case_file.reference,
               reason=SelectionReason.HAND.value, note=reason)
    db.session.add(ModerationChange(round_id=audit.round_id, audit_id=audit.id, change="added", reason=reason,
                                    changed_by_id=actor.id))
    record(actor, "moderation.added", moderation, audit=audit.id, reason=reason)
    return moderation


def withdraw(moderation: Moderation, *, reason: str, actor) -> None:
    """Take an audit out of the moderation sample before it is returned or completed."""
    _require_manager(actor)
    reason = _reason(reason, "withdrawing the audit from moderation")
    audit = moderation.audit
    moderation.status, audit.status = next_moderation_status(moderation.status, ModerationEvent.WITHDRAW,
                                                             audit.status)
    set_final_grades(audit, overall=audit.overall_grade)  # the auditor's grades count again
    db.session.add(ModerationChange(round_id=moderation.round_id, audit_id=audit.id, change="withdrawn",
                                    reason=reason, changed_by_id=actor.id))
    record(actor, "moderation.withdrawn", moderation, audit=audit.id, reason=reason)


def eligible_moderators() -> list[User]:
    """Active users holding the moderator or QA lead role, by name."""
    return list(db.session.scalars(
        sa.select(User).where(User.active.is_(True), User.id.in_(
            sa.select(UserRole.user_id).where(UserRole.role.in_([Role.MODERATOR.value, Role.QA_LEAD.value]))))
        .order_by(User.display_name, User.id)
    ))


def auto_assign(round_: AuditRound, *, actor, moderators: list[User] | None = None) -> tuple[int, int]:
    """Give every moderation still without a moderator one, spread evenly, never the audit's own
    auditor. The pool is the active moderators (QA leads only when there is no moderator).
    Returns (assigned, left without a moderator because only their own auditor could take them).
    """
    _require_manager(actor)
    if moderators is None:
        everyone = eligible_moderators()
        moderators = [u for u in everyone if u.has_role(Role.MODERATOR)] or everyone
    if not moderators:
        raise DomainError("There is nobody to assign. Give at least one active user the moderator role.")
    moderations = [m for m in _round_moderations(round_) if m.status in ACTIVE_STATES]
    load: dict[int, int] = {}
    for m in moderations:
        if m.moderator_id is not None:
            load[m.moderator_id] = load.get(m.moderator_id, 0) + 1
    waiting = {m.id: m for m in moderations if m.moderator_id is None and m.status == ModerationStatus.ASSIGNED}
    choice = spread([(m.id, m.audit.auditor_id) for m in waiting.values()], [u.id for u in moderators],
                    round_.seed, load)
    assigned = 0
    for moderation_id, moderator_id in choice.items():
        if moderator_id is not None:
            waiting[moderation_id].moderator_id = moderator_id
            assigned += 1
    left = len(waiting) - assigned
    record(actor, "moderation.auto_assigned", round_, assigned=assigned, left=left,
           load={str(k): v for k, v in sorted(load.items())})
    return assigned, left


def assign(moderation: Moderation, moderator: User, *, actor) -> None:
    """Give the moderation to `moderator` by hand: before it is graded, never to the audit's auditor."""
    _require_manager(actor)
    audit = moderation.audit
    next_moderation_status(moderation.status, ModerationEvent.REASSIGN, audit.status)
    if not can_be_moderator(moderator, audit):
        if moderator.id == audit.auditor_id:
            raise DomainError(f"{moderator.display_name} audited this case file, so cannot moderate it.")
        raise DomainError(f"{moderator.display_name} is not an active moderator or QA lead.")
    previous = moderation.moderator.email if moderation.moderator else None
    moderation.moderator_id = moderator.id
    record(actor, "moderation.assigned", moderation, moderator=moderator.email, previous=previous)


# --- moderating -------------------------------------------------------------------------------------

def _require_moderator(moderation: Moderation, actor) -> None:
    if not is_assigned_moderator(actor, moderation):
        raise NotPermitted("Only the moderator assigned to this audit can moderate it.")


def _check_version(moderation: Moderation, expected_version: int) -> None:
    if expected_version != moderation.version:
        raise StaleEdit(STALE_MESSAGE)


def _touch(moderation: Moderation) -> None:
    # A change to its answers alone must still bump the moderation's version (optimistic locking).
    flag_modified(moderation, "status")


def _text(value: str | None, field: str, problems: list) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        problems.append((field, "The text must be 20,000 characters or fewer."))
    return value


def grade_field(key: str) -> str:
    return f"g_{key}"


def rationale_field(key: str) -> str:
    return f"r_{key}"


def save_grades(moderation: Moderation, *, actor, grades: dict[str, int | None], rationales: dict[str, str],
                overall_grade: int | None, overall_rationale: str, expected_version: int, lock: bool) -> None:
    """Save the moderator's own grades; `lock` locks them in (status graded) so the comparison with
    the auditor's grades can be shown. A draft may be incomplete; locking needs every required
    graded question and the overall grade, which (as for the auditor) can be no better than a
    limiting question. NotPermitted, StaleEdit, InvalidTransition, ValidationFailed.
    """
    _require_moderator(moderation, actor)
    _check_version(moderation, expected_version)
    audit = moderation.audit
    event = ModerationEvent.GRADE if lock else ModerationEvent.SAVE_DRAFT
    new_status, _ = next_moderation_status(moderation.status, event, audit.status)
    template = audit.template
    scale_values = template.scale.values()
    problems: list[tuple[str, str]] = []
    clean: dict[str, tuple[int | None, str]] = {}
    hidden = audit.hidden_questions()   # a question the audit's answers hide is not moderated either
    for question in template.questions():
        if not question.is_graded or question.key in hidden:
            continue
        grade = grades.get(question.key)
        if grade is not None and grade not in scale_values:
            problems.append((grade_field(question.key), f"Choose a grade for: {question.text}"))
        elif grade is None and lock and question.required:
            problems.append((grade_field(question.key), f"Grade the question: {question.text}"))
        clean[question.key] = (grade, _text(rationales.get(question.key), rationale_field(question.key), problems))
    overall_rationale = _text(overall_rationale, "overall_rationale", problems)
    if overall_grade is not None and overall_grade not in scale_values:
        problems.append(("overall_grade", "Choose the overall grade for this case file"))
    elif overall_grade is None and lock:
        problems.append(("overall_grade", "Choose the overall grade for this case file"))
    elif overall_grade is not None and lock:
        message = overall_grade_problem(template, overall_grade,
                                        {k: g for k, (g, _) in clean.items() if g is not None})
        if message:
            problems.append(("overall_grade", message))
    if problems:
        raise ValidationFailed(problems)

    existing = {a.question_key: a for a in moderation.answers}
    auditor_grades = {a.question_key: a.grade for a in audit.answers}
    changed = {}
    for key, (grade, rationale) in clean.items():
        answer = existing.get(key)
        if answer is None:
            answer = ModeratedAnswer(question_key=key, grade=None, rationale="")
            moderation.answers.append(answer)
        if (answer.grade, answer.rationale) != (grade, rationale):
            changed[key] = {"grade": [answer.grade, grade]}
        answer.grade, answer.rationale = grade, rationale
        if lock:
            answer.auditor_grade = auditor_grades.get(key)
    moderation.overall_grade, moderation.overall_rationale = overall_grade, overall_rationale
    moderation.status = new_status
    _touch(moderation)
    if lock:
        moderation.graded_at = utcnow()
        moderation.auditor_overall_grade = audit.overall_grade
    record(actor, "moderation.graded" if lock else "moderation.draft_saved", moderation,
           answers=changed, overall_grade=overall_grade)


def _refresh_auditor_grades(moderation: Moderation) -> None:
    """Compare against the audit as the auditor last submitted it (it may have been corrected)."""
    audit = moderation.audit
    auditor_grades = {a.question_key: a.grade for a in audit.answers}
    for answer in moderation.answers:
        answer.auditor_grade = auditor_grades.get(answer.question_key)
    moderation.auditor_overall_grade = audit.overall_grade


def differing_questions(moderation: Moderation, template: AuditTemplate) -> list[str]:
    """Keys of the graded questions where the moderator's grade differs from the audit's now."""
    auditor = {a.question_key: a.grade for a in moderation.audit.answers}
    mine = {a.question_key: a.grade for a in moderation.answers}
    return [q.key for q in template.questions()
            if q.is_graded and (mine.get(q.key) is not None or auditor.get(q.key) is not None)
            and mine.get(q.key) != auditor.get(q.key)]


def _store_rationales(moderation: Moderation, rationales: dict[str, str], overall_rationale: str,
                      problems: list) -> None:
    by_key = {a.question_key: a for a in moderation.answers}
    for key, text in rationales.items():
        if key in by_key:
            by_key[key].rationale = _text(text, rationale_field(key), problems)
    moderation.overall_rationale = _text(overall_rationale, "overall_rationale", problems)


def complete(moderation: Moderation, *, actor, rationales: dict[str, str], overall_rationale: str,
             expected_version: int) -> str:
    """Complete the moderation: the outcome is derived from the two overall grades, never typed,
    and the moderator's overall grade becomes the audit's final grade (both are kept).

    A rationale is required for the overall grade and each graded question where the grades
    differ. Returns the outcome. NotPermitted, StaleEdit, InvalidTransition, ValidationFailed.
    """
    _require_moderator(moderation, actor)
    _check_version(moderation, expected_version)
    audit = moderation.audit
    new_status, audit_status = next_moderation_status(moderation.status, ModerationEvent.COMPLETE, audit.status)
    template = audit.template
    problems: list[tuple[str, str]] = []
    _store_rationales(moderation, rationales, overall_rationale, problems)
    _refresh_auditor_grades(moderation)
    by_key = {a.question_key: a for a in moderation.answers}
    for key in differing_questions(moderation, template):
        if not by_key[key].rationale:
            problems.append((rationale_field(key),
                             f"Give your rationale for grading differently: {template.question(key).text}"))
    if moderation.overall_grade != audit.overall_grade and not moderation.overall_rationale:
        problems.append(("overall_rationale", "Give your rationale for the different overall grade"))
    if problems:
        raise ValidationFailed(problems)
    result = outcome(audit.overall_grade, moderation.overall_grade, template.scale)
    moderation.outcome = result.value
    moderation.status, audit.status = new_status, audit_status
    moderation.completed_at = utcnow()
    set_final_grades(audit, overall=moderation.overall_grade, answers=moderated_grades(moderation))
    record(actor, "moderation.completed", moderation, outcome=result.value,
           auditor_grade=audit.overall_grade, moderator_grade=moderation.overall_grade)
    record(actor, "audit.moderated", audit, outcome=result.value, final_grade=moderation.overall_grade)
    return result.value


def moderated_grades(moderation: Moderation) -> dict[str, int]:
    """{question key: grade} for the questions the moderator graded."""
    return {a.question_key: a.grade for a in moderation.answers if a.grade is not None}


def record_completed(audit: Audit, *, moderator: User, overall_grade: int, overall_rationale: str,
                     answers: dict[str, tuple[int, str]], selected_because: str, completed_at) -> Moderation:
    """A moderation completed outside this service (a results workbook, the demo's past rounds):
    stored whole, its outcome derived by the same rule as `complete`, the auditor's grades it
    compares against taken from the audit, and the audit's final grades set to the moderator's.

    `answers` maps a question key to (moderated grade, rationale). The audit's status is the
    caller's (an imported audit arrives moderated), and so is the history: an import records
    itself as one event. DomainError when the audit already has a moderation or
    `selected_because` is not a known reason.
    """
    if moderation_exists(audit):
        raise DomainError(f"The audit of {audit.case_file.reference} has already been moderated.")
    try:
        reason = SelectionReason(selected_because)
    except ValueError:
        raise DomainError(f"'{selected_because}' is not a reason an audit is selected for moderation.") from None
    auditor_grades = {a.question_key: a.grade for a in audit.answers}
    moderation = Moderation(
        audit=audit, round_id=audit.round_id, moderator_id=moderator.id, status=ModerationStatus.COMPLETED,
        selected_because=reason.value, overall_grade=overall_grade, overall_rationale=overall_rationale,
        auditor_overall_grade=audit.overall_grade,
        outcome=outcome(audit.overall_grade, overall_grade, audit.template.scale).value,
        created_at=completed_at, graded_at=completed_at, completed_at=completed_at,
        answers=[ModeratedAnswer(question_key=key, grade=grade, rationale=rationale,
                                 auditor_grade=auditor_grades.get(key))
                 for key, (grade, rationale) in answers.items()],
    )
    db.session.add(moderation)
    set_final_grades(audit, overall=overall_grade, answers=moderated_grades(moderation))
    return moderation


def moderation_exists(audit: Audit) -> bool:
    return db.session.scalar(sa.select(Moderation.id).where(Moderation.audit_id == audit.id)) is not None


def return_for_correction(moderation: Moderation, *, actor, comments: str, rationales: dict[str, str],
                          overall_rationale: str, expected_version: int) -> None:
    """Send the audit back to its auditor with comments on what to correct (required); the
    rationales typed so far are kept. The auditor amends and resubmits; the moderator then
    completes (or returns it again). NotPermitted, StaleEdit, InvalidTransition, ValidationFailed.
    """
    _require_moderator(moderation, actor)
    _check_version(moderation, expected_version)
    audit = moderation.audit
    new_status, audit_status = next_moderation_status(moderation.status, ModerationEvent.RETURN, audit.status)
    problems: list[tuple[str, str]] = []
    comments = _text(comments, "comments", problems)
    if not comments:
        problems.append(("comments", "Say what the auditor needs to correct"))
    _store_rationales(moderation, rationales, overall_rationale, problems)
    if problems:
        raise ValidationFailed(problems)
    moderation.return_comments = comments
    moderation.status, audit.status = new_status, audit_status
    _touch(moderation)
    record(actor, "moderation.returned", moderation, comments=comments)
    record(actor, "audit.returned_for_correction", audit, comments=comments)


def record_view(moderation: Moderation, actor, page: str) -> None:
    """Reading case content is recorded, like every change."""
    record(actor, "moderation.viewed", moderation, audit=moderation.audit_id, page=page)
