"""What the programme adds to shared pages: navigation, and overdue audits on the QA lead's home page."""

from datetime import date

from qa_app.auth.models import Role
from qa_app.panels import HOME_PANELS, NAVIGATION
from qa_app.programme.reminders import overdue_audits


def _overdue(user) -> dict | None:
    if not user.has_role(Role.QA_LEAD):
        return None
    late = overdue_audits(date.today())
    return {"overdue": late[:50], "count": len(late)}


def register() -> None:
    NAVIGATION.add("programme.index", "Programme", (Role.QA_LEAD, Role.VIEWER), order=22)
    HOME_PANELS.add("programme/_home_overdue.html", _overdue, order=12)
