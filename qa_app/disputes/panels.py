"""What disputes add to shared pages: navigation, disputes to decide on the home page, and the
dispute (or the way to raise one) on a moderated audit's page."""

from datetime import date

import sqlalchemy as sa

from qa_app.disputes import services
from qa_app.disputes.models import Dispute, DisputeStatus
from qa_app.disputes.permissions import can_decide, can_raise, can_view, deadline
from qa_app.disputes.views import DISPUTE_ROLES
from qa_app.extensions import db
from qa_app.panels import AUDIT_PANELS, HOME_PANELS, NAVIGATION


def _audit(user, audit):
    dispute = services.dispute_of(audit)
    if dispute is not None:
        return {"dispute": dispute} if can_view(user, dispute) else None
    moderation = services.moderation_of(audit)
    window = services.window_days()
    if not can_raise(user, audit, moderation, None, today=date.today(), window_days=window):
        return None
    return {"dispute": None, "deadline": deadline(moderation, window)}


def _home(user):
    if not user.has_role(*DISPUTE_ROLES[1:]):
        return None
    open_ = [d for d in db.session.scalars(sa.select(Dispute).where(Dispute.status == DisputeStatus.OPEN))
             if can_decide(user, d)]
    return {"to_decide": open_} if open_ else None


def register() -> None:
    NAVIGATION.add("disputes.index", "Disputes", DISPUTE_ROLES, order=28)
    HOME_PANELS.add("disputes/_home_panel.html", _home, order=16)
    AUDIT_PANELS.add("disputes/_audit_panel.html", _audit, order=21)
