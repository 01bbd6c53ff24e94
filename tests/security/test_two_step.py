"""Two-step verification (issue 11, point 3): required for the QA lead and admin roles, optional
for the others (or required for everyone by MFA_REQUIRED_ROLES=all); an authenticator app set up
with a QR code; codes that work once; single-use recovery codes; wrong codes throttled; a new
session identifier once the second step is passed. In the browser: test_two_step_browser.py."""

import re
import time
from urllib.parse import urlsplit

import pyotp
import pytest
import sqlalchemy as sa

from qa_app.auth.models import UserSession
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.mfa.models import RecoveryCode, TotpCredential
from tests.conftest import PASSWORD, RequestScopedClient, _app_for, _csrf_from, csrf_token, sign_in
from tests.functional.test_auth import _error_messages, _is_signed_in


def _password_step(client, email, password=PASSWORD, **query):
    token = _csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in", query_string=query,
                           data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302
    return urlsplit(response.headers["Location"]).path


def _enrol(client, email):
    assert _password_step(client, email) == "/sign-in/two-step/set-up"
    html = client.get("/sign-in/two-step/set-up").get_data(as_text=True)
    secret = re.search(r'id="secret-key">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    return secret, html


def _code(secret, offset_steps=0):
    return pyotp.TOTP(secret).at(time.time() + offset_steps * 30)


def _post_code(client, path, code):
    html = client.get(path).get_data(as_text=True)
    return client.post(path, data={"code": code, "csrf_token": _csrf_from(html)})


@pytest.mark.parametrize("role", ["qa_lead", "admin"])
def test_a_qa_lead_or_admin_must_set_up_an_app_at_first_sign_in(app, make_user, role):
    user = make_user(role)
    email, user_id = user.email, user.id
    client = app.test_client()
    secret, html = _enrol(client, email)
    assert '<svg viewBox=' in html and 'class="app-qr-code"' in html      # the QR code, drawn on the server
    assert "otpauth" not in html                                          # the URI is only in the picture
    assert not _is_signed_in(client)                                      # half-way is not signed in

    wrong = _post_code(client, "/sign-in/two-step/set-up", "000000" if _code(secret) != "000000" else "111111")
    assert wrong.status_code == 400
    assert _error_messages(wrong.get_data(as_text=True))[0].startswith("The code is not correct")
    assert not _is_signed_in(client)

    page = _post_code(client, "/sign-in/two-step/set-up", _code(secret))
    assert page.status_code == 200
    codes = re.findall(r"<code>([A-Z2-9]{4}(?:-[A-Z2-9]{4}){5})</code>", page.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert _is_signed_in(client)
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user_id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)             # only hashes are kept
    assert [e.action for e in db.session.scalars(sa.select(Event).where(Event.object_id == user_id,
                                                                        Event.action.like("mfa.%")))] == ["mfa.enrolled"]
    (session_row,) = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user_id))
    assert session_row.method == "password and authenticator app"


def test_the_next_sign_in_needs_a_fresh_code_and_a_code_works_once(app, make_user):
    user = make_user("admin")
    email = user.email
    first = app.test_client()
    secret, _ = _enrol(first, email)
    code = _code(secret)
    assert _post_code(first, "/sign-in/two-step/set-up", code).status_code == 200

    client = app.test_client()
    assert _password_step(client, email, next="/account/") == "/sign-in/two-step"
    pending_cookie = client.get_cookie("session").value
    assert not _is_signed_in(client)
    replay = _post_code(client, "/sign-in/two-step", code)                # the code used at set-up
    assert replay.status_code == 400
    old = _post_code(client, "/sign-in/two-step", _code(secret, offset_steps=-3))   # 90 seconds old
    assert old.status_code == 400
    fresh = _post_code(client, "/sign-in/two-step", _code(secret, offset_steps=1))
    assert fresh.status_code == 302 and urlsplit(fresh.headers["Location"]).path == "/account/"
    assert _is_signed_in(client)
    # A new identifier after the second step: the half-way cookie does not sign anyone in.
    assert client.get_cookie("session").value != pending_cookie
    stale = app.test_client()
    stale.set_cookie("session", pending_cookie)
    assert not _is_signed_in(stale)
    failed = db.session.scalars(sa.select(Event).where(Event.action == "auth.two_step_failed")).all()
    assert len(failed) == 2 and all("code" not in e.detail for e in failed)


def test_recovery_codes_work_once_each(app, make_user):
    user = make_user("qa_lead")
    email = user.email
    first = app.test_client()
    secret, _ = _enrol(first, email)
    page = _post_code(first, "/sign-in/two-step/set-up", _code(secret)).get_data(as_text=True)
    codes = re.findall(r"<code>([A-Z2-9-]{29})</code>", page)

    client = app.test_client()
    assert _password_step(client, email) == "/sign-in/two-step"
    used = _post_code(client, "/sign-in/two-step/recovery", codes[3].lower().replace("-", " "))  # as typed
    assert used.status_code == 302
    assert "You have 9 left" in client.get("/home").get_data(as_text=True)

    again = app.test_client()
    assert _password_step(again, email) == "/sign-in/two-step"
    refused = _post_code(again, "/sign-in/two-step/recovery", codes[3])
    assert refused.status_code == 400
    assert "has been used already" in refused.get_data(as_text=True)
    assert not _is_signed_in(again)


def test_wrong_codes_are_throttled_like_passwords(app, make_user):
    user = make_user("qa_lead")
    email = user.email
    first = app.test_client()
    secret, _ = _enrol(first, email)
    _post_code(first, "/sign-in/two-step/set-up", _code(secret))
    client = app.test_client()
    _password_step(client, email)
    wrong = "123456" if _code(secret) != "123456" else "654321"
    statuses = [_post_code(client, "/sign-in/two-step", wrong).status_code for _ in range(6)]
    # The password step counts as the first attempt until the second step is passed, so a person who
    # knows the password cannot guess codes for ever by typing the password again between guesses.
    assert statuses == [400, 400, 400, 400, 429, 429]
    again = app.test_client()
    token = _csrf_from(again.get("/sign-in").get_data(as_text=True))
    assert again.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code == 429
    assert _post_code(client, "/sign-in/two-step", _code(secret)).status_code == 429   # the right one waits too


def test_the_half_way_state_expires(app, make_user):
    user = make_user("qa_lead")
    client = app.test_client()
    _password_step(client, user.email)
    with client.session_transaction() as state:
        state["two_step"] = {**state["two_step"], "at": state["two_step"]["at"] - 11 * 60}
    response = client.get("/sign-in/two-step/set-up")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/sign-in"


def test_an_auditor_may_turn_it_on_and_off_a_qa_lead_may_not_turn_it_off(app, make_user):
    auditor = make_user("auditor")
    client = app.test_client()
    sign_in(client, auditor)                              # no second step for an auditor by default
    html = client.get("/account/two-step/set-up").get_data(as_text=True)
    secret = re.search(r'id="secret-key">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    other_device = app.test_client()
    sign_in(other_device, auditor)
    without_password = client.post("/account/two-step/set-up", data={
        "code": _code(secret), "current_password": "not my password", "csrf_token": _csrf_from(html)})
    assert without_password.status_code == 400     # whoever is at an unlocked computer cannot do this
    assert "Your password is not correct" in without_password.get_data(as_text=True)
    assert client.post("/account/two-step/set-up", data={
        "code": _code(secret), "current_password": PASSWORD, "csrf_token": _csrf_from(html)}).status_code == 200
    assert _is_signed_in(client) and not _is_signed_in(other_device)   # the other sessions end
    assert _password_step(app.test_client(), auditor.email) == "/sign-in/two-step"   # now asked every time
    off = client.post("/account/two-step/turn-off", data={"code": _code(secret, 1), "csrf_token": csrf_token(client)})
    assert off.status_code == 302
    assert db.session.get(TotpCredential, auditor.id) is None
    assert _password_step(app.test_client(), auditor.email) == "/home"

    lead = make_user("qa_lead")
    lead_client = app.test_client()
    sign_in(lead_client, lead)
    from tests.conftest import AUTHENTICATORS, totp_code

    code = totp_code((app.config["SQLALCHEMY_DATABASE_URI"], lead.email))
    refused = lead_client.post("/account/two-step/turn-off", data={"code": code, "csrf_token": csrf_token(lead_client)})
    assert refused.status_code == 403
    assert db.session.get(TotpCredential, lead.id) is not None
    assert AUTHENTICATORS


def test_new_recovery_codes_replace_the_old(app, make_user):
    user = make_user("auditor")
    client = app.test_client()
    sign_in(client, user)
    html = client.get("/account/two-step/set-up").get_data(as_text=True)
    secret = re.search(r'id="secret-key">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    first = re.findall(r"<code>([A-Z2-9-]{29})</code>", client.post("/account/two-step/set-up", data={
        "code": _code(secret), "current_password": PASSWORD, "csrf_token": _csrf_from(html)}).get_data(as_text=True))
    page = client.post("/account/two-step/recovery-codes", data={"code": _code(secret, 1),
                                                                 "csrf_token": csrf_token(client)})
    second = re.findall(r"<code>([A-Z2-9-]{29})</code>", page.get_data(as_text=True))
    assert len(second) == 10 and not set(first) & set(second)
    other = app.test_client()
    _password_step(other, user.email)
    assert _post_code(other, "/sign-in/two-step/recovery", first[0]).status_code == 400
    assert _post_code(other, "/sign-in/two-step/recovery", second[0]).status_code == 302


def test_everyone_can_be_made_to_use_it(database_url, make_user):
    app = _app_for(database_url, MFA_REQUIRED_ROLES="all")
    app.test_client_class = RequestScopedClient
    with app.app_context():
        viewer = make_user("viewer")
        assert _password_step(app.test_client(), viewer.email) == "/sign-in/two-step/set-up"
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("roles", ["auditor", "iro", "practitioner", "viewer", "moderator"])
def test_other_roles_go_straight_in_by_default(app, make_user, roles):
    user = make_user(roles)
    assert _password_step(app.test_client(), user.email) == "/home"
