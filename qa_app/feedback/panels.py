"""What family feedback adds to shared pages: its navigation, and an audit's feedback on its page."""

from qa_app.audits.permissions import can_view_audit
from qa_app.auth.models import Role
from qa_app.feedback.permissions import can_record_on
from qa_app.feedback.services import records_of_audit
from qa_app.panels import AUDIT_PANELS, NAVIGATION


def _audit(user, audit):
    if audit.template.feedback is None or not can_view_audit(user, audit):
        return None
    records = records_of_audit(audit.id)
    can_add = can_record_on(user, audit)
    if not records and not can_add:
        return None
    return {"records": records, "can_add": can_add}


def register() -> None:
    NAVIGATION.add("feedback.index", "Family feedback", (Role.QA_LEAD,), order=58)
    AUDIT_PANELS.add("feedback/_audit_panel.html", _audit, order=35)
