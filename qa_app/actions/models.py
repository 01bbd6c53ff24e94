"""Actions: what must change on a case file, arising from an audit finding."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.audits.models import Audit, new_uid
from qa_app.auth.models import User
from qa_app.db import Base, utcnow


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    VERIFIED = "verified"
    REOPENED = "reopened"


class Action(Base):
    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_uid)  # see Audit.uid
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id"), index=True)
    question_key: Mapped[str | None] = mapped_column(sa.String(80))  # None: about the audit as a whole
    description: Mapped[str] = mapped_column(sa.Text)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    due_date: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=ActionStatus.OPEN, index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None]  # when retention erased its text (qa_app.retention)
    done_at: Mapped[datetime | None]
    done_note: Mapped[str] = mapped_column(sa.Text, default="")
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]
    reopened_reason: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    audit: Mapped[Audit] = relationship(lazy="joined")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s.value}'" for s in ActionStatus) + ")", name="known_status"
        ),
        sa.CheckConstraint("status <> 'verified' OR verified_by_id IS NOT NULL", name="verified_has_verifier"),
        sa.CheckConstraint("status NOT IN ('done', 'verified') OR done_at IS NOT NULL", name="done_has_date"),
    )


class Reflection(Base):
    """The allocated worker's short reflection on an audit of their case (when the round allows it)."""

    __tablename__ = "reflections"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()

    # One reflection per author per audit: writing again replaces it.
    __table_args__ = (sa.Index("uq_reflections_audit_author", "audit_id", "author_id", unique=True),)
