"""What the history adds to shared pages: navigation to "who has seen this case"."""

from qa_app.history.views import SEEN_READERS
from qa_app.panels import NAVIGATION


def register() -> None:
    NAVIGATION.add("history.seen", "Who has seen", SEEN_READERS, order=80)
