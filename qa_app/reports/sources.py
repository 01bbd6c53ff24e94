"""The report's figures split by source: file audits, practice observations (audits in rounds whose
template observes practice) and family feedback. Every source with something in the report's scope
is present; the page shows the split where there is more than one."""

from collections import defaultdict

import sqlalchemy as sa

from qa_app.audit_forms.models import TemplateVersion
from qa_app.extensions import db
from qa_app.reports import queries

SOURCES = ("file_audit", "observation", "family_feedback")
SOURCE_LABELS = {"file_audit": "File audits", "observation": "Practice observations",
                 "family_feedback": "Family and child feedback"}


def kinds_of(version_ids) -> dict[int, str]:
    """{template version id: its template's kind}: file_audit or observation."""
    ids = set(version_ids)
    if not ids:
        return {}
    return {version.id: version.template.kind
            for version in db.session.scalars(sa.select(TemplateVersion).where(TemplateVersion.id.in_(ids)))}


def by_source(audits, answers, look, labels, feedback_source: dict, distribution, add) -> dict:
    """{source: figures}. An audit source has the report's headline figures (`audits`,
    `final_grades`, `percent_inadequate`, `percent_good_or_better`, the auditors' own two, `themes`,
    `teams` and `case_types`); family_feedback has `responses`, `scored_answers`,
    `percent_positive` and per-theme `answers` and `percent_positive`."""
    kinds = kinds_of({g.version_id for g in audits} | {g.version_id for g in answers})
    result = {}
    for source in ("file_audit", "observation"):
        own = [g for g in audits if kinds.get(g.version_id, "file_audit") == source]
        if not own:
            continue
        final, auditor = distribution(own, "final_grade", look, labels), distribution(own, "auditor_grade", look,
                                                                                       labels)
        themes: dict[str, queries.Rate] = defaultdict(lambda: queries.Rate(0, 0, 0))
        for group in answers:
            grade = look.grades.get((group.version_id, group.final_grade))
            if grade is None or kinds.get(group.version_id, "file_audit") != source:
                continue
            for theme in look.themes.get((group.version_id, group.question_key), ()):
                add(themes, theme, grade, group.n)
        teams: dict[str, queries.Rate] = defaultdict(lambda: queries.Rate(0, 0, 0))
        case_types: dict[str, queries.Rate] = defaultdict(lambda: queries.Rate(0, 0, 0))
        for group in own:
            grade = look.grades.get((group.version_id, group.final_grade))
            if grade is not None:
                add(teams, look.teams.get(group.team_id, str(group.team_id)), grade, group.n)
                add(case_types, group.case_type, grade, group.n)
        result[source] = {
            "audits": final.total, "final_grades": final.counts,
            "percent_inadequate": final.percent_inadequate, "percent_good_or_better": final.percent_good_or_better,
            "auditor_percent_inadequate": auditor.percent_inadequate,
            "auditor_percent_good_or_better": auditor.percent_good_or_better,
            "themes": {theme: _rate(rate, "answers") for theme, rate in sorted(themes.items())},
            "teams": {team: _rate(rate, "audits") for team, rate in sorted(teams.items())},
            "case_types": {code: _rate(rate, "audits") for code, rate in sorted(case_types.items())},
        }
    if feedback_source.get("responses"):
        result["family_feedback"] = feedback_source
    return result


def _rate(rate: queries.Rate, count_name: str) -> dict:
    return {count_name: rate.answers, "percent_good_or_better": rate.percent_good_or_better,
            "percent_inadequate": rate.percent_inadequate}
