"""What the access matrix and the features' access_*.py modules share: the principals, the role
sets, per-record rules and the shape of a request scenario."""

from dataclasses import dataclass
from datetime import date

ANON = "signed_out"
ROLES = ("auditor", "moderator", "qa_lead", "iro", "practitioner", "viewer", "admin")
PRINCIPALS = ROLES + (ANON,)


PUBLIC = frozenset(PRINCIPALS)
SIGNED_IN = frozenset(ROLES)
AUDITING = frozenset({"auditor", "moderator", "qa_lead"})
CASE_READERS = frozenset({"qa_lead", "iro", "moderator"})
ROUND_READERS = frozenset({"qa_lead", "viewer", "moderator"})
QA_LEAD = frozenset({"qa_lead"})
NOBODY = frozenset()


@dataclass(frozen=True)
class PerRecord:
    """Access decided per record: `owner` roles may use it when the audit is assigned to them;
    `any_record` roles may use it whoever the audit belongs to."""

    owner: frozenset
    any_record: frozenset


@dataclass
class Call:
    path: str
    status: int                       # the exact status an allowed principal gets
    location: str | None = None       # a regex the redirect's path must match (full match)
    data: dict | None = None
    event: str | None = None          # the history event an allowed request writes


def _date_parts(day: date) -> list[str]:
    """A GOV.UK date input posts day, month and year under one name."""
    return [str(day.day), str(day.month), str(day.year)]
