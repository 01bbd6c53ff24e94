"""Who may see a job: the person who started it (while they still hold a role of its kind), and
QA leads for kinds that are shared with them."""

from qa_app.auth.models import Role
from qa_app.jobs.models import Job
from qa_app.jobs.registry import JOB_KINDS


def can_view_job(user, job: Job) -> bool:
    kind = JOB_KINDS.get(job.kind)
    if kind is None or not getattr(user, "is_authenticated", False):
        return False
    if job.started_by_id == user.id and user.has_role(*kind.roles):
        return True
    return kind.leads_may_view and user.has_role(Role.QA_LEAD)
