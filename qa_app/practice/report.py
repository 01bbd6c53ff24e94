"""The report's practice feedback figures: released audits, the workers' responses and the feedback
conversations, for the audits in a report's scope. Read-only."""

from statistics import median

import sqlalchemy as sa

from qa_app.extensions import db
from qa_app.practice.models import Agreement, DoneWithWorker, FeedbackConversation, Release, WorkerResponse
from qa_app.working_days import working_days_between


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def practice_section(scope: sa.Subquery) -> dict:
    """`scope` has one row per audit in the report (`audit_id`). Figures:

    released (audits released to their case's people), responses ({agree, partly, disagree}: the
    workers' responses), conversations (released audits with a recorded feedback conversation),
    percent_with_conversation (of released audits), median_working_days_to_conversation (from
    release to conversation, England and Wales working days; None with no conversation), and
    done_with_worker (audits in scope done with the case holder).
    """
    in_scope = sa.select(scope.c.audit_id)
    responses = dict(db.session.execute(
        sa.select(WorkerResponse.agreement, sa.func.count()).where(WorkerResponse.audit_id.in_(in_scope))
        .group_by(WorkerResponse.agreement)).all())
    released = db.session.scalar(sa.select(sa.func.count()).select_from(Release)
                                 .where(Release.audit_id.in_(in_scope))) or 0
    pairs = db.session.execute(
        sa.select(Release.released_at, FeedbackConversation.held_on)
        .join(FeedbackConversation, FeedbackConversation.audit_id == Release.audit_id)
        .where(Release.audit_id.in_(in_scope))).all()
    days = [working_days_between(released_at.date(), held_on) for released_at, held_on in pairs]
    done = db.session.scalar(sa.select(sa.func.count()).select_from(DoneWithWorker)
                             .where(DoneWithWorker.audit_id.in_(in_scope))) or 0
    return {
        "released": released,
        "responses": {agreement.value: responses.get(agreement.value, 0) for agreement in Agreement},
        "conversations": len(pairs),
        "percent_with_conversation": percent(len(pairs), released),
        "median_working_days_to_conversation": median(days) if days else None,
        "done_with_worker": done,
    }
