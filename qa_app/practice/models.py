"""Releasing audits to the case's people, the feedback conversation and the worker's response."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.audits.models import Audit
from qa_app.auth.models import User
from qa_app.db import Base, utcnow


class ReleaseReason(enum.StrEnum):
    MODERATED = "moderated"            # its moderation was completed
    NOT_SELECTED = "not_selected"      # the round's moderation sample was chosen without it
    NO_MODERATION = "no_moderation"    # the round's rule could never select it
    BY_HAND = "by_hand"                # a QA lead released it

    @property
    def label(self) -> str:
        return {
            "moderated": "Moderation completed", "not_selected": "Not selected for moderation",
            "no_moderation": "The round moderates no audit like it", "by_hand": "Released by a QA lead",
        }[self.value]


class Release(Base):
    """An audit released to its case's people: from then on they may read it and are asked to respond."""

    __tablename__ = "audit_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(sa.String(16))
    released_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    released_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Whom it was sent to (emails), when released and when a moderated result followed.
    told: Mapped[list] = mapped_column(sa.JSON, default=list)

    audit: Mapped[Audit] = relationship()

    __table_args__ = (
        sa.CheckConstraint("reason IN (" + ", ".join(f"'{r.value}'" for r in ReleaseReason) + ")",
                           name="known_reason"),
    )


class Agreement(enum.StrEnum):
    AGREE = "agree"
    PARTLY = "partly"
    DISAGREE = "disagree"

    @property
    def label(self) -> str:
        return {"agree": "I agree with the findings", "partly": "I partly agree with the findings",
                "disagree": "I disagree with the findings"}[self.value]


class WorkerResponse(Base):
    """The allocated worker's response to a released audit of their case (one per audit; editable)."""

    __tablename__ = "worker_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), unique=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    agreement: Mapped[str] = mapped_column(sa.String(10), index=True)
    will_do: Mapped[str] = mapped_column(sa.Text, default="")
    comments: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    worker: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("agreement IN ('agree', 'partly', 'disagree')", name="known_agreement"),
    )


class ConversationMethod(enum.StrEnum):
    IN_PERSON = "in_person"
    VIDEO = "video"
    PHONE = "phone"
    SUPERVISION = "supervision"

    @property
    def label(self) -> str:
        return {"in_person": "In person", "video": "Video call", "phone": "Phone call",
                "supervision": "In supervision"}[self.value]


class FeedbackConversation(Base):
    """The auditor or the team manager records that the findings were talked through with the worker."""

    __tablename__ = "feedback_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), unique=True)
    held_on: Mapped[date]
    attendees: Mapped[str] = mapped_column(sa.Text)
    method: Mapped[str] = mapped_column(sa.String(12))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    recorded_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("method IN (" + ", ".join(f"'{m.value}'" for m in ConversationMethod) + ")",
                           name="known_method"),
        sa.CheckConstraint("attendees <> ''", name="has_attendees"),
    )


class DoneWithWorker(Base):
    """The auditor marked the audit as done with the case holder: the worker took part in the audit."""

    __tablename__ = "audits_done_with_worker"

    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True)
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)
