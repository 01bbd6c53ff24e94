"""A QA lead edits a round's settings (the preview follows), extends it and cancels it, in a real browser."""

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, describe_violations, release_db, sign_in
from tests.conftest import PASSWORD


def test_edit_then_cancel_a_round(page, live_server, make_user, make_round, make_case):
    from qa_app.rounds.sampling import SampleRule

    lead = make_user("qa_lead")
    for n in range(4):
        make_case(team="North", case_type="CP" if n < 2 else "CIN")
    round_ = make_round(actor=lead, rule=SampleRule(size_mode="all", exclude_months=0))
    email, round_id, name = lead.email, round_.id, round_.name
    release_db()
    sign_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server}/rounds/{round_id}")
    expect(page.get_by_text("This rule and seed choose 4 case files")).to_be_visible()

    page.get_by_role("link", name="Change the settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the round's settings")
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    page.get_by_label("Round name").fill(f"{name} (CP only)")
    page.get_by_role("checkbox", name="Child protection", exact=True).check()
    page.get_by_label("Percentage of each auditor's audits to moderate").fill("20")
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes and preview the sample").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name} (CP only)")
    expect(page.get_by_text("This rule and seed choose 2 case files")).to_be_visible()   # the preview follows
    expect(page.locator("#settings")).to_contain_text("20% of each auditor's audits")
    expect(page.locator("#round-history")).to_contain_text("moderation percent from 10 to 20")

    # Confirm the sample, then the settings lock; cancel with a reason.
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm the sample").click()
    page.get_by_role("link", name="Extend the due date").click()
    page.get_by_role("button", name="Extend the due date").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the new due date")
    page.get_by_role("link", name="Back to the round").click()
    page.get_by_role("link", name="Cancel the round").click()
    page.get_by_role("button", name="Cancel the round").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give the reason for cancelling the round")
    page.get_by_label("Why is the round being cancelled?").fill("Replaced by the themed audit")
    with page.expect_navigation():
        page.get_by_role("button", name="Cancel the round").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Its 2 audits are kept")
    expect(page.locator(".govuk-warning-text")).to_contain_text("Replaced by the themed audit")
    expect(page.get_by_role("link", name="Change the settings")).to_have_count(0)
    expect(page.locator("#audits")).to_contain_text("Cancelled (the round was cancelled)")

    from qa_app.audits.models import Audit
    from qa_app.extensions import db
    statuses = set(db.session.scalars(sa.select(Audit.status).where(Audit.round_id == round_id)))
    release_db()
    assert statuses == {"cancelled"}
