"""`results import`: audits and answers from an exchange workbook (this app's export, or a council's
past spreadsheet audits laid out the same way). All or nothing: every problem is reported by sheet,
row and column, and nothing is written unless the whole file is good.

This module only reads and checks the workbook; each record is stored by the service that owns
its rules (cases, rounds, audits, moderation, actions), as if it had been entered here.
"""

import re
from itertools import islice
from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa

from qa_app.actions import services as actions
from qa_app.actions.models import Action, ActionStatus
from qa_app.audit_forms.models import TemplateVersion
from qa_app.audit_forms.schema import YES_PARTLY_NO, AuditTemplate
from qa_app.audits import services as audits
from qa_app.audits.models import Audit
from qa_app.audits.workflow import AuditStatus
from qa_app.auth.models import Role, User
from qa_app.auth.services import create_imported_user, get_or_create_team, normalise_email
from qa_app.cases import services as cases
from qa_app.cases.models import CaseFile, parse_case_type
from qa_app.db import lock_for_writing, utcnow
from qa_app.errors import DomainError
from qa_app.exchange.cells import legacy_guards, read_text
from qa_app.exchange.feedback_sheet import (
    check_rounds_and_cases, plan_feedback, plan_worker_feedback, write_feedback, write_worker_feedback,
)
from qa_app.exchange.queries import ANSWER_HEADERS, AUDIT_HEADERS
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.moderation import services as moderation
from qa_app.moderation.selection import SelectionReason
from qa_app.rounds import services as rounds
from qa_app.rounds.models import AuditRound
from qa_app.spreadsheets.reader import Limits, UnreadableFile, stream_workbook

REQUIRED_AUDIT_COLUMNS = ("Audit ID", "Round", "Template", "Case reference", "Auditor", "Auditor grade")
REQUIRED_ANSWER_COLUMNS = ("Audit ID", "Question key", "Auditor answer")
IMPORT_LIMITS = Limits(max_bytes=200 * 1024 * 1024, max_rows=3_000_000, max_columns=60,
                       max_cell_chars=40_000, max_uncompressed_bytes=2 * 1024 * 1024 * 1024)
_STATUS = {s.label.lower(): s for s in AuditStatus} | {s.value.replace("_", " "): s for s in AuditStatus}


class ResultsRejected(DomainError):
    def __init__(self, problems: list[str]):
        super().__init__(f"The workbook was not imported: {len(problems)} problem(s) found.")
        self.problems = problems


@dataclass
class ImportSummary:
    audits: int = 0
    answers: int = 0
    actions: int = 0
    feedback: int = 0
    rounds_created: list[str] = field(default_factory=list)
    cases_created: int = 0
    users_created: list[str] = field(default_factory=list)
    audits_held: int = 0           # already here (found by their Audit UID), left as they are
    actions_held: int = 0

    def lines(self) -> list[str]:
        lines = [f"imported {self.audits} audit(s) with {self.answers} answer(s), {self.actions} action(s) and "
                 f"{self.feedback} feedback record(s); "
                 f"{self.cases_created} case file(s) and {len(self.rounds_created)} round(s) created"]
        if self.audits_held or self.actions_held:
            lines.append(f"already here and left as they are: {self.audits_held} audit(s) and "
                         f"{self.actions_held} action(s), recognised by their Audit UID and Action UID")
        if self.users_created:
            lines.append("These email addresses belong to nobody here, so accounts were made for them, inactive (no "
                         "sign-in) and marked as imported; merge each into the person's own account with "
                         "`users merge`, or activate it: " + ", ".join(self.users_created))
        return lines


class _Problems:
    """Every problem found, each cause said once: the same message in the same column of one
    sheet lists all the rows it affects."""

    def __init__(self):
        self._general: list[str] = []
        self._by_cause: dict[tuple[str, str, str], list[int]] = {}
        self.reported = 0   # every problem found, a cause seen in many rows counted for each

    def append(self, message: str) -> None:
        self._general.append(message)
        self.reported += 1

    def at(self, sheet: str, row: int, column: str, message: str) -> None:
        self._by_cause.setdefault((sheet, column, message), []).append(row)
        self.reported += 1

    def __len__(self) -> int:
        return len(self._general) + len(self._by_cause)

    def __bool__(self) -> bool:
        return len(self) > 0

    def lines(self) -> list[str]:
        return self._general + [f"{sheet}, {_rows(rows)}, column '{column}': {message}"
                                for (sheet, column, message), rows in self._by_cause.items()]


def _rows(rows: list[int], shown: int = 12) -> str:
    """"row 4", "rows 4, 9 and 12", "rows 4, 5, 6 … and 30 more (42 rows)"."""
    if len(rows) == 1:
        return f"row {rows[0]}"
    if len(rows) <= shown:
        return "rows " + ", ".join(str(r) for r in rows[:-1]) + f" and {rows[-1]}"
    return "rows " + ", ".join(str(r) for r in rows[:shown]) + f" … and {len(rows) - shown} more ({len(rows)} rows)"


STEPS = ("Reading the workbook", "Checking every row", "Saving")


def import_results(data: bytes, filename: str, *, actor, limits: Limits = IMPORT_LIMITS,
                   progress=None) -> ImportSummary:
    """Read the Audits and Answers sheets and create the audits; ResultsRejected lists every problem.

    `progress(step)` is called as each of STEPS begins (for a progress bar)."""
    progress = progress or (lambda _step: None)
    progress(STEPS[0])
    problems = _Problems()
    # The sheets are read as a stream, row by row (memory stays flat however many rows): only
    # the checked plan of each audit is kept, and nothing is written until every row is checked.
    try:
        with stream_workbook(data, filename, sheets=["Audits", "Answers", "Actions", "Feedback", "Worker feedback",
                                                     "About"], limits=limits,
                             optional=("Actions", "Feedback", "Worker feedback", "About"),
                             continued=("Audits", "Answers", "Actions", "Feedback", "Worker feedback")) as tables:
            audits_table, answers_table = tables["Audits"], tables["Answers"]
            for sheet, table, required in (("Audits", audits_table, REQUIRED_AUDIT_COLUMNS),
                                           ("Answers", answers_table, REQUIRED_ANSWER_COLUMNS)):
                for column in required:
                    if column not in table.headers:
                        problems.append(f"{sheet}: the column '{column}' is missing.")
            if problems:
                raise ResultsRejected(problems.lines())
            about = list(islice(tables["About"].rows, 200)) if "About" in tables else None   # a few lines

            progress(STEPS[1])
            failed: dict[str, str] = {}
            with legacy_guards(_written_with_apostrophes(about)):
                plans = _plan_audits(audits_table.rows, problems, failed)
                _plan_answers(answers_table.rows, plans, problems, failed)
                if "Actions" in tables:
                    _plan_actions(tables["Actions"].rows, plans, problems, failed)
                feedback_plans = []
                if "Feedback" in tables:
                    feedback_plans = plan_feedback(tables["Feedback"].rows, plans, problems, _find_version, _date,
                                                   _text, failed, _not_checked)
                    check_rounds_and_cases(feedback_plans, plans, problems)
                worker_plans = []
                if "Worker feedback" in tables:
                    worker_plans = plan_worker_feedback(tables["Worker feedback"].rows, plans, problems, _datetime,
                                                        _date, _text, failed, _not_checked)
    except UnreadableFile as error:
        raise ResultsRejected([error.message]) from None
    if not plans and not problems:
        problems.append("Audits: the sheet has no audits.")
    if problems:
        raise ResultsRejected(problems.lines())
    if all(plan.held is not None for plan in plans.values()) and not any(
            action["uid"] not in _held_action_uids(plans) for plan in plans.values() for action in plan.actions):
        raise ResultsRejected([f"Nothing to import: all {len(plans)} audit(s) in the workbook, and their actions, "
                               "are already here (recognised by their Audit UID), whatever the round is called."])
    progress(STEPS[2])
    lock_for_writing(db.session)   # SQLite: two imports take turns (what they look up, then add)
    return _write(plans, actor=actor, filename=filename, feedback_plans=feedback_plans, worker_plans=worker_plans)


def _written_with_apostrophes(about) -> bool:
    """True for a workbook this app exported in format 1.0 or 1.1, which put a visible apostrophe
    before formula-like text (from 1.2 the cell style's quote prefix does that job, and the text is
    as typed). A council's own workbook has no About sheet: its text is read as it is."""
    if about is None:
        return False
    fields = {str(row.values.get("Field") or "").strip(): row.values.get("Value") for row in about}
    if fields.get("Format") != "qa_app exchange workbook":
        return False
    try:
        major, minor = (int(part) for part in str(fields.get("Format version") or "").split(".")[:2])
    except ValueError:
        return False
    return (major, minor) < (1, 2)


@dataclass
class _AuditPlan:
    row: int
    sheet: str
    source_id: str
    round_name: str
    version: TemplateVersion
    reference: str
    case_type: str | None
    team: str
    auditor_email: str
    auditor_name: str
    auditor_team: str
    submitted_at: datetime
    auditor_grade: int
    status: AuditStatus
    immediate_risk: bool
    risk_reason: str
    summary: str
    moderator_email: str = ""
    moderator_name: str = ""
    moderated_at: datetime | None = None
    moderated_grade: int | None = None
    rationale: str = ""
    selected_because: str = ""
    round_started: date | None = None
    round_due: date | None = None
    uid: str = ""
    held: Audit | None = None      # this audit is already here (same Audit UID): it is left as it is
    answers: dict[str, dict] = field(default_factory=dict)
    actions: list[dict] = field(default_factory=list)


_UID = re.compile(r"^[0-9a-f]{32}$")


def _plan_audits(rows, problems: _Problems, failed: dict[str, str]) -> dict[str, _AuditPlan]:
    """The audits of the Audits sheet that are good; `failed` gets the Audit ID and place ("Audits
    row 4") of those that are not (their answers and actions are then not checked one by one)."""
    plans: dict[str, _AuditPlan] = {}
    versions: dict[tuple[str, str], TemplateVersion | None] = {}
    seen_round_case: dict[tuple[str, str], int] = {}
    for raw in rows:
        v, n, sheet = raw.values, raw.number, raw.sheet or "Audits"
        bad = problems.reported
        source_id = _text(v.get("Audit ID"))
        if not source_id:
            problems.at(sheet, n, "Audit ID", "is empty")
        elif source_id in plans:
            problems.at(sheet, n, "Audit ID", f"{source_id} appears twice (first in row {plans[source_id].row})")
        key, label = _text(v.get("Template")), _text(v.get("Template version"))
        if (key, label) not in versions:
            versions[(key, label)] = _find_version(key, label)
        version = versions[(key, label)]
        if version is None:
            problems.at(sheet, n, "Template", f"no template '{key}'" + (f" version '{label}'" if label else "")
                        + " is stored here (run `templates sync`)")
        round_name = " ".join(_text(v.get("Round")).split())
        if not round_name:
            problems.at(sheet, n, "Round", "is empty")
        reference = _text(v.get("Case reference")).upper()
        if not reference:
            problems.at(sheet, n, "Case reference", "is empty")
        elif (round_name, reference) in seen_round_case:
            problems.at(sheet, n, "Case reference", f"{reference} is audited twice in round '{round_name}' "
                        f"(also row {seen_round_case[(round_name, reference)]})")
        seen_round_case[(round_name, reference)] = n
        case_type_text = _text(v.get("Case type"))
        case_type = parse_case_type(case_type_text) if case_type_text else None
        if case_type_text and case_type is None:
            problems.at(sheet, n, "Case type", f"'{case_type_text[:40]}' is not a known case type")
        auditor_email = normalise_email(_text(v.get("Auditor")))
        if "@" not in auditor_email:
            problems.at(sheet, n, "Auditor", "must be the auditor's email address")
        submitted_at = _datetime(v.get("Submitted on"), problems, sheet, n, "Submitted on") or utcnow()
        scale = version.template.scale if version else None
        auditor_grade = _grade(scale, v.get("Auditor grade"), problems, sheet, n, "Auditor grade", required=True)
        moderated_grade = _grade(scale, v.get("Moderated grade"), problems, sheet, n, "Moderated grade")
        moderator_email = normalise_email(_text(v.get("Moderator")))
        if moderated_grade is not None and "@" not in moderator_email:
            problems.at(sheet, n, "Moderator", "a moderated audit needs the moderator's email address")
        status_text = _text(v.get("Status")).lower()
        status = _STATUS.get(status_text) if status_text else (
            AuditStatus.MODERATED if moderated_grade is not None else AuditStatus.SUBMITTED)
        if status is None or status in (AuditStatus.NOT_STARTED, AuditStatus.IN_PROGRESS, AuditStatus.REMOVED):
            problems.at(sheet, n, "Status", f"'{status_text}' is not the status of a submitted audit")
        because = _text(v.get("Selected for moderation because")) or SelectionReason.HAND.value
        if moderated_grade is not None and because not in {r.value for r in SelectionReason}:
            problems.at(sheet, n, "Selected for moderation because", f"'{because[:40]}' is not one of "
                        + ", ".join(r.value for r in SelectionReason))
        risk = _text(v.get("Child at immediate risk")).lower() in ("yes", "y", "true", "1")
        risk_reason = read_text(v.get("Immediate risk reason")).strip()
        if risk and not risk_reason:
            risk_reason = "Flagged in an imported audit (no reason recorded)."
        uid = _text(v.get("Audit UID")).lower()
        if uid and not _UID.match(uid):
            problems.at(sheet, n, "Audit UID", "must be 32 letters a–f and digits, as the export writes it")
        elif uid and uid in {plan.uid for plan in plans.values()}:
            problems.at(sheet, n, "Audit UID", f"{uid} appears twice")
        if problems.reported > bad or version is None:
            if source_id:
                failed.setdefault(source_id, f"{sheet} row {n}")
            continue
        plans[source_id] = _AuditPlan(
            row=n, sheet=sheet, source_id=source_id, round_name=round_name, version=version, reference=reference,
            case_type=case_type.value if case_type else None, team=" ".join(_text(v.get("Team")).split()),
            auditor_email=auditor_email, auditor_name=_text(v.get("Auditor name")), auditor_team=_text(v.get("Auditor team"))[:120], submitted_at=submitted_at,
            auditor_grade=auditor_grade, status=status, immediate_risk=risk, risk_reason=risk_reason,
            summary=read_text(v.get("Overall summary")).strip(), moderator_email=moderator_email,
            moderator_name=_text(v.get("Moderator name")),
            moderated_at=_datetime(v.get("Moderated on"), problems, sheet, n, "Moderated on"),
            moderated_grade=moderated_grade, rationale=read_text(v.get("Moderator rationale")).strip(),
            selected_because=because,
            round_started=_date(v.get("Round started on")), round_due=_date(v.get("Round due date")), uid=uid,
        )
    _find_held(plans)
    _check_cases(plans, problems)
    return plans


def _find_held(plans: dict[str, _AuditPlan]) -> None:
    """Mark the audits already here: an Audit UID this service knows."""
    by_uid = {plan.uid: plan for plan in plans.values() if plan.uid}
    uids = sorted(by_uid)
    for start in range(0, len(uids), 500):
        for audit in db.session.scalars(sa.select(Audit).where(Audit.uid.in_(uids[start:start + 500]))):
            by_uid[audit.uid].held = audit


def _check_cases(plans: dict[str, _AuditPlan], problems: _Problems) -> None:
    references = {plan.reference for plan in plans.values()}
    existing = set()
    for start in range(0, len(references), 500):
        chunk = sorted(references)[start:start + 500]
        existing.update(db.session.scalars(sa.select(CaseFile.reference).where(CaseFile.reference.in_(chunk))))
    for plan in plans.values():
        if plan.held is None and plan.reference not in existing and (not plan.case_type or not plan.team):
            problems.at(plan.sheet, plan.row, "Case type", f"case file {plan.reference} is new here, so its "
                        "'Case type' and 'Team' are needed")
    rounds = {name: round_ for name, round_ in db.session.execute(
        sa.select(AuditRound.name, AuditRound).where(AuditRound.name.in_({p.round_name for p in plans.values()})))}
    for plan in plans.values():
        round_ = rounds.get(plan.round_name)
        if plan.held is None and round_ is not None and round_.template_version.key != plan.version.key:
            problems.at(plan.sheet, plan.row, "Round", f"round '{plan.round_name}' exists here with another template")


def _not_checked(rows: dict[tuple[str, str], list[int]], failed: dict[str, str], problems: _Problems) -> None:
    """Say once, per sheet and audit with problems, which rows belong to it and were not checked."""
    for (sheet, source_id), numbers in rows.items():
        problems.append(f"{sheet}, {_rows(numbers)}: not checked, because their audit (Audit ID {source_id}, "
                        f"{failed[source_id]}) has the problems above")


def _plan_answers(rows, plans: dict[str, _AuditPlan], problems: _Problems, failed: dict[str, str]) -> None:
    unchecked: dict[tuple[str, str], list[int]] = {}
    for raw in rows:
        v, n, sheet = raw.values, raw.number, raw.sheet or "Answers"
        source_id = _text(v.get("Audit ID"))
        plan = plans.get(source_id)
        if plan is None and source_id in failed:
            unchecked.setdefault((sheet, source_id), []).append(n)
            continue
        if plan is None:
            problems.at(sheet, n, "Audit ID", f"'{source_id}' is not an audit of the Audits sheet"
                        " (or that audit has problems)")
            continue
        key = _text(v.get("Question key"))
        template: AuditTemplate = plan.version.template
        try:
            question = template.question(key)
        except KeyError:
            problems.at(sheet, n, "Question key", f"'{key[:80]}' is not a question of {template.key} "
                        f"version {template.version}")
            continue
        if key in plan.answers:
            problems.at(sheet, n, "Question key", f"'{key}' is answered twice for audit {source_id}")
            continue
        value = _answer_value(question, v.get("Auditor answer"), template, problems, n, sheet)
        moderated = _grade(template.scale, v.get("Moderated answer"), problems, sheet, n, "Moderated answer") \
            if question.is_graded else None
        plan.answers[key] = {"value": value, "evidence": read_text(v.get("Evidence")).strip(),
                             "moderated": moderated, "rationale": read_text(v.get("Moderator rationale")).strip()}
    _not_checked(unchecked, failed, problems)


_ACTION_STATUSES = {status.value: status for status in ActionStatus}


def _plan_actions(rows, plans: dict[str, "_AuditPlan"], problems: "_Problems", failed: dict[str, str]) -> None:
    """The optional Actions sheet: actions are attached to the audits of the Audits sheet."""
    unchecked: dict[tuple[str, str], list[int]] = {}
    for raw in rows:
        v, n, sheet = raw.values, raw.number, raw.sheet or "Actions"
        bad = problems.reported
        plan = plans.get(_text(v.get("Audit ID")))
        if plan is None and _text(v.get("Audit ID")) in failed:
            unchecked.setdefault((sheet, _text(v.get("Audit ID"))), []).append(n)
            continue
        if plan is None:
            problems.at(sheet, n, "Audit ID", f"'{_text(v.get('Audit ID'))}' is not an audit of the Audits sheet"
                        " (or that audit has problems)")
            continue
        key = _text(v.get("Question key")) or None
        if key is not None:
            try:
                plan.version.template.question(key)
            except KeyError:
                problems.at(sheet, n, "Question key", f"'{key[:80]}' is not a question of this audit's template")
        description = read_text(v.get("What must change")).strip()
        if not description:
            problems.at(sheet, n, "What must change", "is empty")
        owner = normalise_email(_text(v.get("Owner")))
        if "@" not in owner:
            problems.at(sheet, n, "Owner", "must be the owner's email address")
        due = _date(v.get("Due date"))
        if due is None:
            problems.at(sheet, n, "Due date", "must be a date")
        status = _ACTION_STATUSES.get(_text(v.get("Status")).lower())
        if status is None:
            problems.at(sheet, n, "Status", "must be Open, Done, Verified or Reopened")
        done_at = _datetime(v.get("Done on"), problems, sheet, n, "Done on")
        verifier = normalise_email(_text(v.get("Verified by")))
        uid = _text(v.get("Action UID")).lower()
        if uid and not _UID.match(uid):
            problems.at(sheet, n, "Action UID", "must be 32 letters a–f and digits, as the export writes it")
        if status == "verified" and "@" not in verifier:
            problems.at(sheet, n, "Verified by", "a verified action needs the verifier's email address")
        if problems.reported > bad:
            continue
        plan.actions.append({
            "question_key": key, "description": description, "owner": owner, "due_date": due, "status": status,
            "done_at": done_at or (plan.submitted_at if status in ("done", "verified") else None),
            "done_note": read_text(v.get("What was done")).strip(), "verifier": verifier if "@" in verifier else "",
            "verified_at": _datetime(v.get("Verified on"), problems, sheet, n, "Verified on"),
            "reopened_reason": read_text(v.get("Reopened because")).strip(), "uid": uid,
        })
    _not_checked(unchecked, failed, problems)


def _held_action_uids(plans: dict[str, "_AuditPlan"]) -> set[str]:
    """The Action UIDs of the workbook this service already holds."""
    uids = sorted({action["uid"] for plan in plans.values() for action in plan.actions if action["uid"]})
    held: set[str] = set()
    for start in range(0, len(uids), 500):
        held.update(db.session.scalars(sa.select(Action.uid).where(Action.uid.in_(uids[start:start + 500]))))
    return held


def _answer_value(question, raw, template, problems, n, sheet):
    if raw is None or raw == "":
        return None
    if question.type == "grade":
        return _grade(template.scale, raw, problems, sheet, n, "Auditor answer")
    if question.type == "yes_partly_no":
        text = _text(raw).lower()
        mapping = {k: k for k, _ in YES_PARTLY_NO} | {label.lower(): k for k, label in YES_PARTLY_NO} | {"n/a": "na"}
        if text not in mapping:
            problems.at(sheet, n, "Auditor answer", f"'{_text(raw)[:40]}' is not Yes, Partly, No or Not applicable")
        return mapping.get(text)
    if question.type == "choice":
        text = _text(raw)
        if text not in question.choices:
            problems.at(sheet, n, "Auditor answer", f"'{text[:60]}' is not one of the question's choices")
        return text
    if question.type == "date":
        day = _date(raw)
        if day is None:
            problems.at(sheet, n, "Auditor answer", f"'{_text(raw)[:30]}' is not a date")
        return day.isoformat() if day else None
    if question.type == "number":
        try:
            number = float(raw) if not isinstance(raw, (int, float)) else raw
        except ValueError:
            problems.at(sheet, n, "Auditor answer", f"'{_text(raw)[:30]}' is not a number")
            return None
        return str(int(number)) if float(number).is_integer() else str(number)
    return read_text(raw).strip()


def _write(plans: dict[str, _AuditPlan], *, actor, filename: str, feedback_plans=(), worker_plans=()
           ) -> ImportSummary:
    summary = ImportSummary()
    users: dict[str, User] = {}

    def user_for(email: str, name: str, role: Role, team: str = "") -> User:
        """The account with this email address (matched by email only), or a new, inactive one
        marked as imported, whose name is never another account's; an auditor's team (the optional
        "Auditor team" column) is kept, so completion per team survives the trip."""
        if email in users:
            return users[email]
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = create_imported_user(email=email, name=name, role=role, source=filename, actor=actor)
            if team.strip():
                user.team = get_or_create_team(team)
            summary.users_created.append(email)
        users[email] = user
        return user

    round_of: dict[str, AuditRound] = {}
    held_actions = _held_action_uids(plans)
    written: dict[str, Audit] = {}   # the audits new here, by their Audit ID in the workbook
    for plan in sorted(plans.values(), key=lambda p: p.row):
        try:
            audit = _write_audit(plan, round_of, user_for, summary, held_actions, actor=actor, filename=filename)
            if plan.held is None:
                written[plan.source_id] = audit
        except ResultsRejected:
            raise
        except DomainError as error:
            raise ResultsRejected([f"{plan.sheet}, row {plan.row}: {error.message}"]) from None
    db.session.flush()
    try:
        # Feedback on an audit already here is already here too: only the new audits' is written.
        summary.feedback = write_feedback([p for p in feedback_plans if not p.audit_source_id
                                           or p.audit_source_id in written], written, actor=actor)
        write_worker_feedback([p for p in worker_plans if p.audit_source_id in written], written, user_for)
    except DomainError as error:
        raise ResultsRejected([f"Feedback: {error.message}"]) from None
    db.session.flush()
    record(actor, "results.imported", None, filename=filename[:200], audits=summary.audits,
           rounds_created=summary.rounds_created, users_created=summary.users_created,
           audits_held=summary.audits_held, actions_held=summary.actions_held, feedback=summary.feedback)
    return summary


def _write_audit(plan: _AuditPlan, round_of: dict[str, AuditRound], user_for, summary: ImportSummary,
                 held_actions: set[str], *, actor, filename: str) -> Audit:
    if plan.held is not None:
        audit = plan.held       # already here: left as it is; only actions it does not have yet are added
        summary.audits_held += 1
    else:
        audit = _new_audit(plan, round_of, user_for, summary, actor=actor, filename=filename)
    for planned in plan.actions:
        if planned["uid"] and planned["uid"] in held_actions:
            summary.actions_held += 1
            continue
        verifier = user_for(planned["verifier"], "", Role.AUDITOR) if planned["verifier"] else None
        actions.record_existing(
            audit, question_key=planned["question_key"], description=planned["description"],
            owner=user_for(planned["owner"], "", Role.PRACTITIONER), due_date=planned["due_date"],
            status=planned["status"], created_at=plan.submitted_at, created_by_id=getattr(actor, "id", None),
            done_at=planned["done_at"], done_note=planned["done_note"], verified_by=verifier,
            verified_at=planned["verified_at"] or (planned["done_at"] if verifier else None),
            reopened_reason=planned["reopened_reason"], uid=planned["uid"] or None)
        summary.actions += 1
    return audit


def _new_audit(plan: _AuditPlan, round_of: dict[str, AuditRound], user_for, summary: ImportSummary, *,
               actor, filename: str) -> Audit:
    round_ = round_of.get(plan.round_name) or db.session.scalar(
        sa.select(AuditRound).where(AuditRound.name == plan.round_name))
    if round_ is None:
        started = datetime.combine(plan.round_started, time(9)) if plan.round_started else plan.submitted_at
        round_ = rounds.record_past_round(
            name=plan.round_name, template_version=plan.version, started_at=started,
            due_date=plan.round_due or plan.submitted_at.date(), seed=0,
            sample_rule={"imported_from": filename[:200]}, created_by_id=getattr(actor, "id", None))
        summary.rounds_created.append(plan.round_name)
    round_of[plan.round_name] = round_
    case, added = cases.find_or_add(plan.reference, case_type=plan.case_type, team=plan.team)
    summary.cases_created += added
    db.session.flush()
    if db.session.scalar(sa.select(Audit.id).where(Audit.round_id == round_.id, Audit.case_file_id == case.id)):
        raise ResultsRejected([f"{plan.sheet}, row {plan.row}, column 'Case reference': case file {plan.reference} "
                               f"already has an audit in round '{plan.round_name}' here"])
    audit = audits.record_submitted(
        round_=round_, case_file=case, template_version=plan.version,
        auditor=user_for(plan.auditor_email, plan.auditor_name, Role.AUDITOR, plan.auditor_team), status=plan.status,
        overall_grade=plan.auditor_grade, overall_summary=plan.summary, immediate_risk=plan.immediate_risk,
        immediate_risk_reason=plan.risk_reason, submitted_at=plan.submitted_at,
        answers={key: {"value": a["value"], "evidence": a["evidence"]} for key, a in plan.answers.items()},
        sampled_by="import", uid=plan.uid or None)
    summary.answers += sum(1 for a in plan.answers.values() if a["value"] is not None or a["evidence"])
    if plan.moderated_grade is not None:
        moderation.record_completed(
            audit, moderator=user_for(plan.moderator_email, plan.moderator_name, Role.MODERATOR),
            overall_grade=plan.moderated_grade, overall_rationale=plan.rationale,
            answers={key: (a["moderated"], a["rationale"]) for key, a in plan.answers.items()
                     if a["moderated"] is not None},
            selected_because=plan.selected_because, completed_at=plan.moderated_at or plan.submitted_at)
    summary.audits += 1
    return audit


def _find_version(key: str, label: str) -> TemplateVersion | None:
    query = sa.select(TemplateVersion).where(TemplateVersion.key == key)
    if label:
        query = query.where(TemplateVersion.version_label == label)
    return db.session.scalar(query.order_by(TemplateVersion.current.desc(), TemplateVersion.id.desc()).limit(1))


def _grade(scale, raw, problems, sheet, n, column, required=False) -> int | None:
    if raw is None or raw == "":
        if required:
            problems.at(sheet, n, column, "is empty")
        return None
    if scale is None:
        return None
    try:
        return scale.value_for(raw.strip() if isinstance(raw, str) else raw)
    except (ValueError, TypeError) as error:
        problems.at(sheet, n, column, str(error))
        return None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(str(value).strip(), fmt).date()
        except ValueError:
            continue
    return None


def _datetime(value, problems, sheet, n, column) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(12))
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(str(value).strip(), fmt)
        except ValueError:
            continue
    problems.at(sheet, n, column, f"'{_text(value)[:30]}' is not a date")
    return None


__all__ = ["ANSWER_HEADERS", "AUDIT_HEADERS", "ImportSummary", "ResultsRejected", "import_results"]
