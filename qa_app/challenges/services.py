"""Writing challenges: raising, responding, accepting, escalating or skipping, withdrawing, Cafcass.

Every function takes the acting user explicitly, checks who may act (NotPermitted), that the page
was not stale (StaleEdit), that the workflow allows it (InvalidTransition) and the input
(ValidationFailed), then changes the challenge, records the change in the history and flushes.
The caller commits.
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified

from qa_app.audits.models import Audit
from qa_app.auth.models import Role, User, UserRole
from qa_app.cases.models import CaseFile
from qa_app.challenges.models import CHALLENGE_CATEGORIES, Challenge, ChallengeStage, ChallengeStatus
from qa_app.challenges.permissions import (
    RESPONDER_ROLES, can_progress, can_raise, can_respond, current_stage_row,
)
from qa_app.challenges.queries import changes
from qa_app.challenges.stages import Stage, current_stages, find_stage, later_stages, stage_due_on
from qa_app.challenges.workflow import ChallengeEvent, check
from qa_app.db import utcnow
from qa_app.errors import NotPermitted, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record

MAX_TEXT = 5000


# --- who responds ------------------------------------------------------------------------------

def _active_with_role(*roles: Role):
    holds = sa.exists().where(UserRole.user_id == User.id, UserRole.role.in_([r.value for r in roles]))
    return sa.select(User).where(User.active.is_(True), holds)


def first_responders(case: CaseFile) -> tuple[User | None, User | None]:
    """(the allocated worker, the team manager) of a case file, where the app knows them.

    The worker is the active practitioner whose display name is the case's allocated worker
    (ignoring case and spacing); the team manager is the first, by name, active auditor in the
    case's team.
    """
    name = " ".join((case.allocated_worker or "").split()).lower()
    worker = None
    if name:
        worker = db.session.scalars(
            _active_with_role(Role.PRACTITIONER).where(sa.func.lower(User.display_name) == name)
            .order_by(User.id)
        ).first()
    manager = db.session.scalars(
        _active_with_role(Role.AUDITOR).where(User.team_id == case.team_id).order_by(User.display_name, User.id)
    ).first()
    return worker, manager


def eligible_responders() -> list[User]:
    """Active users who may be named as a responder, by name."""
    return list(db.session.scalars(_active_with_role(*RESPONDER_ROLES).order_by(User.display_name, User.id)))


def suggested_responder(stage: Stage, case: CaseFile) -> User | None:
    """The default choice for a stage: a holder of the stage's suggested role, from the case's team first."""
    if not stage.suggest_role:
        return None
    query = _active_with_role(Role(stage.suggest_role))
    return db.session.scalars(
        query.order_by(sa.case((User.team_id == case.team_id, 0), else_=1), User.display_name, User.id)
    ).first()


def _check_responders(responder: User | None, second: User | None, *, required: bool) -> list[tuple[str, str]]:
    problems = []
    for field, user in (("responder_id", responder), ("second_responder_id", second)):
        if user is not None and not (user.active and user.has_role(*RESPONDER_ROLES)):
            problems.append((field, f"{user.display_name} cannot be named as a responder"))
    if required and responder is None:
        problems.append(("responder_id", "Choose who will respond at this stage"))
    if responder is not None and second is not None and responder.id == second.id:
        problems.append(("second_responder_id", "Choose a different second responder, or none"))
    return problems


# --- reading a challenge's dates ------------------------------------------------------------------

def formal_started_on(challenge: Challenge, stages: tuple[Stage, ...]) -> date | None:
    """The day the first formal stage opened (None while the challenge is informal)."""
    days = [row.opened_on for row in challenge.stages if find_stage(stages, row.stage).formal]
    return min(days) if days else None


def due_if_moved_to(challenge: Challenge, target: Stage, today: date, stages: tuple[Stage, ...]) -> date:
    """When `target` would be due if the challenge moved to it today. The formal process starts
    when the first formal stage opens (skipped or not), and caps every formal stage's due date."""
    started = formal_started_on(challenge, stages) or (today if target.formal else None)
    return stage_due_on(target, today, started)


def is_overdue(stage_row: ChallengeStage, today: date) -> bool:
    """A stage is overdue when it is still open, has no response, and its due date has passed."""
    return stage_row.closed_on is None and stage_row.responded_at is None and today > stage_row.due_on


# --- the writes ---------------------------------------------------------------------------------

def raise_challenge(*, case_file: CaseFile, actor: User, category: str, concern: str, outcome_sought: str,
                    audit: Audit | None = None, today: date, stages: tuple[Stage, ...] | None = None) -> Challenge:
    """An IRO records a challenge; it opens at the first stage, with the case's allocated worker
    and team manager named as responders. NotPermitted unless the actor is an IRO; ValidationFailed
    for an unknown category, missing text, or an audit of another case file."""
    stages = stages or current_stages()
    if not can_raise(actor):
        raise NotPermitted("Only an independent reviewing officer can raise a challenge.")
    concern, outcome_sought = (concern or "").strip(), (outcome_sought or "").strip()
    problems = []
    if category not in CHALLENGE_CATEGORIES:
        problems.append(("category", "Choose the kind of concern"))
    if not concern:
        problems.append(("concern", "Describe the concern"))
    if not outcome_sought:
        problems.append(("outcome_sought", "Say what outcome you are seeking"))
    for field, text in (("concern", concern), ("outcome_sought", outcome_sought)):
        if len(text) > MAX_TEXT:
            problems.append((field, f"Use {MAX_TEXT:,} characters or fewer"))
    if audit is not None and audit.case_file_id != case_file.id:
        problems.append(("audit_id", "Choose an audit of this case file"))
    if problems:
        raise ValidationFailed(problems)

    worker, manager = first_responders(case_file)
    responder, second = (worker, manager) if worker is not None else (manager, None)
    if second is not None and responder is not None and second.id == responder.id:
        second = None
    first = stages[0]
    challenge = Challenge(
        case_file=case_file, raised_by=actor, raised_on=today, category=category, concern=concern,
        outcome_sought=outcome_sought, audit_id=audit.id if audit else None, team_id=case_file.team_id,
        status=ChallengeStatus.OPEN, current_stage=first.key,
    )
    challenge.stages.append(ChallengeStage(
        stage=first.key, responder=responder, second_responder=second, opened_on=today,
        due_on=stage_due_on(first, today, None),
    ))
    db.session.add(challenge)
    db.session.flush()
    record(actor, "challenge.raised", challenge, case=case_file.reference, category=category,
           stage=first.key, due_on=challenge.stages[0].due_on,
           responder_id=responder.id if responder else None, second_responder_id=second.id if second else None,
           audit_id=challenge.audit_id)
    return challenge


def respond(challenge: Challenge, *, actor: User, response: str, expected_version: int) -> ChallengeStage:
    """The named responder (or a QA lead) records the response at the current stage."""
    if not can_respond(actor, challenge):
        raise NotPermitted("Only the responders named at this stage, or a QA lead, can respond.")
    _check_fresh(challenge, expected_version)
    check(challenge, ChallengeEvent.RESPOND, current_stages())
    response = (response or "").strip()
    if not response:
        raise ValidationFailed([("response", "Enter your response")])
    if len(response) > MAX_TEXT:
        raise ValidationFailed([("response", f"Use {MAX_TEXT:,} characters or fewer")])
    stage = current_stage_row(challenge)
    stage.response = response
    stage.responded_at = utcnow()
    _touch(challenge)
    record(actor, "challenge.responded", challenge, stage=stage.stage, late=stage.responded_at.date() > stage.due_on)
    return stage


def accept(challenge: Challenge, *, actor: User, outcome: str, expected_version: int, today: date) -> None:
    """The IRO accepts the response: the challenge is resolved at the current stage, with the outcome."""
    _require_progress(actor, challenge)
    _check_fresh(challenge, expected_version)
    check(challenge, ChallengeEvent.ACCEPT, current_stages())
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationFailed([("outcome", "Describe the outcome agreed")])
    if len(outcome) > MAX_TEXT:
        raise ValidationFailed([("outcome", f"Use {MAX_TEXT:,} characters or fewer")])
    stage = current_stage_row(challenge)
    _close(stage, today, "resolved")
    challenge.status = ChallengeStatus.RESOLVED
    challenge.resolved_on = today
    challenge.resolved_stage = stage.stage
    challenge.resolution = outcome
    _touch(challenge)
    record(actor, "challenge.resolved", challenge, stage=stage.stage, resolved_on=today)


def move_on(challenge: Challenge, *, actor: User, to_stage: str, responder: User | None,
            second_responder: User | None, reason: str, expected_version: int, today: date,
            stages: tuple[Stage, ...] | None = None) -> ChallengeStage:
    """Escalate to the next stage, or skip to a later one (a reason is then required; the stages
    passed over are kept, marked skipped). The new stage is due after its timescale in working
    days, and a formal stage never later than the formal deadline."""
    stages = stages or current_stages()
    _require_progress(actor, challenge)
    _check_fresh(challenge, expected_version)
    later = later_stages(stages, challenge.current_stage)
    keys = [s.key for s in later]
    if to_stage not in keys:
        raise ValidationFailed([("to_stage", "Choose one of the later stages")])
    position = keys.index(to_stage)
    event = ChallengeEvent.ESCALATE if position == 0 else ChallengeEvent.SKIP
    check(challenge, event, stages)
    reason = (reason or "").strip()
    problems = _check_responders(responder, second_responder, required=True)
    if event == ChallengeEvent.SKIP and not reason:
        problems.append(("reason", "Give the reason for skipping a stage"))
    if len(reason) > MAX_TEXT:
        problems.append(("reason", f"Use {MAX_TEXT:,} characters or fewer"))
    if problems:
        raise ValidationFailed(problems)

    _close(current_stage_row(challenge), today, "escalated")
    for skipped in later[:position]:
        challenge.stages.append(ChallengeStage(
            stage=skipped.key, opened_on=today, due_on=today, closed_on=today, closed_because="skipped",
            skip_reason=reason,
        ))
    target = later[position]
    row = ChallengeStage(stage=target.key, responder=responder, second_responder=second_responder,
                         opened_on=today, due_on=due_if_moved_to(challenge, target, today, stages), skip_reason="")
    challenge.stages.append(row)
    challenge.current_stage = target.key
    _touch(challenge)
    record(actor, "challenge.skipped" if event == ChallengeEvent.SKIP else "challenge.escalated", challenge,
           to_stage=target.key, skipped=[s.key for s in later[:position]], reason=reason, due_on=row.due_on,
           responder_id=responder.id if responder else None,
           second_responder_id=second_responder.id if second_responder else None)
    return row


def withdraw(challenge: Challenge, *, actor: User, reason: str, expected_version: int, today: date) -> None:
    """The IRO withdraws the challenge, with a reason."""
    _require_progress(actor, challenge)
    _check_fresh(challenge, expected_version)
    check(challenge, ChallengeEvent.WITHDRAW, current_stages())
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([("reason", "Give the reason for withdrawing the challenge")])
    if len(reason) > MAX_TEXT:
        raise ValidationFailed([("reason", f"Use {MAX_TEXT:,} characters or fewer")])
    stage = current_stage_row(challenge)
    _close(stage, today, "withdrawn")
    challenge.status = ChallengeStatus.WITHDRAWN
    challenge.resolution = reason
    _touch(challenge)
    record(actor, "challenge.withdrawn", challenge, stage=stage.stage, reason=reason)


def flag_cafcass(challenge: Challenge, *, actor: User, referred_on: date | None, expected_version: int,
                 today: date) -> None:
    """Record that the IRO referred the child's case to Cafcass, on `referred_on` (not in the future)."""
    _require_progress(actor, challenge)
    _check_fresh(challenge, expected_version)
    check(challenge, ChallengeEvent.FLAG_CAFCASS, current_stages())
    if referred_on is None:
        raise ValidationFailed([("referred_on", "Enter the date of the referral")])
    if referred_on > today:
        raise ValidationFailed([("referred_on", "The date of the referral must be today or in the past")])
    challenge.cafcass_referred = True
    challenge.cafcass_referred_on = referred_on
    _touch(challenge)
    record(actor, "challenge.cafcass_flagged", challenge, referred_on=referred_on)


def change_responders(challenge: Challenge, *, actor: User, responder: User | None, second_responder: User | None,
                      expected_version: int) -> None:
    """The IRO (or a QA lead) names who responds at the current stage."""
    _require_progress(actor, challenge)
    _check_fresh(challenge, expected_version)
    check(challenge, ChallengeEvent.REASSIGN, current_stages())
    problems = _check_responders(responder, second_responder, required=True)
    if problems:
        raise ValidationFailed(problems)
    stage = current_stage_row(challenge)
    before = [stage.responder_id, stage.second_responder_id]
    stage.responder = responder
    stage.second_responder = second_responder
    _touch(challenge)
    record(actor, "challenge.responders_changed", challenge, stage=stage.stage, before=before,
           after=[stage.responder.id if stage.responder else None,
                  stage.second_responder.id if stage.second_responder else None])


# --- helpers ------------------------------------------------------------------------------------

def _require_progress(actor: User, challenge: Challenge) -> None:
    if not can_progress(actor, challenge):
        raise NotPermitted("Only the IRO who raised this challenge, or a QA lead, can do this.")


def _check_fresh(challenge: Challenge, expected_version: int) -> None:
    if expected_version == challenge.version:
        return
    last = changes(challenge, limit=1)
    who = (last[0][1] if last else None) or "Someone"
    raise StaleEdit(f"{who} changed this challenge after you opened it. Nothing you entered has been "
                    "saved: check the challenge as it is now, then try again.")


def _close(stage: ChallengeStage, today: date, because: str) -> None:
    stage.closed_on = today
    stage.closed_because = because


def _touch(challenge: Challenge) -> None:
    # A change to a stage row alone would not update the challenge row, so its version would not
    # move and a stale page could still act: mark the row changed so the version always moves.
    flag_modified(challenge, "current_stage")
    db.session.flush()
