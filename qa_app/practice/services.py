"""Writing practice feedback: releasing audits to the case's people, their response and the feedback
conversation. Plain functions with an explicit actor; they flush, never commit."""

from datetime import date

import sqlalchemy as sa
from flask import current_app

from qa_app.audits.models import Audit
from qa_app.audits.workflow import SUBMITTED_STATES, AuditStatus
from qa_app.auth.models import User
from qa_app.db import utcnow
from qa_app.errors import DomainError, NotPermitted, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.moderation.selection import Candidate, ModerationRule, mandatory_reason
from qa_app.notifications.services import queue
from qa_app.practice.models import (
    Agreement, ConversationMethod, DoneWithWorker, FeedbackConversation, Release, ReleaseReason, WorkerResponse,
)
from qa_app.practice.permissions import (
    can_record_conversation, can_release_by_hand, can_respond, is_case_manager, is_case_worker,
)

MAX_TEXT = 4000
STALE = "Someone saved this after you opened it. Nothing you entered has been saved: check it and try again."


# --- releasing ------------------------------------------------------------------------------------

def case_people(audit: Audit) -> list[User]:
    """The accounts that see a released audit: its case's worker and team manager, when linked and allowed."""
    case = audit.case_file
    people = [user for user in (case.worker, case.manager) if user is not None
              and (is_case_worker(user, case) or is_case_manager(user, case))]
    return list(dict.fromkeys(people))


def _link(path: str) -> str:
    return (current_app.config.get("SERVICE_URL") or "").rstrip("/") + path


def release(audit: Audit, reason: ReleaseReason, *, actor, notify: bool = True, when=None) -> Release | None:
    """Release a submitted audit to its case's people: they may read it from now on, it is listed on
    their home page, and (with `notify`) each is sent an email through the outbox. Releasing again
    does nothing, except that a moderation completed after an earlier release tells them the
    moderated result is ready. Returns the release (None when nothing changed).

    DomainError when the audit has not been submitted.
    """
    if audit.status not in SUBMITTED_STATES:
        raise DomainError("Only a submitted audit can be released to the case's people.")
    existing = db.session.scalar(sa.select(Release).where(Release.audit_id == audit.id))
    people = case_people(audit)
    reference = audit.case_file.reference
    if existing is not None:
        if reason != ReleaseReason.MODERATED or existing.reason == ReleaseReason.MODERATED:
            return None
        if notify:
            for user in people:
                queue(user, object_type="audits", object_id=audit.id,
                      subject=f"Moderated result: audit of case file {reference}",
                      body=(f"The audit of case file {reference} ({audit.round.name}) has been moderated. "
                            f"The moderated grades and the moderator's reasons are now on the audit.\n\n"
                            f"Read it: {_link(f'/audits/{audit.id}')}"))
        existing.reason = ReleaseReason.MODERATED.value
        existing.told = list(existing.told or []) + [user.email for user in people if user.email not in
                                                     (existing.told or [])]
        record(actor, "audit.moderated_result_released", audit, told=[user.email for user in people])
        return existing
    told = []
    if notify:
        for user in people:
            queue(user, object_type="audits", object_id=audit.id,
                  subject=f"Audit of case file {reference}: the findings are ready",
                  body=(f"The audit of case file {reference} ({audit.round.name}) is finished and has been "
                        f"released to you as the case's "
                        f"{'allocated worker' if user.id == audit.case_file.worker_id else 'team manager'}.\n\n"
                        f"Read the findings: {_link(f'/audits/{audit.id}')}\n\n"
                        "The findings are in the service; they are not sent by email."))
            told.append(user.email)
    entry = Release(audit_id=audit.id, reason=reason.value, released_at=when or utcnow(),
                    released_by_id=getattr(actor, "id", None), told=told)
    db.session.add(entry)
    record(actor, "audit.released", audit, reason=reason.value, told=told)
    return entry


def release_by_hand(audit: Audit, *, actor) -> Release:
    """A QA lead releases a submitted audit now (the round's moderation will not come to it).
    NotPermitted for anyone else or an audit already released."""
    if not can_release_by_hand(actor, audit):
        raise NotPermitted("Only a QA lead can release a submitted audit that has not been released.")
    return release(audit, ReleaseReason.BY_HAND, actor=actor)


def could_be_moderated(audit: Audit) -> bool:
    """Whether the round's moderation rule might select this audit: its percentage is above 0, or its
    grade or risk flag is one the rule always moderates."""
    round_ = audit.round
    rule = ModerationRule.from_round(round_)
    if rule.percent > 0:
        return True
    candidate = Candidate(audit_id=audit.id, auditor_id=audit.auditor_id or 0,
                          overall_grade=audit.overall_grade, immediate_risk=bool(audit.immediate_risk))
    return mandatory_reason(candidate, rule, round_.template_version.template.scale) is not None


def after_submission(audit: Audit, actor) -> str | None:
    """A first submission the round could never moderate is released at once."""
    if audit.status != AuditStatus.SUBMITTED or could_be_moderated(audit):
        return None
    if release(audit, ReleaseReason.NO_MODERATION, actor=actor) is None:
        return None
    people = case_people(audit)
    return (f"It has been released to {' and '.join(u.display_name for u in people)}." if people
            else "It has been released, but its case file is not linked to a worker or team manager yet.")


def release_not_selected(round_, actor) -> int:
    """After a selection run: every submitted audit of the round it did not choose is released."""
    audits = db.session.scalars(sa.select(Audit).where(
        Audit.round_id == round_.id, Audit.status == AuditStatus.SUBMITTED,
        Audit.id.not_in(sa.select(Release.audit_id))))
    released = 0
    for audit in audits:
        released += release(audit, ReleaseReason.NOT_SELECTED, actor=actor) is not None
    return released


def moderation_completed(moderation, actor) -> None:
    release(moderation.audit, ReleaseReason.MODERATED, actor=actor)


def moderation_withdrawn(moderation, actor) -> None:
    """Taken out of the sample: it will not be moderated, so it is released as not selected."""
    release(moderation.audit, ReleaseReason.NOT_SELECTED, actor=actor)


# --- the worker's response and the feedback conversation -------------------------------------------

def _text(value, field: str, problems: list, *, required: str | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        problems.append((field, required))
    elif len(value) > MAX_TEXT:
        problems.append((field, f"This must be {MAX_TEXT:,} characters or fewer"))
    return value


def respond(audit: Audit, *, actor, agreement: str | None, will_do: str, comments: str,
            expected_version: int | None) -> WorkerResponse:
    """The allocated worker's response to a released audit: whether they agree with the findings,
    what they will do, and comments. Saving again replaces it (every version is in the history).

    NotPermitted unless the actor is the case's allocated worker and the audit is released;
    StaleEdit when it changed since the form was loaded; ValidationFailed without an answer to
    "do you agree", without what they will do, or for text over 4,000 characters.
    """
    if not can_respond(actor, audit):
        raise NotPermitted("Only the case's allocated worker can respond, once the audit is released to them.")
    existing = db.session.scalar(sa.select(WorkerResponse).where(WorkerResponse.audit_id == audit.id))
    if existing is not None and expected_version is not None and existing.version != expected_version:
        raise StaleEdit(STALE)
    problems: list[tuple[str, str]] = []
    if agreement not in {a.value for a in Agreement}:
        problems.append(("agreement", "Say whether you agree with the findings"))
    will_do = _text(will_do, "will_do", problems, required="Say what you will do")
    comments = _text(comments, "comments", problems)
    if problems:
        raise ValidationFailed(problems)
    if existing is None:
        existing = WorkerResponse(audit_id=audit.id, worker_id=actor.id, agreement=agreement, will_do=will_do,
                                  comments=comments)
        db.session.add(existing)
        record(actor, "worker_response.recorded", audit, agreement=agreement, will_do=will_do, comments=comments)
        return existing
    before = {"agreement": existing.agreement, "will_do": existing.will_do, "comments": existing.comments}
    after = {"agreement": agreement, "will_do": will_do, "comments": comments}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        existing.agreement, existing.will_do, existing.comments = agreement, will_do, comments
        existing.worker_id, existing.updated_at = actor.id, utcnow()
        record(actor, "worker_response.changed", audit, **changes)
    return existing


def record_conversation(audit: Audit, *, actor, held_on: date | None, attendees: str, method: str | None,
                        notes: str, today: date, expected_version: int | None) -> FeedbackConversation:
    """Record that the findings were talked through with the worker: when, who was there and how.
    Recording again corrects it (every version is in the history).

    NotPermitted unless the actor is the audit's auditor, the case's team manager or a QA lead and
    the audit is released; StaleEdit; ValidationFailed for a missing or future date, a date before
    the audit was submitted, nobody named, an unknown way, or text over 4,000 characters.
    """
    if not can_record_conversation(actor, audit):
        raise NotPermitted("Only the audit's auditor, the case's team manager or a QA lead can record the "
                           "feedback conversation, once the audit is released.")
    existing = db.session.scalar(sa.select(FeedbackConversation).where(FeedbackConversation.audit_id == audit.id))
    if existing is not None and expected_version is not None and existing.version != expected_version:
        raise StaleEdit(STALE)
    problems: list[tuple[str, str]] = []
    if held_on is None:
        problems.append(("held_on", "Enter the date the conversation took place"))
    elif held_on > today:
        problems.append(("held_on", "The date of the conversation must be today or in the past"))
    elif audit.submitted_at and held_on < audit.submitted_at.date():
        problems.append(("held_on", "The conversation cannot be before the audit was submitted "
                                    f"({audit.submitted_at.day} {audit.submitted_at:%B %Y})"))
    attendees = _text(attendees, "attendees", problems, required="Say who was there")
    if method not in {m.value for m in ConversationMethod}:
        problems.append(("method", "Choose how the conversation took place"))
    notes = _text(notes, "notes", problems)
    if problems:
        raise ValidationFailed(problems)
    values = {"held_on": held_on, "attendees": attendees, "method": method, "notes": notes}
    if existing is None:
        existing = FeedbackConversation(audit_id=audit.id, recorded_by_id=actor.id, **values)
        db.session.add(existing)
        record(actor, "feedback_conversation.recorded", audit, **values)
        return existing
    changes = {k: [getattr(existing, k), v] for k, v in values.items() if getattr(existing, k) != v}
    if changes:
        for key, value in values.items():
            setattr(existing, key, value)
        existing.recorded_by_id, existing.recorded_at = actor.id, utcnow()
        record(actor, "feedback_conversation.changed", audit, **changes)
    return existing


def set_done_with_worker(audit: Audit, done: bool, *, actor) -> bool:
    """Mark (or unmark) the audit as done with the case holder; True when it changed."""
    existing = db.session.get(DoneWithWorker, audit.id)
    if bool(existing) == bool(done):
        return False
    if done:
        db.session.add(DoneWithWorker(audit_id=audit.id, marked_by_id=getattr(actor, "id", None)))
    else:
        db.session.delete(existing)
    record(actor, "audit.done_with_worker" if done else "audit.not_done_with_worker", audit)
    return True


def record_existing(audit: Audit, *, released_at, reason: str | None, done_with_worker: bool,
                    response: tuple | None, conversation: tuple | None) -> None:
    """What happened after an audit elsewhere (a results workbook), stored as it was: its release
    (nobody is told again), the worker's response (worker, agreement, will do, comments) and the
    feedback conversation (held on, attendees, method, notes, recorded by)."""
    if released_at is not None and reason:
        db.session.add(Release(audit_id=audit.id, reason=ReleaseReason(reason).value, released_at=released_at,
                               told=[]))
    if done_with_worker:
        db.session.add(DoneWithWorker(audit_id=audit.id, marked_at=released_at or utcnow()))
    if response is not None:
        worker, agreement, will_do, comments = response
        db.session.add(WorkerResponse(audit_id=audit.id, worker_id=worker.id, agreement=Agreement(agreement).value,
                                      will_do=will_do, comments=comments, created_at=released_at,
                                      updated_at=released_at))
    if conversation is not None:
        held_on, attendees, method, notes, recorder = conversation
        db.session.add(FeedbackConversation(audit_id=audit.id, held_on=held_on, attendees=attendees,
                                            method=ConversationMethod(method).value, notes=notes,
                                            recorded_by_id=recorder.id if recorder else audit.auditor_id))
