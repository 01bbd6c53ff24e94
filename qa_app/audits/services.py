"""Writing audits: saving drafts and submitting, with the grading rules."""

from datetime import date
from decimal import Decimal

from qa_app.audit_forms.schema import YES_PARTLY_NO, AuditTemplate, overall_grade_problem
from qa_app.audits.forms import answer_field, evidence_field
from qa_app.audits.models import Answer, Audit, AuditVersion
from qa_app.audits.workflow import AuditEvent, next_status
from qa_app.auth.permissions import can_edit_audit
from qa_app.db import utcnow
from qa_app.errors import NotPermitted, StaleEdit, ValidationFailed
from qa_app.escalations.services import raise_escalation
from qa_app.history.services import record
from qa_app.reviews import services as reviews

EMPTY = (None, "")


def submission_problems(template: AuditTemplate, answers: dict[str, dict], overall_grade: int | None,
                        ) -> list[tuple[str, str]]:
    """Every reason the audit cannot be submitted, as (form field, message), in template order.

    Required questions need an answer; a grade the scale marks as needing evidence (Requires
    improvement or Inadequate on the default scale) needs evidence text; the overall grade is
    required and can be no better than the worst limiting answer.
    """
    problems = []
    scale = template.scale
    for question in template.questions():
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
                  if a.get("value") not in EMPTY and k in _graded_keys(template)}
        message = overall_grade_problem(template, overall_grade, graded)
        if message:
            problems.append(("overall_grade", message))
    return problems


def save_audit(audit: Audit, *, actor, answers: dict[str, dict], overall_grade: int | None,
               overall_summary: str, immediate_risk: bool, immediate_risk_reason: str,
               expected_version: int, submit: bool, review_checks: dict[str, dict] | None = None,
               verify_action_ids: list[int] | tuple = ()) -> list[str]:
    """Save the auditor's answers as a draft, or submit them.

    A review (follow-up) audit also saves its `review_checks` ({question key: {"in_place",
    "evidence"}}); submitting it needs every check answered, and verifies the done actions in
    `verify_action_ids` (see reviews.services). Flagging a child at immediate risk escalates at
    once (see escalations.services.raise_escalation), in a draft too.

    Raises NotPermitted (not the assigned auditor), StaleEdit (someone saved since the form was
    loaded), InvalidTransition (the audit can no longer be edited) and ValidationFailed (the
    submission rules, or a flagged risk without a reason). Returns the keys of changed answers.
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
    review = reviews.review_context(audit)
    verify_action_ids = list(verify_action_ids) if submit else []
    if review is not None:
        problems.extend(reviews.check_problems(review, review_checks or {}, verify_action_ids, actor, submit))
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
    if submit:
        audit.submitted_at = now
        _snapshot(audit, actor, now)
    overall_changes = {name: [old, new] for name, old, new in zip(
        ("overall_grade", "overall_summary", "immediate_risk", "immediate_risk_reason"), before, after)
        if old != new}
    record(actor, "audit.submitted" if submit else "audit.draft_saved", audit,
           answers=changed, **overall_changes)
    if review is not None:
        reviews.store_checks(review, review_checks or {}, actor=actor, verify_action_ids=verify_action_ids)
    if audit.immediate_risk and ("immediate_risk" in overall_changes):
        record(actor, "audit.immediate_risk_flagged", audit, reason=audit.immediate_risk_reason)
        raise_escalation(audit, actor=actor, reason=audit.immediate_risk_reason)
    return list(changed)


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


def _store_answers(audit: Audit, template: AuditTemplate, answers: dict[str, dict]) -> dict[str, dict]:
    existing = audit.answer_map()
    changes = {}
    for question in template.questions():
        given = answers.get(question.key, {})
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
    """(question, saved answer, typed answer) where what the user typed differs from the saved audit."""
    template = audit.template
    saved = audit.answer_map()
    result = []
    for question in template.questions():
        answer = saved.get(question.key)
        saved_text = display_answer(template, question, answer)
        value = typed.get(question.key, {}).get("value")
        typed_text = "" if value in EMPTY else (
            template.scale.label(int(value)) if question.is_graded else _as_text(value))
        if saved_text != typed_text:
            result.append((question.text, saved_text or "No answer", typed_text or "No answer"))
    return result


def display_answer(template: AuditTemplate, question, answer: Answer | None) -> str:
    """An answer as a person reads it: the grade's label, "Partly", a UK date …"""
    if answer is None:
        return ""
    if question.is_graded:
        return template.scale.label(answer.grade) if answer.grade is not None else ""
    if question.type == "yes_partly_no":
        return dict(YES_PARTLY_NO).get(answer.value, answer.value)
    if question.type == "date" and answer.value:
        day = date.fromisoformat(answer.value)
        return f"{day.day} {day:%B %Y}"
    return answer.value
