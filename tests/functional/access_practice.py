"""The access policy and request scenarios of practice feedback (releasing audits to the case's people,
the worker's response, the feedback conversation), for the route × role matrix in
tests/functional/test_access_matrix.py.

Here the matrix's "own" relation (the world's audit is assigned to the principal) means:

- practice.response: the principal is the allocated worker the released audit's case file is
  linked to (only a practitioner can be);
- practice.conversation: the principal audited the released audit.

In an "other" world these belong to people who are not principals, so only a QA lead (any
record) records a conversation, and nobody responds. Who may *read* a released audit (its case's
linked worker and team manager, and nobody else) is checked role by role, per record, in
tests/functional/test_practice_pages.py, with the team manager's right to record the
conversation.
"""

import itertools
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for

from qa_app.extensions import db
from tests.functional.matrix_common import AUDITING, NOBODY, QA_LEAD, Call, PerRecord, _date_parts

CASE_PEOPLE = frozenset({"practitioner", "auditor"})

POLICY = {
    "practice.index": {"GET": CASE_PEOPLE},
    "practice.release": {"POST": QA_LEAD},
    "practice.response": {"GET": PerRecord(owner=frozenset({"practitioner"}), any_record=NOBODY),
                          "POST": PerRecord(owner=frozenset({"practitioner"}), any_record=NOBODY)},
    "practice.conversation": {"GET": PerRecord(owner=AUDITING, any_record=QA_LEAD),
                              "POST": PerRecord(owner=AUDITING, any_record=QA_LEAD)},
}

_serial = itertools.count(1)


def _submitted(round_, auditor_id, team_id, tag, worker_id=None, manager_id=None):
    from qa_app.audits.models import Answer, Audit
    from qa_app.audits.services import set_final_grades
    from qa_app.cases.models import CaseFile
    from qa_app.db import utcnow

    case = CaseFile(reference=f"MXP{tag}N{next(_serial)}", case_type="CP", team_id=team_id,
                    allocated_worker="Linked worker", worker_id=worker_id, manager_id=manager_id,
                    date_of_birth=date.today() - timedelta(days=6 * 365))
    audit = Audit(round=round_, case_file=case, template_version_id=round_.template_version_id,
                  auditor_id=auditor_id, status="submitted", overall_grade=3,
                  submitted_at=utcnow() - timedelta(days=2))
    audit.answers = [Answer(question_key="plan_smart", grade=3, evidence="No dates in the plan.")]
    set_final_grades(audit, overall=3)
    db.session.add_all([case, audit])
    db.session.flush()
    return audit


def extend_world(app, people, world) -> None:
    from qa_app.audit_forms.services import current_version
    from qa_app.audits.models import Audit
    from qa_app.auth.models import Role, User
    from qa_app.db import utcnow
    from qa_app.practice.models import ReleaseReason
    from qa_app.practice.services import release
    from qa_app.rounds.sampling import SampleRule
    from qa_app.rounds.services import create_round

    with app.app_context():
        qa = db.session.get(User, people["qa_lead"].id)
        other = db.session.get(User, people["other_auditor"].id)
        owner = db.session.scalar(sa.select(Audit.auditor_id).where(Audit.id == world.audit_id))
        mine = db.session.get(User, owner) if owner != other.id else None
        round_ = create_round(name=f"Matrix practice {world.tag}", template_version=current_version("cp-cin-case-file"),
                              due_date=date.today() + timedelta(days=30), rule=SampleRule(size_mode="all"), seed=1,
                              actor=qa, today=date.today())
        round_.sample_confirmed_at, round_.status = utcnow(), "auditing"
        auditing = mine is not None and mine.has_role(Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD)
        worker = mine if mine is not None and mine.has_role(Role.PRACTITIONER) else None
        released = _submitted(round_, (mine if auditing else other).id, world.team_id, world.tag,
                              worker_id=worker.id if worker else None)
        release(released, ReleaseReason.BY_HAND, actor=qa)
        waiting = _submitted(round_, other.id, world.team_id, world.tag)
        db.session.commit()
        world.extra.update(released_audit_id=released.id, unreleased_audit_id=waiting.id)


SCENARIOS = {
    ("practice.index", "GET"): lambda w, who: Call(url_for("practice.index"), 200, event="practice.released_listed"),
    ("practice.release", "POST"): lambda w, who: Call(
        url_for("practice.release", audit_id=w.extra["unreleased_audit_id"]), 302,
        f"/audits/{w.extra['unreleased_audit_id']}", data={}, event="audit.released"),
    ("practice.response", "GET"): lambda w, who: Call(
        url_for("practice.response", audit_id=w.extra["released_audit_id"]), 200, event="audit.read_for_response"),
    ("practice.response", "POST"): lambda w, who: Call(
        url_for("practice.response", audit_id=w.extra["released_audit_id"]), 302,
        f"/audits/{w.extra['released_audit_id']}",
        data={"agreement": "partly", "will_do": "Add dates to the plan.", "comments": ""},
        event="worker_response.recorded"),
    ("practice.conversation", "GET"): lambda w, who: Call(
        url_for("practice.conversation", audit_id=w.extra["released_audit_id"]), 200,
        event="audit.read_for_conversation"),
    ("practice.conversation", "POST"): lambda w, who: Call(
        url_for("practice.conversation", audit_id=w.extra["released_audit_id"]), 302,
        f"/audits/{w.extra['released_audit_id']}",
        data={"held_on": _date_parts(date.today()), "attendees": "Worker, team manager and auditor",
              "method": "in_person", "notes": ""},
        event="feedback_conversation.recorded"),
}
