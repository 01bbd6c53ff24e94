"""Starting jobs, and the writes the worker makes as a job goes along.

`start` is the one way to create a job: it flushes the row and queues the job once the caller's
transaction commits (a request that rolls back queues nothing). The progress and failure writes
use a connection of their own and commit at once, so every web server sees them while the job's
own work is still uncommitted.
"""

import logging
import os
import secrets
import sqlite3
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from qa_app.db import utcnow
from qa_app.errors import NotPermitted
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.jobs.models import Job, JobStatus
from qa_app.jobs.registry import JOB_KINDS

log = logging.getLogger(__name__)
GENERIC_FAILURE = ("Something went wrong and the job did not finish. Nothing was changed. Try again; "
                   "if it fails again, tell your system administrator (job {id}).")
INTERRUPTED = "The job was stopped before it finished (the worker was stopped). Nothing was changed. Start it again."
STALE = "The job stopped reporting progress and was given up. Nothing was changed. Start it again."


def start(kind: str, *, actor, params: dict | None = None) -> Job:
    """Record a job of `kind` for `actor` and queue it when the session commits.

    NotPermitted when `actor` holds none of the kind's roles; KeyError for an unknown kind.
    `params` must be JSON-able: ids, dates as ISO text, paths under JOB_FILES_DIR."""
    job_kind = JOB_KINDS[kind]
    if not actor.has_role(*job_kind.roles):
        raise NotPermitted(f"You cannot start a {job_kind.title.lower()}.")
    job = Job(kind=kind, started_by_id=actor.id, status=JobStatus.QUEUED, params=params or {})
    db.session.add(job)
    db.session.flush()
    record(actor, "job.started", job, kind=kind)
    db.session.info.setdefault("jobs_to_queue", []).append(job.id)
    return job


@event.listens_for(Session, "after_commit")
def _queue_committed_jobs(session) -> None:
    job_ids = session.info.pop("jobs_to_queue", None)
    if not job_ids:
        return
    from qa_app.jobs.queue import enqueue

    for job_id in job_ids:
        try:
            enqueue(current_app, job_id)
        except Exception:  # the queue's server is down: say so on the job's page
            log.exception("Could not queue job %s", job_id)
            fail(job_id, "The job could not be queued (the job queue is not reachable). Try again later.")


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_jobs(session) -> None:
    session.info.pop("jobs_to_queue", None)


def files_dir(app=None) -> Path:
    """Where jobs keep their files (uploads waiting to be imported, exports to download)."""
    path = Path((app or current_app).config["JOB_FILES_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_file_path(prefix: str, suffix: str) -> Path:
    """A fresh, unguessable file name under JOB_FILES_DIR."""
    return files_dir() / f"{prefix}-{secrets.token_hex(8)}{suffix}"


def file_location(job: Job) -> Path | None:
    """The job's download on disk, or None when it has none (or it has been removed)."""
    if not job.has_file:
        return None
    path = files_dir() / job.file_path
    return path if path.is_file() else None


def _write(job_id: int, values: dict, where=None, *, wait_ms: int | None = None) -> bool:
    """Update the job row in a transaction of its own. `wait_ms`: on SQLite, how long to wait for
    the write lock (progress gives up quickly rather than hold the job up). True if a row changed."""
    with db.engine.connect() as connection:
        if wait_ms is not None and connection.dialect.name == "sqlite":
            connection.connection.dbapi_connection.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        try:
            statement = sa.update(Job).where(Job.id == job_id)
            if where is not None:
                statement = statement.where(where)
            changed = connection.execute(statement.values(**values)).rowcount
            connection.commit()
            return bool(changed)
        except (sa.exc.OperationalError, sqlite3.OperationalError):
            # (SQLite's "database is locked" from qa_app.db's BEGIN IMMEDIATE comes unwrapped.)
            if wait_ms is None:
                raise
            connection.rollback()
            return False
        finally:
            if wait_ms is not None and connection.dialect.name == "sqlite":
                connection.connection.dbapi_connection.execute("PRAGMA busy_timeout = 10000")


def claim(job_id: int) -> bool:
    """Mark a queued job running; False when it is not queued (already run, or run elsewhere)."""
    now = utcnow()
    return _write(job_id, {"status": JobStatus.RUNNING, "started_at": now, "updated_at": now},
                  Job.status == JobStatus.QUEUED)


def progress(job_id: int, done: int, total: int | None = None, note: str | None = None) -> bool:
    """Best effort: skipped (False) when the database is busy; the next report catches up."""
    values = {"progress_done": max(0, int(done)), "updated_at": utcnow()}
    if total is not None:
        values["progress_total"] = int(total)
    if note is not None:
        values["progress_note"] = note[:200]
    return _write(job_id, values, Job.status == JobStatus.RUNNING, wait_ms=250)


def fail(job_id: int, message: str, details: list[str] | None = None) -> None:
    _write(job_id, {"status": JobStatus.FAILED, "error": message, "error_details": details or None,
                    "finished_at": utcnow(), "updated_at": utcnow()},
           Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))


def tidy(*, now=None, app=None) -> dict:
    """Housekeeping, run by every worker when it starts and every 15 minutes: running jobs that
    stopped reporting are failed, and downloads older than JOB_FILES_KEEP_HOURS are deleted (they
    hold case content)."""
    app = app or current_app
    now = now or utcnow()
    stale_before = now - timedelta(minutes=app.config["JOB_STALE_MINUTES"])
    stale = db.session.execute(
        sa.update(Job).where(Job.status == JobStatus.RUNNING, Job.updated_at < stale_before)
        .values(status=JobStatus.FAILED, error=STALE, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    keep_before = now - timedelta(hours=app.config["JOB_FILES_KEEP_HOURS"])
    expired = db.session.scalars(sa.select(Job).where(
        Job.finished_at < keep_before, Job.file_path.is_not(None), Job.file_deleted_at.is_(None))).all()
    for job in expired:
        _remove(files_dir(app) / job.file_path)
        job.file_deleted_at = now
    db.session.commit()
    return {"stale": stale, "files_removed": len(expired)}


def _remove(path: Path) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
