"""What the audits add to shared pages: navigation, and a case file's audits on its page."""

import sqlalchemy as sa

from qa_app.audits.models import Audit
from qa_app.audits.permissions import AUDITING_ROLES, can_view_audit
from qa_app.audits.workflow import SUBMITTED_STATES, AuditStatus
from qa_app.extensions import db
from qa_app.panels import CASE_PANELS, NAVIGATION


def _case_audits(user, case_file) -> dict:
    """Everyone who may see the case file sees its audit outcomes (round, status, final grade);
    only those who may open an audit get the link to its answers."""
    audits = [a for a in db.session.scalars(
        sa.select(Audit).where(Audit.case_file_id == case_file.id, Audit.status != AuditStatus.REMOVED)
        .order_by(Audit.created_at.desc())
    ) if a.status in SUBMITTED_STATES or can_view_audit(user, a)]
    return {"audits": audits, "openable": {a.id for a in audits if can_view_audit(user, a)}}


def register() -> None:
    NAVIGATION.add("audits.mine", "My audits", AUDITING_ROLES, order=10)
    CASE_PANELS.add("audits/_case_panel.html", _case_audits, order=0)
