"""Reading case files: the filtered, paginated list."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from qa_app.cases.models import CaseFactor, CaseFile, CaseStatus


@dataclass(frozen=True)
class CaseFilter:
    team_id: int | None = None
    case_type: str | None = None
    factor: str | None = None
    age_under: int | None = None
    status: str | None = CaseStatus.OPEN
    reference: str | None = None


def born_after_for_age_under(age_under: int, today: date) -> date:
    """A child is under `age_under` today when born after this date."""
    try:
        return today.replace(year=today.year - age_under)
    except ValueError:  # 29 February
        return today.replace(year=today.year - age_under, day=28)


def case_query(filters: CaseFilter, today: date | None = None) -> sa.Select:
    today = today or date.today()
    query = sa.select(CaseFile)
    if filters.team_id:
        query = query.where(CaseFile.team_id == filters.team_id)
    if filters.case_type:
        query = query.where(CaseFile.case_type == filters.case_type)
    if filters.status:
        query = query.where(CaseFile.status == filters.status)
    if filters.factor:
        query = query.where(
            sa.exists().where(CaseFactor.case_file_id == CaseFile.id, CaseFactor.factor == filters.factor)
        )
    if filters.age_under is not None:
        query = query.where(CaseFile.date_of_birth > born_after_for_age_under(filters.age_under, today))
    if filters.reference:
        query = query.where(CaseFile.reference.contains(filters.reference.strip().upper(), autoescape=True))
    return query.order_by(CaseFile.reference)
