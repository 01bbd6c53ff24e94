"""The report's raw material: audits and answers counted in SQL by every dimension the report
cuts them by, in one grouped query each. The groups are few (rounds × teams × grades …, not
audits), so every figure of the report is then summed from them without another pass over the
audits or answers."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from qa_app.audit_forms.models import QuestionTheme, TemplateGrade, TemplateQuestion, TemplateVersion
from qa_app.audits.models import Audit
from qa_app.auth.models import Team, User
from qa_app.extensions import db
from qa_app.reports.queries import ReportFilter, answer_scope, audit_scope
from qa_app.rounds.models import AuditRound


@dataclass(frozen=True)
class AuditGroup:
    round_id: int
    version_id: int
    team_id: int
    case_type: str
    auditor_id: int | None
    auditor_grade: int | None
    moderated_grade: int | None   # None: not moderated (or the moderation is not completed)
    final_grade: int | None
    n: int


@dataclass(frozen=True)
class AnswerGroup:
    round_id: int
    version_id: int
    question_key: str
    auditor_grade: int | None
    moderated_grade: int | None
    final_grade: int
    n: int


@dataclass(frozen=True)
class Grade:
    rank: int
    label: str
    good_or_better: bool
    inadequate: bool


@dataclass
class Lookups:
    """The small tables the groups refer to, loaded once."""

    grades: dict[tuple[int, int], Grade] = field(default_factory=dict)
    themes: dict[tuple[int, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    questions: dict[tuple[int, str], tuple[str, str]] = field(default_factory=dict)  # → (template key, text)
    teams: dict[int, str] = field(default_factory=dict)
    rounds: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    # When each round's audits began to be submitted: rounds are ordered in time by this (an
    # imported round is created long after its audits were done).
    round_dates: dict[int, datetime] = field(default_factory=dict)
    people: dict[int, str] = field(default_factory=dict)

    def round_order(self, round_id: int) -> tuple:
        """Rounds in time order: by their first submitted audit, else when they were created."""
        return (self.round_dates.get(round_id) or self.rounds[round_id][1], round_id)

    def labels(self, version_ids) -> list[str]:
        """Every grade label of these versions' scales, best first."""
        best: dict[str, int] = {}
        for (version, _value), grade in self.grades.items():
            if version in version_ids:
                best[grade.label] = min(best.get(grade.label, grade.rank), grade.rank)
        return sorted(best, key=lambda label: (best[label], label))


def audit_groups(filters: ReportFilter) -> list[AuditGroup]:
    scope = audit_scope(filters).subquery()
    columns = (scope.c.round_id, scope.c.template_version_id, scope.c.team_id, scope.c.case_type,
               scope.c.auditor_id, scope.c.auditor_grade, scope.c.moderated_grade, scope.c.final_grade)
    return [AuditGroup(*row) for row in db.session.execute(
        sa.select(*columns, sa.func.count()).group_by(*columns))]


def answer_groups(filters: ReportFilter) -> list[AnswerGroup]:
    answers = answer_scope(audit_scope(filters).subquery()).subquery()
    columns = (answers.c.round_id, answers.c.template_version_id, answers.c.question_key, answers.c.auditor_grade,
               answers.c.moderated_grade, answers.c.final_grade)
    return [AnswerGroup(*row) for row in db.session.execute(
        sa.select(*columns, sa.func.count()).group_by(*columns))]


def lookups() -> Lookups:
    result = Lookups()
    for version, value, rank, label, good, bad in db.session.execute(
            sa.select(TemplateGrade.template_version_id, TemplateGrade.value, TemplateGrade.rank, TemplateGrade.label,
                      TemplateGrade.good_or_better, TemplateGrade.inadequate)):
        result.grades[(version, value)] = Grade(rank, label, bool(good), bool(bad))
    for version, key, theme in db.session.execute(
            sa.select(QuestionTheme.template_version_id, QuestionTheme.question_key, QuestionTheme.theme)):
        result.themes[(version, key)].append(theme)
    for version, key, template_key, text in db.session.execute(
            sa.select(TemplateQuestion.template_version_id, TemplateQuestion.key, TemplateVersion.key,
                      TemplateQuestion.text)
            .join(TemplateVersion, TemplateVersion.id == TemplateQuestion.template_version_id)):
        result.questions[(version, key)] = (template_key, " ".join(text.split()))
    result.teams = dict(db.session.execute(sa.select(Team.id, Team.name)).all())
    result.rounds = {rid: (name, created) for rid, name, created in db.session.execute(
        sa.select(AuditRound.id, AuditRound.name, AuditRound.created_at))}
    result.round_dates = dict(db.session.execute(
        sa.select(Audit.round_id, sa.func.min(Audit.submitted_at)).where(Audit.submitted_at.is_not(None))
        .group_by(Audit.round_id)).all())
    result.people = dict(db.session.execute(sa.select(User.id, User.display_name)).all())
    return result
