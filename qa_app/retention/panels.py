"""What retention adds to shared pages: navigation."""

from qa_app.panels import NAVIGATION
from qa_app.retention.views import RETENTION_MANAGERS


def register() -> None:
    NAVIGATION.add("retention.index", "Retention", RETENTION_MANAGERS, order=85)
