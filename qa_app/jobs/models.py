"""A background job as people see it: who started it, where it is, what came of it."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.auth.models import User
from qa_app.db import Base, utcnow


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


STATUS_LABELS = {
    JobStatus.QUEUED: "Waiting to start",
    JobStatus.RUNNING: "Running",
    JobStatus.DONE: "Finished",
    JobStatus.FAILED: "Failed",
}
FINISHED = frozenset({JobStatus.DONE, JobStatus.FAILED})


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        sa.CheckConstraint("progress_done >= 0", name="progress_done"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(60), index=True)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=JobStatus.QUEUED, index=True)
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Written by the worker as it goes (also a heartbeat: a running job that stops updating is stale).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    progress_note: Mapped[str] = mapped_column(sa.String(200), default="")
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    error_details: Mapped[list | None] = mapped_column(sa.JSON)
    # A file the job made for the person to download: where it is (under JOB_FILES_DIR) and its name.
    file_path: Mapped[str | None] = mapped_column(sa.String(400))
    file_name: Mapped[str | None] = mapped_column(sa.String(200))
    file_deleted_at: Mapped[datetime | None]

    started_by: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[JobStatus(self.status)]

    @property
    def percent(self) -> int | None:
        """How far through, 0-100, when the job knows its total."""
        if self.status == JobStatus.DONE:
            return 100
        if not self.progress_total:
            return None
        return min(100, int(100 * self.progress_done / self.progress_total))

    @property
    def has_file(self) -> bool:
        return self.status == JobStatus.DONE and bool(self.file_path) and self.file_deleted_at is None
