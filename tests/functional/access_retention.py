"""Access policy and request scenarios of the retention page and legal holds (merged by test_access_matrix.py)."""

from flask import url_for

from tests.functional.matrix_common import Call

MANAGERS = frozenset({"admin", "qa_lead"})


def _fresh_hold(w) -> int:
    """A hold of its own for each request (a released hold cannot be released again)."""
    from qa_app.extensions import db
    from qa_app.retention.models import LegalHold

    hold = LegalHold(case_file_id=w.case_id, reason="A complaint is being investigated")
    db.session.add(hold)
    db.session.commit()
    return hold.id


POLICY = {
    "retention.index": {"GET": MANAGERS},
    "retention.place": {"POST": MANAGERS},
    "retention.release": {"POST": MANAGERS},
}

SCENARIOS = {
    ("retention.index", "GET"): lambda w, who: Call(url_for("retention.index"), 200, event="retention.viewed"),
    ("retention.place", "POST"): lambda w, who: Call(
        url_for("retention.place"), 302, "/retention/",
        data={"case_reference": _reference(w), "round_name": "", "reason": "Complaint 2026/14"},
        event="legal_hold.placed"),
    ("retention.release", "POST"): lambda w, who: Call(
        url_for("retention.release", hold_id=_fresh_hold(w)), 302, "/retention/",
        data={"reason": "The complaint is closed"}, event="legal_hold.released"),
}


def _reference(w) -> str:
    from qa_app.cases.models import CaseFile
    from qa_app.extensions import db

    return db.session.get(CaseFile, w.case_id).reference
