"""NUL and other control characters never reach the database: every form field, address parameter
and upload gives a clear 400 (or, for a file's contents, 422) on SQLite and on PostgreSQL, and a
refused upload never answers 200."""

import html
import io

import pytest
import sqlalchemy as sa

from qa_app.cases.models import CaseFile
from qa_app.extensions import db
from qa_app.history.models import Event
from tests.conftest import _csrf_from, csrf_token, sign_in

NOT_ALLOWED = "The form contains a character that is not allowed"


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("email, password, named", [
    ("nul\x00@example.org", "whatever-password", "'email' contains a NUL character"),
    ("someone@example.org", "pass\x00word-long-enough", "'password' contains a NUL character"),
    ("bell\x07@example.org", "whatever-password", "'email' contains a control character (code 7)"),
])
def test_sign_in_with_a_control_character_is_a_clear_400(client, email, password, named):
    token = _csrf_from(_page(client.get("/sign-in")))
    events = db.session.scalar(sa.select(sa.func.count(Event.id)))
    response = client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 400
    page = _page(response)
    assert NOT_ALLOWED in page and named in page and "Nothing was saved" in page
    assert "\x00" not in page
    db.session.expire_all()
    # Nothing typed was stored: not even a failed sign-in event holding the text.
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == events


def test_form_fields_of_a_signed_in_user_are_checked_too(client, make_user, make_audit):
    auditor = make_user("auditor")
    audit = make_audit(auditor=auditor)
    sign_in(client, auditor)
    page = _page(client.get(f"/audits/{audit.id}"))
    token = _csrf_from(page)
    response = client.post(f"/audits/{audit.id}", data={"csrf_token": token, "version": audit.version,
                                                        "overall_summary": "Fine\x00 text", "action": "save"})
    assert response.status_code == 400
    assert "'overall_summary' contains a NUL character" in _page(response)
    db.session.expire_all()
    assert db.session.get(type(audit), audit.id).overall_summary == ""


def test_text_with_line_breaks_and_tabs_is_still_accepted(client, make_user):
    user = make_user("qa_lead")
    sign_in(client, user)
    response = client.get("/cases/", query_string={"reference": "C0\t1"})
    assert response.status_code == 200


def test_an_address_parameter_with_nul_is_400_not_500(client, make_user):
    sign_in(client, make_user("qa_lead"))
    response = client.get("/cases/?reference=C%0012")
    assert response.status_code == 400
    assert "The web address parameter 'reference' contains a NUL character" in _page(response)


def test_an_upload_name_with_a_control_character_is_400(client, make_user):
    sign_in(client, make_user("qa_lead"))
    form = {"csrf_token": csrf_token(client, "/cases/import"),
            "file": (io.BytesIO(b"Case reference,Case type,Team\nA1,CP,North\n"), "list\x00.csv")}
    response = client.post("/cases/import", data=form, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "The name of the file uploaded in 'file'" in _page(response)
    assert db.session.scalar(sa.select(sa.func.count(CaseFile.id))) == 0


@pytest.mark.parametrize("cell, named", [("North\x00", "NUL character"), ("North\x01", "control character (code 1)")])
def test_a_control_character_inside_an_uploaded_file_is_422_naming_the_cell(client, make_user, cell, named):
    sign_in(client, make_user("qa_lead"))
    data = f"Case reference,Case type,Team\nA1,CP,North\nA2,CP,{cell}\n".encode()
    form = {"csrf_token": csrf_token(client, "/cases/import"), "file": (io.BytesIO(data), "list.csv")}
    response = client.post("/cases/import", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    page = _page(response)
    assert "The case list was not imported" in page and named in page
    assert db.session.scalar(sa.select(sa.func.count(CaseFile.id))) == 0


def test_refused_uploads_are_never_200(client, make_user):
    sign_in(client, make_user("qa_lead"))
    no_file = client.post("/cases/import", data={"csrf_token": csrf_token(client, "/cases/import")},
                          content_type="multipart/form-data")
    assert no_file.status_code == 400 and "Choose a case list file to upload" in _page(no_file)
    bad_rows = client.post("/cases/import", data={"csrf_token": csrf_token(client, "/cases/import"),
                                                  "file": (io.BytesIO(b"Case reference,Case type,Team\n,CP,\n"),
                                                           "bad.csv")},
                           content_type="multipart/form-data")
    assert bad_rows.status_code == 422
    not_a_workbook = client.post("/reports/import", data={"csrf_token": csrf_token(client, "/reports/import"),
                                                          "file": (io.BytesIO(b"not a zip"), "results.xlsx")},
                                 content_type="multipart/form-data")
    assert not_a_workbook.status_code == 422
    assert "not an Excel workbook" in _page(not_a_workbook)
