"""The case list import as a background job: a list uploaded in the browser that is larger than
JOB_CASE_IMPORT_KB is kept under JOB_FILES_DIR and imported by a worker (qa_app.jobs); its page
shows the steps, then what was added, updated and closed, or every problem (and nothing changed)."""

from pathlib import Path

from flask import current_app

from qa_app.auth.models import Role
from qa_app.jobs import registry
from qa_app.jobs.registry import JobFailed, JobKind
from qa_app.jobs.services import files_dir

IMPORT = "cases.import"
STEPS = ("Reading and checking the file", "Saving")


def run_import(context, params: dict) -> dict:
    """Import the kept upload as the QA lead who started the job; all or nothing (the runner
    commits the import and the job's "done" together, and rolls everything back on failure)."""
    from qa_app.cases.importing import ImportRejected, import_cases
    from qa_app.cases.views import web_limits
    from qa_app.extensions import db

    upload = files_dir() / params["upload"]
    try:
        data = Path(upload).read_bytes()
        # Nothing is written while the file is read and checked: hold no transaction meanwhile.
        db.session.commit()

        def step(note: str) -> None:
            context.progress(STEPS.index(note), len(STEPS), note)

        def rows_read(count: int) -> None:
            context.progress(0, len(STEPS), f"{STEPS[0]}: {count:,} rows so far")

        try:
            result = import_cases(data, params["filename"], actor=context.actor,
                                  close_missing=bool(params.get("close_missing")), limits=web_limits(current_app),
                                  progress=step, rows_read=rows_read)
        except ImportRejected as error:
            raise JobFailed("The case list was not imported: nothing has been changed. Correct "
                            f"{'this problem' if len(error.problems) == 1 else f'these {len(error.problems)} problems'}"
                            " in the file and upload it again.", error.problems) from None
    finally:
        Path(upload).unlink(missing_ok=True)
    return {"lines": [f"case list {params['filename']} imported: {result.summary()}"]
            + ([f"closed because they were not in the list: {_listed(result.closed)}"] if result.closed else [])
            + result.unmatched_lines()[:50],
            "added": len(result.added), "updated": len(result.updated), "unchanged": len(result.unchanged),
            "closed": len(result.closed)}


def _listed(references: list[str], shown: int = 20) -> str:
    if len(references) <= shown:
        return ", ".join(references)
    return ", ".join(references[:shown]) + f" and {len(references) - shown:,} more"


def register() -> None:
    registry.register(JobKind(name=IMPORT, title="Import of a case list", roles=(Role.QA_LEAD,), run=run_import))
