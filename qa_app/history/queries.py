"""Reading the history: who has seen (or changed) which case file, and when."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from qa_app.history.models import Event, EventCase


@dataclass(frozen=True)
class SeenFilter:
    case_id: int | None = None
    user_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def describe(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v is not None}


def seen_query(filters: SeenFilter) -> sa.Select:
    """Events that concern a case file (reads and changes alike), newest first, filtered by case,
    by the person who acted, and by day (both ends included, in UTC)."""
    query = sa.select(Event).where(Event.case_ids != "")
    if filters.case_id is not None:
        query = query.where(Event.id.in_(sa.select(EventCase.event_id).where(EventCase.case_file_id == filters.case_id)))
    if filters.user_id is not None:
        query = query.where(Event.actor_id == filters.user_id)
    if filters.date_from is not None:
        query = query.where(Event.at >= datetime.combine(filters.date_from, time()))
    if filters.date_to is not None:
        query = query.where(Event.at < datetime.combine(filters.date_to + timedelta(days=1), time()))
    return query.order_by(Event.at.desc(), Event.id.desc())


def case_references(session, events: list[Event]) -> dict[int, list[str]]:
    """event id → the references of the case files it concerns."""
    from qa_app.cases.models import CaseFile

    ids = [event.id for event in events]
    found: dict[int, list[str]] = {event_id: [] for event_id in ids}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            sa.select(EventCase.event_id, CaseFile.reference).join(CaseFile, CaseFile.id == EventCase.case_file_id)
            .where(EventCase.event_id.in_(ids[start:start + 500])).order_by(CaseFile.reference))
        for event_id, reference in rows:
            found[event_id].append(reference)
    return found
