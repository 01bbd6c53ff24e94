"""A case list larger than JOB_CASE_IMPORT_KB, uploaded in the browser, is imported by a background
job: the person is taken to the job's page, which shows the result (close-missing honoured, the
history in the QA lead's name) or every problem, with nothing changed. Jobs run here through the
in-memory queue (`runner.drain()`); tests/reliability/test_job_worker.py runs one in a real worker."""

import html
import re

import pytest
import sqlalchemy as sa

from qa_app.auth.models import Team
from qa_app.cases import importing
from qa_app.cases.models import CaseFile
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.jobs import services
from qa_app.jobs.models import Job
from qa_app.jobs.runner import drain
from tests.conftest import csrf_token, sign_in
from tests.functional.test_case_import import csv_bytes, make_xlsx, HEADER_ROW, snapshot, upload


@pytest.fixture
def large(app):
    """Every upload of more than 10 bytes is 'large'."""
    app.config["JOB_CASE_IMPORT_BYTES"] = 10


def _job_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return int(re.fullmatch(r".*/jobs/(\d+)", response.headers["Location"]).group(1))


def _job(job_id) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _kept_uploads():
    return list(services.files_dir().glob("upload-*"))


def test_a_large_list_is_imported_by_a_job_with_close_missing(app, client, make_user, make_case, large):
    make_case("OLD-1", team="North", age=None)
    lead, other_lead, auditor = make_user("qa_lead"), make_user("qa_lead"), make_user("auditor")
    sign_in(client, lead)
    response = upload(client, csv_bytes("J1,CP,North,Worker A,01/02/2015,,neglect", "J2,CIN,Brand new team,,,,"),
                      "big list.csv", close_missing=True, follow=False)
    job_id = _job_id(response)
    # Nothing imported yet: the request only kept the file and queued the job.
    assert db.session.scalar(sa.select(sa.func.count(CaseFile.id)).where(CaseFile.reference.like("J%"))) == 0
    assert len(_kept_uploads()) == 1
    waiting = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Import of a case list" in waiting and "Waiting to start" in waiting and 'id="check-again"' in waiting

    assert drain(app) == 1
    job = _job(job_id)
    assert job.status == "done", (job.error, job.error_details)
    assert (job.progress_done, job.progress_total) == (2, 2)
    assert job.result["added"] == 2 and job.result["closed"] == 1
    status = dict(db.session.execute(sa.select(CaseFile.reference, CaseFile.status)).all())
    assert status == {"OLD-1": "closed", "J1": "open", "J2": "open"}
    assert _kept_uploads() == []   # the upload is not kept once imported
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Case list big list.csv imported: added 2, updated 0, unchanged 0, closed 1." in page
    assert "Closed because they were not in the list: OLD-1." in page
    imported = db.session.scalars(sa.select(Event).where(Event.action == "cases.imported")).all()
    assert [e.actor_id for e in imported] == [lead.id]   # in the QA lead's name, not the worker's

    # Another QA lead may open it (the import is the team's); an auditor may not.
    for person, allowed in ((other_lead, 200), (auditor, 403)):
        client.post("/sign-out", data={"csrf_token": csrf_token(client)})
        sign_in(client, person)
        assert client.get(f"/jobs/{job_id}").status_code == allowed


def test_a_refused_large_list_lists_its_problems_on_the_job_page_and_changes_nothing(
        app, client, make_user, make_case, large):
    make_case("KEEP-1", team="North", age=None)
    sign_in(client, make_user("qa_lead"))
    before = snapshot()
    teams = db.session.scalar(sa.select(sa.func.count(Team.id)))
    job_id = _job_id(upload(client, csv_bytes("G1,CP,A team only this file names,,,,", "G2,Mystery,North,,,,",
                                              "G3,CP,North,,31/02/2015,,", "<b>G4</b>,CP,North,,,,"),
                            "list.csv", close_missing=True, follow=False))
    drain(app)
    job = _job(job_id)
    assert job.status == "failed" and "nothing has been changed" in job.error and "these 3 problems" in job.error
    assert [p.split(":")[0] for p in job.error_details] == ["Row 3", "Row 4", "Row 5"]
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    listed = re.search(r'<ul class="govuk-list govuk-error-summary__list" id="job-problems">(.*?)</ul>', page, re.S)
    problems = [html.unescape(p) for p in re.findall(r"<li>(.*?)</li>", listed.group(1), re.S)]
    assert problems == job.error_details and "<b>G4</b>" not in page   # the file's text is escaped
    assert "'Case type' 'Mystery' is not one of" in problems[0] and "31/02/2015" in problems[1]
    assert snapshot() == before   # no case added or closed, no history of an import
    assert db.session.scalar(sa.select(sa.func.count(Team.id))) == teams   # not even the new team
    assert _kept_uploads() == []


def test_a_failure_while_saving_leaves_nothing_half_saved(app, client, make_user, make_case, large, monkeypatch):
    """Saving goes 5,000 rows at a time; a failure after the first batch is written (here: the
    database refusing the second) must take the first one back too."""
    make_case("OLD-1", team="North", age=None)
    sign_in(client, make_user("qa_lead"))
    before = snapshot()
    monkeypatch.setattr(importing, "_CHUNK", 2)
    real, calls = importing._apply_chunk, []

    def second_batch_fails(connection, chunk, *args):
        calls.append(len(chunk))
        real(connection, chunk, *args)
        if len(calls) == 2:
            connection.exec_driver_sql("INSERT INTO case_files (id) VALUES (NULL)")   # NOT NULL: refused

    monkeypatch.setattr(importing, "_apply_chunk", second_batch_fails)
    job_id = _job_id(upload(client, csv_bytes(*(f"H{n},CP,Half team,,,," for n in range(5))), "list.csv",
                            close_missing=True, follow=False))
    drain(app)
    job = _job(job_id)
    assert calls == [2, 2] and job.status == "failed" and "Nothing was changed" in job.error
    assert f"job {job_id}" in job.error and "NOT NULL" not in job.error   # no database detail shown
    assert snapshot() == before
    assert db.session.scalar(sa.select(Team).where(Team.name == "Half team")) is None
    assert _kept_uploads() == []


def test_an_xlsx_goes_to_the_job_too_and_a_wrong_kind_of_file_is_refused_at_once(app, client, make_user, large):
    sign_in(client, make_user("qa_lead"))
    job_id = _job_id(upload(client, make_xlsx([HEADER_ROW, ["W1", "CLA", "West", None, None, None, None]]),
                            "list.xlsx", follow=False))
    drain(app)
    assert _job(job_id).status == "done"
    assert db.session.scalar(sa.select(CaseFile.case_type).where(CaseFile.reference == "W1")) == "CLA"

    response = upload(client, b"%PDF-1.4 " + b"x" * 100, "list.pdf", follow=False)
    assert response.status_code == 422 and "Files ending '.pdf' can't be uploaded" in html.unescape(response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 1 and _kept_uploads() == []


def test_a_small_list_is_still_imported_in_the_request(app, client, make_user):
    assert app.config["JOB_CASE_IMPORT_BYTES"] == 1024 * 1024   # the documented default
    sign_in(client, make_user("qa_lead"))
    page = upload(client, csv_bytes("S1,CP,North,,,,"), "small.csv").get_data(as_text=True)
    assert "Case list imported: added 1, updated 0, unchanged 0, closed 0." in page
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0


def test_a_workbook_goes_to_the_job_from_an_eighth_of_the_size(app, client, make_user):
    """Reading a workbook takes about eight times as long per KB as a CSV."""
    workbook = make_xlsx([HEADER_ROW] + [[f"K{n}", "CP", "North", None, None, None, None] for n in range(50)])
    app.config["JOB_CASE_IMPORT_BYTES"] = 4 * len(workbook)
    listing = csv_bytes(*(f"C{n},CP,North,Worker {n},01/02/2015,,neglect" for n in range(3 * len(workbook) // 40)))
    assert len(workbook) < len(listing) < 4 * len(workbook)
    sign_in(client, make_user("qa_lead"))
    assert upload(client, listing, "list.csv", follow=False).headers["Location"].endswith("/cases/")
    job_id = _job_id(upload(client, workbook, "list.xlsx", follow=False))
    drain(app)
    assert _job(job_id).result["added"] == 50


def test_the_job_page_is_told_how_many_rows_have_been_read(app, client, make_user, large, monkeypatch):
    from qa_app.jobs import runner

    notes = []
    real = services.progress

    def noted(job_id, done, total=None, note=None):
        notes.append((done, total, note))
        return real(job_id, done, total, note)

    monkeypatch.setattr(runner.services, "progress", noted)
    sign_in(client, make_user("qa_lead"))
    job_id = _job_id(upload(client, csv_bytes(*(f"R{n},CP,North,,,," for n in range(10_500))), "list.csv",
                            follow=False))
    drain(app)
    assert _job(job_id).status == "done"
    assert [note for _done, _total, note in notes] == [
        "Reading and checking the file", "Reading and checking the file: 5,000 rows so far", "Reading and checking the file: 10,000 rows so far",
        "Saving"]
    assert {total for _done, total, _note in notes} == {2} and notes[-1][0] == 1
