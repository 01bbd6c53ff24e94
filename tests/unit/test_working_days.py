"""Working days in England and Wales: weekends and the bank holidays shipped in govuk-bank-holidays."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa_app.working_days import add_working_days, bank_holidays, is_working_day, working_days_between

# The shipped list covers these years; past its end there are no bank holidays to skip.
COVERED = (date(2026, 1, 1), date(2028, 12, 31))


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 12, 23), True),    # Wednesday
    (date(2026, 12, 25), False),   # Christmas Day, a Friday
    (date(2026, 12, 26), False),   # Saturday
    (date(2026, 12, 28), False),   # Boxing Day's substitute Monday
    (date(2026, 12, 29), True),
    (date(2027, 1, 1), False),     # New Year's Day, a Friday
    (date(2027, 1, 4), True),
    (date(2027, 3, 26), False),    # Good Friday 2027
    (date(2027, 3, 29), False),    # Easter Monday 2027
    (date(2027, 3, 30), True),
    (date(2027, 12, 27), False),   # Christmas Day 2027 falls on a Saturday: substitute Monday
    (date(2027, 12, 28), False),   # and Boxing Day's substitute Tuesday
    (date(2028, 1, 3), False),     # New Year's Day 2028 (a Saturday): substitute Monday
])
def test_is_working_day(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(("start", "days", "expected"), [
    (date(2027, 2, 5), 1, date(2027, 2, 8)),       # Friday + 1 → Monday
    (date(2027, 2, 6), 1, date(2027, 2, 8)),       # Saturday + 1 → Monday
    (date(2027, 2, 1), 5, date(2027, 2, 8)),       # a plain week
    (date(2027, 2, 1), 0, date(2027, 2, 1)),       # zero days: the start, whatever it is
    (date(2027, 2, 6), 0, date(2027, 2, 6)),
    # Christmas and New Year 2026/27: 25 Dec (Fri), 28 Dec (Boxing Day substitute), 1 Jan (Fri).
    (date(2026, 12, 24), 1, date(2026, 12, 29)),
    (date(2026, 12, 24), 3, date(2026, 12, 31)),
    (date(2026, 12, 24), 4, date(2027, 1, 4)),
    (date(2026, 12, 18), 5, date(2026, 12, 29)),
    (date(2026, 12, 14), 20, date(2027, 1, 14)),   # a 20-day formal limit across the holidays
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
    (date(2027, 3, 25), 1, date(2027, 3, 30)),
    (date(2027, 3, 22), 5, date(2027, 3, 31)),
    (date(2027, 3, 19), 10, date(2027, 4, 6)),
    # Christmas and New Year 2027/28, all on substitute days.
    (date(2027, 12, 24), 1, date(2027, 12, 29)),
    (date(2027, 12, 31), 1, date(2028, 1, 4)),
])
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days) == expected


def test_negative_days_are_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        add_working_days(date(2027, 1, 4), -1)


@pytest.mark.parametrize(("start", "end", "expected"), [
    (date(2027, 2, 1), date(2027, 2, 1), 0),
    (date(2027, 2, 8), date(2027, 2, 1), 0),       # end before start
    (date(2027, 2, 5), date(2027, 2, 8), 1),       # Friday → Monday
    (date(2026, 12, 24), date(2027, 1, 4), 4),     # 29, 30, 31 December and 4 January
    (date(2026, 12, 1), date(2026, 12, 31), 20),
    (date(2027, 3, 25), date(2027, 3, 30), 1),     # over Easter
    (date(2027, 3, 1), date(2027, 3, 31), 20),     # 22 weekdays after Monday 1 March, less Easter's two
])
def test_working_days_between(start, end, expected):
    assert working_days_between(start, end) == expected


def test_the_shipped_list_is_used_without_the_network(monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("the bank holiday list must not be fetched")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    bank_holidays.cache_clear()
    try:
        holidays = bank_holidays()
    finally:
        monkeypatch.undo()
    assert {date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1), date(2027, 3, 26),
            date(2027, 3, 29)} <= holidays
    # Scottish-only holidays (2 January's substitute, St Andrew's Day) are not England and Wales ones.
    assert date(2027, 1, 4) not in holidays and date(2026, 11, 30) not in holidays


dates = st.dates(min_value=COVERED[0], max_value=COVERED[1] - timedelta(days=120))


@settings(max_examples=300, deadline=None, database=None)
@given(start=dates, days=st.integers(min_value=1, max_value=60))
def test_adding_working_days_never_lands_on_a_weekend_or_bank_holiday(start, days):
    end = add_working_days(start, days)
    assert end.weekday() < 5
    assert end not in bank_holidays()
    assert end > start
    assert working_days_between(start, end) == days
    # and it is the first such day: one calendar day earlier is one working day short
    assert working_days_between(start, end - timedelta(days=1)) == days - 1


@settings(max_examples=200, deadline=None, database=None)
@given(start=dates, days=st.integers(min_value=0, max_value=40), more=st.integers(min_value=0, max_value=40))
def test_adding_working_days_in_two_steps_is_the_same_as_in_one(start, days, more):
    assert add_working_days(add_working_days(start, days), more) == add_working_days(start, days + more)
