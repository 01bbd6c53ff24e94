"""Planning rounds: creating them, confirming the sample, changing it by hand, assigning auditors."""

import random
from collections import Counter
from datetime import date

import sqlalchemy as sa

from qa_app.audit_forms.models import TemplateVersion
from qa_app.audits.models import Audit
from qa_app.audits.workflow import AuditEvent, AuditStatus, EDITABLE_STATES, next_status

OPEN_STATES = (AuditStatus.NOT_STARTED, AuditStatus.IN_PROGRESS, AuditStatus.RETURNED)
from qa_app.auth.models import Role, User, UserRole
from qa_app.cases.models import CaseFile
from qa_app.db import utcnow
from qa_app.errors import DomainError, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.rounds.models import AuditRound, RoundStatus, SampleChange
from qa_app.rounds.sampling import SampleRule, preview_sample


def create_round(*, name: str, template_version: TemplateVersion, due_date: date, rule: SampleRule,
                 seed: int | None, actor: User, today: date, moderation: dict | None = None) -> AuditRound:
    """A new round in planning. ValidationFailed for a taken name, a past due date or a bad rule."""
    name = " ".join(name.split())
    problems = []
    if not name:
        problems.append(("name", "Enter a name for the round."))
    elif len(name) > 160:
        problems.append(("name", "The name must be 160 characters or fewer."))
    elif db.session.scalar(sa.select(AuditRound.id).where(AuditRound.name == name)) is not None:
        problems.append(("name", f"A round called '{name}' already exists."))
    if due_date < today:
        problems.append(("due_date", "The due date must be today or in the future."))
    try:
        rule.validate()
    except ValidationFailed as error:
        problems.extend(error.problems)
    if problems:
        raise ValidationFailed(problems)
    round_ = AuditRound(
        name=name, template_version=template_version, due_date=due_date, sample_rule=rule.to_dict(),
        seed=seed if seed is not None else random.SystemRandom().randrange(1, 1_000_000),
        created_by_id=actor.id, **(moderation or {}),
    )
    db.session.add(round_)
    record(actor, "round.created", round_, name=name, template=template_version.key,
           template_version=template_version.version_label, rule=rule.to_dict(), seed=round_.seed)
    return round_


def record_past_round(*, name: str, template_version: TemplateVersion, started_at, due_date: date, seed: int,
                      sample_rule: dict, created_by_id: int | None) -> AuditRound:
    """A round that ran before this service held it (a results workbook's, the demo's past rounds):
    its sample confirmed when it started, and in reporting, since its audits arrive submitted.
    DomainError when a round of that name exists."""
    name = " ".join(name.split())
    if db.session.scalar(sa.select(AuditRound.id).where(AuditRound.name == name)) is not None:
        raise DomainError(f"A round called '{name}' already exists.")
    round_ = AuditRound(name=name, template_version=template_version, status=RoundStatus.REPORTING,
                        due_date=due_date, seed=seed, sample_confirmed_at=started_at, created_at=started_at,
                        created_by_id=created_by_id, sample_rule=sample_rule)
    db.session.add(round_)
    return round_


def confirm_sample(round_: AuditRound, *, actor: User, today: date) -> list[Audit]:
    """Create one audit per sampled case file; the round moves to auditing."""
    if round_.sample_confirmed_at is not None:
        raise DomainError("The sample for this round has already been confirmed.")
    preview = preview_sample(round_, today)
    if not preview.chosen:
        raise DomainError("No case files match this sample rule, so there is nothing to confirm.")
    audits = [
        Audit(round=round_, case_file_id=c.case_file_id, template_version_id=round_.template_version_id,
              sampled_by="rule")
        for c in preview.chosen
    ]
    db.session.add_all(audits)
    round_.sample_confirmed_at = utcnow()
    round_.status = RoundStatus.AUDITING
    record(actor, "round.sample_confirmed", round_, size=len(audits),
           cases=[c.reference for c in preview.chosen])
    return audits


def add_case(round_: AuditRound, case_file: CaseFile, *, reason: str, actor: User) -> Audit:
    reason = _require_reason(reason)
    _require_confirmed(round_)
    audit = db.session.scalar(sa.select(Audit).where(Audit.round_id == round_.id,
                                                     Audit.case_file_id == case_file.id))
    if audit is not None and audit.status != AuditStatus.REMOVED:
        raise DomainError(f"Case file {case_file.reference} is already in this round.")
    if audit is None:
        audit = Audit(round=round_, case_file=case_file, template_version_id=round_.template_version_id,
                      sampled_by="hand")
        db.session.add(audit)
    else:
        audit.status = next_status(audit.status, AuditEvent.RESTORE)
        audit.sampled_by = "hand"
    db.session.add(SampleChange(round_id=round_.id, case_file_id=case_file.id, change="added",
                                reason=reason, changed_by_id=actor.id))
    record(actor, "round.case_added", round_, case=case_file.reference, reason=reason)
    return audit


def remove_case(audit: Audit, *, reason: str, actor: User) -> None:
    """Take a not-yet-started audit out of the sample (InvalidTransition once work has begun)."""
    reason = _require_reason(reason)
    audit.status = next_status(audit.status, AuditEvent.REMOVE)
    db.session.add(SampleChange(round_id=audit.round_id, case_file_id=audit.case_file_id, change="removed",
                                reason=reason, changed_by_id=actor.id))
    record(actor, "round.case_removed", audit.round, case=audit.case_file.reference, reason=reason)


def eligible_auditors() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(UserRole).where(UserRole.role == Role.AUDITOR, User.active.is_(True))
        .order_by(User.display_name, User.id)
    ))


def open_loads(auditor_ids) -> Counter:
    """Each auditor's open audits across every round (not started, in progress or returned)."""
    load = Counter({auditor_id: 0 for auditor_id in auditor_ids})
    rows = db.session.execute(
        sa.select(Audit.auditor_id, sa.func.count()).join(AuditRound, AuditRound.id == Audit.round_id)
        .where(Audit.auditor_id.in_(list(load)), Audit.status.in_([s.value for s in OPEN_STATES]),
               AuditRound.status != RoundStatus.CANCELLED)
        .group_by(Audit.auditor_id))
    for auditor_id, n in rows:
        load[auditor_id] = n
    return load


def auto_assign(round_: AuditRound, *, actor: User, auditors: list[User] | None = None) -> int:
    """Give every unassigned audit an auditor, the one with the fewest open audits (across every
    round) first, so work is balanced. An auditor never gets a file from their own team; when the
    round matches service areas, only an auditor whose team is in the case's service area. An audit
    nobody can take stays unassigned (the round page says so). Returns how many were assigned.
    """
    auditors = auditors if auditors is not None else eligible_auditors()
    if not auditors:
        raise DomainError("There are no active auditors to assign. Add users with the auditor role first.")
    audits = list(db.session.scalars(
        sa.select(Audit).where(Audit.round_id == round_.id, Audit.status != AuditStatus.REMOVED)
    ))
    load = open_loads([auditor.id for auditor in auditors])
    rng = random.Random(round_.seed)
    order = {auditor.id: rng.random() for auditor in auditors}
    assigned = 0
    left = []
    unassigned = sorted((a for a in audits if a.auditor_id is None), key=lambda a: a.case_file.reference)
    for audit in unassigned:
        case_team = audit.case_file.team
        pool = [u for u in auditors if u.team_id != case_team.id]
        if round_.match_service_area:
            pool = [u for u in pool if u.team is not None and u.team.service_area == case_team.service_area]
        if not pool:
            left.append(audit.case_file.reference)
            continue
        chosen = min(pool, key=lambda u: (load[u.id], order[u.id]))
        audit.auditor_id = chosen.id
        load[chosen.id] += 1
        assigned += 1
    record(actor, "round.auto_assigned", round_, assigned=assigned, left_unassigned=left,
           match_service_area=round_.match_service_area, load={str(k): v for k, v in load.items()})
    return assigned


def assign(audit: Audit, auditor: User, *, actor: User) -> None:
    """Give the audit to `auditor`; only before it is submitted."""
    if audit.status not in EDITABLE_STATES:
        raise DomainError("A submitted or removed audit cannot be reassigned.")
    if not auditor.has_role(Role.AUDITOR) or not auditor.active:
        raise DomainError(f"{auditor.display_name} is not an active auditor.")
    previous = audit.auditor.email if audit.auditor else None
    audit.auditor_id = auditor.id
    record(actor, "audit.assigned", audit, auditor=auditor.email, previous=previous)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([("reason", "Give a reason for changing the sample.")])
    if len(reason) > 2000:
        raise ValidationFailed([("reason", "The reason must be 2,000 characters or fewer.")])
    return reason


def _require_confirmed(round_: AuditRound) -> None:
    if round_.sample_confirmed_at is None:
        raise DomainError("Confirm the sample before adding case files by hand.")
