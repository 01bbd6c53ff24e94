"""The report's figures, aggregated in SQL. Read-only; no request, no current_user.

Every figure counts audits that have been submitted at least once. The *final* grade of an audit
and of each answer (the moderator's where a moderation is completed, else the auditor's) is read
from the stored `final_grade` columns (see audits.services.set_final_grades); the moderated grade
is joined only where the agreement figures compare it with the auditor's. Percentages are 0-100,
one decimal.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa

from qa_app.audits.models import Answer, Audit
from qa_app.audits.workflow import SUBMITTED_STATES
from qa_app.cases.models import CaseFile
from qa_app.moderation.models import ModeratedAnswer, Moderation, ModerationStatus


@dataclass(frozen=True)
class ReportFilter:
    round_ids: tuple[int, ...] = ()          # empty: every round
    team_id: int | None = None
    case_type: str | None = None
    date_from: date | None = None            # on the audit's submission date
    date_to: date | None = None

    def describe(self, teams: dict[int, str] | None = None) -> dict:
        return {
            "rounds": list(self.round_ids), "team": (teams or {}).get(self.team_id, self.team_id),
            "case_type": self.case_type,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }

    def as_params(self) -> dict:
        """The filters as JSON, for a background job's parameters (`from_params` reads them back)."""
        return {"round_ids": list(self.round_ids), "team_id": self.team_id, "case_type": self.case_type,
                "date_from": self.date_from.isoformat() if self.date_from else None,
                "date_to": self.date_to.isoformat() if self.date_to else None}

    @classmethod
    def from_params(cls, params: dict) -> "ReportFilter":
        return cls(round_ids=tuple(params.get("round_ids") or ()), team_id=params.get("team_id"),
                   case_type=params.get("case_type"),
                   date_from=date.fromisoformat(params["date_from"]) if params.get("date_from") else None,
                   date_to=date.fromisoformat(params["date_to"]) if params.get("date_to") else None)


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _completed_moderation():
    """Completed moderations only (a moderation in progress has no grade to compare yet)."""
    return sa.and_(Moderation.audit_id == Audit.id, Moderation.status == ModerationStatus.COMPLETED)


def audit_scope(filters: ReportFilter) -> sa.Select:
    """One row per audit in scope: ids, grades (auditor, moderated, final), team and case type."""
    moderated = Moderation.overall_grade
    query = (
        sa.select(
            Audit.id.label("audit_id"), Audit.round_id, Audit.template_version_id, Audit.auditor_id,
            Audit.overall_grade.label("auditor_grade"), moderated.label("moderated_grade"),
            Audit.final_grade.label("final_grade"),
            Moderation.id.label("moderation_id"), CaseFile.team_id, CaseFile.case_type, Audit.submitted_at,
        )
        .join(CaseFile, CaseFile.id == Audit.case_file_id)
        .outerjoin(Moderation, _completed_moderation())
        .where(Audit.status.in_([s.value for s in SUBMITTED_STATES]))
    )
    if filters.round_ids:
        query = query.where(Audit.round_id.in_(filters.round_ids))
    if filters.team_id:
        query = query.where(CaseFile.team_id == filters.team_id)
    if filters.case_type:
        query = query.where(CaseFile.case_type == filters.case_type)
    if filters.date_from:
        query = query.where(Audit.submitted_at >= datetime.combine(filters.date_from, time.min))
    if filters.date_to:
        query = query.where(Audit.submitted_at <= datetime.combine(filters.date_to, time.max))
    return query


@dataclass
class Distribution:
    counts: dict[str, int]                    # label → n, best grade first, every grade present
    total: int
    good_or_better: int
    inadequate: int

    @property
    def percent_inadequate(self) -> float | None:
        return percent(self.inadequate, self.total)

    @property
    def percent_good_or_better(self) -> float | None:
        return percent(self.good_or_better, self.total)


def answer_scope(scope: sa.Subquery) -> sa.Select:
    """One row per graded answer of the audits in scope: the auditor's, the moderated and the final grade."""
    moderated_answer = sa.orm.aliased(ModeratedAnswer)
    return (
        sa.select(
            scope.c.audit_id, scope.c.round_id, scope.c.template_version_id, scope.c.team_id,
            Answer.question_key, Answer.grade.label("auditor_grade"),
            moderated_answer.grade.label("moderated_grade"),
            Answer.final_grade.label("final_grade"),
            Answer.evidence,
        )
        .select_from(scope)
        .join(Answer, Answer.audit_id == scope.c.audit_id)
        .outerjoin(moderated_answer, sa.and_(moderated_answer.moderation_id == scope.c.moderation_id,
                                             moderated_answer.question_key == Answer.question_key))
        .where(Answer.final_grade.is_not(None))
    )


@dataclass
class Rate:
    answers: int
    good_or_better: int
    inadequate: int

    @property
    def percent_good_or_better(self) -> float | None:
        return percent(self.good_or_better, self.answers)

    @property
    def percent_inadequate(self) -> float | None:
        return percent(self.inadequate, self.answers)


@dataclass(frozen=True)
class QuestionRate:
    template_key: str
    question_key: str
    text: str
    rate: Rate


def strengths_and_areas(rates: list[QuestionRate], n: int = 3) -> tuple[list[QuestionRate], list[QuestionRate]]:
    """The worst questions (most Inadequate, then least Good or better; only those with some answers
    below Good) are areas for development; the strengths are the best of the rest, so no question
    is both."""
    improvable = [q for q in rates if (q.rate.percent_good_or_better or 0) < 100]
    areas = sorted(improvable, key=lambda q: (-(q.rate.percent_inadequate or 0), q.rate.percent_good_or_better or 0,
                                         -q.rate.answers, q.question_key))[:n]
    chosen = {(q.template_key, q.question_key) for q in areas}
    strengths = sorted((q for q in rates if (q.template_key, q.question_key) not in chosen),
                       key=lambda q: (-(q.rate.percent_good_or_better or 0), -q.rate.answers, q.question_key))
    return strengths[:n], areas
