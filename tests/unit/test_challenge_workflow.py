"""The challenge state machine and the permission predicates, without a database."""

from datetime import date, datetime
from types import SimpleNamespace

import pytest

from qa_app.auth.models import Role
from qa_app.challenges.permissions import can_progress, can_respond, can_view
from qa_app.challenges.stages import DEFAULT_STAGES
from qa_app.challenges.workflow import (
    TRANSITIONS, ChallengeEvent, ChallengeState, allowed_actions, check, next_state, state_of,
)
from qa_app.errors import InvalidTransition

S = ChallengeState
E = ChallengeEvent

# Every (state, event) the machine allows, and where it leads. Everything else is refused.
EXPECTED = {
    (S.AWAITING_RESPONSE, E.RESPOND): S.AWAITING_DECISION,
    (S.AWAITING_RESPONSE, E.ESCALATE): S.AWAITING_RESPONSE,
    (S.AWAITING_RESPONSE, E.SKIP): S.AWAITING_RESPONSE,
    (S.AWAITING_RESPONSE, E.WITHDRAW): S.WITHDRAWN,
    (S.AWAITING_RESPONSE, E.FLAG_CAFCASS): S.AWAITING_RESPONSE,
    (S.AWAITING_RESPONSE, E.REASSIGN): S.AWAITING_RESPONSE,
    (S.AWAITING_DECISION, E.ACCEPT): S.RESOLVED,
    (S.AWAITING_DECISION, E.ESCALATE): S.AWAITING_RESPONSE,
    (S.AWAITING_DECISION, E.SKIP): S.AWAITING_RESPONSE,
    (S.AWAITING_DECISION, E.WITHDRAW): S.WITHDRAWN,
    (S.AWAITING_DECISION, E.FLAG_CAFCASS): S.AWAITING_DECISION,
    (S.AWAITING_DECISION, E.REASSIGN): S.AWAITING_DECISION,
    (S.RESOLVED, E.FLAG_CAFCASS): S.RESOLVED,          # a Cafcass referral at any point
    (S.WITHDRAWN, E.FLAG_CAFCASS): S.WITHDRAWN,
}


def test_the_table_is_exactly_the_expected_one():
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("state", "event"), [(s, e) for s in S for e in E], ids=lambda v: v.value)
def test_every_transition(state, event):
    if (state, event) in EXPECTED:
        assert next_state(state, event) == EXPECTED[(state, event)]
    else:
        with pytest.raises(InvalidTransition) as raised:
            next_state(state, event)
        assert "cannot" in raised.value.message or "no response" in raised.value.message


@pytest.mark.parametrize("state", [S.RESOLVED, S.WITHDRAWN])
def test_cannot_respond_to_a_closed_challenge(state):
    with pytest.raises(InvalidTransition, match=f"cannot be given a response: it is {state.value}"):
        next_state(state, E.RESPOND)


def test_accepting_before_a_response_says_why():
    with pytest.raises(InvalidTransition, match="no response to accept"):
        next_state(S.AWAITING_RESPONSE, E.ACCEPT)


# --- the same rules on (database-free) challenge objects ------------------------------------------

class FakeUser:
    def __init__(self, id, *roles):
        self.id, self._roles = id, {Role(r) for r in roles}

    def has_role(self, *roles):
        return bool(self._roles.intersection(roles))


IRO, OTHER_IRO, QA, WORKER, MANAGER, SERVICE_MANAGER, VIEWER = (
    FakeUser(1, "iro"), FakeUser(2, "iro"), FakeUser(3, "qa_lead"), FakeUser(4, "practitioner"),
    FakeUser(5, "auditor"), FakeUser(6, "moderator"), FakeUser(7, "viewer"))


def fake_challenge(stage="informal", status="open", responded=False, cafcass=False, responder=WORKER,
                   second=MANAGER, earlier=()):
    rows = [SimpleNamespace(stage=key, responder_id=r.id, second_responder_id=None, closed_on=date(2027, 3, 1),
                            responded_at=None) for key, r in earlier]
    rows.append(SimpleNamespace(
        stage=stage, responder_id=responder.id if responder else None,
        second_responder_id=second.id if second else None,
        closed_on=None if status == "open" else date(2027, 3, 2),
        responded_at=datetime(2027, 3, 2, 10) if responded else None))
    return SimpleNamespace(status=status, current_stage=stage, stages=rows, raised_by_id=IRO.id,
                           cafcass_referred=cafcass)


def test_state_follows_the_status_and_the_current_stage():
    assert state_of(fake_challenge()) == S.AWAITING_RESPONSE
    assert state_of(fake_challenge(responded=True)) == S.AWAITING_DECISION
    assert state_of(fake_challenge(status="resolved", responded=True)) == S.RESOLVED
    assert state_of(fake_challenge(status="withdrawn")) == S.WITHDRAWN


@pytest.mark.parametrize(("challenge", "event", "message"), [
    (fake_challenge(stage="stage_4"), E.ESCALATE, "at the last stage"),
    (fake_challenge(stage="stage_3"), E.SKIP, "no stage to skip"),
    (fake_challenge(stage="stage_4"), E.SKIP, "no stage to skip"),
    (fake_challenge(cafcass=True), E.FLAG_CAFCASS, "already recorded"),
    (fake_challenge(status="resolved", responded=True), E.RESPOND, "it is resolved"),
    (fake_challenge(status="withdrawn"), E.ESCALATE, "it is withdrawn"),
    (fake_challenge(responded=True), E.RESPOND, "already responded to"),
])
def test_guards_beyond_the_table(challenge, event, message):
    with pytest.raises(InvalidTransition, match=message):
        check(challenge, event, DEFAULT_STAGES)


def test_escalate_and_skip_from_the_informal_stage():
    challenge = fake_challenge()
    assert check(challenge, E.ESCALATE, DEFAULT_STAGES) == S.AWAITING_RESPONSE
    assert check(challenge, E.SKIP, DEFAULT_STAGES) == S.AWAITING_RESPONSE


# --- who may do what ----------------------------------------------------------------------------

@pytest.mark.parametrize(("user", "allowed"), [
    (IRO, True), (QA, True), (OTHER_IRO, False), (WORKER, False), (MANAGER, False), (VIEWER, False),
    (FakeUser(1, "practitioner"), False),   # the raiser, no longer an IRO
])
def test_only_the_raising_iro_or_a_qa_lead_progresses(user, allowed):
    assert can_progress(user, fake_challenge()) is allowed


@pytest.mark.parametrize(("user", "allowed"), [
    (WORKER, True), (MANAGER, True), (QA, True),
    (SERVICE_MANAGER, False),   # senior, but not named at this stage
    (IRO, False), (OTHER_IRO, False), (VIEWER, False),
])
def test_only_the_named_responders_or_a_qa_lead_respond(user, allowed):
    assert can_respond(user, fake_challenge()) is allowed


def test_a_named_user_who_lost_the_responder_roles_cannot_respond():
    assert not can_respond(VIEWER, fake_challenge(responder=VIEWER))
    assert can_view(VIEWER, fake_challenge(responder=VIEWER))


def test_a_responder_of_an_earlier_stage_no_longer_responds_but_still_reads():
    challenge = fake_challenge(stage="stage_1", responder=SERVICE_MANAGER, second=None,
                               earlier=[("informal", WORKER)])
    assert not can_respond(WORKER, challenge)
    assert can_respond(SERVICE_MANAGER, challenge)
    assert can_view(WORKER, challenge)
    assert not can_view(MANAGER, challenge)
    assert can_view(OTHER_IRO, challenge) and can_view(QA, challenge)
    assert not can_view(VIEWER, challenge)


@pytest.mark.parametrize(("user", "challenge", "expected"), [
    (IRO, fake_challenge(), {E.ESCALATE, E.SKIP, E.WITHDRAW, E.FLAG_CAFCASS, E.REASSIGN}),
    (IRO, fake_challenge(responded=True), {E.ACCEPT, E.ESCALATE, E.SKIP, E.WITHDRAW, E.FLAG_CAFCASS, E.REASSIGN}),
    (IRO, fake_challenge(stage="stage_4", cafcass=True), {E.WITHDRAW, E.REASSIGN}),
    (IRO, fake_challenge(stage="stage_3"), {E.ESCALATE, E.WITHDRAW, E.FLAG_CAFCASS, E.REASSIGN}),
    (OTHER_IRO, fake_challenge(), set()),
    (WORKER, fake_challenge(), {E.RESPOND}),
    (WORKER, fake_challenge(responded=True), set()),
    (QA, fake_challenge(), {E.RESPOND, E.ESCALATE, E.SKIP, E.WITHDRAW, E.FLAG_CAFCASS, E.REASSIGN}),
    (IRO, fake_challenge(status="resolved", responded=True), {E.FLAG_CAFCASS}),
    (IRO, fake_challenge(status="resolved", responded=True, cafcass=True), set()),
    (QA, fake_challenge(status="withdrawn"), {E.FLAG_CAFCASS}),
    (OTHER_IRO, fake_challenge(status="withdrawn"), set()),
])
def test_allowed_actions(user, challenge, expected):
    assert allowed_actions(challenge, user, DEFAULT_STAGES) == expected
