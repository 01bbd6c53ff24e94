"""The report's family and child feedback figures, counted in SQL for a report's scope. Read-only.

A response is one feedback record. Its yes/partly/no answers are scored: "yes" is positive, and
"not applicable" does not count. `percent_positive` is the positive share of the scored answers,
0–100 to one decimal (None with none).
"""

from collections import defaultdict
from datetime import datetime, time

import sqlalchemy as sa

from qa_app.audit_forms.models import TemplateVersion
from qa_app.cases.models import CaseFile
from qa_app.extensions import db
from qa_app.feedback.models import FeedbackAnswer, FeedbackRecord, Respondent

SCORED = ("yes", "partly", "no")


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def feedback_scope(filters) -> sa.Select:
    """The feedback records a report's filters select: its rounds, team and case type (the case
    file's), and dates (the day the feedback was given)."""
    query = sa.select(FeedbackRecord.id).join(CaseFile, CaseFile.id == FeedbackRecord.case_file_id)
    if filters.round_ids:
        query = query.where(FeedbackRecord.round_id.in_(filters.round_ids))
    if filters.team_id:
        query = query.where(CaseFile.team_id == filters.team_id)
    if filters.case_type:
        query = query.where(CaseFile.case_type == filters.case_type)
    if filters.date_from:
        query = query.where(FeedbackRecord.received_on >= filters.date_from)
    if filters.date_to:
        query = query.where(FeedbackRecord.received_on <= datetime.combine(filters.date_to, time.max).date())
    return query


def feedback_figures(filters) -> dict:
    """{"feedback": {respondent: {responses, percent_positive}}, "source": the same overall with
    per-theme figures} for the report's `feedback` key and its `by_source` family_feedback entry."""
    scope = feedback_scope(filters).subquery()
    responses = dict(db.session.execute(
        sa.select(FeedbackRecord.respondent, sa.func.count()).where(FeedbackRecord.id.in_(sa.select(scope.c.id)))
        .group_by(FeedbackRecord.respondent)).all())
    scored = db.session.execute(
        sa.select(FeedbackRecord.respondent, FeedbackRecord.template_version_id, FeedbackAnswer.question_key,
                  FeedbackAnswer.value, sa.func.count())
        .join(FeedbackAnswer, FeedbackAnswer.record_id == FeedbackRecord.id)
        .where(FeedbackRecord.id.in_(sa.select(scope.c.id)), FeedbackAnswer.scored.is_(True),
               FeedbackAnswer.value.in_(SCORED))
        .group_by(FeedbackRecord.respondent, FeedbackRecord.template_version_id, FeedbackAnswer.question_key,
                  FeedbackAnswer.value)).all()
    themes_of = _feedback_themes({version for _, version, *_ in scored})
    by_respondent: dict[str, list[int]] = defaultdict(lambda: [0, 0])   # [positive, scored]
    by_theme: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for respondent, version, key, value, n in scored:
        tallies = [by_respondent[respondent]] + [by_theme[t] for t in themes_of.get((version, key), ())]
        for tally in tallies:
            tally[0] += n if value == "yes" else 0
            tally[1] += n
    feedback = {r.value: {"responses": responses[r.value], "percent_positive": percent(*by_respondent[r.value])}
                for r in Respondent if responses.get(r.value)}
    positive = sum(t[0] for t in by_respondent.values())
    total = sum(t[1] for t in by_respondent.values())
    source = {"responses": sum(responses.values()), "scored_answers": total,
              "percent_positive": percent(positive, total),
              "themes": {theme: {"answers": t[1], "percent_positive": percent(*t)}
                         for theme, t in sorted(by_theme.items())}}
    return {"feedback": feedback, "source": source}


def _feedback_themes(version_ids: set[int]) -> dict[tuple[int, str], tuple[str, ...]]:
    result = {}
    for version in db.session.scalars(sa.select(TemplateVersion).where(TemplateVersion.id.in_(version_ids))):
        section = version.template.feedback
        for question in section.questions if section else ():
            result[(version.id, question.key)] = question.themes
    return result
