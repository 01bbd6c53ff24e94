"""In a real browser: an auditor flags a child at immediate risk on the audit form; the case's team
manager finds it at the top of their dashboard and acknowledges it, recording the action taken."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, describe_violations, release_db, sign_in
from tests.conftest import PASSWORD

REASON = "Bruising to the face seen on a home visit; no strategy discussion recorded."


@pytest.fixture
def setup(app, make_user, make_audit, make_case, make_round):
    qa = make_user("qa_lead")
    auditor = make_user("auditor", team="Another team")
    manager = make_user("auditor", team="Assessment")
    manager.display_name = "Team Manager Tm"
    from qa_app.extensions import db

    db.session.commit()
    audit = make_audit(auditor=auditor, round_=make_round(actor=qa),
                       case=make_case(reference="CF-31337", team="Assessment"))
    result = {"auditor": auditor.email, "manager": manager.email, "audit_id": audit.id}
    release_db()
    return result


def stored_escalation():
    from qa_app.escalations.models import Escalation
    from qa_app.extensions import db

    db.session.expire_all()
    row = db.session.execute(sa.select(Escalation.status, Escalation.reason, Escalation.action_taken)).all()
    release_db()
    return row


def test_auditor_flags_a_child_at_risk_and_the_team_manager_acknowledges(page, live_server, setup):
    sign_in(page, live_server, setup["auditor"], PASSWORD)
    page.goto(f"{live_server}/audits/{setup['audit_id']}")
    page.get_by_label("A child on this case file is at immediate risk").check()
    page.get_by_label("Why the child is at immediate risk").fill(REASON)
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Draft saved")
    # Above it, a warning (not a success) saying what to do now and who has been told.
    act_now = page.locator("#act-now")
    expect(act_now).to_have_attribute("role", "alert")
    expect(act_now).to_contain_text("Important: act now")
    expect(act_now).to_contain_text("If the risk is current, act now")
    expect(act_now).to_contain_text("Told by email:")
    assert act_now.bounding_box()["y"] < page.locator(".govuk-notification-banner--success").bounding_box()["y"]
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    panel = page.locator("#escalations-panel")
    expect(panel).to_contain_text("Not acknowledged for less than a minute")
    assert stored_escalation() == [("raised", REASON, "")]
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, setup["manager"], PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    alert = page.locator("#escalations-panel")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("A child is at immediate risk")
    expect(alert).to_contain_text("CF-31337")
    # It heads the page: nothing else in the main content comes before it but the greeting.
    first_after_heading = page.locator("main h1 + *")
    expect(first_after_heading).to_have_id("escalations-panel")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)

    alert.get_by_role("link", name="Case file CF-31337").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Child at immediate risk: case file CF-31337")
    expect(page.locator("main")).to_contain_text(REASON)
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    page.get_by_label("Action taken").fill("Strategy discussion held at 2pm; child seen by the duty worker.")
    with page.expect_navigation():
        page.get_by_role("button", name="Acknowledge and record the action taken").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("acknowledged")
    expect(page.locator("main")).to_contain_text("Acknowledged by Team Manager Tm")
    expect(page.locator("#trail")).to_contain_text("Acknowledged, action taken recorded")
    assert stored_escalation() == [
        ("acknowledged", REASON, "Strategy discussion held at 2pm; child seen by the duty worker.")]

    page.goto(f"{live_server}/home")
    expect(page.locator("#escalations-panel")).to_have_count(0)

