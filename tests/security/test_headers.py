"""Browser headers (issue 11, point 7): every response carries a strict CSP with a fresh nonce,
frame-ancestors 'none', nosniff, Referrer-Policy, no-store on every page and download, and HSTS in
production; no page has inline script or style outside the nonce. The access matrix checks the
same headers on every route for every role (tests/functional/test_access_matrix.py)."""

import pytest
from flask import url_for

from qa_app import create_app
from qa_app.extensions import db
from tests.conftest import sign_in
from tests.security.headers import check_headers, check_page_markup

ROLES = ("auditor", "moderator", "qa_lead", "iro", "practitioner", "viewer", "admin")


def _plain_get_routes(app) -> list[str]:
    """Every page of the app that takes no argument in its address."""
    paths = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods and not rule.arguments and rule.endpoint not in ("static",):
                paths.append(url_for(rule.endpoint))
    return sorted(set(paths))


def test_signed_out_responses_of_every_kind(client):
    seen = {}
    for path, method, status in (("/sign-in", "GET", 200), ("/", "GET", 302), ("/home", "GET", 302),
                                 ("/no-such-page", "GET", 404), ("/sign-out", "GET", 405),
                                 ("/sign-in", "POST", 400)):   # POST without a form token: CSRF refusal
        response = client.open(path, method=method, data={} if method == "POST" else None)
        assert response.status_code == status, path
        nonce = check_headers(response, path)
        if response.mimetype == "text/html" and status != 302:
            assert check_page_markup(response.get_data(as_text=True), nonce, path) >= 3, path
        seen[path + method] = nonce
    assert len(set(seen.values())) == len(seen), "a nonce was used twice"


def test_static_files_may_be_cached_but_carry_the_other_headers(client):
    for path in ("/static/app.css", "/assets/images/favicon.svg"):
        response = client.get(path)
        assert response.status_code == 200, path
        check_headers(response, path)
        response.close()


@pytest.mark.parametrize("role", ROLES)
def test_every_plain_page_for_every_role(app, make_user, role):
    user = make_user(role, team="Header team")
    client = app.test_client()
    sign_in(client, user)
    checked = 0
    for path in _plain_get_routes(app):
        response = client.get(path)
        nonce = check_headers(response, path)
        if response.status_code == 200 and response.mimetype == "text/html":
            check_page_markup(response.get_data(as_text=True), nonce, path)
            checked += 1
        response.close()   # as a WSGI server does: a streamed download closes its file here
    assert checked >= 1


def test_a_download_is_not_stored(app, make_user, make_audit):
    make_audit(status="submitted")
    qa = make_user("qa_lead")
    client = app.test_client()
    sign_in(client, qa)
    response = client.get("/reports/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    check_headers(response, "/reports/export.xlsx")
    response.close()


def test_production_adds_hsts(monkeypatch, database_url):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url})
    client = app.test_client()
    for path in ("/sign-in", "/no-such-page", "/static/app.css"):
        response = client.get(path, base_url="https://audit.example")
        check_headers(response, path, production=True)
        response.close()
    with app.app_context():
        db.engine.dispose()   # PostgreSQL warns about a connection left open
