"""Who may dispute a moderated grade, and who decides.

- The audit's auditor raises a dispute, once, within DISPUTE_WORKING_DAYS working days of the
  moderation being completed (England and Wales working days).
- A third person decides: an active QA lead or moderator who took no part (neither the audit's
  auditor nor its moderator).
- The auditor, the moderator and anyone who may decide see the dispute.
"""

from datetime import date

from qa_app.auth.models import Role
from qa_app.moderation.workflow import ModerationStatus
from qa_app.working_days import add_working_days


def deadline(moderation, window_days: int) -> date | None:
    """The last day a completed moderation's grade may be disputed."""
    if moderation is None or moderation.completed_at is None:
        return None
    return add_working_days(moderation.completed_at.date(), window_days)


def can_raise(user, audit, moderation, existing, *, today: date, window_days: int) -> bool:
    return (existing is None and moderation is not None and moderation.status == ModerationStatus.COMPLETED
            and audit.auditor_id == user.id and bool(user.active)
            and user.has_role(Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD)
            and moderation.overall_grade != audit.overall_grade
            and today <= deadline(moderation, window_days))


def took_part(user, dispute) -> bool:
    return user.id in (dispute.audit.auditor_id, dispute.moderation.moderator_id)


def can_decide(user, dispute) -> bool:
    return (dispute.status == "open" and bool(user.active) and user.has_role(Role.QA_LEAD, Role.MODERATOR)
            and not took_part(user, dispute))


def can_view(user, dispute) -> bool:
    return took_part(user, dispute) or (bool(user.active) and user.has_role(Role.QA_LEAD, Role.MODERATOR))
