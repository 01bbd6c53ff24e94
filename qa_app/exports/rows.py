"""The rows of the exchange workbook, streamed from the database (one query per sheet)."""

from collections import defaultdict
from collections.abc import Iterator
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from qa_app.actions.models import Action, ActionStatus
from qa_app.audit_forms.models import QuestionTheme, TemplateGrade, TemplateQuestion, TemplateVersion
from qa_app.audit_forms.schema import YES_PARTLY_NO
from qa_app.audits.models import Answer, Audit
from qa_app.auth.models import Team, User
from qa_app.cases.models import CASE_TYPE_LABELS, CaseFile, CaseType
from qa_app.challenges.models import CHALLENGE_CATEGORIES, Challenge, ChallengeStage, ChallengeStatus
from qa_app.extensions import db
from qa_app.moderation.models import ModeratedAnswer, Moderation, ModerationStatus
from qa_app.reports.queries import ReportFilter, audit_scope
from qa_app.rounds.models import AuditRound

AUDIT_HEADERS = [
    "Audit ID", "Round", "Template", "Template version", "Case reference", "Case type", "Team", "Auditor",
    "Submitted on", "Auditor grade", "Moderator", "Moderated on", "Moderated grade", "Final grade",
    "Moderation outcome", "Moderator rationale", "Child at immediate risk", "Status",
    # Beyond the fixed columns: what an import needs to rebuild the audit faithfully.
    "Immediate risk reason", "Overall summary", "Auditor name", "Moderator name", "Selected for moderation because",
    "Round started on", "Round due date", "Template title",
]
ANSWER_HEADERS = [
    "Audit ID", "Section", "Question key", "Question", "Themes", "Auditor answer", "Moderated answer", "Evidence",
    "Moderator rationale",
]
ACTION_HEADERS = [
    "Action ID", "Audit ID", "Case reference", "Question key", "What must change", "Owner", "Due date", "Status",
    "Overdue", "Done on", "What was done", "Verified by", "Verified on", "Reopened because",
]
CHALLENGE_HEADERS = [
    "Challenge ID", "Case reference", "Team", "Category", "Raised on", "Raised by", "Current stage", "Status",
    "Stage due on", "Overdue", "Resolved on", "Resolved at stage", "Cafcass referral", "Cafcass referred on",
]
OUTCOME_LABELS = {"agreed": "Agreed", "moderated_worse": "Moderated worse", "moderated_better": "Moderated better"}
YES_NO = {True: "Yes", False: "No"}
STREAM_CHUNK = 1000


def grade_labels() -> dict[tuple[int, int], str]:
    return {(v, g): label for v, g, label in db.session.execute(
        sa.select(TemplateGrade.template_version_id, TemplateGrade.value, TemplateGrade.label))}


def audit_rows(filters: ReportFilter) -> Iterator[list]:
    """One row per audit in scope, in AUDIT_HEADERS order."""
    scope = audit_scope(filters).subquery()
    labels = grade_labels()
    auditor, moderator = aliased(User), aliased(User)
    moderation = aliased(Moderation)
    query = (
        sa.select(
            Audit.id, AuditRound.name, TemplateVersion.key, TemplateVersion.version_label, CaseFile.reference,
            CaseFile.case_type, Team.name, auditor.email, Audit.submitted_at, Audit.overall_grade,
            moderator.email, moderation.completed_at, moderation.overall_grade, moderation.outcome,
            moderation.overall_rationale, Audit.immediate_risk, Audit.status, Audit.immediate_risk_reason,
            Audit.overall_summary, auditor.display_name, moderator.display_name, moderation.selected_because,
            AuditRound.created_at, AuditRound.due_date, TemplateVersion.title, Audit.template_version_id,
            moderation.status,
        )
        .join(scope, scope.c.audit_id == Audit.id)
        .join(AuditRound, AuditRound.id == Audit.round_id)
        .join(TemplateVersion, TemplateVersion.id == Audit.template_version_id)
        .join(CaseFile, CaseFile.id == Audit.case_file_id)
        .join(Team, Team.id == CaseFile.team_id)
        .outerjoin(auditor, auditor.id == Audit.auditor_id)
        .outerjoin(moderation, moderation.audit_id == Audit.id)
        .outerjoin(moderator, moderator.id == moderation.moderator_id)
        .order_by(Audit.id)
    )
    for row in db.session.execute(query.execution_options(yield_per=STREAM_CHUNK)):
        (audit_id, round_name, key, version, reference, case_type, team, auditor_email, submitted_at,
         auditor_grade, moderator_email, moderated_at, moderated_grade, outcome, rationale, risk, status,
         risk_reason, summary, auditor_name, moderator_name, because, round_started, round_due, title,
         version_id, moderation_status) = row
        completed = moderation_status == ModerationStatus.COMPLETED
        final = moderated_grade if completed and moderated_grade is not None else auditor_grade
        yield [
            audit_id, round_name, key, version, reference, CASE_TYPE_LABELS[CaseType(case_type)], team,
            auditor_email or "", submitted_at, labels.get((version_id, auditor_grade), ""),
            moderator_email or "", moderated_at if completed else None,
            labels.get((version_id, moderated_grade), "") if completed else "",
            labels.get((version_id, final), ""), OUTCOME_LABELS.get(outcome, "") if completed else "",
            rationale or "" if completed else "", YES_NO[bool(risk)], status.replace("_", " ").capitalize(),
            risk_reason or "", summary or "", auditor_name or "", moderator_name or "", because or "",
            round_started.date() if round_started else None, round_due, title,
        ]


def answer_rows(filters: ReportFilter) -> Iterator[list]:
    """One row per audit × answered question, in ANSWER_HEADERS order, grades as labels."""
    scope = audit_scope(filters).subquery()
    labels = grade_labels()
    theme_lists: dict[tuple[int, str], list[str]] = defaultdict(list)
    for version_id, key, theme in db.session.execute(
        sa.select(QuestionTheme.template_version_id, QuestionTheme.question_key, QuestionTheme.theme)
        .order_by(QuestionTheme.theme)
    ):
        theme_lists[(version_id, key)].append(theme)
    themes = {key: "; ".join(values) for key, values in theme_lists.items()}
    texts: dict[str, str] = {}   # question text with its line breaks folded, once per distinct text
    yes_partly_no = dict(YES_PARTLY_NO)
    moderated = aliased(ModeratedAnswer)
    query = (
        sa.select(
            Answer.audit_id, TemplateQuestion.section_title, Answer.question_key, TemplateQuestion.text,
            TemplateQuestion.type, Answer.grade, Answer.value, moderated.grade, Answer.evidence,
            moderated.rationale, scope.c.template_version_id,
        )
        .join(scope, scope.c.audit_id == Answer.audit_id)
        .join(TemplateQuestion, sa.and_(TemplateQuestion.template_version_id == scope.c.template_version_id,
                                        TemplateQuestion.key == Answer.question_key))
        .outerjoin(moderated, sa.and_(moderated.moderation_id == scope.c.moderation_id,
                                      moderated.question_key == Answer.question_key))
        .order_by(Answer.audit_id, TemplateQuestion.position)
    )
    for (audit_id, section, key, text, qtype, grade, value, moderated_grade, evidence, rationale,
         version_id) in db.session.execute(query.execution_options(yield_per=STREAM_CHUNK)):
        if qtype == "grade":
            answer = labels.get((version_id, grade), "") if grade is not None else ""
        elif qtype == "yes_partly_no":
            answer = yes_partly_no.get(value, value)
        elif qtype == "date" and value:
            answer = date.fromisoformat(value)
        elif qtype == "number" and value:
            answer = float(value) if "." in value else int(value)
        else:
            answer = value
        folded = texts.get(text)
        if folded is None:
            folded = texts[text] = " ".join(text.split())
        yield [
            audit_id, section, key, folded, themes.get((version_id, key), ""), answer,
            labels.get((version_id, moderated_grade), "") if moderated_grade is not None else "",
            evidence or "", rationale or "",
        ]


def action_rows(filters: ReportFilter, today: date) -> Iterator[list]:
    scope = audit_scope(filters).subquery()
    owner, verifier = aliased(User), aliased(User)
    query = (
        sa.select(Action, CaseFile.reference, owner.email, verifier.email)
        .join(scope, scope.c.audit_id == Action.audit_id)
        .join(Audit, Audit.id == Action.audit_id)
        .join(CaseFile, CaseFile.id == Audit.case_file_id)
        .join(owner, owner.id == Action.owner_id)
        .outerjoin(verifier, verifier.id == Action.verified_by_id)
        .order_by(Action.due_date, Action.id)
    )
    for action, reference, owner_email, verifier_email in db.session.execute(
            query.execution_options(yield_per=STREAM_CHUNK)):
        open_ = action.status in (ActionStatus.OPEN, ActionStatus.REOPENED)
        yield [
            action.id, action.audit_id, reference, action.question_key or "", action.description, owner_email,
            action.due_date, action.status.capitalize(), YES_NO[open_ and action.due_date < today],
            action.done_at, action.done_note, verifier_email or "", action.verified_at, action.reopened_reason,
        ]


def challenge_rows(filters: ReportFilter, today: date) -> Iterator[list]:
    """Challenges raised in the filter's date range (all when none), with the current stage's due date."""
    current = aliased(ChallengeStage)
    latest = (sa.select(sa.func.max(ChallengeStage.id)).where(ChallengeStage.challenge_id == Challenge.id)
              .correlate(Challenge).scalar_subquery())
    raiser = aliased(User)
    query = (
        sa.select(Challenge, CaseFile.reference, Team.name, raiser.email, current.due_on, current.responded_at)
        .join(CaseFile, CaseFile.id == Challenge.case_file_id)
        .join(Team, Team.id == Challenge.team_id)
        .join(raiser, raiser.id == Challenge.raised_by_id)
        .outerjoin(current, current.id == latest)
        .order_by(Challenge.raised_on, Challenge.id)
    )
    if filters.team_id:
        query = query.where(Challenge.team_id == filters.team_id)
    if filters.case_type:
        query = query.where(CaseFile.case_type == filters.case_type)
    if filters.date_from:
        query = query.where(Challenge.raised_on >= filters.date_from)
    if filters.date_to:
        query = query.where(Challenge.raised_on <= filters.date_to)
    for challenge, reference, team, raiser_email, due_on, responded_at in db.session.execute(query):
        is_open = challenge.status == ChallengeStatus.OPEN
        yield [
            challenge.id, reference, team, CHALLENGE_CATEGORIES.get(challenge.category, challenge.category),
            challenge.raised_on, raiser_email, challenge.current_stage.replace("_", " ").capitalize(),
            challenge.status.capitalize(), due_on if is_open else None,
            YES_NO[bool(is_open and due_on and due_on < today and responded_at is None)],
            challenge.resolved_on, (challenge.resolved_stage or "").replace("_", " ").capitalize(),
            YES_NO[challenge.cafcass_referred], challenge.cafcass_referred_on,
        ]
