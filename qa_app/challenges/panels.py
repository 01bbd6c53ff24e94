"""The challenges' parts of shared pages: navigation, a home-page panel and a case-file panel."""

from datetime import date

from qa_app.auth.models import Role
from qa_app.challenges import display
from qa_app.challenges.permissions import CHALLENGE_USERS, RESPONDER_ROLES, can_raise, can_view
from qa_app.challenges.queries import awaiting_counts, challenges_for_case, raised_open_counts
from qa_app.challenges.stages import current_stages
from qa_app.panels import CASE_PANELS, HOME_PANELS, NAVIGATION


def home_panel(user) -> dict | None:
    """Counts of challenges awaiting the user's response, and of the IRO's own open challenges."""
    today = date.today()
    awaiting, awaiting_overdue = awaiting_counts(user, today) if user.has_role(*RESPONDER_ROLES) else (0, 0)
    raised, raised_overdue = raised_open_counts(user, today) if user.has_role(Role.IRO) else (0, 0)
    if not (awaiting or raised):
        return None
    return {"awaiting": awaiting, "awaiting_overdue": awaiting_overdue,
            "raised": raised, "raised_overdue": raised_overdue}


def case_panel(user, case_file) -> dict | None:
    """The challenges on this case file the user may see, and whether they may raise one."""
    raise_allowed = can_raise(user)
    visible = [c for c in challenges_for_case(case_file) if can_view(user, c)]
    if not (visible or raise_allowed):
        return None
    return {"rows": display.rows(visible, current_stages(), date.today()), "can_raise": raise_allowed,
            "case_id": case_file.id}


def register() -> None:
    NAVIGATION.add("challenges.index", "Challenges", CHALLENGE_USERS, order=60)
    HOME_PANELS.add("challenges/_home_panel.html", home_panel, order=40)
    CASE_PANELS.add("challenges/_case_panel.html", case_panel, order=40)
