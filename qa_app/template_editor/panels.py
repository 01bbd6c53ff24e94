"""What the template editor adds to shared pages: navigation."""

from qa_app.auth.models import Role
from qa_app.panels import NAVIGATION


def register() -> None:
    NAVIGATION.add("template_editor.index", "Templates", (Role.QA_LEAD, Role.ADMIN), order=60)
