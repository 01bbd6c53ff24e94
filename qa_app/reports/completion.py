"""Completion: per auditor and per auditor's team, how many audits were assigned, submitted on
time, submitted late, and are still outstanding (and of those, overdue). Aggregated in SQL.

An audit is on time when its *first* submission (a correction after a return does not count) was
on or before its round's due date. Audits removed from a sample, audits of cancelled rounds and
unassigned audits are not counted. `report round --json` carries it under `completion`.
"""

from datetime import date

import sqlalchemy as sa

from qa_app.audits.models import Audit, AuditVersion
from qa_app.audits.workflow import AuditStatus, SUBMITTED_STATES
from qa_app.auth.models import Team, User
from qa_app.cases.models import CaseFile
from qa_app.extensions import db
from qa_app.reports.queries import ReportFilter, percent
from qa_app.rounds.models import AuditRound, RoundStatus

COUNTS = ("assigned", "submitted_on_time", "submitted_late", "outstanding", "overdue")


def first_submitted():
    """The audit's first submission: its first version, else (imported audits) its submitted_at."""
    first = (sa.select(sa.func.min(AuditVersion.submitted_at)).where(AuditVersion.audit_id == Audit.id)
             .correlate(Audit).scalar_subquery())
    return sa.func.coalesce(first, Audit.submitted_at)


def completion_rows(filters: ReportFilter, today: date) -> list[tuple]:
    """(auditor id, name, team, assigned, on time, late, outstanding, overdue) per auditor."""
    submitted = [s.value for s in SUBMITTED_STATES]
    undone = [AuditStatus.NOT_STARTED.value, AuditStatus.IN_PROGRESS.value]
    first_day = sa.func.date(first_submitted())
    due = sa.func.date(AuditRound.due_date)
    count = lambda condition: sa.func.sum(sa.case((condition, 1), else_=0))  # noqa: E731
    query = (
        sa.select(
            User.id, User.display_name, Team.name, sa.func.count(Audit.id),
            count(sa.and_(Audit.status.in_(submitted), first_day <= due)),
            count(sa.and_(Audit.status.in_(submitted), first_day > due)),
            count(Audit.status.in_(undone)),
            count(sa.and_(Audit.status.in_(undone), AuditRound.due_date < today)),
        )
        .join(AuditRound, AuditRound.id == Audit.round_id)
        .join(User, User.id == Audit.auditor_id)
        .outerjoin(Team, Team.id == User.team_id)
        .join(CaseFile, CaseFile.id == Audit.case_file_id)
        .where(Audit.status != AuditStatus.REMOVED, AuditRound.status != RoundStatus.CANCELLED)
        .group_by(User.id, User.display_name, Team.name)
    )
    if filters.round_ids:
        query = query.where(Audit.round_id.in_(filters.round_ids))
    if filters.team_id:
        query = query.where(CaseFile.team_id == filters.team_id)
    if filters.case_type:
        query = query.where(CaseFile.case_type == filters.case_type)
    return [tuple(row) for row in db.session.execute(query)]


def _entry(values) -> dict:
    entry = dict(zip(COUNTS, (int(v or 0) for v in values)))
    done = entry["submitted_on_time"] + entry["submitted_late"]
    entry["percent_on_time"] = percent(entry["submitted_on_time"], done)
    return entry


def completion_section(filters: ReportFilter, today: date) -> dict:
    """{"auditors": [{"auditor", "team", counts…}], "teams": [{"team", counts…}], "total": {counts…}}."""
    rows = sorted(completion_rows(filters, today), key=lambda r: (r[2] or "", r[1], r[0]))
    teams: dict[str, list[int]] = {}
    total = [0] * len(COUNTS)
    for _id, _name, team, *counts in rows:
        sums = teams.setdefault(team or "No team", [0] * len(COUNTS))
        for i, n in enumerate(counts):
            sums[i] += int(n or 0)
            total[i] += int(n or 0)
    return {
        "auditors": [{"auditor": name, "team": team or "No team", **_entry(counts)}
                     for _id, name, team, *counts in rows],
        "teams": [{"team": team, **_entry(counts)} for team, counts in sorted(teams.items())],
        "total": _entry(total),
    }
