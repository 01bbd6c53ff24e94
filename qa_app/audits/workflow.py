"""The audit's states and the transitions between them."""

import enum

from qa_app.errors import InvalidTransition


class AuditStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    AuditStatus.NOT_STARTED: "Not started",
    AuditStatus.IN_PROGRESS: "In progress",
    AuditStatus.SUBMITTED: "Submitted",
    AuditStatus.REMOVED: "Removed from sample",
}

# States in which the audit has been submitted at least once (it has an overall grade).
SUBMITTED_STATES = frozenset({AuditStatus.SUBMITTED})
# States in which the auditor may still change answers.
EDITABLE_STATES = frozenset({AuditStatus.NOT_STARTED, AuditStatus.IN_PROGRESS})


class AuditEvent(enum.StrEnum):
    SAVE_DRAFT = "save_draft"
    SUBMIT = "submit"
    REMOVE = "remove"
    RESTORE = "restore"


TRANSITIONS: dict[tuple[AuditStatus, AuditEvent], AuditStatus] = {
    (AuditStatus.NOT_STARTED, AuditEvent.SAVE_DRAFT): AuditStatus.IN_PROGRESS,
    (AuditStatus.IN_PROGRESS, AuditEvent.SAVE_DRAFT): AuditStatus.IN_PROGRESS,
    (AuditStatus.NOT_STARTED, AuditEvent.SUBMIT): AuditStatus.SUBMITTED,
    (AuditStatus.IN_PROGRESS, AuditEvent.SUBMIT): AuditStatus.SUBMITTED,
    (AuditStatus.NOT_STARTED, AuditEvent.REMOVE): AuditStatus.REMOVED,
    (AuditStatus.REMOVED, AuditEvent.RESTORE): AuditStatus.NOT_STARTED,
}

_EVENT_WORDS = {
    AuditEvent.SAVE_DRAFT: "saved",
    AuditEvent.SUBMIT: "submitted",
    AuditEvent.REMOVE: "removed from the sample",
    AuditEvent.RESTORE: "put back in the sample",
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
