"""The report cache: each filter's report, kept until a change to the report's inputs.

`report_state.version` counts the changes to anything a report figure is computed from; it is
raised in the same transaction as the change (qa_app.reports.cache), so every app server on the
database sees it the moment the change commits. `report_cache` keeps one report per filter key,
valid only while its version is the current one."""

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
