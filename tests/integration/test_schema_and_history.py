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
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
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

