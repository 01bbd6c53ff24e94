"""Reading practice feedback: what the case's people have been released, and an audit's record."""

from dataclasses import dataclass

import sqlalchemy as sa

from qa_app.audits.models import Audit
from qa_app.cases.models import CaseFile
from qa_app.extensions import db
from qa_app.practice.models import DoneWithWorker, FeedbackConversation, Release, WorkerResponse


@dataclass(frozen=True)
class ReleasedAudit:
    audit: Audit
    release: Release
    as_worker: bool                 # the user is the case's allocated worker (else its team manager)
    responded: bool
    conversation: bool


def released_to(user, limit: int | None = None) -> list[ReleasedAudit]:
    """Audits released to `user` as a case's worker or team manager, newest first."""
    query = (sa.select(Audit, Release, CaseFile.worker_id, WorkerResponse.id, FeedbackConversation.id)
             .join(Release, Release.audit_id == Audit.id)
             .join(CaseFile, CaseFile.id == Audit.case_file_id)
             .outerjoin(WorkerResponse, WorkerResponse.audit_id == Audit.id)
             .outerjoin(FeedbackConversation, FeedbackConversation.audit_id == Audit.id)
             .where(sa.or_(CaseFile.worker_id == user.id, CaseFile.manager_id == user.id))
             .order_by(Release.released_at.desc(), Audit.id.desc()))
    if limit:
        query = query.limit(limit)
    return [ReleasedAudit(audit, release, worker_id == user.id, response is not None, talk is not None)
            for audit, release, worker_id, response, talk in db.session.execute(query)]


@dataclass(frozen=True)
class PracticeRecord:
    release: Release | None
    response: WorkerResponse | None
    conversation: FeedbackConversation | None
    done_with_worker: DoneWithWorker | None


def record_of(audit_id: int) -> PracticeRecord:
    return PracticeRecord(
        release=db.session.scalar(sa.select(Release).where(Release.audit_id == audit_id)),
        response=db.session.scalar(sa.select(WorkerResponse).where(WorkerResponse.audit_id == audit_id)),
        conversation=db.session.scalar(sa.select(FeedbackConversation)
                                       .where(FeedbackConversation.audit_id == audit_id)),
        done_with_worker=db.session.get(DoneWithWorker, audit_id),
    )
