"""A moderator moderates blind in a real browser, disagrees on one question with a rationale and
completes; then the auditor sees the outcome on their audit. axe-core checks each page."""

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, describe_violations, release_db, sign_in
from tests.conftest import PASSWORD
from tests.functional.test_moderation_support import moderation_world

SECRET_EVIDENCE = "Seen by the auditor only 4410"


@dataclass(frozen=True)
class Setup:
    auditor_email: str
    moderator_email: str
    reference: str
    audit_id: int
    template: object


@pytest.fixture
def setup(app, make_user, make_round, make_audit):
    world = moderation_world(make_user, make_round, make_audit, blind=True, grade=2, evidence=SECRET_EVIDENCE)
    result = Setup(auditor_email=world.auditor.email, moderator_email=world.moderator.email,
                   reference=world.audit.case_file.reference, audit_id=world.audit.id,
                   template=world.audit.template)
    release_db()
    return result


def assert_accessible(page, where):
    violations = axe_violations(page)
    assert not violations, f"axe-core on {where} ({page.url}):\n{describe_violations(violations)}"


def test_blind_moderation_with_one_disagreement_then_the_auditor_sees_the_outcome(page, live_server, setup):
    template = setup.template
    graded = [q for q in template.questions() if q.is_graded]
    differing = next(q for q in graded if not q.limiting)

    # The moderator finds the audit in their queue.
    sign_in(page, live_server, setup.moderator_email, PASSWORD)
    expect(page.locator("#moderation-queue-count")).to_contain_text("1")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Moderation", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation")
    page.locator("table#to-moderate").get_by_role("link", name=setup.reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Moderate the audit of case file {setup.reference}")

    # Blind: nothing of the auditor's grading is on the page.
    main = page.locator("main")
    expect(main).not_to_contain_text(SECRET_EVIDENCE)
    expect(main).not_to_contain_text("Auditor's grade")
    assert_accessible(page, "the blind grading form")

    for question in graded:
        label = "Requires improvement" if question.key == differing.key else "Good"
        page.locator(f"#question-{question.key}").get_by_role("radio", name=label, exact=True).check()
    page.get_by_role("group", name="Your overall grade for this case file").get_by_role(
        "radio", name="Good", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Lock in my grades and compare").click()

    # Side by side: the one difference needs a rationale.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Compare your grades for case file {setup.reference}")
    row = page.locator(f'tr[data-question="{differing.key}"]')
    expect(row).to_contain_text("Good")
    expect(row).to_contain_text("Requires improvement")
    expect(row).to_contain_text("Moderated worse")
    expect(page.locator(f"#rationale-{differing.key}")).to_contain_text(SECRET_EVIDENCE)
    assert_accessible(page, "the comparison page")
    with page.expect_navigation():
        page.get_by_role("button", name="Complete moderation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give your rationale for grading differently")
    assert_accessible(page, "the comparison page with an error")
    page.get_by_label(f"Your rationale: {differing.text}").fill("The plan has no dates or named people.")
    with page.expect_navigation():
        page.get_by_role("button", name="Complete moderation").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("completed: agreed")

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()

    # The auditor sees the outcome, the moderator's grades and the rationale on their audit.
    sign_in(page, live_server, setup.auditor_email, PASSWORD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My audits").click()
    page.locator("table#submitted").get_by_role("link", name=setup.reference, exact=True).click()
    result = page.locator("#moderation-result")
    expect(result).to_contain_text("Agreed")
    expect(result).to_contain_text("The plan has no dates or named people.")
    result_row = result.locator(f'tr[data-question="{differing.key}"]')
    expect(result_row).to_contain_text("Moderated worse")
    expect(result_row).to_contain_text("Requires improvement")
    assert_accessible(page, "the auditor's audit with its moderation result")
