"""Reading audits' stored final grades (written by audits.services.set_final_grades)."""

from collections.abc import Iterable

import sqlalchemy as sa

from qa_app.audits.models import Answer, Audit
from qa_app.extensions import db


def final_overall_grades(audit_ids: Iterable[int]) -> dict[int, int | None]:
    """{audit id: final overall grade} for the given audits (None until submitted)."""
    ids = list(audit_ids)
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Audit.id, Audit.final_grade).where(Audit.id.in_(ids))).all())


def final_answer_grades_for(audit_ids: Iterable[int]) -> dict[int, dict[str, int | None]]:
    """{audit id: {question key: final grade}} for every answer of the given audits, in one query
    (None for answers that are not graded)."""
    ids = list(audit_ids)
    result: dict[int, dict[str, int | None]] = {audit_id: {} for audit_id in ids}
    if ids:
        for audit_id, key, grade in db.session.execute(
                sa.select(Answer.audit_id, Answer.question_key, Answer.final_grade).where(Answer.audit_id.in_(ids))):
            result[audit_id][key] = grade
    return result


def final_answer_grades(audit_id: int) -> dict[str, int | None]:
    """{question key: final grade} for every answer of one audit."""
    return final_answer_grades_for([audit_id])[audit_id]
