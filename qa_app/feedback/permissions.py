"""Who may record and read family feedback.

- On an audit: its auditor, or a QA lead, records what the family said. Standalone feedback (typed
  in from a printable form) is recorded by a QA lead.
- Feedback on an audit is read by whoever may open the audit (its auditor, QA leads, and the case's
  people once it is released); standalone feedback by QA leads.
"""

from qa_app.audits.permissions import can_view_audit
from qa_app.audits.workflow import AuditStatus
from qa_app.auth.models import Role

RECORDING_ROLES = (Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD)


def can_record_on(user, audit) -> bool:
    if audit.status == AuditStatus.REMOVED or not user.active:
        return False
    return user.has_role(Role.QA_LEAD) or (audit.auditor_id == user.id and user.has_role(*RECORDING_ROLES))


def can_record_standalone(user) -> bool:
    return user.has_role(Role.QA_LEAD)


def can_read(user, record) -> bool:
    if user.has_role(Role.QA_LEAD):
        return True
    return record.audit is not None and can_view_audit(user, record.audit)
