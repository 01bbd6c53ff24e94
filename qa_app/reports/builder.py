"""The report as one structure: used by the page, `report round --json` and the Excel export."""

from datetime import date

import sqlalchemy as sa

from qa_app.actions.models import Action, ActionStatus
from qa_app.audit_forms.schema import THEME_LABELS, THEMES
from qa_app.cases.models import CASE_TYPE_LABELS, CaseType
from qa_app.extensions import db
from qa_app.reports import queries
from qa_app.reports.queries import ReportFilter, percent
from qa_app.rounds.models import AuditRound


def build_report(filters: ReportFilter, *, today: date | None = None, round_name: str | None = None) -> dict:
    """Every figure of the report, as plain JSON-able data (see docs/reports.md)."""
    today = today or date.today()
    scope = queries.audit_scope(filters).subquery()
    final = queries.grade_distribution(scope, "final_grade")
    auditor = queries.grade_distribution(scope, "auditor_grade")
    teams = queries.team_names()
    themes = queries.theme_rates(scope)
    question_rates = queries.question_rates(scope)
    strengths, areas = queries.strengths_and_areas(question_rates)
    by_team = queries.group_rates(scope, "team_id")
    by_case_type = queries.group_rates(scope, "case_type")
    report = {
        "round": round_name,
        "filters": filters.describe(teams),
        "audits": final.total,
        "final_grades": final.counts,
        "auditor_grades": auditor.counts,
        "percent_inadequate": final.percent_inadequate,
        "percent_good_or_better": final.percent_good_or_better,
        "auditor_percent_inadequate": auditor.percent_inadequate,
        "auditor_percent_good_or_better": auditor.percent_good_or_better,
        "moderation": moderation_section(scope),
        "themes": {
            theme: _rate_dict(themes[theme], "answers") for theme in THEMES if theme in themes
        },
        "strengths": [_question_dict(q) for q in strengths],
        "areas_for_development": [_question_dict(q) for q in areas],
        "teams": {
            teams.get(team_id, str(team_id)): {"audits": rate.answers, "percent_inadequate": rate.percent_inadequate,
                                               "percent_good_or_better": rate.percent_good_or_better}
            for team_id, rate in sorted(by_team.items(), key=lambda item: teams.get(item[0], ""))
        },
        "case_types": {
            code: {"label": CASE_TYPE_LABELS[CaseType(code)], "audits": rate.answers,
                   "percent_inadequate": rate.percent_inadequate,
                   "percent_good_or_better": rate.percent_good_or_better}
            for code, rate in sorted(by_case_type.items())
        },
        "grades_by_theme": queries.distribution_by(scope, "theme"),
        "grades_by_team": queries.distribution_by(scope, "team"),
        "actions": actions_section(scope, today),
        "trend": [
            {"round": point.round_name, "audits": point.overall.answers,
             "percent_inadequate": point.overall.percent_inadequate,
             "percent_good_or_better": point.overall.percent_good_or_better,
             "themes": {theme: {"percent_inadequate": rate.percent_inadequate,
                                "percent_good_or_better": rate.percent_good_or_better}
                        for theme, rate in point.themes.items()}}
            for point in queries.trend(ReportFilter(team_id=filters.team_id, case_type=filters.case_type,
                                                    date_from=filters.date_from, date_to=filters.date_to))
        ],
    }
    return report


def round_report(round_: AuditRound, **kwargs) -> dict:
    return build_report(ReportFilter(round_ids=(round_.id,)), round_name=round_.name, **kwargs)


def find_round(ident: str) -> AuditRound | None:
    """A round by its id or its exact name."""
    round_ = db.session.scalar(sa.select(AuditRound).where(AuditRound.name == ident))
    if round_ is None and ident.isdigit():
        round_ = db.session.get(AuditRound, int(ident))
    return round_


def moderation_section(scope) -> dict:
    from qa_app.reports.moderation import report_figures

    return report_figures(scope)


def actions_section(scope, today: date) -> dict:
    """Actions on the audits in scope: open, done, verified, reopened; overdue derived from the due date."""
    status_rows = db.session.execute(
        sa.select(Action.status, sa.func.count())
        .where(Action.audit_id.in_(sa.select(scope.c.audit_id)))
        .group_by(Action.status)
    ).all()
    counts = {status.value: 0 for status in ActionStatus}
    counts.update({status: n for status, n in status_rows})
    overdue = db.session.scalar(
        sa.select(sa.func.count())
        .where(Action.audit_id.in_(sa.select(scope.c.audit_id)),
               Action.status.in_([ActionStatus.OPEN, ActionStatus.REOPENED]), Action.due_date < today)
    )
    counts["overdue"] = overdue or 0
    counts["total"] = sum(n for status, n in counts.items() if status in {s.value for s in ActionStatus})
    return counts


def _rate_dict(rate: queries.Rate, count_name: str) -> dict:
    return {count_name: rate.answers, "percent_good_or_better": rate.percent_good_or_better,
            "percent_inadequate": rate.percent_inadequate}


def _question_dict(question: queries.QuestionRate) -> dict:
    return {"template": question.template_key, "question": question.question_key, "text": question.text.strip(),
            **_rate_dict(question.rate, "answers")}


THEME_NAMES = THEME_LABELS
__all__ = ["ReportFilter", "build_report", "find_round", "percent", "round_report", "THEME_NAMES"]
