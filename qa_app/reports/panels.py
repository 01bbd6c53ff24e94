"""What the reports add to shared pages: navigation."""

from qa_app.panels import NAVIGATION
from qa_app.reports.permissions import REPORT_READERS


def register() -> None:
    NAVIGATION.add("reports.index", "Reports", REPORT_READERS, order=60)
