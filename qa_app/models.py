"""Imports every model so that SQLAlchemy's metadata (and Alembic) sees all tables."""

from qa_app.actions.models import Action, Reflection
from qa_app.admin.models import AccessReview, Invitation
from qa_app.audit_forms.models import QuestionTheme, TemplateGrade, TemplateQuestion, TemplateVersion
from qa_app.audits.models import Answer, Audit, AuditVersion
from qa_app.auth.models import SignInThrottle, Team, User, UserRole, UserSession
from qa_app.cases.models import CaseFactor, CaseFile, NameLink
from qa_app.challenges.models import Challenge, ChallengeStage
from qa_app.escalations.models import Escalation
from qa_app.disputes.models import Dispute
from qa_app.feedback.models import FeedbackAnswer, FeedbackRecord
from qa_app.history.models import ChainLink, Event, EventCase, EventPayload
from qa_app.jobs.models import Job
from qa_app.learning.models import BriefRecipient, LearningBrief, TrainingNeed
from qa_app.mfa.models import RecoveryCode, TotpCredential
from qa_app.moderation.models import ModeratedAnswer, Moderation, ModerationChange
from qa_app.notifications.models import Notification
from qa_app.practice.models import DoneWithWorker, FeedbackConversation, Release, WorkerResponse
from qa_app.programme.models import AuditReminder, Programme, ProgrammeRun
from qa_app.reports.models import CachedReport, ReportState, Target
from qa_app.retention.models import LegalHold
from qa_app.template_editor.models import TemplateDraft
from qa_app.reviews.models import ReviewCheck
from qa_app.rounds.models import AuditRound, SampleChange
from qa_app.sso.models import ExternalIdentity

__all__ = [
    "AccessReview", "Action", "Answer", "Audit", "AuditRound", "AuditVersion", "CaseFactor", "CaseFile", "ChainLink",
    "NameLink", "Challenge", "ChallengeStage", "Escalation", "Event", "EventCase", "EventPayload", "ExternalIdentity",
    "Invitation", "Job", "LegalHold", "ModeratedAnswer", "Moderation", "ModerationChange", "Notification",
    "Reflection", "CachedReport", "ReportState", "AuditReminder", "Programme", "ProgrammeRun", "Target",
    "TemplateDraft", "QuestionTheme", "RecoveryCode", "ReviewCheck", "SampleChange", "Team", "TemplateGrade",
    "TemplateQuestion", "TemplateVersion", "SignInThrottle", "TotpCredential", "User", "UserRole", "UserSession",
    "DoneWithWorker", "FeedbackConversation", "Release", "WorkerResponse", "FeedbackAnswer", "FeedbackRecord",
    "Dispute", "BriefRecipient", "LearningBrief", "TrainingNeed",
]
