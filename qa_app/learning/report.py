"""The report's `since_brief`: each theme's change since the last earlier round whose learning brief
was published. Read-only; it takes the round's theme figures from the report's own trend."""

import sqlalchemy as sa

from qa_app.extensions import db
from qa_app.learning.models import BriefStatus, LearningBrief
from qa_app.rounds.models import AuditRound


def since_brief(round_, report: dict) -> dict | None:
    """{"round", "brief", "published_on", "themes": {theme: {"before", "now", "change"}}} (percent
    Good or better, change in points), or None when no earlier round has a published brief."""
    if round_ is None:
        return None
    row = db.session.execute(
        sa.select(LearningBrief, AuditRound).join(AuditRound, AuditRound.id == LearningBrief.round_id)
        .where(LearningBrief.status == BriefStatus.PUBLISHED, AuditRound.id != round_.id,
               AuditRound.created_at < round_.created_at)
        .order_by(AuditRound.created_at.desc()).limit(1)).first()
    if row is None:
        return None
    brief, earlier = row
    then = next((point for point in report.get("trend", []) if point["round"] == earlier.name), None)
    before = then["themes"] if then else {}
    themes = {}
    for theme, figures in report.get("themes", {}).items():
        old = (before.get(theme) or {}).get("percent_good_or_better")
        now = figures.get("percent_good_or_better")
        themes[theme] = {"before": old, "now": now,
                         "change": round(now - old, 1) if now is not None and old is not None else None}
    return {"round": earlier.name, "brief": brief.title, "published_on": brief.published_at.date().isoformat(),
            "themes": themes}
