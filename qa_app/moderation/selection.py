"""Choosing which submitted audits are moderated, and by whom: pure functions, no database.

The rule (per round): a percentage of each auditor's submitted audits, at least one per auditor
when the percentage is above 0, chosen at random with the round's seed; plus, each switchable,
every audit graded Inadequate, every audit graded Outstanding (the best grade of the scale) and
every audit flagged "child at immediate risk". Choosing again later (when more audits have been
submitted) keeps every earlier choice and adds only what the rule now also asks for.
"""

import enum
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from qa_app.audit_forms.scales import GradeScale


class SelectionReason(enum.StrEnum):
    PERCENTAGE = "percentage"
    INADEQUATE = "inadequate"
    OUTSTANDING = "outstanding"
    IMMEDIATE_RISK = "immediate_risk"
    HAND = "hand"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS = {
    SelectionReason.PERCENTAGE: "Random sample of the auditor's audits",
    SelectionReason.INADEQUATE: "Graded Inadequate",
    SelectionReason.OUTSTANDING: "Graded Outstanding",
    SelectionReason.IMMEDIATE_RISK: "Child at immediate risk",
    SelectionReason.HAND: "Added by hand",
}


@dataclass(frozen=True)
class ModerationRule:
    percent: int
    inadequate: bool = True
    outstanding: bool = True
    immediate_risk: bool = True

    @classmethod
    def from_round(cls, round_) -> "ModerationRule":
        return cls(percent=round_.moderation_percent, inadequate=round_.moderate_inadequate,
                   outstanding=round_.moderate_outstanding, immediate_risk=round_.moderate_immediate_risk)

    def quota(self, submitted: int) -> int:
        """How many of an auditor's `submitted` audits the percentage asks for (at least one)."""
        if self.percent <= 0 or submitted <= 0:
            return 0
        return min(submitted, max(1, math.ceil(self.percent * submitted / 100)))

    def describe(self) -> str:
        parts = []
        if self.percent > 0:
            parts.append(f"{self.percent}% of each auditor's submitted audits (at least one each)")
        for switched_on, text in ((self.inadequate, "every audit graded Inadequate"),
                                  (self.outstanding, "every audit graded Outstanding"),
                                  (self.immediate_risk, "every audit with a child at immediate risk")):
            if switched_on:
                parts.append(text)
        text = ", plus ".join(parts) if parts else "nothing by rule: add audits by hand"
        return text[0].upper() + text[1:]


@dataclass(frozen=True)
class Candidate:
    """A submitted audit of the round (in any submitted state)."""

    audit_id: int
    auditor_id: int
    overall_grade: int
    immediate_risk: bool


def mandatory_reason(candidate: Candidate, rule: ModerationRule, scale: GradeScale) -> SelectionReason | None:
    """Why the rule moderates this audit whatever the random draw, or None."""
    if rule.immediate_risk and candidate.immediate_risk:
        return SelectionReason.IMMEDIATE_RISK
    if rule.inadequate and candidate.overall_grade == scale.inadequate:
        return SelectionReason.INADEQUATE
    if rule.outstanding and candidate.overall_grade == scale.grades[0].value:
        return SelectionReason.OUTSTANDING
    return None


def choose(candidates: Iterable[Candidate], rule: ModerationRule, scale: GradeScale, seed: int,
           already: Mapping[int, str] | None = None) -> dict[int, SelectionReason]:
    """The audits to add to the moderation sample now: {audit id: reason}.

    `already` maps the audits that have (or had: withdrawn ones count) a moderation to the reason
    they were selected; they are never chosen again, a withdrawn one is not replaced, and
    percentage picks among them count towards the auditor's quota. The random draw is one
    `random.Random` per auditor, seeded by the round's seed and the auditor, so the same rule,
    seed and audits always choose the same ones.
    """
    already = dict(already or {})
    candidates = sorted(candidates, key=lambda c: c.audit_id)
    chosen: dict[int, SelectionReason] = {}
    for candidate in candidates:
        if candidate.audit_id in already:
            continue
        reason = mandatory_reason(candidate, rule, scale)
        if reason is not None:
            chosen[candidate.audit_id] = reason

    by_auditor: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_auditor[candidate.auditor_id].append(candidate)
    for auditor_id, own in sorted(by_auditor.items()):
        counted = sum(1 for c in own if already.get(c.audit_id) == SelectionReason.PERCENTAGE)
        need = rule.quota(len(own)) - counted
        pool = [c.audit_id for c in own if c.audit_id not in already and c.audit_id not in chosen]
        if need <= 0:
            continue
        random.Random(f"{seed}:moderation:{auditor_id}").shuffle(pool)
        for audit_id in pool[:need]:
            chosen[audit_id] = SelectionReason.PERCENTAGE
    return chosen


def spread(moderations: Sequence[tuple[int, int | None]], moderators: Sequence[int], seed: int,
           load: Mapping[int, int] | None = None) -> dict[int, int | None]:
    """Give each moderation a moderator: {moderation id: moderator id, or None if nobody can}.

    `moderations` are (moderation id, auditor id); `load` counts what each moderator already has.
    Never the audit's own auditor; otherwise the least loaded moderator, ties broken in an order
    drawn from `seed`, so the load is as even as the exclusions allow.
    """
    current = Counter({m: 0 for m in moderators})
    for moderator_id, count in (load or {}).items():
        if moderator_id in current:
            current[moderator_id] += count
    rng = random.Random(f"{seed}:moderators")
    order = {m: rng.random() for m in sorted(moderators)}
    result: dict[int, int | None] = {}
    for moderation_id, auditor_id in sorted(moderations):
        pool = [m for m in moderators if m != auditor_id]
        if not pool:
            result[moderation_id] = None
            continue
        chosen = min(pool, key=lambda m: (current[m], order[m]))
        current[chosen] += 1
        result[moderation_id] = chosen
    return result
