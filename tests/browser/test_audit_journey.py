"""An auditor's journey through a case-file audit in a real browser (chromium via Playwright):
signing in, saving a draft, the submission rules, the keyboard, and axe-core's accessibility checks.

The questions are read from the shipped cp-cin-case-file template, so the tests follow the template.
"""

from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, describe_violations, release_db, sign_in
from tests.conftest import PASSWORD

TEMPLATE_KEY = "cp-cin-case-file"
GOOD, REQUIRES_IMPROVEMENT, INADEQUATE = "Good", "Requires improvement", "Inadequate"


@dataclass(frozen=True)
class Setup:
    email: str
    audit_id: int
    reference: str
    template: object  # the AuditTemplate (plain, immutable: safe to keep outside a transaction)

    @property
    def path(self) -> str:
        return f"/audits/{self.audit_id}"


@pytest.fixture
def setup(app, make_audit, make_user, make_case):
    """An auditor with one audit to do; the test thread's transaction is released for the server."""
    from qa_app.audit_forms.services import current_version

    auditor = make_user("auditor", team="Another team")
    audit = make_audit(auditor=auditor, case=make_case(reference="CF-20481", case_type="CP"))
    result = Setup(email=auditor.email, audit_id=audit.id, reference=audit.case_file.reference,
                   template=current_version(TEMPLATE_KEY).template)
    release_db()
    return result


def stored_audit(audit_id: int):
    """(status, overall grade, {question key: (grade, value, evidence)}) as the database has them now."""
    from qa_app.audits.models import Audit
    from qa_app.extensions import db

    db.session.expire_all()
    audit = db.session.scalar(sa.select(Audit).where(Audit.id == audit_id))
    result = (audit.status, audit.overall_grade,
              {key: (a.grade, a.value, a.evidence) for key, a in audit.answer_map().items()})
    release_db()
    return result


def question(page, key: str):
    return page.locator(f"#question-{key}")


def overall_grade(page):
    return page.get_by_role("group", name="Overall grade for this case file")


def answer_everything(page, template, grades: dict[str, str] | None = None,
                      evidence: dict[str, str] | None = None, overall: str = GOOD) -> dict[str, object]:
    """Answer every required question the way a careful auditor would; returns what was entered.

    Graded questions get "Good" unless `grades` says otherwise, yes/partly/no questions "Yes",
    choices their first choice; required text, number and date questions get a plausible value.
    """
    grades, evidence = grades or {}, evidence or {}
    entered: dict[str, object] = {}
    for q in template.questions():
        box = question(page, q.key)
        if q.show_if and box.is_hidden():   # a conditional question its condition hides
            continue
        if q.type == "grade":
            label = grades.get(q.key, GOOD)
            box.get_by_role("radio", name=label, exact=True).check()
            entered[q.key] = label
        elif q.type == "yes_partly_no":
            box.get_by_role("radio", name="Yes", exact=True).check()
            entered[q.key] = "yes"
        elif q.type == "choice":
            box.get_by_role("radio", name=q.choices[0], exact=True).check()
            entered[q.key] = q.choices[0]
        elif q.required and q.type == "number":
            box.get_by_role("textbox").fill("12")
            entered[q.key] = "12"
        elif q.required and q.type == "text":
            box.get_by_role("textbox").fill(f"Action for {q.key}: the worker to update the plan by Friday.")
            entered[q.key] = f"Action for {q.key}: the worker to update the plan by Friday."
        elif q.required and q.type == "date":
            box.get_by_role("textbox", name="Day").fill("3")
            box.get_by_role("textbox", name="Month").fill("2")
            box.get_by_role("textbox", name="Year").fill("2026")
            entered[q.key] = "2026-02-03"
        if q.key in evidence:
            box.locator(f"textarea[name='e_{q.key}']").fill(evidence[q.key])
    overall_grade(page).get_by_role("radio", name=overall, exact=True).check()
    return entered


def open_audit_from_my_audits(page, live_server, s: Setup):
    sign_in(page, live_server, s.email, PASSWORD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My audits").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My audits")
    to_do = page.locator("table#to-do")
    expect(to_do.get_by_role("caption")).to_have_text("To do")
    expect(page.locator("table#submitted")).to_have_count(0)
    to_do.get_by_role("link", name=s.reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Audit of case file {s.reference}")
    assert page.url.endswith(s.path)


def submit(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Submit audit").click()


# --- 1. the whole journey ---------------------------------------------------------------------

def test_auditor_saves_a_draft_then_submits_a_complete_audit(page, live_server, setup):
    s = setup
    open_audit_from_my_audits(page, live_server, s)

    # Answer a few questions and save a draft.
    question(page, "current_plan").get_by_role("radio", name=s.template.sections[0].questions[0].choices[1],
                                                exact=True).check()
    question(page, "chronology_up_to_date").get_by_role("radio", name="Partly", exact=True).check()
    question(page, "assessment_quality").get_by_role("radio", name=REQUIRES_IMPROVEMENT, exact=True).check()
    question(page, "assessment_quality").locator("textarea[name='e_assessment_quality']").fill(
        "The assessment describes incidents but does not analyse them.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Draft saved")
    assert page.url == f"{live_server}{s.path}"

    page.reload()
    expect(question(page, "current_plan").get_by_role("radio", name="Child protection plan", exact=True)).to_be_checked()
    expect(question(page, "chronology_up_to_date").get_by_role("radio", name="Partly", exact=True)).to_be_checked()
    expect(question(page, "chronology_up_to_date").get_by_role("radio", name="Yes", exact=True)).not_to_be_checked()
    expect(question(page, "assessment_quality").get_by_role("radio", name=REQUIRES_IMPROVEMENT, exact=True)).to_be_checked()
    expect(page.locator("textarea[name='e_assessment_quality']")).to_have_value(
        "The assessment describes incidents but does not analyse them.")
    expect(question(page, "risk_assessment_quality").get_by_role("radio")).to_have_count(4)
    for radio in question(page, "risk_assessment_quality").get_by_role("radio").all():
        expect(radio).not_to_be_checked()
    status, _, answers = stored_audit(s.audit_id)
    assert status == "in_progress"
    assert answers["chronology_up_to_date"][1] == "partly"

    # Now answer every required question and submit.
    entered = answer_everything(page, s.template)
    submit(page)

    assert page.url == f"{live_server}/audits/mine", page.locator("main").inner_text()[:1000]
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"Audit of {s.reference} submitted.")
    submitted = page.locator("table#submitted")
    expect(submitted.get_by_role("caption")).to_have_text("Submitted")
    expect(submitted).to_contain_text(s.reference)
    expect(page.locator("table#to-do")).to_have_count(0)

    status, overall, answers = stored_audit(s.audit_id)
    assert status == "submitted"
    assert overall == 2  # Good
    labels = {g.label: g.value for g in s.template.scale.grades}
    for q in s.template.questions():
        if q.key not in entered:
            continue
        grade, value, _ = answers[q.key]
        if q.type == "grade":
            assert grade == labels[entered[q.key]], q.key
        else:
            assert value == entered[q.key], q.key
    # The draft's evidence was kept although the grade changed to Good.
    assert answers["assessment_quality"][2] == "The assessment describes incidents but does not analyse them."


# --- 2. evidence is needed for a poor grade ---------------------------------------------------

def test_inadequate_without_evidence_is_not_submitted_and_keeps_what_was_typed(page, live_server, setup):
    s = setup
    open_audit_from_my_audits(page, live_server, s)
    answer_everything(page, s.template, grades={"contingency_plan": INADEQUATE})
    page.get_by_label("Summary of findings").fill("Typed before the failed submit.")
    submit(page)

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("cannot be submitted")
    links = summary.get_by_role("link")
    expect(links).to_have_count(1)
    expect(links.first).to_have_attribute("href", "#e_contingency_plan")
    expect(links.first).to_contain_text("Give the evidence")
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    page.screenshot(path="/tmp/audit-form-errors.png")  # for a person to look at (not asserted)
    assert page.title().startswith("Error: ")
    links.first.click()
    expect(page.locator("#e_contingency_plan")).to_be_focused()
    expect(question(page, "contingency_plan").locator(".govuk-error-message")).to_contain_text("Give the evidence")

    # What was typed is still there.
    expect(question(page, "contingency_plan").get_by_role("radio", name=INADEQUATE, exact=True)).to_be_checked()
    expect(question(page, "risk_assessment_quality").get_by_role("radio", name=GOOD, exact=True)).to_be_checked()
    expect(question(page, "days_since_child_seen").get_by_role("textbox")).to_have_value("12")
    expect(overall_grade(page).get_by_role("radio", name=GOOD, exact=True)).to_be_checked()
    expect(page.get_by_label("Summary of findings")).to_have_value("Typed before the failed submit.")

    # … and kept as a draft, so nothing typed is lost (issue 15).
    expect(page.locator("#draft-kept")).to_contain_text("saved as a draft")
    status, overall, answers = stored_audit(s.audit_id)
    assert (status, overall) == ("in_progress", 2)
    assert answers["contingency_plan"][0] == 4 and answers["days_since_child_seen"][1] == "12"


# --- 3. the limiting question -----------------------------------------------------------------

def test_overall_grade_cannot_be_better_than_the_limiting_question(page, live_server, setup):
    s = setup
    limiting = next(q for q in s.template.questions() if q.limiting)
    assert limiting.key == "risk_assessment_quality"
    open_audit_from_my_audits(page, live_server, s)
    answer_everything(page, s.template, grades={limiting.key: REQUIRES_IMPROVEMENT},
                      evidence={limiting.key: "No analysis of the father's history."}, overall=GOOD)
    submit(page)

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("cannot be submitted")
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(summary.get_by_role("link")).to_have_attribute("href", "#overall_grade")
    expect(summary).to_contain_text(limiting.text)
    expect(summary).to_contain_text(f'cannot be better than "{REQUIRES_IMPROVEMENT}"')
    overall_error = page.locator("#section-overall ~ .govuk-form-group--error .govuk-error-message")
    expect(overall_error).to_contain_text(limiting.text)
    expect(question(page, limiting.key).get_by_role("radio", name=REQUIRES_IMPROVEMENT, exact=True)).to_be_checked()
    expect(page.locator(f"textarea[name='e_{limiting.key}']")).to_have_value("No analysis of the father's history.")

    # Not submitted, but kept as a draft (issue 15).
    status, overall, answers = stored_audit(s.audit_id)
    assert (status, overall) == ("in_progress", 2)
    assert answers[limiting.key] == (3, "", "No analysis of the father's history.")


# --- 4. the keyboard --------------------------------------------------------------------------

def test_sign_in_with_the_keyboard_only(page, live_server, setup):
    page.goto(f"{live_server}/sign-in")
    email = page.get_by_label("Email address", exact=True)
    for _ in range(10):
        page.keyboard.press("Tab")
        if email.evaluate("element => element === document.activeElement"):
            break
    expect(email).to_be_focused()
    page.keyboard.type(setup.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/home")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


# --- 5. accessibility (axe-core) --------------------------------------------------------------

def assert_no_serious_violations(page, where: str):
    violations = axe_violations(page)
    assert not violations, f"axe-core on {where} ({page.url}):\n{describe_violations(violations)}"


def test_axe_helper_finds_a_known_violation(page):
    """The checks below would be vacuous if axe-core never ran: an unlabelled input must be found."""
    page.set_content("<!doctype html><html lang='en'><head><title>t</title></head>"
                     "<body><main><h1>t</h1><input type='text'></main></body></html>")
    assert "label" in {v["id"] for v in axe_violations(page)}


def test_sign_in_page_is_accessible(page, live_server):
    page.goto(f"{live_server}/sign-in")
    assert_no_serious_violations(page, "the sign-in page")
    # With an error summary too.
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_no_serious_violations(page, "the sign-in page with errors")


def test_dashboard_and_my_audits_are_accessible(page, live_server, setup):
    sign_in(page, live_server, setup.email, PASSWORD)
    page.goto(f"{live_server}/home")
    expect(page.get_by_role("link", name=setup.reference)).to_be_visible()
    assert_no_serious_violations(page, "the dashboard")
    page.goto(f"{live_server}/audits/mine")
    expect(page.locator("table#to-do")).to_contain_text(setup.reference)
    assert_no_serious_violations(page, "My audits")


def test_audit_form_is_accessible_before_and_after_a_failed_submit(page, live_server, setup):
    sign_in(page, live_server, setup.email, PASSWORD)
    page.goto(f"{live_server}{setup.path}")
    assert_no_serious_violations(page, "the audit form")
    submit(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_no_serious_violations(page, "the audit form after a failed submit")


# --- 6. screenshots for a person to look at (not asserted) ------------------------------------

def test_screenshots_for_review(page, live_server, setup):
    """Full-page screenshots for a person to look at; asserts only that every asset loaded."""
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("requestfailed", lambda r: failed.append(f"{r.failure} {r.url}"))
    page.goto(f"{live_server}/sign-in")
    page.evaluate("async () => { await document.fonts.ready; }")
    page.screenshot(path="/tmp/sign-in.png", full_page=True)
    sign_in(page, live_server, setup.email, PASSWORD)
    page.goto(f"{live_server}{setup.path}")
    expect(page.get_by_role("button", name="Submit audit")).to_be_visible()
    page.evaluate("async () => { await document.fonts.ready; }")
    page.screenshot(path="/tmp/audit-form.png", full_page=True)
    assert not failed, failed


# --- conditional questions ---------------------------------------------------------------------

def test_a_conditional_question_shows_and_hides_with_its_answer(page, live_server, setup):
    """The reason the child was not seen alone is asked only when "seen alone" is No or Partly; a
    reason typed and then hidden is not kept."""
    s = setup
    open_audit_from_my_audits(page, live_server, s)
    reason = question(page, "not_seen_alone_reason")
    seen_alone = question(page, "child_seen_alone")
    expect(reason).to_be_hidden()                       # not answered yet: hidden
    seen_alone.get_by_role("radio", name="No", exact=True).check()
    expect(reason).to_be_visible()
    reason.get_by_role("textbox").fill("The mother would not allow it.")
    seen_alone.get_by_role("radio", name="Yes", exact=True).check()
    expect(reason).to_be_hidden()
    # The same with the keyboard: arrow keys move between the radios and change the answer.
    seen_alone.get_by_role("radio", name="Yes", exact=True).focus()
    page.keyboard.press("ArrowDown")                     # Partly
    expect(reason).to_be_visible()
    page.keyboard.press("ArrowUp")                       # Yes again
    expect(reason).to_be_hidden()

    answer_everything(page, s.template)
    submit(page)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("submitted")
    status, _, answers = stored_audit(s.audit_id)
    assert status == "submitted"
    assert answers["child_seen_alone"][1] == "yes"
    assert "not_seen_alone_reason" not in answers        # hidden when submitted: not kept
