"""What administration adds to shared pages: navigation, and on the administrator's home page the
overdue access reviews and the imported accounts waiting to be merged."""

from qa_app.admin import services
from qa_app.auth.models import Role
from qa_app.panels import HOME_PANELS, NAVIGATION


def _overdue(user):
    if not user.has_role(Role.ADMIN):
        return None
    due = services.overdue()
    waiting = services.imported_waiting()
    return {"overdue_reviews": due, "imported_waiting": waiting} if due or waiting else None


def register() -> None:
    NAVIGATION.add("admin.people", "People", (Role.ADMIN,), order=80)
    NAVIGATION.add("admin.teams", "Teams", (Role.ADMIN,), order=81)
    HOME_PANELS.add("admin/_home_panel.html", _overdue, order=5)
