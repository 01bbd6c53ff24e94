"""What escalations add to shared pages and to the audit: navigation, the unacknowledged
escalations at the top of the home, audit and case pages, and the escalation raised when an
auditor flags a child at immediate risk (an audit extension)."""

from flask import current_app

from qa_app.audits.extensions import AUDIT_EXTENSIONS, AuditExtension
from qa_app.escalations import deadlines, queries
from qa_app.escalations.permissions import AUTHORITY_ROLES
from qa_app.escalations.services import raise_escalation, told_about
from qa_app.history.services import record
from qa_app.panels import AUDIT_PANELS, CASE_PANELS, HOME_PANELS, NAVIGATION


def _home(user):
    escalations = queries.open_escalations_for(user)
    return {"escalations": escalations} if escalations else None


def _audit(user, audit):
    escalations = queries.escalations_of_audit(audit.id)
    return {"escalations": escalations, "where": "audit"} if escalations else None


def _case(user, case_file):
    escalations = queries.escalations_of_case(case_file.id)
    return {"escalations": escalations, "where": "case"} if escalations else None


def act_now(case_file) -> str:
    """What the person who flagged the risk must do now, with the council's numbers."""
    config = current_app.config
    duty = f" on {config['DUTY_TEAM_PHONE']}" if config.get("DUTY_TEAM_PHONE") else ""
    out_of_hours = (f" (out of hours: the emergency duty team on {config['OUT_OF_HOURS_PHONE']})"
                    if config.get("OUT_OF_HOURS_PHONE") else "")
    return (f"If the risk is current, act now: phone the team manager of {case_file.team.name}, or the duty / MASH "
            f"team{duty}{out_of_hours}. If a child is in immediate danger, call 999.")


def _after_save(_context, _entered, saved) -> tuple[str, str] | None:
    """A child newly flagged at immediate risk is escalated at once, in a draft too; the auditor is
    told what to do now and who has been told."""
    audit = saved.audit
    if not (audit.immediate_risk and "immediate_risk" in saved.overall):
        return None
    record(saved.actor, "audit.immediate_risk_flagged", audit, reason=audit.immediate_risk_reason)
    escalation = raise_escalation(audit, actor=saved.actor, reason=audit.immediate_risk_reason)
    told = [user.display_name for user in told_about(escalation)]
    who = ("Told by email: " + ", ".join(told) + ".") if told else "Nobody else has authority for this case file."
    return ("warning", f"You flagged a child at immediate risk on case file {audit.case_file.reference}.\n"
                       f"{act_now(audit.case_file)}\n"
                       f"An escalation has been raised. {who} Someone with authority for the case must acknowledge "
                       f"it by {deadlines.describe(escalation.due_at)}.")


RISK_ESCALATION = AuditExtension(name="escalation", context=lambda audit: audit, after_save=_after_save, order=20)


def register() -> None:
    NAVIGATION.add("escalations.index", "Escalations", AUTHORITY_ROLES, order=5)
    HOME_PANELS.add("escalations/_home_panel.html", _home, order=-10)
    AUDIT_PANELS.add("escalations/_record_panel.html", _audit, order=-10)
    CASE_PANELS.add("escalations/_record_panel.html", _case, order=-10)
    AUDIT_EXTENSIONS.add(RISK_ESCALATION)
