"""Access policy and request scenarios of "who has seen a case file" (merged by test_access_matrix.py)."""

from flask import url_for

from tests.functional.matrix_common import Call

SEEN_READERS = frozenset({"qa_lead", "admin"})


def _reference(w) -> str:
    from qa_app.cases.models import CaseFile
    from qa_app.extensions import db

    return db.session.get(CaseFile, w.case_id).reference


POLICY = {
    "history.seen": {"GET": SEEN_READERS},
    "history.seen_csv": {"GET": SEEN_READERS},
}

SCENARIOS = {
    ("history.seen", "GET"): lambda w, who: Call(url_for("history.seen", case=_reference(w)), 200,
                                                 event="history.seen_viewed"),
    ("history.seen_csv", "GET"): lambda w, who: Call(url_for("history.seen_csv", case=_reference(w)), 200,
                                                     event="history.seen_exported"),
}
