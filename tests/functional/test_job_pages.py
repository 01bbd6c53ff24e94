"""Background jobs through the web: a large export or import becomes a job, its page shows the
progress with a no-JavaScript "Check again", then the file or the import's result; only the person
who started it (and QA leads) may see it; downloads are in the history. Jobs here run through the
in-memory queue (`runner.drain()`); tests/reliability/test_job_worker.py runs them in a real worker."""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from qa_app.db import utcnow
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.jobs import registry, services
from qa_app.jobs.models import Job
from qa_app.jobs.registry import JobFailed, JobKind
from qa_app.jobs.runner import drain
from tests.conftest import csrf_token, sign_in
from tests.integration.test_export_workbook import PAYLOADS, data  # noqa: F401


def _job(job_id) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _events(action):
    return db.session.scalars(sa.select(Event).where(Event.action == action)).all()


def test_large_export_runs_as_a_job_and_offers_the_file(app, client, make_user, data):  # noqa: F811
    app.config["JOB_EXPORT_AUDITS"] = 3
    lead = make_user("qa_lead")
    sign_in(client, lead)
    # The report page offers to prepare the export (a POST), not a direct download.
    report = client.get("/reports/").get_data(as_text=True)
    assert 'id="prepare-export"' in report and 'id="download-export"' not in report
    # The old address, bookmarked, explains and asks first: GET never starts a job.
    page = client.get("/reports/export.xlsx")
    assert page.status_code == 200 and "Prepare the export" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0

    response = client.post("/reports/export", data={"csrf_token": csrf_token(client, "/reports/")})
    assert response.status_code == 303
    job_id = int(re.fullmatch(r".*/jobs/(\d+)", response.headers["Location"]).group(1))
    waiting = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Waiting to start" in waiting and 'id="check-again"' in waiting and "jobs.js" in waiting
    assert "status.json" in waiting and "setTimeout" not in waiting  # the polling script is a static file
    assert client.get(f"/jobs/{job_id}/status.json").get_json()["status"] == "queued"

    assert drain(app) == 1
    job = _job(job_id)
    assert job.status == "done" and job.progress_total == job.progress_done > 0
    done = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'id="download"' in done and "10 audit(s) exported" in done and "jobs.js" not in done
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    workbook = load_workbook(io.BytesIO(download.get_data()))
    assert workbook["Audits"].max_row == 1 + len(PAYLOADS)
    download.close()
    events = _events("export.downloaded")
    assert [(e.actor_id, e.object_type, e.object_id) for e in events] == [(lead.id, "jobs", job_id)]
    assert client.get("/jobs/").get_data(as_text=True).count(f"/jobs/{job_id}") == 1


def test_small_export_is_still_downloaded_at_once(app, client, make_user, data):  # noqa: F811
    sign_in(client, make_user("qa_lead"))
    assert 'id="download-export"' in client.get("/reports/").get_data(as_text=True)
    response = client.get("/reports/export.xlsx")
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0


def test_only_the_starter_and_qa_leads_see_a_job(app, client, make_user, data):  # noqa: F811
    app.config["JOB_EXPORT_AUDITS"] = 0
    starter, other_lead = make_user("qa_lead"), make_user("qa_lead")
    auditor, viewer = make_user("auditor"), make_user("viewer")
    sign_in(client, starter)
    job_id = int(client.post("/reports/export", data={"csrf_token": csrf_token(client, "/reports/")})
                 .headers["Location"].rsplit("/", 1)[1])
    drain(app)
    for person, status in ((auditor, 403), (viewer, 403), (other_lead, 200)):
        client.post("/sign-out", data={"csrf_token": csrf_token(client)})
        sign_in(client, person)
        for path in (f"/jobs/{job_id}", f"/jobs/{job_id}/status.json", f"/jobs/{job_id}/download"):
            response = client.get(path)
            assert response.status_code == status, (person.email, path)
            response.close()
        assert f"/jobs/{job_id}" not in client.get("/jobs/").get_data(as_text=True)  # the list is one's own
    assert [e.actor_id for e in _events("export.downloaded")] == [other_lead.id]


def test_large_import_runs_as_a_job_and_shows_its_result(app, client, make_user, data, runner, tmp_path):  # noqa: F811
    from tests.integration.test_export_workbook import export

    workbook = export()
    lead = make_user("qa_lead")
    # Into a database without those audits: remove them first by importing into a fresh round name.
    app.config["JOB_IMPORT_BYTES"] = 10
    sign_in(client, lead)
    token = csrf_token(client, "/reports/import")
    response = client.post("/reports/import", data={"csrf_token": token,
                                                    "file": (io.BytesIO(workbook), "results.xlsx")})
    assert response.status_code == 303
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert len(list(services.files_dir().glob("upload-*.xlsx"))) == 1
    drain(app)
    job = _job(job_id)
    # The same audits already exist here, so the whole file is refused, row by row, and nothing changes.
    assert job.status == "failed" and "nothing has been changed" in job.error
    assert job.error_details and "already here" in job.error_details[0]
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "The job did not finish" in page and "already here" in page
    assert list(services.files_dir().glob("upload-*.xlsx")) == []   # the upload is not kept


def test_import_job_result_lines(app, client, make_user, second_database_url, data):  # noqa: F811
    from tests.conftest import _app_for
    from tests.integration.test_export_workbook import export

    workbook = export()
    other = _app_for(second_database_url, JOB_IMPORT_BYTES=10)
    from tests.conftest import RequestScopedClient

    other.test_client_class = RequestScopedClient
    with other.app_context():
        from qa_app.auth.models import Role
        from qa_app.auth.services import create_user
        from tests.conftest import PASSWORD

        lead = create_user(email="lead@example.org", roles=[Role.QA_LEAD], password=PASSWORD)
        db.session.commit()
        web = other.test_client()
        sign_in(web, lead)
        response = web.post("/reports/import", data={"csrf_token": csrf_token(web, "/reports/import"),
                                                     "file": (io.BytesIO(workbook), "results.xlsx")})
        job_id = int(response.headers["Location"].rsplit("/", 1)[1])
        assert drain(other) == 1
        page = web.get(f"/jobs/{job_id}").get_data(as_text=True)
        assert "Imported 10 audit(s)" in page
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
            Event.action == "results.imported", Event.actor_id == lead.id)) == 1
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def kinds():
    """Test-only kinds, removed afterwards."""
    added = []

    def add(name, run):
        from qa_app.auth.models import Role

        registry.register(JobKind(name=name, title=f"Test {name}", roles=(Role.QA_LEAD,), run=run))
        added.append(name)

    yield add
    for name in added:
        registry.JOB_KINDS.pop(name, None)


def test_a_job_is_queued_only_when_the_request_commits(app, make_user, kinds):
    kinds("test.noop", lambda context, params: {"lines": ["did nothing"]})
    lead = make_user("qa_lead")
    services.start("test.noop", actor=lead)
    db.session.rollback()
    assert drain(app) == 0 and db.session.scalar(sa.select(sa.func.count(Job.id))) == 0
    job = services.start("test.noop", actor=lead, params={"n": 1})
    db.session.commit()
    assert drain(app) == 1 and _job(job.id).status == "done" and _job(job.id).result == {"lines": ["did nothing"]}
    assert drain(app) == 0


def test_a_failed_job_changes_nothing_and_says_why(app, make_user, kinds):
    from qa_app.auth.models import Team

    def breaks(context, params):
        db.session.add(Team(name="Made by a job that then fails", service_area=""))
        db.session.flush()
        context.output_path(".xlsx").write_bytes(b"half")
        if params["how"] == "rule":
            raise JobFailed("The file has problems.", ["row 2: bad", "row 3: worse"])
        raise RuntimeError("internal detail that must not be shown")

    kinds("test.breaks", breaks)
    lead = make_user("qa_lead")
    # The folder of job files outlives each test's database: earlier tests may have left theirs.
    before = set(services.files_dir().glob("job-*"))
    rule, crash = (services.start("test.breaks", actor=lead, params={"how": how}) for how in ("rule", "crash"))
    db.session.commit()
    drain(app)
    assert (_job(rule.id).status, _job(rule.id).error, _job(rule.id).error_details) == (
        "failed", "The file has problems.", ["row 2: bad", "row 3: worse"])
    assert _job(crash.id).status == "failed" and "internal detail" not in _job(crash.id).error
    assert f"job {crash.id}" in _job(crash.id).error
    assert db.session.scalar(sa.select(Team).where(Team.name == "Made by a job that then fails")) is None
    assert set(services.files_dir().glob("job-*")) - before == set()


def test_only_permitted_people_start_jobs(app, make_user, kinds):
    from qa_app.errors import NotPermitted

    kinds("test.noop", lambda context, params: {})
    with pytest.raises(NotPermitted):
        services.start("test.noop", actor=make_user("auditor"))


def test_tidy_fails_stale_jobs_and_deletes_old_files(app, make_user):
    lead = make_user("qa_lead")
    path = services.new_file_path("job-old", ".xlsx")
    path.write_bytes(b"old")
    long_ago = utcnow() - timedelta(days=3)
    old = Job(kind="exchange.export", started_by_id=lead.id, status="done", finished_at=long_ago,
              file_path=path.name, file_name="old.xlsx")
    stuck = Job(kind="exchange.export", started_by_id=lead.id, status="running", updated_at=long_ago)
    db.session.add_all([old, stuck])
    db.session.commit()
    assert services.tidy() == {"stale": 1, "files_removed": 1}
    assert not path.exists() and _job(old.id).file_deleted_at is not None and not _job(old.id).has_file
    assert _job(stuck.id).status == "failed"
