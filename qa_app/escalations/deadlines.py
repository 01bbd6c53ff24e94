"""When an escalation of a child at immediate risk must be acknowledged: the same working day.

The clock runs only in office hours on working days (England and Wales, London time): a deadline
of 4 working hours from 15:00 with office hours 09:00–17:00 is 11:00 the next working morning;
raised at 20:00 on a Friday, the clock starts at 09:00 on Monday. Times are naive UTC outside
this module and London local time inside it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from qa_app.working_days import is_working_day

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class OfficeHours:
    opens: time
    closes: time

    @classmethod
    def parse(cls, text: str) -> "OfficeHours":
        """'09:00-17:00' → OfficeHours. ValueError with a reason a council's IT team can act on."""
        try:
            start, end = (part.strip() for part in text.split("-"))
            opens, closes = time.fromisoformat(start), time.fromisoformat(end)
        except ValueError:
            raise ValueError(f"OFFICE_HOURS must look like 09:00-17:00, not '{text}'.") from None
        if opens >= closes:
            raise ValueError(f"OFFICE_HOURS must open before it closes, not '{text}'.")
        return cls(opens, closes)


def parse_hours(text) -> float:
    """ESCALATION_ACK_HOURS: working hours, more than 0 and at most a working week (40)."""
    try:
        hours = float(text)
    except (TypeError, ValueError):
        raise ValueError(f"ESCALATION_ACK_HOURS must be a number of working hours, not '{text}'.") from None
    if not 0 < hours <= 40:
        raise ValueError(f"ESCALATION_ACK_HOURS must be more than 0 and at most 40, not '{text}'.")
    return hours


def to_local(moment_utc: datetime) -> datetime:
    return moment_utc.replace(tzinfo=UTC).astimezone(LONDON).replace(tzinfo=None)


def to_utc(moment_local: datetime) -> datetime:
    return moment_local.replace(tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)


def _next_opening(day, hours: OfficeHours) -> datetime:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, hours.opens)


def clock_start(local: datetime, hours: OfficeHours) -> datetime:
    """When the working-hours clock starts for something raised at `local`."""
    if not is_working_day(local.date()) or local.time() >= hours.closes:
        return _next_opening(local.date(), hours)
    if local.time() < hours.opens:
        return datetime.combine(local.date(), hours.opens)
    return local


def add_working_hours(local: datetime, working_hours: float, hours: OfficeHours) -> datetime:
    """`local` plus `working_hours` counted in office hours on working days (London time)."""
    moment = clock_start(local, hours)
    remaining = timedelta(hours=working_hours)
    while True:
        left_today = datetime.combine(moment.date(), hours.closes) - moment
        if remaining <= left_today:
            return moment + remaining
        remaining -= left_today
        moment = _next_opening(moment.date(), hours)


def acknowledgement_due(raised_at_utc: datetime, working_hours: float, hours: OfficeHours) -> datetime:
    """The acknowledgement deadline (naive UTC) of an escalation raised at `raised_at_utc`."""
    return to_utc(add_working_hours(to_local(raised_at_utc), working_hours, hours))


def describe(moment_utc: datetime) -> str:
    """A deadline as people read it: '11:00 on Tuesday 7 April 2026' (London time)."""
    local = to_local(moment_utc)
    return f"{local:%H:%M} on {local:%A} {local.day} {local:%B %Y}"
