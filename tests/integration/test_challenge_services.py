"""Raising and progressing IRO challenges through the services, against a real database."""

from dataclasses import dataclass
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from qa_app.challenges import services
from qa_app.challenges.models import Challenge
from qa_app.challenges.queries import (
    ChallengeFilter, awaiting_counts, awaiting_response, filtered, my_challenges, raised_open_counts,
)
from qa_app.challenges.workflow import ChallengeState, state_of
from qa_app.errors import InvalidTransition, NotPermitted, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.history.models import Event

MONDAY = date(2027, 3, 1)


@dataclass
class People:
    iro: object
    other_iro: object
    worker: object
    manager: object
    service_manager: object
    qa: object
    viewer: object


@pytest.fixture
def people(make_user):
    return People(
        iro=make_user("iro", email="ira.iro@example.org"),
        other_iro=make_user("iro", email="olu.other@example.org"),
        # make_case names "Worker A" as the allocated worker
        worker=make_user("practitioner", team="Assessment", email="worker.a@example.org"),
        manager=make_user("auditor", team="Assessment", email="tess.manager@example.org"),
        service_manager=make_user("moderator", team="Assessment", email="sam.service@example.org"),
        qa=make_user("qa_lead", email="quinn.qa@example.org"),
        viewer=make_user("viewer", email="vic.viewer@example.org"),
    )


@pytest.fixture
def raise_one(make_case, people):
    def make(today=MONDAY, category="drift_delay", case=None, actor=None):
        challenge = services.raise_challenge(
            case_file=case or make_case(team="Assessment"), actor=actor or people.iro, category=category,
            concern="No permanence plan after 14 months.", outcome_sought="A permanence plan within 4 weeks.",
            today=today)
        db.session.commit()
        return challenge

    return make


def events(challenge, action=None):
    query = sa.select(Event.action).where(Event.object_type == "challenges", Event.object_id == challenge.id)
    if action:
        query = query.where(Event.action == action)
    return list(db.session.scalars(query.order_by(Event.id)))


# --- raising ------------------------------------------------------------------------------------

def test_raising_names_the_allocated_worker_and_the_team_manager(raise_one, people):
    challenge = raise_one()
    stage = challenge.stages[0]
    assert (challenge.status, challenge.current_stage, challenge.raised_on) == ("open", "informal", MONDAY)
    assert challenge.raised_by_id == people.iro.id
    assert challenge.team_id == challenge.case_file.team_id
    assert (stage.responder_id, stage.second_responder_id) == (people.worker.id, people.manager.id)
    assert (stage.opened_on, stage.due_on) == (MONDAY, date(2027, 3, 8))
    assert state_of(challenge) == ChallengeState.AWAITING_RESPONSE
    assert events(challenge) == ["challenge.raised"]


def test_the_worker_is_matched_by_name_ignoring_case_and_only_among_active_practitioners(
        make_user, make_case, people, raise_one):
    make_user("auditor", team="Assessment", email="aaron.first@example.org")   # first by name in the team
    make_user("practitioner", team="Other", email="worker.b@example.org", active=False)
    case = make_case(team="Assessment")
    case.allocated_worker = "  WORKER   b "
    db.session.commit()
    challenge = raise_one(case=case)
    stage = challenge.stages[0]
    manager = db.session.get(type(people.manager), stage.responder_id)
    assert manager.display_name == "Aaron First"      # the inactive worker is not named …
    assert stage.second_responder_id is None           # … so the team manager responds alone


def test_case_insensitive_match(make_case, people, raise_one):
    case = make_case(team="Assessment")
    case.allocated_worker = "worker a"
    db.session.commit()
    assert raise_one(case=case).stages[0].responder_id == people.worker.id


def test_no_one_to_name(make_case, raise_one):
    case = make_case(team="Nobody's team")
    case.allocated_worker = "Agency Worker"
    db.session.commit()
    challenge = raise_one(case=case)
    assert (challenge.stages[0].responder_id, challenge.stages[0].second_responder_id) == (None, None)


@pytest.mark.parametrize("role", ["qa_lead", "auditor", "practitioner", "viewer", "moderator"])
def test_only_an_iro_raises(make_user, make_case, role):
    with pytest.raises(NotPermitted):
        services.raise_challenge(case_file=make_case(), actor=make_user(role), category="health",
                                 concern="x", outcome_sought="y", today=MONDAY)
    assert db.session.scalar(sa.select(sa.func.count(Challenge.id))) == 0


def test_raising_reports_every_problem(make_case, make_audit, people):
    other_audit = make_audit()
    with pytest.raises(ValidationFailed) as raised:
        services.raise_challenge(case_file=make_case(), actor=people.iro, category="weather", concern=" ",
                                 outcome_sought="", audit=other_audit, today=MONDAY)
    assert [field for field, _ in raised.value.problems] == ["category", "concern", "outcome_sought", "audit_id"]


def test_raising_from_an_audit_of_the_case(make_audit, people):
    audit = make_audit(status="submitted")
    challenge = services.raise_challenge(case_file=audit.case_file, actor=people.iro, category="care_plan",
                                         concern="c", outcome_sought="o", audit=audit, today=MONDAY)
    assert challenge.audit_id == audit.id


# --- responding and accepting -------------------------------------------------------------------

def test_respond_then_accept_resolves_at_that_stage(raise_one, people):
    challenge = raise_one()
    version = challenge.version
    services.respond(challenge, actor=people.worker, response="Plan agreed at panel.", expected_version=version)
    db.session.commit()
    assert state_of(challenge) == ChallengeState.AWAITING_DECISION
    assert challenge.version == version + 1
    assert challenge.stages[0].response == "Plan agreed at panel."
    assert challenge.stages[0].responded_at is not None

    services.accept(challenge, actor=people.iro, outcome="Permanence plan in place.",
                    expected_version=challenge.version, today=date(2027, 3, 4))
    db.session.commit()
    stage = challenge.stages[0]
    assert (challenge.status, challenge.resolved_on, challenge.resolved_stage) == (
        "resolved", date(2027, 3, 4), "informal")
    assert challenge.resolution == "Permanence plan in place."
    assert (stage.closed_on, stage.closed_because) == (date(2027, 3, 4), "resolved")
    assert events(challenge) == ["challenge.raised", "challenge.responded", "challenge.resolved"]


@pytest.mark.parametrize("who", ["manager", "qa"])
def test_the_second_responder_or_a_qa_lead_may_respond(raise_one, people, who):
    challenge = raise_one()
    services.respond(challenge, actor=getattr(people, who), response="Done.", expected_version=challenge.version)
    assert state_of(challenge) == ChallengeState.AWAITING_DECISION


@pytest.mark.parametrize("who", ["service_manager", "iro", "other_iro", "viewer"])
def test_no_one_else_responds(raise_one, people, who):
    challenge = raise_one()
    with pytest.raises(NotPermitted):
        services.respond(challenge, actor=getattr(people, who), response="x", expected_version=challenge.version)
    assert challenge.stages[0].responded_at is None


@pytest.mark.parametrize("who", ["other_iro", "worker", "manager", "viewer"])
def test_only_the_raising_iro_or_a_qa_lead_escalates_or_accepts(raise_one, people, who):
    challenge = raise_one()
    actor = getattr(people, who)
    with pytest.raises(NotPermitted):
        services.move_on(challenge, actor=actor, to_stage="stage_1", responder=people.manager, second_responder=None,
                         reason="", expected_version=challenge.version, today=MONDAY)
    with pytest.raises(NotPermitted):
        services.accept(challenge, actor=actor, outcome="x", expected_version=challenge.version, today=MONDAY)
    with pytest.raises(NotPermitted):
        services.withdraw(challenge, actor=actor, reason="x", expected_version=challenge.version, today=MONDAY)
    assert challenge.current_stage == "informal" and challenge.status == "open"


def test_a_response_is_required(raise_one, people):
    challenge = raise_one()
    with pytest.raises(ValidationFailed, match="Enter your response"):
        services.respond(challenge, actor=people.worker, response="  ", expected_version=challenge.version)


def test_cannot_accept_before_a_response(raise_one, people):
    challenge = raise_one()
    with pytest.raises(InvalidTransition, match="no response to accept"):
        services.accept(challenge, actor=people.iro, outcome="x", expected_version=challenge.version, today=MONDAY)


@pytest.mark.parametrize("close", ["accept", "withdraw"])
def test_cannot_respond_to_a_closed_challenge(raise_one, people, close):
    challenge = raise_one()
    if close == "accept":
        services.respond(challenge, actor=people.worker, response="r", expected_version=challenge.version)
        services.accept(challenge, actor=people.iro, outcome="o", expected_version=challenge.version, today=MONDAY)
    else:
        services.withdraw(challenge, actor=people.iro, reason="Child moved out of area.",
                          expected_version=challenge.version, today=MONDAY)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="cannot be given a response"):
        services.respond(challenge, actor=people.qa, response="late", expected_version=challenge.version)
    with pytest.raises(InvalidTransition):
        services.move_on(challenge, actor=people.iro, to_stage="stage_1", responder=people.manager,
                         second_responder=None, reason="", expected_version=challenge.version, today=MONDAY)


# --- escalating and skipping --------------------------------------------------------------------

def test_escalate_opens_the_next_stage_with_the_chosen_responder(raise_one, people):
    challenge = raise_one()
    stage = services.move_on(challenge, actor=people.iro, to_stage="stage_1", responder=people.manager,
                             second_responder=None, reason="", expected_version=challenge.version,
                             today=date(2027, 3, 10))
    db.session.commit()
    informal = challenge.stages[0]
    assert (informal.closed_on, informal.closed_because) == (date(2027, 3, 10), "escalated")
    assert challenge.current_stage == "stage_1"
    assert (stage.stage, stage.responder_id, stage.opened_on) == ("stage_1", people.manager.id, date(2027, 3, 10))
    assert stage.due_on == date(2027, 3, 17)
    assert services.formal_started_on(challenge, services.current_stages()) == date(2027, 3, 10)
    assert events(challenge)[-1] == "challenge.escalated"


def test_escalating_after_a_response_is_allowed(raise_one, people):
    challenge = raise_one()
    services.respond(challenge, actor=people.worker, response="Not agreed.", expected_version=challenge.version)
    services.move_on(challenge, actor=people.iro, to_stage="stage_1", responder=people.manager, second_responder=None,
                     reason="", expected_version=challenge.version, today=MONDAY)
    assert state_of(challenge) == ChallengeState.AWAITING_RESPONSE
    assert challenge.stages[0].response == "Not agreed."   # the earlier response is kept


def test_skipping_needs_a_reason_and_keeps_the_skipped_stages(raise_one, people):
    challenge = raise_one()
    with pytest.raises(ValidationFailed, match="reason for skipping"):
        services.move_on(challenge, actor=people.iro, to_stage="stage_3", responder=people.service_manager,
                         second_responder=None, reason=" ", expected_version=challenge.version, today=MONDAY)
    services.move_on(challenge, actor=people.qa, to_stage="stage_3", responder=people.service_manager,
                     second_responder=None, reason="Risk of harm: the head of service must decide.",
                     expected_version=challenge.version, today=MONDAY)
    db.session.commit()
    assert [(s.stage, s.closed_because) for s in challenge.stages] == [
        ("informal", "escalated"), ("stage_1", "skipped"), ("stage_2", "skipped"), ("stage_3", None)]
    assert challenge.stages[1].skip_reason == "Risk of harm: the head of service must decide."
    assert challenge.current_stage == "stage_3"
    assert events(challenge, "challenge.skipped")


@pytest.mark.parametrize("to_stage", ["informal", "stage_9", ""])
def test_only_a_later_stage_can_be_chosen(raise_one, people, to_stage):
    challenge = raise_one()
    with pytest.raises(ValidationFailed, match="later stages"):
        services.move_on(challenge, actor=people.iro, to_stage=to_stage, responder=people.manager,
                         second_responder=None, reason="r", expected_version=challenge.version, today=MONDAY)


def test_the_responder_must_be_someone_who_can_respond(raise_one, people, make_user):
    challenge = raise_one()
    admin = make_user("admin")
    # An administrator, and a viewer (who changes nothing), cannot be named.
    with pytest.raises(ValidationFailed) as raised:
        services.move_on(challenge, actor=people.iro, to_stage="stage_1", responder=admin,
                         second_responder=people.viewer, reason="", expected_version=challenge.version, today=MONDAY)
    assert {field for field, _ in raised.value.problems} == {"responder_id", "second_responder_id"}
    with pytest.raises(ValidationFailed, match="Choose who will respond"):
        services.move_on(challenge, actor=people.iro, to_stage="stage_1", responder=None, second_responder=None,
                         reason="", expected_version=challenge.version, today=MONDAY)


def test_cannot_escalate_past_the_last_stage(raise_one, people):
    challenge = raise_one()
    services.move_on(challenge, actor=people.iro, to_stage="stage_4", responder=people.service_manager,
                     second_responder=None, reason="Urgent", expected_version=challenge.version, today=MONDAY)
    with pytest.raises(ValidationFailed, match="later stages"):
        services.move_on(challenge, actor=people.iro, to_stage="stage_5", responder=people.service_manager,
                         second_responder=None, reason="", expected_version=challenge.version, today=MONDAY)


def test_the_formal_stages_are_capped_at_20_working_days_on_a_live_challenge(raise_one, people):
    challenge = raise_one(today=date(2027, 2, 1))
    step = dict(actor=people.iro, second_responder=None, reason="")
    services.move_on(challenge, to_stage="stage_1", responder=people.manager, expected_version=challenge.version,
                     today=date(2027, 3, 1), **step)          # the formal process starts: deadline 31 March
    services.move_on(challenge, to_stage="stage_2", responder=people.service_manager,
                     expected_version=challenge.version, today=date(2027, 3, 15), **step)
    services.move_on(challenge, to_stage="stage_3", responder=people.qa, expected_version=challenge.version,
                     today=date(2027, 3, 25), **step)
    services.move_on(challenge, to_stage="stage_4", responder=people.qa, expected_version=challenge.version,
                     today=date(2027, 4, 8), **step)
    dues = [(s.stage, s.due_on) for s in challenge.stages]
    assert dues == [("informal", date(2027, 2, 8)), ("stage_1", date(2027, 3, 8)), ("stage_2", date(2027, 3, 22)),
                    ("stage_3", date(2027, 3, 31)),     # 5 working days would be 5 April: capped
                    ("stage_4", date(2027, 3, 31))]     # opened after the deadline: due on it
    assert all(s.due_on <= date(2027, 3, 31) for s in challenge.stages[1:])
    assert services.is_overdue(challenge.stages[-1], date(2027, 4, 8))


# --- withdraw, Cafcass, responders ----------------------------------------------------------------

def test_withdraw_needs_a_reason(raise_one, people):
    challenge = raise_one()
    with pytest.raises(ValidationFailed):
        services.withdraw(challenge, actor=people.iro, reason="", expected_version=challenge.version, today=MONDAY)
    services.withdraw(challenge, actor=people.iro, reason="Resolved at the review.",
                      expected_version=challenge.version, today=MONDAY)
    assert (challenge.status, challenge.stages[0].closed_because) == ("withdrawn", "withdrawn")
    assert challenge.resolved_on is None


def test_cafcass_is_flagged_once_with_a_date_not_in_the_future(raise_one, people):
    challenge = raise_one()
    with pytest.raises(ValidationFailed, match="today or in the past"):
        services.flag_cafcass(challenge, actor=people.iro, referred_on=date(2027, 3, 2),
                              expected_version=challenge.version, today=MONDAY)
    services.flag_cafcass(challenge, actor=people.iro, referred_on=date(2027, 2, 26),
                          expected_version=challenge.version, today=MONDAY)
    db.session.commit()
    assert (challenge.cafcass_referred, challenge.cafcass_referred_on) == (True, date(2027, 2, 26))
    assert challenge.current_stage == "informal"
    with pytest.raises(InvalidTransition, match="already recorded"):
        services.flag_cafcass(challenge, actor=people.iro, referred_on=MONDAY, expected_version=challenge.version,
                              today=MONDAY)


def test_change_responders(raise_one, people):
    challenge = raise_one()
    services.change_responders(challenge, actor=people.iro, responder=people.service_manager, second_responder=None,
                               expected_version=challenge.version)
    db.session.commit()
    stage = challenge.stages[0]
    assert (stage.responder_id, stage.second_responder_id) == (people.service_manager.id, None)
    with pytest.raises(NotPermitted):
        services.respond(challenge, actor=people.worker, response="x", expected_version=challenge.version)


# --- stale pages --------------------------------------------------------------------------------

def test_a_stale_page_is_refused_and_names_who_changed_it(raise_one, people):
    challenge = raise_one()
    seen = challenge.version
    services.respond(challenge, actor=people.manager, response="Done.", expected_version=seen)
    db.session.commit()
    with pytest.raises(StaleEdit, match="Tess Manager changed this challenge after you opened it"):
        services.respond(challenge, actor=people.worker, response="Also done.", expected_version=seen)
    with pytest.raises(StaleEdit):
        services.move_on(challenge, actor=people.iro, to_stage="stage_1", responder=people.manager,
                         second_responder=None, reason="", expected_version=seen, today=MONDAY)
    assert challenge.stages[0].response == "Done."


def test_a_change_at_the_same_moment_is_caught_by_the_version(raise_one, people):
    from sqlalchemy.orm.attributes import set_committed_value
    from sqlalchemy.orm.exc import StaleDataError

    challenge = raise_one()
    seen = challenge.version
    if db.engine.dialect.name == "postgresql":
        # Another request saves between our read and our write.
        with db.engine.begin() as other:
            other.execute(sa.text("UPDATE challenges SET version = version + 1 WHERE id = :id"), {"id": challenge.id})
    else:
        # SQLite serialises writers (BEGIN IMMEDIATE), so the race cannot happen for real: the
        # session is told it read the version before another request moved it on.
        db.session.execute(sa.text("UPDATE challenges SET version = version + 1 WHERE id = :id"), {"id": challenge.id})
        set_committed_value(challenge, "version", seen)
    with pytest.raises(StaleDataError):
        services.respond(challenge, actor=people.worker, response="x", expected_version=seen)
    db.session.rollback()
    assert db.session.get(Challenge, challenge.id).stages[0].responded_at is None


# --- what is overdue, and the lists -------------------------------------------------------------

def test_overdue_is_derived_from_the_working_day_due_date(raise_one, people):
    challenge = raise_one()   # due Monday 8 March 2027
    stage = challenge.stages[0]
    assert not services.is_overdue(stage, date(2027, 3, 8))
    assert services.is_overdue(stage, date(2027, 3, 9))
    services.respond(challenge, actor=people.worker, response="r", expected_version=challenge.version)
    assert not services.is_overdue(stage, date(2027, 3, 9))   # responded: waiting on the IRO, not late


def test_awaiting_my_response_lists_overdue_first(raise_one, people):
    late = raise_one(today=date(2027, 2, 1))      # due 8 February
    soon = raise_one(today=date(2027, 3, 1))      # due 8 March
    later = raise_one(today=date(2027, 3, 3))     # due 10 March
    answered = raise_one(today=date(2027, 2, 1))
    services.respond(answered, actor=people.worker, response="r", expected_version=answered.version)
    db.session.commit()
    today = date(2027, 3, 4)
    assert [c.id for c in awaiting_response(people.worker, today)] == [late.id, soon.id, later.id]
    assert [c.id for c in awaiting_response(people.manager, today)] == [late.id, soon.id, later.id]
    assert awaiting_response(people.service_manager, today) == []
    assert awaiting_counts(people.worker, today) == (3, 1)
    assert raised_open_counts(people.iro, today) == (4, 1)
    assert raised_open_counts(people.other_iro, today) == (0, 0)
    opened, closed = my_challenges(people.iro)
    assert [c.id for c in opened][:1] == [late.id] and closed == []


def test_all_challenges_filters(raise_one, make_case, people):
    a = raise_one(category="health")
    b = raise_one(category="placement", case=make_case(team="Looked after"))
    c = raise_one(category="health")
    services.withdraw(c, actor=people.iro, reason="r", expected_version=c.version, today=MONDAY)
    db.session.commit()
    today = date(2027, 3, 20)

    def ids(**filters):
        return [ch.id for ch in db.session.scalars(filtered(ChallengeFilter(**filters), today))]

    assert set(ids()) == {a.id, b.id, c.id}
    assert ids()[-1] == c.id                        # closed ones last
    assert ids(category="health") == [a.id, c.id]
    assert ids(status="withdrawn") == [c.id]
    assert ids(team_id=b.team_id) == [b.id]
    assert set(ids(overdue=True)) == {a.id, b.id}
    assert ids(stage="stage_1") == []
    assert ids(overdue=True, category="placement") == [b.id]


def test_every_write_is_recorded_with_its_actor(raise_one, people):
    challenge = raise_one()
    services.respond(challenge, actor=people.worker, response="r", expected_version=challenge.version)
    services.flag_cafcass(challenge, actor=people.iro, referred_on=MONDAY, expected_version=challenge.version,
                          today=MONDAY)
    services.accept(challenge, actor=people.qa, outcome="o", expected_version=challenge.version, today=MONDAY)
    db.session.commit()
    rows = db.session.execute(sa.select(Event.action, Event.actor_id).where(
        Event.object_type == "challenges", Event.object_id == challenge.id).order_by(Event.id)).all()
    assert [tuple(r) for r in rows] == [
        ("challenge.raised", people.iro.id), ("challenge.responded", people.worker.id),
        ("challenge.cafcass_flagged", people.iro.id), ("challenge.resolved", people.qa.id)]
    assert isinstance(challenge.stages[0].responded_at, datetime)


def test_a_cafcass_referral_can_be_recorded_after_the_challenge_closed(raise_one, people):
    challenge = raise_one()
    services.withdraw(challenge, actor=people.iro, reason="Referred to Cafcass instead.",
                      expected_version=challenge.version, today=MONDAY)
    services.flag_cafcass(challenge, actor=people.iro, referred_on=MONDAY, expected_version=challenge.version,
                          today=date(2027, 3, 2))
    db.session.commit()
    assert (challenge.status, challenge.cafcass_referred_on) == ("withdrawn", MONDAY)
