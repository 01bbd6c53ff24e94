"""A QA lead builds a template in the browser, previews it, publishes it; an auditor audits with it,
and its conditional question shows and hides as they answer."""

from datetime import date, timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, describe_violations, release_db, sign_in
from tests.conftest import PASSWORD


def add_question(page, *, text, key, kind, theme=None, condition=None):
    page.get_by_role("link", name="Add a question to Home visits").click()
    page.get_by_label("Question", exact=True).fill(text)
    page.get_by_label("Question key").fill(key)
    page.get_by_role("radio", name=kind).check()
    if theme:
        page.get_by_role("checkbox", name=theme).check()
    if condition:
        page.get_by_label("Ask this question only when").select_option(condition[0])
        page.get_by_label("…has one of these answers: one a line").fill(condition[1])
    with page.expect_navigation():
        page.get_by_role("button", name="Save the question").click()


def test_build_publish_and_audit_with_a_template(browser, live_server, make_user, make_case):
    lead = make_user("qa_lead")
    auditor = make_user("auditor", team="South")
    make_case(reference="HV-1", team="North", case_type="CP")
    lead_email, auditor_email = lead.email, auditor.email
    release_db()

    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, lead_email, PASSWORD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Templates").click()
    page.get_by_label("Key").fill("home-visit")
    page.get_by_label("Title").fill("Home visit audit")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the template").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Home visit audit")
    page.get_by_label("Section key").fill("visits")
    page.get_by_label("Section heading").fill("Home visits")
    with page.expect_navigation():
        page.get_by_role("button", name="Add the section").click()

    # A grade question without a theme: the schema's message appears against the themes.
    add_question(page, text="Are visits purposeful and recorded?", key="visits_quality",
                 kind="A grade on the template's scale")
    expect(page.locator("#themes-error")).to_contain_text("a grade question needs at least one theme")
    page.get_by_role("checkbox", name="Voice of the child").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the question").click()
    add_question(page, text="Was the child seen alone?", key="seen_alone", kind="Yes, partly, no or not applicable",
                 theme="Voice of the child")
    add_question(page, text="Why was the child not seen alone?", key="why_not_alone", kind="Text",
                 condition=("seen_alone", "No"))
    page.get_by_role("checkbox", name="Child protection", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the details").click()
    expect(page.locator("#draft-valid")).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))

    # The preview is the real audit form, conditions and all.
    page.get_by_role("link", name="Preview the audit form").click()
    reason = page.locator("#question-why_not_alone")
    expect(reason).to_be_hidden()
    page.locator("#question-seen_alone").get_by_role("radio", name="No", exact=True).check()
    expect(reason).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    page.get_by_role("link", name="Back to the draft").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Publish as a new version").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Published: version 1")
    context.close()

    # A round on the new template, assigned to the auditor.
    from qa_app.audit_forms.services import current_version
    from qa_app.audits.models import Audit
    from qa_app.auth.models import User
    from qa_app.extensions import db
    from qa_app.rounds.sampling import SampleRule
    from qa_app.rounds.services import auto_assign, confirm_sample, create_round

    qa = db.session.scalar(sa.select(User).where(User.email == lead_email))
    round_ = create_round(name="Home visits", template_version=current_version("home-visit"),
                          due_date=date.today() + timedelta(days=10), rule=SampleRule(size_mode="all", exclude_months=0),
                          seed=1, actor=qa, today=date.today())
    db.session.flush()
    confirm_sample(round_, actor=qa, today=date.today())
    db.session.flush()
    auto_assign(round_, actor=qa)
    db.session.commit()
    audit_id = db.session.scalar(sa.select(Audit.id).where(Audit.round_id == round_.id))
    release_db()

    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, auditor_email, PASSWORD)
    page.goto(f"{live_server}/audits/{audit_id}")
    reason = page.locator("#question-why_not_alone")
    seen = page.locator("#question-seen_alone")
    expect(reason).to_be_hidden()
    seen.get_by_role("radio", name="No", exact=True).check()
    expect(reason).to_be_visible()
    reason.get_by_role("textbox").fill("Father present throughout.")
    seen.get_by_role("radio", name="Yes", exact=True).check()
    expect(reason).to_be_hidden()
    seen.get_by_role("radio", name="No", exact=True).check()
    page.locator("#question-visits_quality").get_by_role("radio", name="Good", exact=True).check()
    page.get_by_role("group", name="Overall grade for this case file").get_by_role("radio", name="Good",
                                                                                   exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit audit").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("submitted")
    context.close()
    db.session.expire_all()
    audit = db.session.get(Audit, audit_id)
    answers = {key: (a.grade, a.value) for key, a in audit.answer_map().items()}
    release_db()
    assert answers == {"visits_quality": (2, ""), "seen_alone": (None, "no"),
                       "why_not_alone": (None, "Father present throughout.")}
