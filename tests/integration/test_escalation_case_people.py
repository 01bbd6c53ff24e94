"""A child at immediate risk: the case's own people, linked by identity (`users link` or the case
list's email), are told at once alongside everyone with authority; a name that merely matches an
account never is. The linked team manager can act on it; the linked worker can open it."""

import pytest
import sqlalchemy as sa

from qa_app.escalations import services
from qa_app.escalations.models import Escalation
from qa_app.escalations.queries import open_escalations_for
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.notifications.models import Notification
from tests.conftest import sign_in

REASON = "Bruising seen on a visit on 3 March; no strategy discussion recorded."


@pytest.fixture
def world(make_user, make_audit, make_case, make_round):
    w = dict(
        auditor=make_user("auditor", team="Another team"),
        team_manager=make_user("auditor", team="Assessment"),      # in the case's team
        moderator=make_user("moderator"),
        qa=make_user("qa_lead"),
        # linked by identity, in teams other than the case's (a hub manager, a worker moved on)
        worker=make_user("practitioner", team="Hub south"),
        manager=make_user("auditor", team="Hub south"),
        # the name the case list gives, in the case's team, but not linked: never told
        namesake=make_user("practitioner", team="Assessment"),
        other_worker=make_user("practitioner", team="Assessment"),
    )
    w["namesake"].display_name = "Sam Worker"
    w["round"] = make_round(actor=w["qa"])
    case = make_case(reference="CF-77", team="Assessment", worker=w["worker"], manager=w["manager"])
    case.allocated_worker = "Sam Worker"   # the free-text name matches the namesake; the link decides
    db.session.commit()
    w["audit"] = make_audit(auditor=w["auditor"], round_=w["round"], case=case)
    return w


def raise_it(world):
    escalation = services.raise_escalation(world["audit"], actor=world["auditor"], reason=REASON)
    db.session.commit()
    return escalation


def told(escalation):
    return {n.recipient_id: n for n in db.session.scalars(
        sa.select(Notification).where(Notification.object_type == "escalations",
                                      Notification.object_id == escalation.id))}


def test_the_linked_worker_and_team_manager_are_told_at_once(world):
    escalation = raise_it(world)
    notes = told(escalation)
    assert set(notes) == {world[k].id for k in ("team_manager", "moderator", "qa", "worker", "manager")}
    assert "allocated worker" in notes[world["worker"].id].body
    assert "team manager" in notes[world["manager"].id].body
    assert "allocated worker" not in notes[world["qa"].id].body
    for note in notes.values():
        assert REASON not in note.body and "CF-77" in note.subject
    event = db.session.scalar(sa.select(Event).where(Event.action == "escalation.notified"))
    assert world["worker"].email in event.detail["recipients"]
    assert world["manager"].email in event.detail["recipients"]
    assert [u.id for u in services.told_about(escalation)].count(world["worker"].id) == 1


def test_a_matching_name_or_the_case_team_is_not_a_link(world):
    escalation = raise_it(world)
    notes = told(escalation)
    assert world["namesake"].id not in notes
    assert world["other_worker"].id not in notes


def test_an_inactive_or_wrong_role_link_is_not_told(world, make_user):
    world["worker"].active = False
    world["audit"].case_file.manager_id = make_user("viewer").id   # a link that cannot act
    db.session.commit()
    escalation = raise_it(world)
    notes = told(escalation)
    assert world["worker"].id not in notes
    assert world["audit"].case_file.manager_id not in notes
    assert world["team_manager"].id in notes


def test_the_linked_people_are_told_once_even_when_they_hold_authority_too(world):
    world["audit"].case_file.manager_id = world["team_manager"].id
    db.session.commit()
    escalation = raise_it(world)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.recipient_id == world["team_manager"].id)) == 1
    assert world["manager"].id not in told(escalation)


def test_the_linked_manager_sees_and_acknowledges_it_and_the_second_reminder_reaches_them(world):
    escalation = raise_it(world)
    assert [e.id for e in open_escalations_for(world["manager"])] == [escalation.id]
    assert open_escalations_for(world["worker"]) == []   # the worker is told, not asked to acknowledge
    services.send_overdue(now=escalation.due_at.replace(year=escalation.due_at.year + 1))
    db.session.commit()
    reminders = db.session.scalars(sa.select(Notification).where(Notification.subject.like("Second reminder%"))).all()
    assert {world["worker"].id, world["manager"].id} <= {n.recipient_id for n in reminders}
    services.acknowledge(escalation, actor=world["manager"], action_taken="Visited today.", expected_version=None)
    db.session.commit()
    assert db.session.get(Escalation, escalation.id).acknowledged_by_id == world["manager"].id


def test_the_linked_worker_opens_the_escalation_from_the_email_and_others_are_refused(app, world):
    escalation = raise_it(world)
    worker, namesake = app.test_client(), app.test_client()
    sign_in(worker, world["worker"])
    sign_in(namesake, world["namesake"])
    page = worker.get(f"/escalations/{escalation.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "CF-77" in text and REASON in text
    assert 'name="action_taken"' not in text   # no acknowledgement form for them
    assert namesake.get(f"/escalations/{escalation.id}").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.action == "escalation.viewed", Event.actor_id == world["worker"].id)) == 1
