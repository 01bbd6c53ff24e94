"""`cases import` lists the people it could not link; `users link` lists the unlinked names and links
one to an account only once the administrator confirms; the browser import says who is unlinked."""

import io

import sqlalchemy as sa

from qa_app.cases.models import CaseFile, NameLink
from qa_app.extensions import db
from tests.conftest import csrf_token, sign_in


def _write(tmp_path, text: str):
    path = tmp_path / "cases.csv"
    path.write_text(text)
    return str(path)


def test_import_lists_unlinked_people_before_its_summary_line(runner, tmp_path, make_user):
    make_user("practitioner", email="sam@example.org")
    path = _write(tmp_path, "Case reference,Case type,Team,Allocated worker,Team manager\n"
                            "P1,CP,North,sam@example.org,Ann Boss\nP2,CP,North,Bea Worker,Ann Boss\n")
    result = runner.invoke(args=["cases", "import", path])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines == [
        "Allocated worker 'Bea Worker' (1 case file) is not linked to an account",
        "Team manager 'Ann Boss' (2 case files) is not linked to an account",
        "Link these with `users link` (nothing is guessed from names).",
        "added 2, updated 0, unchanged 0, closed 0",
    ]


def test_users_link_lists_asks_and_links(runner, tmp_path, make_user):
    worker = make_user("practitioner", email="bea@example.org")
    runner.invoke(args=["cases", "import", _write(tmp_path, "Case reference,Case type,Team,Allocated worker\n"
                                                           "P1,CP,North,Bea Worker\nP2,CP,North,Bea Worker\n")])
    listed = runner.invoke(args=["users", "link"])
    assert "worker\tBea Worker\t2 case file(s)" in listed.output and "1 name(s) not linked" in listed.output

    refused = runner.invoke(args=["users", "link", "--name", "Bea Worker", "--email", "bea@example.org"], input="n\n")
    assert "Link 2 case file(s) whose allocated worker is 'Bea Worker'" in refused.output
    assert "Nothing linked." in refused.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NameLink)) == 0

    done = runner.invoke(args=["users", "link", "--name", "Bea Worker", "--email", "bea@example.org"], input="y\n")
    assert done.exit_code == 0, done.output
    assert "2 case file(s) updated" in done.output
    db.session.expire_all()
    assert set(db.session.scalars(sa.select(CaseFile.worker_id))) == {worker.id}


def test_users_link_refuses_the_wrong_role(runner, make_user):
    make_user("viewer", email="v@example.org")
    result = runner.invoke(args=["users", "link", "--name", "Bea Worker", "--email", "v@example.org", "--yes"])
    assert result.exit_code == 1
    assert "does not have the practitioner role" in result.output


def test_browser_import_warns_about_unlinked_people(client, make_user):
    sign_in(client, make_user("qa_lead"))
    response = client.post("/cases/import", data={
        "csrf_token": csrf_token(client, "/cases/import"),
        "file": (io.BytesIO(b"Case reference,Case type,Team,Allocated worker\nP1,CP,North,Bea Worker\n"), "c.csv")},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Case list imported: added 1" in page
    assert "Allocated worker &#39;Bea Worker&#39; (1 case file) is not linked to an account" in page
