"""Read-only lists of escalations."""

import sqlalchemy as sa

from qa_app.auth.models import Role
from qa_app.cases.models import CaseFile
from qa_app.escalations.models import Escalation, EscalationStatus
from qa_app.extensions import db
from qa_app.notifications.models import Notification


def _for_user(query, user):
    """Limit to the case files the user has authority for (see escalations.permissions)."""
    if user.has_role(Role.QA_LEAD, Role.MODERATOR):
        return query
    if user.has_role(Role.AUDITOR) and user.team_id is not None:
        return query.join(CaseFile, CaseFile.id == Escalation.case_file_id).where(CaseFile.team_id == user.team_id)
    return query.where(sa.false())


def open_escalations_for(user) -> list[Escalation]:
    """Unacknowledged escalations the user has authority for, oldest first."""
    if not user.active:
        return []
    return list(db.session.scalars(_for_user(
        sa.select(Escalation).where(Escalation.status == EscalationStatus.RAISED.value), user)
        .order_by(Escalation.raised_at, Escalation.id)))


def recent_acknowledged_for(user, limit: int = 50) -> list[Escalation]:
    """Acknowledged (outcome to record) and closed escalations the user has authority for, latest first."""
    if not user.active:
        return []
    return list(db.session.scalars(_for_user(
        sa.select(Escalation).where(Escalation.status != EscalationStatus.RAISED.value), user)
        .order_by(Escalation.acknowledged_at.desc(), Escalation.id.desc()).limit(limit)))


def raised_by(user, limit: int = 50) -> list[Escalation]:
    """The escalations `user` raised, whatever their state, latest first."""
    return list(db.session.scalars(
        sa.select(Escalation).where(Escalation.raised_by_id == user.id)
        .order_by(Escalation.raised_at.desc(), Escalation.id.desc()).limit(limit)))


def escalations_of_audit(audit_id: int) -> list[Escalation]:
    return list(db.session.scalars(
        sa.select(Escalation).where(Escalation.audit_id == audit_id).order_by(Escalation.raised_at.desc())))


def escalations_of_case(case_file_id: int) -> list[Escalation]:
    return list(db.session.scalars(
        sa.select(Escalation).where(Escalation.case_file_id == case_file_id).order_by(Escalation.raised_at.desc())))


def notifications_about(escalation: Escalation) -> list[Notification]:
    return list(db.session.scalars(
        sa.select(Notification).where(Notification.object_type == "escalations",
                                      Notification.object_id == escalation.id)
        .order_by(Notification.id)))
