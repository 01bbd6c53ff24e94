"""The append-only history: every change, and every read of case content."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from qa_app.db import Base, utcnow


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (sa.Index("ix_events_object", "object_type", "object_id"),)


class AppendOnlyViolation(RuntimeError):
    pass


@event.listens_for(Event, "before_update")
@event.listens_for(Event, "before_delete")
def _refuse_change(_mapper, _connection, target: Event) -> None:
    # The database refuses too (triggers in the migration); this gives a clear error earlier.
    raise AppendOnlyViolation(f"history event {target.id} cannot be changed or deleted")
