"""What your account adds to shared pages: a navigation item for everyone signed in."""

from qa_app.panels import NAVIGATION


def register() -> None:
    NAVIGATION.add("account.index", "Your account", (), order=95)
