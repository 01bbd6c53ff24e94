"""Access policy and request scenarios of the report pages (merged by test_access_matrix.py)."""

import io

from flask import url_for

from tests.functional.matrix_common import QA_LEAD, Call

REPORT_READERS = frozenset({"qa_lead", "viewer"})

POLICY = {
    "reports.index": {"GET": REPORT_READERS},
    "reports.for_round": {"GET": REPORT_READERS},
    "reports.as_json": {"GET": REPORT_READERS},
    "reports.audits": {"GET": REPORT_READERS},
    "reports.board_pack": {"GET": REPORT_READERS, "POST": REPORT_READERS},
    "reports.targets": {"GET": QA_LEAD, "POST": QA_LEAD},
    "reports.remove_target": {"POST": QA_LEAD},
    "exchange.export": {"GET": QA_LEAD},
    "exchange.start_export": {"POST": QA_LEAD},
    "exchange.import_form": {"GET": QA_LEAD, "POST": QA_LEAD},
}

SCENARIOS = {
    ("reports.index", "GET"): lambda w, who: Call(url_for("reports.index"), 200, event="report.viewed"),
    ("reports.for_round", "GET"): lambda w, who: Call(url_for("reports.for_round", round_id=w.round_id), 302,
                                                      "/reports/"),
    ("reports.as_json", "GET"): lambda w, who: Call(url_for("reports.as_json"), 200, event="report.viewed"),
    ("reports.audits", "GET"): lambda w, who: Call(url_for("reports.audits"), 200,
                                                   event="report.audits_listed"),
    # A link or bookmark asks first; the POST starts the board pack as a job and shows its page.
    ("reports.board_pack", "GET"): lambda w, who: Call(url_for("reports.board_pack"), 200),
    ("reports.board_pack", "POST"): lambda w, who: Call(url_for("reports.board_pack"), 303, r"/jobs/\d+",
                                                        event="job.started"),
    ("reports.targets", "GET"): lambda w, who: Call(url_for("reports.targets"), 200),
    ("reports.targets", "POST"): lambda w, who: Call(url_for("reports.targets"), 302, "/reports/targets", data={
        "name": f"Inadequate at most 10% ({who})", "figure": "percent_inadequate", "comparison": "at_most",
        "value": "10", "amber_margin": "5"}, event="target.added"),
    ("reports.remove_target", "POST"): lambda w, who: Call(url_for("reports.remove_target", target_id=_target(w)),
                                                          302, "/reports/targets", event="target.retired"),
    ("exchange.export", "GET"): lambda w, who: Call(url_for("exchange.export"), 200, event="export.downloaded"),
    # Preparing an export in the background: the job is recorded and the person sees its page.
    ("exchange.start_export", "POST"): lambda w, who: Call(url_for("exchange.start_export"), 303, event="job.started"),
    ("exchange.import_form", "GET"): lambda w, who: Call(url_for("exchange.import_form"), 200),
    # A file that is not a workbook: the page lists the problem, and nothing is imported.
    ("exchange.import_form", "POST"): lambda w, who: Call(
        url_for("exchange.import_form"), 422, data={"file": (io.BytesIO(b"not a workbook"), "results.xlsx")}),
}


def extend_world(app, people, world) -> None:
    """Targets to remove: one for each principal that may try (a removed target stays removed)."""
    from qa_app.auth.models import User
    from qa_app.extensions import db
    from qa_app.reports.targets import add_target

    with app.app_context():
        lead = db.session.get(User, people["qa_lead"].id)
        world.extra["targets"] = [
            add_target(name=f"To remove {n}", measure="percent_inadequate", comparison="at_most", value=10,
                       amber_margin=5, actor=lead).id for n in range(12)]
        db.session.commit()


def _target(world) -> int:
    return world.extra["targets"].pop()
