"""Raising and acknowledging escalations of children at immediate risk, and their deadlines.

Times are stored as naive UTC. The deadline is a working-day rule, so it is worked out on the
London calendar: raised at 23:30 UTC on a summer Thursday is 00:30 on Friday in London, and must
be acknowledged by the end of Monday (London time), not the end of Friday.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from qa_app.audits.models import Audit
from qa_app.db import utcnow
from qa_app.errors import NotPermitted, StaleEdit, ValidationFailed
from qa_app.escalations.models import Escalation, EscalationStatus
from qa_app.escalations.permissions import authority_holders, can_raise, has_authority
from qa_app.escalations.workflow import EscalationEvent, next_status
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.notifications.services import queue
from qa_app.working_days import end_of_next_working_day

LONDON = ZoneInfo("Europe/London")
MAX_TEXT = 4000


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
    escalation = Escalation(audit_id=audit.id, case_file_id=case_file.id, raised_by_id=actor.id,
                            raised_at=now or utcnow(), reason=reason[:MAX_TEXT])
    db.session.add(escalation)
    record(actor, "escalation.raised", escalation, audit=audit.id, case=case_file.reference, reason=reason)
    recipients = [user for user in authority_holders(case_file) if user.id != actor.id]
    path = f"/escalations/{escalation.id}"
    deadline = uk_deadline(acknowledge_by(escalation))
    for user in recipients:
        queue(user, object_type="escalations", object_id=escalation.id,
              subject=f"Child at immediate risk: case file {case_file.reference}",
              body=(f"{actor.display_name} has flagged a child at immediate risk on case file "
                    f"{case_file.reference} ({case_file.team.name}).\n\n"
                    f"Someone with authority for the case must acknowledge it and record the action taken "
                    f"by {deadline}.\n\nOpen the escalation: {link(path)}\n\n"
                    "The reason is recorded in the service; it is not sent by email."))
    db.session.flush()
    record(actor, "escalation.notified", escalation, recipients=[user.email for user in recipients])
    return escalation


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
           after=describe_duration(now - escalation.raised_at), late=now > acknowledge_by(escalation))


def open_escalation_of(audit: Audit) -> Escalation | None:
    return db.session.scalar(sa.select(Escalation).where(
        Escalation.audit_id == audit.id, Escalation.status == EscalationStatus.RAISED.value))


# --- time ---------------------------------------------------------------------------------

def acknowledge_by(escalation: Escalation) -> datetime:
    """The deadline (naive UTC): the end of the next working day after the London day it was raised."""
    local = escalation.raised_at.replace(tzinfo=UTC).astimezone(LONDON).replace(tzinfo=None)
    deadline = end_of_next_working_day(local).replace(tzinfo=LONDON)
    return deadline.astimezone(UTC).replace(tzinfo=None)


def is_overdue(escalation: Escalation, now: datetime) -> bool:
    return escalation.status == EscalationStatus.RAISED and now > acknowledge_by(escalation)


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


def uk_deadline(moment: datetime) -> str:
    """A naive UTC deadline as people read it: 'the end of Monday 6 April 2026'."""
    local = moment.replace(tzinfo=UTC).astimezone(LONDON)
    return f"the end of {local:%A} {local.day} {local:%B %Y}"


def link(path: str) -> str:
    """A link for an email: SERVICE_URL (when configured) and the path."""
    return (current_app.config.get("SERVICE_URL") or "").rstrip("/") + path


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
