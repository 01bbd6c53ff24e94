"""What the rounds add to shared pages: navigation."""

from qa_app.auth.permissions import ROUND_READERS
from qa_app.panels import NAVIGATION


def register() -> None:
    NAVIGATION.add("rounds.index", "Rounds", ROUND_READERS, order=20)
