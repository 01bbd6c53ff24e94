"""The moderation's states and the transitions between them, and the audit transition each drives.

    selected ─► assigned ─grade─► graded ─complete─► completed
                  │  ▲              │
                  │  │              └─return─► returned ─(the auditor resubmits)─► complete / return again
          withdraw│  │reselect
                  ▼  │
                withdrawn  ◄─withdraw─ graded

Every moderation event that changes the audit names the audit event it drives; the audit's own
transition table (`qa_app.audits.workflow`) then decides whether the audit may move, so the two
state machines can never disagree. After a return, the moderator acts again only once the
auditor has resubmitted (the audit is `resubmitted`): that is the guard on `returned`.
"""

import enum
from dataclasses import dataclass

from qa_app.audits.workflow import AuditEvent, AuditStatus, next_status
from qa_app.errors import InvalidTransition


class ModerationStatus(enum.StrEnum):
    ASSIGNED = "assigned"          # selected; the moderator has not graded yet
    GRADED = "graded"              # the moderator has graded (blind grades locked in)
    RETURNED = "returned"          # sent back to the auditor for correction
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"        # taken out of the moderation sample by the QA lead

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    ModerationStatus.ASSIGNED: "To grade",
    ModerationStatus.GRADED: "Graded, to complete",
    ModerationStatus.RETURNED: "Returned for correction",
    ModerationStatus.COMPLETED: "Completed",
    ModerationStatus.WITHDRAWN: "Withdrawn",
}

_STATE_WORDS = {
    ModerationStatus.ASSIGNED: "waiting to be graded",
    ModerationStatus.GRADED: "graded",
    ModerationStatus.RETURNED: "returned for correction",
    ModerationStatus.COMPLETED: "completed",
    ModerationStatus.WITHDRAWN: "withdrawn",
}

# The moderation sample: every selected audit that has not been withdrawn.
ACTIVE_STATES = frozenset({ModerationStatus.ASSIGNED, ModerationStatus.GRADED, ModerationStatus.RETURNED,
                           ModerationStatus.COMPLETED})
# The moderator still has something to do (a returned one only once the auditor has resubmitted).
OPEN_STATES = frozenset({ModerationStatus.ASSIGNED, ModerationStatus.GRADED, ModerationStatus.RETURNED})


class ModerationOutcome(enum.StrEnum):
    AGREED = "agreed"
    MODERATED_WORSE = "moderated_worse"    # the moderator judged the file worse: the auditor was optimistic
    MODERATED_BETTER = "moderated_better"  # the moderator judged the file better: the auditor was pessimistic

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    ModerationOutcome.AGREED: "Agreed",
    ModerationOutcome.MODERATED_WORSE: "Moderated worse",
    ModerationOutcome.MODERATED_BETTER: "Moderated better",
}


def outcome(auditor_grade: int, moderator_grade: int, scale) -> ModerationOutcome:
    """Agreed, moderated worse (the moderator's grade is worse on `scale`) or moderated better.
    The one rule for a moderation's outcome: completing a moderation, an imported one and the
    side-by-side comparison all call it."""
    if scale.is_worse(moderator_grade, auditor_grade):
        return ModerationOutcome.MODERATED_WORSE
    if scale.is_worse(auditor_grade, moderator_grade):
        return ModerationOutcome.MODERATED_BETTER
    return ModerationOutcome.AGREED


class ModerationEvent(enum.StrEnum):
    SAVE_DRAFT = "save_draft"      # the moderator saves grades without locking them in
    GRADE = "grade"                # the moderator locks in their grades
    COMPLETE = "complete"
    RETURN = "return"              # return the audit to the auditor for correction
    REASSIGN = "reassign"          # a different moderator
    WITHDRAW = "withdraw"          # the QA lead takes the audit out of the moderation sample
    RESELECT = "reselect"          # the QA lead puts a withdrawn audit back


@dataclass(frozen=True)
class Transition:
    to: ModerationStatus
    audit_event: AuditEvent | None = None
    # The audit status this transition needs (checked first, for a clear message).
    needs_audit: AuditStatus | None = None


S, E = ModerationStatus, ModerationEvent
TRANSITIONS: dict[tuple[ModerationStatus, ModerationEvent], Transition] = {
    (S.ASSIGNED, E.SAVE_DRAFT): Transition(S.ASSIGNED),
    (S.ASSIGNED, E.GRADE): Transition(S.GRADED),
    (S.ASSIGNED, E.REASSIGN): Transition(S.ASSIGNED),
    (S.ASSIGNED, E.WITHDRAW): Transition(S.WITHDRAWN, AuditEvent.DESELECT),
    (S.GRADED, E.COMPLETE): Transition(S.COMPLETED, AuditEvent.COMPLETE_MODERATION),
    (S.GRADED, E.RETURN): Transition(S.RETURNED, AuditEvent.RETURN_FOR_CORRECTION),
    (S.GRADED, E.WITHDRAW): Transition(S.WITHDRAWN, AuditEvent.DESELECT),
    (S.RETURNED, E.COMPLETE): Transition(S.COMPLETED, AuditEvent.COMPLETE_MODERATION, AuditStatus.RESUBMITTED),
    (S.RETURNED, E.RETURN): Transition(S.RETURNED, AuditEvent.RETURN_FOR_CORRECTION, AuditStatus.RESUBMITTED),
    (S.WITHDRAWN, E.RESELECT): Transition(S.ASSIGNED, AuditEvent.SELECT_FOR_MODERATION),
}
del S, E

_EVENT_WORDS = {
    ModerationEvent.SAVE_DRAFT: "have grades saved",
    ModerationEvent.GRADE: "be graded",
    ModerationEvent.COMPLETE: "be completed",
    ModerationEvent.RETURN: "be returned for correction",
    ModerationEvent.REASSIGN: "be given to another moderator",
    ModerationEvent.WITHDRAW: "be withdrawn from moderation",
    ModerationEvent.RESELECT: "be put back into moderation",
}


def next_moderation_status(status: str, event: ModerationEvent,
                           audit_status: str) -> tuple[ModerationStatus, AuditStatus]:
    """(moderation status, audit status) after `event`, both checked before either changes.

    InvalidTransition, with a reason a person can act on, when the moderation's table forbids the
    event, when a returned audit has not been resubmitted yet, or when the audit's own table
    (`qa_app.audits.workflow.next_status`) forbids the audit event it drives.
    """
    current = ModerationStatus(status)
    transition = TRANSITIONS.get((current, event))
    if transition is None:
        raise InvalidTransition(f"A moderation that is {_STATE_WORDS[current]} cannot {_EVENT_WORDS[event]}.")
    if transition.needs_audit is not None and AuditStatus(audit_status) != transition.needs_audit:
        raise InvalidTransition(
            "The auditor has not resubmitted the audit yet. You can complete the moderation, or return "
            "it again, once they have.")
    audit_next = AuditStatus(audit_status)
    if transition.audit_event is not None:
        audit_next = next_status(audit_status, transition.audit_event)
    return transition.to, audit_next


def can(status: str, event: ModerationEvent, audit_status: str) -> bool:
    try:
        next_moderation_status(status, event, audit_status)
    except InvalidTransition:
        return False
    return True


def select_audit_status(audit_status: str) -> AuditStatus:
    """The audit's status once it is selected for moderation (InvalidTransition unless submitted)."""
    return next_status(audit_status, AuditEvent.SELECT_FOR_MODERATION)


def awaiting_moderator(status: str, audit_status: str) -> bool:
    """True when the next step is the moderator's: grading, completing, or a resubmitted audit."""
    return status in (ModerationStatus.ASSIGNED, ModerationStatus.GRADED) or (
        status == ModerationStatus.RETURNED and audit_status == AuditStatus.RESUBMITTED)


# What the pages call a moderation's state: its status, except that a returned audit the auditor
# has corrected and submitted again is waiting for the moderator, not the auditor.
RESUBMITTED = "resubmitted"
STAGE_LABELS = {**{status.value: label for status, label in STATUS_LABELS.items()},
                RESUBMITTED: "Resubmitted, to complete"}


def stage(moderation) -> str:
    """The moderation's state as people read it: its status, or "resubmitted" (see STAGE_LABELS)."""
    if moderation.status == ModerationStatus.RETURNED and moderation.audit.status == AuditStatus.RESUBMITTED:
        return RESUBMITTED
    return ModerationStatus(moderation.status).value


def allowed_actions(moderation, user) -> frozenset[str]:
    """What `user` may do with `moderation` now: the buttons and links a page shows.

    "grade" and "compare" go to the assigned moderator only; "withdraw", "reassign" to a QA lead;
    "view" to both. Blind grading is protected here: the assigned moderator gets no "view" (the
    page that shows the auditor's grades) while they have not graded.
    """
    from qa_app.moderation.permissions import can_manage_moderation, is_assigned_moderator

    actions = set()
    status, audit_status = moderation.status, moderation.audit.status
    assigned = is_assigned_moderator(user, moderation)
    if assigned and status == ModerationStatus.ASSIGNED:
        actions.add("grade")
    if assigned and awaiting_moderator(status, audit_status) and status != ModerationStatus.ASSIGNED:
        actions.add("compare")
    manager = can_manage_moderation(user)
    if (manager or assigned) and not (assigned and status == ModerationStatus.ASSIGNED):
        actions.add("view")
    if manager and can(status, ModerationEvent.WITHDRAW, audit_status):
        actions.add("withdraw")
    if manager and can(status, ModerationEvent.REASSIGN, audit_status):
        actions.add("reassign")
    return frozenset(actions)
