"""Read-only queries of the moderation feature: queues, a round's sample, what an auditor sees."""

from dataclasses import dataclass

import sqlalchemy as sa

from qa_app.audits.models import Audit, AuditVersion
from qa_app.audits.workflow import SUBMITTED_STATES, AuditStatus
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.moderation.models import ModeratedAnswer, Moderation, ModerationChange
from qa_app.moderation.workflow import OPEN_STATES, ModerationStatus, outcome
from qa_app.rounds.models import AuditRound


def _waiting_for_moderator():
    """SQL: the moderator has something to do (a returned audit only once resubmitted)."""
    return sa.or_(
        Moderation.status.in_([ModerationStatus.ASSIGNED.value, ModerationStatus.GRADED.value]),
        sa.and_(Moderation.status == ModerationStatus.RETURNED, Audit.status == AuditStatus.RESUBMITTED),
    )


def queue_count(moderator_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Moderation.id)).join(Audit, Audit.id == Moderation.audit_id)
        .where(Moderation.moderator_id == moderator_id, _waiting_for_moderator())
    ) or 0


@dataclass(frozen=True)
class Queue:
    to_do: list[Moderation]            # the moderator's turn
    with_auditor: list[Moderation]     # returned, waiting for the auditor to resubmit
    done: list[Moderation]             # completed, newest first (the last 20)


def queue_for(moderator_id: int) -> Queue:
    moderations = list(db.session.scalars(
        sa.select(Moderation).where(Moderation.moderator_id == moderator_id,
                                    Moderation.status.in_([s.value for s in OPEN_STATES]))
        .order_by(Moderation.created_at, Moderation.id)
    ))
    done = list(db.session.scalars(
        sa.select(Moderation).where(Moderation.moderator_id == moderator_id,
                                    Moderation.status == ModerationStatus.COMPLETED)
        .order_by(Moderation.completed_at.desc(), Moderation.id.desc()).limit(20)
    ))
    to_do = [m for m in moderations if m.status != ModerationStatus.RETURNED
             or m.audit.status == AuditStatus.RESUBMITTED]
    waiting = [m for m in moderations if m not in to_do]
    return Queue(to_do=to_do, with_auditor=waiting, done=done)


@dataclass(frozen=True)
class RoundModerationSummary:
    round: AuditRound
    submitted: int
    selected: int
    unassigned: int
    completed: int


def rounds_for_moderation() -> list[RoundModerationSummary]:
    """Every round with a confirmed sample, newest first, with its moderation counts (one query)."""
    active = [s.value for s in ModerationStatus if s != ModerationStatus.WITHDRAWN]
    submitted_states = [s.value for s in SUBMITTED_STATES]
    counts = (
        sa.select(
            Moderation.round_id,
            sa.func.count(Moderation.id).label("selected"),
            sa.func.sum(sa.case((Moderation.moderator_id.is_(None), 1), else_=0)).label("unassigned"),
            sa.func.sum(sa.case((Moderation.status == ModerationStatus.COMPLETED, 1), else_=0)).label("completed"),
        ).where(Moderation.status.in_(active)).group_by(Moderation.round_id).subquery()
    )
    submitted = (
        sa.select(Audit.round_id, sa.func.count(Audit.id).label("submitted"))
        .where(Audit.status.in_(submitted_states)).group_by(Audit.round_id).subquery()
    )
    rows = db.session.execute(
        sa.select(AuditRound, submitted.c.submitted, counts.c.selected, counts.c.unassigned, counts.c.completed)
        .outerjoin(counts, counts.c.round_id == AuditRound.id)
        .outerjoin(submitted, submitted.c.round_id == AuditRound.id)
        .where(AuditRound.sample_confirmed_at.is_not(None))
        .order_by(AuditRound.created_at.desc(), AuditRound.id.desc())
    )
    return [RoundModerationSummary(r, s or 0, n or 0, u or 0, c or 0) for r, s, n, u, c in rows]


def round_moderations(round_id: int) -> list[Moderation]:
    return list(db.session.scalars(
        sa.select(Moderation).where(Moderation.round_id == round_id)
        .order_by(Moderation.status == ModerationStatus.WITHDRAWN, Moderation.id)
    ))


def round_changes(round_id: int) -> list[ModerationChange]:
    return list(db.session.scalars(
        sa.select(ModerationChange).where(ModerationChange.round_id == round_id)
        .order_by(ModerationChange.changed_at, ModerationChange.id)
    ))


def addable_audits(round_id: int) -> list[Audit]:
    """Submitted audits of the round not in the moderation sample (withdrawn ones included)."""
    in_sample = sa.select(Moderation.audit_id).where(Moderation.status != ModerationStatus.WITHDRAWN)
    return list(db.session.scalars(
        sa.select(Audit).where(Audit.round_id == round_id, Audit.status == AuditStatus.SUBMITTED,
                               Audit.id.not_in(in_sample))
        .order_by(Audit.id)
    ))


def moderation_of(audit_id: int) -> Moderation | None:
    return db.session.scalar(sa.select(Moderation).where(Moderation.audit_id == audit_id))


def moderated_answer_grades(audit_id: int) -> dict[str, int]:
    """{question key: grade} the moderator gave in the audit's completed moderation (only those graded)."""
    return dict(db.session.execute(
        sa.select(ModeratedAnswer.question_key, ModeratedAnswer.grade)
        .join(Moderation, Moderation.id == ModeratedAnswer.moderation_id)
        .where(Moderation.audit_id == audit_id, Moderation.status == ModerationStatus.COMPLETED.value,
               ModeratedAnswer.grade.is_not(None))
    ).all())


def versions_of(audit_id: int) -> list[AuditVersion]:
    return list(db.session.scalars(
        sa.select(AuditVersion).where(AuditVersion.audit_id == audit_id).order_by(AuditVersion.number)))


def returns_of(moderation: Moderation) -> list[Event]:
    """Every time the audit was returned for correction, oldest first, with the comments."""
    return list(db.session.scalars(
        sa.select(Event).where(Event.object_type == Moderation.__tablename__, Event.object_id == moderation.id,
                               Event.action == "moderation.returned")
        .order_by(Event.at, Event.id)
    ))


@dataclass(frozen=True)
class ComparisonRow:
    """One line of the side-by-side view: a graded question, or the overall grade (key None)."""

    key: str | None
    text: str
    auditor: str
    moderator: str
    differs: bool
    rationale: str
    evidence: str                  # the auditor's evidence for the answer
    outcome: str | None            # agreed / moderated_worse / moderated_better, None if a grade is missing


def comparison(moderation: Moderation, *, as_completed: bool | None = None) -> list[ComparisonRow]:
    """The auditor's and the moderator's grades side by side, the overall grade last.

    A completed moderation compares against the auditor's grades it stored on completion; one in
    progress against the audit as it is now (corrections included).
    """
    audit = moderation.audit
    template = audit.template
    scale = template.scale
    if as_completed is None:
        as_completed = moderation.status == ModerationStatus.COMPLETED
    answers = audit.answer_map()
    mine = {a.question_key: a for a in moderation.answers}

    def label(value):
        return scale.label(value) if value is not None else "Not graded"

    def row(key, text, auditor_grade, moderator_grade, rationale, evidence):
        both = auditor_grade is not None and moderator_grade is not None
        return ComparisonRow(
            key=key, text=text, auditor=label(auditor_grade), moderator=label(moderator_grade),
            differs=auditor_grade != moderator_grade, rationale=rationale, evidence=evidence,
            outcome=outcome(auditor_grade, moderator_grade, scale).value if both else None)

    rows = []
    for question in template.questions():
        if not question.is_graded:
            continue
        moderated = mine.get(question.key)
        answer = answers.get(question.key)
        auditor_grade = (moderated.auditor_grade if moderated else None) if as_completed else (
            answer.grade if answer else None)
        rows.append(row(question.key, question.text, auditor_grade, moderated.grade if moderated else None,
                        moderated.rationale if moderated else "", answer.evidence if answer else ""))
    auditor_overall = moderation.auditor_overall_grade if as_completed else audit.overall_grade
    rows.append(row(None, "Overall grade", auditor_overall, moderation.overall_grade,
                    moderation.overall_rationale, audit.overall_summary))
    return rows
