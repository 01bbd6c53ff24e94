"""A fuller trail: refused requests are recorded with who, what and why; pages that show case files
record the read; every entry has the client address (through the configured proxy), the request id
(also in the response and the server's log line) and the acting role; failed sign-ins keep nothing
typed; "who has seen this case" lists it all, by case and by person, and exports it."""

import csv
import html
import io
import logging
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import abort

from qa_app.extensions import db
from qa_app.history.chain import verify
from qa_app.history.models import Event, EventPayload
from tests.conftest import _app_for, _csrf_from, sign_in
from tests.conftest import RequestScopedClient


def events(action: str) -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Event).where(Event.action == action).order_by(Event.id)))


def test_a_403_is_recorded_with_who_what_why_and_where_from(client, make_user, make_audit):
    mine, theirs = make_user("auditor", team="North"), make_user("auditor", team="South")
    audit = make_audit(auditor=theirs)
    sign_in(client, mine)
    response = client.get(f"/audits/{audit.id}")
    assert response.status_code == 403
    [refused] = events("request.refused")
    assert (refused.actor_id, refused.role, refused.object_type) == (mine.id, "auditor", "service")
    assert refused.detail == {"status": 403, "reason": "no access", "method": "GET", "path": f"/audits/{audit.id}",
                              "endpoint": "audits.show", "record": {"audit_id": audit.id}}
    assert refused.client_address == "127.0.0.1"  # the test client's address
    assert refused.request_id == response.headers["X-Request-Id"] and len(refused.request_id) == 16
    assert events("audit.viewed") == []  # refused means not read


def test_a_missing_record_401_and_throttling_are_recorded_but_not_unknown_addresses(app, client, make_user):
    # The 429 comes from a route of an app of its own on the same database (the worker's app has
    # served requests, so no route can be added to it). Nobody signs in there: a sign-in through a
    # second app in the same process left a PostgreSQL connection checked out (the worker's app,
    # like a real server, does not), which failed a later test when it was collected.
    fresh = _app_for(app.config["SQLALCHEMY_DATABASE_URI"], JOB_FILES_DIR=app.config["JOB_FILES_DIR"])

    @fresh.route("/_test/throttled")
    def throttled():
        abort(429)

    fresh.test_client_class = RequestScopedClient
    with fresh.app_context():
        other = fresh.test_client()
        assert other.get("/home").status_code == 302
        assert other.get("/_test/throttled").status_code == 429
        db.session.remove()
        db.engine.dispose()
    sign_in(client, make_user("qa_lead"))
    assert client.get("/audits/987654").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/assets/images/no-such-image.png").status_code == 404
    refused = [(e.detail["status"], e.detail["reason"], e.detail["path"]) for e in events("request.refused")]
    assert refused == [(401, "not signed in", "/home"), (429, "too many requests", "/_test/throttled"),
                       (404, "no such record", "/audits/987654")]


def test_the_request_id_is_in_the_server_log_line(client, make_user, make_audit, caplog):
    audit = make_audit(auditor=make_user("auditor", team="South"))
    sign_in(client, make_user("auditor", team="North"))
    with caplog.at_level(logging.WARNING, logger="qa_app"):
        response = client.get(f"/audits/{audit.id}")
    [line] = [r for r in caplog.records if "refused 403" in r.getMessage()]
    assert line.request_id == response.headers["X-Request-Id"]
    assert f"GET /audits/{audit.id} (no access)" in line.getMessage()


def test_the_round_page_records_which_case_files_it_showed(client, make_user, make_round, make_audit):
    lead = make_user("qa_lead")
    round_ = make_round(actor=lead)
    audits = [make_audit(round_=round_) for _ in range(3)]
    sign_in(client, lead)
    response = client.get(f"/rounds/{round_.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert all(audit.case_file.reference in page for audit in audits)
    [read] = events("round.viewed")
    assert read.actor_id == lead.id and read.role == "qa_lead" and read.object_id == round_.id
    assert read.case_ids == ",".join(str(i) for i in sorted(a.case_file_id for a in audits))
    assert read.request_id == response.headers["X-Request-Id"]


def test_any_page_that_loads_case_files_without_naming_them_records_them(client, make_user, make_audit):
    auditor = make_user("auditor")
    audit = make_audit(auditor=auditor)
    sign_in(client, auditor)
    assert audit.case_file.reference in client.get("/audits/mine").get_data(as_text=True)
    seen = [e for e in events("page.viewed") if e.detail["endpoint"] == "audits.mine"]
    assert [e.case_ids for e in seen] == [str(audit.case_file_id)]


@pytest.fixture
def proxied_app(database_url):
    app = _app_for(database_url, TRUSTED_PROXIES=1)
    app.test_client_class = RequestScopedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_behind_the_documented_proxy_the_browsers_address_and_request_id_are_kept(proxied_app):
    client = proxied_app.test_client()
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Request-Id": "nginx-req-0123456789"}
    response = client.get("/home", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.headers["X-Request-Id"] == "nginx-req-0123456789"
    [refused] = events("request.refused")
    assert (refused.client_address, refused.request_id) == ("203.0.113.9", "nginx-req-0123456789")


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(client):
    response = client.get("/home", headers={"X-Forwarded-For": "203.0.113.9", "X-Request-Id": "spoofed-id-123456"},
                          environ_base={"REMOTE_ADDR": "192.0.2.44"})
    assert response.headers["X-Request-Id"] != "spoofed-id-123456"
    [refused] = events("request.refused")
    assert refused.client_address == "192.0.2.44"


def test_a_failed_sign_in_keeps_nothing_that_was_typed(client, make_user):
    make_user("auditor", email="known@example.org")
    typed = ["correct-horse-battery-staple", "known@example.org"]
    for email in typed:
        token = _csrf_from(client.get("/sign-in").get_data(as_text=True))
        client.post("/sign-in", data={"email": email, "password": "a wrong password", "csrf_token": token})
    failed = events("auth.sign_in_failed")
    # Only the service's own words are kept: why it failed (and the address it came from).
    assert [(e.object_type, e.detail["reason"]) for e in failed] == [("service", "no such account"),
                                                                      ("users", "wrong password")]
    db.session.expire_all()
    stored = " ".join(str(p.detail) for p in db.session.scalars(sa.select(EventPayload)))
    assert "correct-horse-battery-staple" not in stored and "a wrong password" not in stored


def _seen(client, **query):
    response = client.get("/history/seen", query_string=query)
    return response, html.unescape(response.get_data(as_text=True))


def test_who_has_seen_a_case_by_case_by_person_and_by_date_and_its_export(app, make_user, make_audit, make_case):
    lead, admin = make_user("qa_lead"), make_user("admin")
    auditor = make_user("auditor", email="reader@example.org")
    audit = make_audit(auditor=auditor)
    other_case = make_case("OTHER-1")
    reference = audit.case_file.reference
    reader = app.test_client()
    sign_in(reader, auditor)
    assert reader.get(f"/audits/{audit.id}").status_code == 200
    looker = app.test_client()
    sign_in(looker, lead)
    assert looker.get(f"/cases/{audit.case_file_id}").status_code == 200
    assert looker.get(f"/cases/{other_case.id}").status_code == 200

    client = app.test_client()
    sign_in(client, admin)
    response, page = _seen(client, case=reference.lower())
    assert response.status_code == 200
    assert f"for case file {reference}" in page
    rows = page.split('id="seen"')[1]
    assert "Viewed" in rows and auditor.display_name in rows and lead.display_name in rows
    assert "OTHER-1" not in rows

    _response, by_person = _seen(client, user="READER@example.org")
    assert f"by {auditor.display_name} (reader@example.org)" in by_person
    assert reference in by_person and lead.display_name not in by_person.split('id="seen"')[1]

    tomorrow = date.today() + timedelta(days=1)
    _response, later = _seen(client, case=reference, date_from=[tomorrow.day, tomorrow.month, tomorrow.year])
    assert "0 entries" in later

    export = client.get("/history/seen.csv", query_string={"case": reference})
    assert export.status_code == 200 and export.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert table[0][:5] == ["When (UTC)", "Who", "Email", "Roles", "What"]
    assert {row[2] for row in table[1:]} >= {"reader@example.org", lead.email}
    assert all(reference in row[5].split() for row in table[1:])

    # Looking at who has seen a case is itself recorded, naming the case.
    assert [e.actor_id for e in events("history.seen_exported")] == [admin.id]
    assert str(audit.case_file_id) in events("history.seen_viewed")[0].case_ids
    assert verify(db.session).ok


def test_who_has_seen_asks_for_something_known(client, make_user):
    sign_in(client, make_user("qa_lead"))
    response, page = _seen(client, case="NOPE-1")
    assert response.status_code == 400 and "There is no case file with the reference NOPE-1" in page
    response, page = _seen(client, submit="Show")
    assert response.status_code == 400 and "Enter a case reference, a person" in page
