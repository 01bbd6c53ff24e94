"""Read-only lists and counts of actions. Lists put overdue actions first, then those still to do."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from qa_app.actions.models import Action, ActionStatus, Reflection
from qa_app.actions.workflow import OUTSTANDING, overdue_condition
from qa_app.audits.models import Audit
from qa_app.cases.models import CaseFile
from qa_app.extensions import db


def _ordered(query, today: date):
    outstanding = Action.status.in_([s.value for s in OUTSTANDING])
    waiting = Action.status == ActionStatus.DONE.value
    return query.order_by(
        sa.case((overdue_condition(today), 0), (outstanding, 1), (waiting, 2), else_=3),
        Action.due_date, Action.id,
    )


def actions_owned_by(user_id: int, today: date) -> list[Action]:
    return list(db.session.scalars(_ordered(sa.select(Action).where(Action.owner_id == user_id), today)))


def actions_for_team(team_id: int, today: date) -> list[Action]:
    """Actions on the case files of a team."""
    return list(db.session.scalars(_ordered(
        sa.select(Action).join(Audit, Audit.id == Action.audit_id)
        .join(CaseFile, CaseFile.id == Audit.case_file_id).where(CaseFile.team_id == team_id), today)))


def actions_for_round(round_id: int, today: date) -> list[Action]:
    return list(db.session.scalars(_ordered(
        sa.select(Action).join(Audit, Audit.id == Action.audit_id).where(Audit.round_id == round_id), today)))


def actions_of_audit(audit_id: int) -> list[Action]:
    return list(db.session.scalars(
        sa.select(Action).where(Action.audit_id == audit_id).order_by(Action.created_at, Action.id)))


@dataclass(frozen=True)
class ActionCounts:
    open: int       # open or reopened: the owner still has something to do
    overdue: int
    waiting: int    # done, waiting to be verified


def counts_for_owner(user_id: int, today: date) -> ActionCounts:
    count = lambda condition: sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)  # noqa: E731
    row = db.session.execute(
        sa.select(count(Action.status.in_([s.value for s in OUTSTANDING])), count(overdue_condition(today)),
                  count(Action.status == ActionStatus.DONE.value))
        .where(Action.owner_id == user_id)
    ).one()
    return ActionCounts(*(int(n) for n in row))


def reflections_of(audit_id: int) -> list[Reflection]:
    return list(db.session.scalars(
        sa.select(Reflection).where(Reflection.audit_id == audit_id).order_by(Reflection.created_at)))
