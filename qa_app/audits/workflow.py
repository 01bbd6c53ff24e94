"""The audit's states and the transitions between them.

not_started → in_progress → submitted                       (auditing)
submitted → in_moderation → moderated                       (moderation)
in_moderation/resubmitted → returned → resubmitted          (return for correction)
not_started ⇄ removed                                       (sample changed by hand)
any but removed → cancelled                                 (the round is cancelled)
"""

import enum

from qa_app.errors import InvalidTransition


class AuditStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    IN_MODERATION = "in_moderation"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    MODERATED = "moderated"
    REMOVED = "removed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    AuditStatus.NOT_STARTED: "Not started",
    AuditStatus.IN_PROGRESS: "In progress",
    AuditStatus.SUBMITTED: "Submitted",
    AuditStatus.IN_MODERATION: "In moderation",
    AuditStatus.RETURNED: "Returned for correction",
    AuditStatus.RESUBMITTED: "Resubmitted",
    AuditStatus.MODERATED: "Moderated",
    AuditStatus.REMOVED: "Removed from sample",
    AuditStatus.CANCELLED: "Cancelled (the round was cancelled)",
}

# States in which the audit has been submitted at least once (it has an overall grade).
SUBMITTED_STATES = frozenset({
    AuditStatus.SUBMITTED, AuditStatus.IN_MODERATION, AuditStatus.RETURNED,
    AuditStatus.RESUBMITTED, AuditStatus.MODERATED,
})
# States in which the auditor may change answers.
EDITABLE_STATES = frozenset({AuditStatus.NOT_STARTED, AuditStatus.IN_PROGRESS, AuditStatus.RETURNED})
# States in which the audit has yet to be done for the first time (it can fall overdue).
UNDONE_STATES = frozenset({AuditStatus.NOT_STARTED, AuditStatus.IN_PROGRESS})


def is_overdue(audit, today) -> bool:
    """Not submitted yet, and its round's due date has passed. A returned audit is never overdue:
    it was done on time and is being corrected."""
    return audit.status in UNDONE_STATES and audit.round.due_date < today


class AuditEvent(enum.StrEnum):
    SAVE_DRAFT = "save_draft"
    SUBMIT = "submit"
    REMOVE = "remove"
    RESTORE = "restore"
    SELECT_FOR_MODERATION = "select_for_moderation"
    DESELECT = "deselect"
    RETURN_FOR_CORRECTION = "return_for_correction"
    COMPLETE_MODERATION = "complete_moderation"
    CANCEL = "cancel"


TRANSITIONS: dict[tuple[AuditStatus, AuditEvent], AuditStatus] = {
    (AuditStatus.NOT_STARTED, AuditEvent.SAVE_DRAFT): AuditStatus.IN_PROGRESS,
    (AuditStatus.IN_PROGRESS, AuditEvent.SAVE_DRAFT): AuditStatus.IN_PROGRESS,
    (AuditStatus.NOT_STARTED, AuditEvent.SUBMIT): AuditStatus.SUBMITTED,
    (AuditStatus.IN_PROGRESS, AuditEvent.SUBMIT): AuditStatus.SUBMITTED,
    (AuditStatus.NOT_STARTED, AuditEvent.REMOVE): AuditStatus.REMOVED,
    (AuditStatus.REMOVED, AuditEvent.RESTORE): AuditStatus.NOT_STARTED,
    (AuditStatus.SUBMITTED, AuditEvent.SELECT_FOR_MODERATION): AuditStatus.IN_MODERATION,
    (AuditStatus.IN_MODERATION, AuditEvent.DESELECT): AuditStatus.SUBMITTED,
    (AuditStatus.IN_MODERATION, AuditEvent.RETURN_FOR_CORRECTION): AuditStatus.RETURNED,
    (AuditStatus.RESUBMITTED, AuditEvent.RETURN_FOR_CORRECTION): AuditStatus.RETURNED,
    (AuditStatus.RETURNED, AuditEvent.SAVE_DRAFT): AuditStatus.RETURNED,
    (AuditStatus.RETURNED, AuditEvent.SUBMIT): AuditStatus.RESUBMITTED,
    (AuditStatus.IN_MODERATION, AuditEvent.COMPLETE_MODERATION): AuditStatus.MODERATED,
    (AuditStatus.RESUBMITTED, AuditEvent.COMPLETE_MODERATION): AuditStatus.MODERATED,
    **{(status, AuditEvent.CANCEL): AuditStatus.CANCELLED
       for status in AuditStatus if status not in (AuditStatus.REMOVED, AuditStatus.CANCELLED)},
}

_EVENT_WORDS = {
    AuditEvent.SAVE_DRAFT: "saved",
    AuditEvent.SUBMIT: "submitted",
    AuditEvent.REMOVE: "removed from the sample",
    AuditEvent.RESTORE: "put back in the sample",
    AuditEvent.SELECT_FOR_MODERATION: "selected for moderation",
    AuditEvent.DESELECT: "taken out of moderation",
    AuditEvent.RETURN_FOR_CORRECTION: "returned for correction",
    AuditEvent.COMPLETE_MODERATION: "marked as moderated",
    AuditEvent.CANCEL: "cancelled",
}


def next_status(status: str, event: AuditEvent) -> AuditStatus:
    """The status after `event`; InvalidTransition with a readable reason when it is not allowed."""
    current = AuditStatus(status)
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise InvalidTransition(
            f"An audit that is {current.label.lower()} cannot be {_EVENT_WORDS[event]}."
        ) from None


def can(status: str, event: AuditEvent) -> bool:
    return (AuditStatus(status), event) in TRANSITIONS
