"""Raising and deciding disputes of moderated grades: plain functions, explicit actor, flush only."""

from datetime import date

import sqlalchemy as sa
from flask import current_app

from qa_app.audit_forms.schema import overall_grade_problem
from qa_app.audits.models import Audit
from qa_app.audits.services import set_final_grades
from qa_app.auth.models import Role, User, UserRole
from qa_app.db import utcnow
from qa_app.disputes.models import Decision, Dispute, DisputeStatus
from qa_app.disputes.permissions import can_decide, can_raise, deadline
from qa_app.errors import NotPermitted, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.moderation.models import Moderation
from qa_app.moderation.services import moderated_grades
from qa_app.notifications.services import queue

MAX_TEXT = 4000


def window_days() -> int:
    return int(current_app.config.get("DISPUTE_WORKING_DAYS", 10))


def moderation_of(audit: Audit) -> Moderation | None:
    return db.session.scalar(sa.select(Moderation).where(Moderation.audit_id == audit.id))


def dispute_of(audit: Audit) -> Dispute | None:
    return db.session.scalar(sa.select(Dispute).where(Dispute.audit_id == audit.id))


def _link(path: str) -> str:
    return (current_app.config.get("SERVICE_URL") or "").rstrip("/") + path


def raise_dispute(audit: Audit, *, actor, reason: str, today: date, window: int) -> Dispute:
    """The auditor disputes the moderator's overall grade, with the reason. The QA leads are told.

    NotPermitted unless the actor audited it, its moderation is completed with a different grade,
    it has not been disputed and it is within `window` working days of the moderation;
    ValidationFailed without a reason or with one over 4,000 characters.
    """
    moderation = moderation_of(audit)
    if not can_raise(actor, audit, moderation, dispute_of(audit), today=today, window_days=window):
        end = deadline(moderation, window)
        raise NotPermitted("Only the auditor can dispute a moderated grade that differs from theirs, once, "
                           + (f"by {end.day} {end:%B %Y}." if end else "after the moderation is completed."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([("reason", "Say why you dispute the moderated grade")])
    if len(reason) > MAX_TEXT:
        raise ValidationFailed([("reason", f"The reason must be {MAX_TEXT:,} characters or fewer")])
    dispute = Dispute(audit_id=audit.id, moderation_id=moderation.id, raised_by_id=actor.id, reason=reason,
                      auditor_grade=audit.overall_grade, moderated_grade=moderation.overall_grade)
    db.session.add(dispute)
    record(actor, "dispute.raised", dispute, audit=audit.id, reason=reason, auditor_grade=audit.overall_grade,
           moderated_grade=moderation.overall_grade)
    qa_leads = db.session.scalars(sa.select(User).join(UserRole).where(UserRole.role == Role.QA_LEAD,
                                                                       User.active.is_(True)))
    for lead in qa_leads:
        if lead.id in (audit.auditor_id, moderation.moderator_id):
            continue
        queue(lead, object_type="grade_disputes", object_id=dispute.id,
              subject=f"Moderated grade disputed: case file {audit.case_file.reference}",
              body=(f"{actor.display_name} disputes the moderated grade of the audit of case file "
                    f"{audit.case_file.reference}. A QA lead or a moderator who took no part decides.\n\n"
                    f"Decide it: {_link(f'/disputes/{dispute.id}')}"))
    return dispute


def decide(dispute: Dispute, *, actor, decision: str | None, grade: int | None, rationale: str,
           expected_version: int | None) -> Dispute:
    """A third person decides: uphold the moderator (the final grade stays the moderator's), uphold
    the auditor (the auditor's grades count) or a different overall grade (the moderator's
    question grades stand). The final grade follows, through `set_final_grades`; the moderation
    and its pair of grades are kept as they were. The auditor and the moderator are told.

    NotPermitted for anyone who took part or may not decide; StaleEdit; ValidationFailed without
    a decision or rationale, or for a different grade that is missing, not on the scale, the
    same as one of the two in dispute, or better than a limiting question allows.
    """
    if not can_decide(actor, dispute):
        raise NotPermitted("A QA lead or a moderator who took no part in this audit decides the dispute, "
                           "while it is open.")
    if expected_version is not None and dispute.version != expected_version:
        raise StaleEdit("Someone decided or changed this dispute after you opened it. Nothing was saved.")
    audit, moderation = dispute.audit, dispute.moderation
    scale = audit.template.scale
    problems = []
    if decision not in {d.value for d in Decision}:
        problems.append(("decision", "Choose your decision"))
    rationale = (rationale or "").strip()
    if not rationale:
        problems.append(("rationale", "Give the reasons for your decision"))
    elif len(rationale) > MAX_TEXT:
        problems.append(("rationale", f"The reasons must be {MAX_TEXT:,} characters or fewer"))
    answers = moderated_grades(moderation)
    if decision == Decision.DIFFERENT_GRADE:
        if grade not in scale.values():
            problems.append(("grade", "Choose the grade"))
        elif grade in (dispute.auditor_grade, dispute.moderated_grade):
            problems.append(("grade", "Choose a grade different from both the auditor's and the moderator's, or "
                                      "uphold one of them"))
        else:
            limited = overall_grade_problem(audit.template, grade, answers)
            if limited:
                problems.append(("grade", limited))
    if problems:
        raise ValidationFailed(problems)
    final = {Decision.UPHOLD_MODERATOR: dispute.moderated_grade, Decision.UPHOLD_AUDITOR: dispute.auditor_grade,
             Decision.DIFFERENT_GRADE: grade}[Decision(decision)]
    before = audit.final_grade
    if decision == Decision.UPHOLD_AUDITOR:
        set_final_grades(audit, overall=audit.overall_grade)   # the auditor's grades count again
    else:
        set_final_grades(audit, overall=final, answers=answers)
    dispute.status, dispute.decision, dispute.decided_grade = DisputeStatus.DECIDED.value, decision, final
    dispute.rationale, dispute.decided_by_id, dispute.decided_at = rationale, actor.id, utcnow()
    record(actor, "dispute.decided", dispute, audit=audit.id, decision=decision, final_grade=final,
           rationale=rationale)
    record(actor, "audit.final_grade_changed", audit, by="dispute", dispute=dispute.id, before=before, after=final)
    for user in (dispute.raised_by, moderation.moderator):
        if user is not None and user.active:
            queue(user, object_type="grade_disputes", object_id=dispute.id,
                  subject=f"Dispute decided: case file {audit.case_file.reference}",
                  body=(f"The dispute of the moderated grade of case file {audit.case_file.reference} has been "
                        f"decided: {Decision(decision).label.lower()}. The final grade is "
                        f"{scale.label(final)}.\n\nRead the decision: {_link(f'/disputes/{dispute.id}')}"))
    return dispute


def figures(audit_ids) -> dict:
    """Disputes of the audits in `audit_ids` (a select of ids): raised, open, and how they ended."""
    # Grouped by the column itself: PostgreSQL will not match an expression with a bound parameter
    # in SELECT to the same expression in GROUP BY (each gets its own parameter).
    counts = {decision or "open": n for decision, n in db.session.execute(
        sa.select(Dispute.decision, sa.func.count())
        .where(Dispute.audit_id.in_(audit_ids)).group_by(Dispute.decision)).all()}
    return {"raised": sum(counts.values()), "open": counts.get("open", 0),
            **{decision.value: counts.get(decision.value, 0) for decision in Decision}}
