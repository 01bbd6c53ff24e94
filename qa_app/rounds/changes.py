"""Changing a round once it is saved.

Before any audit in it is started, every setting can change (name, template version, due date,
sample rule and seed, moderation rule, reflections, service-area matching); when a confirmed
sample's rule, seed or template changes, its not-started audits are taken away and the round goes
back to planning, so the new sample is previewed and confirmed again. Once an audit has started:
the due date can be extended, case files added or removed by hand with a reason
(`rounds.services.add_case` / `remove_case`), and the round cancelled with a reason. Every change
is written to the history with what it was before and after.
"""

from datetime import date

import sqlalchemy as sa

from qa_app.audit_forms.models import TemplateVersion
from qa_app.audits.models import Audit
from qa_app.audits.workflow import AuditEvent, AuditStatus, next_status
from qa_app.db import utcnow
from qa_app.errors import DomainError, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.rounds.models import AuditRound, RoundStatus
from qa_app.rounds.sampling import SampleRule

NOT_STARTED_STATES = (AuditStatus.NOT_STARTED, AuditStatus.REMOVED)
MODERATION_SETTINGS = ("moderation_percent", "moderate_inadequate", "moderate_outstanding",
                       "moderate_immediate_risk", "blind_moderation", "reflections_enabled", "match_service_area")


def has_started(round_: AuditRound) -> bool:
    """True once any audit of the round is more than not started (or removed)."""
    return db.session.scalar(sa.select(sa.exists().where(
        Audit.round_id == round_.id, Audit.status.not_in([s.value for s in NOT_STARTED_STATES])))) or False


def can_edit_settings(round_: AuditRound) -> bool:
    return round_.status not in (RoundStatus.CANCELLED, RoundStatus.CLOSED) and not has_started(round_)


def _require_open(round_: AuditRound) -> None:
    if round_.status == RoundStatus.CANCELLED:
        raise DomainError("This round has been cancelled: it cannot be changed.")
    if round_.status == RoundStatus.CLOSED:
        raise DomainError("This round is closed: it cannot be changed.")


def update_round(round_: AuditRound, *, name: str, template_version: TemplateVersion, due_date: date,
                 rule: SampleRule, seed: int | None, settings: dict, actor, today: date) -> dict:
    """Change any setting of a round none of whose audits has started. Returns the changes
    ({setting: [before, after]}). DomainError once an audit has started or the round is cancelled
    or closed; ValidationFailed (on the field) for a taken or blank name, a past due date or a bad rule.
    """
    _require_open(round_)
    if has_started(round_):
        raise DomainError("An audit in this round has started, so its settings cannot change. You can "
                          "extend the due date, add or remove case files, or cancel the round.")
    name = " ".join((name or "").split())
    problems = []
    if not name:
        problems.append(("name", "Enter a name for the round."))
    elif len(name) > 160:
        problems.append(("name", "The name must be 160 characters or fewer."))
    elif db.session.scalar(sa.select(AuditRound.id).where(AuditRound.name == name, AuditRound.id != round_.id)):
        problems.append(("name", f"A round called '{name}' already exists."))
    if due_date < today and due_date != round_.due_date:
        problems.append(("due_date", "The due date must be today or in the future."))
    try:
        rule.validate()
    except ValidationFailed as error:
        problems.extend(error.problems)
    if problems:
        raise ValidationFailed(problems)
    seed = round_.seed if seed is None else seed
    before = _settings(round_)
    round_.name, round_.template_version, round_.due_date = name, template_version, due_date
    round_.template_version_id = template_version.id
    round_.sample_rule, round_.seed = rule.to_dict(), seed
    for key in MODERATION_SETTINGS:
        if key in settings:
            setattr(round_, key, settings[key])
    after = _settings(round_)
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if not changes:
        return changes
    record(actor, "round.edited", round_, changes=changes)
    resample = {"template_version", "sample_rule", "seed"} & changes.keys()
    if round_.sample_confirmed_at is not None and resample:
        audits = list(db.session.scalars(sa.select(Audit).where(Audit.round_id == round_.id)))
        for audit in audits:
            db.session.delete(audit)
        round_.sample_confirmed_at = None
        round_.status = RoundStatus.PLANNING
        record(actor, "round.sample_reset", round_, removed_audits=len(audits),
               because=sorted(resample))
    return changes


def _settings(round_: AuditRound) -> dict:
    version = round_.template_version
    return {"name": round_.name, "template_version": f"{version.key} {version.version_label}" if version else None,
            "due_date": round_.due_date.isoformat(), "sample_rule": dict(round_.sample_rule or {}),
            "seed": round_.seed, **{key: getattr(round_, key) for key in MODERATION_SETTINGS}}


def extend_due_date(round_: AuditRound, *, due_date: date, reason: str, actor) -> None:
    """Move the due date later (never earlier: audits already planned around it would turn overdue).
    ValidationFailed on `due_date` when it is not later than the current one."""
    _require_open(round_)
    if due_date is None or due_date <= round_.due_date:
        raise ValidationFailed([("due_date", f"The new due date must be after {round_.due_date.day} "
                                             f"{round_.due_date:%B %Y}.")])
    reason = " ".join((reason or "").split())[:2000]
    before = round_.due_date
    round_.due_date = due_date
    record(actor, "round.due_date_extended", round_, changes={"due_date": [before.isoformat(), due_date.isoformat()]},
           reason=reason)


def cancel_round(round_: AuditRound, *, reason: str, actor) -> int:
    """Cancel the round: its audits are kept, marked cancelled, and leave every report and every
    auditor's list. Returns how many audits were cancelled. ValidationFailed without a reason."""
    _require_open(round_)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([("reason", "Give the reason for cancelling the round.")])
    if len(reason) > 2000:
        raise ValidationFailed([("reason", "The reason must be 2,000 characters or fewer.")])
    audits = list(db.session.scalars(sa.select(Audit).where(
        Audit.round_id == round_.id, Audit.status.not_in([AuditStatus.REMOVED.value, AuditStatus.CANCELLED.value]))))
    before = {audit.id: audit.status for audit in audits}
    for audit in audits:
        audit.status = next_status(audit.status, AuditEvent.CANCEL)
    round_.status = RoundStatus.CANCELLED
    round_.cancelled_at = utcnow()
    round_.cancel_reason = reason
    record(actor, "round.cancelled", round_, reason=reason, audits={str(k): str(v) for k, v in before.items()})
    return len(audits)
