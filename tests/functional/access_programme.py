"""Access policy and scenarios of the programme page (merged by test_access_matrix.py)."""

from flask import url_for

from tests.functional.matrix_common import QA_LEAD, Call

POLICY = {
    "programme.index": {"GET": frozenset({"qa_lead", "viewer"}), "POST": QA_LEAD},
    "programme.toggle": {"POST": QA_LEAD},
}

SCENARIOS = {
    ("programme.index", "GET"): lambda w, who: Call(url_for("programme.index"), 200),
    ("programme.index", "POST"): lambda w, who: Call(url_for("programme.index"), 302, "/programme/", data={
        "name": f"Monthly {w.tag} {who}", "template_key": "supervision-record", "day_of_month": "1",
        "due_working_days": "10", "size_mode": "per_team", "size": "1", "exclude_months": "0",
        "moderation_percent": "10", "auto_assign": "y"}, event="programme.created"),
    ("programme.toggle", "POST"): lambda w, who: Call(url_for("programme.toggle", programme_id=w.extra["programme_id"]),
                                                      302, "/programme/", event="programme.paused"),
}


def extend_world(app, people, world) -> None:
    from qa_app.auth.models import User
    from qa_app.extensions import db
    from qa_app.programme.services import create_programme
    from qa_app.rounds.sampling import SampleRule

    with app.app_context():
        lead = db.session.get(User, people["qa_lead"].id)
        world.extra["programme_id"] = create_programme(
            name=f"Matrix programme {world.tag}", template_key="supervision-record",
            rule=SampleRule(size_mode="per_team", size=1), day_of_month=1, due_working_days=10, auto_assign=True,
            match_service_area=False, moderation_percent=10, actor=lead).id
        db.session.commit()
