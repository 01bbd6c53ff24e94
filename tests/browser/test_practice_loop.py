"""The practice loop in a real browser, on the demo data, as the people who do it: the social worker
and their team manager read a released audit, respond and record the conversation; a moderator
completes a moderation, which releases the audit; the auditor disputes the grade and the QA lead
decides; the QA lead types in family feedback, reads the report by source, and drafts and
publishes a learning brief that a team manager confirms; an auditor tags a training need, which
the workforce development lead (a viewer) sees. axe-core checks the pages on the way."""

import re
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from qa_app.demo import DEMO_PASSWORD, load_demo
from qa_app.extensions import db
from tests.browser.conftest import axe_violations, describe_violations, release_db, sign_in
from tests.functional.test_moderation_support import submit

WORKER, MANAGER = "social.worker@example.org", "tm.north@example.org"
QA, MODERATOR, VIEWER = "qa.lead@example.org", "moderator@example.org", "viewer@example.org"


@pytest.fixture
def demo(app):
    assert load_demo(2026)
    db.session.commit()
    release_db()


def accessible(page, where):
    violations = axe_violations(page)
    assert not violations, f"axe-core on {where} ({page.url}):\n{describe_violations(violations)}"


def sign_out(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


def fill_date(page, legend, day):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_the_worker_responds_and_the_team_manager_records_the_conversation(page, live_server, demo):
    sign_in(page, live_server, WORKER, DEMO_PASSWORD)
    panel = page.locator("main")
    expect(panel.get_by_role("heading", name="Audit findings released to you")).to_be_visible()
    needed = panel.locator("li", has_text="Your response needed").first
    reference = needed.get_by_role("link").inner_text().removeprefix("Audit of ")
    needed.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Audit of case file {reference}")
    main = page.locator("main")
    expect(main).to_contain_text("Demo evidence.")                 # every answer and its evidence
    expect(page.locator("#practice")).to_contain_text("The worker's response")
    accessible(page, "the released audit, read by its worker")
    page.get_by_role("link", name="Record your response").click()
    page.get_by_label("What will you do?").fill("Add dates and named people to every plan action.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save your response").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say whether you agree with the findings")
    expect(page.get_by_label("What will you do?")).to_have_value("Add dates and named people to every plan action.")
    accessible(page, "the response form with an error")
    page.get_by_role("radio", name="I partly agree with the findings").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save your response").click()
    expect(page.locator("#practice")).to_contain_text("Partly agrees with the findings")
    sign_out(page)

    sign_in(page, live_server, MANAGER, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Audits of my cases").click()
    page.locator("table").get_by_role("link", name=reference, exact=True).click()
    expect(page.locator("#practice")).to_contain_text("Add dates and named people to every plan action.")
    page.get_by_role("link", name=re.compile("(Record|Correct) the feedback conversation")).click()
    fill_date(page, "When did the conversation take place?", date.today())
    page.get_by_label("Who was there?").fill("Social worker and team manager")
    page.get_by_role("radio", name="In supervision").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the conversation").click()
    expect(page.locator("#practice")).to_contain_text("Social worker and team manager")
    accessible(page, "the audit with its feedback conversation")


def test_moderation_releases_the_audit_and_the_auditor_disputes_the_grade(page, live_server, demo):
    from qa_app.audits.models import Audit
    from qa_app.auth.models import User
    from qa_app.moderation.services import add_by_hand, assign
    from qa_app.rounds.models import AuditRound

    moderator = db.session.scalar(sa.select(User).where(User.email == MODERATOR))
    worker = db.session.scalar(sa.select(User).where(User.email == WORKER))
    qa = db.session.scalar(sa.select(User).where(User.email == QA))
    round_ = db.session.scalar(sa.select(AuditRound).where(AuditRound.name == "Demo: monthly CIN and CP audit"))
    audit = db.session.scalar(sa.select(Audit).where(Audit.round_id == round_.id, Audit.auditor_id != moderator.id)
                              .order_by(Audit.id))
    audit.case_file.worker_id = worker.id                    # the demo social worker's case
    db.session.commit()
    submit(audit, grade=2)                                   # the auditor grades it Good throughout
    assign(add_by_hand(audit, reason="Demo check", actor=qa), moderator, actor=qa)
    db.session.commit()
    audit_id, reference, auditor_email = audit.id, audit.case_file.reference, audit.auditor.email
    graded = [q for q in audit.template.questions() if q.is_graded]
    release_db()

    sign_in(page, live_server, MODERATOR, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Moderation", exact=True).click()
    page.locator("table#to-moderate").get_by_role("link", name=reference, exact=True).click()
    for question in graded:
        page.locator(f"#question-{question.key}").get_by_role("radio", name="Good", exact=True).check()
    page.get_by_role("group", name="Your overall grade for this case file").get_by_role(
        "radio", name="Requires improvement", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Lock in my grades and compare").click()
    page.get_by_label("Your rationale for the overall grade").fill("The plans have no timescales.")
    with page.expect_navigation():
        page.get_by_role("button", name="Complete moderation").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("completed")
    sign_out(page)

    sign_in(page, live_server, WORKER, DEMO_PASSWORD)       # released by the completed moderation
    expect(page.locator("main")).to_contain_text(f"Audit of {reference}")
    page.goto(f"{live_server}/audits/{audit_id}")
    expect(page.locator("#moderation-result")).to_contain_text("The plans have no timescales.")
    sign_out(page)

    sign_in(page, live_server, auditor_email, DEMO_PASSWORD)
    page.goto(f"{live_server}/audits/{audit_id}")
    page.get_by_role("link", name="Dispute the moderated grade").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Dispute the grade").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why you dispute the moderated grade")
    accessible(page, "the dispute form with an error")
    page.get_by_label("Why do you dispute the moderated grade?").fill("Every plan action has a date in the file.")
    with page.expect_navigation():
        page.get_by_role("button", name="Dispute the grade").click()
    expect(page.locator("main")).to_contain_text("Waiting for a decision")
    sign_out(page)

    sign_in(page, live_server, QA, DEMO_PASSWORD)
    page.locator("main").get_by_role("link", name=f"Case file {reference}").click()
    page.get_by_role("link", name="Decide this dispute").click()
    page.get_by_role("radio", name="Uphold the auditor's grade").check()
    page.get_by_label("Your reasons").fill("The dates are on the plan of 3 October.")
    accessible(page, "the decision form")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("the final grade is Good")
    page.goto(f"{live_server}/audits/{audit_id}")
    expect(page.locator("#moderation-result")).to_contain_text("Good (decided on a dispute)")


def test_qa_lead_feedback_report_and_learning_brief_then_team_and_training_needs(page, live_server, demo):
    from qa_app.audits.models import Audit
    from qa_app.rounds.models import AuditRound

    latest = db.session.scalar(sa.select(AuditRound).where(AuditRound.name == "Monthly audit: autumn 2026"))
    some_case = db.session.scalar(sa.select(Audit).where(Audit.round_id == latest.id)).case_file.reference
    latest_id = latest.id
    release_db()

    sign_in(page, live_server, QA, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Family feedback").click()
    page.get_by_role("link", name="Feedback for Monthly audit: autumn 2026").click()
    page.get_by_label("Case reference").fill("P000000")
    page.get_by_role("radio", name="Parent").check()
    page.get_by_role("radio", name="Paper or online form").check()
    fill_date(page, "When was it given?", date.today())
    page.get_by_role("group", name="Is the plan helping to make things better?").get_by_role(
        "radio", name="Yes", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the feedback").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("No case file has the reference 'P000000'")
    expect(summary).to_contain_text("tick to confirm they did")
    accessible(page, "the feedback form with errors")
    page.get_by_label("Case reference").fill(some_case)
    page.get_by_label("They agreed to give this feedback and for it to be recorded").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the feedback").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"The feedback on {some_case}")

    page.goto(f"{live_server}/reports/?rounds={latest_id}")
    expect(page.locator("#by-source")).to_contain_text("Family and child feedback")
    expect(page.locator("#feedback-by-respondent")).to_contain_text("Parents: 3 responses")
    expect(page.locator("#since-brief")).to_contain_text("Monthly audit: summer 2026")
    accessible(page, "the report with its sources and the change since the brief")

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Learning").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Draft a brief for Monthly audit: autumn 2026").click()
    summary_box = page.get_by_label("Summary")
    expect(summary_box).to_have_value(re.compile("case files were audited in Monthly audit: autumn 2026"))
    summary_box.fill(f"Compare {some_case} with last time.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the brief").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(f"Remove the case reference {some_case}")
    summary_box = page.get_by_label("Summary")
    summary_box.fill("Plans are better; the child's voice still needs work.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the brief").click()
    page.get_by_role("link", name="Publish it to teams").click()
    page.get_by_role("checkbox", name="CIN and CP hub North").check()
    accessible(page, "the publish form")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish the brief").click()
    expect(page.locator("#recipients")).to_contain_text(MANAGER)
    sign_out(page)

    sign_in(page, live_server, MANAGER, DEMO_PASSWORD)
    page.locator("#learning-briefs ~ ul").get_by_role("link", name="Learning from Monthly audit: autumn 2026").click()
    expect(page.locator("main")).to_contain_text("Plans are better; the child's voice still needs work.")
    fill_date(page, "When did your team discuss it?", date.today())
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm it was discussed").click()
    expect(page.locator("#recipients")).to_contain_text("Team manager, hub north")
    accessible(page, "the brief after the team confirmed it")
    # The team manager audits too: they tag a training need on one of their own submitted audits.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My audits").click()
    page.locator("table#submitted").get_by_role("link").first.click()
    page.get_by_role("link", name="Tag a training need").click()
    page.get_by_label("Where the audit shows it").select_option(index=3)
    page.get_by_label("Training need").select_option("exploitation")
    with page.expect_navigation():
        page.get_by_role("button", name="Tag the training need").click()
    expect(page.locator("#training-needs")).to_contain_text("Exploitation and missing children")
    sign_out(page)

    sign_in(page, live_server, VIEWER, DEMO_PASSWORD)
    page.goto(f"{live_server}/learning/training-needs")
    expect(page.locator("#by-team")).to_contain_text("Exploitation and missing children")
    accessible(page, "the training-needs page")
