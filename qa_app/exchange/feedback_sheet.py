"""The exchange workbook's Feedback sheet: family and child feedback, one row per answer given.

Export streams the rows of the records a report's filters select (`feedback_rows`); import reads
the optional sheet back (`plan_feedback`, then `write_feedback`), through the feedback service,
after the Audits sheet is written. A record with no answers (only the family's view of what
changed) is one row with no question.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from qa_app.audit_forms.models import TemplateVersion
from qa_app.audit_forms.schema import YES_PARTLY_NO
from qa_app.auth.models import Team, User
from qa_app.cases.models import CASE_TYPE_LABELS, CaseFile, CaseType
from qa_app.exchange.cells import read_text
from qa_app.extensions import db
from qa_app.feedback import services as feedback
from qa_app.feedback.models import METHOD_LABELS, RESPONDENT_LABELS, FeedbackAnswer, FeedbackRecord
from qa_app.feedback.report import feedback_scope
from qa_app.rounds.models import AuditRound

FEEDBACK_HEADERS = [
    "Feedback ID", "Audit ID", "Round", "Case reference", "Case type", "Team", "Template", "Template version",
    "Respondent", "How", "Consent", "Given on", "Recorded by", "What has changed", "Question key", "Question",
    "Answer",
]
FEEDBACK_WIDTHS = {"What has changed": 40, "Question": 50, "Answer": 40}
_ANSWER_LABELS = dict(YES_PARTLY_NO)
_ANSWER_KEYS = {label.lower(): key for key, label in YES_PARTLY_NO} | {key: key for key, _ in YES_PARTLY_NO} | {
    "n/a": "na"}
_RESPONDENTS = {r.value: r.value for r in RESPONDENT_LABELS} | {label.lower(): r.value
                                                                 for r, label in RESPONDENT_LABELS.items()}
_METHODS = {m.value: m.value for m in METHOD_LABELS} | {label.lower(): m.value for m, label in METHOD_LABELS.items()}


def _count(problems) -> int:
    """Every problem reported so far (the import groups a cause's rows, so its length counts causes)."""
    return getattr(problems, "reported", None) if hasattr(problems, "reported") else len(problems)


def feedback_rows(filters) -> Iterator[list]:
    """One row per answer of every feedback record in scope, in FEEDBACK_HEADERS order."""
    recorder = aliased(User)
    query = (
        sa.select(FeedbackRecord, AuditRound.name, CaseFile.reference, CaseFile.case_type, Team.name,
                  TemplateVersion, recorder.email)
        .join(AuditRound, AuditRound.id == FeedbackRecord.round_id)
        .join(CaseFile, CaseFile.id == FeedbackRecord.case_file_id)
        .join(Team, Team.id == CaseFile.team_id)
        .join(TemplateVersion, TemplateVersion.id == FeedbackRecord.template_version_id)
        .outerjoin(recorder, recorder.id == FeedbackRecord.recorded_by_id)
        .where(FeedbackRecord.id.in_(feedback_scope(filters)))
        .order_by(FeedbackRecord.id)
    )
    for record, round_name, reference, case_type, team, version, recorder_email in db.session.execute(query):
        start = [record.id, record.audit_id, round_name, reference, CASE_TYPE_LABELS[CaseType(case_type)], team,
                 version.key, version.version_label, RESPONDENT_LABELS[record.respondent],
                 METHOD_LABELS[record.method], "Yes", record.received_on, recorder_email or "", record.what_changed]
        section = version.template.feedback
        given = record.answer_map()
        questions = [q for q in (section.questions if section else ()) if q.key in given]
        if not questions:
            yield start + ["", "", ""]
        for question in questions:
            value = given[question.key]
            yield start + [question.key, " ".join(question.text.split()),
                           _ANSWER_LABELS.get(value, value) if question.type == "yes_partly_no" else value]


@dataclass
class FeedbackPlan:
    row: int
    source_id: str
    audit_source_id: str
    round_name: str
    reference: str
    version: TemplateVersion | None
    respondent: str
    method: str
    given_on: date
    what_changed: str
    answers: dict[str, str] = field(default_factory=dict)
    sheet: str = "Feedback"   # or its continuation, "Feedback (2)" …


def plan_feedback(rows, audit_plans: dict, problems, find_version, as_date, as_text, failed=None,
                  not_checked=None) -> list[FeedbackPlan]:
    """Check the Feedback sheet's rows against the audits planned from the Audits sheet; every
    problem is added to `problems` (sheet, row, column) and nothing is planned for a bad record.
    Rows of an audit that has problems itself (`failed`) are only listed, once, by `not_checked`."""
    plans: dict[str, FeedbackPlan] = {}
    bad: set[str] = set()
    unchecked: dict[tuple[str, str], list[int]] = {}
    for raw in rows:
        v, n, sheet = raw.values, raw.number, getattr(raw, "sheet", None) or "Feedback"
        if failed and as_text(v.get("Audit ID")) in failed:
            unchecked.setdefault((sheet, as_text(v.get("Audit ID"))), []).append(n)
            continue
        before = _count(problems)
        source_id = as_text(v.get("Feedback ID"))
        if not source_id:
            problems.at(sheet, n, "Feedback ID", "is empty")
            continue
        plan = plans.get(source_id)
        if plan is None and source_id not in bad:
            audit_id = as_text(v.get("Audit ID"))
            audit_plan = audit_plans.get(audit_id) if audit_id else None
            if audit_id and audit_plan is None:
                problems.at(sheet, n, "Audit ID", f"'{audit_id}' is not an audit of the Audits sheet"
                            " (or that audit has problems)")
            key, label = as_text(v.get("Template")), as_text(v.get("Template version"))
            version = audit_plan.version if audit_plan else find_version(key, label)
            if version is None:
                problems.at(sheet, n, "Template", f"no template '{key}' is stored here (run `templates sync`)")
            elif version.template.feedback is None:
                problems.at(sheet, n, "Template", f"'{version.key}' has no feedback questions")
            respondent = _RESPONDENTS.get(as_text(v.get("Respondent")).lower())
            if respondent is None:
                problems.at(sheet, n, "Respondent", "must be one of " + ", ".join(RESPONDENT_LABELS.values()))
            method = _METHODS.get(as_text(v.get("How")).lower())
            if method is None:
                problems.at(sheet, n, "How", "must be one of " + ", ".join(METHOD_LABELS.values()))
            if as_text(v.get("Consent")).lower() not in ("yes", "y", "true", "1"):
                problems.at(sheet, n, "Consent", "only feedback given with consent can be imported (Yes)")
            given_on = as_date(v.get("Given on"))
            if given_on is None:
                problems.at(sheet, n, "Given on", "must be a date")
            round_name = audit_plan.round_name if audit_plan else " ".join(as_text(v.get("Round")).split())
            reference = audit_plan.reference if audit_plan else as_text(v.get("Case reference")).upper()
            if not audit_plan and (not round_name or not reference):
                problems.at(sheet, n, "Round", "feedback with no audit needs its round and case reference")
            if _count(problems) > before:
                bad.add(source_id)
                continue
            plan = plans[source_id] = FeedbackPlan(
                row=n, sheet=sheet, source_id=source_id, audit_source_id=audit_id if audit_plan else "", round_name=round_name,
                reference=reference, version=version, respondent=respondent, method=method, given_on=given_on,
                what_changed=read_text(v.get("What has changed")).strip())
        if plan is None:
            continue
        key = as_text(v.get("Question key"))
        if not key:
            continue
        try:
            question = plan.version.template.feedback.question(key)
        except KeyError:
            problems.at(sheet, n, "Question key", f"'{key[:80]}' is not a feedback question of {plan.version.key}")
            continue
        answer = read_text(v.get("Answer")).strip()
        if question.type == "yes_partly_no":
            if answer.lower() not in _ANSWER_KEYS:
                problems.at(sheet, n, "Answer", f"'{answer[:40]}' is not Yes, Partly, No or Not applicable")
                continue
            answer = _ANSWER_KEYS[answer.lower()]
        plan.answers[key] = answer
    if unchecked and not_checked:
        not_checked(unchecked, failed, problems)
    return [plan for plan in plans.values() if plan.source_id not in bad]


def check_rounds_and_cases(plans: list[FeedbackPlan], audit_plans: dict, problems) -> None:
    """Feedback with no audit belongs to a round and a case file that exist here or in the workbook."""
    rounds_in_book = {p.round_name for p in audit_plans.values()}
    references_in_book = {p.reference for p in audit_plans.values()}
    for plan in plans:
        if plan.audit_source_id:
            continue
        if plan.round_name not in rounds_in_book and db.session.scalar(
                sa.select(AuditRound.id).where(AuditRound.name == plan.round_name)) is None:
            problems.at(plan.sheet, plan.row, "Round", f"no round '{plan.round_name}' here or in the Audits sheet")
        if plan.reference not in references_in_book and db.session.scalar(
                sa.select(CaseFile.id).where(CaseFile.reference == plan.reference)) is None:
            problems.at(plan.sheet, plan.row, "Case reference", f"no case file {plan.reference} here or in the "
                        "Audits sheet")


def write_feedback(plans: list[FeedbackPlan], audits_by_source: dict, *, actor) -> int:
    """Store the planned feedback through the feedback service (after the audits are written)."""
    for plan in sorted(plans, key=lambda p: p.row):
        audit = audits_by_source.get(plan.audit_source_id) if plan.audit_source_id else None
        round_ = audit.round if audit else db.session.scalar(
            sa.select(AuditRound).where(AuditRound.name == plan.round_name))
        case = audit.case_file if audit else db.session.scalar(
            sa.select(CaseFile).where(CaseFile.reference == plan.reference))
        feedback.record_existing(case_file=case, round_=round_, audit=audit, template_version=plan.version,
                                 respondent=plan.respondent, method=plan.method, received_on=plan.given_on,
                                 answers=plan.answers, what_changed=plan.what_changed,
                                 recorded_by_id=getattr(actor, "id", None))
    return len(plans)


__all__ = ["FEEDBACK_HEADERS", "FEEDBACK_WIDTHS", "FeedbackAnswer", "feedback_rows", "plan_feedback",
           "write_feedback"]


# --- the Worker feedback sheet: what happened after an audit was released ------------------------------

WORKER_FEEDBACK_HEADERS = [
    "Audit ID", "Case reference", "Released on", "Released because", "Done with the worker", "Worker",
    "Worker's response", "What the worker will do", "Worker's comments", "Conversation on", "Conversation with",
    "Conversation how", "Conversation notes", "Conversation recorded by",
]
WORKER_FEEDBACK_WIDTHS = {"What the worker will do": 40, "Worker's comments": 40, "Conversation notes": 40}


def worker_feedback_rows(scope) -> Iterator[list]:
    """One row per audit in scope that was released or done with the worker (`scope`: audit ids)."""
    from qa_app.audits.models import Audit
    from qa_app.practice.models import (
        Agreement, ConversationMethod, DoneWithWorker, FeedbackConversation, Release, ReleaseReason, WorkerResponse,
    )

    worker, recorder = aliased(User), aliased(User)
    query = (
        sa.select(Audit.id, CaseFile.reference, Release, DoneWithWorker.audit_id, worker.email, WorkerResponse,
                  FeedbackConversation, recorder.email)
        .join(CaseFile, CaseFile.id == Audit.case_file_id)
        .outerjoin(Release, Release.audit_id == Audit.id)
        .outerjoin(DoneWithWorker, DoneWithWorker.audit_id == Audit.id)
        .outerjoin(WorkerResponse, WorkerResponse.audit_id == Audit.id)
        .outerjoin(worker, worker.id == WorkerResponse.worker_id)
        .outerjoin(FeedbackConversation, FeedbackConversation.audit_id == Audit.id)
        .outerjoin(recorder, recorder.id == FeedbackConversation.recorded_by_id)
        .where(Audit.id.in_(scope), sa.or_(Release.id.is_not(None), DoneWithWorker.audit_id.is_not(None)))
        .order_by(Audit.id))
    agreements = {a.value: a.label for a in Agreement}
    methods = {m.value: m.label for m in ConversationMethod}
    reasons = {r.value: r.label for r in ReleaseReason}
    for audit_id, reference, release, done, worker_email, response, talk, recorder_email in db.session.execute(query):
        yield [
            audit_id, reference, release.released_at if release else None,
            reasons[release.reason] if release else "", "Yes" if done else "No", worker_email or "",
            agreements[response.agreement] if response else "", response.will_do if response else "",
            response.comments if response else "", talk.held_on if talk else None, talk.attendees if talk else "",
            methods[talk.method] if talk else "", talk.notes if talk else "", recorder_email or "",
        ]


@dataclass
class WorkerFeedbackPlan:
    row: int
    audit_source_id: str
    released_on: object = None
    reason: str = ""
    done_with_worker: bool = False
    worker: str = ""
    agreement: str = ""
    will_do: str = ""
    comments: str = ""
    held_on: date | None = None
    attendees: str = ""
    method: str = ""
    notes: str = ""
    recorder: str = ""


def plan_worker_feedback(rows, audit_plans: dict, problems, as_datetime, as_date, as_text, failed=None,
                         not_checked=None) -> list[WorkerFeedbackPlan]:
    from qa_app.auth.services import normalise_email
    from qa_app.practice.models import Agreement, ConversationMethod, ReleaseReason

    agreements = {a.label.lower(): a.value for a in Agreement} | {a.value: a.value for a in Agreement}
    methods = {m.label.lower(): m.value for m in ConversationMethod} | {m.value: m.value for m in ConversationMethod}
    reasons = {r.label.lower(): r.value for r in ReleaseReason} | {r.value: r.value for r in ReleaseReason}
    plans = []
    unchecked: dict[tuple[str, str], list[int]] = {}
    for raw in rows:
        v, n, sheet = raw.values, raw.number, getattr(raw, "sheet", None) or "Worker feedback"
        before = _count(problems)
        audit_id = as_text(v.get("Audit ID"))
        if failed and audit_id in failed:
            unchecked.setdefault((sheet, audit_id), []).append(n)
            continue
        if audit_id not in audit_plans:
            problems.at(sheet, n, "Audit ID", f"'{audit_id}' is not an audit of the Audits sheet"
                        " (or that audit has problems)")
            continue
        plan = WorkerFeedbackPlan(row=n, audit_source_id=audit_id,
                                  done_with_worker=as_text(v.get("Done with the worker")).lower() == "yes")
        plan.released_on = as_datetime(v.get("Released on"), problems, sheet, n, "Released on")
        if plan.released_on is not None:
            plan.reason = reasons.get(as_text(v.get("Released because")).lower(), "")
            if not plan.reason:
                problems.at(sheet, n, "Released because", "must be one of "
                            + ", ".join(r.label for r in ReleaseReason))
        response = as_text(v.get("Worker's response")).lower()
        if response:
            plan.agreement = agreements.get(response, "")
            plan.worker = normalise_email(as_text(v.get("Worker")))
            plan.will_do = read_text(v.get("What the worker will do")).strip()
            plan.comments = read_text(v.get("Worker's comments")).strip()
            if not plan.agreement:
                problems.at(sheet, n, "Worker's response", "must be one of "
                            + ", ".join(a.label for a in Agreement))
            if "@" not in plan.worker:
                problems.at(sheet, n, "Worker", "a response needs the worker's email address")
        plan.held_on = as_date(v.get("Conversation on"))
        if plan.held_on is not None:
            plan.attendees = read_text(v.get("Conversation with")).strip()
            plan.method = methods.get(as_text(v.get("Conversation how")).lower(), "")
            plan.notes = read_text(v.get("Conversation notes")).strip()
            plan.recorder = normalise_email(as_text(v.get("Conversation recorded by")))
            if not plan.method:
                problems.at(sheet, n, "Conversation how", "must be one of "
                            + ", ".join(m.label for m in ConversationMethod))
            if not plan.attendees:
                problems.at(sheet, n, "Conversation with", "say who was there")
            if (response or plan.held_on) and plan.released_on is None:
                problems.at(sheet, n, "Released on", "a response or conversation needs the release date")
        if _count(problems) == before:
            plans.append(plan)
    if unchecked and not_checked:
        not_checked(unchecked, failed, problems)
    return plans


def write_worker_feedback(plans: list[WorkerFeedbackPlan], audits_by_source: dict, user_for) -> None:
    from qa_app.auth.models import Role
    from qa_app.practice import services as practice

    for plan in plans:
        audit = audits_by_source[plan.audit_source_id]
        practice.record_existing(
            audit, released_at=plan.released_on, reason=plan.reason or None, done_with_worker=plan.done_with_worker,
            response=(user_for(plan.worker, "", Role.PRACTITIONER), plan.agreement, plan.will_do, plan.comments)
            if plan.agreement else None,
            conversation=(plan.held_on, plan.attendees, plan.method, plan.notes,
                          user_for(plan.recorder, "", Role.AUDITOR) if "@" in plan.recorder else None)
            if plan.held_on else None)
