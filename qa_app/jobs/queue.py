"""The job queue: Huey, on the backend JOB_QUEUE_URL names.

- empty (the default): a SQLite file, instance/job-queue.sqlite, for `make run` and small
  installations; workers on this machine share it.
- `redis://host:6379/0` (or `rediss://`): Redis, shared by workers on any number of machines.
- `postgresql://user:password@host/dbname`: PostgreSQL (LISTEN/NOTIFY), shared likewise; use a
  database of its own (Huey creates its tables there).
- `memory://`: in this process only (the tests; `runner.drain()` runs what is queued).

The queue carries only job ids: what a job is and how it is going lives in the `jobs` table.
"""

import logging
import os

from flask import Flask, has_app_context
from huey import MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey, crontab
from huey.signals import SIGNAL_INTERRUPTED

log = logging.getLogger(__name__)
QUEUE_NAME = "qa_app"
_worker_app: Flask | None = None


def get_queue(app: Flask):
    """This app's queue, made once per app and queue URL (a test that points an app it has already
    used at another queue gets that queue, not the first one)."""
    url = app.config.get("JOB_QUEUE_URL") or ""
    made = app.extensions.get("job_queue")
    if made is None or made[0] != url:
        made = app.extensions["job_queue"] = (url, _make_queue(app))
    return made[1]


def _make_queue(app: Flask):
    url = app.config.get("JOB_QUEUE_URL") or ""
    options = {"results": False, "utc": True}
    if not url:
        queue = SqliteHuey(QUEUE_NAME, filename=os.path.join(app.instance_path, "job-queue.sqlite"), **options)
    elif url.startswith("sqlite:///"):
        queue = SqliteHuey(QUEUE_NAME, filename=url.removeprefix("sqlite:///"), **options)
    elif url.startswith(("redis://", "rediss://", "unix://")):
        queue = RedisHuey(QUEUE_NAME, url=url, **options)
    elif url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        queue = PostgresHuey(QUEUE_NAME, dsn=url.replace("postgresql+psycopg://", "postgresql://", 1), **options)
    elif url == "memory://":
        queue = MemoryHuey(QUEUE_NAME, **options)
    else:
        raise RuntimeError("JOB_QUEUE_URL must be empty, sqlite:///PATH, redis://…, postgresql://… or memory://")
    app.extensions["job_task"] = queue.task(name="qa_app.run_job")(_run_job)
    queue.periodic_task(crontab(minute="*/15"), name="qa_app.tidy_jobs")(_tidy)
    queue.signal(SIGNAL_INTERRUPTED)(_interrupted)
    return queue


def enqueue(app: Flask, job_id: int) -> None:
    """Put the job on the queue (calling Huey's task wrapper enqueues it)."""
    get_queue(app)
    app.extensions["job_task"](job_id)


def _in_app(function, *args):
    if has_app_context():
        return function(*args)
    if _worker_app is None:
        raise RuntimeError("a job ran outside a worker started by `flask jobs worker`")
    with _worker_app.app_context():
        return function(*args)


def _run_job(job_id: int):
    from qa_app.jobs.runner import execute

    return _in_app(execute, job_id)


def _tidy():
    from qa_app.jobs.services import tidy

    return _in_app(tidy)


def _interrupted(_signal, task, *_args):
    from qa_app.jobs.services import INTERRUPTED, fail

    if task.name == "qa_app.run_job" and task.args:
        _in_app(fail, task.args[0], INTERRUPTED)


def run_worker(app: Flask, workers: int = 1) -> None:
    """Run a consumer until stopped (Ctrl+C finishes the running jobs first; SIGTERM stops at once,
    and the jobs it interrupts are marked failed)."""
    global _worker_app
    _worker_app = app
    queue = get_queue(app)
    if isinstance(queue, MemoryHuey):
        raise RuntimeError("JOB_QUEUE_URL=memory:// has no worker: jobs run in the process that queues them")
    with app.app_context():
        from qa_app.jobs.services import tidy

        tidy()
    consumer = queue.create_consumer(workers=workers, worker_type="thread", periodic=True, initial_delay=0.1,
                                     backoff=1.2, max_delay=1.0, check_worker_health=True)
    consumer.run()
