"""Who may do what with moderation: small predicates used by services, views and templates alike."""

from qa_app.audits.permissions import can_view_audit
from qa_app.auth.models import Role

MODERATING_ROLES = (Role.MODERATOR, Role.QA_LEAD)


def can_manage_moderation(user) -> bool:
    """Select, assign, add, withdraw, see every moderation and the calibration figures."""
    return user.has_role(Role.QA_LEAD)


def can_be_moderator(user, audit) -> bool:
    """An active moderator or QA lead, and never the audit's own auditor."""
    return bool(user.active and user.has_role(*MODERATING_ROLES)
                and (audit.auditor_id is None or audit.auditor_id != user.id))


def is_assigned_moderator(user, moderation) -> bool:
    """The moderator this moderation is assigned to, still holding a moderating role."""
    return (moderation.moderator_id is not None and moderation.moderator_id == user.id
            and user.has_role(*MODERATING_ROLES) and moderation.audit.auditor_id != user.id)


def can_view_versions(user, audit, moderation) -> bool:
    """The audit's auditor, a QA lead, or its moderator once their own (blind) grades are in."""
    from qa_app.moderation.workflow import ModerationStatus

    if can_view_audit(user, audit):
        return True
    return (moderation is not None and is_assigned_moderator(user, moderation)
            and moderation.status != ModerationStatus.ASSIGNED)


def can_see_result(user, audit) -> bool:
    """The moderation result on an audit's page: whoever may open the audit (its auditor and QA
    leads), nobody else."""
    return can_view_audit(user, audit)
