"""Writing audits: saving drafts and submitting, with the grading rules."""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from qa_app.audit_forms.models import TemplateVersion
from qa_app.audit_forms.schema import YES_PARTLY_NO, AuditTemplate, hidden_questions, overall_grade_problem
from qa_app.audits.extensions import AUDIT_EXTENSIONS, AuditSaved
from qa_app.audits.forms import answer_field, evidence_field
from qa_app.audits.models import Answer, Audit, AuditVersion
from qa_app.audits.permissions import can_edit_audit
from qa_app.audits.workflow import SUBMITTED_STATES, AuditEvent, AuditStatus, next_status
from qa_app.db import utcnow
from qa_app.errors import DomainError, NotPermitted, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record

EMPTY = (None, "")


def submission_problems(template: AuditTemplate, answers: dict[str, dict], overall_grade: int | None,
                        ) -> list[tuple[str, str]]:
    """Every reason the audit cannot be submitted, as (form field, message), in template order.

    Required questions need an answer; a grade the scale marks as needing evidence (Requires
    improvement or Inadequate on the default scale) needs evidence text; the overall grade is
    required and can be no better than the worst limiting answer. A conditional question that the
    answers hide is neither required nor checked (its answer is not kept, see `_store_answers`).
    """
    problems = []
    scale = template.scale
    hidden = hidden_questions(template, _values(answers))
    for question in template.questions():
        if question.key in hidden:
            continue
        answer = answers.get(question.key, {})
        value = answer.get("value")
        if question.required and value in EMPTY:
            problems.append((answer_field(question.key), f"Answer the question: {question.text}"))
        if question.is_graded and value not in EMPTY and int(value) in scale.evidence_required \
                and not (answer.get("evidence") or "").strip():
            problems.append((evidence_field(question.key),
                             f"Give the evidence for grading \"{question.text}\" as {scale.label(int(value))}"))
    if overall_grade is None:
        problems.append(("overall_grade", "Choose the overall grade for this case file"))
    else:
        graded = {k: int(a["value"]) for k, a in answers.items()
                  if a.get("value") not in EMPTY and k in _graded_keys(template) and k not in hidden}
        message = overall_grade_problem(template, overall_grade, graded)
        if message:
            problems.append(("overall_grade", message))
    return problems


def save_audit(audit: Audit, *, actor, answers: dict[str, dict], overall_grade: int | None,
               overall_summary: str, immediate_risk: bool, immediate_risk_reason: str,
               expected_version: int, submit: bool, extensions: dict[str, object] | None = None,
               ) -> AuditSaved:
    """Save the auditor's answers as a draft, or submit them.

    Features that plug into the audit (`qa_app.audits.extensions`) check and save their own part:
    `extensions` maps an extension's name to what was entered for it (its `read` of the form).
    Once submitted (or corrected while returned), the audit's final grades are the auditor's until
    a moderation is completed (see `set_final_grades`).

    Raises NotPermitted (not the assigned auditor), StaleEdit (someone saved since the form was
    loaded), InvalidTransition (the audit can no longer be edited) and ValidationFailed (the
    submission rules, a flagged risk without a reason, or an extension's checks). Returns what
    changed, with the extensions' notices for the user in `notices`.
    """
    if not can_edit_audit(actor, audit):
        raise NotPermitted("Only the auditor assigned to this audit can change it.")
    if expected_version != audit.version:
        raise StaleEdit(
            f"{audit.updated_by.display_name if audit.updated_by else 'Someone'} saved this audit "
            "after you opened it. Your changes have not been saved: they are shown below so you can "
            "compare them with the saved audit and save again."
        )
    event = AuditEvent.SUBMIT if submit else AuditEvent.SAVE_DRAFT
    new_status = next_status(audit.status, event)
    template = audit.template
    immediate_risk_reason = (immediate_risk_reason or "").strip()
    problems = []
    if immediate_risk and not immediate_risk_reason:
        problems.append(("immediate_risk_reason", "Say why the child is at immediate risk"))
    if submit:
        problems.extend(submission_problems(template, answers, overall_grade))
    entered = extensions or {}
    active = AUDIT_EXTENSIONS.active(audit)
    for extension, context in active:
        problems.extend(extension.check(context, entered.get(extension.name), audit=audit, actor=actor,
                                        submit=submit, answers=answers))
    if problems:
        raise ValidationFailed(problems)

    changed = _store_answers(audit, template, answers)
    before = (audit.overall_grade, audit.overall_summary, audit.immediate_risk, audit.immediate_risk_reason)
    audit.overall_grade = overall_grade
    audit.overall_summary = (overall_summary or "").strip()
    audit.immediate_risk = bool(immediate_risk)
    audit.immediate_risk_reason = immediate_risk_reason if immediate_risk else ""
    after = (audit.overall_grade, audit.overall_summary, audit.immediate_risk, audit.immediate_risk_reason)
    now = utcnow()
    audit.status = new_status
    audit.started_at = audit.started_at or now
    audit.updated_at = now
    audit.updated_by_id = actor.id
    if new_status in SUBMITTED_STATES:
        set_final_grades(audit, overall=audit.overall_grade)
    if submit:
        audit.submitted_at = now
        _snapshot(audit, actor, now)
    overall_changes = {name: [old, new] for name, old, new in zip(
        ("overall_grade", "overall_summary", "immediate_risk", "immediate_risk_reason"), before, after)
        if old != new}
    record(actor, "audit.submitted" if submit else "audit.draft_saved", audit,
           answers=changed, **overall_changes)
    saved = AuditSaved(audit=audit, actor=actor, submit=submit, answers=changed, overall=overall_changes)
    for extension, context in active:
        notice = extension.after_save(context, entered.get(extension.name), saved)
        if notice:
            saved.notices.append(notice if isinstance(notice, tuple) else ("info", notice))
    return saved


def set_final_grades(audit: Audit, *, overall: int | None, answers: Mapping[str, int] | None = None) -> None:
    """Store the grades that count: `overall` for the audit and, for each graded question, the
    grade in `answers` where one is given (a moderator's), else the auditor's.

    The one place the final grade is written. Called when the auditor submits (the auditor's
    grades), and when a moderation is completed (the moderator's) or withdrawn (the auditor's
    again). A question the moderator graded and the auditor left blank gets an answer row of its
    own, so its final grade is kept like any other.
    """
    answers = answers or {}
    version = audit.template_version or db.session.get(TemplateVersion, audit.template_version_id)
    graded = {q.key for q in version.template.questions() if q.is_graded}
    audit.final_grade = overall
    existing = audit.answer_map()
    for key, grade in answers.items():
        if key not in existing and key in graded:
            existing[key] = Answer(question_key=key, grade=None, value="", evidence="")
            audit.answers.append(existing[key])
    for key, answer in existing.items():
        answer.final_grade = answers.get(key, answer.grade) if key in graded else None


def record_submitted(*, round_, case_file, template_version, auditor, status: AuditStatus, overall_grade: int,
                     overall_summary: str, immediate_risk: bool, immediate_risk_reason: str, submitted_at,
                     answers: dict[str, dict], sampled_by: str = "import", uid: str | None = None) -> Audit:
    """An audit submitted outside this service (a results workbook, the demo's past rounds), stored
    as the auditor left it: answers as `save_audit` takes them ({key: {"value", "evidence"}}),
    the auditor's grades as its final grades (a moderation recorded afterwards replaces them).

    `uid` keeps the audit's identity from the service it came from (see Audit.uid).
    DomainError when `status` is not the status of a submitted audit, the case file already has
    an audit in the round, or an audit with that uid is already here; ValidationFailed when a
    flagged risk has no reason.
    """
    if status not in SUBMITTED_STATES:
        raise DomainError(f"An audit that is {AuditStatus(status).label.lower()} has not been submitted.")
    if immediate_risk and not (immediate_risk_reason or "").strip():
        raise ValidationFailed([("immediate_risk_reason", "Say why the child is at immediate risk")])
    if round_.id is not None and case_file.id is not None and db.session.scalar(
            sa.select(Audit.id).where(Audit.round_id == round_.id, Audit.case_file_id == case_file.id)):
        raise DomainError(f"Case file {case_file.reference} already has an audit in round '{round_.name}'.")
    if uid and db.session.scalar(sa.select(Audit.id).where(Audit.uid == uid)) is not None:
        raise DomainError(f"The audit {uid} is already here.")
    audit = Audit(**({"uid": uid} if uid else {}), round=round_, case_file=case_file,
                  template_version=template_version, auditor_id=auditor.id, status=status, overall_grade=overall_grade, overall_summary=(overall_summary or "").strip(),
                  immediate_risk=bool(immediate_risk),
                  immediate_risk_reason=(immediate_risk_reason or "").strip() if immediate_risk else "",
                  sampled_by=sampled_by, created_at=submitted_at, started_at=submitted_at, updated_at=submitted_at,
                  submitted_at=submitted_at)
    _store_answers(audit, template_version.template, answers)
    set_final_grades(audit, overall=overall_grade)
    db.session.add(audit)
    return audit


def _snapshot(audit: Audit, actor, now) -> AuditVersion:
    """Keep the submitted audit as it is now: every submission is a numbered version."""
    number = 1 + max((v.number for v in audit.versions), default=0)
    version = AuditVersion(
        number=number, submitted_at=now, submitted_by_id=actor.id,
        snapshot={
            "overall_grade": audit.overall_grade, "overall_summary": audit.overall_summary,
            "immediate_risk": audit.immediate_risk, "immediate_risk_reason": audit.immediate_risk_reason,
            "answers": {a.question_key: {"grade": a.grade, "value": a.value, "evidence": a.evidence}
                        for a in audit.answers},
        },
    )
    audit.versions.append(version)
    return version


def _values(answers: dict[str, dict]) -> dict[str, object]:
    return {key: answer.get("value") for key, answer in answers.items()}


def _store_answers(audit: Audit, template: AuditTemplate, answers: dict[str, dict]) -> dict[str, dict]:
    """Store the answers; an answer to a question its condition hides is dropped, so a hidden
    question is never reported."""
    existing = audit.answer_map()
    changes = {}
    hidden = hidden_questions(template, _values(answers))
    for question in template.questions():
        given = answers.get(question.key, {}) if question.key not in hidden else {}
        value, evidence = given.get("value"), (given.get("evidence") or "").strip()
        grade, text = (None, "") if value in EMPTY else (
            (int(value), "") if question.is_graded else (None, _as_text(value)))
        answer = existing.get(question.key)
        old = (answer.grade, answer.value, answer.evidence) if answer else (None, "", "")
        new = (grade, text, evidence)
        if old == new:
            continue
        changes[question.key] = {"from": list(old), "to": list(new)}
        if answer is None:
            audit.answers.append(Answer(question_key=question.key, grade=grade, value=text, evidence=evidence))
        elif new == (None, "", ""):
            audit.answers.remove(answer)
        else:
            answer.grade, answer.value, answer.evidence = new
    return changes


def _as_text(value) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _graded_keys(template: AuditTemplate) -> set[str]:
    return {q.key for q in template.questions() if q.is_graded}


def form_data_from_audit(audit: Audit) -> dict:
    """The saved audit as form data (for the first render of the form)."""
    data = {
        "version": str(audit.version), "overall_grade": audit.overall_grade,
        "overall_summary": audit.overall_summary, "immediate_risk": audit.immediate_risk,
        "immediate_risk_reason": audit.immediate_risk_reason,
    }
    answers = audit.answer_map()
    for question in audit.template.questions():
        answer = answers.get(question.key)
        if answer is None:
            continue
        if question.is_graded:
            value = answer.grade
        elif question.type == "date" and answer.value:
            value = date.fromisoformat(answer.value)
        elif question.type == "number" and answer.value:
            value = Decimal(answer.value)
        else:
            value = answer.value or None
        data[answer_field(question.key)] = value
        data[evidence_field(question.key)] = answer.evidence
    return data


def differences(audit: Audit, typed: dict[str, dict]) -> list[tuple[str, str, str]]:
    """(question, saved answer, typed answer) where what the user typed differs from the saved
    audit, both as a person reads them (see `display_value`)."""
    template = audit.template
    saved = audit.answer_map()
    result = []
    for question in template.questions():
        answer = saved.get(question.key)
        saved_text = display_answer(template, question, answer)
        value = typed.get(question.key, {}).get("value")
        typed_text = "" if value in EMPTY else display_value(
            template, question, int(value) if question.is_graded else _as_text(value))
        if saved_text != typed_text:
            result.append((question.text, saved_text or "No answer", typed_text or "No answer"))
    return result


def display_answer(template: AuditTemplate, question, answer: Answer | None) -> str:
    """A stored answer as a person reads it (see `display_value`)."""
    if answer is None:
        return ""
    return display_value(template, question, answer.grade if question.is_graded else answer.value)


def display_value(template: AuditTemplate, question, value) -> str:
    """An answer as a person reads it: the grade's label, "Partly", a UK date, a number as typed.
    `value` is a grade (graded questions) or the stored text (the others)."""
    if value in EMPTY:
        return ""
    if question.is_graded:
        return template.scale.label(int(value))
    if question.type == "yes_partly_no":
        return dict(YES_PARTLY_NO).get(value, value)
    if question.type == "date":
        day = date.fromisoformat(value)
        return f"{day.day} {day:%B %Y}"
    return value
