"""Writing and reading the history."""

from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context

from qa_app.db import utcnow
from qa_app.extensions import db
from qa_app.history.chain import add_pending, payload_hash
from qa_app.history.models import Event, EventCase, EventPayload
from qa_app.history.web import note_recorded


def record(actor, action: str, obj: Any = None, *, case_ids=(), **detail: Any) -> Event:
    """Append one event. `obj` is a model instance (its table and id are kept) or None; `case_ids` are
    the ids of case files the event concerns besides `obj`'s own (a page listing them, say).

    The details (`**detail`) may hold case text: they are stored beside the chain, so retention can
    erase them later. The event is linked into the hash chain when the transaction commits. The
    client address, request id and the actor's roles come from the request, when there is one.
    """
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()  # a new object needs its id before the event can name it
    object_type = obj.__tablename__ if obj is not None else "service"
    object_id = getattr(obj, "id", None) if obj is not None else None
    case_ids = sorted({int(c) for c in case_ids if c is not None} | _cases_of(obj))
    detail = {k: _jsonable(v) for k, v in detail.items()}
    context = g.get("history_context", {}) if has_request_context() else {}
    event = Event(
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        role=",".join(sorted(r.value for r in actor.roles)) if getattr(actor, "roles", None) else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        client_address=context.get("client", ""),
        request_id=context.get("request_id", ""),
        case_ids=",".join(str(c) for c in case_ids),
        payload_hash=payload_hash(detail) if detail else None,
    )
    if detail:
        event.payload = EventPayload(detail=detail)
    db.session.add(event)
    if case_ids:
        for case_id in case_ids:
            db.session.add(EventCase(event=event, case_file_id=case_id))
    add_pending(db.session(), event)
    note_recorded(case_ids)
    return event


def _cases_of(obj: Any) -> set[int]:
    """The case file an object belongs to: itself, its `case_file_id`, or its audit's."""
    if obj is None:
        return set()
    if obj.__tablename__ == "case_files":
        return {obj.id}
    for holder in (obj, getattr(obj, "audit", None)):
        case_id = getattr(holder, "case_file_id", None) if holder is not None else None
        if case_id is not None:
            return {case_id}
    return set()


def events_for(obj: Any, limit: int = 200) -> list[Event]:
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.object_type == obj.__tablename__, Event.object_id == obj.id)
            .order_by(Event.at.desc(), Event.id.desc())
            .limit(limit)
        )
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return str(value)


def display_names(user_ids: set[int]) -> dict[int, str]:
    from qa_app.auth.models import User

    if not user_ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(user_ids))).all())


def event_label(action: str) -> str:
    """'audit.returned_for_correction' → 'Returned for correction' (audit).'"""
    subject, _, verb = action.partition(".")
    words = (verb or subject).replace("_", " ")
    return words[:1].upper() + words[1:] + (f" ({subject.replace('_', ' ')})" if verb and subject != "audit" else "")
