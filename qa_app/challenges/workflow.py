"""A challenge's states and the transitions between them.

awaiting_response --respond--> awaiting_decision --accept--> resolved
awaiting_response | awaiting_decision --escalate / skip--> awaiting_response (a later stage)
awaiting_response | awaiting_decision --withdraw--> withdrawn
flag_cafcass (in any state) and reassign (change the named responders) keep the state.

The stored status is open / resolved / withdrawn; whether an open challenge awaits a response or
the IRO's decision follows from its current stage (responded or not). Beyond the table: escalate
needs a next stage, skip needs a stage at least two further on, and Cafcass is flagged only once.
"""

import enum

from qa_app.challenges.models import ChallengeStatus
from qa_app.challenges.permissions import can_progress, can_respond, current_stage_row
from qa_app.challenges.stages import Stage, later_stages
from qa_app.errors import InvalidTransition


class ChallengeState(enum.StrEnum):
    AWAITING_RESPONSE = "awaiting_response"
    AWAITING_DECISION = "awaiting_decision"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    ChallengeState.AWAITING_RESPONSE: "Awaiting response",
    ChallengeState.AWAITING_DECISION: "Response received: awaiting the IRO's decision",
    ChallengeState.RESOLVED: "Resolved",
    ChallengeState.WITHDRAWN: "Withdrawn",
}


class ChallengeEvent(enum.StrEnum):
    RESPOND = "respond"
    ACCEPT = "accept"
    ESCALATE = "escalate"
    SKIP = "skip"
    WITHDRAW = "withdraw"
    FLAG_CAFCASS = "flag_cafcass"
    REASSIGN = "reassign"


_OPEN = (ChallengeState.AWAITING_RESPONSE, ChallengeState.AWAITING_DECISION)

TRANSITIONS: dict[tuple[ChallengeState, ChallengeEvent], ChallengeState] = {
    (ChallengeState.AWAITING_RESPONSE, ChallengeEvent.RESPOND): ChallengeState.AWAITING_DECISION,
    (ChallengeState.AWAITING_DECISION, ChallengeEvent.ACCEPT): ChallengeState.RESOLVED,
    **{(state, ChallengeEvent.ESCALATE): ChallengeState.AWAITING_RESPONSE for state in _OPEN},
    **{(state, ChallengeEvent.SKIP): ChallengeState.AWAITING_RESPONSE for state in _OPEN},
    **{(state, ChallengeEvent.WITHDRAW): ChallengeState.WITHDRAWN for state in _OPEN},
    # A Cafcass referral can be recorded at any point, even after the challenge closed.
    **{(state, ChallengeEvent.FLAG_CAFCASS): state for state in ChallengeState},
    **{(state, ChallengeEvent.REASSIGN): state for state in _OPEN},
}

_EVENT_WORDS = {
    ChallengeEvent.RESPOND: "given a response",
    ChallengeEvent.ACCEPT: "resolved",
    ChallengeEvent.ESCALATE: "escalated",
    ChallengeEvent.SKIP: "moved on past a stage",
    ChallengeEvent.WITHDRAW: "withdrawn",
    ChallengeEvent.FLAG_CAFCASS: "flagged as referred to Cafcass",
    ChallengeEvent.REASSIGN: "given new responders",
}

_STATE_WORDS = {
    ChallengeState.AWAITING_RESPONSE: "still awaiting a response",
    ChallengeState.AWAITING_DECISION: "already responded to at this stage",
    ChallengeState.RESOLVED: "resolved",
    ChallengeState.WITHDRAWN: "withdrawn",
}

# The events each permission predicate governs.
_PROGRESS_EVENTS = (ChallengeEvent.ACCEPT, ChallengeEvent.ESCALATE, ChallengeEvent.SKIP,
                    ChallengeEvent.WITHDRAW, ChallengeEvent.FLAG_CAFCASS, ChallengeEvent.REASSIGN)


def state_of(challenge) -> ChallengeState:
    if challenge.status == ChallengeStatus.RESOLVED:
        return ChallengeState.RESOLVED
    if challenge.status == ChallengeStatus.WITHDRAWN:
        return ChallengeState.WITHDRAWN
    stage = current_stage_row(challenge)
    if stage is not None and stage.responded_at is not None:
        return ChallengeState.AWAITING_DECISION
    return ChallengeState.AWAITING_RESPONSE


def next_state(state: ChallengeState, event: ChallengeEvent) -> ChallengeState:
    """The state after `event`; InvalidTransition with a readable reason when the table forbids it."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        if event == ChallengeEvent.ACCEPT and state == ChallengeState.AWAITING_RESPONSE:
            raise InvalidTransition(
                "There is no response to accept yet: the responder must record one first.") from None
        raise InvalidTransition(
            f"This challenge cannot be {_EVENT_WORDS[event]}: it is {_STATE_WORDS[state]}.") from None


def check(challenge, event: ChallengeEvent, stages: tuple[Stage, ...]) -> ChallengeState:
    """The state after `event` on this challenge; InvalidTransition (a clear reason) when not allowed."""
    state = next_state(state_of(challenge), event)
    later = later_stages(stages, challenge.current_stage)
    if event == ChallengeEvent.ESCALATE and not later:
        raise InvalidTransition("This challenge is at the last stage: it cannot be escalated further.")
    if event == ChallengeEvent.SKIP and len(later) < 2:
        raise InvalidTransition("There is no stage to skip: escalate to the next stage instead.")
    if event == ChallengeEvent.FLAG_CAFCASS and challenge.cafcass_referred:
        raise InvalidTransition("A Cafcass referral is already recorded for this challenge.")
    return state


def can(challenge, event: ChallengeEvent, stages: tuple[Stage, ...]) -> bool:
    try:
        check(challenge, event, stages)
    except InvalidTransition:
        return False
    return True


def permitted(user, challenge, event: ChallengeEvent) -> bool:
    """Whether `user` may ask for `event` at all (whatever the state)."""
    if event == ChallengeEvent.RESPOND:
        return can_respond(user, challenge)
    if event in _PROGRESS_EVENTS:
        return can_progress(user, challenge)
    return False


def allowed_actions(challenge, user, stages: tuple[Stage, ...]) -> frozenset[ChallengeEvent]:
    """The events this user may take on this challenge now: the buttons a page shows."""
    return frozenset(event for event in ChallengeEvent
                     if permitted(user, challenge, event) and can(challenge, event, stages))
