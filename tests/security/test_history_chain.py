"""The history proves itself: every route an attacker with database access could take (update,
delete with the triggers disabled, forged insert, reorder, changed details) is found by
`history verify`, which exits 1 naming the first event concerned; on PostgreSQL the app's own role
cannot take any of them; retention's erasure keeps the chain verifying; two writers never fork it."""

import hashlib
import json
import threading
from contextlib import contextmanager
from datetime import datetime

import pytest
import sqlalchemy as sa

from qa_app.extensions import db
from qa_app.history.chain import verify
from qa_app.history.models import ChainLink, Event, EventPayload
from qa_app.history.services import record
from tests.conftest import _app_for, owner_url

TABLES = ("events", "event_chain", "event_payloads", "event_cases")


@pytest.fixture
def history(app, make_user, make_case):
    """Twelve committed events, some with details holding case text, some about a case file: a list of
    (chain position, event id), after the events the test database starts with."""
    user = make_user("qa_lead")
    case = make_case("C-TAMPER")
    ids = []
    for n in range(12):
        if n % 3 == 0:
            event = record(user, "case.viewed", case)
        else:
            event = record(user, "test.noted", None, note=f"Evidence text number {n}")
        db.session.commit()
        ids.append(event.id)
    links = dict(db.session.execute(sa.select(ChainLink.event_id, ChainLink.seq)).all())
    db.session.commit()
    return [(links[event_id], event_id) for event_id in ids]


def run_verify(runner):
    result = runner.invoke(args=["history", "verify"])
    return result.exit_code, result.output


@contextmanager
def owner_connection(database_url, *, unprotected=TABLES):
    """A connection as the tables' owner with the history's triggers out of the way, as an attacker
    who has the owner's password would do it, in one transaction."""
    db.session.rollback()  # on SQLite the test's own open transaction would hold the write lock
    engine = sa.create_engine(owner_url(database_url))
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                for table in unprotected:
                    conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                yield conn
                for table in unprotected:
                    conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            else:
                triggers = conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                    f"({', '.join(repr(t) for t in unprotected)})").all()
                for name, _sql in triggers:
                    conn.exec_driver_sql(f"DROP TRIGGER {name}")
                yield conn
                for _name, sql in triggers:
                    conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


def test_an_untouched_history_verifies(app, runner, history):
    code, output = run_verify(runner)
    assert code == 0, output
    assert "The history is intact" in output and f"{history[-1][0]} event(s)" in output


def test_an_updated_event_is_found(app, runner, history, database_url):
    seq, target = history[4]
    with owner_connection(database_url) as conn:
        conn.exec_driver_sql(f"UPDATE events SET actor_id = NULL, action = 'case.viewed' WHERE id = {target}")
    code, output = run_verify(runner)
    assert code == 1
    assert f"First problem: chain link {seq}, event {target} (case.viewed" in output and "was changed" in output


def test_a_deleted_event_is_found_even_with_its_link_and_the_triggers_disabled(app, runner, history, database_url):
    seq, target = history[6]
    with owner_connection(database_url) as conn:
        for table in ("event_cases", "event_payloads", "event_chain"):
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE event_id = {target}")
        conn.exec_driver_sql(f"DELETE FROM events WHERE id = {target}")
    code, output = run_verify(runner)
    assert code == 1
    assert f"First problem: Chain link(s) {seq} are missing: the event(s) before chain link {seq + 1}" in output


def test_a_forged_back_dated_insert_is_found(app, runner, history, database_url):
    with owner_connection(database_url) as conn:
        forged = conn.execute(sa.text(
            "INSERT INTO events (at, actor_id, role, action, object_type, object_id, client_address, request_id,"
            " case_ids) VALUES (:at, NULL, '', 'case.viewed', 'service', NULL, '', '', '') RETURNING id"),
            {"at": datetime(2020, 1, 1)}).scalar()
    code, output = run_verify(runner)
    assert code == 1
    assert f"First problem: event {forged} (case.viewed, 2020-01-01 00:00:00 UTC) is not in the chain" in output


def test_a_forged_insert_with_its_own_link_is_found(app, runner, history, database_url):
    """Without HISTORY_KEY a forger can only make a plain hash, which is not the chain's HMAC."""
    with owner_connection(database_url) as conn:
        last_seq, last_hash = conn.exec_driver_sql("SELECT seq, hash FROM event_chain ORDER BY seq DESC LIMIT 1").one()
        forged = conn.execute(sa.text(
            "INSERT INTO events (at, actor_id, role, action, object_type, object_id, client_address, request_id,"
            " case_ids) VALUES (:at, NULL, '', 'audit.viewed', 'service', NULL, '', '', '') RETURNING id"),
            {"at": datetime(2021, 6, 1)}).scalar()
        fake = hashlib.sha256(f"{last_seq + 1}{last_hash}{forged}".encode()).hexdigest()
        conn.execute(sa.text("INSERT INTO event_chain (seq, event_id, prev_hash, hash) VALUES (:s, :e, :p, :h)"),
                     {"s": last_seq + 1, "e": forged, "p": last_hash, "h": fake})
    code, output = run_verify(runner)
    assert code == 1
    assert f"First problem: chain link {last_seq + 1}, event {forged} (audit.viewed" in output


def test_reordered_events_are_found(app, runner, history, database_url):
    (first_seq, _first), (second_seq, second) = history[2], history[3]
    with owner_connection(database_url) as conn:
        conn.exec_driver_sql(f"UPDATE event_chain SET seq = CASE seq WHEN {first_seq} THEN -{second_seq} "
                             f"ELSE -{first_seq} END WHERE seq IN ({first_seq}, {second_seq})")
        conn.exec_driver_sql("UPDATE event_chain SET seq = -seq WHERE seq < 0")
    code, output = run_verify(runner)
    assert code == 1
    assert f"First problem: chain link {first_seq}, event {second}" in output and "reordered" in output


def test_changed_details_are_found(app, runner, history, database_url):
    _seq, target = history[1]
    with owner_connection(database_url) as conn:
        conn.execute(sa.text("UPDATE event_payloads SET detail = :d WHERE event_id = :e"),
                     {"d": json.dumps({"note": "Nothing to see"}), "e": target})
    code, output = run_verify(runner)
    assert code == 1
    assert f"event {target} (test.noted" in output and "its details were changed" in output


def test_a_hidden_read_of_a_case_is_found(app, runner, history, database_url):
    """Deleting a row of the case index would hide a read from "who has seen this case"."""
    _seq, target = history[0]
    with owner_connection(database_url) as conn:
        conn.exec_driver_sql(f"DELETE FROM event_cases WHERE event_id = {target}")
    code, output = run_verify(runner)
    assert code == 1
    assert f"event {target}: the index of case files it concerns was changed" in output


def test_erasing_details_by_retention_keeps_the_chain_verifying(app, runner, history):
    payload = db.session.get(EventPayload, history[1][1])
    payload.detail, payload.erased_at = None, datetime(2030, 1, 1)
    db.session.commit()
    code, output = run_verify(runner)
    assert code == 0, output
    assert "the details of 1 were erased by retention" in output
    assert db.session.get(Event, history[1][1]).detail == {}


@pytest.mark.parametrize("statement", [
    "UPDATE event_payloads SET detail = '{\"note\": \"rewritten\"}'",
    "DELETE FROM event_payloads", "DELETE FROM event_chain", "UPDATE event_chain SET hash = 'x'",
    "DELETE FROM event_cases",
])
def test_the_database_refuses_changes_to_the_chain(app, history, statement):
    with pytest.raises(sa.exc.DBAPIError, match="append-only|permission denied"):
        with db.engine.begin() as connection:
            connection.exec_driver_sql(statement)


@pytest.mark.parametrize("statement", [
    "ALTER TABLE events DISABLE TRIGGER USER", "ALTER TABLE events DISABLE TRIGGER events_no_change",
    "DROP TRIGGER events_no_change ON events", "DELETE FROM events", "UPDATE events SET action = 'x'",
    "TRUNCATE events CASCADE", "DELETE FROM event_chain", "ALTER TABLE event_chain DROP CONSTRAINT pk_event_chain",
    "CREATE TABLE shadow (id int)", "DROP TABLE event_cases",
])
def test_on_postgresql_the_apps_role_cannot_alter_the_history(app, history, statement):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("database roles exist on PostgreSQL only")
    assert db.engine.url.username == "qa_app"
    with pytest.raises(sa.exc.DBAPIError, match="must be owner|permission denied|append-only"):
        with db.engine.begin() as connection:
            connection.exec_driver_sql(statement)
    assert run_verify_in(app) == []


def run_verify_in(app) -> list[str]:
    result = verify(db.session)
    db.session.rollback()
    return result.problems


def test_two_writers_at_once_never_fork_the_chain(app, database_url, make_user):
    user_id = make_user("qa_lead").id
    db.session.commit()  # on SQLite an open transaction holds the write lock
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def writer(label: str) -> None:
        other = _app_for(database_url)
        try:
            with other.app_context():
                barrier.wait()
                for n in range(25):
                    record(None, "test.concurrent", None, writer=label, n=n, user=user_id)
                    record(None, "test.concurrent", None, writer=label, n=n, second=True)
                    db.session.commit()
                db.engine.dispose()
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(label,)) for label in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    links = db.session.execute(sa.select(ChainLink.seq, ChainLink.event_id).order_by(ChainLink.seq)).all()
    assert [seq for seq, _ in links] == list(range(1, len(links) + 1))
    written = db.session.scalar(sa.select(sa.func.count(Event.id)).where(Event.action == "test.concurrent"))
    assert written == 100
    assert run_verify_in(app) == []
