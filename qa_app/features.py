"""Where every feature plugs into the shared pages and into the audit, in one place.

Each feature's `panels.register()` adds its navigation items, its panels on the home, audit and
case pages (`qa_app.panels`) and its audit extensions (`qa_app.audits.extensions`). The app
factory calls `register_features()` once; registering again changes nothing.
"""

from importlib import import_module

# In the order of the house: the core first, then what builds on it.
FEATURES = (
    "qa_app.dashboard", "qa_app.cases.panels", "qa_app.cases.jobs", "qa_app.rounds.panels", "qa_app.audits.panels",
    "qa_app.moderation.panels", "qa_app.actions.panels", "qa_app.reviews.panels", "qa_app.escalations.panels",
    "qa_app.challenges.panels", "qa_app.reports.panels", "qa_app.exchange.jobs", "qa_app.history.panels",
    "qa_app.retention.panels", "qa_app.programme.panels", "qa_app.template_editor.panels",
    "qa_app.practice.panels", "qa_app.feedback.panels", "qa_app.disputes.panels",
    "qa_app.learning.panels",
    "qa_app.account.panels", "qa_app.admin.panels",
)


def register_features() -> None:
    for name in FEATURES:
        import_module(name).register()
