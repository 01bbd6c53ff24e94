"""The audit programme: recurring rounds created on schedule, and the reminders sent about them."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.auth.models import User
from qa_app.db import Base, utcnow
from qa_app.rounds.models import AuditRound


class Programme(Base):
    """A recurring audit: every month (on `day_of_month`, or the first run after it), a round of
    `template_key`'s current version with this sample rule, due `due_working_days` working days later."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    template_key: Mapped[str] = mapped_column(sa.String(80))
    sample_rule: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    day_of_month: Mapped[int] = mapped_column(default=1)
    due_working_days: Mapped[int] = mapped_column(default=15)
    auto_assign: Mapped[bool] = mapped_column(default=True)
    match_service_area: Mapped[bool] = mapped_column(default=False)
    moderation_percent: Mapped[int] = mapped_column(default=10)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    runs: Mapped[list["ProgrammeRun"]] = relationship(back_populates="programme", order_by="ProgrammeRun.period")

    __table_args__ = (
        sa.CheckConstraint("day_of_month BETWEEN 1 AND 28", name="day_of_month_range"),
        sa.CheckConstraint("due_working_days BETWEEN 1 AND 60", name="due_working_days_range"),
        sa.CheckConstraint("moderation_percent BETWEEN 0 AND 100", name="moderation_percent_range"),
    )


class ProgrammeRun(Base):
    """The round a programme made for one period ("2026-12"): one per period, so a run is idempotent."""

    __tablename__ = "programme_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(sa.String(7))
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audit_rounds.id"))
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    programme: Mapped[Programme] = relationship(back_populates="runs")
    round: Mapped[AuditRound | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("programme_id", "period", name="uq_programme_runs_period"),)


class AuditReminder(Base):
    """A reminder queued about an audit: due soon, overdue, or escalated to the auditor's manager.
    One of each kind per audit and due date, so running the reminders again sends nothing twice
    (and an extended due date earns new ones)."""

    __tablename__ = "audit_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    due_date: Mapped[date]
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    sent_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recipient: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("audit_id", "kind", "due_date", name="uq_audit_reminders_once"),
        sa.CheckConstraint("kind IN ('due_soon', 'overdue', 'escalated')", name="known_kind"),
    )
