"""The monthly challenges report for the director: read-only, aggregated in SQL.

One function, `monthly_report(month, today)`, feeds the page, `challenges report --json` and the
Excel export (`ChallengeReport.sheet_rows()`). The JSON shape (`to_json()`, format version 1):

    {"format": "qa_app.challenges.monthly_report", "version": 1,
     "month": "2027-03", "start": "2027-03-01", "end": "2027-03-31",
     "as_of": "2027-03-31",                      # month end, or today for the current month
     "stages": [{"key", "title", "working_days", "formal"}, ...],
     "totals": FIGURES + {"cafcass_referrals": n},
     "resolved_by_stage": [{"stage", "title", "resolved"}, ...],        # every configured stage
     "open_by_stage": [{"stage", "title", "open", "overdue"}, ...],     # at as_of, every configured stage
     "by_category": [{"key", "label"} + FIGURES, ...],                  # every category
     "by_team": [{"team_id", "team"} + FIGURES, ...],                   # teams with any figure, by name
     "trend": [{"month", "raised", "resolved", "open_at_month_end"}, ...],   # 6 months before, then this one
     "change_from_previous_month": {"raised", "resolved", "open_at_month_end"}}

FIGURES = {"raised", "resolved", "withdrawn", "open_at_month_end", "overdue_at_month_end",
           "median_working_days_to_resolve"}: counts are integers; the median is a number with one
decimal place, or null when nothing was resolved. Raised/resolved/withdrawn count challenges with
that date in the month; open and overdue are counted at `as_of`; the median is the working days
from raised to resolved over the challenges resolved in the month. Team is the case's team when
the challenge was raised.
"""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from qa_app.auth.models import Team
from qa_app.challenges.models import CHALLENGE_CATEGORIES, Challenge, ChallengeStage, ChallengeStatus
from qa_app.challenges.stages import Stage, current_stages, find_stage
from qa_app.extensions import db
from qa_app.working_days import working_days_between

FORMAT = "qa_app.challenges.monthly_report"
VERSION = 1
TREND_MONTHS = 6
_ALL = "all"


@dataclass(frozen=True)
class Figures:
    raised: int = 0
    resolved: int = 0
    withdrawn: int = 0
    open_at_month_end: int = 0
    overdue_at_month_end: int = 0
    median_working_days_to_resolve: float | None = None

    def to_json(self) -> dict:
        return {"raised": self.raised, "resolved": self.resolved, "withdrawn": self.withdrawn,
                "open_at_month_end": self.open_at_month_end, "overdue_at_month_end": self.overdue_at_month_end,
                "median_working_days_to_resolve": self.median_working_days_to_resolve}


@dataclass(frozen=True)
class GroupFigures:
    key: str | int
    label: str
    figures: Figures


@dataclass(frozen=True)
class StageFigures:
    stage: str
    title: str
    resolved: int
    open: int
    overdue: int


@dataclass(frozen=True)
class TrendPoint:
    month: str
    raised: int
    resolved: int
    open_at_month_end: int

    @property
    def label(self) -> str:
        return f"{parse_month(self.month):%B %Y}"


@dataclass(frozen=True)
class ChallengeReport:
    month: str
    start: date
    end: date
    as_of: date
    stages: tuple[Stage, ...]
    totals: Figures
    cafcass_referrals: int
    by_stage: list[StageFigures]
    by_category: list[GroupFigures]
    by_team: list[GroupFigures]
    trend: list[TrendPoint] = field(default_factory=list)

    @property
    def change_from_previous_month(self) -> dict[str, int]:
        if len(self.trend) < 2:
            return {"raised": 0, "resolved": 0, "open_at_month_end": 0}
        now, before = self.trend[-1], self.trend[-2]
        return {"raised": now.raised - before.raised, "resolved": now.resolved - before.resolved,
                "open_at_month_end": now.open_at_month_end - before.open_at_month_end}

    def to_json(self) -> dict:
        return {
            "format": FORMAT, "version": VERSION, "month": self.month,
            "start": self.start.isoformat(), "end": self.end.isoformat(), "as_of": self.as_of.isoformat(),
            "stages": [{"key": s.key, "title": s.title, "working_days": s.working_days, "formal": s.formal}
                       for s in self.stages],
            "totals": {**self.totals.to_json(), "cafcass_referrals": self.cafcass_referrals},
            "resolved_by_stage": [{"stage": s.stage, "title": s.title, "resolved": s.resolved} for s in self.by_stage],
            "open_by_stage": [{"stage": s.stage, "title": s.title, "open": s.open, "overdue": s.overdue}
                              for s in self.by_stage],
            "by_category": [{"key": g.key, "label": g.label, **g.figures.to_json()} for g in self.by_category],
            "by_team": [{"team_id": g.key, "team": g.label, **g.figures.to_json()} for g in self.by_team],
            "trend": [{"month": t.month, "raised": t.raised, "resolved": t.resolved,
                       "open_at_month_end": t.open_at_month_end} for t in self.trend],
            "change_from_previous_month": self.change_from_previous_month,
        }

    def sheet_rows(self) -> list[list]:
        """The report as rows of one worksheet (headings, then tables separated by a blank row)."""
        heads = ["Raised", "Resolved", "Withdrawn", "Open at month end", "Overdue at month end",
                 "Median working days to resolve"]

        def row(label, f: Figures):
            return [label, f.raised, f.resolved, f.withdrawn, f.open_at_month_end, f.overdue_at_month_end,
                    f.median_working_days_to_resolve]

        rows: list[list] = [[f"IRO challenges: {self.month}"], [f"Figures as of {self.as_of.isoformat()}"], [],
                            ["", *heads], row("All challenges", self.totals),
                            ["Cafcass referrals", self.cafcass_referrals], [],
                            ["Stage", "Resolved at this stage", "Open", "Overdue"]]
        rows += [[s.title, s.resolved, s.open, s.overdue] for s in self.by_stage]
        rows += [[], ["Category", *heads]] + [row(g.label, g.figures) for g in self.by_category]
        rows += [[], ["Team", *heads]] + [row(g.label, g.figures) for g in self.by_team]
        rows += [[], ["Month", "Raised", "Resolved", "Open at month end"]]
        rows += [[t.month, t.raised, t.resolved, t.open_at_month_end] for t in self.trend]
        return rows


def parse_month(text: str) -> date:
    """'2027-03' → date(2027, 3, 1). ValueError with a readable message otherwise."""
    try:
        year, month = text.strip().split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        return date(int(year), int(month), 1)
    except (ValueError, AttributeError):
        raise ValueError(f"'{text}' is not a month: write it as YYYY-MM, for example 2027-03") from None


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def monthly_report(month: date, today: date, stages: tuple[Stage, ...] | None = None) -> ChallengeReport:
    """The figures for the month starting `month` (its first day). ValueError for a month not yet begun."""
    stages = stages or current_stages()
    start = month.replace(day=1)
    if start > today:
        raise ValueError(f"{start:%B %Y} has not started yet.")
    end = month_end(start)
    as_of = min(end, today)

    totals = _figures(start, end, as_of).get(_ALL, Figures())
    categories = _figures(start, end, as_of, Challenge.category)
    by_category = [GroupFigures(key, label, categories.get(key, Figures()))
                   for key, label in CHALLENGE_CATEGORIES.items()]
    teams = _figures(start, end, as_of, Challenge.team_id)
    names = dict(db.session.execute(sa.select(Team.id, Team.name).where(Team.id.in_(list(teams)))).all())
    by_team = sorted((GroupFigures(team_id, names.get(team_id, f"Team {team_id}"), f)
                      for team_id, f in teams.items() if f != Figures()),
                     key=lambda g: (g.label.lower(), g.key))
    cafcass = db.session.scalar(sa.select(sa.func.count(Challenge.id)).where(
        Challenge.cafcass_referred.is_(True), Challenge.cafcass_referred_on.between(start, end))) or 0

    trend = []
    for back in range(TREND_MONTHS, -1, -1):
        first = add_months(start, -back)
        last = month_end(first)
        trend.append(TrendPoint(
            month=f"{first:%Y-%m}",
            raised=_count(Challenge.raised_on.between(first, last)),
            resolved=_count(Challenge.status == ChallengeStatus.RESOLVED, Challenge.resolved_on.between(first, last)),
            open_at_month_end=_open_at(min(last, today)),
        ))
    return ChallengeReport(
        month=f"{start:%Y-%m}", start=start, end=end, as_of=as_of, stages=stages, totals=totals,
        cafcass_referrals=cafcass, by_stage=_by_stage(start, end, as_of, stages), by_category=by_category,
        by_team=by_team, trend=trend,
    )


# --- the queries --------------------------------------------------------------------------------

def _open_at_condition(stage, as_of: date):
    """The stage row was the open stage at the end of `as_of`."""
    return sa.and_(stage.opened_on <= as_of, sa.or_(stage.closed_on.is_(None), stage.closed_on > as_of))


def _overdue_at_condition(stage, as_of: date):
    """…and had no response by the end of `as_of`, and its due date had passed."""
    next_midnight = datetime.combine(as_of + timedelta(days=1), datetime.min.time())
    return sa.and_(stage.due_on < as_of,
                   sa.or_(stage.responded_at.is_(None), stage.responded_at >= next_midnight))


def _count(*conditions) -> int:
    return db.session.scalar(sa.select(sa.func.count(Challenge.id)).where(*conditions)) or 0


def _open_at(as_of: date) -> int:
    return db.session.scalar(sa.select(sa.func.count(ChallengeStage.id)).where(
        _open_at_condition(ChallengeStage, as_of))) or 0


def _figures(start: date, end: date, as_of: date, group=None) -> dict:
    """Figures per value of `group` (a column of Challenge), or under the key "all" with no group."""
    def rows(*columns, where, join_stage: bool = False):
        query = sa.select(group if group is not None else sa.null(), *columns)
        if join_stage:
            query = query.join(ChallengeStage, ChallengeStage.challenge_id == Challenge.id)
        query = query.where(*where)
        if group is not None:
            query = query.group_by(group)
        return [(key if group is not None else _ALL, *rest) for key, *rest in db.session.execute(query)]

    count = sa.func.count(Challenge.id)
    in_month = Challenge.resolved_on.between(start, end)
    resolved_in_month = (Challenge.status == ChallengeStatus.RESOLVED, in_month)
    raised = dict(rows(count, where=(Challenge.raised_on.between(start, end),)))
    resolved = dict(rows(count, where=resolved_in_month))
    withdrawn = dict(rows(count, join_stage=True, where=(
        ChallengeStage.closed_because == "withdrawn", ChallengeStage.closed_on.between(start, end))))
    open_now = {key: (n, overdue or 0) for key, n, overdue in rows(
        count, sa.func.sum(sa.case((_overdue_at_condition(ChallengeStage, as_of), 1), else_=0)),
        join_stage=True, where=(_open_at_condition(ChallengeStage, as_of),))}
    days: dict = {}
    query = sa.select(group if group is not None else sa.null(), Challenge.raised_on, Challenge.resolved_on)
    for key, raised_on, resolved_on in db.session.execute(query.where(*resolved_in_month)):
        days.setdefault(key if group is not None else _ALL, []).append(working_days_between(raised_on, resolved_on))
    result = {}
    for key in (set(raised) | set(resolved) | set(withdrawn) | set(open_now)):
        result[key] = Figures(
            raised=raised.get(key, 0), resolved=resolved.get(key, 0), withdrawn=withdrawn.get(key, 0),
            open_at_month_end=open_now.get(key, (0, 0))[0], overdue_at_month_end=open_now.get(key, (0, 0))[1],
            median_working_days_to_resolve=round(float(statistics.median(days[key])), 1) if key in days else None,
        )
    return result


def _by_stage(start: date, end: date, as_of: date, stages: tuple[Stage, ...]) -> list[StageFigures]:
    resolved = dict(db.session.execute(
        sa.select(Challenge.resolved_stage, sa.func.count(Challenge.id))
        .where(Challenge.status == ChallengeStatus.RESOLVED, Challenge.resolved_on.between(start, end))
        .group_by(Challenge.resolved_stage)).all())
    open_rows = db.session.execute(
        sa.select(ChallengeStage.stage, sa.func.count(ChallengeStage.id),
                  sa.func.sum(sa.case((_overdue_at_condition(ChallengeStage, as_of), 1), else_=0)))
        .where(_open_at_condition(ChallengeStage, as_of)).group_by(ChallengeStage.stage)).all()
    open_now = {key: (n, overdue or 0) for key, n, overdue in open_rows}
    keys = [s.key for s in stages]
    keys += sorted((set(resolved) | set(open_now)) - set(keys))   # stages no longer configured
    return [StageFigures(stage=key, title=find_stage(stages, key).title, resolved=resolved.get(key, 0),
                         open=open_now.get(key, (0, 0))[0], overdue=open_now.get(key, (0, 0))[1])
            for key in keys]


def period_figures(start: date, end: date, today: date, team_id: int | None = None) -> dict:
    """The headline figures for any period (the QA report's "IRO challenges in the period"):
    raised, resolved and withdrawn in the period; open and overdue at its end (or today)."""
    as_of = min(end, today)
    if team_id is None:
        figures = _figures(start, end, as_of).get(_ALL)
    else:
        figures = _figures(start, end, as_of, group=Challenge.team_id).get(team_id)
    figures = figures or Figures(raised=0, resolved=0, withdrawn=0, open_at_month_end=0, overdue_at_month_end=0,
                                 median_working_days_to_resolve=None)
    return {"raised": figures.raised, "resolved": figures.resolved, "withdrawn": figures.withdrawn,
            "open": figures.open_at_month_end, "overdue": figures.overdue_at_month_end,
            "median_working_days_to_resolve": figures.median_working_days_to_resolve,
            "from": start.isoformat(), "to": end.isoformat()}
