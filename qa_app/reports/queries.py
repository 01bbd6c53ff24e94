"""The report's figures, aggregated in SQL. Read-only; no request, no current_user.

Every figure counts audits that have been submitted at least once. The *final* grade of an audit
is the moderator's where its moderation is completed, else the auditor's; the same rule holds for
each answer (the moderated answer where there is one). Percentages are 0-100, one decimal.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa

from qa_app.audit_forms.models import QuestionTheme, TemplateGrade, TemplateQuestion, TemplateVersion
from qa_app.audits.models import Answer, Audit
from qa_app.audits.workflow import SUBMITTED_STATES
from qa_app.auth.models import Team
from qa_app.cases.models import CaseFile
from qa_app.extensions import db
from qa_app.moderation.models import ModeratedAnswer, Moderation, ModerationStatus
from qa_app.rounds.models import AuditRound


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


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _completed_moderation():
    """Completed moderations only: their grades replace the auditor's."""
    return sa.and_(Moderation.audit_id == Audit.id, Moderation.status == ModerationStatus.COMPLETED)


def audit_scope(filters: ReportFilter) -> sa.Select:
    """One row per audit in scope: ids, grades (auditor, moderated, final), team and case type."""
    moderated = Moderation.overall_grade
    query = (
        sa.select(
            Audit.id.label("audit_id"), Audit.round_id, Audit.template_version_id, Audit.auditor_id,
            Audit.overall_grade.label("auditor_grade"), moderated.label("moderated_grade"),
            sa.func.coalesce(moderated, Audit.overall_grade).label("final_grade"),
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


def grade_distribution(scope: sa.Subquery, grade_column: str) -> Distribution:
    """How many audits in `scope` have each grade in `grade_column` (final or auditor)."""
    grade = scope.c[grade_column]
    rows = db.session.execute(
        sa.select(TemplateGrade.rank, TemplateGrade.label, sa.func.count(),
                  sa.func.sum(sa.case((TemplateGrade.good_or_better, 1), else_=0)),
                  sa.func.sum(sa.case((TemplateGrade.inadequate, 1), else_=0)))
        .select_from(scope)
        .join(TemplateGrade, sa.and_(TemplateGrade.template_version_id == scope.c.template_version_id,
                                     TemplateGrade.value == grade))
        .group_by(TemplateGrade.rank, TemplateGrade.label)
        .order_by(TemplateGrade.rank)
    ).all()
    counts = {label: 0 for label in scale_labels(scope)}
    good = bad = total = 0
    for _rank, label, n, n_good, n_bad in rows:
        counts[label] = counts.get(label, 0) + n
        total += n
        good += n_good or 0
        bad += n_bad or 0
    return Distribution(counts=counts, total=total, good_or_better=good, inadequate=bad)


def scale_labels(scope: sa.Subquery) -> list[str]:
    """Every grade label of the scales used in scope, best first (so unused grades show as 0)."""
    versions = sa.select(scope.c.template_version_id).distinct().scalar_subquery()
    rows = db.session.execute(
        sa.select(TemplateGrade.label, sa.func.min(TemplateGrade.rank))
        .where(TemplateGrade.template_version_id.in_(versions))
        .group_by(TemplateGrade.label).order_by(sa.func.min(TemplateGrade.rank), TemplateGrade.label)
    ).all()
    return [label for label, _ in rows]


def answer_scope(scope: sa.Subquery) -> sa.Select:
    """One row per graded answer of the audits in scope, with the final (moderated) answer grade."""
    moderated_answer = sa.orm.aliased(ModeratedAnswer)
    return (
        sa.select(
            scope.c.audit_id, scope.c.round_id, scope.c.template_version_id, scope.c.team_id,
            Answer.question_key, Answer.grade.label("auditor_grade"),
            moderated_answer.grade.label("moderated_grade"),
            sa.func.coalesce(moderated_answer.grade, Answer.grade).label("final_grade"),
            Answer.evidence,
        )
        .select_from(scope)
        .join(Answer, Answer.audit_id == scope.c.audit_id)
        .outerjoin(moderated_answer, sa.and_(moderated_answer.moderation_id == scope.c.moderation_id,
                                             moderated_answer.question_key == Answer.question_key))
        .where(sa.func.coalesce(moderated_answer.grade, Answer.grade).is_not(None))
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


def _rate_columns(grade_table=TemplateGrade):
    return (sa.func.count(),
            sa.func.sum(sa.case((grade_table.good_or_better, 1), else_=0)),
            sa.func.sum(sa.case((grade_table.inadequate, 1), else_=0)))


def theme_rates(scope: sa.Subquery) -> dict[str, Rate]:
    """Per theme: graded answers, and how many are Good or better / Inadequate (final grades)."""
    answers = answer_scope(scope).subquery()
    rows = db.session.execute(
        sa.select(QuestionTheme.theme, *_rate_columns())
        .select_from(answers)
        .join(QuestionTheme, sa.and_(QuestionTheme.template_version_id == answers.c.template_version_id,
                                     QuestionTheme.question_key == answers.c.question_key))
        .join(TemplateGrade, sa.and_(TemplateGrade.template_version_id == answers.c.template_version_id,
                                     TemplateGrade.value == answers.c.final_grade))
        .group_by(QuestionTheme.theme)
    ).all()
    return {theme: Rate(n, good or 0, bad or 0) for theme, n, good, bad in rows}


@dataclass(frozen=True)
class QuestionRate:
    template_key: str
    question_key: str
    text: str
    rate: Rate


def question_rates(scope: sa.Subquery) -> list[QuestionRate]:
    """Per question (by template key and question key), the final-grade rates."""
    answers = answer_scope(scope).subquery()
    rows = db.session.execute(
        sa.select(TemplateVersion.key, answers.c.question_key, sa.func.max(TemplateQuestion.text),
                  *_rate_columns())
        .select_from(answers)
        .join(TemplateVersion, TemplateVersion.id == answers.c.template_version_id)
        .join(TemplateQuestion, sa.and_(TemplateQuestion.template_version_id == answers.c.template_version_id,
                                        TemplateQuestion.key == answers.c.question_key))
        .join(TemplateGrade, sa.and_(TemplateGrade.template_version_id == answers.c.template_version_id,
                                     TemplateGrade.value == answers.c.final_grade))
        .group_by(TemplateVersion.key, answers.c.question_key)
    ).all()
    return [QuestionRate(key, question, text, Rate(n, good or 0, bad or 0))
            for key, question, text, n, good, bad in rows]


def strengths_and_areas(rates: list[QuestionRate], n: int = 3) -> tuple[list[QuestionRate], list[QuestionRate]]:
    """The best questions (most Good or better) and the worst (most Inadequate, then least good)."""
    strengths = sorted(rates, key=lambda q: (-(q.rate.percent_good_or_better or 0), -q.rate.answers, q.question_key))
    areas = sorted(rates, key=lambda q: (-(q.rate.percent_inadequate or 0), q.rate.percent_good_or_better or 0,
                                         -q.rate.answers, q.question_key))
    return strengths[:n], areas[:n]


def group_rates(scope: sa.Subquery, column: str) -> dict:
    """Audits per team (column 'team_id') or per case type ('case_type'), by final grade."""
    key = scope.c[column]
    rows = db.session.execute(
        sa.select(key, *_rate_columns())
        .select_from(scope)
        .join(TemplateGrade, sa.and_(TemplateGrade.template_version_id == scope.c.template_version_id,
                                     TemplateGrade.value == scope.c.final_grade))
        .group_by(key)
    ).all()
    return {value: Rate(n, good or 0, bad or 0) for value, n, good, bad in rows}


def team_names() -> dict[int, str]:
    return dict(db.session.execute(sa.select(Team.id, Team.name)).all())


@dataclass
class TrendPoint:
    round_id: int
    round_name: str
    created_at: datetime
    overall: Rate
    themes: dict[str, Rate] = field(default_factory=dict)


def trend(filters: ReportFilter) -> list[TrendPoint]:
    """% Inadequate and % Good or better per round (oldest first), overall and per theme."""
    scope = audit_scope(filters).subquery()
    overall = db.session.execute(
        sa.select(AuditRound.id, AuditRound.name, AuditRound.created_at, *_rate_columns())
        .select_from(scope)
        .join(AuditRound, AuditRound.id == scope.c.round_id)
        .join(TemplateGrade, sa.and_(TemplateGrade.template_version_id == scope.c.template_version_id,
                                     TemplateGrade.value == scope.c.final_grade))
        .group_by(AuditRound.id, AuditRound.name, AuditRound.created_at)
        .order_by(AuditRound.created_at, AuditRound.id)
    ).all()
    points = {rid: TrendPoint(rid, name, created, Rate(n, good or 0, bad or 0))
              for rid, name, created, n, good, bad in overall}
    answers = answer_scope(scope).subquery()
    for rid, theme, n, good, bad in db.session.execute(
        sa.select(answers.c.round_id, QuestionTheme.theme, *_rate_columns())
        .select_from(answers)
        .join(QuestionTheme, sa.and_(QuestionTheme.template_version_id == answers.c.template_version_id,
                                     QuestionTheme.question_key == answers.c.question_key))
        .join(TemplateGrade, sa.and_(TemplateGrade.template_version_id == answers.c.template_version_id,
                                     TemplateGrade.value == answers.c.final_grade))
        .group_by(answers.c.round_id, QuestionTheme.theme)
    ):
        if rid in points:
            points[rid].themes[theme] = Rate(n, good or 0, bad or 0)
    return sorted(points.values(), key=lambda p: (p.created_at, p.round_id))


def distribution_by(scope: sa.Subquery, by: str) -> dict[str, dict[str, int]]:
    """Final grades counted per theme (answers; by="theme") or per team (audits; by="team")."""
    if by == "theme":
        answers = answer_scope(scope).subquery()
        key = QuestionTheme.theme
        query = (
            sa.select(key, TemplateGrade.label, TemplateGrade.rank, sa.func.count())
            .select_from(answers)
            .join(QuestionTheme, sa.and_(QuestionTheme.template_version_id == answers.c.template_version_id,
                                         QuestionTheme.question_key == answers.c.question_key))
            .join(TemplateGrade, sa.and_(TemplateGrade.template_version_id == answers.c.template_version_id,
                                         TemplateGrade.value == answers.c.final_grade))
        )
    else:
        key = Team.name
        query = (
            sa.select(key, TemplateGrade.label, TemplateGrade.rank, sa.func.count())
            .select_from(scope)
            .join(Team, Team.id == scope.c.team_id)
            .join(TemplateGrade, sa.and_(TemplateGrade.template_version_id == scope.c.template_version_id,
                                         TemplateGrade.value == scope.c.final_grade))
        )
    labels = scale_labels(scope)
    result: dict[str, dict[str, int]] = {}
    for name, label, _rank, n in db.session.execute(query.group_by(key, TemplateGrade.label, TemplateGrade.rank)):
        result.setdefault(name, {label: 0 for label in labels})[label] = n
    return dict(sorted(result.items()))
