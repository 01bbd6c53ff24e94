"""How long each kind of record is kept (days after its clock starts), and what erasing it means.

| kind | the clock starts | erasing it |
|---|---|---|
| audits | submission (or last change, never submitted) | the text of the audit, its answers, versions, moderation and follow-up checks is erased; grades stay, so reports still count it |
| actions | verification, else completion, else creation | what must change, what was done, why reopened |
| challenges | resolution (open ones never) | the concern, outcome sought, resolution, responses |
| escalations | acknowledgement (open ones never) | the reason, the action taken and the outcome note |
| feedback | when written | the practitioner's reflection is deleted |
| history | when recorded | the event's details; who, what, when and the chain stay |

Erasing a record also erases the details of the history's events about it. Set RETENTION_DAYS
("audits=1095,actions=730") to change any period; docs/retention.md has the defaults' reasons.
"""

KINDS = ("audits", "actions", "challenges", "escalations", "feedback", "history")
DEFAULT_DAYS = {"audits": 3 * 365, "actions": 3 * 365, "challenges": 6 * 365, "escalations": 6 * 365,
                "feedback": 3 * 365, "history": 6 * 365}


class PolicyError(ValueError):
    pass


def parse_policy(text: str | None) -> dict[str, int]:
    """The defaults with the RETENTION_DAYS overrides; PolicyError names a bad entry."""
    days = dict(DEFAULT_DAYS)
    for part in (text or "").split(","):
        if not part.strip():
            continue
        kind, _, value = part.partition("=")
        kind = kind.strip().lower()
        if kind not in KINDS:
            raise PolicyError(f"RETENTION_DAYS: '{kind}' is not a kind of record (one of {', '.join(KINDS)}).")
        try:
            days[kind] = int(value)
        except ValueError:
            raise PolicyError(f"RETENTION_DAYS: '{part.strip()}' needs a whole number of days.") from None
        if days[kind] < 30:
            raise PolicyError(f"RETENTION_DAYS: {kind} must be kept for at least 30 days.")
    return days
