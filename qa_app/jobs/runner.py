"""Running one job, in a worker (or in a test): claim it, run its kind, store what came of it."""

import logging
import time
from pathlib import Path

from flask import current_app

from qa_app.auth.models import User
from qa_app.db import utcnow
from qa_app.extensions import db
from qa_app.jobs import services
from qa_app.jobs.models import Job, JobStatus
from qa_app.jobs.registry import JOB_KINDS, JobFailed

log = logging.getLogger(__name__)


class JobContext:
    """What a job's `run` gets besides its params: who started it, progress reports, output files."""

    def __init__(self, job: Job, actor: User | None):
        self.job_id = job.id
        self.actor = actor
        self.file: tuple[Path, str] | None = None
        self._last_report = 0.0
        self._total: int | None = None
        self._outputs: list[Path] = []

    def progress(self, done: int, total: int | None = None, note: str | None = None, *, force: bool = False) -> None:
        """Report how far the job is; written at most twice a second unless `force`."""
        if total is not None:
            self._total = total
        now = time.monotonic()
        if force or note is not None or now - self._last_report >= 0.5:
            self._last_report = now
            services.progress(self.job_id, done, total, note)

    def output_path(self, suffix: str) -> Path:
        """A new file under JOB_FILES_DIR for the job to write (deleted again if the job fails)."""
        path = services.new_file_path(f"job-{self.job_id}", suffix)
        self._outputs.append(path)
        return path

    def offer_file(self, path: Path, download_name: str) -> None:
        """The file the person may download when the job is done."""
        self.file = (Path(path), download_name)


def execute(job_id: int) -> str:
    """Run the job if it is still queued; returns its final status (or "skipped")."""
    if not services.claim(job_id):
        return "skipped"
    job = db.session.get(Job, job_id)
    kind_name = job.kind
    kind = JOB_KINDS.get(kind_name)
    context = JobContext(job, db.session.get(User, job.started_by_id) if job.started_by_id else None)
    try:
        if kind is None:
            raise JobFailed("This kind of job is not known to this version of the service.")
        result = kind.run(context, dict(job.params or {}))
        job = db.session.get(Job, job_id)
        job.status = JobStatus.DONE
        job.result = result or {}
        job.finished_at = job.updated_at = utcnow()
        if context._total is not None:
            job.progress_total = context._total
            job.progress_done = context._total
        if context.file is not None:
            path, name = context.file
            job.file_path = str(path.relative_to(services.files_dir()))
            job.file_name = name
        db.session.commit()
        return JobStatus.DONE
    except JobFailed as failure:
        db.session.rollback()
        _discard(context)
        services.fail(job_id, failure.message, failure.details)
    except Exception:
        db.session.rollback()
        _discard(context)
        log.exception("Job %s (%s) failed", job_id, kind_name)
        services.fail(job_id, services.GENERIC_FAILURE.format(id=job_id))
    return JobStatus.FAILED


def _discard(context: JobContext) -> None:
    for path in context._outputs:
        path.unlink(missing_ok=True)


def drain(app=None) -> int:
    """Run every job waiting in the queue, here and now (tests use it with the in-memory queue)."""
    from qa_app.jobs.queue import get_queue

    queue = get_queue(app or current_app)
    count = 0
    while (task := queue.dequeue()) is not None:
        queue.execute(task)
        count += 1
    return count
