"""Sessions held on the server (issue 11, point 6): idle timeout, absolute lifetime (a re-signed
11-hour-old cookie is refused), a new identifier at every sign-in, "your sessions", the __Host-
cookie in production, and signing out, deactivation and password change ending sessions."""

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from urllib.parse import urlsplit

from qa_app import create_app
from qa_app.auth.models import UserSession
from qa_app.db import utcnow
from qa_app.extensions import db
from qa_app.history.models import Event
from tests.conftest import PASSWORD, _app_for, _csrf_from, csrf_token, sign_in
from tests.functional.test_auth import _is_signed_in


def _open_sessions(user_id):
    db.session.expire_all()
    return list(db.session.scalars(sa.select(UserSession).where(
        UserSession.user_id == user_id).order_by(UserSession.id)))


def _set_times(session_id, **times):
    db.session.execute(sa.update(UserSession).where(UserSession.id == session_id).values(**times))
    db.session.commit()


def _follow_to_sign_in(client, path="/home"):
    response = client.get(path)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/sign-in"
    return client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.fixture
def idle_app(database_url):
    from tests.conftest import RequestScopedClient

    app = _app_for(database_url, SESSION_IDLE_MINUTES=1)
    app.test_client_class = RequestScopedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_a_session_idle_past_the_limit_is_refused_and_ended(idle_app, make_user):
    user = make_user("auditor")
    user_id = user.id
    client = idle_app.test_client()
    sign_in(client, user)
    (record,) = _open_sessions(user_id)

    _set_times(record.id, last_seen_at=utcnow() - timedelta(seconds=50))
    assert _is_signed_in(client)          # used within the minute: it goes on, and counts as use
    (record,) = _open_sessions(user_id)
    assert utcnow() - record.last_seen_at < timedelta(seconds=5)

    _set_times(record.id, last_seen_at=utcnow() - timedelta(seconds=61))
    page = _follow_to_sign_in(client)
    assert "You were signed out because you had not used the service for 1 minute." in page
    (record,) = _open_sessions(user_id)
    assert record.ended_at is not None and record.end_reason == "idle"
    # Ended means ended: coming back within a minute of the refusal does not revive it.
    assert not _is_signed_in(client)


def test_idle_timeout_in_real_time(database_url, make_user):
    """No stored time is touched: 0.05 minutes (3 s) of real idleness end the session."""
    app = _app_for(database_url, SESSION_IDLE_MINUTES=0.05)
    with app.app_context():
        user = make_user("viewer")
        client = app.test_client()
        sign_in(client, user)
        db.session.commit()
    assert client.get("/home").status_code == 200
    time.sleep(3.5)
    response = client.get("/home")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/sign-in"
    with app.app_context():
        db.engine.dispose()


def _resign(app, cookie_value: str, seconds_ago: float) -> str:
    """The cookie's own content, signed again with the app's key as if issued `seconds_ago`."""
    serializer = app.session_interface.get_signing_serializer(app)
    data = serializer.loads(cookie_value)
    real_time = time.time
    try:
        time.time = lambda: real_time() - seconds_ago   # itsdangerous stamps the signature with time.time()
        return serializer.dumps(data)
    finally:
        time.time = real_time


def test_a_resigned_eleven_hour_old_cookie_is_refused(app, client, make_user):
    user = make_user("auditor")
    sign_in(client, user)
    cookie = client.get_cookie("session").value

    fresh = app.test_client()
    fresh.set_cookie("session", _resign(app, cookie, seconds_ago=60))
    assert _is_signed_in(fresh)           # the same content re-signed a minute ago works: the test is fair

    stale = app.test_client()
    stale.set_cookie("session", _resign(app, cookie, seconds_ago=11 * 3600))
    assert not _is_signed_in(stale)       # Flask refuses a signature older than SESSION_MAX_HOURS


def test_a_session_older_than_the_absolute_limit_is_refused_however_fresh_its_cookie(app, client, make_user):
    user = make_user("auditor")
    user_id = user.id
    sign_in(client, user)
    (record,) = _open_sessions(user_id)
    _set_times(record.id, created_at=utcnow() - timedelta(hours=9, minutes=59))
    assert _is_signed_in(client)
    _set_times(record.id, created_at=utcnow() - timedelta(hours=11))
    page = _follow_to_sign_in(client)
    assert "You were signed out because you had been signed in for 10 hours." in page
    (record,) = _open_sessions(user_id)
    assert record.end_reason == "expired"


def test_every_sign_in_gets_a_new_session_and_drops_what_the_cookie_held(app, make_user):
    user = make_user("auditor")
    user_id = user.id
    client = app.test_client()
    with client.session_transaction() as planted:      # a cookie an attacker set before sign-in
        planted["_user_id"] = f"{user_id}:attacker-chosen-key"
        planted["planted"] = "yes"
    assert not _is_signed_in(client)
    sign_in(client, user)
    with client.session_transaction() as held:
        assert "planted" not in held
        key = held["_user_id"].split(":", 1)[1]
    assert key != "attacker-chosen-key" and len(key) >= 40
    sign_in(app.test_client(), user)
    sessions = _open_sessions(user_id)
    assert len(sessions) == 2 and sessions[0].key_hash != sessions[1].key_hash
    # The key is stored only as its SHA-256: the database alone cannot be used to take a session over.
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
        UserSession.key_hash == key))


def test_signing_out_ends_every_session_of_the_user(app, make_user):
    user = make_user("auditor")
    other = make_user("auditor")
    laptop, phone, someone_else = app.test_client(), app.test_client(), app.test_client()
    for client, who in ((laptop, user), (phone, user), (someone_else, other)):
        sign_in(client, who)
    laptop.post("/sign-out", data={"csrf_token": csrf_token(laptop)})
    assert not _is_signed_in(laptop)
    assert not _is_signed_in(phone)
    assert _is_signed_in(someone_else)


def test_your_sessions_page_ends_another_session(app, make_user):
    user = make_user("auditor")
    user_id = user.id
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user)
    phone_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1"
    page = phone.get("/sign-in", headers={"User-Agent": phone_agent})
    phone.post("/sign-in", headers={"User-Agent": phone_agent}, data={
        "email": user.email, "password": PASSWORD, "csrf_token": _csrf_from(page.get_data(as_text=True))})
    html = laptop.get("/account/sessions").get_data(as_text=True)
    assert "Safari on iPhone" in html and "This session" in html
    laptop_session, phone_session = _open_sessions(user_id)
    response = laptop.post(f"/account/sessions/{phone_session.id}/end", data={"csrf_token": csrf_token(laptop)})
    assert response.status_code == 302
    assert not _is_signed_in(phone)
    assert _is_signed_in(laptop)
    assert [e.action for e in db.session.scalars(sa.select(Event).where(
        Event.action == "session.ended_by_user"))] == ["session.ended_by_user"]
    # The current session is ended by signing out, not from this list.
    assert laptop.post(f"/account/sessions/{laptop_session.id}/end",
                       data={"csrf_token": csrf_token(laptop)}).status_code == 404


def test_end_every_other_session(app, make_user):
    user = make_user("auditor")
    clients = [app.test_client() for _ in range(3)]
    for client in clients:
        sign_in(client, user)
    clients[0].post("/account/sessions/end-others", data={"csrf_token": csrf_token(clients[0])})
    assert [_is_signed_in(c) for c in clients] == [True, False, False]


def test_nobody_can_end_another_persons_session(app, make_user):
    victim, attacker = make_user("auditor"), make_user("auditor")
    victim_id = victim.id
    victim_client, attacker_client = app.test_client(), app.test_client()
    sign_in(victim_client, victim)
    sign_in(attacker_client, attacker)
    (victim_session,) = _open_sessions(victim_id)
    response = attacker_client.post(f"/account/sessions/{victim_session.id}/end",
                                    data={"csrf_token": csrf_token(attacker_client)})
    assert response.status_code == 404
    assert _is_signed_in(victim_client)
    assert _open_sessions(victim_id)[0].ended_at is None


def test_deactivation_ends_sessions_at_once(app, runner, make_user):
    user = make_user("auditor")
    client = app.test_client()
    sign_in(client, user)
    assert runner.invoke(args=["users", "deactivate", "--email", user.email]).exit_code == 0
    assert not _is_signed_in(client)
    assert {s.end_reason for s in _open_sessions(user.id)} == {"deactivated"}


def test_production_cookie_is_host_prefixed_secure_and_http_only(monkeypatch, database_url):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url, "ARGON2_TIME_COST": 1,
                                    "ARGON2_MEMORY_COST": 1024})
    with app.app_context():
        from qa_app.auth.models import Role
        from qa_app.auth.services import create_user

        create_user(email="prod.user@example.org", roles=[Role.VIEWER], password=PASSWORD)
        db.session.commit()
    client = app.test_client()
    base = "https://audit.example"
    page = client.get("/sign-in", base_url=base)
    # Over HTTPS Flask-WTF also checks the Referer is this site.
    response = client.post("/sign-in", base_url=base, headers={"Referer": f"{base}/sign-in"}, data={
        "email": "prod.user@example.org", "password": PASSWORD,
        "csrf_token": _csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    (session_cookie,) = [c for c in cookies if c.startswith("__Host-session=")]
    attributes = {part.strip().split("=")[0].lower() for part in session_cookie.split(";")[1:]}
    assert {"secure", "httponly", "path"} <= attributes and "domain" not in attributes
    assert "Path=/" in session_cookie and "SameSite=Lax" in session_cookie
    assert not [c for c in cookies if c.startswith("session=")]
    assert client.get("/home", base_url=base).status_code == 200
    with app.app_context():
        db.engine.dispose()


def test_everyone_can_be_signed_out_at_once(app, runner, make_user):
    clients = []
    for role in ("auditor", "viewer", "iro"):
        client = app.test_client()
        sign_in(client, make_user(role))
        clients.append(client)
    result = runner.invoke(args=["users", "sign-out-everyone"])
    assert result.exit_code == 0 and "Ended 3 sessions: everyone must sign in again." in result.output
    assert not any(_is_signed_in(c) for c in clients)
    assert db.session.scalar(sa.select(Event).where(Event.action == "sessions.all_ended")).detail == {"count": 3}
