"""Audit rounds: a template, a sample of case files and the people who audit them."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.audit_forms.models import TemplateVersion
from qa_app.auth.models import User
from qa_app.db import Base, utcnow


class RoundStatus(enum.StrEnum):
    PLANNING = "planning"
    AUDITING = "auditing"
    MODERATING = "moderating"
    REPORTING = "reporting"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AuditRound(Base):
    __tablename__ = "audit_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    template_version_id: Mapped[int] = mapped_column(sa.ForeignKey("template_versions.id"), index=True)
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(12), default=RoundStatus.PLANNING, index=True)
    # The sampling rule as entered (see rounds.sampling.SampleRule) and the seed that makes it repeatable.
    sample_rule: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    seed: Mapped[int]
    sample_confirmed_at: Mapped[datetime | None]
    # Moderation settings (used by the moderation feature).
    moderation_percent: Mapped[int] = mapped_column(default=10)
    moderate_inadequate: Mapped[bool] = mapped_column(default=True)
    moderate_outstanding: Mapped[bool] = mapped_column(default=True)
    moderate_immediate_risk: Mapped[bool] = mapped_column(default=True)
    blind_moderation: Mapped[bool] = mapped_column(default=True)
    reflections_enabled: Mapped[bool] = mapped_column(default=False)
    reviews_round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audit_rounds.id"))
    # Auto-assignment gives an audit only to auditors whose team is in the case's service area.
    match_service_area: Mapped[bool] = mapped_column(default=False)
    # A cancelled round keeps its audits (marked cancelled) but leaves every report.
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    template_version: Mapped[TemplateVersion] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s.value}'" for s in RoundStatus) + ")", name="known_status"
        ),
        sa.CheckConstraint("moderation_percent BETWEEN 0 AND 100", name="moderation_percent_range"),
        sa.CheckConstraint("status <> 'cancelled' OR (cancelled_at IS NOT NULL AND cancel_reason <> '')",
                           name="cancelled_has_reason"),
    )

    @property
    def imported_from(self) -> str | None:
        """The file a results import made this round from, or None for a round planned here."""
        return (self.sample_rule or {}).get("imported_from")


class SampleChange(Base):
    """A case file added to or removed from a round's sample by hand, with the reason."""

    __tablename__ = "sample_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_rounds.id", ondelete="CASCADE"), index=True)
    case_file_id: Mapped[int] = mapped_column(sa.ForeignKey("case_files.id"))
    change: Mapped[str] = mapped_column(sa.String(8))
    reason: Mapped[str] = mapped_column(sa.Text)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint("change IN ('added', 'removed')", name="known_change"),)
