"""The migrations match the models; the history is append-only in the database itself."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from qa_app.extensions import db
from qa_app.history.models import AppendOnlyViolation, Event
from qa_app.history.services import record


def test_migrations_have_a_single_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_migrated_database_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_sqlite_pragmas_are_on(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_history_rows_cannot_be_changed_through_the_orm(app, make_user):
    user = make_user("qa_lead")
    event = record(user, "test.happened", user, note="first")
    db.session.commit()
    event.action = "test.rewritten"
    with pytest.raises(AppendOnlyViolation):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(Event, event.id))
    with pytest.raises(AppendOnlyViolation):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("statement", ["UPDATE events SET action = 'x'", "DELETE FROM events"])
def test_history_rows_cannot_be_changed_with_sql(app, make_user, statement):
    user = make_user("qa_lead")
    record(user, "test.happened", user)
    db.session.commit()
    # The triggers refuse it; on PostgreSQL the app's role is not even allowed to try.
    with pytest.raises(sa.exc.DBAPIError, match="append-only|permission denied"):
        with db.engine.begin() as connection:
            connection.exec_driver_sql(statement)
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) >= 1


def test_foreign_keys_are_enforced(app):
    from qa_app.cases.models import CaseFile

    db.session.add(CaseFile(reference="X1", case_type="CP", team_id=9999))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_check_constraints_hold(app, make_audit):
    audit = make_audit()
    audit.status = "submitted"  # without an overall grade
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()



def test_upgrading_a_database_with_data_keeps_every_row(tmp_path):
    """Later migrations rebuild tables on SQLite; rows that refer to them must survive."""
    from flask_migrate import upgrade

    from tests.conftest import PG_URL, _app_for

    if PG_URL:
        pytest.skip("the table rebuild only happens on SQLite")
    app = _app_for(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO teams (id, name, service_area) VALUES (1, 'North', '')")
            conn.exec_driver_sql(
                "INSERT INTO template_versions (id, key, version_label, title, content_hash, definition, synced_at,"
                " current) VALUES (1, 'k', '1', 't', 'h', '{}', '2026-01-01', 1)")
            conn.exec_driver_sql(
                "INSERT INTO case_files (id, reference, case_type, team_id, allocated_worker, status, created_at,"
                " updated_at) VALUES (1, 'P1', 'CP', 1, '', 'open', '2026-01-01', '2026-01-01')")
            conn.exec_driver_sql(
                "INSERT INTO audit_rounds (id, name, template_version_id, due_date, status, sample_rule, seed,"
                " moderation_percent, moderate_inadequate, moderate_outstanding, moderate_immediate_risk,"
                " blind_moderation, created_at) VALUES (1, 'R', 1, '2026-02-01', 'auditing', '{}', 1, 10, 1, 1, 1,"
                " 1, '2026-01-01')")
            conn.exec_driver_sql(
                "INSERT INTO audits (id, round_id, case_file_id, template_version_id, status, overall_summary,"
                " immediate_risk, immediate_risk_reason, sampled_by, created_at, updated_at, version)"
                " VALUES (1, 1, 1, 1, 'in_progress', '', 0, '', 'rule', '2026-01-01', '2026-01-01', 1)")
            conn.exec_driver_sql(
                "INSERT INTO answers (id, audit_id, question_key, grade, value, evidence)"
                " VALUES (1, 1, 'q', 3, '', 'kept')")
        upgrade()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT evidence FROM answers").scalar() == "kept"
            assert conn.exec_driver_sql("SELECT reflections_enabled FROM audit_rounds").scalar() == 0
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


def test_every_audit_status_can_be_stored(app, make_audit):
    """The database's check constraints know every state of the workflow (they were once stale)."""
    from qa_app.audits.workflow import AuditStatus, SUBMITTED_STATES

    for status in AuditStatus:
        audit = make_audit(status="submitted" if status in SUBMITTED_STATES else "not_started")
        audit.status = status.value
        db.session.commit()
        assert db.session.get(type(audit), audit.id).status == status.value
