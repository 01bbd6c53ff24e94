"""Imports every model so that SQLAlchemy's metadata (and Alembic) sees all tables."""

from qa_app.audit_forms.models import TemplateVersion
from qa_app.audits.models import Answer, Audit
from qa_app.auth.models import Team, User, UserRole
from qa_app.cases.models import CaseFactor, CaseFile
from qa_app.history.models import Event
from qa_app.rounds.models import AuditRound, SampleChange

__all__ = [
    "Answer", "Audit", "AuditRound", "CaseFactor", "CaseFile", "Event", "SampleChange",
    "Team", "TemplateVersion", "User", "UserRole",
]
