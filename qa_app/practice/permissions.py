"""Who may do what in practice feedback: small predicates for views, services and templates.

- The case's people are the accounts its case file is linked to (`qa_app.cases.people`): the
  allocated worker (who must hold the practitioner role) and the team manager (the auditor role).
  Once an audit is released they read the whole of it, read-only; nobody else gains access.
- The worker records their response; the auditor, the team manager or a QA lead records the
  feedback conversation; a QA lead releases an audit by hand.
"""

import sqlalchemy as sa

from qa_app.audits.workflow import SUBMITTED_STATES
from qa_app.auth.models import Role
from qa_app.extensions import db
from qa_app.practice.models import Release


def is_case_worker(user, case_file) -> bool:
    return (case_file.worker_id is not None and case_file.worker_id == user.id and bool(user.active)
            and user.has_role(Role.PRACTITIONER))


def is_case_manager(user, case_file) -> bool:
    return (case_file.manager_id is not None and case_file.manager_id == user.id and bool(user.active)
            and user.has_role(Role.AUDITOR))


def is_released(audit) -> bool:
    return db.session.scalar(sa.select(Release.id).where(Release.audit_id == audit.id)) is not None


def can_read_released(user, audit) -> bool:
    """The case's worker or team manager, once the audit is released (an AUDIT_READERS predicate)."""
    if not getattr(user, "is_authenticated", True):
        return False
    return ((is_case_worker(user, audit.case_file) or is_case_manager(user, audit.case_file))
            and audit.status in SUBMITTED_STATES and is_released(audit))


def can_respond(user, audit) -> bool:
    return is_case_worker(user, audit.case_file) and audit.status in SUBMITTED_STATES and is_released(audit)


def can_record_conversation(user, audit) -> bool:
    """The audit's auditor, the case's team manager, or a QA lead, once the audit is released."""
    if not user.active or audit.status not in SUBMITTED_STATES or not is_released(audit):
        return False
    return (user.has_role(Role.QA_LEAD) or is_case_manager(user, audit.case_file)
            or (audit.auditor_id == user.id and user.has_role(Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD)))


def can_release_by_hand(user, audit) -> bool:
    return user.has_role(Role.QA_LEAD) and audit.status in SUBMITTED_STATES and not is_released(audit)


def can_mark_done_with_worker(user, audit) -> bool:
    return audit.auditor_id is not None and audit.auditor_id == user.id
