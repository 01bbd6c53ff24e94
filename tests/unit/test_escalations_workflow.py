"""The escalation state machine, its deadline in working hours on the London working-day calendar,
and how long one has waited, as tables."""

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from qa_app.errors import InvalidTransition
from qa_app.escalations.models import EscalationStatus
from qa_app.escalations.deadlines import OfficeHours, acknowledgement_due, describe, parse_hours
from qa_app.escalations.services import describe_duration, is_overdue
from qa_app.escalations.workflow import TRANSITIONS, EscalationEvent, next_status

S, E = EscalationStatus, EscalationEvent
HOURS = OfficeHours.parse("09:00-17:00")


@pytest.mark.parametrize(("status", "event", "expected"), [
    (S.RAISED, E.ACKNOWLEDGE, S.ACKNOWLEDGED),
    (S.ACKNOWLEDGED, E.RECORD_OUTCOME, S.CLOSED),
    (S.ACKNOWLEDGED, E.ACKNOWLEDGE, "already been acknowledged"),
    (S.CLOSED, E.ACKNOWLEDGE, "already been acknowledged"),
    (S.RAISED, E.RECORD_OUTCOME, "Acknowledge the escalation"),
    (S.CLOSED, E.RECORD_OUTCOME, "already recorded"),
])
def test_transition(status, event, expected):
    assert set(TRANSITIONS) == {(S.RAISED, E.ACKNOWLEDGE), (S.ACKNOWLEDGED, E.RECORD_OUTCOME)}
    if expected in set(S):
        assert next_status(status, event) == expected
    else:
        with pytest.raises(InvalidTransition, match=expected):
            next_status(status, event)


# raised_at is naive UTC; the deadline is 4 working hours within 09:00-17:00 London time (naive UTC).
@pytest.mark.parametrize(("raised_utc", "deadline_utc"), [
    # Winter (GMT = UTC): Tuesday 10:00 → 14:00 the same day.
    (datetime(2026, 1, 13, 10, 0), datetime(2026, 1, 13, 14, 0)),
    # Tuesday 15:00: two hours today, the other two the next morning → Wednesday 11:00.
    (datetime(2026, 1, 13, 15, 0), datetime(2026, 1, 14, 11, 0)),
    # Exactly at closing time → the clock starts next morning: Wednesday 13:00.
    (datetime(2026, 1, 13, 17, 0), datetime(2026, 1, 14, 13, 0)),
    # Before opening → 09:00 + 4 hours the same day.
    (datetime(2026, 1, 13, 6, 30), datetime(2026, 1, 13, 13, 0)),
    # Friday 16:00 → one hour Friday, three on Monday morning: Monday 12:00.
    (datetime(2026, 1, 16, 16, 0), datetime(2026, 1, 19, 12, 0)),
    # Saturday → Monday 13:00.
    (datetime(2026, 1, 17, 9, 0), datetime(2026, 1, 19, 13, 0)),
    # Summer (BST = UTC+1): Thursday 23:30 UTC is Friday 00:30 in London → Friday 13:00 London = 12:00 UTC.
    (datetime(2026, 6, 11, 23, 30), datetime(2026, 6, 12, 12, 0)),
    # Summer, Thursday 14:30 UTC is 15:30 in London: 1.5 hours Thursday, 2.5 Friday → 11:30 London, 10:30 UTC.
    (datetime(2026, 6, 11, 14, 30), datetime(2026, 6, 12, 10, 30)),
    # Thursday 2 April 2026 at 16:00 before Easter (Good Friday 3 April, Easter Monday 6 April):
    # one hour on Thursday, three on Tuesday 7 April → 12:00 London (11:00 UTC, BST).
    (datetime(2026, 4, 2, 15, 0), datetime(2026, 4, 7, 11, 0)),
])
def test_acknowledged_within_four_working_hours_in_london(raised_utc, deadline_utc):
    assert acknowledgement_due(raised_utc, 4, HOURS) == deadline_utc


def test_a_council_can_set_other_hours_and_a_longer_window():
    late_office = OfficeHours.parse("08:30-18:00")
    # Monday 17:00 with 8 working hours: one today, seven from 08:30 Tuesday → 15:30 Tuesday.
    assert acknowledgement_due(datetime(2026, 1, 12, 17, 0), 8, late_office) == datetime(2026, 1, 13, 15, 30)
    # More hours than a working day: 12 hours from Monday 09:00 → 8 on Monday, 4 on Tuesday: 13:00.
    assert acknowledgement_due(datetime(2026, 1, 12, 9, 0), 12, HOURS) == datetime(2026, 1, 13, 13, 0)


@pytest.mark.parametrize(("text", "message"), [
    ("9-5", "must look like 09:00-17:00"), ("17:00-09:00", "open before it closes"), ("", "must look like")])
def test_bad_office_hours_are_refused_with_a_reason(text, message):
    with pytest.raises(ValueError, match=message):
        OfficeHours.parse(text)


@pytest.mark.parametrize("text", ["0", "-1", "41", "four"])
def test_bad_acknowledgement_hours_are_refused(text):
    with pytest.raises(ValueError, match="ESCALATION_ACK_HOURS"):
        parse_hours(text)


def _raised(at: datetime, status=S.RAISED):
    return SimpleNamespace(raised_at=at, status=status, acknowledged_at=None,
                           due_at=acknowledgement_due(at, 4, HOURS))


def test_overdue_only_after_the_deadline_and_only_while_raised():
    escalation = _raised(datetime(2026, 1, 16, 16, 0))  # Friday 16:00, due Monday 12:00
    assert not is_overdue(escalation, datetime(2026, 1, 19, 11, 59))
    assert not is_overdue(escalation, escalation.due_at)                           # the last instant
    assert is_overdue(escalation, escalation.due_at + timedelta(microseconds=1))
    assert not is_overdue(_raised(datetime(2026, 1, 16, 15, 0), status=S.ACKNOWLEDGED), datetime(2026, 2, 1))


def test_deadline_reads_in_london_time():
    assert describe(datetime(2026, 6, 15, 10, 30)) == "11:30 on Monday 15 June 2026"


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
