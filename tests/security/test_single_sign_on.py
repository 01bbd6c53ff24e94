"""Single sign-on (issue 11, point 2) against a real OpenID Connect provider started in the test
(tests/security/oidc_provider.py: discovery, JWKS, RS256-signed ID tokens, PKCE checked): the
authorization code flow end to end; accounts matched by verified email and then by the provider's
subject, never created; ID tokens with a wrong signature, audience, nonce, issuer or expiry, or no
signature, refused; local passwords can be switched off."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa

from qa_app.auth.models import UserSession
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.sso.models import ExternalIdentity
from tests.conftest import PASSWORD, RequestScopedClient, _app_for, _csrf_from
from tests.functional.test_auth import _is_signed_in
from tests.security.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider


@pytest.fixture
def provider():
    running = Provider().start()
    yield running
    running.stop()


def _sso_app(database_url, provider, monkeypatch, **overrides):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")   # the test provider speaks plain HTTP on loopback
    app = _app_for(database_url, OIDC_ISSUER=provider.base, OIDC_CLIENT_ID=CLIENT_ID,
                   OIDC_CLIENT_SECRET=CLIENT_SECRET, **overrides)
    app.test_client_class = RequestScopedClient
    return app


@pytest.fixture
def sso_app(database_url, provider, monkeypatch):
    app = _sso_app(database_url, provider, monkeypatch)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def sso_sign_in(client, provider, next_path=None):
    """Press the single sign-on button, let the provider answer the browser, come back."""
    page = client.get("/sign-in" + (f"?next={next_path}" if next_path else ""))
    html = page.get_data(as_text=True)
    assert "Sign in with your organisation account" in html
    start = client.post("/sign-in/sso" + (f"?next={next_path}" if next_path else ""),
                        data={"csrf_token": _csrf_from(html)})
    assert start.status_code == 302
    to_provider = start.headers["Location"]
    assert to_provider.startswith(f"{provider.base}/authorize?")
    answer = requests.get(to_provider, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/sign-in/sso/callback"
    return client.get(f"{back.path}?{back.query}")


def _failures():
    db.session.expire_all()
    return [e.detail["reason"] for e in db.session.scalars(
        sa.select(Event).where(Event.action == "auth.single_sign_on_failed").order_by(Event.id))]


def test_the_authorization_code_flow_with_pkce_end_to_end(sso_app, provider, make_user):
    user = make_user("auditor", email="jo.bloggs@example.org")
    user_id = user.id
    provider.person = {"sub": "entra-oid-1234", "email": "Jo.Bloggs@example.org", "email_verified": True}
    client = sso_app.test_client()
    response = sso_sign_in(client, provider, next_path="/account/")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/account/"
    assert _is_signed_in(client)

    (asked,) = provider.authorize_requests
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert asked["nonce"] and asked["state"] and set(asked["scope"].split()) >= {"openid", "email"}
    (exchanged,) = provider.token_requests
    assert len(exchanged["code_verifier"]) >= 43 and exchanged["grant_type"] == "authorization_code"
    assert "client_secret" not in exchanged        # the secret goes in the Authorization header
    (row,) = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user_id))
    assert row.method == "single sign-on"
    link = db.session.scalar(sa.select(ExternalIdentity).where(ExternalIdentity.user_id == user_id))
    assert (link.issuer, link.subject) == (provider.base, "entra-oid-1234")

    # The next time the same provider account comes back, even under a new email, it is the same person.
    provider.person = {"sub": "entra-oid-1234", "email": "jo.bloggs-smith@example.org", "email_verified": True}
    again = sso_app.test_client()
    assert sso_sign_in(again, provider).status_code == 302
    assert _is_signed_in(again)


@pytest.mark.parametrize("mode", ["wrong_signature", "wrong_audience", "wrong_nonce", "expired", "wrong_issuer",
                                  "unsigned"])
def test_a_bad_id_token_is_refused(sso_app, provider, make_user, mode):
    user = make_user("auditor", email="someone@example.org")
    user_id = user.id
    provider.mode = mode
    client = sso_app.test_client()
    response = sso_sign_in(client, provider)
    assert response.status_code == 403
    assert "Single sign-on did not work" in response.get_data(as_text=True)
    assert not _is_signed_in(client)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
        UserSession.user_id == user_id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExternalIdentity)) == 0
    assert len(_failures()) == 1
    # The same flow with a good token works: the refusal was about the token.
    provider.mode = "good"
    assert sso_sign_in(sso_app.test_client(), provider).status_code == 302


def test_the_callback_refuses_a_forged_state_and_a_code_used_twice(sso_app, provider, make_user):
    make_user("auditor", email="someone@example.org")
    client = sso_app.test_client()
    html = client.get("/sign-in").get_data(as_text=True)
    start = client.post("/sign-in/sso", data={"csrf_token": _csrf_from(html)})
    answer = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(answer.headers["Location"])
    params = parse_qs(back.query)
    forged = client.get(f"{back.path}?code={params['code'][0]}&state=forged-state")
    assert forged.status_code == 403 and not _is_signed_in(client)
    # Another browser (no state in its cookie) replaying the real callback gets nothing either.
    stranger = sso_app.test_client()
    assert stranger.get(f"{back.path}?{back.query}").status_code == 403
    assert not _is_signed_in(stranger)
    assert len(_failures()) == 2


@pytest.mark.parametrize(("person", "message"), [
    ({"sub": "s-1", "email": "nobody.invited@example.org", "email_verified": True}, "There is no account for you here"),
    ({"sub": "s-2", "email": "someone@example.org", "email_verified": False}, "has not confirmed your email address"),
    ({"sub": "s-3", "email": "gone@example.org", "email_verified": True}, "There is no account for you here"),
])
def test_only_existing_active_accounts_with_a_verified_email_get_in(sso_app, provider, make_user, person, message):
    make_user("auditor", email="someone@example.org")
    make_user("auditor", email="gone@example.org", active=False)
    provider.person = person
    client = sso_app.test_client()
    response = sso_sign_in(client, provider)
    assert response.status_code == 403 and message in response.get_data(as_text=True)
    assert not _is_signed_in(client)
    from qa_app.auth.models import User

    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2   # nobody was created


def test_an_email_moved_to_another_provider_account_does_not_open_the_old_one(sso_app, provider, make_user):
    make_user("auditor", email="post.holder@example.org")
    provider.person = {"sub": "first-holder", "email": "post.holder@example.org", "email_verified": True}
    assert sso_sign_in(sso_app.test_client(), provider).status_code == 302
    provider.person = {"sub": "second-holder", "email": "post.holder@example.org", "email_verified": True}
    client = sso_app.test_client()
    assert sso_sign_in(client, provider).status_code == 403
    assert not _is_signed_in(client)
    assert _failures() == ["email linked to another provider account"]


def test_local_passwords_can_be_switched_off(database_url, provider, monkeypatch, make_user):
    app = _sso_app(database_url, provider, monkeypatch, LOCAL_PASSWORDS=False)
    with app.app_context():
        user = make_user("auditor", email="someone@example.org")
        client = app.test_client()
        html = client.get("/sign-in").get_data(as_text=True)
        assert 'name="password"' not in html
        refused = client.post("/sign-in", data={"email": user.email, "password": PASSWORD,
                                                "csrf_token": _csrf_from(html)})
        assert refused.status_code == 403 and not _is_signed_in(client)
        assert sso_sign_in(client, provider).status_code == 302
        assert _is_signed_in(client)
        assert client.get("/account/password").status_code == 404
        db.session.remove()
        db.engine.dispose()


def test_without_single_sign_on_configured_there_is_no_button_and_no_route(client):
    assert "organisation account" not in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/sign-in/sso/callback?code=x&state=y").status_code == 404


def test_with_passwords_off_an_invited_person_is_told_to_use_single_sign_on(database_url, provider, monkeypatch,
                                                                          make_user):
    from qa_app.admin.models import Invitation
    from qa_app.auth.models import User
    from qa_app.notifications.models import Notification
    from tests.conftest import csrf_token

    app = _sso_app(database_url, provider, monkeypatch, LOCAL_PASSWORDS=False)
    with app.app_context():
        make_user("admin", email="the.admin@example.org")
        provider.person = {"sub": "admin-sub", "email": "the.admin@example.org", "email_verified": True}
        client = app.test_client()
        assert sso_sign_in(client, provider).status_code == 302      # no second step: the provider's own MFA
        page = client.get("/admin/people/invite").get_data(as_text=True)
        invited = client.post("/admin/people/invite", data={
            "email": "new.starter@example.org", "display_name": "New Starter", "roles": ["qa_lead"], "team_id": "",
            "csrf_token": _csrf_from(page)})
        assert invited.status_code == 302
        user = db.session.scalar(sa.select(User).where(User.email == "new.starter@example.org"))
        user_id = user.id
        body = db.session.scalar(sa.select(Notification.body).where(Notification.recipient_id == user_id))
        assert "Sign in with your organisation account" in body and "/invitation/" not in body
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
        person = client.get(f"/admin/people/{user_id}").get_data(as_text=True)
        assert "Send a link to set a new password" not in person
        assert client.post(f"/admin/people/{user_id}/send-password-link",
                           data={"csrf_token": csrf_token(client)}).status_code == 403
        # The invited QA lead signs in through the provider, straight into the service.
        provider.person = {"sub": "starter-sub", "email": "new.starter@example.org", "email_verified": True}
        theirs = app.test_client()
        assert urlsplit(sso_sign_in(theirs, provider).headers["Location"]).path == "/home"
        assert _is_signed_in(theirs)
        db.session.remove()
        db.engine.dispose()
