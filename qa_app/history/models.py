"""The append-only history: every change, and every read of case content.

Three kinds of row, and which may change:

- `events`: who (actor, their roles, client address, request id), what (action, object), when, the
  case files concerned, and the hash of the event's details. Never changed or deleted.
- `event_payloads`: the details themselves, which may hold case text (evidence, reasons, notes).
  They sit beside the chain, so retention can erase the text (`detail` becomes NULL) while the chain,
  which holds only its hash, still verifies. Never deleted; changed only to be erased.
- `event_chain`: the tamper-evident chain, one link per event in the order they were committed:
  `hash` = HMAC(HISTORY_KEY, the event's content and the previous link's hash). Never changed.
- `event_cases`: which case files each event concerns (an index for "who has seen this case",
  checked against the events' own `case_ids` by `history verify`). Never changed.

The database refuses the forbidden changes with triggers (migrations 0001 and 0012); on PostgreSQL
the app's role is not the tables' owner, so it cannot drop or disable them (docs/deployment.md).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.db import Base, utcnow


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The roles the actor held when they acted ("moderator,qa_lead"); empty for the system.
    role: Mapped[str] = mapped_column(sa.String(120), default="")
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    client_address: Mapped[str] = mapped_column(sa.String(64), default="")
    request_id: Mapped[str] = mapped_column(sa.String(40), default="")
    # Case files the event concerns, as "12,15" in ascending order; covered by the chain.
    case_ids: Mapped[str] = mapped_column(sa.Text, default="")
    payload_hash: Mapped[str | None] = mapped_column(sa.String(64))

    payload: Mapped["EventPayload | None"] = relationship(lazy="selectin", back_populates="event",
                                                         passive_deletes="all")

    __table_args__ = (sa.Index("ix_events_object", "object_type", "object_id"),)

    @property
    def detail(self) -> dict:
        """The event's details; empty once retention has erased them."""
        if self.payload is None or self.payload.detail is None:
            return {}
        return self.payload.detail

    @property
    def erased(self) -> bool:
        return self.payload is not None and self.payload.detail is None


class EventPayload(Base):
    __tablename__ = "event_payloads"

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"), primary_key=True)
    detail: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))
    erased_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship(back_populates="payload")


class ChainLink(Base):
    __tablename__ = "event_chain"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"), unique=True)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class EventCase(Base):
    __tablename__ = "event_cases"

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"), primary_key=True)
    case_file_id: Mapped[int] = mapped_column(sa.ForeignKey("case_files.id"), primary_key=True, index=True)

    event: Mapped[Event] = relationship()


class AppendOnlyViolation(RuntimeError):
    pass


@event.listens_for(Event, "before_update")
@event.listens_for(Event, "before_delete")
@event.listens_for(ChainLink, "before_update")
@event.listens_for(ChainLink, "before_delete")
@event.listens_for(EventCase, "before_update")
@event.listens_for(EventCase, "before_delete")
def _refuse_change(_mapper, _connection, target) -> None:
    # The database refuses too (triggers in the migrations); this gives a clear error earlier.
    raise AppendOnlyViolation(f"history {target.__tablename__} row cannot be changed or deleted")


@event.listens_for(EventPayload, "before_delete")
def _refuse_payload_delete(_mapper, _connection, target) -> None:
    raise AppendOnlyViolation("an event's details can be erased (set to nothing) but never deleted")


@event.listens_for(EventPayload, "before_update")
def _only_erasure(_mapper, _connection, target: EventPayload) -> None:
    if target.detail is not None:
        raise AppendOnlyViolation("an event's details can only be erased, never changed")
