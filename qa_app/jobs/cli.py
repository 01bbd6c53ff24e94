"""`jobs worker`: run background jobs; `jobs tidy`: the housekeeping a worker does every 15 minutes."""

import logging

import click
from flask import current_app


@click.group("jobs", help="Background jobs (large exports and imports).")
def jobs_cli() -> None:
    pass


@jobs_cli.command("worker", help="Run queued jobs until stopped (Ctrl+C lets running jobs finish).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Jobs run at the same time by this process.")
def worker(workers: int) -> None:
    from qa_app.jobs.queue import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = current_app._get_current_object()
    click.echo(f"Job worker: {workers} at a time, queue {_describe(app.config.get('JOB_QUEUE_URL'))}", err=True)
    run_worker(app, workers=workers)


@jobs_cli.command("tidy", help="Fail stale jobs and delete downloads past JOB_FILES_KEEP_HOURS.")
def tidy_command() -> None:
    from qa_app.jobs.services import tidy

    result = tidy()
    click.echo(f"{result['stale']} stale job(s) failed, {result['files_removed']} old download(s) deleted")


def _describe(url: str | None) -> str:
    if not url:
        return "instance/job-queue.sqlite"
    return url.split("@")[-1] if "@" in url else url  # never print a password
