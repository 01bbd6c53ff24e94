"""The escalation state machine, its deadline on the London working-day calendar, and how long
one has waited, as tables."""

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from qa_app.errors import InvalidTransition
from qa_app.escalations.models import EscalationStatus
from qa_app.escalations.services import acknowledge_by, describe_duration, is_overdue, uk_deadline
from qa_app.escalations.workflow import TRANSITIONS, EscalationEvent, next_status

S, E = EscalationStatus, EscalationEvent


@pytest.mark.parametrize(("status", "event", "expected"), [
    (S.RAISED, E.ACKNOWLEDGE, S.ACKNOWLEDGED),
    (S.ACKNOWLEDGED, E.ACKNOWLEDGE, None),
])
def test_transition(status, event, expected):
    assert set(TRANSITIONS) == {(S.RAISED, E.ACKNOWLEDGE)}
    if expected is None:
        with pytest.raises(InvalidTransition, match="already been acknowledged"):
            next_status(status, event)
    else:
        assert next_status(status, event) == expected


def _raised(at: datetime, status=S.RAISED):
    return SimpleNamespace(raised_at=at, status=status, acknowledged_at=None)


# raised_at is naive UTC; deadlines are the end of the next working day in London (also naive UTC).
@pytest.mark.parametrize(("raised_utc", "deadline_utc"), [
    # Winter (GMT = UTC): Tuesday 10:00 → end of Wednesday.
    (datetime(2026, 1, 13, 10, 0), datetime(2026, 1, 14, 23, 59, 59, 999999)),
    # Friday → end of Monday.
    (datetime(2026, 1, 16, 15, 0), datetime(2026, 1, 19, 23, 59, 59, 999999)),
    # Saturday → end of Monday (the next working day after the Saturday).
    (datetime(2026, 1, 17, 9, 0), datetime(2026, 1, 19, 23, 59, 59, 999999)),
    # Summer (BST = UTC+1): Thursday 23:30 UTC is already Friday 00:30 in London → end of Monday
    # in London, which is 22:59:59 UTC on Monday. Reading the UTC date would give Friday.
    (datetime(2026, 6, 11, 23, 30), datetime(2026, 6, 15, 22, 59, 59, 999999)),
    # Summer, Thursday 22:30 UTC is 23:30 Thursday in London → end of Friday London time.
    (datetime(2026, 6, 11, 22, 30), datetime(2026, 6, 12, 22, 59, 59, 999999)),
    # Before the Easter bank holidays 2026 (Good Friday 3 April, Easter Monday 6 April):
    # Thursday 2 April → end of Tuesday 7 April.
    (datetime(2026, 4, 2, 11, 0), datetime(2026, 4, 7, 22, 59, 59, 999999)),
])
def test_acknowledge_by_end_of_next_working_day_in_london(raised_utc, deadline_utc):
    assert acknowledge_by(_raised(raised_utc)) == deadline_utc


def test_overdue_only_after_the_deadline_and_only_while_raised():
    escalation = _raised(datetime(2026, 1, 16, 15, 0))  # Friday
    deadline = acknowledge_by(escalation)
    assert not is_overdue(escalation, datetime(2026, 1, 19, 12, 0))     # Monday noon
    assert not is_overdue(escalation, deadline)                          # the last instant
    assert is_overdue(escalation, deadline + timedelta(microseconds=1))  # Tuesday 00:00
    assert not is_overdue(_raised(datetime(2026, 1, 16, 15, 0), status=S.ACKNOWLEDGED),
                          datetime(2026, 2, 1))


def test_deadline_reads_in_london_time():
    assert uk_deadline(datetime(2026, 6, 15, 22, 59, 59)) == "the end of Monday 15 June 2026"


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(seconds=59), "less than a minute"),
    (timedelta(minutes=1), "1 minute"),
    (timedelta(minutes=59, seconds=59), "59 minutes"),
    (timedelta(hours=1), "1 hour"),
    (timedelta(hours=3, minutes=40), "3 hours"),
    (timedelta(hours=24), "1 day"),
    (timedelta(hours=28), "1 day and 4 hours"),
    (timedelta(days=2, hours=1), "2 days and 1 hour"),
])
def test_how_long_it_has_waited(delta, text):
    assert describe_duration(delta) == text
