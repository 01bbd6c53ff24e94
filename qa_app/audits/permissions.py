"""Who may see and change an audit: small predicates used by views, services and templates alike."""

from qa_app.auth.models import Role

# Roles that may see any audit's content.
SEE_ALL_AUDITS = (Role.QA_LEAD,)
AUDITING_ROLES = (Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD)


def can_view_audit(user, audit) -> bool:
    return user.has_role(*SEE_ALL_AUDITS) or (audit.auditor_id is not None and audit.auditor_id == user.id)


def can_edit_audit(user, audit) -> bool:
    """Only the assigned auditor edits answers; a QA lead can read but not grade for them."""
    return audit.auditor_id is not None and audit.auditor_id == user.id and user.has_role(*AUDITING_ROLES)
