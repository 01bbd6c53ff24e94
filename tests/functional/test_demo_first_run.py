"""The demo on first run shows the whole practice loop (issue 13's demo, issue 15's 'the demo's
social worker has no case'): the demo social worker is linked by identity to several audited case
files, so released findings, a response to give, actions and reflections are on their home page;
their team manager sees the audits of the cases linked to them; and the demo holds family feedback
from several kinds of respondent, an observation round, a dispute and a published learning brief."""

import pytest
import sqlalchemy as sa
from markupsafe import escape

from qa_app.actions.models import Action
from qa_app.actions.permissions import can_reflect
from qa_app.audits.models import Audit
from qa_app.audits.workflow import SUBMITTED_STATES
from qa_app.auth.models import User
from qa_app.cases.models import CaseFile
from qa_app.demo import DEMO_PASSWORD, load_demo
from qa_app.disputes.models import Dispute
from qa_app.extensions import db
from qa_app.feedback.models import FeedbackRecord
from qa_app.history.models import Event
from qa_app.learning.models import LearningBrief
from qa_app.practice.models import FeedbackConversation, Release, WorkerResponse
from qa_app.practice.permissions import can_read_released
from qa_app.rounds.models import AuditRound
from tests.conftest import sign_in

WORKER, MANAGER = "social.worker@example.org", "tm.north@example.org"


@pytest.fixture
def demo(app):
    assert load_demo(2026)
    db.session.commit()


def user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def sign_in_demo(app, email):
    client = app.test_client()
    sign_in(client, user(email), DEMO_PASSWORD)
    return client


def test_the_social_worker_is_linked_by_identity_to_several_audited_released_cases(demo):
    worker = user(WORKER)
    cases = db.session.scalars(sa.select(CaseFile).where(CaseFile.worker_id == worker.id)).all()
    audits = db.session.scalars(sa.select(Audit).join(CaseFile, CaseFile.id == Audit.case_file_id).where(
        CaseFile.worker_id == worker.id, Audit.status.in_([s.value for s in SUBMITTED_STATES]))).all()
    assert len(cases) >= 3 and len(audits) >= 3
    assert all(case.allocated_worker == worker.display_name for case in cases)
    released = [a for a in audits if can_read_released(worker, a)]
    assert len(released) == len(audits)                              # every one of them released to them
    responses = db.session.scalars(sa.select(WorkerResponse).where(
        WorkerResponse.audit_id.in_([a.id for a in audits]))).all()
    conversations = db.session.scalars(sa.select(FeedbackConversation).where(
        FeedbackConversation.audit_id.in_([a.id for a in audits]))).all()
    assert 1 <= len(responses) < len(audits)                        # some answered, one left to answer
    assert len(conversations) >= 1
    actions = db.session.scalars(sa.select(Action).where(Action.owner_id == worker.id)).all()
    assert actions and {a.audit_id for a in actions} <= {a.id for a in audits}
    assert any(can_reflect(worker, a) for a in audits)              # the latest round asks for reflections
    # Every case file with a team manager is linked to the manager's account, not a name.
    manager = user(MANAGER)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseFile).where(
        CaseFile.manager_id == manager.id)) > 0


def test_the_social_workers_home_page_shows_findings_a_response_to_give_actions_and_reflections(app, demo):
    worker = user(WORKER)
    client = sign_in_demo(app, WORKER)
    home = client.get("/home").get_data(as_text=True)
    assert "Audit findings released to you" in home
    assert "Your response needed" in home and "Response recorded" in home
    assert "Reflect on the audit of" in home
    owned = db.session.scalars(sa.select(Action).where(Action.owner_id == worker.id)).all()
    mine = client.get("/actions/mine").get_data(as_text=True)
    assert owned and all(f'href="/actions/{action.id}"' in mine for action in owned)
    # Open one released audit: the whole audit, read-only, logged as a read.
    audit = next(a for a in db.session.scalars(
        sa.select(Audit).join(Release, Release.audit_id == Audit.id).join(CaseFile, CaseFile.id == Audit.case_file_id)
        .where(CaseFile.worker_id == worker.id).order_by(Audit.id)) if any(answer.evidence for answer in a.answers))
    page = client.get(f"/audits/{audit.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert str(escape(audit.overall_summary)) in text
    assert all(str(escape(answer.evidence)) in text for answer in audit.answers if answer.evidence)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.actor_id == worker.id, Event.object_type == "audits", Event.object_id == audit.id)) >= 1


def test_the_rest_of_the_loop_is_in_the_demo(demo):
    respondents = set(db.session.scalars(sa.select(FeedbackRecord.respondent)))
    assert len(respondents) >= 4 and "child" in respondents
    observation = db.session.scalars(sa.select(AuditRound).where(AuditRound.name.like("Observation%"))).all()
    assert observation and db.session.scalar(sa.select(sa.func.count()).select_from(Audit).where(
        Audit.round_id == observation[0].id)) > 0
    disputes = db.session.scalars(sa.select(Dispute)).all()
    assert {d.decision is not None for d in disputes} == {True, False}   # one decided, one open
    brief = db.session.scalar(sa.select(LearningBrief).where(LearningBrief.published_at.is_not(None)))
    assert brief is not None
