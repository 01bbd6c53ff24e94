"""A job that has written in its own session and then reports progress, on SQLite: the progress
write (on a connection of its own) cannot take the write lock the job holds. It is skipped, as
progress is best effort, and the job goes on; before, SQLite's "database is locked" (raised by
qa_app.db's BEGIN IMMEDIATE, not wrapped by SQLAlchemy) escaped and failed the job."""

import pytest

from qa_app.auth.models import Role
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.jobs import registry, services
from qa_app.jobs.models import Job
from qa_app.jobs.registry import JobKind
from qa_app.jobs.runner import drain

KIND = "test.writes_then_reports"


@pytest.fixture
def writing_kind():
    notes = []

    def run(context, params):
        record(context.actor, "test.job_wrote", None)
        db.session.flush()                      # the job's session now holds SQLite's write lock
        notes.append(services.progress(context.job_id, 1, 2, "After a write"))
        return {"lines": ["finished"]}

    registry.register(JobKind(name=KIND, title="Test job", roles=(Role.QA_LEAD,), run=run))
    yield notes
    registry.JOB_KINDS.pop(KIND, None)


def test_progress_after_a_write_in_the_job_is_skipped_not_fatal(app, make_user, writing_kind):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    lead = make_user("qa_lead")
    job = services.start(KIND, actor=lead)
    db.session.commit()
    assert drain(app) == 1
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "done" and not job.error
    assert writing_kind == [False]              # skipped (the job held the lock), not an error
