"""Authority for a child's case: who is told about an escalation and may acknowledge it.

Authority: the case file's team managers (active auditors in its team, and the team manager the
case file is linked to by identity, `qa_app.cases.people`), moderators and QA leads. The case's
allocated worker, linked by identity, is told too and may open the escalation, but does not
acknowledge it: that is for someone with authority over the case.
"""

import sqlalchemy as sa

from qa_app.actions.permissions import AUDITING_ROLES, is_team_manager
from qa_app.auth.models import Role, User, UserRole
from qa_app.extensions import db


# Who may be told about and act on escalations: the people with authority for some case.
AUTHORITY_ROLES = (Role.QA_LEAD, Role.MODERATOR, Role.AUDITOR)


def is_linked_manager(user, case_file) -> bool:
    """The team manager the case file is linked to (by email or a confirmed name, never a guess)."""
    return (case_file.manager_id is not None and case_file.manager_id == user.id and bool(user.active)
            and user.has_role(Role.AUDITOR))


def is_linked_worker(user, case_file) -> bool:
    return (case_file.worker_id is not None and case_file.worker_id == user.id and bool(user.active)
            and user.has_role(Role.PRACTITIONER))


def has_authority(user, case_file) -> bool:
    return bool(user.active) and (user.has_role(Role.QA_LEAD, Role.MODERATOR) or is_team_manager(user, case_file)
                                  or is_linked_manager(user, case_file))


def case_people(case_file) -> list[User]:
    """The case's allocated worker and team manager, as linked by identity, when their accounts can
    act on the link (active, with the worker's or the manager's role)."""
    people = []
    if case_file.worker is not None and is_linked_worker(case_file.worker, case_file):
        people.append(case_file.worker)
    if case_file.manager is not None and is_linked_manager(case_file.manager, case_file):
        people.append(case_file.manager)
    return people


def people_to_tell(case_file) -> list[User]:
    """Everyone told when a child on the case file is flagged at immediate risk: everyone with
    authority for it, and the case's linked worker and team manager, each once, by name."""
    by_id = {user.id: user for user in authority_holders(case_file)}
    for user in case_people(case_file):
        by_id.setdefault(user.id, user)
    return sorted(by_id.values(), key=lambda user: (user.display_name, user.id))


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
    return (has_authority(user, escalation.case_file) or escalation.raised_by_id == user.id
            or is_linked_worker(user, escalation.case_file))
