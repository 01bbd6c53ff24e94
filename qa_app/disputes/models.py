"""A dispute of a moderated overall grade, and its decision."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.audits.models import Audit
from qa_app.auth.models import User
from qa_app.db import Base, utcnow
from qa_app.moderation.models import Moderation


class DisputeStatus(enum.StrEnum):
    OPEN = "open"
    DECIDED = "decided"


class Decision(enum.StrEnum):
    UPHOLD_MODERATOR = "uphold_moderator"
    UPHOLD_AUDITOR = "uphold_auditor"
    DIFFERENT_GRADE = "different_grade"

    @property
    def label(self) -> str:
        return DECISION_LABELS[self]


DECISION_LABELS = {
    Decision.UPHOLD_MODERATOR: "Uphold the moderator's grade",
    Decision.UPHOLD_AUDITOR: "Uphold the auditor's grade",
    Decision.DIFFERENT_GRADE: "A different grade",
}


class Dispute(Base):
    __tablename__ = "grade_disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), unique=True)
    moderation_id: Mapped[int] = mapped_column(sa.ForeignKey("moderations.id", ondelete="CASCADE"))
    raised_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(sa.Text)
    # The pair in dispute, as they were: the agreement statistics keep counting these.
    auditor_grade: Mapped[int]
    moderated_grade: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(8), default=DisputeStatus.OPEN, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(sa.String(20))
    decided_grade: Mapped[int | None]
    rationale: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    audit: Mapped[Audit] = relationship()
    moderation: Mapped[Moderation] = relationship()
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'decided')", name="known_status"),
        sa.CheckConstraint("decision IS NULL OR decision IN ("
                           + ", ".join(f"'{d.value}'" for d in Decision) + ")", name="known_decision"),
        sa.CheckConstraint("status <> 'decided' OR (decision IS NOT NULL AND decided_grade IS NOT NULL "
                           "AND decided_by_id IS NOT NULL AND decided_at IS NOT NULL AND rationale <> '')",
                           name="decided_is_whole"),
        sa.CheckConstraint("reason <> ''", name="has_reason"),
    )
