"""Raising, acknowledging and closing escalations of children at immediate risk.

Times are stored as naive UTC. The acknowledgement deadline is the same working day: a number
of working hours (ESCALATION_ACK_HOURS, default 4) counted within the council's office hours
(OFFICE_HOURS, default 09:00-17:00) on England and Wales working days, in London time, the rest
rolling to the next morning (see escalations.deadlines). It is fixed when the escalation is
raised. An escalation still unacknowledged at its deadline is sent on once (`send_overdue`, run
from cron by `flask escalations remind`): a second reminder to everyone told, and an email to
the head of service.
"""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from qa_app.audits.models import Audit
from qa_app.auth.models import Role, User, UserRole
from qa_app.db import utcnow
from qa_app.errors import NotPermitted, StaleEdit, ValidationFailed
from qa_app.escalations import deadlines
from qa_app.escalations.models import Escalation, EscalationOutcome, EscalationStatus
from qa_app.escalations.permissions import authority_holders, can_raise, has_authority
from qa_app.escalations.workflow import EscalationEvent, next_status
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.notifications.services import queue

MAX_TEXT = 4000
# Outcomes that need a sentence of explanation (the others may have one).
OUTCOMES_NEEDING_A_NOTE = (EscalationOutcome.NO_FURTHER_ACTION, EscalationOutcome.OTHER)


def raise_escalation(audit: Audit, *, actor, reason: str, now: datetime | None = None) -> Escalation:
    """Escalate a child at immediate risk on the audit's case file, and notify at once everyone
    with authority for it (except the actor, who knows).

    Idempotent while unacknowledged: if the audit already has a raised escalation, that one is
    returned and nobody is notified again. NotPermitted unless the actor is the audit's auditor, a
    moderator or a QA lead; ValidationFailed without a reason.
    """
    if not can_raise(actor, audit):
        raise NotPermitted("Only the audit's auditor, a moderator or a QA lead can raise an escalation.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([("immediate_risk_reason", "Say why the child is at immediate risk")])
    existing = open_escalation_of(audit)
    if existing is not None:
        return existing
    case_file = audit.case_file
    raised_at = now or utcnow()
    escalation = Escalation(audit_id=audit.id, case_file_id=case_file.id, raised_by_id=actor.id,
                            raised_at=raised_at, reason=reason[:MAX_TEXT], due_at=acknowledgement_due(raised_at))
    db.session.add(escalation)
    record(actor, "escalation.raised", escalation, audit=audit.id, case=case_file.reference, reason=reason)
    db.session.flush()
    recipients = [user for user in authority_holders(case_file) if user.id != actor.id]
    for user in recipients:
        queue(user, object_type="escalations", object_id=escalation.id,
              subject=f"Child at immediate risk: case file {case_file.reference}",
              body=(f"{actor.display_name} has flagged a child at immediate risk on case file "
                    f"{case_file.reference} ({case_file.team.name}).\n\n"
                    f"Someone with authority for the case must acknowledge it and record the action taken "
                    f"by {deadlines.describe(escalation.due_at)}.\n\nOpen the escalation: "
                    f"{link(f'/escalations/{escalation.id}')}\n\n"
                    "The reason is recorded in the service; it is not sent by email."))
    db.session.flush()
    record(actor, "escalation.notified", escalation, recipients=[user.email for user in recipients])
    return escalation


def told_about(escalation: Escalation) -> list[User]:
    """Everyone an email about the escalation was queued for, by name, each once."""
    from qa_app.notifications.models import Notification

    return list(db.session.scalars(
        sa.select(User).where(User.id.in_(
            sa.select(Notification.recipient_id).where(Notification.object_type == "escalations",
                                                       Notification.object_id == escalation.id)))
        .order_by(User.display_name, User.id)))


def acknowledge(escalation: Escalation, *, actor, action_taken: str, expected_version: int | None,
                now: datetime | None = None) -> None:
    """Record that someone with authority has acted. NotPermitted without authority for the case;
    StaleEdit when someone changed it since the page was loaded; InvalidTransition when already
    acknowledged; ValidationFailed without the action taken."""
    if not has_authority(actor, escalation.case_file):
        raise NotPermitted("Only a team manager of the case's team, a moderator or a QA lead can acknowledge it.")
    if expected_version is not None and expected_version != escalation.version:
        raise StaleEdit("Someone changed this escalation after you opened it. Nothing was saved.")
    status = next_status(escalation.status, EscalationEvent.ACKNOWLEDGE)
    action_taken = (action_taken or "").strip()
    if not action_taken:
        raise ValidationFailed([("action_taken", "Say what action has been taken")])
    if len(action_taken) > MAX_TEXT:
        raise ValidationFailed([("action_taken", f"The action taken must be {MAX_TEXT:,} characters or fewer")])
    now = now or utcnow()
    escalation.status = status
    escalation.acknowledged_by_id = actor.id
    escalation.acknowledged_at = now
    escalation.action_taken = action_taken
    record(actor, "escalation.acknowledged", escalation, action_taken=action_taken,
           after=describe_duration(now - escalation.raised_at), late=now > escalation.due_at)


def record_outcome(escalation: Escalation, *, actor, outcome: str | None, note: str, outcome_on: date | None,
                   today: date, expected_version: int | None, now: datetime | None = None) -> None:
    """Record what came of the escalation, which closes it. NotPermitted without authority for the
    case; StaleEdit when changed since the page was loaded; InvalidTransition before it is
    acknowledged or once closed; ValidationFailed for a missing outcome, a missing reason where the
    outcome needs one (no further action, something else), a missing or future date, or a date
    before it was raised."""
    if not has_authority(actor, escalation.case_file):
        raise NotPermitted("Only a team manager of the case's team, a moderator or a QA lead can record the outcome.")
    if expected_version is not None and expected_version != escalation.version:
        raise StaleEdit("Someone changed this escalation after you opened it. Nothing was saved.")
    status = next_status(escalation.status, EscalationEvent.RECORD_OUTCOME)
    note = (note or "").strip()
    problems = []
    try:
        chosen = EscalationOutcome(outcome) if outcome else None
    except ValueError:
        chosen = None
    if chosen is None:
        problems.append(("outcome", "Choose the outcome"))
    elif chosen in OUTCOMES_NEEDING_A_NOTE and not note:
        problems.append(("note", "Say why no further action is needed" if chosen == EscalationOutcome.NO_FURTHER_ACTION
                         else "Say what the outcome was"))
    if len(note) > MAX_TEXT:
        problems.append(("note", f"The outcome must be {MAX_TEXT:,} characters or fewer"))
    raised_on = deadlines.to_local(escalation.raised_at).date()
    if outcome_on is None:
        problems.append(("outcome_on", "Enter the date of the outcome"))
    elif outcome_on > today:
        problems.append(("outcome_on", "The date of the outcome must be today or in the past"))
    elif outcome_on < raised_on:
        problems.append(("outcome_on", "The date of the outcome must be on or after the day the escalation was raised"))
    if problems:
        raise ValidationFailed(problems)
    escalation.status = status
    escalation.outcome, escalation.outcome_note, escalation.outcome_on = chosen.value, note, outcome_on
    escalation.closed_by_id, escalation.closed_at = actor.id, now or utcnow()
    record(actor, "escalation.closed", escalation, outcome=chosen.value, note=note, outcome_on=outcome_on.isoformat())


def heads_of_service() -> list[User]:
    """The active accounts named in HEAD_OF_SERVICE_EMAILS; the QA leads when none is named."""
    emails = [e.strip().lower() for e in (current_app.config.get("HEAD_OF_SERVICE_EMAILS") or "").split(",")
              if e.strip()]
    query = sa.select(User).where(User.active.is_(True))
    if emails:
        query = query.where(sa.func.lower(User.email).in_(emails))
    else:
        query = query.where(User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == Role.QA_LEAD.value)))
    return list(db.session.scalars(query.order_by(User.display_name, User.id)))


def send_overdue(now: datetime | None = None) -> list[Escalation]:
    """Send on every escalation unacknowledged past its deadline, once each: a second reminder to
    everyone told about it, and an email to the head of service. Returns those sent on."""
    now = now or utcnow()
    overdue = list(db.session.scalars(
        sa.select(Escalation).where(Escalation.status == EscalationStatus.RAISED.value, Escalation.due_at < now,
                                    Escalation.overdue_sent_at.is_(None))
        .order_by(Escalation.due_at, Escalation.id)))
    for escalation in overdue:
        case_file = escalation.case_file
        told = told_about(escalation)
        heads = [user for user in heads_of_service() if user.id not in {t.id for t in told}]
        waited = describe_duration(now - escalation.raised_at)
        for user in told:
            queue(user, object_type="escalations", object_id=escalation.id,
                  subject=f"Second reminder: child at immediate risk, case file {case_file.reference}",
                  body=(f"The escalation for case file {case_file.reference} ({case_file.team.name}) has not been "
                        f"acknowledged after {waited}. It was due by {deadlines.describe(escalation.due_at)}, and "
                        f"the head of service has been told.\n\nOpen the escalation: "
                        f"{link(f'/escalations/{escalation.id}')}"))
        for user in heads:
            queue(user, object_type="escalations", object_id=escalation.id,
                  subject=f"Overdue: child at immediate risk, case file {case_file.reference}",
                  body=(f"A child on case file {case_file.reference} ({case_file.team.name}) was flagged at "
                        f"immediate risk by {escalation.raised_by.display_name}, and nobody with authority for the "
                        f"case has acknowledged it after {waited} (it was due by "
                        f"{deadlines.describe(escalation.due_at)}).\n\nOpen the escalation: "
                        f"{link(f'/escalations/{escalation.id}')}"))
        escalation.overdue_sent_at = now
        record(None, "escalation.overdue_sent", escalation, reminded=[u.email for u in told],
               head_of_service=[u.email for u in heads])
    db.session.flush()
    return overdue


def open_escalation_of(audit: Audit) -> Escalation | None:
    return db.session.scalar(sa.select(Escalation).where(
        Escalation.audit_id == audit.id, Escalation.status == EscalationStatus.RAISED.value))


# --- time ---------------------------------------------------------------------------------

def acknowledgement_due(raised_at: datetime) -> datetime:
    """The deadline (naive UTC) for one raised at `raised_at`, under the council's settings."""
    config = current_app.config
    return deadlines.acknowledgement_due(raised_at, deadlines.parse_hours(config["ESCALATION_ACK_HOURS"]),
                                         deadlines.OfficeHours.parse(config["OFFICE_HOURS"]))


def is_overdue(escalation: Escalation, now: datetime) -> bool:
    return escalation.status == EscalationStatus.RAISED and now > escalation.due_at


def waiting(escalation: Escalation, now: datetime) -> timedelta:
    """How long it has been (or was) unacknowledged."""
    end = escalation.acknowledged_at or now
    return max(end - escalation.raised_at, timedelta(0))


def describe_duration(delta: timedelta) -> str:
    """'less than a minute', '5 minutes', '3 hours', '1 day and 4 hours' (rounded down)."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 60:
        return _plural(minutes, "minute")
    hours = minutes // 60
    if hours < 24:
        return _plural(hours, "hour")
    days, hours = divmod(hours, 24)
    return _plural(days, "day") + (f" and {_plural(hours, 'hour')}" if hours else "")


def link(path: str) -> str:
    """A link for an email: SERVICE_URL (when configured) and the path."""
    return (current_app.config.get("SERVICE_URL") or "").rstrip("/") + path


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
