"""The dispute-resolution stages a challenge moves through, and their timescales.

The default follows the IRO dispute resolution protocol: informal resolution with the social
worker and team manager, then four formal stages (team manager, service manager, head of service,
director of children's services). A council may set its own in `app.config["CHALLENGE_STAGES"]`,
a list of dicts with the keys of `Stage`; it is validated when the app starts, and a config that
breaks a rule (duplicate keys, a timescale that is not a positive number of working days, the
formal stages together longer than FORMAL_CAP_WORKING_DAYS …) is refused, naming every problem.
"""

import re
from dataclasses import dataclass
from datetime import date

from flask import current_app

from qa_app.auth.models import Role
from qa_app.working_days import add_working_days

# The formal stages together must finish within this many working days of the first formal stage opening.
FORMAL_CAP_WORKING_DAYS = 20


@dataclass(frozen=True)
class Stage:
    key: str
    title: str
    working_days: int
    formal: bool
    responder: str            # who responds at this stage, in words ("Service manager")
    suggest_role: str = ""    # the role the suggested responder holds (a Role value), or ""


DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("informal", "Informal resolution", 5, False, "Social worker and team manager", Role.AUDITOR.value),
    Stage("stage_1", "Formal stage 1", 5, True, "Team manager", Role.AUDITOR.value),
    Stage("stage_2", "Formal stage 2", 5, True, "Service manager", Role.MODERATOR.value),
    Stage("stage_3", "Formal stage 3", 5, True, "Head of service", Role.MODERATOR.value),
    Stage("stage_4", "Formal stage 4", 5, True, "Director of children's services", Role.MODERATOR.value),
)

_FIELDS = ("key", "title", "working_days", "formal", "responder", "suggest_role")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,29}")


class StageConfigError(ValueError):
    """CHALLENGE_STAGES is not usable; `problems` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("CHALLENGE_STAGES is not valid: " + "; ".join(problems))


def load_stages(config: list[dict] | None) -> tuple[Stage, ...]:
    """The stages from a config value (None: the default). Raises StageConfigError with every problem."""
    if config is None:
        return DEFAULT_STAGES
    if not isinstance(config, (list, tuple)) or not config:
        raise StageConfigError(["give a non-empty list of stages"])
    problems: list[str] = []
    stages: list[Stage] = []
    seen: set[str] = set()
    for number, item in enumerate(config, start=1):
        where = f"stage {number}"
        if isinstance(item, Stage):
            item = {name: getattr(item, name) for name in _FIELDS}
        if not isinstance(item, dict):
            problems.append(f"{where}: give a mapping with the keys {', '.join(_FIELDS[:5])}")
            continue
        unknown = sorted(set(item) - set(_FIELDS))
        if unknown:
            problems.append(f"{where}: unknown setting(s) {', '.join(unknown)}")
        key = item.get("key")
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            problems.append(f"{where}: the key must be lower-case letters, digits or _ (at most 30), "
                            f"not {key!r}")
        elif key in seen:
            problems.append(f"{where}: the key '{key}' is used twice; keys must be unique")
        else:
            seen.add(key)
            where = f"stage '{key}'"
        title = item.get("title")
        if not isinstance(title, str) or not title.strip():
            problems.append(f"{where}: give a title")
        days = item.get("working_days")
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            problems.append(f"{where}: working_days must be a positive whole number, not {days!r}")
        formal = item.get("formal")
        if not isinstance(formal, bool):
            problems.append(f"{where}: formal must be true or false")
        responder = item.get("responder", "")
        if not isinstance(responder, str):
            problems.append(f"{where}: responder must be text")
        suggest = item.get("suggest_role", "")
        if suggest and suggest not in {r.value for r in Role}:
            problems.append(f"{where}: suggest_role must be one of {', '.join(r.value for r in Role)}")
        if not problems:
            stages.append(Stage(key, title.strip(), days, formal, (responder or "").strip(), suggest or ""))
    if not problems:
        formal_flags = [s.formal for s in stages]
        if formal_flags != sorted(formal_flags):
            problems.append("the informal stages must all come before the formal stages")
        total = sum(s.working_days for s in stages if s.formal)
        if total > FORMAL_CAP_WORKING_DAYS:
            problems.append(f"the formal stages add up to {total} working days; together they must not "
                            f"be longer than {FORMAL_CAP_WORKING_DAYS} working days")
    if problems:
        raise StageConfigError(problems)
    return tuple(stages)


def current_stages() -> tuple[Stage, ...]:
    """The stages configured for the running app."""
    return load_stages(current_app.config.get("CHALLENGE_STAGES"))


def find_stage(stages: tuple[Stage, ...], key: str) -> Stage:
    """The stage with `key`; a stage no longer in the config is shown under its key, as formal."""
    for stage in stages:
        if stage.key == key:
            return stage
    return Stage(key, key.replace("_", " ").capitalize(), 0, True, "")


def later_stages(stages: tuple[Stage, ...], key: str) -> tuple[Stage, ...]:
    """The stages after `key`, in order (every configured stage but `key` if it is no longer configured)."""
    keys = [s.key for s in stages]
    if key not in keys:
        return tuple(s for s in stages if s.key != key)
    return stages[keys.index(key) + 1:]


def formal_deadline(formal_started_on: date | None) -> date | None:
    """The last day of the formal process: FORMAL_CAP_WORKING_DAYS after it started (None before it starts)."""
    if formal_started_on is None:
        return None
    return add_working_days(formal_started_on, FORMAL_CAP_WORKING_DAYS)


def stage_due_on(stage: Stage, opened_on: date, formal_started_on: date | None) -> date:
    """When a stage opened on `opened_on` is due: its timescale in working days, and for a formal stage
    never later than the formal deadline (so a late escalation can be due the day it opens)."""
    due = add_working_days(opened_on, stage.working_days)
    if stage.formal:
        deadline = formal_deadline(formal_started_on or opened_on)
        due = min(due, deadline)
    return due
