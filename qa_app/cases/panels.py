"""What the case files add to shared pages: navigation."""

from qa_app.auth.permissions import CASE_READERS
from qa_app.panels import NAVIGATION


def register() -> None:
    NAVIGATION.add("cases.index", "Case files", CASE_READERS, order=30)
