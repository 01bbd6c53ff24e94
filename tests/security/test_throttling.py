"""Sign-in throttling (issue 11, point 5), through the app: counted per account and per address in
the database, an exponential wait and then 429 with a clear message, no permanent lockout, other
accounts unaffected, failures in the history without the password or an unknown email. The same
against real gunicorn workers: tests/security/test_throttling_gunicorn.py."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from qa_app.auth.models import SignInThrottle
from qa_app.auth.throttle import Policy
from qa_app.db import utcnow
from qa_app.extensions import db
from qa_app.history.models import Event
from tests.conftest import PASSWORD, RequestScopedClient, _app_for
from tests.functional.test_auth import _error_messages

BAD = "Enter a correct email address and password"


@pytest.fixture
def throttled_app(database_url):
    """Waits of 1, 2, 4 … seconds from the 3rd failure; an address waits from its 8th."""
    app = _app_for(database_url, THROTTLE_ACCOUNT_FREE=3, THROTTLE_ADDRESS_FREE=8, THROTTLE_BASE_SECONDS=1,
                   TRUSTED_PROXY_COUNT=1)
    app.test_client_class = RequestScopedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _expire_waits():
    db.session.execute(sa.update(SignInThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def _post(app, email, password, address="198.51.100.7"):
    return _post_sign_in_from(app.test_client(), email, password, address)


def _post_sign_in_from(client, email, password, address):
    from tests.conftest import _csrf_from

    headers = {"X-Forwarded-For": address}
    token = _csrf_from(client.get("/sign-in", headers=headers).get_data(as_text=True))
    return client.post("/sign-in", headers=headers, data={"email": email, "password": password, "csrf_token": token})


def test_the_wait_doubles_up_to_a_ceiling():
    policy = Policy(free=5, base_seconds=5, max_seconds=900, forgive_seconds=600)
    assert [policy.wait_after(n) for n in range(1, 15)] == [
        0, 0, 0, 0, 5, 10, 20, 40, 80, 160, 320, 640, 900, 900]


def test_wrong_passwords_are_slowed_then_refused_and_never_lock_out_for_good(throttled_app, make_user):
    target = make_user("auditor", email="target@example.org")
    make_user("auditor", email="colleague@example.org")
    target_id = target.id
    answers = [_post(throttled_app, "target@example.org", f"guess number {n}") for n in range(6)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429, 429]
    refused = answers[3].get_data(as_text=True)
    assert "There have been too many failed attempts to sign in to this account. Wait 1 second" in refused
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 1
    # While it waits even the right password is refused, without being checked.
    assert _post(throttled_app, "target@example.org", PASSWORD).status_code == 429
    # A colleague at the same address signs in as usual.
    colleague = throttled_app.test_client()
    assert _post_sign_in_from(colleague, "colleague@example.org", PASSWORD, "198.51.100.7").status_code == 302
    # Each further failure doubles the wait: 1 s, then 2 s, then 4 s.
    waits = []
    for _ in range(3):
        _expire_waits()
        response = _post(throttled_app, "target@example.org", "still guessing")
        assert response.status_code == 200
        row = db.session.get(SignInThrottle, f"account:{target_id}")
        db.session.refresh(row)
        waits.append(round((row.blocked_until - row.last_failure_at).total_seconds()))
    assert waits == [2, 4, 8]
    # No permanent lockout: once the wait is over the right password works, and the count starts afresh.
    _expire_waits()
    client = throttled_app.test_client()
    assert _post_sign_in_from(client, "target@example.org", PASSWORD, "198.51.100.7").status_code == 302
    assert client.get("/home", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(SignInThrottle, f"account:{target_id}").failures == 0

    failed = db.session.scalars(sa.select(Event).where(Event.action == "auth.sign_in_failed")).all()
    assert len(failed) == 6 and {(e.object_type, e.object_id) for e in failed} == {("users", target_id)}
    throttled = db.session.scalars(sa.select(Event).where(Event.action == "auth.sign_in_throttled")).all()
    assert [e.detail["wait_seconds"] for e in throttled] == [1, 2, 4, 8]
    everything = str([e.detail for e in db.session.scalars(sa.select(Event))])
    assert "guess number" not in everything and "still guessing" not in everything and PASSWORD not in everything


def test_an_email_that_matches_no_account_is_throttled_alike_and_never_stored(throttled_app, make_user):
    typed = "no.such.person.anywhere@example.org"
    statuses = [_post(throttled_app, typed, "whatever it is").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]   # the same as for a real account: nothing tells them apart
    keys = [row.key for row in db.session.scalars(sa.select(SignInThrottle))]
    assert all("no.such.person" not in key for key in keys)
    assert [k for k in keys if k.startswith("account:?")]
    everything = str([(e.detail, e.object_type) for e in db.session.scalars(sa.select(Event))])
    assert "no.such.person" not in everything


def test_an_address_is_refused_only_far_later_and_other_addresses_are_not(throttled_app, make_user):
    emails = [make_user("auditor").email for _ in range(6)]
    make_user("viewer", email="elsewhere@example.org")
    statuses = []
    for n in range(9):   # spread over six accounts: no account reaches its own limit of 3
        statuses.append(_post(throttled_app, emails[n % 6], "a wrong password", address="203.0.113.50").status_code)
    assert statuses == [200] * 8 + [429]
    last = _post(throttled_app, emails[0], PASSWORD, address="203.0.113.50")
    assert last.status_code == 429
    assert "too many failed attempts to sign in from your network" in last.get_data(as_text=True)
    assert _post(throttled_app, "elsewhere@example.org", PASSWORD, address="192.0.2.9").status_code == 302


def test_a_forged_forwarded_for_header_does_not_dodge_the_count(database_url, make_user):
    """Without a declared proxy the header is ignored; with one, only the address it added counts."""
    app = _app_for(database_url, THROTTLE_ACCOUNT_FREE=100, THROTTLE_ADDRESS_FREE=3, THROTTLE_BASE_SECONDS=30)
    app.test_client_class = RequestScopedClient
    with app.app_context():
        email = make_user("auditor").email
        db.session.commit()
        statuses = [_post(app, email, "wrong wrong wrong", address=f"10.9.8.{n}").status_code for n in range(4)]
        assert statuses == [200, 200, 200, 429]
        keys = {row.key for row in db.session.scalars(sa.select(SignInThrottle))}
        assert "address:127.0.0.1" in keys and not [k for k in keys if k.startswith("address:10.9.8.")]
        db.session.remove()
        db.engine.dispose()
    proxied = _app_for(database_url, THROTTLE_ACCOUNT_FREE=100, THROTTLE_ADDRESS_FREE=3, THROTTLE_BASE_SECONDS=30,
                       TRUSTED_PROXY_COUNT=1)
    proxied.test_client_class = RequestScopedClient
    with proxied.app_context():
        # The client writes its own X-Forwarded-For; the proxy appends the real address last.
        statuses = [_post(proxied, email, "wrong wrong wrong", address=f"10.0.0.{n}, 192.0.2.77").status_code
                    for n in range(4)]
        assert statuses == [200, 200, 200, 429]
        db.session.remove()
        db.engine.dispose()


def test_the_sign_in_page_says_nothing_has_changed_when_refused(throttled_app, make_user):
    make_user("auditor", email="slow@example.org")
    for _ in range(3):
        _post(throttled_app, "slow@example.org", "wrong password here")
    response = _post(throttled_app, "slow@example.org", "wrong password here")
    assert response.status_code == 429
    messages = _error_messages(response.get_data(as_text=True))
    assert messages and all(m.startswith("There have been too many failed attempts") for m in messages)
    assert BAD not in messages


def test_a_failure_written_by_another_worker_a_moment_later_is_not_forgiven_twice(app, make_user):
    """The time is taken once the rows are locked; a last failure 'in the future' of a stale clock
    reading never adds a failure."""
    from qa_app.auth import throttle

    user = make_user("auditor")
    keys = (f"account:{user.id}",)
    now = utcnow()
    throttle.begin(keys, now=now)
    later = throttle.begin(keys, now=now - timedelta(milliseconds=50))   # a reading taken before the first
    assert later.refused_until is None
    assert db.session.get(SignInThrottle, keys[0]).failures == 2
