"""A child at immediate risk handled the same day: the deadline in working hours, the overdue
escalation to the head of service with a second reminder (once), and the outcome that closes it."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from qa_app.errors import InvalidTransition, ValidationFailed
from qa_app.escalations import services
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.notifications.models import Notification
from tests.integration.test_escalations_services import escalations, flag, world  # noqa: F401

TUESDAY_3PM = datetime(2026, 1, 13, 15, 0)   # GMT: London time = UTC


def notified(subject_starts: str) -> list[str]:
    return sorted(n.recipient.email for n in db.session.scalars(sa.select(Notification))
                  if n.subject.startswith(subject_starts))


def test_the_deadline_is_four_working_hours_counted_in_office_hours(world):  # noqa: F811
    escalation = services.raise_escalation(world["audit"], actor=world["auditor"], reason="Bruising.",
                                           now=TUESDAY_3PM)
    db.session.commit()
    # Two hours on Tuesday (to 17:00), the other two on Wednesday morning.
    assert escalation.due_at == datetime(2026, 1, 14, 11, 0)


def test_a_council_sets_its_own_window(app, world):  # noqa: F811
    app.config.update(ESCALATION_ACK_HOURS="2", OFFICE_HOURS="08:00-18:00")
    escalation = services.raise_escalation(world["audit"], actor=world["auditor"], reason="Bruising.",
                                           now=TUESDAY_3PM)
    assert escalation.due_at == datetime(2026, 1, 13, 17, 0)


def test_overdue_is_sent_on_once_to_everyone_told_and_the_head_of_service(app, world, make_user):  # noqa: F811
    head = make_user("viewer", email="head.of.service@example.org")
    app.config["HEAD_OF_SERVICE_EMAILS"] = " Head.Of.Service@example.org , nobody@example.org"
    escalation = services.raise_escalation(world["audit"], actor=world["auditor"], reason="Bruising.",
                                           now=TUESDAY_3PM)
    db.session.commit()
    told = notified("Child at immediate risk")
    assert head.email not in told and len(told) >= 3

    assert services.send_overdue(now=escalation.due_at) == []          # not yet: the last instant is in time
    sent = services.send_overdue(now=escalation.due_at + timedelta(minutes=1))
    db.session.commit()
    assert [e.id for e in sent] == [escalation.id]
    assert notified("Second reminder") == told
    assert notified("Overdue") == [head.email]
    # Once only.
    assert services.send_overdue(now=escalation.due_at + timedelta(hours=5)) == []
    assert len(notified("Second reminder")) == len(told)
    event = db.session.scalar(sa.select(Event).where(Event.action == "escalation.overdue_sent"))
    assert event.detail["head_of_service"] == [head.email]


def test_an_acknowledged_one_is_never_sent_on(world):  # noqa: F811
    escalation = services.raise_escalation(world["audit"], actor=world["auditor"], reason="Bruising.",
                                           now=TUESDAY_3PM)
    services.acknowledge(escalation, actor=world["manager"], action_taken="Visited.", expected_version=None)
    db.session.commit()
    assert services.send_overdue(now=escalation.due_at + timedelta(days=3)) == []


def test_without_a_named_head_of_service_the_qa_leads_are_told(world):  # noqa: F811
    escalation = services.raise_escalation(world["audit"], actor=world["qa"], reason="Bruising.", now=TUESDAY_3PM)
    db.session.commit()
    services.send_overdue(now=escalation.due_at + timedelta(seconds=1))
    db.session.commit()
    # The QA lead raised it, so was not told at first: now they hear as the head of service would.
    assert notified("Overdue") == [world["qa"].email]


def acknowledged(world):  # noqa: F811
    flag(world["audit"])
    (escalation,) = escalations()
    services.acknowledge(escalation, actor=world["manager"], action_taken="Strategy discussion called.",
                         expected_version=None)
    db.session.commit()
    return escalation


def test_the_outcome_closes_the_escalation(world):  # noqa: F811
    escalation = acknowledged(world)
    services.record_outcome(escalation, actor=world["manager"], outcome="strategy_discussion", note="",
                            outcome_on=date.today(), today=date.today(), expected_version=escalation.version)
    db.session.commit()
    assert (escalation.status, escalation.outcome, escalation.closed_by_id) == (
        "closed", "strategy_discussion", world["manager"].id)
    event = db.session.scalar(sa.select(Event).where(Event.action == "escalation.closed"))
    assert event.detail["outcome"] == "strategy_discussion" and event.actor_id == world["manager"].id
    with pytest.raises(InvalidTransition, match="already recorded"):
        services.record_outcome(escalation, actor=world["manager"], outcome="police", note="", outcome_on=date.today(),
                                today=date.today(), expected_version=None)


def test_no_outcome_before_it_is_acknowledged(world):  # noqa: F811
    flag(world["audit"])
    (escalation,) = escalations()
    with pytest.raises(InvalidTransition, match="Acknowledge the escalation"):
        services.record_outcome(escalation, actor=world["manager"], outcome="police", note="", outcome_on=date.today(),
                                today=date.today(), expected_version=None)


@pytest.mark.parametrize(("outcome", "note", "days", "field", "message"), [
    (None, "", 0, "outcome", "Choose the outcome"),
    ("made_up", "", 0, "outcome", "Choose the outcome"),
    ("no_further_action", " ", 0, "note", "Say why no further action is needed"),
    ("other", "", 0, "note", "Say what the outcome was"),
    ("police", "", 1, "outcome_on", "today or in the past"),
    ("police", "", -3, "outcome_on", "on or after the day the escalation was raised"),
])
def test_a_bad_outcome_is_refused_and_nothing_changes(world, outcome, note, days, field, message):  # noqa: F811
    escalation = acknowledged(world)
    with pytest.raises(ValidationFailed) as error:
        services.record_outcome(escalation, actor=world["manager"], outcome=outcome, note=note,
                                outcome_on=date.today() + timedelta(days=days), today=date.today(),
                                expected_version=None)
    assert [(f, m) for f, m in error.value.problems if message in m] == [(field, error.value.problems[0][1])]
    db.session.rollback()
    assert escalations()[0].status == "acknowledged"


def test_the_remind_command_sends_on_what_is_overdue(runner, world):  # noqa: F811
    escalation = services.raise_escalation(world["audit"], actor=world["auditor"], reason="Bruising.",
                                           now=datetime(2025, 1, 7, 10, 0))   # long past its deadline
    db.session.commit()
    result = runner.invoke(args=["escalations", "remind"])
    assert result.exit_code == 0 and "1 overdue escalation(s) sent on." in result.output
    db.session.expire_all()
    assert escalation.overdue_sent_at is not None
    again = runner.invoke(args=["escalations", "remind"])
    assert "No escalation is newly overdue." in again.output
