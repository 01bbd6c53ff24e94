"""Access policy and request scenarios of the report pages (merged by test_access_matrix.py)."""

import io

from flask import url_for

from tests.functional.matrix_common import QA_LEAD, Call

REPORT_READERS = frozenset({"qa_lead", "viewer"})

POLICY = {
    "reports.index": {"GET": REPORT_READERS},
    "reports.for_round": {"GET": REPORT_READERS},
    "reports.as_json": {"GET": REPORT_READERS},
    "exchange.export": {"GET": QA_LEAD},
    "exchange.start_export": {"POST": QA_LEAD},
    "exchange.import_form": {"GET": QA_LEAD, "POST": QA_LEAD},
}

SCENARIOS = {
    ("reports.index", "GET"): lambda w, who: Call(url_for("reports.index"), 200, event="report.viewed"),
    ("reports.for_round", "GET"): lambda w, who: Call(url_for("reports.for_round", round_id=w.round_id), 302,
                                                      "/reports/"),
    ("reports.as_json", "GET"): lambda w, who: Call(url_for("reports.as_json"), 200, event="report.viewed"),
    ("exchange.export", "GET"): lambda w, who: Call(url_for("exchange.export"), 200, event="export.downloaded"),
    # Preparing an export in the background: the job is recorded and the person sees its page.
    ("exchange.start_export", "POST"): lambda w, who: Call(url_for("exchange.start_export"), 303, event="job.started"),
    ("exchange.import_form", "GET"): lambda w, who: Call(url_for("exchange.import_form"), 200),
    # A file that is not a workbook: the page lists the problem, and nothing is imported.
    ("exchange.import_form", "POST"): lambda w, who: Call(
        url_for("exchange.import_form"), 200, data={"file": (io.BytesIO(b"not a workbook"), "results.xlsx")}),
}
