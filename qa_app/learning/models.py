"""Learning briefs, where they went, and training-need tags."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.auth.models import Team, User
from qa_app.db import Base, utcnow
from qa_app.rounds.models import AuditRound

# The training needs an auditor can tag (a fixed vocabulary, so the page can count them).
TRAINING_NEEDS = {
    "risk_analysis": "Analysing risk and using the history",
    "smart_planning": "Writing SMART plans",
    "direct_work": "Direct work with children and their voice",
    "recording": "Recording and chronologies",
    "contingency": "Contingency planning",
    "domestic_abuse": "Working with domestic abuse",
    "neglect": "Recognising and responding to neglect",
    "oversight": "Reflective supervision and management oversight",
    "multi_agency": "Multi-agency working and information sharing",
    "exploitation": "Exploitation and missing children",
}


class BriefStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class LearningBrief(Base):
    """What a round taught, in a few paragraphs (counts only, never a child's details)."""

    __tablename__ = "learning_briefs"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_rounds.id"), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    strengths: Mapped[str] = mapped_column(sa.Text, default="")
    areas: Mapped[str] = mapped_column(sa.Text, default="")
    key_messages: Mapped[str] = mapped_column(sa.Text, default="")
    # The figures it was drafted from (the round's report at the time), kept with it.
    drafted_from: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(10), default=BriefStatus.DRAFT, index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    round: Mapped[AuditRound] = relationship()
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    recipients: Mapped[list["BriefRecipient"]] = relationship(
        back_populates="brief", cascade="all, delete-orphan", lazy="selectin", order_by="BriefRecipient.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'published')", name="known_status"),
        sa.CheckConstraint("status <> 'published' OR (published_at IS NOT NULL AND published_by_id IS NOT NULL)",
                           name="published_is_whole"),
    )


class BriefRecipient(Base):
    """A team a brief was published to: when, whom it told, and its manager's confirmation that the
    team discussed it."""

    __tablename__ = "learning_brief_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    brief_id: Mapped[int] = mapped_column(sa.ForeignKey("learning_briefs.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    told: Mapped[list] = mapped_column(sa.JSON, default=list)
    discussed_on: Mapped[date | None]
    discussed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    discussion_note: Mapped[str] = mapped_column(sa.Text, default="")

    brief: Mapped[LearningBrief] = relationship(back_populates="recipients")
    team: Mapped[Team] = relationship()
    discussed_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("brief_id", "team_id", name="uq_learning_brief_recipients_team"),)


class TrainingNeed(Base):
    """A training need an audit showed, tagged on one of its questions or one of its actions."""

    __tablename__ = "training_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str | None] = mapped_column(sa.String(80))   # an action's question, when it has one
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    need: Mapped[str] = mapped_column(sa.String(20), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("need IN (" + ", ".join(f"'{n}'" for n in TRAINING_NEEDS) + ")", name="known_need"),
        sa.CheckConstraint("question_key IS NOT NULL OR action_id IS NOT NULL", name="tags_something"),
    )
