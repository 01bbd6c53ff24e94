"""Access policy and request scenarios of your own account's pages (merged by test_access_matrix.py).
Everyone signed in has an account page; each person reaches only their own sessions (the per-person
checks are in tests/security/test_sessions.py)."""

from flask import url_for

from tests.functional.matrix_common import ROLES, SIGNED_IN, Call

POLICY = {
    "account.index": {"GET": SIGNED_IN},
    "account.password": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "account.list_sessions": {"GET": SIGNED_IN},
    "account.end_session": {"POST": SIGNED_IN},
    "account.end_others": {"POST": SIGNED_IN},
}


def extend_world(app, people, world):
    """A second open session for each person, for them to end."""
    from qa_app.auth import sessions
    from qa_app.auth.models import User
    from qa_app.extensions import db

    with app.app_context():
        ids = {}
        for role in ROLES:
            record, _key = sessions.start(db.session.get(User, people[role].id), method="password",
                                          user_agent="Matrix browser")
            ids[role] = record.id
        db.session.commit()
    world.extra["sessions"] = ids


def _own_session(w, who):
    return w.extra["sessions"].get(who, w.extra["sessions"]["auditor"])


SCENARIOS = {
    ("account.index", "GET"): lambda w, who: Call(url_for("account.index"), 200),
    ("account.password", "GET"): lambda w, who: Call(url_for("account.password"), 200),
    # A refused change (wrong current password): shown again with the reason; the matrix's people
    # keep their password for later sign-ins.
    ("account.password", "POST"): lambda w, who: Call(url_for("account.password"), 400, data={
        "current_password": "not the password", "new_password": "lantern orchard velvet 42",
        "confirm_password": "lantern orchard velvet 42"}),
    ("account.list_sessions", "GET"): lambda w, who: Call(url_for("account.list_sessions"), 200),
    ("account.end_session", "POST"): lambda w, who: Call(
        url_for("account.end_session", session_id=_own_session(w, who)), 302, "/account/sessions", data={},
        event="session.ended_by_user"),
    ("account.end_others", "POST"): lambda w, who: Call(url_for("account.end_others"), 302, "/account/sessions",
                                                        data={}, event="session.others_ended"),
}
