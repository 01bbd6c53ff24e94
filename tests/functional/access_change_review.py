"""The access policy and request scenarios of the change-and-review routes (actions, reflections,
review rounds, escalations), for the route × role matrix in tests/functional/test_access_matrix.py,
which merges every access_*.py module.

Actions, reflections and escalations are decided per record. Here the matrix's "own" relation
(the world's audit is assigned to the principal) means:

- actions.show / actions.done: the action is owned by the principal;
- actions.new / actions.verify / actions.reopen: the principal audited the audit whose actions
  they check (the action itself is owned by someone else: nobody verifies their own);
- actions.reflection: the principal is the case file's allocated worker (a practitioner);
- escalations.show: the principal raised the escalation.

In an "other" world all of these belong to people who are not principals of the matrix, so only a
QA lead (any record) or a moderator (any escalation) gets in. `extend_world` makes these records
once per world (before anything is measured), in a round of their own so that other features'
scenarios on the world's round are unaffected. The only scenario that makes a record when it runs
is acknowledging an escalation, and only for a principal who is allowed (each acknowledgement
needs one that is still open); everyone else is refused with the world's escalation.

The rules beyond roles (a team manager of the case's team sees its actions and acknowledges its
escalations; an assigned moderator checks actions; an owner never verifies) are tested per record
in test_actions_*.py and test_escalations_*.py.
"""

import itertools
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for

from qa_app.extensions import db
from tests.functional.matrix_common import AUDITING, NOBODY, QA_LEAD, ROUND_READERS, Call, PerRecord, _date_parts

OWNERS = frozenset({"practitioner", "auditor"})       # who can own an action
AUTHORITY = frozenset({"moderator", "qa_lead"})       # any escalation (team managers: per record)

POLICY = {
    "actions.mine": {"GET": OWNERS},
    "actions.team": {"GET": frozenset({"auditor"})},
    "actions.for_round": {"GET": QA_LEAD},
    "actions.show": {"GET": PerRecord(owner=OWNERS, any_record=QA_LEAD)},
    "actions.done": {"POST": PerRecord(owner=OWNERS, any_record=NOBODY)},
    "actions.verify": {"POST": PerRecord(owner=AUDITING, any_record=QA_LEAD)},
    "actions.reopen": {"POST": PerRecord(owner=AUDITING, any_record=QA_LEAD)},
    "actions.new": {"GET": PerRecord(owner=AUDITING, any_record=QA_LEAD),
                    "POST": PerRecord(owner=AUDITING, any_record=QA_LEAD)},
    "actions.reflection": {"GET": PerRecord(owner=frozenset({"practitioner"}), any_record=NOBODY),
                           "POST": PerRecord(owner=frozenset({"practitioner"}), any_record=NOBODY)},
    "reviews.index": {"GET": ROUND_READERS},
    "reviews.new": {"GET": QA_LEAD, "POST": QA_LEAD},
    "reviews.show": {"GET": ROUND_READERS},
    "escalations.index": {"GET": frozenset({"auditor", "moderator", "qa_lead"})},
    "escalations.show": {"GET": PerRecord(owner=AUDITING, any_record=AUTHORITY)},
    "escalations.acknowledge": {"POST": AUTHORITY},
    "escalations.outcome": {"POST": AUTHORITY},
}

_serial = itertools.count(1)


def _submitted_audit(round_, auditor_id: int, team_id: int, tag: str, worker: str = "Worker A"):
    from qa_app.audits.models import Answer, Audit
    from qa_app.audits.services import set_final_grades
    from qa_app.cases.models import CaseFile
    from qa_app.db import utcnow

    case = CaseFile(reference=f"MXC{tag}N{next(_serial)}", case_type="CP", team_id=team_id,
                    allocated_worker=worker, date_of_birth=date.today() - timedelta(days=7 * 365))
    audit = Audit(round=round_, case_file=case, template_version_id=round_.template_version_id,
                  auditor_id=auditor_id, status="submitted", overall_grade=3, submitted_at=utcnow())
    audit.answers = [Answer(question_key="plan_smart", grade=3, evidence="No dates in the plan.")]
    set_final_grades(audit, overall=3)
    db.session.add_all([case, audit])
    db.session.flush()
    return audit


def extend_world(app, people, world) -> None:
    """Records for the change-and-review routes; plain values in world.extra (see the docstring)."""
    from qa_app.actions import services as actions
    from qa_app.audit_forms.services import current_version
    from qa_app.audits.models import Audit
    from qa_app.auth.models import Role, User
    from qa_app.auth.services import create_user
    from qa_app.escalations.permissions import can_raise
    from qa_app.escalations.services import raise_escalation
    from qa_app.reviews.services import create_review_round
    from qa_app.rounds.sampling import SampleRule
    from qa_app.rounds.services import create_round
    from qa_app.db import utcnow

    with app.app_context():
        qa = db.session.get(User, people["qa_lead"].id)
        other = db.session.get(User, people["other_auditor"].id)
        owner_of_world = db.session.scalar(sa.select(Audit.auditor_id).where(Audit.id == world.audit_id))
        mine = db.session.get(User, owner_of_world) if owner_of_world != other.id else None
        stranger = create_user(email=f"mx-owner-{world.tag}@example.org", roles=[Role.PRACTITIONER],
                               display_name=f"Owner {world.tag}")
        db.session.flush()
        round_ = create_round(name=f"Matrix change {world.tag}", template_version=current_version("cp-cin-case-file"),
                              due_date=date.today() + timedelta(days=30), rule=SampleRule(size_mode="all"), seed=1,
                              actor=qa, today=date.today(), moderation={"reflections_enabled": True})
        round_.sample_confirmed_at, round_.status = utcnow(), "auditing"
        # The audit whose actions are checked: audited by the principal in an "own" world.
        checked = _submitted_audit(round_, (mine or other).id, world.team_id, world.tag)
        owner = mine if mine is not None and mine.has_role(Role.PRACTITIONER, Role.AUDITOR) else stranger
        checker = mine if mine is not None and mine.has_role(Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD) else qa
        open_action = actions.create_action(checked, actor=checker, question_key="plan_smart",
                                            description="Add dates to the plan.", owner_id=owner.id,
                                            due_date=date.today() + timedelta(days=7), today=date.today())
        done_action = actions.create_action(checked, actor=checker, question_key="plan_smart",
                                            description="Record the child's views.", owner_id=stranger.id,
                                            due_date=date.today() + timedelta(days=7), today=date.today())
        actions.mark_done(done_action, actor=stranger, note="Recorded on 3 May.", expected_version=None)
        reflected = _submitted_audit(round_, other.id, world.team_id, world.tag,
                                     worker=mine.display_name if mine is not None else "Somebody Else")
        raiser = mine if mine is not None and can_raise(mine, checked) else (other if mine is None else qa)
        escalation = raise_escalation(checked, actor=raiser, reason="Matrix: a child at immediate risk.")
        review = create_review_round(round_, name=f"Matrix review {world.tag}",
                                     due_date=date.today() + timedelta(days=30), mode="graded_ri_or_inadequate",
                                     actor=qa, today=date.today())
        db.session.commit()
        world.extra.update(
            change_round_id=round_.id, checked_audit_id=checked.id, open_action_id=open_action.id,
            open_action_version=open_action.version, done_action_id=done_action.id,
            done_action_version=done_action.version, stranger_id=stranger.id, reflection_audit_id=reflected.id,
            escalation_id=escalation.id, review_round_id=review.id,
        )


def _fresh_escalation(w) -> int:
    """A new raised escalation (on a new audit) for an allowed principal to acknowledge."""
    from qa_app.auth.models import User
    from qa_app.escalations.services import raise_escalation
    from qa_app.rounds.models import AuditRound

    round_ = db.session.get(AuditRound, w.extra["change_round_id"])
    other = db.session.get(User, w.people["other_auditor"].id)
    audit = _submitted_audit(round_, other.id, w.team_id, w.tag)
    escalation = raise_escalation(audit, actor=other, reason="Matrix: another child at immediate risk.")
    db.session.commit()
    return escalation.id


def _action_path(endpoint, w, key):
    return url_for(endpoint, action_id=w.extra[key])


def _new_action(w, who):
    return Call(url_for("actions.new", audit_id=w.extra["checked_audit_id"]), 302, r"/audits/\d+",
                data={"question_key": "plan_smart", "description": "Write a contingency plan.",
                      "owner_id": str(w.extra["stranger_id"]), "due_date": _date_parts(date.today() + timedelta(days=5))},
                event="action.created")


def _acknowledge(w, who):
    escalation_id = _fresh_escalation(w) if who in AUTHORITY else w.extra["escalation_id"]
    return Call(url_for("escalations.acknowledge", escalation_id=escalation_id), 302, f"/escalations/{escalation_id}",
                data={"version": "1", "action_taken": "Duty manager informed; child seen today."},
                event="escalation.acknowledged")


def _record_outcome(w, who):
    """An acknowledged escalation (a fresh one for each allowed principal), closed with its outcome."""
    from qa_app.auth.models import User
    from qa_app.escalations.models import Escalation
    from qa_app.escalations.services import acknowledge

    escalation_id = _fresh_escalation(w) if who in AUTHORITY else w.extra["escalation_id"]
    if who in AUTHORITY:
        escalation = db.session.get(Escalation, escalation_id)
        acknowledge(escalation, actor=db.session.get(User, w.people["qa_lead"].id), action_taken="Duty team told.",
                    expected_version=None)
        db.session.commit()
    return Call(url_for("escalations.outcome", escalation_id=escalation_id), 302, f"/escalations/{escalation_id}",
                data={"outcome": "strategy_discussion", "note": "", "outcome_on": _date_parts(date.today())},
                event="escalation.closed")


SCENARIOS = {
    ("actions.mine", "GET"): lambda w, who: Call(url_for("actions.mine"), 200, event="actions.listed"),
    ("actions.team", "GET"): lambda w, who: Call(url_for("actions.team"), 200, event="actions.listed"),
    ("actions.for_round", "GET"): lambda w, who: Call(
        url_for("actions.for_round", round_id=w.extra["change_round_id"]), 200, event="actions.listed"),
    ("actions.show", "GET"): lambda w, who: Call(_action_path("actions.show", w, "open_action_id"), 200,
                                                 event="action.viewed"),
    ("actions.done", "POST"): lambda w, who: Call(
        _action_path("actions.done", w, "open_action_id"), 302, f"/actions/{w.extra['open_action_id']}",
        data={"version": str(w.extra["open_action_version"]), "note": "Plan rewritten with dates."},
        event="action.done"),
    ("actions.verify", "POST"): lambda w, who: Call(
        _action_path("actions.verify", w, "done_action_id"), 302, f"/actions/{w.extra['done_action_id']}",
        data={"version": str(w.extra["done_action_version"])}, event="action.verified"),
    ("actions.reopen", "POST"): lambda w, who: Call(
        _action_path("actions.reopen", w, "done_action_id"), 302, f"/actions/{w.extra['done_action_id']}",
        data={"version": str(w.extra["done_action_version"]), "reason": "The views are not recorded yet."},
        event="action.reopened"),
    ("actions.new", "GET"): lambda w, who: Call(url_for("actions.new", audit_id=w.extra["checked_audit_id"]), 200),
    ("actions.new", "POST"): _new_action,
    ("actions.reflection", "GET"): lambda w, who: Call(
        url_for("actions.reflection", audit_id=w.extra["reflection_audit_id"]), 200, event="audit.read_for_reflection"),
    ("actions.reflection", "POST"): lambda w, who: Call(
        url_for("actions.reflection", audit_id=w.extra["reflection_audit_id"]), 302,
        f"/actions/audits/{w.extra['reflection_audit_id']}/reflection",
        data={"text": "I will record the plan's dates."}, event="reflection.added"),
    ("reviews.index", "GET"): lambda w, who: Call(url_for("reviews.index"), 200),
    ("reviews.new", "GET"): lambda w, who: Call(url_for("reviews.new", round_id=w.extra["change_round_id"]), 200),
    ("reviews.new", "POST"): lambda w, who: Call(
        url_for("reviews.new", round_id=w.extra["change_round_id"]), 302, r"/reviews/rounds/\d+",
        data={"name": f"Matrix review by form {w.tag}", "mode": "graded_ri_or_inadequate",
              "due_date": _date_parts(date.today() + timedelta(days=21))}, event="review_round.created"),
    ("reviews.show", "GET"): lambda w, who: Call(
        url_for("reviews.show", round_id=w.extra["review_round_id"]), 200,
        event="review_round.viewed" if who == "qa_lead" else None),
    ("escalations.index", "GET"): lambda w, who: Call(url_for("escalations.index"), 200, event="escalations.listed"),
    ("escalations.show", "GET"): lambda w, who: Call(
        url_for("escalations.show", escalation_id=w.extra["escalation_id"]), 200, event="escalation.viewed"),
    ("escalations.acknowledge", "POST"): _acknowledge,
    ("escalations.outcome", "POST"): _record_outcome,
}
