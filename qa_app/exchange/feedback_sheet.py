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


def plan_feedback(rows, audit_plans: dict, problems, find_version, as_date, as_text) -> list[FeedbackPlan]:
    """Check the Feedback sheet's rows against the audits planned from the Audits sheet; every
    problem is added to `problems` (sheet, row, column) and nothing is planned for a bad record."""
    plans: dict[str, FeedbackPlan] = {}
    bad: set[str] = set()
    for raw in rows:
        v, n = raw.values, raw.number
        before = len(problems)
        source_id = as_text(v.get("Feedback ID"))
        if not source_id:
            problems.at("Feedback", n, "Feedback ID", "is empty")
            continue
        plan = plans.get(source_id)
        if plan is None and source_id not in bad:
            audit_id = as_text(v.get("Audit ID"))
            audit_plan = audit_plans.get(audit_id) if audit_id else None
            if audit_id and audit_plan is None:
                problems.at("Feedback", n, "Audit ID", f"'{audit_id}' is not an audit of the Audits sheet"
                            " (or that audit has problems)")
            key, label = as_text(v.get("Template")), as_text(v.get("Template version"))
            version = audit_plan.version if audit_plan else find_version(key, label)
            if version is None:
                problems.at("Feedback", n, "Template", f"no template '{key}' is stored here (run `templates sync`)")
            elif version.template.feedback is None:
                problems.at("Feedback", n, "Template", f"'{version.key}' has no feedback questions")
            respondent = _RESPONDENTS.get(as_text(v.get("Respondent")).lower())
            if respondent is None:
                problems.at("Feedback", n, "Respondent", "must be one of " + ", ".join(RESPONDENT_LABELS.values()))
            method = _METHODS.get(as_text(v.get("How")).lower())
            if method is None:
                problems.at("Feedback", n, "How", "must be one of " + ", ".join(METHOD_LABELS.values()))
            if as_text(v.get("Consent")).lower() not in ("yes", "y", "true", "1"):
                problems.at("Feedback", n, "Consent", "only feedback given with consent can be imported (Yes)")
            given_on = as_date(v.get("Given on"))
            if given_on is None:
                problems.at("Feedback", n, "Given on", "must be a date")
            round_name = audit_plan.round_name if audit_plan else " ".join(as_text(v.get("Round")).split())
            reference = audit_plan.reference if audit_plan else as_text(v.get("Case reference")).upper()
            if not audit_plan and (not round_name or not reference):
                problems.at("Feedback", n, "Round", "feedback with no audit needs its round and case reference")
            if len(problems) > before:
                bad.add(source_id)
                continue
            plan = plans[source_id] = FeedbackPlan(
                row=n, source_id=source_id, audit_source_id=audit_id if audit_plan else "", round_name=round_name,
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
            problems.at("Feedback", n, "Question key", f"'{key[:80]}' is not a feedback question of {plan.version.key}")
            continue
        answer = read_text(v.get("Answer")).strip()
        if question.type == "yes_partly_no":
            if answer.lower() not in _ANSWER_KEYS:
                problems.at("Feedback", n, "Answer", f"'{answer[:40]}' is not Yes, Partly, No or Not applicable")
                continue
            answer = _ANSWER_KEYS[answer.lower()]
        plan.answers[key] = answer
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
            problems.at("Feedback", plan.row, "Round", f"no round '{plan.round_name}' here or in the Audits sheet")
        if plan.reference not in references_in_book and db.session.scalar(
                sa.select(CaseFile.id).where(CaseFile.reference == plan.reference)) is None:
            problems.at("Feedback", plan.row, "Case reference", f"no case file {plan.reference} here or in the "
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
