"""Reminders about audits, queued in the notifications outbox (sent by `notifications send`):

- due soon: to the auditor, from two working days before the audit's round is due;
- overdue: to the auditor, from one working day after it was due;
- escalated: to the auditor's manager (the QA leads when no manager is set), from
  `escalate_after` working days after it was due (OVERDUE_ESCALATION_WORKING_DAYS).

Only audits not yet submitted (not started or in progress), assigned, in a round that is not
cancelled. Each kind is queued once per audit and due date (AuditReminder), so running again
queues nothing twice, and an extended due date earns fresh reminders.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app

from qa_app.audits.models import Audit
from qa_app.audits.workflow import UNDONE_STATES
from qa_app.auth.models import Role, User, UserRole
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.notifications.services import queue
from qa_app.programme.models import AuditReminder
from qa_app.rounds.models import AuditRound, RoundStatus
from qa_app.working_days import add_working_days, working_days_between

DUE_SOON_WORKING_DAYS = 2
OVERDUE_AFTER_WORKING_DAYS = 1
DEFAULT_ESCALATE_AFTER = 5


@dataclass(frozen=True)
class Overdue:
    audit: Audit
    working_days_late: int


def open_audits(today: date | None = None):
    query = (sa.select(Audit).join(AuditRound, AuditRound.id == Audit.round_id)
             .where(Audit.status.in_([s.value for s in UNDONE_STATES]), Audit.auditor_id.is_not(None),
                    AuditRound.status != RoundStatus.CANCELLED))
    if today is not None:   # only those due within the reminder window or already late
        query = query.where(AuditRound.due_date <= add_working_days(today, DUE_SOON_WORKING_DAYS))
    return db.session.scalars(query.order_by(AuditRound.due_date, Audit.id))


def overdue_audits(today: date) -> list[Overdue]:
    """Audits not submitted by their round's due date, most overdue first (for the QA lead's home page)."""
    late = [Overdue(audit, working_days_between(audit.round.due_date, today))
            for audit in open_audits(today) if audit.round.due_date < today]
    return sorted(late, key=lambda o: (-o.working_days_late, o.audit.id))


def _link(audit: Audit) -> str:
    base = current_app.config.get("SERVICE_URL", "").rstrip("/")
    return f"{base}/audits/{audit.id}" if base else f"/audits/{audit.id}"


def _qa_leads() -> list[User]:
    return list(db.session.scalars(sa.select(User).join(UserRole).where(
        UserRole.role == Role.QA_LEAD, User.active.is_(True)).order_by(User.id)))


def send_reminders(*, today: date, escalate_after: int = DEFAULT_ESCALATE_AFTER, actor=None) -> dict[str, int]:
    """Queue every reminder that is due today and not queued before. Returns counts per kind."""
    counts = {"due_soon": 0, "overdue": 0, "escalated": 0}
    sent = {(audit_id, kind, due) for audit_id, kind, due in db.session.execute(
        sa.select(AuditReminder.audit_id, AuditReminder.kind, AuditReminder.due_date))}
    for audit in open_audits(today):
        due = audit.round.due_date
        late = working_days_between(due, today)
        kinds = []
        if due >= today and working_days_between(today, due) <= DUE_SOON_WORKING_DAYS:
            kinds.append("due_soon")
        if late >= OVERDUE_AFTER_WORKING_DAYS:
            kinds.append("overdue")
        if late >= escalate_after:
            kinds.append("escalated")
        for kind in kinds:
            if (audit.id, kind, due) in sent:
                continue
            recipients = _recipients(audit, kind)
            for recipient in recipients:
                queue(recipient, subject=_subject(audit, kind), body=_body(audit, kind, late, recipient),
                      object_type="audits", object_id=audit.id)
            db.session.add(AuditReminder(audit_id=audit.id, kind=kind, due_date=due,
                                         recipient_id=recipients[0].id, sent_on=today))
            record(actor, f"audit.reminder_{kind}", audit, to=[r.email for r in recipients], due=due.isoformat())
            counts[kind] += 1
    return counts


def _recipients(audit: Audit, kind: str) -> list[User]:
    if kind != "escalated":
        return [audit.auditor]
    manager = audit.auditor.manager
    if manager is not None and manager.active:
        return [manager]
    return _qa_leads() or [audit.auditor]


def _subject(audit: Audit, kind: str) -> str:
    reference = audit.case_file.reference
    return {"due_soon": f"Audit of {reference} is due on {audit.round.due_date:%d %B %Y}",
            "overdue": f"Audit of {reference} is overdue",
            "escalated": f"Overdue audit: {reference} ({audit.auditor.display_name})"}[kind]


def _body(audit: Audit, kind: str, late: int, recipient: User) -> str:
    due = f"{audit.round.due_date.day} {audit.round.due_date:%B %Y}"
    if kind == "due_soon":
        opening = f"Your audit of case file {audit.case_file.reference} in '{audit.round.name}' is due by {due}."
    elif kind == "overdue":
        opening = (f"Your audit of case file {audit.case_file.reference} in '{audit.round.name}' was due by {due} "
                   "and has not been submitted.")
    else:
        opening = (f"{audit.auditor.display_name}'s audit of case file {audit.case_file.reference} in "
                   f"'{audit.round.name}' was due by {due} and is {late} working days overdue. You are told "
                   "as their manager.")
    return f"Dear {recipient.display_name},\n\n{opening}\n\nOpen it here: {_link(audit)}\n"
