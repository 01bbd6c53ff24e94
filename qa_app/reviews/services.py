"""Follow-up (review) audits: choosing the files to review, and the checks that improvements are in place.

A review round re-audits case files of an earlier round. Each review audit names the earlier audit
(`Audit.reviews_audit_id`); for every question that was a finding there (its final grade, see
`is_finding`) or that had an action, the auditor records whether
the improvement is in place (yes / partly / no) with evidence, and grades the file again.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from qa_app.actions import services as action_services
from qa_app.actions.models import Action, ActionStatus
from qa_app.actions.workflow import ActionEvent, allowed_actions
from qa_app.audit_forms.services import current_version
from qa_app.audit_forms.schema import Question
from qa_app.audits.models import Answer, Audit
from qa_app.audits.workflow import SUBMITTED_STATES
from qa_app.auth.permissions import can_manage_rounds
from qa_app.cases.models import CaseFile, CaseStatus
from qa_app.db import utcnow
from qa_app.errors import DomainError, NotPermitted, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.audits.queries import final_answer_grades
from qa_app.moderation.queries import moderated_answer_grades
from qa_app.reviews.models import ReviewCheck
from qa_app.rounds.models import AuditRound, RoundStatus
from qa_app.rounds.sampling import SampleRule
from qa_app.rounds.services import auto_assign, create_round, eligible_auditors

MODES = {
    "actions_due": "Case files with actions that have fallen due",
    "graded_ri_or_inadequate": "Case files graded Requires improvement or Inadequate",
}
IN_PLACE = (("yes", "Yes, the improvement is in place"), ("partly", "Partly"), ("no", "No, it is not in place"))
IN_PLACE_LABELS = {"yes": "Yes", "partly": "Partly", "no": "No"}
MAX_EVIDENCE = 20_000


def is_finding(scale, grade: int | None) -> bool:
    """A graded answer that needs to improve: its final grade is not good or better on its scale
    (Requires improvement or Inadequate on the default one)."""
    return grade is not None and not scale.is_good_or_better(grade)


# --- choosing the files ----------------------------------------------------------------------

def files_to_review(earlier_round: AuditRound, mode: str, today: date) -> list[Audit]:
    """The earlier round's submitted audits of open case files that `mode` selects, by reference.

    "actions_due": the audit has at least one action due on or before `today` (whatever its status).
    "graded_ri_or_inadequate": the final overall grade is not good or better.
    """
    if mode not in MODES:
        raise ValueError(mode)
    query = (
        sa.select(Audit).join(CaseFile, CaseFile.id == Audit.case_file_id)
        .where(Audit.round_id == earlier_round.id, Audit.status.in_([s.value for s in SUBMITTED_STATES]),
               CaseFile.status == CaseStatus.OPEN.value)
        .order_by(CaseFile.reference)
    )
    if mode == "actions_due":
        query = query.where(sa.exists().where(Action.audit_id == Audit.id, Action.due_date <= today))
    else:
        scale = earlier_round.template_version.template.scale
        poor = [value for value in scale.values() if not scale.is_good_or_better(value)]
        query = query.where(Audit.final_grade.in_(poor))
    return list(db.session.scalars(query))


def create_review_round(earlier_round: AuditRound, *, name: str, due_date: date | None, mode: str,
                        actor, today: date) -> AuditRound:
    """A confirmed review round of the files `files_to_review` picks, each audit assigned to the
    original auditor when they are still an active auditor, the rest spread by auto-assignment.

    The round uses the current version of the earlier round's template and copies its moderation
    and reflection settings. NotPermitted for anyone but a QA lead; ValidationFailed for a bad
    name, due date or mode; DomainError when the earlier round has no sample or no file matches.
    """
    if not can_manage_rounds(actor):
        raise NotPermitted("Only a QA lead can create a review round.")
    if mode not in MODES:
        raise ValidationFailed([("mode", "Choose which case files to review")])
    if due_date is None:
        raise ValidationFailed([("due_date", "Enter the date the reviews are due by")])
    if earlier_round.sample_confirmed_at is None:
        raise DomainError("The earlier round's sample has not been confirmed, so it has nothing to review.")
    earlier_audits = files_to_review(earlier_round, mode, today)
    if not earlier_audits:
        raise DomainError(f"No case files in {earlier_round.name} match: {MODES[mode].lower()}.")
    version = current_version(earlier_round.template_version.key)
    rule = SampleRule(size_mode="all", exclude_months=0)
    round_ = create_round(
        name=name, template_version=version, due_date=due_date, rule=rule, seed=earlier_round.seed,
        actor=actor, today=today,
        moderation={key: getattr(earlier_round, key) for key in (
            "moderation_percent", "moderate_inadequate", "moderate_outstanding", "moderate_immediate_risk",
            "blind_moderation", "reflections_enabled")},
    )
    round_.reviews_round_id = earlier_round.id
    round_.sample_rule = {**rule.to_dict(), "review_mode": mode, "reviews_round_id": earlier_round.id}
    auditors = eligible_auditors()
    active_ids = {user.id for user in auditors}
    audits = [
        Audit(round=round_, case_file_id=earlier.case_file_id, template_version_id=version.id,
              reviews_audit_id=earlier.id, sampled_by="rule",
              auditor_id=earlier.auditor_id if earlier.auditor_id in active_ids else None)
        for earlier in earlier_audits
    ]
    db.session.add_all(audits)
    round_.sample_confirmed_at = utcnow()
    round_.status = RoundStatus.AUDITING
    db.session.flush()
    if auditors and any(audit.auditor_id is None for audit in audits):
        auto_assign(round_, actor=actor, auditors=auditors)
    record(actor, "review_round.created", round_, reviews_round=earlier_round.id, mode=mode,
           cases=[earlier.case_file.reference for earlier in earlier_audits],
           kept_auditor=sum(1 for a, e in zip(audits, earlier_audits) if a.auditor_id == e.auditor_id))
    return round_


# --- the checks on a review audit ------------------------------------------------------------

@dataclass
class ReviewItem:
    """One question of the earlier audit that the review must re-check."""

    key: str
    question: Question
    answer: Answer | None          # the earlier audit's answer (show it with show_answer)
    auditor_grade: int | None
    moderated_grade: int | None
    final_grade: int | None
    finding: bool
    actions: list[Action] = field(default_factory=list)
    check: ReviewCheck | None = None


@dataclass
class ReviewContext:
    audit: Audit
    earlier: Audit
    items: list[ReviewItem]

    @property
    def by_key(self) -> dict[str, ReviewItem]:
        return {item.key: item for item in self.items}

    def orphans(self) -> list[ReviewItem]:
        """Items whose question is not in the review audit's template version."""
        keys = {q.key for q in self.audit.template.questions()}
        return [item for item in self.items if item.key not in keys]

    def grade_label(self, value: int | None) -> str:
        return self.earlier.template.scale.label(value) if value is not None else ""


def review_context(audit: Audit) -> ReviewContext | None:
    """What a review audit must re-check, with the earlier answers and actions; None for other audits."""
    if audit.reviews_audit_id is None:
        return None
    earlier = audit.reviews_audit
    template = earlier.template
    answers = earlier.answer_map()
    finals = final_answer_grades(earlier.id)
    moderated = moderated_answer_grades(earlier.id)
    actions: dict[str, list[Action]] = {}
    for action in db.session.scalars(sa.select(Action).where(Action.audit_id == earlier.id).order_by(Action.id)):
        actions.setdefault(action.question_key or "", []).append(action)
    checks = {c.question_key: c for c in db.session.scalars(
        sa.select(ReviewCheck).where(ReviewCheck.audit_id == audit.id))}
    items = []
    for question in template.questions():
        answer = answers.get(question.key)
        finding = question.is_graded and is_finding(template.scale, finals.get(question.key))
        if not finding and question.key not in actions:
            continue
        items.append(ReviewItem(
            key=question.key, question=question, answer=answer,
            auditor_grade=answer.grade if answer else None, moderated_grade=moderated.get(question.key),
            final_grade=finals.get(question.key) if question.is_graded else None, finding=finding,
            actions=actions.get(question.key, []), check=checks.get(question.key),
        ))
    return ReviewContext(audit=audit, earlier=earlier, items=items)


def check_problems(context: ReviewContext, checks: dict[str, dict], verify_action_ids: Iterable[int],
                   actor, submit: bool, answers: dict[str, dict] | None = None) -> list[tuple[str, str]]:
    """Why the checks cannot be saved or submitted, as (form field, message).

    On submit every item needs yes / partly / no, and partly or no needs evidence. "Yes" while the
    review grades the same question as still needing to improve (`answers`, the review audit's
    own answers being submitted) needs evidence saying why. An action can be verified only on
    submit, when it is done, its question's improvement is in place ("yes"), and the actor may
    verify it.
    """
    problems = []
    scale = context.audit.template.scale
    graded_now = {q.key for q in context.audit.template.questions() if q.is_graded}
    for item in context.items:
        given = checks.get(item.key, {})
        in_place = given.get("in_place") or None
        evidence = (given.get("evidence") or "").strip()
        if in_place is not None and in_place not in IN_PLACE_LABELS:
            problems.append((f"rc_{item.key}", "Choose yes, partly or no"))
        elif submit and in_place is None:
            problems.append((f"rc_{item.key}", f"Say whether the improvement is in place: {item.question.text}"))
        elif submit and in_place in ("partly", "no") and not evidence:
            problems.append((f"rce_{item.key}",
                             f"Give the evidence that the improvement is {'only partly' if in_place == 'partly' else 'not'} "
                             f"in place: {item.question.text}"))
        elif submit and in_place == "yes" and not evidence and item.key in graded_now:
            regrade = (answers or {}).get(item.key, {}).get("value")
            if regrade not in (None, "") and is_finding(scale, int(regrade)):
                problems.append((f"rce_{item.key}",
                                 f"You say the improvement is in place but grade \"{item.question.text}\" "
                                 f"{scale.label(int(regrade))}: give the reason, or change the answer or the grade"))
        if len(evidence) > MAX_EVIDENCE:
            problems.append((f"rce_{item.key}", f"The evidence must be {MAX_EVIDENCE:,} characters or fewer"))
    known = {action.id: (item, action) for item in context.items for action in item.actions}
    for action_id in verify_action_ids:
        if action_id not in known:
            problems.append(("", "That action is not one this review checks."))
            continue
        item, action = known[action_id]
        name = f"verify_{action_id}"
        if action.status != ActionStatus.DONE:
            problems.append((name, f"The action \"{_short(action.description)}\" cannot be verified: its owner "
                                   "has not marked it as done"))
        elif (checks.get(item.key, {}).get("in_place") or None) != "yes":
            problems.append((name, f"Verify the action \"{_short(action.description)}\" only if the improvement "
                                   "is in place: answer Yes for its question"))
        elif ActionEvent.VERIFY not in allowed_actions(action, actor):
            problems.append((name, f"You cannot verify the action \"{_short(action.description)}\""))
    return problems


def store_checks(context: ReviewContext, checks: dict[str, dict], *, actor,
                 verify_action_ids: Iterable[int] = ()) -> dict[str, dict]:
    """Save the checks (already validated by check_problems) and verify the ticked actions.
    Returns the changed checks, for the history."""
    changes = {}
    now = utcnow()
    for item in context.items:
        given = checks.get(item.key, {})
        new = (given.get("in_place") or None, (given.get("evidence") or "").strip())
        check = item.check
        old = (check.in_place, check.evidence) if check else (None, "")
        if new == old:
            continue
        changes[item.key] = {"from": list(old), "to": list(new)}
        if check is None:
            check = ReviewCheck(audit_id=context.audit.id, question_key=item.key)
            db.session.add(check)
            item.check = check
        check.in_place, check.evidence = new
        check.updated_at = now
    if changes:
        record(actor, "review.checks_saved", context.audit, checks=changes)
    actions = {action.id: action for item in context.items for action in item.actions}
    for action_id in verify_action_ids:
        action_services.verify(actions[action_id], actor=actor, expected_version=None,
                               via=f"review audit {context.audit.id}")
    return changes


def _short(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"
