"""Read-only figures about rounds, aggregated in SQL."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from qa_app.audits.models import Audit
from qa_app.audits.workflow import AuditStatus, SUBMITTED_STATES
from qa_app.auth.models import User
from qa_app.extensions import db
from qa_app.rounds.models import AuditRound, RoundStatus


@dataclass(frozen=True)
class AuditorProgress:
    auditor_id: int | None
    name: str
    assigned: int
    not_started: int
    in_progress: int
    submitted: int
    overdue: int


def round_progress(round_: AuditRound, today: date) -> list[AuditorProgress]:
    """Per auditor (and 'Not assigned'): how many audits in each state, and how many are overdue."""
    submitted = [s.value for s in SUBMITTED_STATES]
    late = round_.due_date < today
    count = lambda condition: sa.func.sum(sa.case((condition, 1), else_=0))  # noqa: E731
    rows = db.session.execute(
        sa.select(
            Audit.auditor_id,
            User.display_name,
            sa.func.count(Audit.id),
            count(Audit.status == AuditStatus.NOT_STARTED),
            count(Audit.status == AuditStatus.IN_PROGRESS),
            count(Audit.status.in_(submitted)),
        )
        .outerjoin(User, User.id == Audit.auditor_id)
        .where(Audit.round_id == round_.id, Audit.status != AuditStatus.REMOVED)
        .group_by(Audit.auditor_id, User.display_name)
        .order_by(User.display_name)
    )
    result = []
    for auditor_id, name, total, not_started, in_progress, done in rows:
        result.append(AuditorProgress(
            auditor_id=auditor_id, name=name or "Not assigned", assigned=total,
            not_started=not_started or 0, in_progress=in_progress or 0, submitted=done or 0,
            overdue=(total - (done or 0)) if late else 0,
        ))
    result.sort(key=lambda p: (p.auditor_id is None, p.name))
    return result


def round_audits(round_: AuditRound) -> list[Audit]:
    return list(db.session.scalars(
        sa.select(Audit).where(Audit.round_id == round_.id).order_by(Audit.status == AuditStatus.REMOVED, Audit.id)
    ))


def rounds_with_counts() -> list[tuple[AuditRound, int, int]]:
    """Every round, newest first, with its number of audits and of submitted audits."""
    submitted = [s.value for s in SUBMITTED_STATES]
    counts = (
        sa.select(
            Audit.round_id,
            sa.func.count(Audit.id).label("total"),
            sa.func.sum(sa.case((Audit.status.in_(submitted), 1), else_=0)).label("done"),
        )
        .where(Audit.status != AuditStatus.REMOVED)
        .group_by(Audit.round_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(AuditRound, counts.c.total, counts.c.done)
        .outerjoin(counts, counts.c.round_id == AuditRound.id)
        .order_by(AuditRound.created_at.desc(), AuditRound.id.desc())
    )
    return [(round_, total or 0, done or 0) for round_, total, done in rows]


ACTIVE_STATES = frozenset({RoundStatus.PLANNING, RoundStatus.AUDITING, RoundStatus.MODERATING})


def in_progress(round_: AuditRound, total: int, done: int) -> bool:
    """Still being done: planned, or auditing or moderating with audits not yet submitted. A round
    in reporting or closed, or whose every audit is submitted, is finished."""
    if round_.status not in ACTIVE_STATES:
        return False
    return round_.status == RoundStatus.PLANNING or total == 0 or done < total


def rounds_in_progress() -> list[tuple[AuditRound, int, int]]:
    """(round, audits, submitted) for the rounds still being done, newest first."""
    return [row for row in rounds_with_counts() if in_progress(*row)]


@dataclass(frozen=True)
class AuditorLoad:
    auditor_id: int
    name: str
    team: str
    service_area: str
    open_audits: int          # not started, in progress or returned, in every round
    in_this_round: int


def auditor_loads(round_: AuditRound, auditors: list[User]) -> list[AuditorLoad]:
    """Each active auditor's open audits across every round and their audits in this round, so the
    QA lead can see the balance auto-assignment keeps (fewest open audits first)."""
    from qa_app.rounds.services import open_loads

    open_now = open_loads([u.id for u in auditors])
    here = dict(db.session.execute(
        sa.select(Audit.auditor_id, sa.func.count()).where(Audit.round_id == round_.id,
                                                           Audit.status != AuditStatus.REMOVED)
        .group_by(Audit.auditor_id)).all())
    return sorted((AuditorLoad(u.id, u.display_name, u.team.name if u.team else "No team",
                               u.team.service_area if u.team else "", open_now[u.id], here.get(u.id, 0))
                   for u in auditors), key=lambda load: (-load.open_audits, load.name))
