"""Reading learning: the training-needs counts, by theme and by team, in SQL."""

from collections import Counter, defaultdict

import sqlalchemy as sa

from qa_app.audit_forms.models import QuestionTheme
from qa_app.audits.models import Audit
from qa_app.auth.models import Team
from qa_app.cases.models import CaseFile
from qa_app.extensions import db
from qa_app.learning.models import TrainingNeed


def training_needs() -> dict:
    """{"by_theme": {theme: Counter(need)}, "by_team": {team: Counter(need)}, "total": Counter(need)}.

    A tag counts once per team (its case file's team), and under each theme of the question it is
    on (an action's tag under its question's themes; a tag with no themed question under "")."""
    by_team: dict[str, Counter] = defaultdict(Counter)
    total: Counter = Counter()
    for need, team, n in db.session.execute(
            sa.select(TrainingNeed.need, Team.name, sa.func.count())
            .join(Audit, Audit.id == TrainingNeed.audit_id).join(CaseFile, CaseFile.id == Audit.case_file_id)
            .join(Team, Team.id == CaseFile.team_id).group_by(TrainingNeed.need, Team.name)):
        by_team[team][need] += n
        total[need] += n
    by_theme: dict[str, Counter] = defaultdict(Counter)
    for need, theme, n in db.session.execute(
            sa.select(TrainingNeed.need, QuestionTheme.theme, sa.func.count())
            .join(Audit, Audit.id == TrainingNeed.audit_id)
            .outerjoin(QuestionTheme, sa.and_(QuestionTheme.template_version_id == Audit.template_version_id,
                                              QuestionTheme.question_key == TrainingNeed.question_key))
            .group_by(TrainingNeed.need, QuestionTheme.theme)):
        by_theme[theme or ""][need] += n
    return {"by_theme": dict(sorted(by_theme.items())), "by_team": dict(sorted(by_team.items())), "total": total}


def tags_of(audit_id: int) -> list[TrainingNeed]:
    return list(db.session.scalars(sa.select(TrainingNeed).where(TrainingNeed.audit_id == audit_id)
                                   .order_by(TrainingNeed.id)))
