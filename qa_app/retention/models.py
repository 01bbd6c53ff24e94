"""A legal hold stops retention touching a case file or a round (and everything in it)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.db import Base, utcnow


class LegalHold(Base):
    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_files.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audit_rounds.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    placed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str] = mapped_column(sa.Text, default="")

    case_file = relationship("CaseFile")
    round = relationship("AuditRound")

    __table_args__ = (
        sa.CheckConstraint("(case_file_id IS NULL) <> (round_id IS NULL)", name="one_target"),
        sa.CheckConstraint("reason <> ''", name="has_reason"),
        sa.CheckConstraint("released_at IS NULL OR release_reason <> ''", name="release_has_reason"),
    )

    @property
    def active(self) -> bool:
        return self.released_at is None

    @property
    def target(self) -> str:
        return f"case file {self.case_file.reference}" if self.case_file_id else f"round '{self.round.name}'"
