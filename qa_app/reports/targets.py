"""Targets: setting and retiring them, and each one's red/amber/green status against a report.

Status: green when the figure meets the target; amber when it misses by no more than the target's
amber margin (percentage points); red when it misses by more; None when there is no figure (no
audits, or nobody answered the question).
"""

import sqlalchemy as sa

from qa_app.errors import DomainError, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.reports.models import Comparison, Target

MEASURES = {"percent_inadequate": "Inadequate (final grade)",
            "percent_good_or_better": "Good or better (final grade)"}
SMALL_NUMBER = 5


def active_targets() -> list[Target]:
    return list(db.session.scalars(sa.select(Target).where(Target.active.is_(True)).order_by(Target.id)))


def add_target(*, name: str, measure: str, comparison: str, value, amber_margin, actor,
               question_key: str | None = None, option: str | None = None) -> Target:
    """A new target. ValidationFailed (on the field) for a blank name, an unknown measure or
    comparison, or a value or margin outside 0–100."""
    name = " ".join((name or "").split())
    problems = []
    if not name:
        problems.append(("name", "Enter a name for the target"))
    elif len(name) > 200:
        problems.append(("name", "The name must be 200 characters or fewer"))
    if measure not in MEASURES and measure != "compliance":
        problems.append(("measure", "Choose the figure the target is for"))
    if measure == "compliance" and not (question_key and option):
        problems.append(("measure", "Choose the answer the target is for"))
    if comparison not in {c.value for c in Comparison}:
        problems.append(("comparison", "Choose at most or at least"))
    for field, number in (("value", value), ("amber_margin", amber_margin)):
        if number is None or not 0 <= float(number) <= 100:
            problems.append((field, "Enter a percentage between 0 and 100"))
    if problems:
        raise ValidationFailed(problems)
    target = Target(name=name, measure=measure, comparison=comparison, value=float(value),
                    amber_margin=float(amber_margin), created_by_id=actor.id,
                    question_key=question_key if measure == "compliance" else None,
                    option=option if measure == "compliance" else None)
    db.session.add(target)
    db.session.flush()
    record(actor, "target.added", target, name=name, measure=measure, question=target.question_key,
           option=target.option, comparison=comparison, value=target.value, amber_margin=target.amber_margin)
    return target


def retire_target(target: Target, *, actor) -> None:
    if not target.active:
        raise DomainError("This target has already been removed.")
    target.active = False
    record(actor, "target.retired", target, name=target.name)


def status(target: Target, actual: float | None) -> str | None:
    if actual is None:
        return None
    miss = actual - target.value if target.comparison == Comparison.AT_MOST else target.value - actual
    if miss <= 0:
        return "green"
    return "amber" if miss <= target.amber_margin else "red"


def describe(target: Target) -> str:
    return f"{Comparison(target.comparison).label} {target.value:g}%"


def targets_section(report: dict, targets: list[Target] | None = None) -> list[dict]:
    """Each active target against the report's figures: its value, the actual figure and status."""
    result = []
    for target in active_targets() if targets is None else targets:
        if target.measure == "compliance":
            entry = report.get("compliance", {}).get(target.question_key) or {}
            actual = (entry.get("percent") or {}).get(target.option)
            base = entry.get("answers", 0)
        else:
            actual, base = report.get(target.measure), report.get("audits", 0)
        result.append({
            "name": target.name, "measure": target.measure, "question": target.question_key,
            "option": target.option, "comparison": target.comparison, "value": target.value,
            "amber_margin": target.amber_margin, "actual": actual, "status": status(target, actual),
            "audits": base, "small_number": 0 < base < SMALL_NUMBER,
        })
    return result
