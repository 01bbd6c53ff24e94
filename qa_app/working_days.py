"""Working days in England and Wales: weekends and bank holidays excluded.

The bank holidays come from the list shipped inside the `govuk-bank-holidays` package, so nothing
is fetched at run time. Dates past the end of that list are treated as having no bank holidays.
"""

from datetime import date, datetime, timedelta
from functools import lru_cache

from govuk_bank_holidays.bank_holidays import BankHolidays


@lru_cache(maxsize=1)
def bank_holidays() -> frozenset[date]:
    holidays = BankHolidays(use_cached_holidays=True)
    return frozenset(h["date"] for h in holidays.get_holidays(division=BankHolidays.ENGLAND_AND_WALES))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays()


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself is day 0, whatever it is).

    add_working_days(Friday, 1) is the next Monday (or Tuesday after a bank holiday Monday).
    With days == 0, the start date is returned unchanged.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def end_of_next_working_day(moment: datetime) -> datetime:
    """The last instant of the working day after the day of `moment` (naive, same clock as `moment`)."""
    day = add_working_days(moment.date(), 1)
    return datetime.combine(day, datetime.max.time())
