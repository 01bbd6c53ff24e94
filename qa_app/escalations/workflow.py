"""The escalation's states: raised → acknowledged (by someone with authority for the case file).

Overdue is derived, never stored: an escalation still raised after the end of the next working
day (England and Wales, in London time) after it was raised.
"""

import enum

from qa_app.errors import InvalidTransition
from qa_app.escalations.models import Escalation, EscalationStatus
from qa_app.escalations.permissions import has_authority

STATUS_LABELS = {
    EscalationStatus.RAISED: "Not yet acknowledged",
    EscalationStatus.ACKNOWLEDGED: "Acknowledged",
}


class EscalationEvent(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"


TRANSITIONS: dict[tuple[EscalationStatus, EscalationEvent], EscalationStatus] = {
    (EscalationStatus.RAISED, EscalationEvent.ACKNOWLEDGE): EscalationStatus.ACKNOWLEDGED,
}


def next_status(status: str, event: EscalationEvent) -> EscalationStatus:
    current = EscalationStatus(status)
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise InvalidTransition("This escalation has already been acknowledged.") from None


def allowed_actions(escalation: Escalation, user) -> frozenset[EscalationEvent]:
    """What `user` may do to the escalation now (templates ask this which buttons to show)."""
    return frozenset(
        event for (status, event) in TRANSITIONS
        if status == escalation.status and has_authority(user, escalation.case_file)
    )
