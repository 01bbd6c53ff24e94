"""Access policy and scenarios of the routes that change a saved round (merged by test_access_matrix.py)."""

from datetime import date, timedelta

from flask import url_for

from tests.functional.matrix_common import QA_LEAD, Call, _date_parts

POLICY = {
    "rounds.edit": {"GET": QA_LEAD, "POST": QA_LEAD},
    "rounds.extend": {"GET": QA_LEAD, "POST": QA_LEAD},
    "rounds.cancel": {"GET": QA_LEAD, "POST": QA_LEAD},
}


def _edit_data(w, who):
    return {"name": f"Matrix draft {w.tag} renamed by {who}", "template_key": str(w.extra["draft_version_id"]),
            "due_date": _date_parts(date.today() + timedelta(days=40)), "size_mode": "all", "size": "5",
            "exclude_months": "0", "seed": "1", "moderation_percent": "15", "blind_moderation": "blind",
            "team_ids": [str(w.extra["draft_team_id"])]}


SCENARIOS = {
    ("rounds.edit", "GET"): lambda w, who: Call(url_for("rounds.edit", round_id=w.draft_round_id), 200),
    ("rounds.edit", "POST"): lambda w, who: Call(url_for("rounds.edit", round_id=w.draft_round_id), 302,
                                                 f"/rounds/{w.draft_round_id}", data=_edit_data(w, who),
                                                 event="round.edited"),
    ("rounds.extend", "GET"): lambda w, who: Call(url_for("rounds.extend", round_id=w.round_id), 200),
    ("rounds.extend", "POST"): lambda w, who: Call(
        url_for("rounds.extend", round_id=w.round_id), 302, f"/rounds/{w.round_id}",
        data={"due_date": _date_parts(date.today() + timedelta(days=60 + len(who))), "reason": "Access test"},
        event="round.due_date_extended"),
    ("rounds.cancel", "GET"): lambda w, who: Call(url_for("rounds.cancel", round_id=w.round_id), 200),
    ("rounds.cancel", "POST"): lambda w, who: Call(
        url_for("rounds.cancel", round_id=w.extra["to_cancel"][-1]), 302, f"/rounds/{w.extra['to_cancel'][-1]}",
        data={"reason": "Cancelled by the access test"}, event="round.cancelled"),
}


def extend_world(app, people, world) -> None:
    import sqlalchemy as sa

    from qa_app.audit_forms.services import current_version
    from qa_app.auth.models import User
    from qa_app.extensions import db
    from qa_app.rounds.models import AuditRound
    from qa_app.rounds.sampling import SampleRule
    from qa_app.rounds.services import create_round

    with app.app_context():
        draft = db.session.get(AuditRound, world.draft_round_id)
        world.extra["draft_version_id"] = draft.template_version_id
        world.extra["draft_team_id"] = SampleRule.from_dict(draft.sample_rule).team_ids[0]
        qa = db.session.get(User, people["qa_lead"].id)
        world.extra["to_cancel"] = [
            create_round(name=f"Matrix cancel {world.tag} {n}", template_version=current_version("cp-cin-case-file"),
                         due_date=date.today() + timedelta(days=30), rule=SampleRule(size_mode="all"), seed=1,
                         actor=qa, today=date.today()).id for n in range(2)]
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).where(AuditRound.id.in_(world.extra["to_cancel"]))) == 2
