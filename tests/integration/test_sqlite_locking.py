"""SQLite: reads never queue behind a writer, and read-then-write requests still never fail with
"database is locked" (qa_app/db.py). SQLite only: PostgreSQL has row locks and MVCC of its own."""

import sqlite3
import threading

import pytest
import sqlalchemy as sa

from qa_app.auth.models import Team
from qa_app.db import holds_write_lock
from qa_app.extensions import db
from qa_app.reports.builder import build_report
from qa_app.reports.queries import ReportFilter
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's locking")


def _other_writer(app):
    """A second connection that takes the write lock and keeps it until closed."""
    path = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    other = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO teams (name, service_area) VALUES ('Held by the other writer', '')")
    return other


def test_reads_proceed_while_another_connection_holds_the_write_lock(app, make_audit):
    make_audit(status="submitted")
    db.session.commit()
    other = _other_writer(app)
    try:
        # With BEGIN IMMEDIATE on every transaction, each of these would wait for the lock and
        # fail with "database is locked" after the busy timeout.
        teams = db.session.scalars(sa.select(Team.name)).all()
        report = build_report(ReportFilter())
        assert "Held by the other writer" not in teams and report["audits"] == 1
        assert not holds_write_lock(db.session.connection())
    finally:
        other.rollback()
        other.close()
    db.session.rollback()


def test_a_transaction_takes_the_write_lock_at_its_first_write_only(app):
    db.session.scalar(sa.select(sa.func.count(Team.id)))
    assert not holds_write_lock(db.session.connection())
    db.session.add(Team(name="Written", service_area=""))
    db.session.flush()
    assert holds_write_lock(db.session.connection())
    # The lock is really held: another writer cannot get it until this commits.
    path = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    other = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    db.session.commit()
    other.execute("BEGIN IMMEDIATE")
    other.rollback()
    other.close()


def test_concurrent_read_then_write_never_fails_with_database_is_locked(app):
    """Eight threads, each reading and then writing in one transaction, twenty times over: a
    deferred transaction that upgraded itself in place would fail at once ("database is locked",
    whatever the busy timeout) whenever another thread wrote between its read and its write."""
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(n: int) -> None:
        with app.app_context():
            try:
                start.wait()
                for i in range(20):
                    count = db.session.scalar(sa.select(sa.func.count(Team.id)))
                    db.session.add(Team(name=f"T{n}-{i}-{count}", service_area=""))
                    db.session.commit()
            except BaseException as error:  # noqa: BLE001  (reported below)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert db.session.scalar(sa.select(sa.func.count(Team.id)).where(Team.name.like("T%-%-%"))) == 160
