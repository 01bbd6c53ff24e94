"""The board pack as a background job: drawing the PDF takes seconds for one round and longer over
many, more than a web request may take. The report page starts the job; the job's page shows its
progress and then offers the PDF (`report round ROUND --pdf FILE` still writes it at once)."""

from datetime import date, datetime

from qa_app.jobs import registry
from qa_app.jobs.registry import JobKind
from qa_app.reports.permissions import REPORT_READERS
from qa_app.reports.queries import ReportFilter

BOARD_PACK = "reports.board_pack"
STEPS = ("Gathering the figures", "Drawing the PDF")


def run_board_pack(context, params: dict) -> dict:
    """The board pack of the job's filters, as of the day it was asked for, to download from the job page."""
    from qa_app.reports.boardpack import board_pack_pdf, file_name
    from qa_app.extensions import db
    from qa_app.reports.cache import cached_report

    filters = ReportFilter.from_params(params["filters"])
    today = date.fromisoformat(params["today"])
    context.progress(0, len(STEPS), STEPS[0])
    report = cached_report(filters, today=today)
    # A report computed here was stored in the cache: commit it now (it is only a cache, true at its
    # version), so that on SQLite the progress below is not held up by this session's write lock.
    db.session.commit()
    context.progress(1, len(STEPS), STEPS[1])
    pdf = board_pack_pdf(report, title=params["title"], scope=params["scope"], generated=datetime.now())
    path = context.output_path(".pdf")
    path.write_bytes(pdf)
    context.offer_file(path, file_name(params["title"], today))
    audits = report["audits"]
    return {"audits": audits, "bytes": len(pdf),
            "lines": [f"the board pack of {audits:,} audit{'s' if audits != 1 else ''} is ready"]}


def register() -> None:
    registry.register(JobKind(name=BOARD_PACK, title="Board pack (PDF)", roles=REPORT_READERS, run=run_board_pack,
                              download_event="report.board_pack_downloaded"))
