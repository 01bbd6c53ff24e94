"""What the moderation feature adds to shared pages: navigation, the home panel, and the result and
return comments on an audit's page."""

from qa_app.audits.models import Audit
from qa_app.audits.workflow import AuditStatus
from qa_app.auth.models import Role
from qa_app.moderation import queries
from qa_app.moderation.permissions import MODERATING_ROLES, can_see_result
from qa_app.moderation.workflow import ModerationStatus
from qa_app.panels import AUDIT_PANELS, HOME_PANELS, NAVIGATION


def _home_panel(user) -> dict | None:
    if not user.has_role(*MODERATING_ROLES):
        return None
    return {"count": queries.queue_count(user.id)}


def _return_panel(user, audit: Audit) -> dict | None:
    """The moderator's comments at the top of a returned audit (its auditor and QA leads)."""
    if audit.status != AuditStatus.RETURNED or not can_see_result(user, audit):
        return None
    moderation = queries.moderation_of(audit.id)
    if moderation is None or moderation.status != ModerationStatus.RETURNED:
        return None
    return {"moderation": moderation}


def _result_panel(user, audit: Audit) -> dict | None:
    """The moderation result on the audit's page: its auditor once completed; QA leads always."""
    if not can_see_result(user, audit):
        return None
    moderation = queries.moderation_of(audit.id)
    if moderation is None or moderation.status == ModerationStatus.WITHDRAWN:
        return None
    completed = moderation.status == ModerationStatus.COMPLETED
    if not completed and not user.has_role(Role.QA_LEAD):
        return None
    return {"moderation": moderation, "completed": completed,
            "rows": queries.comparison(moderation) if completed else [],
            "returns": queries.returns_of(moderation), "version_count": len(queries.versions_of(audit.id))}


def register() -> None:
    NAVIGATION.add("moderation.index", "Moderation", MODERATING_ROLES, order=25)
    NAVIGATION.add("moderation.calibration", "Calibration", (Role.QA_LEAD,), order=27)
    HOME_PANELS.add("moderation/_home_panel.html", _home_panel, order=15)
    AUDIT_PANELS.add("moderation/_return_panel.html", _return_panel, order=-5)
    AUDIT_PANELS.add("moderation/_result_panel.html", _result_panel, order=20)
