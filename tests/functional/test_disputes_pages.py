"""Dispute pages: the auditor raises one from the audit page, the decider's form keeps what was typed
and says what is wrong on the field, and the audit page shows the decision."""

from qa_app.extensions import db
from qa_app.disputes.models import Dispute
from tests.conftest import _csrf_from, sign_in
from tests.integration.test_disputes import world  # noqa: F401  (the fixture)


def test_raise_decide_and_see_the_final_grade(app, world):  # noqa: F811
    auditor, third = app.test_client(), app.test_client()
    sign_in(auditor, world.auditor)
    page = auditor.get(f"/audits/{world.audit.id}").get_data(as_text=True)
    assert f'href="/disputes/audits/{world.audit.id}/new"' in page
    token = _csrf_from(auditor.get(f"/disputes/audits/{world.audit.id}/new").get_data(as_text=True))
    empty = auditor.post(f"/disputes/audits/{world.audit.id}/new", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 400 and "Say why you dispute the moderated grade" in empty.get_data(as_text=True)
    raised = auditor.post(f"/disputes/audits/{world.audit.id}/new",
                          data={"csrf_token": token, "reason": "Plans are reviewed <monthly>."})
    assert raised.status_code == 302
    dispute_id = db.session.query(Dispute.id).scalar()

    sign_in(third, world.third)
    assert "Disputed grades to decide" in third.get("/home").get_data(as_text=True)
    form = third.get(f"/disputes/{dispute_id}/decide").get_data(as_text=True)
    assert "Plans are reviewed &lt;monthly&gt;." in form
    bad = third.post(f"/disputes/{dispute_id}/decide", data={
        "csrf_token": _csrf_from(form), "version": "1", "decision": "different_grade", "grade": "",
        "rationale": "Half way between."})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Choose the grade" in body and "Half way between." in body
    assert 'value="different_grade" checked' in body
    good = third.post(f"/disputes/{dispute_id}/decide", data={
        "csrf_token": _csrf_from(form), "version": "1", "decision": "uphold_auditor", "rationale": "The file shows it."})
    assert good.status_code == 302
    page = auditor.get(f"/audits/{world.audit.id}").get_data(as_text=True)
    assert "the auditor&#39;s grade upheld" in page and "The final grade is Good." in page
    assert "Good (decided on a dispute)" in page
    assert auditor.get(f"/disputes/{dispute_id}/decide").status_code == 403   # the auditor never decides
