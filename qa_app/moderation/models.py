"""Moderation: a second, independent grading of a sample of submitted audits."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.audits.models import Audit
from qa_app.auth.models import User
from qa_app.db import Base, utcnow
from qa_app.moderation.selection import SelectionReason
from qa_app.moderation.workflow import ModerationOutcome, ModerationStatus
from qa_app.rounds.models import AuditRound

__all__ = ["ModeratedAnswer", "Moderation", "ModerationChange", "ModerationOutcome", "ModerationStatus"]


class Moderation(Base):
    __tablename__ = "moderations"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), unique=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_rounds.id"), index=True)
    moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default=ModerationStatus.ASSIGNED, index=True)
    # Why it was selected (a SelectionReason): the rule's random sample, a grade, the risk flag, or by hand.
    selected_because: Mapped[str] = mapped_column(sa.String(20))
    selection_note: Mapped[str] = mapped_column(sa.Text, default="")
    overall_grade: Mapped[int | None]
    overall_rationale: Mapped[str] = mapped_column(sa.Text, default="")
    outcome: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    # The auditor's overall grade the moderator compared against (the final submitted version).
    auditor_overall_grade: Mapped[int | None]
    return_comments: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    graded_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1)

    audit: Mapped[Audit] = relationship(lazy="joined")
    round: Mapped[AuditRound] = relationship()
    moderator: Mapped[User | None] = relationship()
    answers: Mapped[list["ModeratedAnswer"]] = relationship(
        back_populates="moderation", cascade="all, delete-orphan", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s.value}'" for s in ModerationStatus) + ")", name="known_status"
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN (" + ", ".join(f"'{o.value}'" for o in ModerationOutcome) + ")",
            name="known_outcome",
        ),
        sa.CheckConstraint(
            "status <> 'completed' OR (overall_grade IS NOT NULL AND outcome IS NOT NULL "
            "AND completed_at IS NOT NULL AND moderator_id IS NOT NULL)",
            name="completed_is_whole",
        ),
        sa.CheckConstraint(
            "status NOT IN ('graded', 'returned', 'completed') OR (overall_grade IS NOT NULL "
            "AND graded_at IS NOT NULL AND moderator_id IS NOT NULL)",
            name="graded_is_whole",
        ),
        sa.CheckConstraint(
            "selected_because IN (" + ", ".join(f"'{r.value}'" for r in SelectionReason) + ")",
            name="known_selected_because",
        ),
    )


class ModeratedAnswer(Base):
    __tablename__ = "moderated_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    moderation_id: Mapped[int] = mapped_column(sa.ForeignKey("moderations.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(sa.String(80))
    grade: Mapped[int | None]
    auditor_grade: Mapped[int | None]
    rationale: Mapped[str] = mapped_column(sa.Text, default="")

    moderation: Mapped[Moderation] = relationship(back_populates="answers")

    __table_args__ = (
        sa.UniqueConstraint("moderation_id", "question_key", name="uq_moderated_answers_moderation_question"),
    )


class ModerationChange(Base):
    """An audit added to or withdrawn from a round's moderation sample by hand, with the reason."""

    __tablename__ = "moderation_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_rounds.id", ondelete="CASCADE"), index=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    change: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.Text)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    audit: Mapped[Audit] = relationship()
    changed_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("change IN ('added', 'withdrawn')", name="known_change"),
        sa.CheckConstraint("reason <> ''", name="has_reason"),
    )
