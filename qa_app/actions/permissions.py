"""Who may do what with actions and reflections: small predicates for views, services and templates.

- The people who *check* an audit's actions (create them, verify or reopen them): a QA lead; the
  audit's own auditor; the moderator assigned to moderate it; the auditor of a follow-up (review)
  audit of it.
- The owner marks their own action done; nobody verifies an action they own.
- A team manager (an active auditor in the case file's team) sees the actions on their team's files.
- The allocated worker (the practitioner the case file is linked to: `qa_app.cases.people`, by
  identity, never by a matching name) may add a reflection to a submitted audit of their case
  when the round allows reflections.
"""

import sqlalchemy as sa

from qa_app.audits.models import Audit
from qa_app.audits.workflow import SUBMITTED_STATES
from qa_app.auth.models import Role
from qa_app.extensions import db
from qa_app.moderation.models import Moderation

AUDITING_ROLES = (Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD)


def is_audit_moderator(user, audit: Audit) -> bool:
    if not user.has_role(Role.MODERATOR, Role.QA_LEAD):
        return False
    return db.session.scalar(sa.select(Moderation.id).where(
        Moderation.audit_id == audit.id, Moderation.moderator_id == user.id)) is not None


def is_reviewing_auditor(user, audit: Audit) -> bool:
    """The user audits a follow-up audit of `audit`."""
    if not user.has_role(*AUDITING_ROLES):
        return False
    return db.session.scalar(sa.select(Audit.id).where(
        Audit.reviews_audit_id == audit.id, Audit.auditor_id == user.id)) is not None


def can_check_actions(user, audit: Audit) -> bool:
    """Create, verify and reopen the actions of `audit`."""
    if not getattr(user, "is_authenticated", True) or not user.active:
        return False
    if user.has_role(Role.QA_LEAD):
        return True
    if audit.auditor_id == user.id and user.has_role(*AUDITING_ROLES):
        return True
    return is_audit_moderator(user, audit) or is_reviewing_auditor(user, audit)


def is_team_manager(user, case_file) -> bool:
    """A team manager of the case file's team: an active auditor in that team."""
    return (user.active and user.has_role(Role.AUDITOR) and user.team_id is not None
            and user.team_id == case_file.team_id)


def can_view_action(user, action) -> bool:
    return (action.owner_id == user.id or can_check_actions(user, action.audit)
            or is_team_manager(user, action.audit.case_file))


def can_view_actions_of(user, audit: Audit) -> bool:
    """See the list of an audit's actions (the panel on the audit's page)."""
    return can_check_actions(user, audit) or is_team_manager(user, audit.case_file)


def is_allocated_worker(user, case_file) -> bool:
    return (case_file.worker_id is not None and case_file.worker_id == user.id and user.active
            and user.has_role(Role.PRACTITIONER))


def can_reflect(user, audit: Audit) -> bool:
    return (audit.round.reflections_enabled and audit.status in SUBMITTED_STATES
            and is_allocated_worker(user, audit.case_file))
