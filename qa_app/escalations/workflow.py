"""The escalation's states: raised → acknowledged → closed.

Someone with authority for the case file acknowledges it, the same working day, recording the
action taken; once they know what came of it (a strategy discussion held, a visit made, no
further action and why …) they record the outcome, which closes it. Overdue is derived from the
stored deadline: still raised after `Escalation.due_at`.
"""

import enum

from qa_app.errors import InvalidTransition
from qa_app.escalations.models import Escalation, EscalationStatus
from qa_app.escalations.permissions import has_authority

STATUS_LABELS = {
    EscalationStatus.RAISED: "Not yet acknowledged",
    EscalationStatus.ACKNOWLEDGED: "Acknowledged, outcome to record",
    EscalationStatus.CLOSED: "Closed",
}


class EscalationEvent(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RECORD_OUTCOME = "record_outcome"


TRANSITIONS: dict[tuple[EscalationStatus, EscalationEvent], EscalationStatus] = {
    (EscalationStatus.RAISED, EscalationEvent.ACKNOWLEDGE): EscalationStatus.ACKNOWLEDGED,
    (EscalationStatus.ACKNOWLEDGED, EscalationEvent.RECORD_OUTCOME): EscalationStatus.CLOSED,
}

_REFUSALS = {
    (EscalationStatus.ACKNOWLEDGED, EscalationEvent.ACKNOWLEDGE): "This escalation has already been acknowledged.",
    (EscalationStatus.CLOSED, EscalationEvent.ACKNOWLEDGE): "This escalation has already been acknowledged.",
    (EscalationStatus.RAISED, EscalationEvent.RECORD_OUTCOME):
        "Acknowledge the escalation, with the action taken, before recording its outcome.",
    (EscalationStatus.CLOSED, EscalationEvent.RECORD_OUTCOME): "This escalation's outcome is already recorded.",
}


def next_status(status: str, event: EscalationEvent) -> EscalationStatus:
    current = EscalationStatus(status)
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise InvalidTransition(_REFUSALS[(current, event)]) from None


def allowed_actions(escalation: Escalation, user) -> frozenset[EscalationEvent]:
    """What `user` may do to the escalation now (templates ask this which buttons to show)."""
    return frozenset(
        event for (status, event) in TRANSITIONS
        if status == escalation.status and has_authority(user, escalation.case_file)
    )
