"""The whole audit path through the services: round → sample → assign → draft → submit."""

from datetime import date

import pytest

from qa_app.audits.services import save_audit
from qa_app.errors import ValidationFailed
from qa_app.extensions import db
from qa_app.rounds import services as rounds
from qa_app.rounds.queries import round_progress
from qa_app.rounds.sampling import SampleRule


def test_round_sample_assign_and_submit(app, make_case, make_user, make_round):
    for n in range(6):
        make_case(case_type="CP" if n % 2 else "CIN", team="North" if n < 3 else "South")
    qa = make_user("qa_lead")
    north = make_user("auditor", team="North")
    south = make_user("auditor", team="South")
    round_ = make_round(rule=SampleRule(size_mode="per_team", size=2), actor=qa)
    audits = rounds.confirm_sample(round_, actor=qa, today=date.today())
    assert len(audits) == 4
    db.session.flush()
    assert rounds.auto_assign(round_, actor=qa, auditors=[north, south]) == 4
    for audit in audits:
        assert audit.auditor.team_id != audit.case_file.team_id
    db.session.commit()

    audit = audits[0]
    me = audit.auditor
    save_audit(audit, actor=me, answers={}, overall_grade=None, overall_summary="", immediate_risk=False,
               immediate_risk_reason="", expected_version=audit.version, submit=False)
    db.session.commit()
    assert audit.status == "in_progress"
    with pytest.raises(ValidationFailed) as error:
        save_audit(audit, actor=me, answers={}, overall_grade=2, overall_summary="", immediate_risk=False,
                   immediate_risk_reason="", expected_version=audit.version, submit=True)
    assert any(field.startswith("q_") for field, _ in error.value.problems)
    db.session.rollback()
    progress = {p.name: p for p in round_progress(round_, date.today())}
    assert progress[me.display_name].in_progress == 1
