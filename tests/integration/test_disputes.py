"""Disputing a moderated grade: the window in working days, who raises and who decides, the final
grade following the decision, and the agreement statistics keeping the original pair."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from qa_app.audits.models import Answer, Audit
from qa_app.disputes import services
from qa_app.disputes.models import Dispute
from qa_app.errors import NotPermitted, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.moderation.services import complete
from qa_app.moderation.statistics import calibration
from qa_app.notifications.models import Notification
from qa_app.reports.builder import round_report
from qa_app.working_days import add_working_days
from tests.functional.test_moderation_support import moderate, moderation_world

TODAY = date.today()


@pytest.fixture
def world(make_user, make_round, make_audit):
    """An audit graded Good by its auditor, moderated to Requires improvement (question grades 3)."""
    w = moderation_world(make_user, make_round, make_audit, grade=2)
    moderate(w.moderation, w.moderator, grade=3, overall=3)
    complete(w.moderation, actor=w.moderator, rationales={k: "Weaker" for k in _keys(w)},
             overall_rationale="Plans are not SMART.", expected_version=w.moderation.version)
    db.session.commit()
    w.third = make_user("moderator")
    return w


def _keys(w):
    return [q.key for q in w.audit.template.questions() if q.is_graded]


def _raise(w, reason="The plan is reviewed monthly.", today=TODAY, window=10):
    dispute = services.raise_dispute(w.audit, actor=w.auditor, reason=reason, today=today, window=window)
    db.session.commit()
    return dispute


def test_the_auditor_disputes_within_the_window_and_qa_leads_are_told(world):
    last = add_working_days(world.moderation.completed_at.date(), 10)
    with pytest.raises(NotPermitted) as info:
        _raise(world, today=last + timedelta(days=1))
    assert f"by {last.day} {last:%B %Y}" in info.value.message
    dispute = _raise(world, today=last)
    assert (dispute.auditor_grade, dispute.moderated_grade, dispute.status) == (2, 3, "open")
    assert db.session.scalar(sa.select(Notification.recipient_id).where(
        Notification.object_type == "grade_disputes")) == world.qa.id
    with pytest.raises(NotPermitted):   # once only
        _raise(world)


@pytest.mark.parametrize("who", ["qa", "moderator", "third"])
def test_only_the_auditor_raises(world, who):
    if who == "third":
        with pytest.raises(NotPermitted):
            services.raise_dispute(world.audit, actor=world.third, reason="x", today=TODAY, window=10)
    else:
        with pytest.raises(NotPermitted):
            services.raise_dispute(world.audit, actor=getattr(world, who), reason="x", today=TODAY, window=10)


def test_a_reason_is_required(world):
    with pytest.raises(ValidationFailed) as info:
        _raise(world, reason="  ")
    assert info.value.problems == [("reason", "Say why you dispute the moderated grade")]


def test_nobody_who_took_part_decides(world):
    dispute = _raise(world)
    for party in (world.auditor, world.moderator):
        with pytest.raises(NotPermitted):
            services.decide(dispute, actor=party, decision="uphold_auditor", grade=None, rationale="Mine",
                            expected_version=None)


@pytest.mark.parametrize(("decision", "grade", "final", "answer_final"), [
    ("uphold_moderator", None, 3, 3),
    ("uphold_auditor", None, 2, 2),
    ("different_grade", 4, 4, 3),
])
def test_the_final_grade_follows_the_decision_and_the_statistics_keep_the_pair(world, decision, grade, final,
                                                                               answer_final):
    pairs_before = calibration(round_ids=[world.round.id]).overall
    dispute = _raise(world)
    services.decide(dispute, actor=world.third, decision=decision, grade=grade, rationale="Read the whole file.",
                    expected_version=dispute.version)
    db.session.commit()
    db.session.expire_all()
    audit = db.session.get(Audit, world.audit.id)
    assert audit.final_grade == final
    assert {a.final_grade for a in audit.answers if a.final_grade is not None} == {answer_final}
    assert calibration(round_ids=[world.round.id]).overall == pairs_before   # the original pair
    report = round_report(world.round)
    assert report["moderation"]["pairs"] == 1 and report["moderation"]["moderated_worse"] == 1
    assert report["moderation"]["disputes"] == {"raised": 1, "open": 0, "uphold_moderator": int(decision == "uphold_moderator"),
                                                "uphold_auditor": int(decision == "uphold_auditor"),
                                                "different_grade": int(decision == "different_grade")}
    assert report["final_grades"][audit.template.scale.label(final)] == 1
    event = db.session.scalar(sa.select(Event).where(Event.action == "audit.final_grade_changed"))
    assert (event.detail["before"], event.detail["after"], event.actor_id) == (3, final, world.third.id)


@pytest.mark.parametrize(("decision", "grade", "field", "message"), [
    (None, None, "decision", "Choose your decision"),
    ("different_grade", None, "grade", "Choose the grade"),
    ("different_grade", 2, "grade", "different from both"),
    ("different_grade", 1, "grade", "cannot be better than"),   # the moderator graded a limiting question 3
])
def test_a_bad_decision_is_refused_and_changes_nothing(world, decision, grade, field, message):
    dispute = _raise(world)
    with pytest.raises(ValidationFailed) as info:
        services.decide(dispute, actor=world.qa, decision=decision, grade=grade, rationale="", expected_version=None)
    problems = dict(info.value.problems)
    assert message in problems[field] and problems["rationale"] == "Give the reasons for your decision"
    db.session.rollback()
    assert db.session.get(Audit, world.audit.id).final_grade == 3


def test_a_stale_decision_is_refused(world):
    dispute = _raise(world)
    with pytest.raises(StaleEdit):
        services.decide(dispute, actor=world.qa, decision="uphold_moderator", grade=None, rationale="x",
                        expected_version=dispute.version + 1)
    assert db.session.scalar(sa.select(Dispute.status)) == "open"
