"""What learning adds to shared pages: navigation, briefs to discuss on team managers' home page,
and an audit's training-need tags on its page."""

import sqlalchemy as sa

from qa_app.audits.permissions import can_view_audit
from qa_app.auth.models import Role
from qa_app.extensions import db
from qa_app.learning import queries
from qa_app.learning.models import TRAINING_NEEDS, BriefRecipient, LearningBrief
from qa_app.learning.permissions import BRIEF_READERS, can_tag
from qa_app.panels import AUDIT_PANELS, HOME_PANELS, NAVIGATION


def _home(user):
    if user.team_id is None:
        return None
    rows = db.session.execute(
        sa.select(LearningBrief, BriefRecipient).join(BriefRecipient, BriefRecipient.brief_id == LearningBrief.id)
        .where(BriefRecipient.team_id == user.team_id, LearningBrief.status == "published")
        .order_by(LearningBrief.published_at.desc()).limit(5)).all()
    if not rows:
        return None
    return {"briefs": rows, "manager": user.has_role(Role.AUDITOR)}


def _audit(user, audit):
    if not can_view_audit(user, audit):
        return None
    tags = queries.tags_of(audit.id)
    allowed = can_tag(user, audit)
    if not tags and not allowed:
        return None
    return {"tags": tags, "can_tag": allowed, "needs": TRAINING_NEEDS}


def register() -> None:
    NAVIGATION.add("learning.index", "Learning", BRIEF_READERS, order=62)
    HOME_PANELS.add("learning/_home_panel.html", _home, order=40)
    AUDIT_PANELS.add("learning/_audit_panel.html", _audit, order=40)
