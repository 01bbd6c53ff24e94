"""Family feedback pages: recording on an audit and from a printed form (messages on the fields, what
was typed kept), the printable blank form, and the audit page showing the feedback."""

from datetime import date

import sqlalchemy as sa

from qa_app.extensions import db
from qa_app.feedback.models import FeedbackRecord
from qa_app.practice import services as practice
from tests.conftest import _csrf_from, sign_in
from tests.functional.test_moderation_support import submit

TODAY = date.today()
DAY = [str(TODAY.day), str(TODAY.month), str(TODAY.year)]


def test_the_auditor_records_feedback_and_bad_input_is_kept_and_explained(app, client, make_user, make_audit):
    audit = submit(make_audit(auditor=make_user("auditor", team="South")))
    sign_in(client, audit.auditor)
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert f'href="/feedback/audits/{audit.id}/new"' in page
    token = _csrf_from(client.get(f"/feedback/audits/{audit.id}/new").get_data(as_text=True))
    bad = client.post(f"/feedback/audits/{audit.id}/new", data={
        "csrf_token": token, "respondent": "child", "received_on": DAY, "f_fb_child_words": "I like <my> worker."})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Choose how the feedback was given" in body and 'href="#method"' in body
    assert "tick to confirm they did" in body
    assert "I like &lt;my&gt; worker." in body and 'value="child" checked' in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackRecord)) == 0
    good = client.post(f"/feedback/audits/{audit.id}/new", data={
        "csrf_token": token, "respondent": "child", "method": "visit", "consent": "y", "received_on": DAY,
        "f_fb_listened_to": "yes", "f_fb_child_words": "I like <my> worker."})
    assert good.status_code == 302
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "Child or young person, visit" in page and "I like &lt;my&gt; worker." in page


def test_the_released_case_people_read_the_familys_feedback(app, client, make_user, make_case, make_audit):
    worker = make_user("practitioner")
    audit = submit(make_audit(auditor=make_user("auditor", team="South"), case=make_case(worker=worker)))
    from qa_app.feedback.services import save_feedback

    save_feedback(None, actor=audit.auditor, case_file=audit.case_file, round_=audit.round, audit=audit,
                  respondent="parent", method="phone", consent=True, received_on=TODAY,
                  answers={"fb_plan_helps": "partly"}, what_changed="Fewer arguments.", today=TODAY)
    practice.release(audit, practice.ReleaseReason.BY_HAND, actor=None)
    db.session.commit()
    sign_in(client, worker)
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "Parent, phone call" in page and "Fewer arguments." in page
    assert f"/feedback/audits/{audit.id}/new" not in page        # the worker reads, never records


def test_feedback_typed_in_from_a_form_needs_a_known_case_file(app, client, make_user, make_round, make_case):
    round_ = make_round()
    case = make_case(reference="P424242")
    sign_in(client, make_user("qa_lead"))
    form = client.get(f"/feedback/rounds/{round_.id}/new").get_data(as_text=True)
    data = {"csrf_token": _csrf_from(form), "round_id": str(round_.id), "reference": "P999", "respondent": "parent",
            "method": "form", "consent": "y", "received_on": DAY, "f_fb_plan_helps": "yes"}
    bad = client.post(f"/feedback/rounds/{round_.id}/new", data=data)
    assert bad.status_code == 400 and "No case file has the reference &#39;P999&#39;" in bad.get_data(as_text=True)
    good = client.post(f"/feedback/rounds/{round_.id}/new", data={**data, "reference": "p424242"})
    assert good.status_code == 302
    saved = db.session.scalar(sa.select(FeedbackRecord))
    assert (saved.case_file_id, saved.audit_id, saved.round_id) == (case.id, None, round_.id)


def test_the_blank_form_lists_every_question_and_no_case_content(app, client, make_user):
    sign_in(client, make_user("auditor"))
    page = client.get("/feedback/forms/looked-after-child").get_data(as_text=True)
    assert "Feedback from the child and their carers" in page
    assert "Do you feel safe and settled where you live?" in page and "☐ Partly" in page
    assert client.get("/feedback/forms/supervision-record").status_code == 404   # no feedback questions
