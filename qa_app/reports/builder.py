"""The report as one structure: used by the page, `report round --json` and the Excel export."""

from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from qa_app.actions.models import Action, ActionStatus
from qa_app.audits.models import Audit
from qa_app.audit_forms.schema import THEME_LABELS, THEMES
from qa_app.cases.models import CASE_TYPE_LABELS, CaseType
from qa_app.challenges.report import period_figures
from qa_app.disputes.services import figures as dispute_figures
from qa_app.extensions import db
from qa_app.feedback.report import feedback_figures
from qa_app.learning.report import since_brief
from qa_app.practice.report import practice_section
from qa_app.reports import facts, queries
from qa_app.reports.completion import completion_section
from qa_app.reports.compliance import (
    SMALL_NUMBER, build_compliance, compliance_by_round, compliance_groups, compliance_trend, question_texts,
)
from qa_app.reports.moderation import moderation_figures
from qa_app.reports.queries import ReportFilter, percent
from qa_app.reports.sources import by_source
from qa_app.reports.targets import targets_section
from qa_app.rounds.models import AuditRound


def build_report(filters: ReportFilter, *, today: date | None = None, round_name: str | None = None,
                 with_challenges: bool = True) -> dict:
    """Every figure of the report, as plain JSON-able data (its JSON keys: docs/cli.md, `report round`).

    Two grouped queries (audits, answers) feed every figure; the trend across rounds needs two more
    when the report is limited to some rounds.
    """
    today = today or date.today()
    look = facts.lookups()
    challenges = period_figures(filters.date_from or date(2000, 1, 1), filters.date_to or today, today,
                                team_id=filters.team_id) if with_challenges else None
    audits = facts.audit_groups(filters)
    answers = facts.answer_groups(filters)
    family = feedback_figures(filters)
    versions = {g.version_id for g in audits}
    labels = look.labels(versions)
    final, auditor = _distribution(audits, "final_grade", look, labels), _distribution(audits, "auditor_grade",
                                                                                         look, labels)
    themes: dict[str, queries.Rate] = defaultdict(lambda: queries.Rate(0, 0, 0))
    theme_grades: dict[str, dict[str, int]] = {}
    question_rates: dict[tuple[str, str], list] = {}
    for group in answers:
        grade = look.grades.get((group.version_id, group.final_grade))
        if grade is None:
            continue
        for theme in look.themes.get((group.version_id, group.question_key), ()):
            _add(themes, theme, grade, group.n)
            theme_grades.setdefault(theme, dict.fromkeys(labels, 0))[grade.label] += group.n
        template_key, text = look.questions.get((group.version_id, group.question_key), ("", group.question_key))
        entry = question_rates.setdefault((template_key, group.question_key), [text, queries.Rate(0, 0, 0)])
        entry[1] = _plus(entry[1], grade, group.n)
    rates = [queries.QuestionRate(key, question, text, rate) for (key, question), (text, rate) in question_rates.items()]
    strengths, areas = queries.strengths_and_areas(rates)
    teams: dict[str, queries.Rate] = defaultdict(lambda: queries.Rate(0, 0, 0))
    team_grades: dict[str, dict[str, int]] = {}
    case_types: dict[str, queries.Rate] = defaultdict(lambda: queries.Rate(0, 0, 0))
    for group in audits:
        grade = look.grades.get((group.version_id, group.final_grade))
        if grade is None:
            continue
        team = look.teams.get(group.team_id, str(group.team_id))
        _add(teams, team, grade, group.n)
        team_grades.setdefault(team, dict.fromkeys(labels, 0))[grade.label] += group.n
        _add(case_types, group.case_type, grade, group.n)
    compliance_rows = compliance_groups(filters)
    if filters.round_ids:
        wider = ReportFilter(team_id=filters.team_id, case_type=filters.case_type, date_from=filters.date_from,
                             date_to=filters.date_to)
        trend_audits, trend_answers = facts.audit_groups(wider), facts.answer_groups(wider)
        trend_compliance = compliance_groups(wider)
    else:
        trend_audits, trend_answers, trend_compliance = audits, answers, compliance_rows
    theme_audits = _theme_audit_floor(answers, look)
    report = {
        "round": round_name,
        "filters": filters.describe(look.teams),
        "audits": final.total,
        "final_grades": final.counts,
        "auditor_grades": auditor.counts,
        "percent_inadequate": final.percent_inadequate,
        "percent_good_or_better": final.percent_good_or_better,
        "auditor_percent_inadequate": auditor.percent_inadequate,
        "auditor_percent_good_or_better": auditor.percent_good_or_better,
        "moderation": moderation_figures(audits, answers, look, versions)
        | {"disputes": dispute_figures(sa.select(queries.audit_scope(filters).subquery().c.audit_id))},
        "small_number": final.total < SMALL_NUMBER,
        "themes": {theme: _rate_dict(themes[theme], "answers") | {"small_number": theme_audits[theme] < SMALL_NUMBER}
                   for theme in THEMES if theme in themes},
        "strengths": [_question_dict(q) for q in strengths],
        "areas_for_development": [_question_dict(q) for q in areas],
        "teams": {team: {"audits": rate.answers, "percent_inadequate": rate.percent_inadequate,
                         "percent_good_or_better": rate.percent_good_or_better,
                         "small_number": rate.answers < SMALL_NUMBER}
                  for team, rate in sorted(teams.items())},
        "case_types": {code: {"label": CASE_TYPE_LABELS[CaseType(code)], "audits": rate.answers,
                              "percent_inadequate": rate.percent_inadequate,
                              "percent_good_or_better": rate.percent_good_or_better,
                              "small_number": rate.answers < SMALL_NUMBER}
                       for code, rate in sorted(case_types.items())},
        "grades_by_theme": dict(sorted(theme_grades.items())),
        "grades_by_team": dict(sorted(team_grades.items())),
        "actions": actions_section(filters, today),
        "reviews": reviews_section(filters, look),
        "challenges": challenges,
        "trend": _trend(trend_audits, trend_answers, look, compliance_by_round(trend_compliance)),
        "compliance": build_compliance(compliance_rows, texts := question_texts()),
        "completion": completion_section(filters, today),
        "worker_feedback": practice_section(queries.audit_scope(filters).subquery()),
        "feedback": family["feedback"],
        "by_source": by_source(audits, answers, look, labels, family["source"], _distribution, _add),
    }
    report["compliance_trend"] = compliance_trend(report["trend"], texts)
    report["compliance_themes"] = _compliance_themes(report["compliance"], audits, look)
    report["targets"] = targets_section(report)
    # One round: each theme's change since the last earlier round whose learning brief went out.
    report["since_brief"] = since_brief(db.session.get(AuditRound, filters.round_ids[0]), report) \
        if len(filters.round_ids) == 1 else None
    return report


def _theme_audit_floor(answers, look) -> dict[str, int]:
    """Per theme, the most answers any one question of it has: a floor on the audits behind the
    theme's figure (an audit answers a question once), so a theme under 5 is marked as small."""
    per_question: dict[tuple[str, str], int] = defaultdict(int)
    for group in answers:
        for theme in look.themes.get((group.version_id, group.question_key), ()):
            per_question[(theme, group.question_key)] += group.n
    floor: dict[str, int] = defaultdict(int)
    for (theme, _key), n in per_question.items():
        floor[theme] = max(floor[theme], n)
    return floor


def _compliance_themes(compliance: dict, audits, look) -> dict[str, list[str]]:
    """theme → the compliance questions tagged with it, for the page (questions with no theme
    under "other")."""
    versions = {g.version_id for g in audits}
    themes: dict[str, set[str]] = defaultdict(set)
    for (version, key), names in look.themes.items():
        if version in versions and key in compliance:
            themes[key].update(names)
    result: dict[str, list[str]] = {}
    for key in compliance:
        for theme in sorted(themes.get(key) or {"other"}, key=lambda t: (t == "other", THEMES.index(t) if t in THEMES else 0)):
            result.setdefault(theme, []).append(key)
    return {theme: result[theme] for theme in [*THEMES, "other"] if theme in result}


def _plus(rate: queries.Rate, grade, n: int) -> queries.Rate:
    return queries.Rate(rate.answers + n, rate.good_or_better + (n if grade.good_or_better else 0),
                        rate.inadequate + (n if grade.inadequate else 0))


def _add(rates: dict, key, grade, n: int) -> None:
    rates[key] = _plus(rates[key], grade, n)


def _distribution(groups, attribute: str, look, labels: list[str]) -> queries.Distribution:
    counts = dict.fromkeys(labels, 0)
    total = good = bad = 0
    for group in groups:
        grade = look.grades.get((group.version_id, getattr(group, attribute)))
        if grade is None:
            continue
        counts[grade.label] = counts.get(grade.label, 0) + group.n
        total += group.n
        good += group.n if grade.good_or_better else 0
        bad += group.n if grade.inadequate else 0
    return queries.Distribution(counts=counts, total=total, good_or_better=good, inadequate=bad)


def _trend(audits, answers, look, compliance: dict | None = None) -> list[dict]:
    overall: dict[int, queries.Rate] = defaultdict(lambda: queries.Rate(0, 0, 0))
    themes: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: queries.Rate(0, 0, 0)))
    for group in audits:
        grade = look.grades.get((group.version_id, group.final_grade))
        if grade is not None:
            _add(overall, group.round_id, grade, group.n)
    for group in answers:
        grade = look.grades.get((group.version_id, group.final_grade))
        if grade is not None:
            for theme in look.themes.get((group.version_id, group.question_key), ()):
                _add(themes[group.round_id], theme, grade, group.n)
    ordered = sorted(overall, key=look.round_order)
    compliance = compliance or {}
    return [{"round": look.rounds[rid][0], "round_id": rid, "audits": overall[rid].answers,
             "small_number": overall[rid].answers < SMALL_NUMBER,
             "compliance_percent_yes": {key: f["percent_yes"] for key, f in compliance.get(rid, {}).items()},
             "compliance_answers": {key: f["answers"] for key, f in compliance.get(rid, {}).items()},
             "percent_inadequate": overall[rid].percent_inadequate,
             "percent_good_or_better": overall[rid].percent_good_or_better,
             "themes": {theme: {"percent_inadequate": rate.percent_inadequate,
                                "percent_good_or_better": rate.percent_good_or_better}
                        for theme, rate in sorted(themes[rid].items())}}
            for rid in ordered]


def round_report(round_: AuditRound, **kwargs) -> dict:
    """One round's figures. IRO challenges belong to periods, not rounds: the period report has them."""
    return build_report(ReportFilter(round_ids=(round_.id,)), round_name=round_.name, with_challenges=False,
                        **kwargs)


def find_round(ident: str) -> AuditRound | None:
    """A round by its id or its exact name."""
    round_ = db.session.scalar(sa.select(AuditRound).where(AuditRound.name == ident))
    if round_ is None and ident.isdigit():
        round_ = db.session.get(AuditRound, int(ident))
    return round_


def reviews_section(filters: ReportFilter, look) -> dict:
    """Follow-up audits in scope: findings re-checked and put right, and the file's grade before
    (the earlier audit's final grade) and after (the follow-up's)."""
    from qa_app.audits.queries import final_overall_grades
    from qa_app.reviews.models import ReviewCheck

    scope = queries.audit_scope(filters).subquery()
    reviewed = db.session.execute(
        sa.select(scope.c.audit_id, scope.c.template_version_id, scope.c.final_grade, Audit.reviews_audit_id)
        .join(Audit, Audit.id == scope.c.audit_id).where(Audit.reviews_audit_id.is_not(None))
    ).all()
    checks = dict(db.session.execute(
        sa.select(ReviewCheck.in_place, sa.func.count())
        .where(ReviewCheck.audit_id.in_(sa.select(scope.c.audit_id)), ReviewCheck.in_place.is_not(None))
        .group_by(ReviewCheck.in_place)
    ).all())
    earlier = final_overall_grades(row.reviews_audit_id for row in reviewed)
    better = same = worse = 0
    for row in reviewed:
        before = look.grades.get((row.template_version_id, earlier.get(row.reviews_audit_id)))
        after = look.grades.get((row.template_version_id, row.final_grade))
        if before is None or after is None:
            continue
        better += after.rank < before.rank
        same += after.rank == before.rank
        worse += after.rank > before.rank
    findings = sum(checks.values())
    return {"follow_up_audits": len(reviewed), "findings": findings, "findings_put_right": checks.get("yes", 0),
            "findings_partly_put_right": checks.get("partly", 0), "findings_not_put_right": checks.get("no", 0),
            "percent_put_right": percent(checks.get("yes", 0), findings),
            "grade_better": better, "grade_same": same, "grade_worse": worse}


def actions_section(filters: ReportFilter, today: date) -> dict:
    """Actions on the audits in scope: open, done, verified, reopened; overdue derived from the due date."""
    scope = queries.audit_scope(filters).subquery()
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
