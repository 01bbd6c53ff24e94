"""Review rounds over HTTP: the QA lead creates one from an earlier round; the auditor sees the
earlier findings beside each question, records the checks and verifies an action in the same
step; the review round page shows before and after."""

import re
from datetime import date, timedelta

import sqlalchemy as sa

from qa_app.actions.models import Action
from qa_app.audits.models import Audit
from qa_app.extensions import db
from tests.conftest import _csrf_from, sign_in
from tests.integration.test_reviews_services import add_action, graded

TODAY = date.today()


def form_answers(template, grade="2"):
    data = {}
    for q in template.questions():
        data[f"q_{q.key}"] = {"grade": grade, "yes_partly_no": "yes", "choice": (q.choices or ("",))[0],
                              "text": "Seen and recorded.", "number": "12",
                              "date": ["3", "2", "2026"]}[q.type]
    data["overall_grade"] = grade
    return data


def test_create_a_review_round_then_review_a_file(app, make_user, make_audit, make_case, make_round):
    qa = make_user("qa_lead")
    auditor, worker, viewer = make_user("auditor", team="Another team"), make_user("practitioner"), make_user("viewer")
    earlier = make_round(actor=qa)
    before = graded(make_audit, make_case, earlier, auditor, overall=4, case=make_case(reference="REV-1"),
                    grades={"plan_smart": 4, "contingency_plan": 2})
    graded(make_audit, make_case, earlier, auditor, overall=2, case=make_case(reference="REV-2"))
    action = add_action(before, worker, question="plan_smart", status="done", due=TODAY + timedelta(days=10))
    earlier_id, action_id = earlier.id, action.id

    lead, auditing, viewing = app.test_client(), app.test_client(), app.test_client()
    sign_in(lead, qa)
    sign_in(auditing, auditor)
    sign_in(viewing, viewer)

    index = lead.get("/reviews/").get_data(as_text=True)
    assert f'href="/reviews/new/{earlier_id}"' in index
    form = lead.get(f"/reviews/new/{earlier_id}").get_data(as_text=True)
    assert "Case files with at least one action due by today: 0 now." in form
    assert "Requires improvement or Inadequate: 1 now." in form
    created = lead.post(f"/reviews/new/{earlier_id}", data={
        "csrf_token": _csrf_from(form), "name": "Review of round 1", "mode": "graded_ri_or_inadequate",
        "due_date": [str(d) for d in ((TODAY + timedelta(days=20)).day, (TODAY + timedelta(days=20)).month,
                                      (TODAY + timedelta(days=20)).year)]})
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    round_id = int(re.fullmatch(r".*/reviews/rounds/(\d+)", created.headers["Location"]).group(1))
    review = db.session.scalar(sa.select(Audit).where(Audit.round_id == round_id))
    assert review.case_file.reference == "REV-1" and review.auditor_id == auditor.id
    review_id = review.id

    # The auditor's form shows the earlier finding and its action beside the question.
    page = auditing.get(f"/audits/{review_id}").get_data(as_text=True)
    assert "Follow-up audit" in page
    plan = page[page.index('id="question-plan_smart"'):page.index('id="question-plan_progress"')]
    assert "Earlier evidence for plan_smart" in plan and "Inadequate" in plan
    assert "Fix plan_smart" in plan and 'name="rc_plan_smart"' in plan and f'name="verify_{action_id}"' in plan
    assert 'name="rc_contingency_plan"' not in page        # Good earlier, no action: nothing to re-check
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    data = {"csrf_token": _csrf_from(page), "version": version, "action": "submit",
            **form_answers(review.template), f"verify_{action_id}": "y"}
    missing = auditing.post(f"/audits/{review_id}", data=data)
    html = missing.get_data(as_text=True)
    assert missing.status_code == 400 and 'href="#rc_plan_smart"' in html
    assert "Say whether the improvement is in place" in html
    # What was typed was kept as a draft: the page now carries the draft's version.
    data["version"] = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)

    done = auditing.post(f"/audits/{review_id}", data={**data, "rc_plan_smart": "yes",
                                                       "rce_plan_smart": "Plan has dates and owners."})
    assert done.status_code == 302, done.get_data(as_text=True)[:3000]
    db.session.expire_all()
    assert db.session.get(Action, action_id).status == "verified"
    view = auditing.get(f"/audits/{review_id}").get_data(as_text=True)
    assert 'id="review-checks"' in view and "Plan has dates and owners." in view

    report = lead.get(f"/reviews/rounds/{round_id}").get_data(as_text=True)
    row = report[report.index("REV-1"):]
    assert re.search(r"Inadequate</td>\s*<td[^>]*>Good</td>\s*<td[^>]*>Better</td>", row)
    assert "SMART objectives" in report and "1 of 1" in report
    # A viewer sees the figures by theme, not the case files.
    viewer_page = viewing.get(f"/reviews/rounds/{round_id}").get_data(as_text=True)
    assert "SMART objectives" in viewer_page and "REV-1" not in viewer_page
    assert auditing.get(f"/reviews/rounds/{round_id}").status_code == 403
    assert lead.get(f"/reviews/rounds/{earlier_id}").status_code == 404   # not a review round
