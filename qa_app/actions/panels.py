"""What the actions add to shared pages: navigation, the owner's and the worker's home panels, and
an audit's actions and reflections on its page."""

from datetime import date

import sqlalchemy as sa

from qa_app.actions import queries
from qa_app.actions.permissions import can_check_actions, can_reflect, can_view_actions_of
from qa_app.actions.services import OWNER_ROLES
from qa_app.audits.models import Audit
from qa_app.audits.workflow import SUBMITTED_STATES
from qa_app.auth.models import Role
from qa_app.cases.models import CaseFile
from qa_app.extensions import db
from qa_app.panels import AUDIT_PANELS, HOME_PANELS, NAVIGATION
from qa_app.rounds.models import AuditRound


def _home_actions(user):
    if not user.has_role(*OWNER_ROLES):
        return None
    counts = queries.counts_for_owner(user.id, date.today())
    if not (counts.open or counts.waiting):
        return None
    return {"action_counts": counts}


def _home_reflections(user):
    if not user.has_role(Role.PRACTITIONER):
        return None
    audits = [a for a in db.session.scalars(
        sa.select(Audit).join(CaseFile, CaseFile.id == Audit.case_file_id)
        .join(AuditRound, AuditRound.id == Audit.round_id)
        .where(AuditRound.reflections_enabled.is_(True), Audit.status.in_([s.value for s in SUBMITTED_STATES]),
               CaseFile.worker_id == user.id)
        .order_by(Audit.submitted_at.desc()).limit(20)) if can_reflect(user, a)]
    return {"reflection_audits": audits} if audits else None


def _audit_actions(user, audit):
    if not can_view_actions_of(user, audit):
        return None
    actions = queries.actions_of_audit(audit.id)
    can_add = audit.status in SUBMITTED_STATES and can_check_actions(user, audit)
    if not actions and not can_add:
        return None
    questions = {q.key: q.text for q in audit.template.questions()}
    return {"audit_actions": actions, "can_add_action": can_add, "questions": questions}


def _audit_reflections(user, audit):
    reflections = queries.reflections_of(audit.id)
    if not reflections:
        return None
    return {"reflections": reflections}


def register() -> None:
    NAVIGATION.add("actions.mine", "My actions", OWNER_ROLES, order=15)
    HOME_PANELS.add("actions/_home_panel.html", _home_actions, order=20)
    HOME_PANELS.add("actions/_home_reflections.html", _home_reflections, order=21)
    AUDIT_PANELS.add("actions/_audit_panel.html", _audit_actions, order=30)
    AUDIT_PANELS.add("actions/_reflections_panel.html", _audit_reflections, order=31)
