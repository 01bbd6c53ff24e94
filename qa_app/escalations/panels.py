"""What escalations add to shared pages and to the audit: navigation, the unacknowledged
escalations at the top of the home, audit and case pages, and the escalation raised when an
auditor flags a child at immediate risk (an audit extension)."""

from qa_app.audits.extensions import AUDIT_EXTENSIONS, AuditExtension
from qa_app.escalations import queries
from qa_app.escalations.permissions import AUTHORITY_ROLES
from qa_app.escalations.services import raise_escalation
from qa_app.history.services import record
from qa_app.panels import AUDIT_PANELS, CASE_PANELS, HOME_PANELS, NAVIGATION

RAISED_NOTICE = ("You flagged a child at immediate risk: an escalation has been raised, and the case's team "
                 "manager, the moderators and the QA lead have been told and must acknowledge it.")


def _home(user):
    escalations = queries.open_escalations_for(user)
    return {"escalations": escalations} if escalations else None


def _audit(user, audit):
    escalations = queries.escalations_of_audit(audit.id)
    return {"escalations": escalations, "where": "audit"} if escalations else None


def _case(user, case_file):
    escalations = queries.escalations_of_case(case_file.id)
    return {"escalations": escalations, "where": "case"} if escalations else None


def _after_save(_context, _entered, saved) -> str | None:
    """A child newly flagged at immediate risk is escalated at once, in a draft too."""
    audit = saved.audit
    if not (audit.immediate_risk and "immediate_risk" in saved.overall):
        return None
    record(saved.actor, "audit.immediate_risk_flagged", audit, reason=audit.immediate_risk_reason)
    raise_escalation(audit, actor=saved.actor, reason=audit.immediate_risk_reason)
    return RAISED_NOTICE


RISK_ESCALATION = AuditExtension(name="escalation", context=lambda audit: audit, after_save=_after_save, order=20)


def register() -> None:
    NAVIGATION.add("escalations.index", "Escalations", AUTHORITY_ROLES, order=5)
    HOME_PANELS.add("escalations/_home_panel.html", _home, order=-10)
    AUDIT_PANELS.add("escalations/_record_panel.html", _audit, order=-10)
    CASE_PANELS.add("escalations/_record_panel.html", _case, order=-10)
    AUDIT_EXTENSIONS.add(RISK_ESCALATION)
