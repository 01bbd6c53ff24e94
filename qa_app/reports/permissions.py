"""Who may read the reports."""

from qa_app.auth.models import Role

REPORT_READERS = (Role.QA_LEAD, Role.VIEWER)
