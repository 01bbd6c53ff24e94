"""Writing case files outside the case list import: plain functions, flush not commit."""

import sqlalchemy as sa

from qa_app.auth.services import get_or_create_team
from qa_app.cases.models import CaseFile, CaseType
from qa_app.errors import DomainError
from qa_app.extensions import db


def find_or_add(reference: str, *, case_type: CaseType | None, team: str) -> tuple[CaseFile, bool]:
    """The case file with `reference`, or a new one of `case_type` in `team` (created if needed)
    when there is none; (case file, whether it was added). A known case file is left as it is:
    the case list import is what keeps case files up to date. DomainError when a new one would
    lack its case type or team."""
    case = db.session.scalar(sa.select(CaseFile).where(CaseFile.reference == reference))
    if case is not None:
        return case, False
    if case_type is None or not (team or "").strip():
        raise DomainError(f"Case file {reference} is new here, so its case type and team are needed.")
    case = CaseFile(reference=reference, case_type=case_type, team=get_or_create_team(team))
    db.session.add(case)
    return case, True
