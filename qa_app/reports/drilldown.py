"""The audits behind a figure of the report: the report's own filters plus what the figure
counts (a grade, Inadequate / Good or better, a team, a case type, a round, a theme, a question,
an answer to a compliance question). Read-only; the view decides what each person may open."""

from dataclasses import dataclass

import sqlalchemy as sa

from qa_app.audit_forms.models import QuestionTheme, TemplateGrade
from qa_app.audit_forms.schema import YES_PARTLY_NO
from qa_app.audits.models import Answer, Audit
from qa_app.auth.models import Team
from qa_app.extensions import db
from qa_app.reports.queries import ReportFilter, audit_scope

BANDS = {"inadequate": "Inadequate", "good": "Good or better"}
MAX_LISTED = 500


@dataclass(frozen=True)
class Figure:
    """What one figure counts, beyond the report's filters. Empty: every audit in scope."""

    grade: str = ""          # a grade label (final grade)
    band: str = ""           # "inadequate" or "good"
    team: str = ""           # the case file's team, by name
    case_type: str = ""
    round_id: int | None = None
    theme: str = ""          # with band: answers of this theme in the band
    question: str = ""       # with band: this graded question; with option: this answer
    option: str = ""

    @classmethod
    def from_args(cls, args) -> "Figure":
        round_id = args.get("f_round", "")
        return cls(grade=args.get("f_grade", "")[:80], band=args.get("f_band", "") if args.get("f_band") in BANDS else "",
                   team=args.get("f_team", "")[:120], case_type=args.get("f_case_type", "")[:8],
                   round_id=int(round_id) if round_id.isdigit() else None, theme=args.get("f_theme", "")[:40],
                   question=args.get("f_question", "")[:80], option=args.get("f_option", "")[:400])

    def describe(self, round_name: str | None = None) -> str:
        parts = []
        if self.question and self.option:
            parts.append(f'answered "{self.option}" to {self.question}')
        elif self.question:
            parts.append(f"graded answers to {self.question}")
        if self.theme:
            parts.append(f"answers on the theme {self.theme}")
        if self.band:
            parts.append(f"graded {BANDS[self.band]}")
        if self.grade:
            parts.append(f"final grade {self.grade}")
        if self.team:
            parts.append(f"team {self.team}")
        if self.case_type:
            parts.append(f"case type {self.case_type}")
        if self.round_id is not None:
            parts.append(f"round {round_name or self.round_id}")
        return "; ".join(parts) or "every audit in the report"


def _band_condition(grade_table, band: str):
    return grade_table.inadequate.is_(True) if band == "inadequate" else grade_table.good_or_better.is_(True)


def audits_behind(filters: ReportFilter, figure: Figure) -> list[int]:
    """The ids of the audits the figure counts, newest first (at most MAX_LISTED)."""
    scope = audit_scope(filters).subquery()
    query = sa.select(scope.c.audit_id).select_from(scope)
    per_answer = bool(figure.theme or figure.question)
    if figure.grade or (figure.band and not per_answer):
        grade = sa.orm.aliased(TemplateGrade)
        query = query.join(grade, sa.and_(grade.template_version_id == scope.c.template_version_id,
                                          grade.value == scope.c.final_grade))
        if figure.grade:
            query = query.where(grade.label == figure.grade)
        if figure.band and not per_answer:
            query = query.where(_band_condition(grade, figure.band))
    if figure.team:
        query = query.where(scope.c.team_id.in_(sa.select(Team.id).where(Team.name == figure.team)))
    if figure.case_type:
        query = query.where(scope.c.case_type == figure.case_type)
    if figure.round_id is not None:
        query = query.where(scope.c.round_id == figure.round_id)
    if per_answer:
        answer = sa.orm.aliased(Answer)
        condition = [answer.audit_id == scope.c.audit_id]
        if figure.question:
            condition.append(answer.question_key == figure.question)
        if figure.option:
            code = {label: code for code, label in YES_PARTLY_NO}.get(figure.option, figure.option)
            condition.append(answer.value.in_({code, figure.option}))
        else:
            grade = sa.orm.aliased(TemplateGrade)
            condition.append(sa.exists().where(grade.template_version_id == scope.c.template_version_id,
                                               grade.value == answer.final_grade,
                                               *([_band_condition(grade, figure.band)] if figure.band else [])))
        if figure.theme:
            condition.append(sa.exists().where(QuestionTheme.template_version_id == scope.c.template_version_id,
                                               QuestionTheme.question_key == answer.question_key,
                                               QuestionTheme.theme == figure.theme))
        query = query.where(sa.exists().where(*condition))
    return list(db.session.scalars(query.order_by(scope.c.submitted_at.desc(), scope.c.audit_id.desc())
                                   .limit(MAX_LISTED)))


def load_audits(ids: list[int]) -> list[Audit]:
    if not ids:
        return []
    by_id = {a.id: a for a in db.session.scalars(sa.select(Audit).where(Audit.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]
