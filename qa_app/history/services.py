"""Writing and reading the history."""

from typing import Any

import sqlalchemy as sa

from qa_app.extensions import db
from qa_app.history.models import Event


def record(actor, action: str, obj: Any = None, **detail: Any) -> Event:
    """Append one event. `obj` is a model instance (its table and id are kept) or None."""
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()  # a new object needs its id before the event can name it
    object_type = obj.__tablename__ if obj is not None else "service"
    object_id = getattr(obj, "id", None) if obj is not None else None
    event = Event(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail={k: _jsonable(v) for k, v in detail.items()},
    )
    db.session.add(event)
    return event


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
