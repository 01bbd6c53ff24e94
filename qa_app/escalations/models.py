"""Escalations: a child flagged at immediate risk, until someone with authority acts."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.audits.models import Audit
from qa_app.auth.models import User
from qa_app.cases.models import CaseFile
from qa_app.db import Base, utcnow


class EscalationStatus(enum.StrEnum):
    RAISED = "raised"                # someone with authority must acknowledge it, the same working day
    ACKNOWLEDGED = "acknowledged"    # acted on; its outcome still to be recorded
    CLOSED = "closed"                # the outcome is recorded


class EscalationOutcome(enum.StrEnum):
    STRATEGY_DISCUSSION = "strategy_discussion"
    CHILD_SEEN = "child_seen"
    SECTION_47 = "section_47"
    POLICE = "police"
    SAFETY_PLAN = "safety_plan"
    NO_FURTHER_ACTION = "no_further_action"
    OTHER = "other"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    EscalationOutcome.STRATEGY_DISCUSSION: "Strategy discussion held",
    EscalationOutcome.CHILD_SEEN: "Visit made and the child seen",
    EscalationOutcome.SECTION_47: "Section 47 enquiry started",
    EscalationOutcome.POLICE: "Police involved",
    EscalationOutcome.SAFETY_PLAN: "Safety plan put in place",
    EscalationOutcome.NO_FURTHER_ACTION: "No further action",
    EscalationOutcome.OTHER: "Something else",
}


class Escalation(Base):
    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audits.id"), index=True)
    case_file_id: Mapped[int] = mapped_column(sa.ForeignKey("case_files.id"), index=True)
    raised_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(14), default=EscalationStatus.RAISED, index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]  # when retention erased its text (qa_app.retention)
    action_taken: Mapped[str] = mapped_column(sa.Text, default="")
    # The acknowledgement deadline (naive UTC), fixed when it is raised (see escalations.deadlines).
    due_at: Mapped[datetime] = mapped_column(index=True)
    # When the overdue escalation was sent on: a second reminder to everyone told, and the head of service.
    overdue_sent_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(sa.String(24))
    outcome_note: Mapped[str] = mapped_column(sa.Text, default="")
    outcome_on: Mapped[date | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    audit: Mapped[Audit | None] = relationship()
    case_file: Mapped[CaseFile] = relationship()
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("status IN ('raised', 'acknowledged', 'closed')", name="known_status"),
        sa.CheckConstraint(
            "status = 'raised' OR (acknowledged_by_id IS NOT NULL AND acknowledged_at IS NOT NULL "
            "AND action_taken <> '')",
            name="acknowledged_is_whole",
        ),
        sa.CheckConstraint(
            "status <> 'closed' OR (outcome IS NOT NULL AND outcome_on IS NOT NULL AND closed_by_id IS NOT NULL "
            "AND closed_at IS NOT NULL)",
            name="closed_has_outcome",
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN (" + ", ".join(f"'{o.value}'" for o in EscalationOutcome) + ")",
            name="known_outcome",
        ),
        # At most one unacknowledged escalation per audit (raising again is idempotent).
        sa.Index("uq_escalations_open_audit", "audit_id", unique=True,
                 sqlite_where=sa.text("status = 'raised'"), postgresql_where=sa.text("status = 'raised'")),
    )
