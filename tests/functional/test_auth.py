"""Signing in and out: wrong credentials, inactive users, CSRF, session end, `next`, history, CLI."""

import re
from urllib.parse import urljoin, urlsplit

import sqlalchemy as sa

from qa_app.auth.models import User
from qa_app.extensions import db
from qa_app.history.models import Event
from tests.conftest import PASSWORD, _csrf_from, csrf_token, sign_in

BAD_CREDENTIALS = "Enter a correct email address and password"


def _post_sign_in(client, email, password, **query):
    token = _csrf_from(client.get("/sign-in").get_data(as_text=True))
    return client.post("/sign-in", query_string=query,
                       data={"email": email, "password": password, "csrf_token": token})


def _error_messages(html: str) -> list[str]:
    """The error summary's items and the inline field errors, as the user reads them."""
    summary = re.findall(r'<a href="#[^"]*">([^<]+)</a>', html.split("govuk-error-summary__list", 1)[-1]
                         .split("</ul>", 1)[0]) if "govuk-error-summary__list" in html else []
    inline = [" ".join(m.split()) for m in re.findall(
        r'class="govuk-error-message">\s*<span class="govuk-visually-hidden">Error:</span>(.*?)</p>', html, re.S)]
    return [s.strip() for s in summary] + inline


def _is_signed_in(client) -> bool:
    response = client.get("/home")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/sign-in"
    return False


def _events(action: str | None = None) -> list[Event]:
    db.session.expire_all()
    query = sa.select(Event).order_by(Event.id)
    if action:
        query = query.where(Event.action == action)
    return list(db.session.scalars(query))


# --- wrong credentials, inactive users ---------------------------------------------------------

def test_wrong_password_and_unknown_email_get_the_same_message_and_no_session(app, make_user):
    user = make_user("auditor", email="known.person@example.org")
    user_id = user.id
    pages = {}
    for label, email, password in (("wrong password", "known.person@example.org", "not the password at all"),
                                   ("unknown email", "nobody.here@example.org", PASSWORD)):
        client = app.test_client()
        response = _post_sign_in(client, email, password)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, label
        assert BAD_CREDENTIALS in html, label
        assert not _is_signed_in(client), label
        pages[label] = _error_messages(html)
    # Nothing in the answer tells a known address from an unknown one.
    assert pages["wrong password"] == pages["unknown email"] == [BAD_CREDENTIALS, BAD_CREDENTIALS]

    # The history names the account that was tried, and never keeps an email that matches no account.
    failed = _events("auth.sign_in_failed")
    assert [(e.actor_id, e.object_type, e.object_id, e.detail["reason"]) for e in failed] == [
        (None, "users", user_id, "wrong password"), (None, "service", None, "no such account")]
    assert "nobody.here" not in str([e.detail for e in _events()])
    assert _events("auth.signed_in") == []
    assert all(e.actor_id != user_id for e in _events())


def test_inactive_user_cannot_sign_in(app, client, make_user):
    make_user("qa_lead", email="gone@example.org", active=False)
    response = _post_sign_in(client, "gone@example.org", PASSWORD)
    assert response.status_code == 200
    assert _error_messages(response.get_data(as_text=True)) == [BAD_CREDENTIALS, BAD_CREDENTIALS]
    assert not _is_signed_in(client)
    assert [e.detail["reason"] for e in _events("auth.sign_in_failed")] == ["account inactive"]
    assert _events("auth.signed_in") == []


def test_user_deactivated_while_signed_in_loses_access(app, client, make_user):
    user = make_user("qa_lead")
    sign_in(client, user)
    assert _is_signed_in(client)
    user.active = False
    db.session.commit()
    assert not _is_signed_in(client)
    assert client.get("/rounds/").status_code == 302


def test_email_is_matched_whatever_its_case_and_spaces(app, client, make_user):
    make_user("auditor", email="mixed.case@example.org")
    response = _post_sign_in(client, "  Mixed.Case@Example.ORG ", PASSWORD)
    assert response.status_code == 302
    assert _is_signed_in(client)


# --- history ----------------------------------------------------------------------------------

def test_sign_in_writes_an_event_naming_the_user(app, client, make_user):
    user = make_user("auditor")
    user_id = user.id
    sign_in(client, user)
    signed_in = _events("auth.signed_in")
    assert [(e.actor_id, e.object_type, e.object_id) for e in signed_in] == [(user_id, "users", user_id)]
    assert _events("auth.sign_in_failed") == []


def test_every_attempt_is_recorded_in_order(app, make_user):
    make_user("auditor", email="counted@example.org")
    attempts = [("counted@example.org", "wrong wrong wrong"), ("counted@example.org", PASSWORD),
                ("who@example.org", PASSWORD)]
    for email, password in attempts:
        _post_sign_in(app.test_client(), email, password)
    actions = [e.action for e in _events() if e.action.startswith("auth.")]
    assert actions == ["auth.sign_in_failed", "auth.signed_in", "auth.sign_in_failed"]


# --- CSRF ------------------------------------------------------------------------------------

def test_sign_in_without_csrf_token_is_refused(app, client, make_user):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    user = make_user("auditor")
    client.get("/sign-in")
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Your form has expired" in response.get_data(as_text=True)
    assert not _is_signed_in(client)
    assert _events("auth.signed_in") == []


def test_state_changing_post_without_csrf_token_is_400_and_changes_nothing(app, client, make_user, make_audit):
    auditor = make_user("auditor", team="North")
    audit = make_audit(auditor=auditor)
    audit_id, version = audit.id, audit.version
    sign_in(client, auditor)
    before = len(_events())
    form = {"version": str(version), "action": "draft", "overall_summary": "Written without a token"}

    for data in (form, {**form, "csrf_token": "not-a-real-token"}):
        response = client.post(f"/audits/{audit_id}", data=data)
        assert response.status_code == 400
        assert "Nothing was saved" in response.get_data(as_text=True)
    assert client.post("/sign-out").status_code == 400
    assert _is_signed_in(client)   # the refused sign-out did not end the session

    db.session.expire_all()
    audit = db.session.get(type(audit), audit_id)
    assert (audit.status, audit.version, audit.overall_summary or "") == ("not_started", version, "")
    # Nothing but the three refusals (no token, a wrong token, sign-out without a token) was recorded,
    # besides the home page's read of the case files it lists (checking the user is still signed in).
    refused = [e for e in _events()[before:] if e.action != "page.viewed"]
    assert [(e.action, e.actor_id, e.detail["status"], e.detail["path"]) for e in refused] == [
        ("request.refused", auditor.id, 400, f"/audits/{audit_id}")] * 2 + [
        ("request.refused", auditor.id, 400, "/sign-out")]
    assert all(e.detail["reason"].startswith("form token: ") for e in refused)
    # With the token the same request works, so the refusal above was the token's doing.
    ok = client.post(f"/audits/{audit_id}", data={**form, "csrf_token": csrf_token(client)})
    assert ok.status_code == 302


# --- signing out ------------------------------------------------------------------------------

def test_sign_out_ends_the_session_even_for_a_copied_cookie(app, client, make_user):
    user = make_user("qa_lead")
    user_id = user.id
    sign_in(client, user)
    stolen = client.get_cookie("session").value
    copy = app.test_client()
    copy.set_cookie("session", stolen)
    assert _is_signed_in(copy)   # the copy works while the session lives

    response = client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/sign-in"
    assert not _is_signed_in(client)
    assert not _is_signed_in(copy)
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/rounds/").status_code == 302
    assert [(e.actor_id, e.object_id) for e in _events("auth.signed_out")] == [(user_id, user_id)]
    # Signing in again works as normal.
    sign_in(client, user)
    assert _is_signed_in(client)


def test_get_sign_out_is_405_and_does_not_sign_out(app, client, make_user):
    sign_in(client, make_user("auditor"))
    assert client.get("/sign-out").status_code == 405
    assert _is_signed_in(client)
    assert _events("auth.signed_out") == []


# --- where sign-in goes next --------------------------------------------------------------------

NEXT_TARGETS = [
    ("/rounds/", "/rounds/"),
    ("/audits/mine?page=2", "/audits/mine?page=2"),
    ("//evil.example", "/home"),
    ("//evil.example/home", "/home"),
    ("https://evil.example", "/home"),
    ("https://evil.example/home", "/home"),
    ("http:evil.example", "/home"),
    ("javascript:alert(1)", "/home"),
    ("evil.example", "/home"),
    ("", "/home"),
]


def test_next_only_goes_to_a_path_on_this_site(app, make_user):
    user = make_user("auditor")   # no second step (the QA lead's: tests/security/test_two_step.py)
    email = user.email
    landed = {}
    for target, _expected in NEXT_TARGETS:
        response = _post_sign_in(app.test_client(), email, PASSWORD, next=target)
        assert response.status_code == 302, target
        landed[target] = response.headers["Location"]
    assert landed == dict(NEXT_TARGETS)


def test_next_tricks_that_browsers_read_as_another_host_stay_here(app, make_user):
    user = make_user("auditor")
    email = user.email
    for target in ["/\\evil.example", "/\t/evil.example", "/\\/evil.example", " //evil.example",
                   "///evil.example", "/%2F/evil.example"]:
        response = _post_sign_in(app.test_client(), email, PASSWORD, next=target)
        assert response.status_code == 302, target
        location = response.headers["Location"]
        # Browsers treat "\" as "/" and drop tabs, so check the host a browser would go to.
        as_browser = location.replace("\\", "/").replace("\t", "")
        assert urlsplit(urljoin("http://localhost/home", as_browser)).netloc == "localhost", (target, location)


def test_next_is_ignored_by_a_wrong_password(app, client, make_user):
    user = make_user("auditor")
    response = _post_sign_in(client, user.email, "wrong password here", next="/rounds/")
    assert response.status_code == 200
    assert not _is_signed_in(client)


# --- password storage -------------------------------------------------------------------------

def test_password_hashes_are_argon2id(app, make_user):
    make_user("auditor", email="hash.one@example.org")
    make_user("viewer", email="hash.two@example.org")
    db.session.expire_all()
    hashes = db.session.scalars(sa.select(User.password_hash).order_by(User.id)).all()
    assert len(hashes) == 2
    for stored in hashes:
        assert stored.startswith("$argon2id$")
        assert PASSWORD not in stored
    assert hashes[0] != hashes[1]   # salted: the same password never hashes the same way


# --- the users create command -------------------------------------------------------------------

def test_cli_creates_a_user_with_a_generated_password_that_works(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "New.Person@example.org", "--role", "auditor",
                                 "--team", "North"])
    assert result.exit_code == 0, result.output
    assert "Created new.person@example.org with role(s) auditor in team North" in result.output
    match = re.search(r"^Password: (\S+)$", result.output, re.M)
    assert match, result.output
    password = match.group(1)
    assert len(password) >= 12

    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "new.person@example.org"))
    assert user is not None and user.active
    assert {r.value for r in user.roles} == {"auditor"}
    assert user.team.name == "North"
    assert user.password_hash.startswith("$argon2id$") and password not in user.password_hash

    client = app.test_client()
    response = _post_sign_in(client, "new.person@example.org", password)
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    assert _is_signed_in(client)
    wrong = app.test_client()
    assert _post_sign_in(wrong, "new.person@example.org", password + "x").status_code == 200
    assert not _is_signed_in(wrong)


def test_cli_refuses_a_duplicate_email(app, runner):
    first = runner.invoke(args=["users", "create", "--email", "twice@example.org", "--role", "viewer"])
    assert first.exit_code == 0, first.output
    for email in ("twice@example.org", "Twice@Example.org"):
        again = runner.invoke(args=["users", "create", "--email", email, "--role", "qa_lead"])
        assert again.exit_code == 1, again.output
        assert "An account with the email twice@example.org already exists." in again.output
        assert "Password:" not in again.output
    db.session.expire_all()
    users = db.session.scalars(sa.select(User).where(User.email == "twice@example.org")).all()
    assert len(users) == 1
    assert {r.value for r in users[0].roles} == {"viewer"}   # the second attempt changed nothing


def test_cli_rejects_an_unknown_role(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "wizard@example.org", "--role", "wizard"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--role'" in result.output
    assert "wizard" in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "wizard@example.org")) is None


def test_an_iro_sees_audit_outcomes_on_the_case_page_but_cannot_open_the_audit(client, make_user, make_audit):
    audit = make_audit(status="submitted", overall_grade=4)
    draft = make_audit(case=audit.case_file, status="in_progress", round_=None)
    case_id, audit_id, draft_round = audit.case_file_id, audit.id, draft.round.name
    sign_in(client, make_user("iro"))
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Inadequate" in html                              # the outcome
    assert f'href="/audits/{audit_id}"' not in html          # not the answers
    assert draft_round not in html                           # an unsubmitted audit is nobody else's business
    assert client.get(f"/audits/{audit_id}").status_code == 403


def test_users_activate_and_deactivate(app, runner, make_user):
    user = make_user("auditor", active=False)
    result = runner.invoke(args=["users", "activate", "--email", user.email.upper(), "--generate-password"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Password: ")[1].strip()
    from qa_app.auth.services import authenticate

    db.session.expire_all()
    assert authenticate(user.email, password) is not None
    result = runner.invoke(args=["users", "deactivate", "--email", user.email])
    assert result.exit_code == 0
    db.session.expire_all()
    assert authenticate(user.email, password) is None
    assert runner.invoke(args=["users", "activate", "--email", "nobody@example.org"]).exit_code == 1
