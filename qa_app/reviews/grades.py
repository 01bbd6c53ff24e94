"""The final grade of an audit, used wherever an earlier finding is judged.

The moderator's grade wins where a completed moderation exists: for the overall grade, the
moderation's overall grade; for a question, the moderated answer's grade if the moderator graded
that question. Otherwise the auditor's grade stands. A finding is a question whose final grade is
not good or better on the template's scale (Requires improvement or Inadequate on the default one).
"""

from collections.abc import Iterable

import sqlalchemy as sa

from qa_app.audits.models import Answer, Audit
from qa_app.extensions import db
from qa_app.moderation.models import ModeratedAnswer, Moderation, ModerationStatus


def final_overall_grade():
    """A SQL expression for an audit's final overall grade (correlated with `Audit`)."""
    moderated = (
        sa.select(Moderation.overall_grade)
        .where(Moderation.audit_id == Audit.id, Moderation.status == ModerationStatus.COMPLETED.value)
        .scalar_subquery()
    )
    return sa.func.coalesce(moderated, Audit.overall_grade)


def final_overall_grades(audit_ids: Iterable[int]) -> dict[int, int | None]:
    """{audit id: final overall grade} for the given audits."""
    ids = list(audit_ids)
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Audit.id, final_overall_grade()).where(Audit.id.in_(ids)))
    return {audit_id: grade for audit_id, grade in rows}


def final_answer_grades(audit_id: int) -> dict[str, int | None]:
    """{question key: final grade} for every answer of the audit (None for ungraded answers)."""
    return final_answer_grades_for([audit_id]).get(audit_id, {})


def final_answer_grades_for(audit_ids: Iterable[int]) -> dict[int, dict[str, int | None]]:
    """{audit id: {question key: final grade}} for several audits in two queries."""
    ids = list(audit_ids)
    result: dict[int, dict[str, int | None]] = {audit_id: {} for audit_id in ids}
    if not ids:
        return result
    for audit_id, key, grade in db.session.execute(
            sa.select(Answer.audit_id, Answer.question_key, Answer.grade).where(Answer.audit_id.in_(ids))):
        result[audit_id][key] = grade
    for audit_id, key, grade in _moderated(ids):
        result[audit_id][key] = grade
    return result


def moderated_answer_grades(audit_id: int) -> dict[str, int]:
    """{question key: grade} the moderator gave in a completed moderation (only those graded)."""
    return {key: grade for _, key, grade in _moderated([audit_id])}


def _moderated(audit_ids: list[int]):
    return db.session.execute(
        sa.select(Moderation.audit_id, ModeratedAnswer.question_key, ModeratedAnswer.grade)
        .join(Moderation, Moderation.id == ModeratedAnswer.moderation_id)
        .where(Moderation.audit_id.in_(audit_ids), Moderation.status == ModerationStatus.COMPLETED.value,
               ModeratedAnswer.grade.is_not(None))
    ).all()


def is_finding(scale, grade: int | None) -> bool:
    """A graded answer that needs to improve: not good or better on its scale."""
    return grade is not None and not scale.is_good_or_better(grade)
