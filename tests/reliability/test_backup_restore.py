"""A backup taken while the service writes restores, into an empty database, to a consistent copy:
every row as it was, no transaction half there, an identical report, and a history that verifies."""

import json
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from qa_app.extensions import db
from qa_app.history.chain import verify
from tests.conftest import PG_OWNER, PG_URL, _app_for, _pg_admin, as_role
from tests.integration.test_report_figures import built  # noqa: F401  (a round with a known report)


@pytest.fixture
def empty_database_url(tmp_path):
    """A new database with no tables, as the owner would restore into."""
    if PG_URL:
        name = f"qa_restore_{uuid.uuid4().hex[:8]}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER {PG_OWNER}')
        yield as_role(sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False), PG_OWNER)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    else:
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"


def _load(database_url: str, stop: threading.Event, done: list[int], errors: list[BaseException]) -> None:
    """A writer: small case lists imported one after another (each all or nothing, with its event)."""
    from qa_app.cases.importing import import_cases

    app = _app_for(database_url)
    try:
        with app.app_context():
            n = 0
            while not stop.is_set() and n < 400:
                n += 1
                rows = "".join(f"LOAD-{threading.get_ident() % 10000}-{n}-{k},CP,Load team\n" for k in range(3))
                import_cases(("Case reference,Case type,Team\n" + rows).encode(), "load.csv", actor=None)
                db.session.commit()
                done.append(n)
            db.engine.dispose()
    except BaseException as error:  # noqa: BLE001 (reported by the test)
        errors.append(error)


def _parsed(value):
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _rows(url: str) -> dict[str, dict[tuple, tuple]]:
    """Every row of every table, by primary key."""
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as conn:
            return {name: {tuple(row[c.name] for c in table.primary_key.columns): tuple(row.values())
                           for row in conn.execute(sa.select(table)).mappings()}
                    for name, table in metadata.tables.items() if name != "alembic_version"}
    finally:
        engine.dispose()


def test_a_backup_taken_under_write_load_restores_to_an_identical_report_and_a_verifying_chain(
        app, built, runner, database_url, empty_database_url, tmp_path):  # noqa: F811
    round_, _ = built
    round_id = round_.id
    report = runner.invoke(args=["report", "round", str(round_id), "--json"])
    assert report.exit_code == 0, report.output
    db.session.commit()
    stop, done, errors = threading.Event(), [], []
    writers = [threading.Thread(target=_load, args=(database_url, stop, done, errors)) for _ in range(2)]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 60
    while len(done) < 10 and time.monotonic() < deadline and not errors:
        time.sleep(0.05)
    backup = tmp_path / "qa.backup"
    created = runner.invoke(args=["backup", "create", str(backup)])
    written_during = len(done)
    time.sleep(0.3)
    stop.set()
    for writer in writers:
        writer.join(timeout=120)
    assert errors == [] and created.exit_code == 0, (errors, created.output)
    assert f"Backup written to {backup}" in created.output
    assert len(done) > written_during >= 10  # the writers ran before, during and after the backup

    restorer = _app_for(empty_database_url)
    with restorer.app_context():  # the command runs in the innermost app: the restored database's
        restored = restorer.test_cli_runner().invoke(args=["backup", "restore", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert "the history is intact" in restored.output

    source, copy = _rows(database_url), _rows(empty_database_url)
    assert set(copy) == set(source)
    for table, rows in copy.items():
        # Every restored row is exactly the row the service has (the load only added rows).
        assert {key: source[table].get(key) for key in rows} == rows, table
    # Nothing half-written: each import in the copy has all its case files and its event, no more.
    details = [_parsed(row[1]) for row in copy["event_payloads"].values()]
    imported = [d for d in details if isinstance(d, dict) and d.get("filename") == "load.csv"]
    load_cases = sorted(row[1] for row in copy["case_files"].values() if str(row[1]).startswith("LOAD-"))
    assert load_cases == sorted(ref for d in imported for ref in d["added"])
    assert 10 <= len(imported) < len(done)

    with restorer.app_context():
        again = restorer.test_cli_runner().invoke(args=["report", "round", str(round_id), "--json"])
        assert json.loads(again.output) == json.loads(report.output)
        assert verify(db.session).ok
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(app, runner, tmp_path, database_url):
    backup = tmp_path / "qa.backup"
    assert runner.invoke(args=["backup", "create", str(backup)]).exit_code == 0
    db.session.remove()
    db.engine.dispose()
    target = _app_for(database_url if not PG_URL else as_role(database_url, PG_OWNER))
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(backup)])
    assert result.exit_code == 1 and "is not empty" in result.output and "Nothing restored" in result.output


def test_a_backup_that_cannot_be_written_says_so(app, runner, tmp_path):
    result = runner.invoke(args=["backup", "create", str(tmp_path / "no-such-folder" / "qa.backup")])
    assert result.exit_code == 1 and "No backup written" in result.output

