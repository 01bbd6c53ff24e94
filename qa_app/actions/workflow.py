"""The action's states and the transitions between them.

open → done                 the owner records what was done
done → verified             checked by someone who checks the audit's actions (never the owner)
done → reopened             not good enough yet: a reason is required
reopened → done             the owner tries again

Overdue is never stored: an action is overdue while it is open or reopened and its due date has
passed (due today is not overdue; calendar days, so an action due on Friday is overdue on Saturday).
"""

import enum
from datetime import date

from qa_app.actions.models import Action, ActionStatus
from qa_app.actions.permissions import can_check_actions
from qa_app.errors import InvalidTransition

STATUS_LABELS = {
    ActionStatus.OPEN: "Open",
    ActionStatus.DONE: "Done, waiting to be verified",
    ActionStatus.VERIFIED: "Verified",
    ActionStatus.REOPENED: "Reopened",
}
# Statuses in which the owner still has something to do.
OUTSTANDING = frozenset({ActionStatus.OPEN, ActionStatus.REOPENED})


class ActionEvent(enum.StrEnum):
    MARK_DONE = "mark_done"
    VERIFY = "verify"
    REOPEN = "reopen"


class Party(enum.StrEnum):
    OWNER = "owner"      # the action's owner
    CHECKER = "checker"  # see actions.permissions.can_check_actions; never the owner


TRANSITIONS: dict[tuple[ActionStatus, ActionEvent], tuple[ActionStatus, Party]] = {
    (ActionStatus.OPEN, ActionEvent.MARK_DONE): (ActionStatus.DONE, Party.OWNER),
    (ActionStatus.REOPENED, ActionEvent.MARK_DONE): (ActionStatus.DONE, Party.OWNER),
    (ActionStatus.DONE, ActionEvent.VERIFY): (ActionStatus.VERIFIED, Party.CHECKER),
    (ActionStatus.DONE, ActionEvent.REOPEN): (ActionStatus.REOPENED, Party.CHECKER),
}

_EVENT_WORDS = {
    ActionEvent.MARK_DONE: "marked as done",
    ActionEvent.VERIFY: "verified",
    ActionEvent.REOPEN: "reopened",
}


def status_label(status: str) -> str:
    return STATUS_LABELS[ActionStatus(status)]


def next_status(status: str, event: ActionEvent) -> ActionStatus:
    """The status after `event`; InvalidTransition with a readable reason when it is not allowed."""
    current = ActionStatus(status)
    try:
        return TRANSITIONS[(current, event)][0]
    except KeyError:
        raise InvalidTransition(
            f"An action that is {STATUS_LABELS[current].lower()} cannot be {_EVENT_WORDS[event]}."
        ) from None


def is_party(user, action: Action, party: Party) -> bool:
    if party is Party.OWNER:
        return action.owner_id == user.id
    return action.owner_id != user.id and can_check_actions(user, action.audit)


def allowed_actions(action: Action, user) -> frozenset[ActionEvent]:
    """The events `user` may apply to `action` now (templates ask this which buttons to show)."""
    return frozenset(
        event for (status, event), (_, party) in TRANSITIONS.items()
        if status == action.status and is_party(user, action, party)
    )


def is_overdue(action: Action, today: date) -> bool:
    return action.status in OUTSTANDING and action.due_date < today


def overdue_condition(today: date):
    """The same rule as `is_overdue`, as a SQL condition on Action."""
    return Action.status.in_([s.value for s in OUTSTANDING]) & (Action.due_date < today)
