"""What the reports add to shared pages: navigation."""

from qa_app.panels import NAVIGATION
from qa_app.reports.permissions import REPORT_READERS


def register() -> None:
    from qa_app.reports import cache  # noqa: F401  (its session hooks keep the report cache current)
    from qa_app.reports import jobs

    jobs.register()

    NAVIGATION.add("reports.index", "Reports", REPORT_READERS, order=60)
