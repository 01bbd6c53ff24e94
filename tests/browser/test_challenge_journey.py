"""An IRO challenge in a real browser: the IRO raises it from the case file's page, the team manager
responds, the IRO escalates it to formal stage 1; every page passes axe-core's serious checks."""

from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from qa_app.presentation import uk_date
from qa_app.working_days import add_working_days
from tests.browser.conftest import axe_violations, describe_violations, release_db, sign_in
from tests.conftest import PASSWORD


@dataclass(frozen=True)
class Setup:
    iro: str
    manager: str
    case_id: int
    reference: str


@pytest.fixture
def setup(make_user, make_case):
    iro = make_user("iro", email="ira.iro@example.org")
    manager = make_user("auditor", team="Assessment", email="tess.manager@example.org")
    case = make_case(reference="CF-77120", team="Assessment")
    result = Setup(iro=iro.email, manager=manager.email, case_id=case.id, reference=case.reference)
    release_db()
    return result


def stored():
    from qa_app.challenges.models import Challenge
    from qa_app.extensions import db

    db.session.expire_all()
    challenge = db.session.scalar(sa.select(Challenge))
    result = None if challenge is None else (
        challenge.id, challenge.current_stage, [(s.stage, s.response, s.closed_because) for s in challenge.stages])
    release_db()
    return result


def sign_out(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


def check_accessible(page):
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_raise_respond_escalate(page, live_server, setup):
    s = setup
    # The IRO raises the challenge from the case file's page.
    sign_in(page, live_server, s.iro, PASSWORD)
    page.goto(f"{live_server}/cases/{s.case_id}")
    page.get_by_role("link", name="Raise a challenge on this case file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Raise a challenge")
    expect(page.get_by_text("Tess Manager, team manager of Assessment")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Raise the challenge").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose what the concern is about")
    check_accessible(page)
    page.get_by_role("radio", name="Contingency planning").check()
    page.get_by_label("Describe the concern").fill("The CP plan has no contingency if the placement breaks down.")
    page.get_by_label("What outcome are you seeking?").fill("A written contingency plan within 10 days.")
    with page.expect_navigation():
        page.get_by_role("button", name="Raise the challenge").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Challenge raised on case file CF-77120")
    expect(page.get_by_text(uk_date(add_working_days(date.today(), 5))).first).to_be_visible()
    check_accessible(page)
    challenge_url = page.url
    sign_out(page)

    # The team manager finds it awaiting their response and responds.
    sign_in(page, live_server, s.manager, PASSWORD)
    page.get_by_role("link", name="Challenges awaiting your response: 1").click()
    page.get_by_role("link", name="CF-77120").click()
    page.get_by_label("Your response").fill("Contingency plan drafted; review on Friday.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the response").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Your response has been recorded")
    sign_out(page)
    assert stored()[2] == [("informal", "Contingency plan drafted; review on Friday.", None)]

    # The IRO is not satisfied and escalates to formal stage 1.
    sign_in(page, live_server, s.iro, PASSWORD)
    page.goto(challenge_url)
    expect(page.get_by_text("Contingency plan drafted; review on Friday.").first).to_be_visible()
    page.get_by_role("link", name="Escalate the challenge or skip a stage").click()
    expect(page.get_by_role("radio", name="Formal stage 1: Team manager")).to_be_checked()
    expect(page.get_by_label("Who will respond at that stage").locator("option:checked")).to_have_text(
        "Tess Manager (Assessment)")   # the suggested team manager
    check_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Move the challenge on").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("now at Formal stage 1")
    expect(page.get_by_text("within 20 working days of the formal process starting")).to_be_visible()
    check_accessible(page)
    _, stage, stages = stored()
    assert stage == "stage_1"
    assert [(key, because) for key, _, because in stages] == [("informal", "escalated"), ("stage_1", None)]


def test_the_report_page_is_accessible(page, live_server, make_user):
    email = make_user("qa_lead").email
    release_db()
    sign_in(page, live_server, email, PASSWORD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Challenges").click()
    page.get_by_role("link", name="Monthly report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("IRO challenges:")
    check_accessible(page)
