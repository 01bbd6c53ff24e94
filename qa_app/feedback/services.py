"""Recording family and child feedback: plain functions with an explicit actor; flush, never commit."""

from datetime import date

import sqlalchemy as sa

from qa_app.audit_forms.schema import YES_PARTLY_NO
from qa_app.audits.models import Audit
from qa_app.cases.models import CaseFile
from qa_app.errors import DomainError, NotPermitted, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.feedback.models import FeedbackAnswer, FeedbackRecord, Method, Respondent
from qa_app.feedback.permissions import can_record_on, can_record_standalone
from qa_app.history.services import record
from qa_app.rounds.models import AuditRound

MAX_TEXT = 4000
ANSWERS = {key for key, _ in YES_PARTLY_NO}


def answer_field(key: str) -> str:
    return f"f_{key}"


def check(template, *, respondent, method, consent, received_on, answers: dict, what_changed: str,
          today: date | None) -> tuple[dict[str, str], str, list[tuple[str, str]]]:
    """(clean answers, clean 'what changed', problems as (field, message)). Every question is optional,
    but the record must hold something: at least one answer, or the family's view of what changed."""
    problems: list[tuple[str, str]] = []
    if respondent not in {r.value for r in Respondent}:
        problems.append(("respondent", "Choose who gave the feedback"))
    if method not in {m.value for m in Method}:
        problems.append(("method", "Choose how the feedback was given"))
    if not consent:
        problems.append(("consent", "Record feedback only when the person agreed to give it: tick to confirm they did"))
    if received_on is None:
        problems.append(("received_on", "Enter the date the feedback was given"))
    elif today is not None and received_on > today:
        problems.append(("received_on", "The date the feedback was given must be today or in the past"))
    clean: dict[str, str] = {}
    section = template.feedback
    for question in section.questions if section else ():
        value = (answers.get(question.key) or "").strip()
        if not value:
            continue
        if question.type == "yes_partly_no" and value not in ANSWERS:
            problems.append((answer_field(question.key), f"Choose an answer for: {question.text}"))
        elif len(value) > MAX_TEXT:
            problems.append((answer_field(question.key), f"The answer must be {MAX_TEXT:,} characters or fewer"))
        else:
            clean[question.key] = value
    what_changed = (what_changed or "").strip()
    if len(what_changed) > MAX_TEXT:
        problems.append(("what_changed", f"This must be {MAX_TEXT:,} characters or fewer"))
    if not clean and not what_changed and not any(field.startswith("f_") for field, _ in problems):
        problems.append(("what_changed", "Record at least one answer, or the family's view of what has changed"))
    return clean, what_changed, problems


def save_feedback(existing: FeedbackRecord | None, *, actor, case_file: CaseFile, round_: AuditRound,
                  audit: Audit | None, respondent: str | None, method: str | None, consent: bool,
                  received_on: date | None, answers: dict, what_changed: str, today: date,
                  expected_version: int | None = None) -> FeedbackRecord:
    """Record what a child, parent or carer said (or correct an earlier record), against the
    feedback questions of the round's template.

    NotPermitted unless the actor is the audit's auditor or a QA lead (a QA lead alone for feedback
    with no audit); DomainError when the template has no feedback section; StaleEdit when the record
    changed since it was opened; ValidationFailed for a missing respondent, way or date, a date in
    the future, no consent, an unknown answer, overlong text, or a record that holds nothing.
    """
    if audit is not None and not can_record_on(actor, audit):
        raise NotPermitted("Only the audit's auditor or a QA lead can record feedback on this audit.")
    if audit is None and not can_record_standalone(actor):
        raise NotPermitted("Only a QA lead can type in feedback collected on its own.")
    version = audit.template_version if audit is not None else round_.template_version
    if version.template.feedback is None:
        raise DomainError(f"The template '{version.title}' has no feedback questions.")
    if existing is not None and expected_version is not None and existing.version != expected_version:
        raise StaleEdit("Someone changed this feedback after you opened it. Nothing was saved: check it and "
                        "try again.")
    clean, what_changed, problems = check(version.template, respondent=respondent, method=method, consent=consent,
                                          received_on=received_on, answers=answers, what_changed=what_changed,
                                          today=today)
    if problems:
        raise ValidationFailed(problems)
    values = {"respondent": respondent, "method": method, "consent": True, "received_on": received_on,
              "what_changed": what_changed}
    if existing is None:
        existing = FeedbackRecord(case_file_id=case_file.id, audit_id=audit.id if audit else None,
                                  round_id=round_.id, template_version_id=version.id, recorded_by_id=actor.id,
                                  answers=_answers(version.template, clean),
                                  **values)
        db.session.add(existing)
        record(actor, "family_feedback.recorded", existing, case=case_file.reference, audit=existing.audit_id,
               round=round_.id, answers=clean, **values)
        return existing
    before = existing.answer_map()
    changes = {k: [getattr(existing, k), v] for k, v in values.items() if getattr(existing, k) != v}
    if before != clean:
        changes["answers"] = [before, clean]
        existing.answers = _answers(version.template, clean)
    for key, value in values.items():
        setattr(existing, key, value)
    if changes:
        record(actor, "family_feedback.changed", existing, **changes)
    return existing


def record_existing(*, case_file: CaseFile, round_: AuditRound, audit: Audit | None, template_version,
                    respondent: str, method: str, received_on: date, answers: dict[str, str], what_changed: str,
                    recorded_by_id: int | None) -> FeedbackRecord:
    """Feedback brought in from a results workbook, stored as it was given (consent was recorded
    where it was collected). DomainError for what `check` refuses, named in one sentence."""
    if template_version.template.feedback is None:
        raise DomainError(f"The template '{template_version.title}' has no feedback questions.")
    clean, what_changed, problems = check(template_version.template, respondent=respondent, method=method,
                                          consent=True, received_on=received_on, answers=answers,
                                          what_changed=what_changed, today=None)
    if problems:
        raise DomainError("; ".join(message for _, message in problems))
    feedback = FeedbackRecord(case_file_id=case_file.id, audit_id=audit.id if audit else None, round_id=round_.id,
                              template_version_id=template_version.id, respondent=respondent, method=method,
                              consent=True, received_on=received_on, what_changed=what_changed,
                              recorded_by_id=recorded_by_id,
                              answers=_answers(template_version.template, clean))
    db.session.add(feedback)
    return feedback


def _answers(template, clean: dict[str, str]) -> list[FeedbackAnswer]:
    return [FeedbackAnswer(question_key=key, value=value,
                           scored=template.feedback.question(key).type == "yes_partly_no")
            for key, value in clean.items()]


def records_of_audit(audit_id: int) -> list[FeedbackRecord]:
    return list(db.session.scalars(sa.select(FeedbackRecord).where(FeedbackRecord.audit_id == audit_id)
                                   .order_by(FeedbackRecord.received_on, FeedbackRecord.id)))
