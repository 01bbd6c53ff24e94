"""Fixtures: a migrated database per test (SQLite, or PostgreSQL when TEST_DATABASE_URL is set),
the app, a client, and factories for the objects tests need.

The clock: the whole run sees today's date at midday UTC, moving on from there as time passes (see
`pytest_configure`), so "today" is one date for every test and for the app under test.
"""

import itertools
import os
import shutil
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask.testing import FlaskClient

from qa_app import create_app
from qa_app.extensions import db

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = ROOT / "audit_templates"
PG_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "correct horse battery staple"
pytest_plugins = ("tests.browser.fixtures",)   # live_server, browser, page (browser tests, tests/security)


# --- the clock ---------------------------------------------------------------------------------
# Tests compare dates they work out themselves (several modules set TODAY = date.today() when they
# are collected) with the dates the app works out with date.today() while it serves a request. A
# run that crossed midnight failed: an action made "due today" before midnight was overdue after
# it. Between 23:00 and midnight UTC in summer, London is already on tomorrow's date, and the app
# shows stored times in London time. So the run starts at midday UTC on the real date and the
# clock ticks on from there: the date never changes during a run (of under twelve hours), and
# London and UTC agree on it. QA_TEST_CLOCK_START (an ISO date and time, UTC) starts the run at
# another moment, e.g. 2027-12-24T12:00 to run the suite on Christmas Eve; pytest-xdist's workers
# inherit it from the first process, so they all agree.
CLOCK_START = "QA_TEST_CLOCK_START"
_travel = None


def pytest_configure(config):
    global _travel
    start = os.environ.setdefault(CLOCK_START, datetime.combine(datetime.now(UTC).date(), time(12), UTC).isoformat())
    moment = datetime.fromisoformat(start)
    _travel = time_machine.travel(moment if moment.tzinfo else moment.replace(tzinfo=UTC), tick=True)
    _travel.start()


def pytest_unconfigure(config):
    global _travel
    if _travel is not None:
        _travel.stop()
        _travel = None


# Compiled Jinja templates, kept for the whole run of this process (each pytest-xdist worker has
# its own): every app the tests build (the worker's, the access matrix's, those some tests build
# for themselves) loads a page compiled once instead of compiling it again.
JINJA_CACHE_DIR: Path | None = None


# Every engine a test connects through (the worker app's, an app a test builds for itself, a
# plain create_engine): kept here and disposed when the test ends. An engine a test dropped without
# disposing it was otherwise garbage-collected later, in whatever test was running then, and its
# pooled PostgreSQL connections failed that test with "psycopg.Connection ... deleted while still
# open" (seen once in a fresh-clone run, in a two-step sign-in test that had done nothing wrong).
_ENGINES_USED: dict[int, sa.engine.Engine] = {}


@sa.event.listens_for(sa.engine.Engine, "engine_connect")
def _remember_engine(connection) -> None:
    _ENGINES_USED.setdefault(id(connection.engine), connection.engine)


@pytest.fixture(autouse=True)
def _dispose_engines_when_the_test_ends():
    yield
    engines = list(_ENGINES_USED.values())
    _ENGINES_USED.clear()
    for engine in engines:
        engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _jinja_bytecode_cache(tmp_path_factory):
    global JINJA_CACHE_DIR
    JINJA_CACHE_DIR = tmp_path_factory.mktemp("jinja-bytecode")
    yield
    JINJA_CACHE_DIR = None


def _app_for(url: str, **overrides):
    config = {"SQLALCHEMY_DATABASE_URI": url, "TEMPLATES_DIR": str(TEMPLATES_DIR), "JOB_FILES_DIR": _job_files_for(url)}
    if JINJA_CACHE_DIR is not None:
        config["JINJA_BYTECODE_CACHE_DIR"] = str(JINJA_CACHE_DIR)
    return create_app("test", {**config, **overrides})


def _job_files_for(url: str) -> str:
    """Each test database has its own folder of job files, beside it (SQLite) or in /tmp."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return str(Path(parsed.database).parent / f"{Path(parsed.database).stem}-job-files")
    import tempfile

    return str(Path(tempfile.gettempdir()) / f"qa-job-files-{parsed.database or 'memory'}")


def _migrate_and_sync(url: str) -> None:
    from flask_migrate import upgrade

    from qa_app.audit_forms.services import sync_templates

    app = _app_for(url)
    with app.app_context():
        upgrade()
        sync_templates(str(TEMPLATES_DIR))
        db.session.commit()
        db.engine.dispose()


def _pg_admin():
    return sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")


# On PostgreSQL, as in production (docs/deployment.md): the migrations run as the role that owns the
# tables, and the app as a role that may read and write data and only append to the history.
PG_OWNER, PG_APP = "qa_owner", "qa_app"


def as_role(url: str, role: str) -> str:
    return sa.engine.make_url(url).set(username=role, password=None).render_as_string(hide_password=False)


def owner_url(url: str) -> str:
    """The same database, as the role that owns its tables (for tests that attack or migrate it)."""
    return as_role(url, PG_OWNER) if url.startswith("postgresql") else url


def _pg_roles(admin) -> None:
    for role in (PG_OWNER, PG_APP):
        with admin.connect() as conn:
            try:
                conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB")
            except (sa.exc.ProgrammingError, sa.exc.IntegrityError):
                # made already (by this session or another test worker; when two workers create it
                # at the same moment, PostgreSQL says so with a unique violation on pg_authid)
                pass


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    """A database migrated to head with the shipped templates synced, copied for each test."""
    if PG_URL:
        from qa_app.operations.grants import grant_app_role

        name = f"qa_template_{uuid.uuid4().hex[:8]}"
        admin = _pg_admin()
        _pg_roles(admin)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER {PG_OWNER}')
        owner = as_role(sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False), PG_OWNER)
        _migrate_and_sync(owner)
        engine = sa.create_engine(owner)
        with engine.begin() as conn:
            grant_app_role(conn, PG_APP)
        engine.dispose()
        yield name
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite"
        _migrate_and_sync(f"sqlite:///{path}")
        yield path


_counter = itertools.count()


@pytest.fixture(scope="session")
def worker_database(template_database, tmp_path_factory):
    """Where this worker's app keeps its data: one URL for the whole run, refilled from the
    template before each test that asks for `database_url`."""
    if PG_URL:
        name = f"qa_worker_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = _pg_admin()
        yield admin, name
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    else:
        yield None, tmp_path_factory.mktemp("worker") / "test.sqlite"


def _worker_url(where) -> str:
    """The worker's database, as the app's own role on PostgreSQL (as in production)."""
    if PG_URL:
        return as_role(sa.engine.make_url(PG_URL).set(database=where).render_as_string(hide_password=False), PG_APP)
    return f"sqlite:///{where}"


@pytest.fixture
def database_url(worker_database, template_database):
    """A fresh copy of the template database for this test, at this worker's one URL."""
    admin, where = worker_database
    if PG_URL:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{where}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{where}" TEMPLATE "{template_database}" OWNER {PG_OWNER}')
        yield _worker_url(where)
    else:
        # A new file (not the old one overwritten): a connection left open by the last test keeps
        # the old file and its write-ahead log, and never sees or touches this one.
        for leftover in (where, Path(f"{where}-wal"), Path(f"{where}-shm"), Path(f"{where}-journal")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(template_database, where)
        yield f"sqlite:///{where}"


@pytest.fixture
def second_database_url(template_database, tmp_path):
    """Another empty, migrated database (for moving data between two instances)."""
    yield from _fresh_database(template_database, tmp_path, "second")


def _fresh_database(template_database, tmp_path, label):
    if PG_URL:
        name = f"qa_test_{os.getpid()}_{next(_counter)}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}" OWNER {PG_OWNER}')
        yield as_role(sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False), PG_APP)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    else:
        path = tmp_path / f"{label}.sqlite"
        shutil.copyfile(template_database, path)
        yield f"sqlite:///{path}"


class RequestScopedClient(FlaskClient):
    """Each request gets its own app context (its own `g` and database session), as in production.

    Without this, requests would share the test's app context, and with it Flask-WTF's cached
    CSRF token and the test's database session.
    """

    def open(self, *args, **kwargs):
        # End the test's own transaction first: on SQLite a transaction that has written holds the
        # write lock until it ends, and the request must not wait for the test.
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def worker_app(worker_database):
    """One app per worker, built once: building one (its URL map, extensions, template loaders)
    takes about 30 ms, and its Jinja environment keeps each page compiled for the next test. Its
    database URL never changes; `database_url` gives each test a fresh database behind it."""
    admin, where = worker_database
    app = _app_for(_worker_url(where))
    yield app, dict(app.config)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(worker_app, database_url):
    """The worker's app on a fresh database, with the configuration it was built with (whatever
    the last test changed is put back) and no connection left open afterwards."""
    app, built_config = worker_app
    assert app.config["SQLALCHEMY_DATABASE_URI"] == database_url
    app.config.clear()
    app.config.update(built_config)
    app.test_client_class = RequestScopedClient
    # The worker's app keeps one folder of job files; each test starts with it empty, as it starts
    # with a fresh database (job numbers start again at 1, so an old file would look like a new one's).
    shutil.rmtree(app.config["JOB_FILES_DIR"], ignore_errors=True)
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        app.config.clear()
        app.config.update(built_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories -------------------------------------------------------------------------------

@pytest.fixture
def make_team(app):
    from qa_app.auth.services import get_or_create_team

    def make(name: str = "Assessment"):
        team = get_or_create_team(name)
        db.session.commit()
        return team

    return make


@pytest.fixture
def make_user(app, make_team):
    from qa_app.auth.models import Role
    from qa_app.auth.services import create_user

    counter = itertools.count(1)

    def make(*roles, team: str | None = None, email: str | None = None, active: bool = True):
        roles = roles or ("auditor",)
        user = create_user(
            email=email or f"user{next(counter)}-{'-'.join(roles)}@example.org",
            roles=[Role(r) for r in roles], team=make_team(team) if team else None,
            password=PASSWORD, active=active,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_case(app, make_team):
    from qa_app.cases.models import CaseFactor, CaseFile

    counter = itertools.count(1)

    def make(reference: str | None = None, case_type: str = "CP", team: str = "Assessment",
             age: int | None = 7, factors: tuple[str, ...] = (), worker=None, manager=None):
        """`worker` / `manager`: the accounts the case file is linked to (by identity)."""
        case = CaseFile(
            reference=reference or f"C{next(counter):05d}", case_type=case_type, team=make_team(team),
            allocated_worker=worker.display_name if worker else "Worker A",
            worker_id=worker.id if worker else None,
            team_manager=manager.display_name if manager else "", manager_id=manager.id if manager else None,
            date_of_birth=date.today() - timedelta(days=int(age * 365.25) + 10) if age is not None else None,
        )
        case.factor_rows = [CaseFactor(factor=f) for f in factors]
        db.session.add(case)
        db.session.commit()
        return case

    return make


@pytest.fixture
def make_round(app, make_user):
    from qa_app.audit_forms.services import current_version
    from qa_app.rounds.sampling import SampleRule
    from qa_app.rounds.services import create_round

    counter = itertools.count(1)

    def make(template: str = "cp-cin-case-file", rule: SampleRule | None = None, seed: int = 42,
             actor=None, due_date: date | None = None, **moderation):
        round_ = create_round(
            name=f"Round {next(counter)}", template_version=current_version(template),
            due_date=due_date or date.today() + timedelta(days=30),
            rule=rule or SampleRule(size_mode="all"), seed=seed,
            actor=actor or make_user("qa_lead"), today=date.today(), moderation=moderation or None,
        )
        db.session.commit()
        return round_

    return make


@pytest.fixture
def make_audit(app, make_round, make_case, make_user):
    """An audit of a new case file in a confirmed round, assigned to `auditor` (a new one by default)."""
    from qa_app.audits.models import Audit
    from qa_app.audits.services import set_final_grades
    from qa_app.db import utcnow

    def make(auditor=None, status: str = "not_started", round_=None, case=None, overall_grade=None):
        round_ = round_ or make_round()
        case = case or make_case()
        auditor = auditor or make_user("auditor", team="Another team")
        audit = Audit(round=round_, case_file=case, template_version_id=round_.template_version_id,
                      auditor_id=auditor.id, status=status)
        if status == "submitted":
            audit.overall_grade = overall_grade or 2
            audit.submitted_at = utcnow()
            set_final_grades(audit, overall=audit.overall_grade)
        round_.sample_confirmed_at = round_.sample_confirmed_at or utcnow()
        round_.status = "auditing"
        db.session.add(audit)
        db.session.commit()
        return audit

    return make


def sign_in(client, user, password: str = PASSWORD):
    """Sign in through the real form, and the real second step when the account has or needs one
    (the QA lead and admin roles need one): set up an authenticator app on the first sign-in, a
    fresh code from it afterwards. Returns the last response."""
    page = client.get("/sign-in")
    token = _csrf_from(page.get_data(as_text=True))
    response = client.post("/sign-in", data={"email": user.email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return _second_step(client, user.email, response)


# The authenticator apps the helpers set up: (database, email) → [secret, last time step used].
AUTHENTICATORS: dict[tuple[str, str], list] = {}


def totp_code(key: tuple[str, str]) -> str:
    """A code for the next time step the app has not used yet (the service refuses a code twice)."""
    import time

    import pyotp

    secret, last = AUTHENTICATORS[key]
    while True:
        now = time.time()
        current = int(now // 30)
        step = current - 1 if now % 30 < 25 else current   # a code still valid when the request lands
        if last is not None:
            step = max(step, last + 1)
        if step <= current + 1:
            AUTHENTICATORS[key][1] = step
            return pyotp.TOTP(secret).at(step * 30)
        time.sleep((current + 1) * 30 - now + 0.05)


def _second_step(client, email: str, response):
    from urllib.parse import urlsplit

    path = urlsplit(response.headers["Location"]).path
    key = (client.application.config["SQLALCHEMY_DATABASE_URI"], email.strip().lower())
    if path == "/sign-in/two-step/set-up":
        import re

        html = client.get(path).get_data(as_text=True)
        AUTHENTICATORS[key] = [re.search(r'id="secret-key">([A-Z2-7 ]+)<', html).group(1).replace(" ", ""), None]
        page = client.post(path, data={"code": totp_code(key), "csrf_token": _csrf_from(html)})
        assert page.status_code == 200 and "Save your recovery codes" in page.get_data(as_text=True)
        return page
    if path == "/sign-in/two-step":
        assert key in AUTHENTICATORS, f"{email} has an authenticator app these helpers did not set up"
        html = client.get(path).get_data(as_text=True)
        response = client.post(path, data={"code": totp_code(key), "csrf_token": _csrf_from(html)})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def _csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def csrf_token(client, path: str = "/home") -> str:
    return _csrf_from(client.get(path).get_data(as_text=True))


@pytest.fixture
def login(client):
    def do(user):
        sign_in(client, user)
        return client

    return do
