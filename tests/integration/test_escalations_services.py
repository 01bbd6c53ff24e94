"""A child at immediate risk: the escalation raised at once when an auditor flags it, who is told,
who may acknowledge it, and the trail in the history."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from qa_app.audits.services import save_audit
from qa_app.errors import InvalidTransition, NotPermitted, StaleEdit, ValidationFailed
from qa_app.escalations import services
from qa_app.escalations.models import Escalation
from qa_app.escalations.queries import open_escalations_for
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.notifications.models import Notification

REASON = "Bruising seen on a visit on 3 March; no strategy discussion recorded."


@pytest.fixture
def world(make_user, make_audit, make_case, make_round):
    w = dict(
        auditor=make_user("auditor", team="Another team"),
        manager=make_user("auditor", team="Assessment"),          # a team manager of the case's team
        deputy=make_user("auditor", "moderator", team="Assessment"),
        other_manager=make_user("auditor", team="Elsewhere"),
        former_manager=make_user("auditor", team="Assessment", active=False),
        moderator=make_user("moderator"),
        qa=make_user("qa_lead"),
        worker=make_user("practitioner", team="Assessment"),
        viewer=make_user("viewer"),
    )
    w["round"] = make_round(actor=w["qa"])  # no other QA lead in the database
    w["audit"] = make_audit(auditor=w["auditor"], round_=w["round"],
                            case=make_case(reference="CF-77", team="Assessment"))
    return w


def flag(audit, actor=None, risk=True, reason=REASON):
    save_audit(audit, actor=actor or audit.auditor, answers={}, overall_grade=None, overall_summary="",
               immediate_risk=risk, immediate_risk_reason=reason if risk else "",
               expected_version=audit.version, submit=False)
    db.session.commit()


def escalations():
    return db.session.scalars(sa.select(Escalation).order_by(Escalation.id)).all()


def test_flagging_raises_an_escalation_at_once_and_notifies_everyone_with_authority(world):
    flag(world["audit"])
    (escalation,) = escalations()
    assert (escalation.status, escalation.audit_id, escalation.case_file_id, escalation.raised_by_id) == (
        "raised", world["audit"].id, world["audit"].case_file_id, world["auditor"].id)
    assert escalation.reason == REASON
    notified = db.session.scalars(sa.select(Notification).order_by(Notification.recipient_id)).all()
    expected = sorted(world[k].id for k in ("manager", "deputy", "moderator", "qa"))
    assert [n.recipient_id for n in notified] == expected
    for n in notified:
        assert n.sent_at is None and (n.object_type, n.object_id) == ("escalations", escalation.id)
        assert "CF-77" in n.subject and "CF-77" in n.body
        assert f"/escalations/{escalation.id}" in n.body
        assert "Bruising" not in n.subject + n.body   # the child's details stay in the service
    trail = db.session.execute(sa.select(Event.action, Event.object_type).order_by(Event.id)).all()
    assert ("audit.immediate_risk_flagged", "audits") in trail
    assert [a for a, t in trail if t == "escalations"] == ["escalation.raised", "escalation.notified"]
    notified_event = db.session.scalar(sa.select(Event).where(Event.action == "escalation.notified"))
    assert sorted(notified_event.detail["recipients"]) == sorted(world[k].email for k in ("manager", "deputy",
                                                                                          "moderator", "qa"))


def test_raising_is_idempotent_while_unacknowledged(world):
    audit = world["audit"]
    flag(audit)
    flag(audit)  # saved again with the flag still set: not newly flagged
    again = services.raise_escalation(audit, actor=world["moderator"], reason="Also worried.")
    db.session.commit()
    assert len(escalations()) == 1 and again.id == escalations()[0].id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 4
    # Once acknowledged, flagging again (after clearing the flag) is a new escalation.
    services.acknowledge(again, actor=world["manager"], action_taken="Strategy discussion held today.",
                         expected_version=again.version)
    db.session.commit()
    flag(audit, risk=False)
    flag(audit, reason="New injury reported.")
    assert [e.status for e in escalations()] == ["acknowledged", "raised"]


def test_the_database_allows_one_open_escalation_per_audit(world):
    audit = world["audit"]
    for _ in range(2):
        db.session.add(Escalation(audit_id=audit.id, case_file_id=audit.case_file_id,
                                  raised_by_id=world["auditor"].id, reason="x"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(("who", "may"), [
    ("auditor", True), ("moderator", True), ("qa", True),
    ("manager", False),   # a team manager acknowledges; raising is for the audit's auditor, moderators and QA leads
    ("worker", False), ("viewer", False), ("other_manager", False),
])
def test_who_may_raise_directly(world, who, may):
    if may:
        escalation = services.raise_escalation(world["audit"], actor=world[who], reason=REASON)
        assert escalation.raised_by_id == world[who].id
        notified = {n.recipient_id for n in db.session.scalars(sa.select(Notification))}
        assert world[who].id not in notified   # the person who raised it already knows
    else:
        with pytest.raises(NotPermitted):
            services.raise_escalation(world["audit"], actor=world[who], reason=REASON)


def test_a_reason_is_required(world):
    with pytest.raises(ValidationFailed):
        services.raise_escalation(world["audit"], actor=world["qa"], reason="  ")


@pytest.mark.parametrize(("who", "may"), [
    ("manager", True), ("deputy", True), ("moderator", True), ("qa", True),
    ("other_manager", False), ("auditor", False), ("worker", False), ("viewer", False),
])
def test_who_may_acknowledge(world, who, may):
    flag(world["audit"])
    (escalation,) = escalations()
    if may:
        services.acknowledge(escalation, actor=world[who], action_taken="Called the duty manager; visit today.",
                             expected_version=escalation.version)
        db.session.commit()
        assert (escalation.status, escalation.acknowledged_by_id) == ("acknowledged", world[who].id)
        assert escalation.acknowledged_at is not None
        event = db.session.scalar(sa.select(Event).where(Event.action == "escalation.acknowledged"))
        assert event.detail["action_taken"] == "Called the duty manager; visit today."
        assert event.detail["late"] is False
    else:
        with pytest.raises(NotPermitted):
            services.acknowledge(escalation, actor=world[who], action_taken="x", expected_version=None)


def test_acknowledging_needs_the_action_taken_and_happens_once(world):
    flag(world["audit"])
    (escalation,) = escalations()
    with pytest.raises(ValidationFailed):
        services.acknowledge(escalation, actor=world["manager"], action_taken=" ", expected_version=None)
    with pytest.raises(StaleEdit):
        services.acknowledge(escalation, actor=world["manager"], action_taken="x",
                             expected_version=escalation.version - 1)
    services.acknowledge(escalation, actor=world["manager"], action_taken="Done.", expected_version=None)
    with pytest.raises(InvalidTransition):
        services.acknowledge(escalation, actor=world["qa"], action_taken="Again.", expected_version=None)


def test_a_late_acknowledgement_is_recorded_as_late(world):
    flag(world["audit"])
    (escalation,) = escalations()
    late = escalation.due_at + timedelta(minutes=1)
    services.acknowledge(escalation, actor=world["qa"], action_taken="Done.", expected_version=None, now=late)
    db.session.commit()
    event = db.session.scalar(sa.select(Event).where(Event.action == "escalation.acknowledged"))
    assert event.detail["late"] is True


def test_dashboards_list_only_what_each_person_has_authority_for(world, make_audit, make_case):
    flag(world["audit"])
    elsewhere = make_audit(auditor=world["auditor"], round_=world["round"],
                           case=make_case(reference="CF-88", team="Elsewhere"))
    flag(elsewhere)
    refs = lambda who: [e.case_file.reference for e in open_escalations_for(world[who])]  # noqa: E731
    assert refs("manager") == ["CF-77"]
    assert refs("other_manager") == ["CF-88"]
    assert refs("moderator") == refs("qa") == ["CF-77", "CF-88"]
    assert refs("worker") == refs("viewer") == refs("auditor") == []
