"""In a real browser (issue 11, done-when): an administrator invites a new QA lead, who opens the
emailed link, chooses a password, signs in, sets up two-step verification and reaches the service;
the administration pages pass axe's checks."""

import re

import pytest
import sqlalchemy as sa

from qa_app.auth.models import User
from qa_app.extensions import db
from qa_app.notifications.models import Notification
from tests.browser.conftest import axe_violations, describe_violations, release_db, sign_in
from tests.conftest import AUTHENTICATORS, PASSWORD, totp_code

pytestmark = pytest.mark.browser
NEW_PASSWORD = "kettle meadow copper 58"


def test_an_admin_invites_a_qa_lead_who_signs_in_with_two_step(browser, page, live_server, make_user):
    admin = make_user("admin")
    admin_email = admin.email
    release_db()
    sign_in(page, live_server, admin_email, PASSWORD)
    page.get_by_role("link", name="People").click()
    page.get_by_role("button", name="Invite someone").click()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    page.get_by_label("Email address").fill("new.lead@example.org")
    page.get_by_label("Name").fill("Nadia Lead")
    page.get_by_label("QA lead").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitation").click()
    assert "Nadia Lead has been invited" in page.locator(".govuk-notification-banner").inner_text()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))

    # The email waiting in the outbox, as the invitee receives it.
    user_id = db.session.scalar(sa.select(User.id).where(User.email == "new.lead@example.org"))
    body = db.session.scalar(sa.select(Notification.body).where(Notification.recipient_id == user_id))
    release_db()
    path = re.search(r"(/invitation/\S+)", body).group(1)

    invitee = browser.new_context(base_url=live_server)
    try:
        their = invitee.new_page()
        their.goto(f"{live_server}{path}")
        assert their.get_by_role("heading", name="Choose your password").is_visible()
        assert axe_violations(their) == [], describe_violations(axe_violations(their))
        their.get_by_label("Choose a password").fill(NEW_PASSWORD)
        their.get_by_label("Type the password again").fill(NEW_PASSWORD)
        with their.expect_navigation():
            their.get_by_role("button", name="Set my password").click()
        assert "Your password is set" in their.locator(".govuk-notification-banner").inner_text()

        their.get_by_label("Email address", exact=True).fill("new.lead@example.org")
        their.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
        with their.expect_navigation():
            their.get_by_role("button", name="Sign in").click()
        assert their.url.endswith("/sign-in/two-step/set-up")
        key = ("invitee", "new.lead@example.org")
        AUTHENTICATORS[key] = [their.locator("#secret-key").inner_text().replace(" ", ""), None]
        their.get_by_label("Code from your authenticator app").fill(totp_code(key))
        with their.expect_navigation():
            their.get_by_role("button", name="Continue").click()
        assert their.locator("#recovery-codes code").count() == 10
        with their.expect_navigation():
            their.get_by_role("button", name="I have saved my recovery codes").click()
        assert their.url.endswith("/home")
        assert "Hello, Nadia Lead" in their.locator("h1").inner_text()
        # The link worked once.
        their.goto(f"{live_server}{path}")
        assert their.get_by_role("heading", name="This link does not work").is_visible()
    finally:
        invitee.close()

    # The administrator sees the new person with two-step verification set up.
    page.goto(f"{live_server}/admin/people")
    row = page.locator("#people tr", has_text="Nadia Lead")
    assert "Set up" in row.inner_text() and "QA lead" in row.inner_text()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))


def test_an_admin_merges_an_imported_account_after_checking_what_moves(page, live_server, make_user, make_audit):
    from qa_app.audits.models import Audit
    from qa_app.auth.models import Role
    from qa_app.auth.services import create_imported_user

    admin = make_user("admin")
    real = make_user("auditor", email="robin.own@council.example")
    real.display_name = "Robin Own"
    imported = create_imported_user(email="robin@old-council.example", name="Robin Own", role=Role.AUDITOR,
                                    source="results 2024.xlsx")
    db.session.commit()
    make_audit(auditor=imported)
    make_audit(auditor=imported)
    admin_email, real_id, imported_id = admin.email, real.id, imported.id
    release_db()

    sign_in(page, live_server, admin_email, PASSWORD)
    assert "waiting to be merged" in page.locator("#imported-waiting").inner_text()
    page.get_by_role("link", name="See imported accounts").click()
    row = page.locator("#imported tr", has_text="robin@old-council.example")
    assert "2 audits" in row.inner_text() and "results 2024.xlsx" in row.inner_text()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    row.get_by_role("link", name="Merge").click()
    # The person's own account is already chosen (same name); nothing changes until confirmed.
    assert page.get_by_label("Their own account").input_value() == str(real_id)
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", name="Check before you merge").is_visible()
    assert "2 audits" in page.locator(".govuk-summary-list").inner_text()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    assert db.session.scalar(sa.select(sa.func.count()).where(Audit.auditor_id == imported_id)) == 2
    release_db()
    with page.expect_navigation():
        page.get_by_role("button", name="Merge the accounts").click()
    assert "has been merged into Robin Own's account" in page.locator(".govuk-notification-banner").inner_text()
    assert db.session.scalar(sa.select(sa.func.count()).where(Audit.auditor_id == real_id)) == 2
    release_db()
