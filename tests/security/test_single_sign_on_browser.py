"""Single sign-on in a real browser: the button on the sign-in page, the provider (started in the
test), back to the service signed in; a tampered ID token leaves the person signed out."""

import pytest

from qa_app.extensions import db
from tests.browser.conftest import axe_violations, describe_violations, release_db
from tests.conftest import RequestScopedClient, _app_for
from tests.security.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

pytestmark = pytest.mark.browser


@pytest.fixture
def provider():
    running = Provider().start()
    yield running
    running.stop()


@pytest.fixture
def app(database_url, provider, monkeypatch):
    """The test's app with single sign-on pointed at the test's provider (served by live_server)."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    app = _app_for(database_url, OIDC_ISSUER=provider.base, OIDC_CLIENT_ID=CLIENT_ID,
                   OIDC_CLIENT_SECRET=CLIENT_SECRET, OIDC_BUTTON_TEXT="Sign in with your council account")
    app.test_client_class = RequestScopedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_sign_in_through_the_councils_provider(page, live_server, provider, make_user):
    make_user("iro", email="reviewing.officer@example.org")
    release_db()
    provider.person = {"sub": "okta-00u1", "email": "reviewing.officer@example.org", "email_verified": True}
    page.goto(f"{live_server}/sign-in?next=/account/")
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    with page.expect_navigation(url=f"{live_server}/account/"):
        page.get_by_role("button", name="Sign in with your council account").click()
    assert page.get_by_role("heading", name="Your account").is_visible()
    assert "reviewing.officer@example.org" in page.locator("main").inner_text()

    provider.mode = "wrong_signature"
    other = page.context.browser.new_context(base_url=live_server)
    try:
        their = other.new_page()
        their.goto(f"{live_server}/sign-in")
        with their.expect_navigation(url=f"{live_server}/sign-in/sso/callback*"):
            their.get_by_role("button", name="Sign in with your council account").click()
        assert "Single sign-on did not work" in their.locator("#sso-problem").inner_text()
        their.goto(f"{live_server}/home")
        assert their.url.startswith(f"{live_server}/sign-in")
    finally:
        other.close()
