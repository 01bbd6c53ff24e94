"""The report, computed once per change rather than on every view (issue 10, point 4).

`cached_report(filters, today=…)` returns the stored report for these filters and this day when
nothing that a figure depends on has changed since it was computed, else computes it with
`build_report`, stores it and returns it. "Changed" is `report_state.version`, raised in the
database by every transition that can change a figure (below), in the transaction that makes the
change. The cache and the version live in the database, so any number of app servers share them
and none ever serves a report older than the last committed change.

What raises the version, found by the session's flushes (so no service has to remember it):
an audit added or deleted, moving between "to do", submitted and removed (the completion figures
count audits still to do), changing auditor or round, or changing while submitted (submission,
return, resubmission, moderation, removal, import); its answers while it is submitted, a
moderation completed or withdrawn and its grades, actions, follow-up checks, challenges and their
stages, targets, templates, teams, a round's name, dates or status (cancelled), a case file's team
or type, a person's name or team; the practice loop's records (releases, workers' responses,
feedback conversations, done with the worker, family feedback and its answers, disputes,
learning briefs); ORM bulk updates of the same. Saving a draft of an audit or a
moderation in progress does not.

Reading order matters on PostgreSQL (each statement sees the latest commit): the version is read
before the figures, so a report is never stored under a version newer than its data.
"""

import copy
import hashlib
import json
from datetime import date
from itertools import chain

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from qa_app.actions.models import Action
from qa_app.audit_forms.models import QuestionTheme, TemplateGrade, TemplateQuestion, TemplateVersion
from qa_app.audits.models import Answer, Audit
from qa_app.audits.workflow import SUBMITTED_STATES, AuditStatus
from qa_app.auth.models import Team, User
from qa_app.cases.models import CaseFile
from qa_app.challenges.models import Challenge, ChallengeStage
from qa_app.db import utcnow
from qa_app.extensions import db
from qa_app.disputes.models import Dispute
from qa_app.feedback.models import FeedbackAnswer, FeedbackRecord
from qa_app.learning.models import LearningBrief
from qa_app.moderation.models import ModeratedAnswer, Moderation, ModerationStatus
from qa_app.practice.models import DoneWithWorker, FeedbackConversation, Release, WorkerResponse
from qa_app.reports.builder import build_report
from qa_app.reports.models import CachedReport, ReportState, Target
from qa_app.reports.queries import ReportFilter
from qa_app.reviews.models import ReviewCheck
from qa_app.rounds.models import AuditRound

_SUBMITTED = {s.value for s in SUBMITTED_STATES}
_BUMPED = "report_version_raised"   # session.info: raised once in this transaction already
# The report's shape: raise it when build_report gains or changes a key, so a report stored by the
# code before (the same day, nothing changed since) is not served to templates that expect the key.
REPORT_SHAPE = 2
_BUMP = sa.update(ReportState).where(ReportState.id == 1).values(version=ReportState.version + 1)


def cached_report(filters: ReportFilter, *, today: date, round_name: str | None = None,
                  with_challenges: bool = True) -> dict:
    """The report `build_report` would return now, from the cache when it is current (a copy)."""
    key = _key(filters, today, round_name, with_challenges)
    version = current_version()
    if version is None:   # no version row (a database not made by the migrations): never cache
        return build_report(filters, today=today, round_name=round_name, with_challenges=with_challenges)
    stored = db.session.get(CachedReport, key)
    if stored is not None and stored.version == version:
        return copy.deepcopy(stored.payload)
    report = build_report(filters, today=today, round_name=round_name, with_challenges=with_challenges)
    _store(key, version, report)
    return report


def current_version() -> int | None:
    return db.session.scalar(sa.select(ReportState.version).where(ReportState.id == 1))


def raise_version(connection=None) -> None:
    """Mark every stored report out of date (done by the session hooks below; call it after a
    change made with plain SQL)."""
    (connection or db.session).execute(_BUMP)


def _key(filters: ReportFilter, today: date, round_name, with_challenges) -> str:
    text = json.dumps({"rounds": sorted(filters.round_ids), "team": filters.team_id, "case_type": filters.case_type,
                       "from": filters.date_from.isoformat() if filters.date_from else None,
                       "to": filters.date_to.isoformat() if filters.date_to else None, "today": today.isoformat(),
                       "round_name": round_name, "challenges": with_challenges, "shape": REPORT_SHAPE},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _store(key: str, version: int, report: dict) -> None:
    table = CachedReport.__table__
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    payload = json.loads(json.dumps(report, default=str))
    statement = insert(table).values(key=key, version=version, computed_at=utcnow(), payload=payload)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"version": statement.excluded.version, "computed_at": statement.excluded.computed_at,
              "payload": statement.excluded.payload},
        where=table.c.version <= statement.excluded.version)
    db.session.execute(statement)
    # Reports of older versions can never be served again.
    db.session.execute(sa.delete(table).where(table.c.version < version))


# --- what changes the report -------------------------------------------------------------------

_ALWAYS = (Action, ReviewCheck, Challenge, ChallengeStage, Team, TemplateVersion, TemplateQuestion, TemplateGrade,
           QuestionTheme, Target,
           # the practice loop: feedback to workers, family feedback, disputes, the published brief
           Release, WorkerResponse, FeedbackConversation, DoneWithWorker, FeedbackRecord, FeedbackAnswer, Dispute,
           LearningBrief)
_FIELDS = {AuditRound: ("name", "created_at", "due_date", "status"), CaseFile: ("team_id", "case_type"),
           User: ("display_name", "team_id")}


def _stage(status: str) -> str:
    """How the completion figures see an audit's status: submitted, not counted, or still to do."""
    if status in _SUBMITTED:
        return "submitted"
    return "not counted" if status in (AuditStatus.REMOVED, AuditStatus.CANCELLED) else "to do"


def _values(obj, name: str) -> set:
    history = inspect(obj).attrs[name].history
    return {v for v in chain(history.added or (), history.unchanged or (), history.deleted or ())}


def _changed(obj, names) -> bool:
    return any(inspect(obj).attrs[name].history.has_changes() for name in names)


def _changes_report(session: Session) -> bool:
    answer_audits: set[int] = set()
    moderations: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if isinstance(obj, _ALWAYS):
            return True
        if isinstance(obj, Audit):
            statuses = {str(s) for s in _values(obj, "status")}
            if (obj in session.new or obj in session.deleted or statuses & _SUBMITTED
                    or len({_stage(s) for s in statuses}) > 1 or _changed(obj, ("auditor_id", "round_id"))):
                return True
        elif isinstance(obj, Moderation):
            if ModerationStatus.COMPLETED in {str(s) for s in _values(obj, "status")}:
                return True
        elif isinstance(obj, Answer):
            answer_audits.add(obj.audit_id)
        elif isinstance(obj, ModeratedAnswer):
            moderations.add(obj.moderation_id)
        elif type(obj) in _FIELDS and obj not in session.new and (obj in session.deleted or _changed(obj, _FIELDS[type(obj)])):
            return True
    connection = session.connection()
    if answer_audits - {None} and connection.scalar(
            sa.select(sa.func.count()).select_from(Audit.__table__)
            .where(Audit.__table__.c.id.in_(answer_audits - {None}), Audit.__table__.c.status.in_(_SUBMITTED))):
        return True
    if moderations - {None} and connection.scalar(
            sa.select(sa.func.count()).select_from(Moderation.__table__)
            .where(Moderation.__table__.c.id.in_(moderations - {None}),
                   Moderation.__table__.c.status == ModerationStatus.COMPLETED)):
        return True
    return False


@event.listens_for(Session, "before_flush")
def _before_flush(session, _context, _instances) -> None:
    if not session.info.get(_BUMPED) and _changes_report(session):
        session.info[_BUMPED] = "pending"


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context) -> None:
    if session.info.get(_BUMPED) == "pending":
        session.connection().execute(_BUMP)
        session.info[_BUMPED] = "done"


@event.listens_for(Session, "do_orm_execute")
def _bulk_changes(state) -> None:
    if not (state.is_update or state.is_delete) or state.session.info.get(_BUMPED) == "done":
        return
    mapper = state.bind_mapper
    if mapper is not None and issubclass(mapper.class_, (*_ALWAYS, Audit, Answer, Moderation, ModeratedAnswer,
                                                          AuditRound, CaseFile)):
        state.session.connection().execute(_BUMP)
        state.session.info[_BUMPED] = "done"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(_BUMPED, None)

