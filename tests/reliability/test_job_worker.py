"""Background jobs run by a REAL worker process (`flask jobs worker`, started here) on a queue in a
SQLite file, as `make run` does: an export and an import go through it, and a job queued while no
worker runs survives the web server being stopped and started again, and is then run and offered
by the new web server."""

import gc
import http.cookiejar
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook

from qa_app.db import utcnow
from qa_app.extensions import db
from qa_app.jobs.models import Job
from qa_app.mfa.models import TotpCredential
from tests.conftest import PASSWORD, ROOT, TEMPLATES_DIR, _app_for, _job_files_for, csrf_token, sign_in
from tests.integration.test_export_workbook import PAYLOADS, data  # noqa: F401

FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


def _env(database_url: str, queue: Path) -> dict:
    return {**os.environ, "QA_ENV": "test", "DATABASE_URL": database_url, "JOB_QUEUE_URL": f"sqlite:///{queue}",
            "JOB_FILES_DIR": _job_files_for(database_url), "AUDIT_TEMPLATES_DIR": str(TEMPLATES_DIR),
            "PYTHONUNBUFFERED": "1"}


class Process:
    """A child process whose output goes to a file (read when a test fails)."""

    def __init__(self, args, env, log: Path):
        self.log = log
        self._out = log.open("wb")
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT)

    def stop(self, sig=signal.SIGINT) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._out.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def start(tmp_path):
    started: list[Process] = []

    def run(args, env, name):
        process = Process(args, env, tmp_path / f"{name}-{len(started)}.log")
        started.append(process)
        return process

    yield run
    for process in started:
        process.stop(signal.SIGTERM)


def _wait_for(job_id: int, app, seconds: float = 120, worker: Process | None = None) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.get(Job, job_id)
            status = job.status
            db.session.expunge_all()
            db.session.rollback()
        if status in ("done", "failed"):
            with app.app_context():
                return db.session.get(Job, job_id)
        if worker is not None and worker.process.poll() is not None:
            pytest.fail("the worker stopped:\n" + worker.output())
        time.sleep(0.2)
    pytest.fail(f"job {job_id} did not finish in {seconds} s" + (f":\n{worker.output()}" if worker else ""))


def test_export_and_import_run_in_a_real_worker(app, client, make_user, data, second_database_url,  # noqa: F811
                                                start, tmp_path):
    queue = tmp_path / "queue.sqlite"
    app.config.update(JOB_QUEUE_URL=f"sqlite:///{queue}", JOB_EXPORT_AUDITS=0)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    worker = start(FLASK + ["jobs", "worker"], _env(url, queue), "worker")
    lead = make_user("qa_lead")
    sign_in(client, lead)
    response = client.post("/reports/export", data={"csrf_token": csrf_token(client, "/reports/")})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    db.session.commit()

    job = _wait_for(job_id, app, worker=worker)
    assert job.status == "done", (job.error, worker.output())
    download = client.get(f"/jobs/{job_id}/download")
    workbook = load_workbook(io.BytesIO(download.get_data()))
    download.close()
    assert workbook["Audits"].max_row == 1 + len(PAYLOADS)
    assert workbook.sheetnames[:3] == ["Summary", "Audits", "Answers"]
    worker.stop()  # Ctrl+C: the worker finishes what it runs, then stops
    assert worker.process.returncode == 0, worker.output()

    # The import, into another copy of the service, through that copy's own worker.
    other_queue = tmp_path / "other-queue.sqlite"
    other = _app_for(second_database_url, JOB_QUEUE_URL=f"sqlite:///{other_queue}", JOB_IMPORT_BYTES=10)
    other_worker = start(FLASK + ["jobs", "worker"], _env(second_database_url, other_queue), "other-worker")
    from tests.conftest import RequestScopedClient

    other.test_client_class = RequestScopedClient
    with other.app_context():
        from qa_app.auth.models import Role
        from qa_app.auth.services import create_user

        other_lead = create_user(email="other.lead@example.org", roles=[Role.QA_LEAD], password=PASSWORD)
        db.session.commit()
        web = other.test_client()
        sign_in(web, other_lead)
        response = web.post("/reports/import", data={"csrf_token": csrf_token(web, "/reports/import"),
                                                     "file": (io.BytesIO(workbook_bytes(workbook)), "results.xlsx")})
        import_id = int(response.headers["Location"].rsplit("/", 1)[1])
        db.session.commit()
    job = _wait_for(import_id, other, worker=other_worker)
    assert job.status == "done", (job.error, job.error_details, other_worker.output())
    with other.app_context():
        from qa_app.audits.models import Audit

        assert db.session.scalar(sa.select(sa.func.count(Audit.id))) == len(PAYLOADS)
        page = web.get(f"/jobs/{import_id}").get_data(as_text=True)
        assert "Imported 10 audit(s)" in page
        db.session.remove()
        db.engine.dispose()


def workbook_bytes(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browserless:
    """A person's HTTP session against a real server: cookies kept, CSRF token read from forms."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> tuple[int, bytes]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.status, response.read()

    def post(self, path: str, data: dict, token_from: str) -> str:
        _status, page = self.get(token_from)
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=30) as response:
            return response.url


def _serve(start, env, name) -> tuple[Process, str]:
    port = _free_port()
    server = start(FLASK + ["run", "--host", "127.0.0.1", "--port", str(port)], env, name)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/sign-in", timeout=2).close()
            return server, base
        except OSError:
            if server.process.poll() is not None:
                pytest.fail("the web server did not start:\n" + server.output())
            time.sleep(0.2)
    pytest.fail("the web server did not answer:\n" + server.output())


def test_a_job_survives_the_web_server_restarting(app, make_user, data, start, tmp_path):  # noqa: F811
    queue = tmp_path / "queue.sqlite"
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {**_env(url, queue), "JOB_EXPORT_AUDITS": "0"}
    lead = make_user("qa_lead")
    email = lead.email
    # A QA lead signs in with two steps: an authenticator app already set up.
    secret = pyotp.random_base32(32)
    db.session.add(TotpCredential(user_id=lead.id, secret=secret, confirmed_at=utcnow()))
    db.session.commit()
    db.session.remove()

    first, base = _serve(start, env, "web-first")
    person = Browserless(base)
    assert person.post("/sign-in", {"email": email, "password": PASSWORD}, "/sign-in").endswith("/sign-in/two-step")
    # The server runs on the real clock, this process on the test clock (tests/conftest.py).
    real_now = time_machine.escape_hatch.time.time() if time_machine.escape_hatch.is_travelling() else time.time()
    person.post("/sign-in/two-step", {"code": pyotp.TOTP(secret).at(real_now)}, "/sign-in/two-step")
    job_page = person.post("/reports/export", {}, "/reports/")
    job_id = int(re.search(r"/jobs/(\d+)$", job_page).group(1))
    first.stop(signal.SIGTERM)   # the web server goes away with the job queued and no worker yet

    worker = start(FLASK + ["jobs", "worker"], env, "worker")
    second, base = _serve(start, env, "web-second")
    person.base = base            # the same person, signed in, on the new server
    deadline = time.monotonic() + 120
    while True:
        status = __import__("json").loads(person.get(f"/jobs/{job_id}/status.json")[1])
        if status["finished"] or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert status["status"] == "done", worker.output()
    code, body = person.get(f"/jobs/{job_id}/download")
    assert code == 200
    assert load_workbook(io.BytesIO(body))["Audits"].max_row == 1 + len(PAYLOADS)
    second.stop(signal.SIGTERM)
    worker.stop()


# Werkzeug's test client spools a request body over 500 KB to a temporary file it never closes (see
# tests/reliability/test_uploads.py): collected within this test, under this filter.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_large_case_list_is_imported_by_a_real_worker_while_others_work(app, client, make_user, make_case,
                                                                           start, tmp_path):
    """A case list over the default JOB_CASE_IMPORT_KB (1 MB), uploaded in the browser, goes to the
    worker: the request answers at once, other people's pages keep answering while it runs, and the
    job ends with close-missing done and the import in the QA lead's name."""
    from benchmarks.import_cases import write_csv
    from qa_app.cases.models import CaseFile
    from qa_app.history.models import Event

    queue = tmp_path / "queue.sqlite"
    app.config.update(JOB_QUEUE_URL=f"sqlite:///{queue}")
    make_case("GONE-1", team="North", age=None)
    lead, moderator = make_user("qa_lead"), make_user("moderator")
    listing = tmp_path / "cases.csv"
    write_csv(listing, 20_000)
    assert listing.stat().st_size > app.config["JOB_CASE_IMPORT_BYTES"]
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    worker = start(FLASK + ["jobs", "worker"], _env(url, queue), "worker")
    sign_in(client, lead)
    started = time.monotonic()
    response = client.post("/cases/import", data={"csrf_token": csrf_token(client, "/cases/import"),
                                                  "close_missing": "y",
                                                  "file": (io.BytesIO(listing.read_bytes()), "cases.csv")})
    assert response.status_code == 303 and time.monotonic() - started < 5
    gc.collect()   # the test client's spooled request body, here rather than in a later test
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    db.session.commit()

    other = app.test_client()
    sign_in(other, moderator)
    answered = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with app.app_context():
            status = db.session.get(Job, job_id).status
            db.session.rollback()
        if status in ("done", "failed"):
            break
        answered.append(other.get("/cases/").status_code)
        if worker.process.poll() is not None:
            pytest.fail("the worker stopped:\n" + worker.output())
        time.sleep(0.1)
    job = _wait_for(job_id, app, worker=worker)
    assert job.status == "done", (job.error, job.error_details, worker.output())
    assert answered and set(answered) == {200}
    assert job.result["added"] == 20_000 and job.result["closed"] == 1 and job.progress_total == 2
    with app.app_context():
        assert db.session.scalar(sa.select(CaseFile.status).where(CaseFile.reference == "GONE-1")) == "closed"
        assert db.session.scalar(sa.select(sa.func.count(CaseFile.id))) == 20_001
        assert db.session.scalars(sa.select(Event.actor_id).where(Event.action == "cases.imported")).all() == [lead.id]
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Case list cases.csv imported: added 20000, updated 0, unchanged 0, closed 1." in page
    worker.stop()
