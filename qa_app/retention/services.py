"""What retention erases, and legal holds. Plain functions; the caller commits (the command line
commits after each batch, so a long run never holds the database for long)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from qa_app.actions.models import Action, Reflection
from qa_app.audit_forms.models import TemplateQuestion
from qa_app.audits.models import Answer, Audit, AuditVersion
from qa_app.cases.models import CaseFile
from qa_app.challenges.models import Challenge, ChallengeStage
from qa_app.db import utcnow
from qa_app.errors import ValidationFailed
from qa_app.escalations.models import Escalation
from qa_app.extensions import db
from qa_app.history.models import Event, EventCase, EventPayload
from qa_app.history.services import record
from qa_app.moderation.models import ModeratedAnswer, Moderation, ModerationChange
from qa_app.retention.models import LegalHold
from qa_app.retention.policy import KINDS
from qa_app.reviews.models import ReviewCheck
from qa_app.rounds.models import AuditRound

ERASED = "Erased by retention"


# --------------------------------------------------------------------------- legal hold


def place_hold(*, actor, reason: str, case_reference: str = "", round_name: str = "") -> LegalHold:
    """Hold a case file (by reference) or a round (by name). ValidationFailed names the field."""
    reason = reason.strip()
    problems = []
    case = round_ = None
    if bool(case_reference.strip()) == bool(round_name.strip()):
        problems.append(("case_reference", "Enter a case reference or choose a round (one of them)"))
    elif case_reference.strip():
        case = db.session.scalar(sa.select(CaseFile).where(CaseFile.reference == case_reference.strip().upper()))
        if case is None:
            problems.append(("case_reference", f"There is no case file with the reference {case_reference.strip()[:64]}"))
    else:
        round_ = db.session.scalar(sa.select(AuditRound).where(AuditRound.name == round_name.strip()))
        if round_ is None:
            problems.append(("round_name", "There is no round with that name"))
    if not reason:
        problems.append(("reason", "Enter why the records must be kept (for example, the legal case)"))
    if problems:
        raise ValidationFailed(problems)
    hold = LegalHold(case_file=case, round=round_, reason=reason, placed_by_id=getattr(actor, "id", None))
    db.session.add(hold)
    record(actor, "legal_hold.placed", hold, target=("case" if case else "round"),
           case_ids=[case.id] if case else (), round=round_.id if round_ else None, reason=reason)
    return hold


def release_hold(hold: LegalHold, *, actor, reason: str) -> None:
    if not hold.active:
        raise ValidationFailed([("reason", "This hold has already been released")])
    if not reason.strip():
        raise ValidationFailed([("reason", "Enter why the hold can end")])
    hold.released_at, hold.released_by_id, hold.release_reason = utcnow(), getattr(actor, "id", None), reason.strip()
    record(actor, "legal_hold.released", hold, case_ids=[hold.case_file_id] if hold.case_file_id else (),
           reason=reason.strip())


def active_holds() -> list[LegalHold]:
    return list(db.session.scalars(sa.select(LegalHold).where(LegalHold.released_at.is_(None))
                                   .order_by(LegalHold.placed_at)))


def _held() -> tuple[sa.Select, sa.Select]:
    """Subqueries: the ids of held case files, and of held rounds."""
    active = LegalHold.released_at.is_(None)
    return (sa.select(LegalHold.case_file_id).where(active, LegalHold.case_file_id.is_not(None)),
            sa.select(LegalHold.round_id).where(active, LegalHold.round_id.is_not(None)))


def _audit_not_held(audit_id_column) -> sa.ColumnElement:
    cases, rounds = _held()
    return ~sa.exists().where(Audit.id == audit_id_column,
                              sa.or_(Audit.case_file_id.in_(cases), Audit.round_id.in_(rounds)))


# --------------------------------------------------------------------------- what is due


def _cutoff(today: date, days: int) -> datetime:
    return datetime.combine(today - timedelta(days=days), time())


def due_query(kind: str, today: date, days: int) -> sa.Select:
    """The ids of `kind` records whose retention period has ended, that no hold protects and that
    are not erased yet, oldest first."""
    cutoff = _cutoff(today, days)
    cases, rounds = _held()
    if kind == "audits":
        clock = sa.func.coalesce(Audit.submitted_at, Audit.updated_at)
        return (sa.select(Audit.id).where(Audit.erased_at.is_(None), clock < cutoff,
                                          Audit.case_file_id.not_in(cases), Audit.round_id.not_in(rounds))
                .order_by(clock, Audit.id))
    if kind == "actions":
        clock = sa.func.coalesce(Action.verified_at, Action.done_at)
        return (sa.select(Action.id).where(Action.erased_at.is_(None), Action.status.in_(("done", "verified")),
                                           clock < cutoff, _audit_not_held(Action.audit_id))
                .order_by(clock, Action.id))
    if kind == "challenges":
        clock = sa.func.coalesce(Challenge.resolved_on, Challenge.raised_on)
        return (sa.select(Challenge.id).where(Challenge.erased_at.is_(None), Challenge.status != "open",
                                              clock < cutoff.date(), Challenge.case_file_id.not_in(cases),
                                              sa.or_(Challenge.audit_id.is_(None), _audit_not_held(Challenge.audit_id)))
                .order_by(clock, Challenge.id))
    if kind == "escalations":
        return (sa.select(Escalation.id).where(Escalation.erased_at.is_(None),
                                               Escalation.status.in_(("acknowledged", "closed")),
                                               Escalation.acknowledged_at < cutoff,
                                               Escalation.case_file_id.not_in(cases),
                                               _audit_not_held(Escalation.audit_id))
                .order_by(Escalation.acknowledged_at, Escalation.id))
    if kind == "feedback":
        return (sa.select(Reflection.id).where(Reflection.created_at < cutoff, _audit_not_held(Reflection.audit_id))
                .order_by(Reflection.created_at, Reflection.id))
    if kind == "history":
        held_cases = sa.union(cases, sa.select(Audit.case_file_id).where(Audit.round_id.in_(rounds)))
        return (sa.select(EventPayload.event_id).join(Event, Event.id == EventPayload.event_id)
                .where(EventPayload.detail.is_not(None), Event.at < cutoff,
                       ~sa.exists().where(EventCase.event_id == Event.id, EventCase.case_file_id.in_(held_cases)))
                .order_by(Event.at, Event.id))
    raise ValueError(kind)


@dataclass
class Due:
    kind: str
    days: int
    count: int
    ids: list[int] = field(default_factory=list)


def what_is_due(policy: dict[str, int], today: date, *, sample: int = 20) -> list[Due]:
    """For each kind: its period, how many records are due, and the first `sample` ids."""
    result = []
    for kind in KINDS:
        query = due_query(kind, today, policy[kind])
        count = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
        ids = list(db.session.scalars(query.limit(sample))) if count else []
        result.append(Due(kind, policy[kind], count, ids))
    return result


# --------------------------------------------------------------------------- erasing


def run_retention(policy: dict[str, int], today: date, *, actor=None, batch: int = 500,
                  commit: Callable[[], None] | None = None) -> dict[str, list[int]]:
    """Erase every record that is due, `batch` at a time; each batch leaves one `retention.erased`
    event with its kind, count and ids, and is committed by `commit()` (when given) before the next."""
    done: dict[str, list[int]] = {kind: [] for kind in KINDS}
    for kind in KINDS:
        while True:
            ids = list(db.session.scalars(due_query(kind, today, policy[kind]).limit(batch)))
            if not ids:
                break
            ERASERS[kind](ids)
            record(actor, "retention.erased", None, kind=kind, count=len(ids), ids=ids, days=policy[kind])
            done[kind].extend(ids)
            if commit is None:
                db.session.flush()
                if len(ids) < batch:
                    break
            else:
                commit()
    return done


def _erase_payloads(object_type: str, ids: list[int]) -> None:
    events = sa.select(Event.id).where(Event.object_type == object_type, Event.object_id.in_(ids))
    db.session.execute(sa.update(EventPayload).where(EventPayload.event_id.in_(events),
                                                     EventPayload.detail.is_not(None))
                       .values(detail=sa.null(), erased_at=utcnow()).execution_options(synchronize_session=False))


def _erase_audits(ids: list[int]) -> None:
    now = utcnow()
    db.session.execute(sa.update(Audit).where(Audit.id.in_(ids)).values(
        overall_summary="", erased_at=now,
        immediate_risk_reason=sa.case((Audit.immediate_risk, ERASED), else_="")).execution_options(
        synchronize_session=False))
    db.session.execute(sa.update(Answer).where(Answer.audit_id.in_(ids)).values(evidence="")
                       .execution_options(synchronize_session=False))
    # The value of a free-text question is text too; grades and choices stay.
    for version_id, audit_ids in _by_template_version(ids).items():
        keys = sa.select(TemplateQuestion.key).where(TemplateQuestion.template_version_id == version_id,
                                                     TemplateQuestion.type == "text")
        db.session.execute(sa.update(Answer).where(Answer.audit_id.in_(audit_ids), Answer.question_key.in_(keys))
                           .values(value="").execution_options(synchronize_session=False))
    for version in db.session.scalars(sa.select(AuditVersion).where(AuditVersion.audit_id.in_(ids))):
        snapshot = dict(version.snapshot)
        snapshot["overall_summary"] = ""
        snapshot["immediate_risk_reason"] = ERASED if snapshot.get("immediate_risk") else ""
        snapshot["answers"] = {key: {"grade": answer.get("grade")}
                               for key, answer in (snapshot.get("answers") or {}).items()}
        version.snapshot = snapshot
    moderations = sa.select(Moderation.id).where(Moderation.audit_id.in_(ids))
    db.session.execute(sa.update(Moderation).where(Moderation.audit_id.in_(ids)).values(
        overall_rationale="", return_comments="", selection_note="").execution_options(synchronize_session=False))
    db.session.execute(sa.update(ModeratedAnswer).where(ModeratedAnswer.moderation_id.in_(moderations))
                       .values(rationale="").execution_options(synchronize_session=False))
    db.session.execute(sa.update(ModerationChange).where(ModerationChange.audit_id.in_(ids))
                       .values(reason=ERASED).execution_options(synchronize_session=False))
    db.session.execute(sa.update(ReviewCheck).where(ReviewCheck.audit_id.in_(ids))
                       .values(evidence="").execution_options(synchronize_session=False))
    _erase_payloads("audits", ids)
    _erase_payloads("moderations", list(db.session.scalars(moderations)))
    db.session.expire_all()


def _by_template_version(ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for audit_id, version_id in db.session.execute(
            sa.select(Audit.id, Audit.template_version_id).where(Audit.id.in_(ids))):
        found.setdefault(version_id, []).append(audit_id)
    return found


def _erase_actions(ids: list[int]) -> None:
    db.session.execute(sa.update(Action).where(Action.id.in_(ids)).values(
        description=ERASED, done_note="", reopened_reason="", erased_at=utcnow())
        .execution_options(synchronize_session=False))
    _erase_payloads("actions", ids)
    db.session.expire_all()


def _erase_challenges(ids: list[int]) -> None:
    db.session.execute(sa.update(Challenge).where(Challenge.id.in_(ids)).values(
        concern=ERASED, outcome_sought=ERASED, resolution="", erased_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.execute(sa.update(ChallengeStage).where(ChallengeStage.challenge_id.in_(ids)).values(
        response="", skip_reason="").execution_options(synchronize_session=False))
    _erase_payloads("challenges", ids)
    db.session.expire_all()


def _erase_escalations(ids: list[int]) -> None:
    db.session.execute(sa.update(Escalation).where(Escalation.id.in_(ids)).values(
        reason=ERASED, action_taken=ERASED, outcome_note="", erased_at=utcnow()).execution_options(
        synchronize_session=False))
    _erase_payloads("escalations", ids)
    db.session.expire_all()


def _erase_feedback(ids: list[int]) -> None:
    _erase_payloads("reflections", ids)
    db.session.execute(sa.delete(Reflection).where(Reflection.id.in_(ids)).execution_options(
        synchronize_session=False))
    db.session.expire_all()


def _erase_history(ids: list[int]) -> None:
    db.session.execute(sa.update(EventPayload).where(EventPayload.event_id.in_(ids)).values(
        detail=sa.null(), erased_at=utcnow()).execution_options(synchronize_session=False))
    db.session.expire_all()


ERASERS = {"audits": _erase_audits, "actions": _erase_actions, "challenges": _erase_challenges,
           "escalations": _erase_escalations, "feedback": _erase_feedback, "history": _erase_history}
