"""The action state machine, and when an action is overdue, as tables."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from qa_app.actions.models import ActionStatus
from qa_app.actions.workflow import STATUS_LABELS, TRANSITIONS, ActionEvent, Party, is_overdue, next_status
from qa_app.errors import InvalidTransition

S, E = ActionStatus, ActionEvent

# (status, event) -> (new status, who) or None when not allowed
TABLE = {
    (S.OPEN, E.MARK_DONE): (S.DONE, Party.OWNER),
    (S.OPEN, E.VERIFY): None,
    (S.OPEN, E.REOPEN): None,
    (S.DONE, E.MARK_DONE): None,
    (S.DONE, E.VERIFY): (S.VERIFIED, Party.CHECKER),
    (S.DONE, E.REOPEN): (S.REOPENED, Party.CHECKER),
    (S.VERIFIED, E.MARK_DONE): None,
    (S.VERIFIED, E.VERIFY): None,
    (S.VERIFIED, E.REOPEN): None,
    (S.REOPENED, E.MARK_DONE): (S.DONE, Party.OWNER),
    (S.REOPENED, E.VERIFY): None,
    (S.REOPENED, E.REOPEN): None,
}


def test_the_table_covers_every_status_and_event():
    assert set(TABLE) == {(s, e) for s in ActionStatus for e in ActionEvent}


@pytest.mark.parametrize(("status", "event"), list(TABLE), ids=[f"{s}-{e}" for s, e in TABLE])
def test_transition(status, event):
    expected = TABLE[(status, event)]
    if expected is None:
        assert (status, event) not in TRANSITIONS
        with pytest.raises(InvalidTransition) as error:
            next_status(status, event)
        assert error.value.message.startswith(f"An action that is {STATUS_LABELS[status].lower()} cannot be")
    else:
        assert next_status(status, event) == expected[0]
        assert TRANSITIONS[(status, event)] == expected


def _action(status, due):
    return SimpleNamespace(status=status, due_date=due)


MONDAY = date(2026, 6, 1)
assert MONDAY.weekday() == 0
FRIDAY, SATURDAY, SUNDAY = MONDAY + timedelta(days=4), MONDAY + timedelta(days=5), MONDAY + timedelta(days=6)


@pytest.mark.parametrize(("status", "due", "today", "overdue"), [
    (S.OPEN, MONDAY, MONDAY, False),                          # due today: not yet overdue
    (S.OPEN, MONDAY - timedelta(days=1), MONDAY, True),       # due yesterday (a Sunday)
    (S.OPEN, MONDAY + timedelta(days=1), MONDAY, False),      # due tomorrow
    (S.REOPENED, MONDAY - timedelta(days=1), MONDAY, True),   # reopened counts as still to do
    (S.DONE, MONDAY - timedelta(days=30), MONDAY, False),     # done: waiting for the checker, not the owner
    (S.VERIFIED, MONDAY - timedelta(days=30), MONDAY, False),
    # Weekends are calendar days like any other: due on Friday is overdue on Saturday and Sunday …
    (S.OPEN, FRIDAY, SATURDAY, True),
    (S.OPEN, FRIDAY, SUNDAY, True),
    # … and an action due on a Saturday is not overdue that Saturday, but is on Sunday and Monday.
    (S.OPEN, SATURDAY, SATURDAY, False),
    (S.OPEN, SATURDAY, SUNDAY, True),
    (S.OPEN, SATURDAY, SUNDAY + timedelta(days=1), True),
])
def test_overdue_is_derived_from_the_due_date(status, due, today, overdue):
    assert is_overdue(_action(status, due), today) is overdue
