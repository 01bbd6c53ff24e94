"""The report cache: each filter's report, kept until a change to the report's inputs.

`report_state.version` counts the changes to anything a report figure is computed from; it is
raised in the same transaction as the change (qa_app.reports.cache), so every app server on the
database sees it the moment the change commits. `report_cache` keeps one report per filter key,
valid only while its version is the current one.

Targets the QA lead sets for the report's figures ("Inadequate at most 10 %")."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from qa_app.db import Base, utcnow


class ReportState(Base):
    __tablename__ = "report_state"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=1)


class CachedReport(Base):
    __tablename__ = "report_cache"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)   # SHA-256 of the filters and the day
    version: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload: Mapped[dict] = mapped_column(sa.JSON)
class Comparison(enum.StrEnum):
    AT_MOST = "at_most"
    AT_LEAST = "at_least"

    @property
    def label(self) -> str:
        return "at most" if self is Comparison.AT_MOST else "at least"


class Target(Base):
    """A target for one figure: % Inadequate, % Good or better, or the % of one answer to a
    compliance question (``question_key`` and ``option``). Retired, never deleted."""

    __tablename__ = "report_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    measure: Mapped[str] = mapped_column(sa.String(40))
    question_key: Mapped[str | None] = mapped_column(sa.String(80))
    option: Mapped[str | None] = mapped_column(sa.String(400))
    comparison: Mapped[str] = mapped_column(sa.String(10))
    value: Mapped[float]
    # Within this many percentage points of the target (on the wrong side) is amber, not red.
    amber_margin: Mapped[float] = mapped_column(default=5.0)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("comparison IN ('at_most', 'at_least')", name="known_comparison"),
        sa.CheckConstraint("measure IN ('percent_inadequate', 'percent_good_or_better', 'compliance')",
                           name="known_measure"),
        sa.CheckConstraint("value BETWEEN 0 AND 100", name="value_range"),
        sa.CheckConstraint("amber_margin BETWEEN 0 AND 100", name="amber_margin_range"),
        sa.CheckConstraint("measure <> 'compliance' OR (question_key IS NOT NULL AND option IS NOT NULL)",
                           name="compliance_names_an_answer"),
    )
