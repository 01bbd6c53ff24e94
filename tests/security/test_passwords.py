"""Passwords (issue 11, point 4): at least 12 characters, refused when common or guessable (an
offline estimator), no composition rules; a self-service change that ends the user's other sessions."""

import pytest
import sqlalchemy as sa

from qa_app.auth.models import Role
from qa_app.auth.passwords import problem
from qa_app.auth.services import authenticate, create_user
from qa_app.errors import ValidationFailed
from qa_app.extensions import db
from qa_app.history.models import Event
from tests.conftest import PASSWORD, csrf_token, sign_in
from tests.functional.test_auth import _error_messages, _is_signed_in


@pytest.mark.parametrize("password", [
    "password1234", "Password1234", "qwertyuiop12", "aaaaaaaaaaaa", "123456789012", "iloveyou2026",
    "short pass", "            ", "jo.bloggs2026", "casefileaudit1",
])
def test_guessable_or_short_passwords_are_refused(password):
    assert problem(password, user_inputs=("jo.bloggs@council.example", "Jo Bloggs")) is not None


@pytest.mark.parametrize("password", [
    "correct horse battery staple", "lantern orchard velvet 42", "onlylowercasebutlongenough",
    "ÆØÅ grüße 日本語 パスワード", "x" * 6 + "Q7#mZ!p9@", "a" * 40 + "unusual tail 81",
])
def test_long_unusual_passwords_of_any_characters_are_accepted(password):
    assert problem(password) is None, password


@pytest.mark.parametrize("password", ["casefileaudit2026", "quality assurance 1", "sloughcouncil1", "SloughBorough2026"])
def test_the_services_and_the_councils_own_words_are_refused(app, password):
    app.config["PASSWORD_CONTEXT_WORDS"] = "Slough, Slough Borough Council"
    assert problem(password) is not None


def test_length_limits_are_stated():
    assert problem("Zq8#mWp2!") == "Your password must be at least 12 characters long"
    assert problem("lantern orchard " * 20) == "Your password must be 256 characters or fewer"
    assert problem("lantern orchard velvet " * 11) is None   # 253 characters: fine


def test_account_creation_refuses_a_common_password(app):
    with pytest.raises(ValidationFailed) as error:
        create_user(email="someone@example.org", roles=[Role.VIEWER], password="password1234")
    assert error.value.problems == [("password", "Choose a password that is harder to guess: this is a very "
                                     "common password. A few unrelated words together make a strong password "
                                     "that is easy to remember.")]


NEW = "lantern orchard velvet 42"


def _change(client, current, new, confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "confirm_password": confirm if confirm is not None else new,
        "csrf_token": csrf_token(client, "/account/password")})


def test_changing_your_password_ends_your_other_sessions(app, make_user):
    user = make_user("auditor")
    email = user.email
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, user)
    sign_in(elsewhere, user)
    new = "lantern orchard velvet 42"
    response = _change(here, PASSWORD, new)
    assert response.status_code == 302
    assert _is_signed_in(here)
    assert not _is_signed_in(elsewhere)
    db.session.expire_all()
    assert authenticate(email, new) is not None
    assert authenticate(email, PASSWORD) is None
    events = db.session.scalars(sa.select(Event).where(Event.action == "user.password_changed")).all()
    assert [(e.actor_id, e.object_id) for e in events] == [(user.id, user.id)]
    assert PASSWORD not in str(events[0].detail) and new not in str(events[0].detail)


@pytest.mark.parametrize(("current", "new", "confirm", "message", "field_name"), [
    ("not my password", "lantern orchard velvet 42", None, "Your current password is not correct", "current"),
    (PASSWORD, "password1234", None, "Choose a password that is harder to guess", "new"),
    (PASSWORD, "Zq8#mWp2!", None, "Your password must be at least 12 characters long", "new"),
    (PASSWORD, "lantern orchard velvet 42", "lantern orchard velvet 43", "The two new passwords do not match", "confirm"),
    (PASSWORD, PASSWORD, None, "The new password must be different from the current one", "new"),
])
def test_a_refused_change_says_why_and_changes_nothing(app, make_user, current, new, confirm, message, field_name):
    user = make_user("auditor")
    email = user.email
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, user)
    sign_in(elsewhere, user)
    response = _change(here, current, new, confirm)
    assert response.status_code == 400
    messages = _error_messages(response.get_data(as_text=True))
    assert any(m.startswith(message) for m in messages), messages
    assert _is_signed_in(elsewhere)
    db.session.expire_all()
    assert authenticate(email, PASSWORD) is not None


def test_guesses_at_the_current_password_are_throttled(app, make_user):
    user = make_user("auditor")
    email = user.email
    client = app.test_client()
    sign_in(client, user)
    statuses = [_change(client, f"guess {n} at it", NEW).status_code for n in range(6)]
    assert statuses == [400, 400, 400, 400, 400, 429]
    assert _change(client, PASSWORD, NEW).status_code == 429      # the right one waits too
    db.session.expire_all()
    assert authenticate(email, PASSWORD) is not None                # nothing changed
