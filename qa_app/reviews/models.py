"""Follow-up (review) audits: whether the improvements asked for are in place."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from qa_app.db import Base, utcnow


class ReviewCheck(Base):
    """For one question of a review audit: is the improvement in place (yes / partly / no)?"""

    __tablename__ = "review_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(sa.String(80))
    in_place: Mapped[str | None] = mapped_column(sa.String(8))
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("audit_id", "question_key", name="uq_review_checks_audit_question"),
        sa.CheckConstraint("in_place IS NULL OR in_place IN ('yes', 'partly', 'no')", name="known_in_place"),
    )
