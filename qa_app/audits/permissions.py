"""Who may see and change an audit: small predicates used by views, services and templates alike."""

from collections.abc import Callable
from dataclasses import dataclass, field

from qa_app.auth.models import Role

# Roles that may see any audit's content.
SEE_ALL_AUDITS = (Role.QA_LEAD,)
AUDITING_ROLES = (Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD)


@dataclass
class ReaderRegistry:
    """Features that let more people *read* an audit (never change it) add a predicate
    `(user, audit) -> bool` here, in their register(): the case's people once it is released, say."""

    readers: list[Callable] = field(default_factory=list)

    def add(self, reader: Callable) -> None:
        if reader not in self.readers:
            self.readers.append(reader)

    def any(self, user, audit) -> bool:
        return any(reader(user, audit) for reader in self.readers)


AUDIT_READERS = ReaderRegistry()


def can_view_audit(user, audit) -> bool:
    return (user.has_role(*SEE_ALL_AUDITS) or (audit.auditor_id is not None and audit.auditor_id == user.id)
            or AUDIT_READERS.any(user, audit))


def can_edit_audit(user, audit) -> bool:
    """Only the assigned auditor edits answers; a QA lead can read but not grade for them."""
    return audit.auditor_id is not None and audit.auditor_id == user.id and user.has_role(*AUDITING_ROLES)
