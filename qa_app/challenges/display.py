"""What the pages show about a challenge: list rows and the stage timeline, as plain values.

Read-only; `today` is a parameter so overdue and working-day counts can be tested.
"""

from dataclasses import dataclass
from datetime import date

from qa_app.challenges.models import CHALLENGE_CATEGORIES, Challenge
from qa_app.challenges.permissions import current_stage_row
from qa_app.challenges.services import due_if_moved_to, formal_started_on, is_overdue
from qa_app.challenges.stages import FORMAL_CAP_WORKING_DAYS, Stage, find_stage, formal_deadline
from qa_app.challenges.workflow import ChallengeState, state_of
from qa_app.presentation import uk_date
from qa_app.working_days import working_days_between

HISTORY_WORDS = {
    "challenge.raised": "Raised",
    "challenge.responded": "Response recorded",
    "challenge.resolved": "Response accepted: resolved",
    "challenge.escalated": "Escalated",
    "challenge.skipped": "Moved on, skipping a stage",
    "challenge.withdrawn": "Withdrawn",
    "challenge.cafcass_flagged": "Cafcass referral recorded",
    "challenge.responders_changed": "Responders changed",
}

CLOSED_BECAUSE = {
    "resolved": "Resolved",
    "escalated": "Escalated",
    "skipped": "Skipped",
    "withdrawn": "Withdrawn",
}


@dataclass(frozen=True)
class Row:
    """A challenge in a list (plain values: safe to render after the request's commit)."""

    id: int
    raised_on: date
    reference: str
    team: str
    category: str
    stage: str
    state: str
    responders: str
    due_on: date | None
    overdue: bool
    raised_by: str


@dataclass(frozen=True)
class TimelineEntry:
    """One stage the challenge went through."""

    title: str
    responder: str
    responders: str
    opened_on: date
    due_on: date
    responded_on: date | None
    response: str
    closed_on: date | None
    closed_because: str
    skip_reason: str
    working_days: int          # opened → responded (or closed, or today while open)
    overdue: bool
    current: bool
    formal: bool


def history_words(action: str) -> str:
    return HISTORY_WORDS.get(action, action.split(".")[-1].replace("_", " ").capitalize())


def category_label(key: str) -> str:
    return CHALLENGE_CATEGORIES.get(key, key)


def _names(stage_row) -> str:
    names = [u.display_name for u in (stage_row.responder, stage_row.second_responder) if u is not None]
    return " and ".join(names) if names else "No one named"


def row(challenge: Challenge, stages: tuple[Stage, ...], today: date) -> Row:
    stage_row = current_stage_row(challenge)
    state = state_of(challenge)
    return Row(
        id=challenge.id, raised_on=challenge.raised_on, reference=challenge.case_file.reference, team=challenge.case_file.team.name,
        category=category_label(challenge.category), stage=find_stage(stages, challenge.current_stage).title,
        state=state.label, responders=_names(stage_row) if stage_row is not None else "",
        due_on=stage_row.due_on if stage_row is not None else None,
        overdue=stage_row is not None and is_overdue(stage_row, today),
        raised_by=challenge.raised_by.display_name,
    )


def rows(challenges, stages: tuple[Stage, ...], today: date) -> list[Row]:
    return [row(c, stages, today) for c in challenges]


def timeline(challenge: Challenge, stages: tuple[Stage, ...], today: date) -> list[TimelineEntry]:
    entries = []
    for stage_row in challenge.stages:
        stage = find_stage(stages, stage_row.stage)
        responded_on = stage_row.responded_at.date() if stage_row.responded_at else None
        end = responded_on or stage_row.closed_on or today
        entries.append(TimelineEntry(
            title=stage.title, responder=stage.responder, responders=_names(stage_row),
            opened_on=stage_row.opened_on, due_on=stage_row.due_on, responded_on=responded_on,
            response=stage_row.response, closed_on=stage_row.closed_on,
            closed_because=CLOSED_BECAUSE.get(stage_row.closed_because or "", ""),
            skip_reason=stage_row.skip_reason,
            working_days=working_days_between(stage_row.opened_on, end),
            overdue=is_overdue(stage_row, today), current=stage_row.closed_on is None,
            formal=stage.formal,
        ))
    return entries


@dataclass(frozen=True)
class FormalLimit:
    started_on: date
    deadline: date
    cap: int
    passed: bool


def formal_limit(challenge: Challenge, stages: tuple[Stage, ...], today: date) -> FormalLimit | None:
    """The 20-working-day limit on the formal stages, once the formal process has started."""
    started = formal_started_on(challenge, stages)
    if started is None:
        return None
    deadline = formal_deadline(started)
    return FormalLimit(started_on=started, deadline=deadline, cap=FORMAL_CAP_WORKING_DAYS,
                       passed=state_of(challenge) in (ChallengeState.AWAITING_RESPONSE,
                                                      ChallengeState.AWAITING_DECISION) and today > deadline)


def move_on_choices(challenge: Challenge, later: tuple[Stage, ...], today: date,
                    stages: tuple[Stage, ...]) -> list[tuple[str, str]]:
    """The later stages as choices: who responds there, when it would be due, what it skips."""
    choices = []
    for position, stage in enumerate(later):
        due = due_if_moved_to(challenge, stage, today, stages)
        label = f"{stage.title}: {stage.responder or 'responder'}, due {uk_date(due)}"
        if position:
            label += " (skips " + ", ".join(s.title for s in later[:position]) + ")"
        choices.append((stage.key, label))
    return choices
