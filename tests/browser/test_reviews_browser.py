"""In a real browser: the follow-up (review) audit form with an earlier finding beside its question,
the action pages, and axe-core's accessibility checks on them."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, describe_violations, release_db, sign_in
from tests.conftest import PASSWORD


@pytest.fixture
def review_setup(app, make_user, make_audit, make_case, make_round):
    """A review audit with an earlier finding and a done action; the owner's and auditor's emails."""
    from datetime import date, timedelta

    from qa_app.audits.models import Audit
    from qa_app.extensions import db
    from qa_app.reviews.services import create_review_round
    from tests.integration.test_reviews_services import add_action, graded

    qa = make_user("qa_lead")
    auditor, worker = make_user("auditor", team="Another team"), make_user("practitioner", team="Assessment")
    earlier = make_round(actor=qa)
    before = graded(make_audit, make_case, earlier, auditor, overall=4, case=make_case(reference="CF-4242"),
                    grades={"plan_smart": 4})
    action = add_action(before, worker, question="plan_smart", status="done")
    round_ = create_review_round(earlier, name="Review", due_date=date.today() + timedelta(days=9),
                                 mode="graded_ri_or_inadequate", actor=qa, today=date.today())
    db.session.commit()
    review = db.session.scalar(sa.select(Audit).where(Audit.round_id == round_.id))
    result = {"auditor": auditor.email, "worker": worker.email, "review_id": review.id, "action_id": action.id,
              "before_id": before.id}
    release_db()
    return result


def test_review_form_and_action_pages_are_accessible(page, live_server, review_setup):
    s = review_setup
    sign_in(page, live_server, s["auditor"], PASSWORD)
    page.goto(f"{live_server}/audits/{s['review_id']}")
    check = page.locator("#check-plan_smart")
    expect(check).to_contain_text("Earlier evidence for plan_smart")
    expect(check.get_by_role("group", name="Is the improvement in place?")).to_be_visible()
    expect(check.get_by_label("Verify this action: Fix plan_smart")).not_to_be_checked()
    for where in ("the review audit form", "the action page", "adding an action"):
        if where == "the action page":
            page.goto(f"{live_server}/actions/{s['action_id']}")
            expect(page.get_by_role("button", name="Verify: the change is in place")).to_be_visible()
        elif where == "adding an action":
            page.goto(f"{live_server}/actions/audits/{s['before_id']}/new")
            page.get_by_role("button", name="Add the action").click()   # with errors
            expect(page.locator(".govuk-error-summary")).to_be_visible()
        violations = axe_violations(page)
        assert not violations, f"{where}:\n{describe_violations(violations)}"
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, s["worker"], PASSWORD)
    page.goto(f"{live_server}/actions/mine")
    expect(page.locator("table#actions")).to_contain_text("CF-4242")
    violations = axe_violations(page)
    assert not violations, f"My actions:\n{describe_violations(violations)}"
