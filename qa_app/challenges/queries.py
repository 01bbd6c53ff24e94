"""Read-only lists of challenges: mine (IRO), awaiting my response (responders), all (QA lead, viewer).

`today` is always a parameter, so what counts as overdue can be tested.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from qa_app.auth.models import User
from qa_app.challenges.models import Challenge, ChallengeStage, ChallengeStatus
from qa_app.extensions import db
from qa_app.history.models import Event


# What a list row shows, loaded up front rather than one query per row.
_FOR_LIST = (
    selectinload(Challenge.case_file), selectinload(Challenge.raised_by),
    selectinload(Challenge.stages).selectinload(ChallengeStage.responder),
    selectinload(Challenge.stages).selectinload(ChallengeStage.second_responder),
)


def _open_stage():
    """The stage row of a challenge still open, as an alias to join on."""
    return aliased(ChallengeStage, name="open_stage")


def _overdue(stage, today: date):
    return sa.and_(stage.closed_on.is_(None), stage.responded_at.is_(None), stage.due_on < today)


def my_challenges(user) -> tuple[list[Challenge], list[Challenge]]:
    """(open, closed) challenges raised by `user`: open by due date (overdue first), closed newest first."""
    stage = _open_stage()
    opened = db.session.scalars(
        sa.select(Challenge).options(*_FOR_LIST)
        .join(stage, sa.and_(stage.challenge_id == Challenge.id, stage.closed_on.is_(None)))
        .where(Challenge.raised_by_id == user.id, Challenge.status == ChallengeStatus.OPEN)
        .order_by(stage.due_on, Challenge.id)
    ).all()
    closed = db.session.scalars(
        sa.select(Challenge).options(*_FOR_LIST)
        .where(Challenge.raised_by_id == user.id, Challenge.status != ChallengeStatus.OPEN)
        .order_by(Challenge.raised_on.desc(), Challenge.id.desc()).limit(50)
    ).all()
    return list(opened), list(closed)


def awaiting_response(user, today: date) -> list[Challenge]:
    """Open challenges whose current stage names `user` as a responder and has no response yet;
    overdue first, then by due date."""
    stage = _open_stage()
    return list(db.session.scalars(
        sa.select(Challenge).options(*_FOR_LIST)
        .join(stage, sa.and_(stage.challenge_id == Challenge.id, stage.closed_on.is_(None)))
        .where(Challenge.status == ChallengeStatus.OPEN, stage.responded_at.is_(None),
               sa.or_(stage.responder_id == user.id, stage.second_responder_id == user.id))
        .order_by(sa.case((stage.due_on < today, 0), else_=1), stage.due_on, Challenge.id)
    ))


def awaiting_counts(user, today: date) -> tuple[int, int]:
    """(awaiting `user`'s response, of which overdue)."""
    stage = _open_stage()
    row = db.session.execute(
        sa.select(sa.func.count(Challenge.id), sa.func.sum(sa.case((stage.due_on < today, 1), else_=0)))
        .join(stage, sa.and_(stage.challenge_id == Challenge.id, stage.closed_on.is_(None)))
        .where(Challenge.status == ChallengeStatus.OPEN, stage.responded_at.is_(None),
               sa.or_(stage.responder_id == user.id, stage.second_responder_id == user.id))
    ).one()
    return row[0] or 0, row[1] or 0


def raised_open_counts(user, today: date) -> tuple[int, int]:
    """(open challenges raised by `user`, of which overdue)."""
    stage = _open_stage()
    row = db.session.execute(
        sa.select(sa.func.count(Challenge.id), sa.func.sum(sa.case((_overdue(stage, today), 1), else_=0)))
        .join(stage, sa.and_(stage.challenge_id == Challenge.id, stage.closed_on.is_(None)))
        .where(Challenge.raised_by_id == user.id, Challenge.status == ChallengeStatus.OPEN)
    ).one()
    return row[0] or 0, row[1] or 0


@dataclass(frozen=True)
class ChallengeFilter:
    status: str | None = None       # open / resolved / withdrawn
    stage: str | None = None        # the current (or, when closed, last) stage's key
    category: str | None = None
    team_id: int | None = None
    overdue: bool = False


def filtered(filters: ChallengeFilter, today: date) -> sa.Select:
    """Every challenge matching the filters: open ones first, overdue first, then by due date; closed
    ones after, newest first."""
    stage = _open_stage()
    query = sa.select(Challenge).options(*_FOR_LIST).outerjoin(
        stage, sa.and_(stage.challenge_id == Challenge.id, stage.closed_on.is_(None)))
    if filters.status:
        query = query.where(Challenge.status == filters.status)
    if filters.stage:
        query = query.where(Challenge.current_stage == filters.stage)
    if filters.category:
        query = query.where(Challenge.category == filters.category)
    if filters.team_id:
        query = query.where(Challenge.team_id == filters.team_id)
    if filters.overdue:
        query = query.where(Challenge.status == ChallengeStatus.OPEN, _overdue(stage, today))
    return query.order_by(
        sa.case((Challenge.status == ChallengeStatus.OPEN, 0), else_=1),
        sa.case((_overdue(stage, today), 0), else_=1),
        stage.due_on, Challenge.raised_on.desc(), Challenge.id.desc(),
    )


def challenges_for_case(case_file) -> list[Challenge]:
    return list(db.session.scalars(
        sa.select(Challenge).options(*_FOR_LIST).where(Challenge.case_file_id == case_file.id)
        .order_by(Challenge.raised_on.desc(), Challenge.id.desc())
    ))


def changes(challenge: Challenge, limit: int = 200) -> list[tuple[Event, str | None]]:
    """The challenge's history without the reads, newest first, with each actor's name."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Event, User.display_name).outerjoin(User, User.id == Event.actor_id)
        .where(Event.object_type == Challenge.__tablename__, Event.object_id == challenge.id,
               Event.action != "challenge.viewed")
        .order_by(Event.at.desc(), Event.id.desc()).limit(limit))]
