"""Choosing the case files a round audits: filters, a size rule and a seed."""

import math
import random
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from qa_app.audits.models import Audit
from qa_app.audits.workflow import AuditStatus
from qa_app.cases.models import FACTORS, CaseFactor, CaseFile, CaseStatus
from qa_app.cases.queries import born_after_for_age_under
from qa_app.errors import ValidationFailed
from qa_app.extensions import db
from qa_app.rounds.models import AuditRound
from qa_app.working_days import add_working_days

SIZE_MODES = {
    "per_team": "A number of case files from each team",
    "percent": "A percentage of the matching case files in each team",
    "per_auditor": "A number of case files for each active auditor, spread across the teams",
    "all": "Every matching case file",
}


@dataclass(frozen=True)
class SampleRule:
    case_types: tuple[str, ...] = ()
    team_ids: tuple[int, ...] = ()
    age_under: int | None = None
    factors: tuple[str, ...] = ()         # a case matches when it has any of them
    size_mode: str = "per_team"
    size: int = 5                          # n per team, or the percentage
    exclude_months: int = 12               # skip files audited this recently
    # Factor rules that combine (each one set must hold, with `factors` above as "any of"):
    factors_all: tuple[str, ...] = ()      # has every one of these
    factors_none: tuple[str, ...] = ()     # has none of these
    factors_at_least: tuple[str, ...] = () # has at least `factors_min` of these
    factors_min: int = 1
    # Dates from the case list (see docs/case-import.md):
    plan_older_than_months: int | None = None      # plan started at least this many months ago
    review_within_working_days: int | None = None  # next conference or review from today to N working days
    plan_ended_within_days: int | None = None      # a plan ended in the last N days

    def validate(self) -> None:
        problems = []
        if self.size_mode not in SIZE_MODES:
            problems.append(("size_mode", "Choose how many case files to sample."))
        elif self.size_mode == "per_team" and not 1 <= self.size <= 1000:
            problems.append(("size", "The number per team must be between 1 and 1,000."))
        elif self.size_mode == "per_auditor" and not 1 <= self.size <= 100:
            problems.append(("size", "The number per auditor must be between 1 and 100."))
        elif self.size_mode == "percent" and not 1 <= self.size <= 100:
            problems.append(("size", "The percentage must be between 1 and 100."))
        if self.age_under is not None and not 1 <= self.age_under <= 26:
            problems.append(("age_under", "The age limit must be between 1 and 26."))
        if not 0 <= self.exclude_months <= 120:
            problems.append(("exclude_months", "Months to exclude must be between 0 and 120."))
        for name, rule_factors in (("factors", self.factors), ("factors_all", self.factors_all),
                                   ("factors_none", self.factors_none), ("factors_at_least", self.factors_at_least)):
            unknown = [f for f in rule_factors if f not in FACTORS]
            if unknown:
                problems.append((name, f"Unknown factor: {', '.join(unknown)}."))
        clash = set(self.factors_none) & (set(self.factors_all) | set(self.factors))
        if clash:
            problems.append(("factors_none", "A factor cannot be both required and excluded: "
                             + ", ".join(FACTORS.get(f, f) for f in sorted(clash)) + "."))
        if self.factors_at_least and not 1 <= self.factors_min <= len(self.factors_at_least):
            problems.append(("factors_min", f"'At least' must be between 1 and the {len(self.factors_at_least)} "
                                            "factors ticked."))
        for name, value, top in (("plan_older_than_months", self.plan_older_than_months, 240),
                                 ("review_within_working_days", self.review_within_working_days, 120),
                                 ("plan_ended_within_days", self.plan_ended_within_days, 730)):
            if value is not None and not 0 <= value <= top:
                problems.append((name, f"Enter a number between 0 and {top}."))
        if problems:
            raise ValidationFailed(problems)

    def to_dict(self) -> dict:
        data = asdict(self)
        return {key: list(value) if isinstance(value, tuple) else value for key, value in data.items()}

    @classmethod
    def from_dict(cls, data: dict) -> "SampleRule":
        known = {f for f in cls.__dataclass_fields__}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        return cls(**values)


@dataclass(frozen=True)
class Candidate:
    case_file_id: int
    reference: str
    team_id: int
    case_type: str


@dataclass
class SamplePreview:
    chosen: list[Candidate]
    matching_by_team: dict[int, int] = field(default_factory=dict)
    chosen_by_team: dict[int, int] = field(default_factory=dict)
    excluded_recent: int = 0


def candidates(rule: SampleRule, *, today: date, exclude_round_id: int | None = None) -> tuple[list[Candidate], int]:
    """Open case files matching the rule's filters, and how many were left out as recently audited."""
    query = sa.select(CaseFile.id, CaseFile.reference, CaseFile.team_id, CaseFile.case_type).where(
        CaseFile.status == CaseStatus.OPEN
    )
    if rule.case_types:
        query = query.where(CaseFile.case_type.in_(rule.case_types))
    if rule.team_ids:
        query = query.where(CaseFile.team_id.in_(rule.team_ids))
    if rule.age_under is not None:
        query = query.where(CaseFile.date_of_birth > born_after_for_age_under(rule.age_under, today))
    if rule.factors:
        query = query.where(sa.exists().where(
            CaseFactor.case_file_id == CaseFile.id, CaseFactor.factor.in_(rule.factors)))
    for factor in rule.factors_all:
        query = query.where(sa.exists().where(CaseFactor.case_file_id == CaseFile.id, CaseFactor.factor == factor))
    if rule.factors_none:
        query = query.where(~sa.exists().where(
            CaseFactor.case_file_id == CaseFile.id, CaseFactor.factor.in_(rule.factors_none)))
    if rule.factors_at_least:
        how_many = (sa.select(sa.func.count()).where(CaseFactor.case_file_id == CaseFile.id,
                                                     CaseFactor.factor.in_(rule.factors_at_least))
                    .correlate(CaseFile).scalar_subquery())
        query = query.where(how_many >= rule.factors_min)
    if rule.plan_older_than_months is not None:
        query = query.where(CaseFile.plan_start_date <= months_before(today, rule.plan_older_than_months))
    if rule.review_within_working_days is not None:
        query = query.where(CaseFile.next_review_date >= today,
                            CaseFile.next_review_date <= add_working_days(today, rule.review_within_working_days))
    if rule.plan_ended_within_days is not None:
        query = query.where(CaseFile.plan_end_date >= today - timedelta(days=rule.plan_ended_within_days),
                            CaseFile.plan_end_date <= today)
    rows = [Candidate(*row) for row in db.session.execute(query.order_by(CaseFile.reference))]
    recent = recently_audited(rule.exclude_months, today=today, exclude_round_id=exclude_round_id)
    kept = [c for c in rows if c.case_file_id not in recent]
    return kept, len(rows) - len(kept)


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the 28th at most, so every month has it)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, 28))


def active_auditor_count() -> int:
    from qa_app.auth.models import Role, User, UserRole

    return db.session.scalar(sa.select(sa.func.count(sa.distinct(User.id))).join(UserRole).where(
        UserRole.role == Role.AUDITOR, User.active.is_(True))) or 0


def recently_audited(months: int, *, today: date, exclude_round_id: int | None) -> set[int]:
    """Case files with an audit (not removed) created within the last `months` months."""
    if months <= 0:
        return set()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    cutoff = date(year, month + 1, min(today.day, 28))
    query = sa.select(Audit.case_file_id).where(
        Audit.status != AuditStatus.REMOVED, Audit.created_at >= cutoff
    )
    if exclude_round_id is not None:
        query = query.where(Audit.round_id != exclude_round_id)
    return set(db.session.scalars(query))


def choose(pool: list[Candidate], rule: SampleRule, seed: int, auditors: int = 0) -> SamplePreview:
    """The sample: per team, a seeded random choice. Same pool, rule and seed → same sample.

    "per_auditor" takes `size` × `auditors` files in all, shared between the teams as evenly as
    their pools allow (a team with fewer files gives what it has, the rest go to the others)."""
    by_team: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in sorted(pool, key=lambda c: c.reference):
        by_team[candidate.team_id].append(candidate)
    preview = SamplePreview(chosen=[])
    quotas = _even_quotas({t: len(p) for t, p in by_team.items()}, rule.size * auditors) \
        if rule.size_mode == "per_auditor" else {}
    for team_id in sorted(by_team):
        team_pool = by_team[team_id]
        if rule.size_mode == "per_auditor":
            wanted = quotas[team_id]
        elif rule.size_mode == "all":
            wanted = len(team_pool)
        elif rule.size_mode == "percent":
            wanted = math.ceil(len(team_pool) * rule.size / 100)
        else:
            wanted = min(rule.size, len(team_pool))
        # A generator per team, so one team's size does not change another team's choice.
        rng = random.Random(f"{seed}:{team_id}")
        picked = _stratified(team_pool, wanted, rng)
        preview.matching_by_team[team_id] = len(team_pool)
        preview.chosen_by_team[team_id] = len(picked)
        preview.chosen.extend(picked)
    preview.chosen.sort(key=lambda c: c.reference)
    return preview


def _even_quotas(sizes: dict[int, int], total: int) -> dict[int, int]:
    """Share `total` between teams as evenly as their sizes allow (water-filling, by team id)."""
    quotas = dict.fromkeys(sizes, 0)
    left = min(total, sum(sizes.values()))
    while left:
        open_teams = sorted(t for t in sizes if quotas[t] < sizes[t])
        share, extra = divmod(left, len(open_teams))
        for index, team in enumerate(open_teams):
            add = min(sizes[team] - quotas[team], share + (1 if index < extra else 0))
            quotas[team] += add
            left -= add
    return quotas


def _stratified(pool: list[Candidate], wanted: int, rng: random.Random) -> list[Candidate]:
    """Take `wanted` files, spread across case types in proportion to their numbers."""
    by_type: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in pool:
        by_type[candidate.case_type].append(candidate)
    for group in by_type.values():
        rng.shuffle(group)
    # Interleave the shuffled groups by their proportional position, then take the first `wanted`.
    ordered = []
    for case_type in sorted(by_type):
        group = by_type[case_type]
        for index, candidate in enumerate(group):
            ordered.append(((index + rng.random()) / len(group), case_type, candidate))
    ordered.sort(key=lambda item: (item[0], item[1]))
    return [candidate for _, _, candidate in ordered[:wanted]]


def preview_sample(round_: AuditRound, today: date) -> SamplePreview:
    rule = SampleRule.from_dict(round_.sample_rule)
    pool, excluded = candidates(rule, today=today, exclude_round_id=round_.id)
    preview = choose(pool, rule, round_.seed, auditors=active_auditor_count() if rule.size_mode == "per_auditor" else 0)
    preview.excluded_recent = excluded
    return preview
