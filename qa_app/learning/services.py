"""Writing learning briefs and training-need tags: plain functions, explicit actor, flush only."""

import re
from datetime import date

import sqlalchemy as sa
from flask import current_app

from qa_app.actions.models import Action
from qa_app.audits.models import Audit
from qa_app.auth.models import Role, Team, User, UserRole
from qa_app.cases.models import CaseFile
from qa_app.db import utcnow
from qa_app.errors import DomainError, NotPermitted, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.learning import drafting
from qa_app.learning.models import TRAINING_NEEDS, BriefRecipient, BriefStatus, LearningBrief, TrainingNeed
from qa_app.learning.permissions import can_confirm_discussed, can_manage, can_tag
from qa_app.notifications.services import queue
from qa_app.reports.builder import round_report

FIELDS = ("title", "summary", "strengths", "areas", "key_messages")
MAX_TEXT = 8000
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/_.]{2,63}")


def _link(path: str) -> str:
    return (current_app.config.get("SERVICE_URL") or "").rstrip("/") + path


def case_references_in(text: str) -> list[str]:
    """The case references held here that `text` mentions (a brief must name none)."""
    tokens = {token.upper().rstrip(".") for token in _TOKEN.findall(text or "")}
    if not tokens:
        return []
    found = set()
    wanted = sorted(tokens)
    for start in range(0, len(wanted), 500):
        found.update(db.session.scalars(sa.select(CaseFile.reference).where(CaseFile.reference.in_(wanted[start:start + 500]))))
    return sorted(found)


def draft_brief(round_, *, actor) -> LearningBrief:
    """A new draft brief for the round, written from its report (counts only). NotPermitted unless a
    QA lead; DomainError when the round has a brief or no submitted audit."""
    if not can_manage(actor):
        raise NotPermitted("Only a QA lead drafts learning briefs.")
    if db.session.scalar(sa.select(LearningBrief.id).where(LearningBrief.round_id == round_.id)) is not None:
        raise DomainError(f"Round '{round_.name}' already has a learning brief.")
    report = round_report(round_)
    if not report["audits"]:
        raise DomainError(f"Round '{round_.name}' has no submitted audits to learn from yet.")
    text = drafting.draft(round_.name, report)
    brief = LearningBrief(round_id=round_.id, created_by_id=actor.id, drafted_from={
        "audits": report["audits"], "themes": report["themes"], "strengths": report["strengths"],
        "areas_for_development": report["areas_for_development"], "feedback": report.get("feedback", {})}, **text)
    db.session.add(brief)
    record(actor, "learning_brief.drafted", brief, round=round_.id)
    return brief


def edit_brief(brief: LearningBrief, *, actor, values: dict[str, str], expected_version: int | None) -> None:
    """The QA lead's wording. NotPermitted; DomainError once published; StaleEdit; ValidationFailed for
    an empty title or summary, text over 8,000 characters, or a case reference in the text."""
    if not can_manage(actor):
        raise NotPermitted("Only a QA lead edits learning briefs.")
    if brief.status != BriefStatus.DRAFT:
        raise DomainError("A published brief cannot be changed.")
    if expected_version is not None and brief.version != expected_version:
        raise StaleEdit("Someone saved this brief after you opened it. Nothing was saved: check it and try again.")
    clean = {field: (values.get(field) or "").strip() for field in FIELDS}
    problems = []
    for field in ("title", "summary"):
        if not clean[field]:
            problems.append((field, f"Enter the {'title' if field == 'title' else 'summary'}"))
    if len(clean["title"]) > 200:
        problems.append(("title", "The title must be 200 characters or fewer"))
    for field in FIELDS:
        if len(clean[field]) > MAX_TEXT:
            problems.append((field, f"This must be {MAX_TEXT:,} characters or fewer"))
        references = case_references_in(clean[field])
        if references:
            problems.append((field, f"Remove the case reference {', '.join(references)}: a learning brief never "
                                    "names a child's case"))
    if problems:
        raise ValidationFailed(problems)
    changes = {field: [getattr(brief, field), value] for field, value in clean.items() if getattr(brief, field) != value}
    for field, value in clean.items():
        setattr(brief, field, value)
    if changes:
        brief.updated_at = utcnow()
        record(actor, "learning_brief.edited", brief, **changes)


def team_managers(team_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).join(UserRole).where(
        UserRole.role == Role.AUDITOR, User.team_id == team_id, User.active.is_(True)).order_by(User.display_name)))


def publish_brief(brief: LearningBrief, *, actor, team_ids: list[int]) -> list[BriefRecipient]:
    """Publish to the chosen teams: each team's managers are emailed, and who was told and when is
    kept. NotPermitted; DomainError when already published; ValidationFailed with no team."""
    if not can_manage(actor):
        raise NotPermitted("Only a QA lead publishes learning briefs.")
    if brief.status != BriefStatus.DRAFT:
        raise DomainError("This brief has already been published.")
    teams = list(db.session.scalars(sa.select(Team).where(Team.id.in_(team_ids or [])).order_by(Team.name)))
    if not teams:
        raise ValidationFailed([("team_ids", "Choose at least one team to send the brief to")])
    now = utcnow()
    brief.status, brief.published_at, brief.published_by_id = BriefStatus.PUBLISHED.value, now, actor.id
    recipients = []
    for team in teams:
        told = []
        for manager in team_managers(team.id):
            queue(manager, object_type="learning_briefs", object_id=brief.id, subject=f"Learning brief: {brief.title}",
                  body=(f"{actor.display_name} has published a learning brief for {team.name}: {brief.title}.\n\n"
                        "Please discuss it at your next team meeting and confirm you have: "
                        f"{_link(f'/learning/briefs/{brief.id}')}"))
            told.append(manager.email)
        recipient = BriefRecipient(team_id=team.id, sent_at=now, told=told)
        brief.recipients.append(recipient)
        recipients.append(recipient)
    record(actor, "learning_brief.published", brief, teams=[t.name for t in teams],
           told={r.team_id: r.told for r in recipients})
    return recipients


def confirm_discussed(brief: LearningBrief, recipient: BriefRecipient, *, actor, discussed_on: date | None,
                      note: str, today: date) -> None:
    """A team manager confirms their team discussed the brief (when, and a short note)."""
    if not can_confirm_discussed(actor, brief, recipient):
        raise NotPermitted("Only a team manager of this team, or a QA lead, confirms it was discussed.")
    problems = []
    if discussed_on is None:
        problems.append(("discussed_on", "Enter the date of the team meeting"))
    elif discussed_on > today:
        problems.append(("discussed_on", "The team meeting must be today or in the past"))
    elif discussed_on < recipient.sent_at.date():
        problems.append(("discussed_on", "The team meeting cannot be before the brief was sent"))
    note = (note or "").strip()
    if len(note) > 2000:
        problems.append(("note", "The note must be 2,000 characters or fewer"))
    if problems:
        raise ValidationFailed(problems)
    recipient.discussed_on, recipient.discussed_by_id, recipient.discussion_note = discussed_on, actor.id, note
    record(actor, "learning_brief.discussed", brief, team=recipient.team_id, discussed_on=discussed_on, note=note)


def tag_training_need(audit: Audit, *, actor, target: str | None, need: str | None) -> TrainingNeed:
    """Tag a training need on one of the audit's questions ("q:KEY") or actions ("a:ID").

    NotPermitted unless the actor checks the audit's actions; ValidationFailed for an unknown
    question, action or need, or a tag already there."""
    if not can_tag(actor, audit):
        raise NotPermitted("Only the audit's auditor, its moderator or a QA lead tags training needs.")
    problems = []
    question_key, action_id = None, None
    kind, _, ident = (target or "").partition(":")
    if kind == "q" and ident in {q.key for q in audit.template.questions()}:
        question_key = ident
    elif kind == "a" and ident.isdigit():
        action = db.session.get(Action, int(ident))
        if action is not None and action.audit_id == audit.id:
            action_id, question_key = action.id, action.question_key
    if question_key is None and action_id is None:
        problems.append(("target", "Choose the question or action that shows the training need"))
    if need not in TRAINING_NEEDS:
        problems.append(("need", "Choose the training need"))
    if not problems and db.session.scalar(sa.select(TrainingNeed.id).where(
            TrainingNeed.audit_id == audit.id, TrainingNeed.need == need,
            TrainingNeed.question_key.is_(None) if question_key is None else TrainingNeed.question_key == question_key,
            TrainingNeed.action_id.is_(None) if action_id is None else TrainingNeed.action_id == action_id)):
        problems.append(("need", "That training need is already tagged there"))
    if problems:
        raise ValidationFailed(problems)
    tag = TrainingNeed(audit_id=audit.id, question_key=question_key, action_id=action_id, need=need,
                       created_by_id=actor.id)
    db.session.add(tag)
    record(actor, "training_need.tagged", audit, need=need, question=question_key, on_action=action_id)
    return tag
