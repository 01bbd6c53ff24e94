"""Access policy and request scenarios of background jobs (merged by test_access_matrix.py).

Each world holds a finished export job, started by the world's audit owner (`own`) or by someone
else (`other`), with its file on disk: only the person who started it (holding a role of its kind)
and QA leads may see it or download it."""

from flask import url_for

from tests.functional.matrix_common import QA_LEAD, SIGNED_IN, Call, PerRecord

JOB_READERS = PerRecord(owner=QA_LEAD, any_record=QA_LEAD)

POLICY = {
    "jobs.index": {"GET": SIGNED_IN},
    "jobs.show": {"GET": JOB_READERS},
    "jobs.status": {"GET": JOB_READERS},
    "jobs.download": {"GET": JOB_READERS},
}

SCENARIOS = {
    ("jobs.index", "GET"): lambda w, who: Call(url_for("jobs.index"), 200),
    ("jobs.show", "GET"): lambda w, who: Call(url_for("jobs.show", job_id=w.extra["job_id"]), 200),
    ("jobs.status", "GET"): lambda w, who: Call(url_for("jobs.status", job_id=w.extra["job_id"]), 200),
    ("jobs.download", "GET"): lambda w, who: Call(url_for("jobs.download", job_id=w.extra["job_id"]), 200,
                                                  event="export.downloaded"),
}


def extend_world(app, people, world) -> None:
    from qa_app.audits.models import Audit
    from qa_app.db import utcnow
    from qa_app.extensions import db
    from qa_app.jobs.models import Job, JobStatus
    from qa_app.jobs.services import new_file_path

    with app.app_context():
        owner_id = db.session.get(Audit, world.audit_id).auditor_id
        path = new_file_path("job-matrix", ".xlsx")
        path.write_bytes(b"PK\x03\x04 not really a workbook")
        job = Job(kind="exchange.export", started_by_id=owner_id, status=JobStatus.DONE, params={},
                  finished_at=utcnow(), file_path=path.name, file_name="qa-results.xlsx", result={"lines": []})
        db.session.add(job)
        db.session.commit()
        world.extra["job_id"] = job.id
