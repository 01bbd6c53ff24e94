"""The exchange workbook's background jobs: a large export, and a large results import."""

from datetime import date
from pathlib import Path

from qa_app.auth.models import Role
from qa_app.jobs import registry
from qa_app.jobs.registry import JobFailed, JobKind
from qa_app.jobs.services import files_dir
from qa_app.reports.queries import ReportFilter

EXPORT = "exchange.export"
IMPORT = "exchange.import"


def run_export(context, params: dict) -> dict:
    """Write the workbook for the job's filters to a file the person downloads from the job page."""
    from qa_app.exchange.export import write_exchange_workbook
    from qa_app.exchange.queries import export_size

    filters = ReportFilter.from_params(params["filters"])
    today = date.fromisoformat(params["today"])
    audits, answers = export_size(filters)
    total = audits + answers
    context.progress(0, total, "Writing the workbook")
    written = {"Audits": 0, "Answers": 0}

    def progress(sheet: str, rows: int) -> None:
        if sheet.split(" (")[0] in ("Audits", "Answers"):
            written[sheet] = rows
            context.progress(sum(written.values()), total)

    path = context.output_path(".xlsx")
    with path.open("wb") as out:
        report = write_exchange_workbook(out, filters=filters, today=today, progress=progress,
                                         generated_by=context.actor.email if context.actor else "background job")
    context.offer_file(path, params.get("file_name") or f"qa-results-{today:%Y-%m-%d}.xlsx")
    return {"audits": report["audits"], "lines": [f"{report['audits']:,} audit(s) exported"]}


def run_import(context, params: dict) -> dict:
    """Import the uploaded workbook (kept under JOB_FILES_DIR until now); all or nothing."""
    from qa_app.exchange.importing import STEPS, ResultsRejected, import_results

    upload = files_dir() / params["upload"]
    try:
        data = Path(upload).read_bytes()
        context.progress(0, len(STEPS), STEPS[0])
        try:
            summary = import_results(data, params["filename"], actor=context.actor,
                                     progress=lambda step: context.progress(STEPS.index(step), len(STEPS), step))
        except ResultsRejected as error:
            raise JobFailed(f"The results were not imported: nothing has been changed. Correct "
                            f"{'this problem' if len(error.problems) == 1 else f'these {len(error.problems)} problems'}"
                            " and upload the workbook again.", error.problems) from None
    finally:
        Path(upload).unlink(missing_ok=True)
    return {"lines": summary.lines(), "audits": summary.audits}


def register() -> None:
    registry.register(JobKind(name=EXPORT, title="Excel export of results", roles=(Role.QA_LEAD,), run=run_export,
                              download_event="export.downloaded"))
    registry.register(JobKind(name=IMPORT, title="Import of results", roles=(Role.QA_LEAD,), run=run_import))
