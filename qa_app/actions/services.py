"""Writing actions and reflections: plain functions, the actor passed in, flush not commit."""

from datetime import date

import sqlalchemy as sa

from qa_app.actions.models import Action, ActionStatus, Reflection
from qa_app.actions.permissions import can_check_actions, can_reflect
from qa_app.actions.workflow import TRANSITIONS, ActionEvent, is_party, next_status
from qa_app.audits.models import Audit
from qa_app.audits.workflow import SUBMITTED_STATES
from qa_app.auth.models import Role, User, UserRole
from qa_app.db import utcnow
from qa_app.errors import DomainError, NotPermitted, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record

MAX_DESCRIPTION = 2000
MAX_NOTE = 4000
MAX_REFLECTION = 2000
OWNER_ROLES = (Role.PRACTITIONER, Role.AUDITOR)  # social workers and team managers


def owner_choices() -> list[User]:
    """Who can own an action: active practitioners and team managers (auditors)."""
    return list(db.session.scalars(
        sa.select(User).where(User.active.is_(True), User.id.in_(
            sa.select(UserRole.user_id).where(UserRole.role.in_([r.value for r in OWNER_ROLES]))))
        .order_by(User.display_name, User.id)
    ))


def create_action(audit: Audit, *, actor: User, question_key: str | None, description: str,
                  owner_id: int | None, due_date: date | None, today: date) -> Action:
    """A new open action on an answer of a submitted audit.

    NotPermitted unless the actor checks this audit's actions; DomainError before the audit is
    submitted; ValidationFailed for a question not in the audit's template, an empty or long
    description, an owner who is not an active practitioner or team manager, or a due date that
    is missing or in the past.
    """
    if not can_check_actions(actor, audit):
        raise NotPermitted("Only the audit's auditor, its moderator or a QA lead can add actions to it.")
    if audit.status not in SUBMITTED_STATES:
        raise DomainError("Actions can be added once the audit has been submitted.")
    description = (description or "").strip()
    problems = []
    if question_key not in {q.key for q in audit.template.questions()}:
        problems.append(("question_key", "Choose the question the action is about"))
    if not description:
        problems.append(("description", "Say what must change"))
    elif len(description) > MAX_DESCRIPTION:
        problems.append(("description", f"What must change must be {MAX_DESCRIPTION:,} characters or fewer"))
    owner = db.session.get(User, owner_id) if owner_id else None
    if owner is None or not owner.active or not owner.has_role(*OWNER_ROLES):
        problems.append(("owner_id", "Choose an owner: an active practitioner or team manager"))
    if due_date is None:
        problems.append(("due_date", "Enter the date the action is due by"))
    elif due_date < today:
        problems.append(("due_date", "The due date must be today or in the future"))
    if problems:
        raise ValidationFailed(problems)
    action = Action(audit=audit, question_key=question_key, description=description, owner_id=owner.id,
                    due_date=due_date, created_by_id=actor.id)
    db.session.add(action)
    record(actor, "action.created", action, audit=audit.id, case=audit.case_file.reference,
           question=question_key, description=description, owner=owner.email, due_date=due_date.isoformat())
    return action


def record_existing(audit: Audit, *, question_key: str | None, description: str, owner: User, due_date: date,
                    status: ActionStatus, created_at, created_by_id: int | None, done_at=None, done_note: str = "",
                    verified_by: User | None = None, verified_at=None, reopened_reason: str = "",
                    uid: str | None = None) -> Action:
    """An action that already exists elsewhere (a results workbook), stored with its history as it
    is: its status, when it was done and verified, and its `uid` (see Audit.uid). DomainError for
    a question not in the audit's template, an empty description, a verified action without who
    verified it, or an action with that uid already here.
    """
    if question_key is not None and question_key not in {q.key for q in audit.template.questions()}:
        raise DomainError(f"'{question_key}' is not a question of this audit's template.")
    if not (description or "").strip():
        raise DomainError("An action needs a description of what must change.")
    status = ActionStatus(status)
    if status == ActionStatus.VERIFIED and verified_by is None:
        raise DomainError("A verified action needs who verified it.")
    if uid and db.session.scalar(sa.select(Action.id).where(Action.uid == uid)) is not None:
        raise DomainError(f"The action {uid} is already here.")
    action = Action(**({"uid": uid} if uid else {}), audit=audit, question_key=question_key, description=description.strip(),
                    owner_id=owner.id, due_date=due_date, status=status, created_at=created_at,
                    created_by_id=created_by_id,
                    done_at=done_at, done_note=done_note, verified_by_id=verified_by.id if verified_by else None,
                    verified_at=verified_at, reopened_reason=reopened_reason)
    db.session.add(action)
    return action


def mark_done(action: Action, *, actor: User, note: str, expected_version: int | None) -> None:
    """The owner records what was done. NotPermitted for anyone else; ValidationFailed without a note."""
    note = (note or "").strip()
    _check(action, ActionEvent.MARK_DONE, actor, expected_version)
    if not note:
        raise ValidationFailed([("note", "Say what was done")])
    if len(note) > MAX_NOTE:
        raise ValidationFailed([("note", f"What was done must be {MAX_NOTE:,} characters or fewer")])
    action.status = next_status(action.status, ActionEvent.MARK_DONE)
    action.done_at = utcnow()
    action.done_note = note
    record(actor, "action.done", action, note=note)


def verify(action: Action, *, actor: User, expected_version: int | None, via: str = "action page") -> None:
    """Confirm a done action is in place. NotPermitted for the owner and for anyone who does not
    check this audit's actions; InvalidTransition unless the action is done."""
    _check(action, ActionEvent.VERIFY, actor, expected_version)
    action.status = next_status(action.status, ActionEvent.VERIFY)
    action.verified_by_id = actor.id
    action.verified_at = utcnow()
    record(actor, "action.verified", action, via=via)


def reopen(action: Action, *, actor: User, reason: str, expected_version: int | None) -> None:
    """Send a done action back to its owner, with the reason (ValidationFailed without one)."""
    reason = (reason or "").strip()
    _check(action, ActionEvent.REOPEN, actor, expected_version)
    if not reason:
        raise ValidationFailed([("reason", "Say why the action is being reopened")])
    if len(reason) > MAX_NOTE:
        raise ValidationFailed([("reason", f"The reason must be {MAX_NOTE:,} characters or fewer")])
    action.status = next_status(action.status, ActionEvent.REOPEN)
    action.reopened_reason = reason
    record(actor, "action.reopened", action, reason=reason)


def _check(action: Action, event: ActionEvent, actor: User, expected_version: int | None) -> None:
    party = next(p for (_, e), (_, p) in TRANSITIONS.items() if e == event)
    if not is_party(actor, action, party):
        raise NotPermitted(
            "Only the action's owner can mark it as done." if event == ActionEvent.MARK_DONE
            else "Only the audit's auditor, its moderator or a QA lead can do this, and never for an "
                 "action they own.")
    if expected_version is not None and expected_version != action.version:
        raise StaleEdit("Someone changed this action after you opened it. Nothing was saved: "
                        "check it and try again.")
    next_status(action.status, event)  # InvalidTransition before anything is changed


def add_reflection(audit: Audit, *, actor: User, text: str) -> Reflection:
    """The allocated worker's reflection on a submitted audit of their case (one each; saving again
    replaces it). NotPermitted unless the round allows reflections and the actor is the allocated
    worker; ValidationFailed when empty or longer than 2,000 characters."""
    if not can_reflect(actor, audit):
        raise NotPermitted("Only the allocated worker can add a reflection, once the audit is submitted "
                           "and if the round allows reflections.")
    text = (text or "").strip()
    if not text:
        raise ValidationFailed([("text", "Write your reflection")])
    if len(text) > MAX_REFLECTION:
        raise ValidationFailed([("text", f"The reflection must be {MAX_REFLECTION:,} characters or fewer")])
    reflection = db.session.scalar(sa.select(Reflection).where(
        Reflection.audit_id == audit.id, Reflection.author_id == actor.id))
    if reflection is None:
        reflection = Reflection(audit_id=audit.id, author_id=actor.id, text=text)
        db.session.add(reflection)
        record(actor, "reflection.added", reflection, audit=audit.id, text=text)
    elif reflection.text != text:
        previous = reflection.text
        reflection.text = text
        reflection.created_at = utcnow()
        record(actor, "reflection.changed", reflection, audit=audit.id, text={"from": previous, "to": text})
    return reflection
