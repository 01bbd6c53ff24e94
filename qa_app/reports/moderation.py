"""The report's moderation figures: the agreement maths of qa_app.moderation.statistics, applied to
the report's scope (its rounds, team, case type and dates)."""

from collections import Counter, defaultdict

import sqlalchemy as sa

from qa_app.audit_forms.models import QuestionTheme, TemplateGrade
from qa_app.auth.models import User
from qa_app.extensions import db
from qa_app.moderation.statistics import agreement
from qa_app.reports.queries import answer_scope


def _figures(counts: Counter, categories: list[int]) -> dict:
    result = agreement(counts, categories)
    def r(value):
        return None if value is None else round(value, 1)
    return {
        "pairs": result.n, "exact_agreement": r(result.exact_percent), "within_one": r(result.within_one_percent),
        "weighted_kappa": None if result.kappa is None else round(result.kappa, 3),
        "agreed": result.exact, "moderated_worse": result.worse, "moderated_better": result.better,
        "percent_moderated_worse": r(result.worse_percent), "percent_moderated_better": r(result.better_percent),
    }


def _categories(scope) -> list[int]:
    """The grades of the scale used in scope, best first (every category, used or not)."""
    versions = sa.select(scope.c.template_version_id).distinct().scalar_subquery()
    rows = db.session.execute(
        sa.select(TemplateGrade.value, sa.func.min(TemplateGrade.rank))
        .where(TemplateGrade.template_version_id.in_(versions))
        .group_by(TemplateGrade.value).order_by(sa.func.min(TemplateGrade.rank), TemplateGrade.value)
    ).all()
    return [value for value, _ in rows]


def report_figures(scope) -> dict:
    """Agreement over the moderated audits in scope (overall grades), with the same figures per
    auditor, per question and per theme (question-level pairs)."""
    categories = _categories(scope)
    overall: Counter = Counter()
    by_auditor: dict[str, Counter] = defaultdict(Counter)
    for name, auditor_grade, moderated_grade, n in db.session.execute(
        sa.select(User.display_name, scope.c.auditor_grade, scope.c.moderated_grade, sa.func.count())
        .select_from(scope).join(User, User.id == scope.c.auditor_id)
        .where(scope.c.moderated_grade.is_not(None), scope.c.auditor_grade.is_not(None))
        .group_by(User.display_name, scope.c.auditor_grade, scope.c.moderated_grade)
    ):
        overall[(auditor_grade, moderated_grade)] += n
        by_auditor[name][(auditor_grade, moderated_grade)] += n
    graded = answer_scope(scope)
    answers = graded.where(graded.selected_columns.moderated_grade.is_not(None)).subquery()
    by_question: dict[str, Counter] = defaultdict(Counter)
    for key, auditor_grade, moderated_grade, n in db.session.execute(
        sa.select(answers.c.question_key, answers.c.auditor_grade, answers.c.moderated_grade, sa.func.count())
        .where(answers.c.auditor_grade.is_not(None))
        .group_by(answers.c.question_key, answers.c.auditor_grade, answers.c.moderated_grade)
    ):
        by_question[key][(auditor_grade, moderated_grade)] += n
    by_theme: dict[str, Counter] = defaultdict(Counter)
    for theme, auditor_grade, moderated_grade, n in db.session.execute(
        sa.select(QuestionTheme.theme, answers.c.auditor_grade, answers.c.moderated_grade, sa.func.count())
        .select_from(answers)
        .join(QuestionTheme, sa.and_(QuestionTheme.template_version_id == answers.c.template_version_id,
                                     QuestionTheme.question_key == answers.c.question_key))
        .where(answers.c.auditor_grade.is_not(None))
        .group_by(QuestionTheme.theme, answers.c.auditor_grade, answers.c.moderated_grade)
    ):
        by_theme[theme][(auditor_grade, moderated_grade)] += n
    figures = _figures(overall, categories)
    figures["by_auditor"] = {name: _figures(c, categories) for name, c in sorted(by_auditor.items())}
    figures["by_question"] = {key: _figures(c, categories) for key, c in sorted(by_question.items())}
    figures["by_theme"] = {theme: _figures(c, categories) for theme, c in sorted(by_theme.items())}
    return figures
