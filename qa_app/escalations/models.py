"""Escalations: a child flagged at immediate risk, until someone with authority acts."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.audits.models import Audit
from qa_app.auth.models import User
from qa_app.cases.models import CaseFile
from qa_app.db import Base, utcnow


class EscalationStatus(enum.StrEnum):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"


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
    version: Mapped[int] = mapped_column(default=1)

    audit: Mapped[Audit | None] = relationship()
    case_file: Mapped[CaseFile] = relationship()
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("status IN ('raised', 'acknowledged')", name="known_status"),
        sa.CheckConstraint(
            "status <> 'acknowledged' OR (acknowledged_by_id IS NOT NULL AND acknowledged_at IS NOT NULL "
            "AND action_taken <> '')",
            name="acknowledged_is_whole",
        ),
        # At most one unacknowledged escalation per audit (raising again is idempotent).
        sa.Index("uq_escalations_open_audit", "audit_id", unique=True,
                 sqlite_where=sa.text("status = 'raised'"), postgresql_where=sa.text("status = 'raised'")),
    )
