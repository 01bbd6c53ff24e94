"""Authority for a child's case: who is told about an escalation and may acknowledge it.

The case file's team managers (active auditors in its team), moderators and QA leads.
"""

import sqlalchemy as sa

from qa_app.actions.permissions import AUDITING_ROLES, is_team_manager
from qa_app.auth.models import Role, User, UserRole
from qa_app.extensions import db


# Who may be told about and act on escalations: the people with authority for some case.
AUTHORITY_ROLES = (Role.QA_LEAD, Role.MODERATOR, Role.AUDITOR)


def has_authority(user, case_file) -> bool:
    return bool(user.active) and (user.has_role(Role.QA_LEAD, Role.MODERATOR) or is_team_manager(user, case_file))


def authority_holders(case_file) -> list[User]:
    """Everyone with authority for the case file, by name."""
    service_wide = sa.select(UserRole.user_id).where(UserRole.role.in_([Role.QA_LEAD.value, Role.MODERATOR.value]))
    team_managers = sa.select(UserRole.user_id).join(User, User.id == UserRole.user_id).where(
        UserRole.role == Role.AUDITOR.value, User.team_id == case_file.team_id)
    return list(db.session.scalars(
        sa.select(User).where(User.active.is_(True), sa.or_(User.id.in_(service_wide), User.id.in_(team_managers)))
        .order_by(User.display_name, User.id)
    ))


def can_raise(user, audit) -> bool:
    """The audit's own auditor, or a moderator or QA lead."""
    if not user.active:
        return False
    return user.has_role(Role.MODERATOR, Role.QA_LEAD) or (
        audit.auditor_id == user.id and user.has_role(*AUDITING_ROLES))


def can_view_escalation(user, escalation) -> bool:
    return has_authority(user, escalation.case_file) or escalation.raised_by_id == user.id
