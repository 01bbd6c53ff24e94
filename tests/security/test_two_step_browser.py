"""Two-step verification in a real browser (issue 11, done-when): a QA lead sets up an authenticator
app from the QR code at first sign-in, saves the recovery codes, signs in again with a code from the
app, and once more with a recovery code; the pages pass axe's checks."""

import re

import pytest

from tests.browser.conftest import axe_violations, describe_violations, release_db
from tests.conftest import AUTHENTICATORS, PASSWORD, totp_code

pytestmark = pytest.mark.browser


def _password(page, base, email):
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def _sign_out(page):
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Sign out")).click()
    assert page.url.endswith("/sign-in")


def test_set_up_sign_in_with_a_code_and_with_a_recovery_code(page, live_server, make_user):
    lead = make_user("qa_lead")
    email = lead.email
    release_db()

    _password(page, live_server, email)
    assert page.url.endswith("/sign-in/two-step/set-up")
    qr = page.locator("svg.app-qr-code")
    box = qr.bounding_box()
    assert box and box["width"] >= 150 and abs(box["width"] - box["height"]) < 2
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    key = ("browser", email)
    AUTHENTICATORS[key] = [page.locator("#secret-key").inner_text().replace(" ", ""), None]
    page.get_by_label("Code from your authenticator app").fill("000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert "The code is not correct" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("Code from your authenticator app").fill(totp_code(key))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", name="Save your recovery codes").is_visible()
    codes = [c.strip() for c in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    with page.expect_navigation():
        page.get_by_role("button", name="I have saved my recovery codes").click()
    assert page.url.endswith("/home")
    _sign_out(page)

    _password(page, live_server, email)
    assert page.url.endswith("/sign-in/two-step")
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    page.get_by_label("Code from your authenticator app").fill(totp_code(key))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url.endswith("/home")
    _sign_out(page)

    _password(page, live_server, email)
    with page.expect_navigation():
        page.get_by_role("link", name="I do not have my phone: use a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[0])
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url.endswith("/home")
    assert "You have 9 left" in page.locator(".govuk-notification-banner").inner_text()
    _sign_out(page)

    _password(page, live_server, email)
    with page.expect_navigation():
        page.get_by_role("link", name="I do not have my phone: use a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[0])
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert "has been used already" in page.locator(".govuk-error-summary").inner_text()
