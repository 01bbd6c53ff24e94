"""Learning pages: drafting and editing a brief (messages on the fields, what was typed kept),
publishing it, the Word document, the team manager's confirmation, and the training-needs page."""

import io
from datetime import date

from docx import Document

from qa_app.extensions import db
from qa_app.learning.models import LearningBrief
from tests.conftest import _csrf_from, csrf_token, sign_in
from tests.functional.test_moderation_support import submit

TODAY = [str(date.today().day), str(date.today().month), str(date.today().year)]


def test_the_qa_lead_drafts_edits_and_publishes_and_the_team_confirms(app, make_user, make_round, make_audit, make_case):
    qa_user = make_user("qa_lead")
    round_ = make_round(actor=qa_user)
    case = make_case(team="North")
    submit(make_audit(auditor=make_user("auditor", team="South"), round_=round_, case=case), grade=3)
    manager_user = make_user("auditor", team="North")
    qa, manager, viewer = app.test_client(), app.test_client(), app.test_client()
    sign_in(qa, qa_user)
    drafted = qa.post(f"/learning/rounds/{round_.id}/brief", data={"csrf_token": csrf_token(qa, "/learning/")})
    brief_id = db.session.query(LearningBrief.id).scalar()
    assert drafted.status_code == 302 and drafted.headers["Location"].endswith(f"/learning/briefs/{brief_id}/edit")
    form = qa.get(f"/learning/briefs/{brief_id}/edit").get_data(as_text=True)
    assert "1 case files were audited" in form or "1 case file" in form
    token = _csrf_from(form)
    bad = qa.post(f"/learning/briefs/{brief_id}/edit", data={
        "csrf_token": token, "version": "1", "title": "Our learning", "summary": f"Like on {case.reference}.",
        "strengths": "- Visits <are> regular", "areas": "", "key_messages": ""})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400 and f"Remove the case reference {case.reference}" in body
    assert "- Visits &lt;are&gt; regular" in body
    good = qa.post(f"/learning/briefs/{brief_id}/edit", data={
        "csrf_token": token, "version": "1", "title": "Our learning", "summary": "Plans need dates.",
        "strengths": "- Visits are regular", "areas": "- Plans", "key_messages": "- Date every plan"})
    assert good.status_code == 302
    page = qa.get(f"/learning/briefs/{brief_id}/publish").get_data(as_text=True)
    none = qa.post(f"/learning/briefs/{brief_id}/publish", data={"csrf_token": _csrf_from(page)})
    assert none.status_code == 400 and "Choose at least one team" in none.get_data(as_text=True)
    published = qa.post(f"/learning/briefs/{brief_id}/publish",
                        data={"csrf_token": _csrf_from(page), "team_ids": [str(manager_user.team_id)]})
    assert published.status_code == 302

    sign_in(manager, manager_user)
    home = manager.get("/home").get_data(as_text=True)
    assert "Discuss it at your team meeting" in home
    show = manager.get(f"/learning/briefs/{brief_id}").get_data(as_text=True)
    assert "Date every plan" in show and "Confirm North discussed it" in show
    confirmed = manager.post(f"/learning/briefs/{brief_id}/teams/{manager_user.team_id}/discussed",
                             data={"csrf_token": _csrf_from(show), "discussed_on": TODAY, "note": "Agreed"})
    assert confirmed.status_code == 302
    assert "(" + manager_user.display_name + "): Agreed" in manager.get(f"/learning/briefs/{brief_id}").get_data(as_text=True)
    document = manager.get(f"/learning/briefs/{brief_id}/document")
    assert document.headers["Content-Disposition"].endswith('.docx"')
    texts = [p.text for p in Document(io.BytesIO(document.data)).paragraphs]
    assert "Our learning" in texts and "Date every plan" in texts

    sign_in(viewer, make_user("viewer"))
    assert viewer.get(f"/learning/briefs/{brief_id}").status_code == 200
    outsider = app.test_client()
    sign_in(outsider, make_user("practitioner", team="South"))
    assert outsider.get(f"/learning/briefs/{brief_id}").status_code == 403


def test_tagging_and_the_training_needs_page(app, client, make_user, make_audit, make_case):
    auditor = make_user("auditor", team="South")
    audit = submit(make_audit(auditor=auditor, case=make_case(team="North")), grade=3)
    sign_in(client, auditor)
    form = client.get(f"/learning/audits/{audit.id}/training-needs").get_data(as_text=True)
    bad = client.post(f"/learning/audits/{audit.id}/training-needs",
                      data={"csrf_token": _csrf_from(form), "target": "q:plan_smart", "need": ""})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Choose the training need" in body and 'value="q:plan_smart" selected' in body
    assert client.post(f"/learning/audits/{audit.id}/training-needs", data={
        "csrf_token": _csrf_from(form), "target": "q:plan_smart", "need": "smart_planning"}).status_code == 302
    assert "Writing SMART plans" in client.get(f"/audits/{audit.id}").get_data(as_text=True)
    lead = app.test_client()
    sign_in(lead, make_user("viewer"))
    page = lead.get("/learning/training-needs").get_data(as_text=True)
    assert "SMART objectives" in page and "Writing SMART plans" in page and "North" in page
