"""What administration adds to shared pages: navigation, and overdue access reviews on the
administrator's home page."""

from qa_app.admin import services
from qa_app.auth.models import Role
from qa_app.panels import HOME_PANELS, NAVIGATION


def _overdue(user):
    if not user.has_role(Role.ADMIN):
        return None
    due = services.overdue()
    return {"overdue_reviews": due} if due else None


def register() -> None:
    NAVIGATION.add("admin.people", "People", (Role.ADMIN,), order=80)
    NAVIGATION.add("admin.teams", "Teams", (Role.ADMIN,), order=81)
    HOME_PANELS.add("admin/_home_panel.html", _overdue, order=5)
