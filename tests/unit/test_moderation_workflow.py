"""The moderation state machine: every allowed transition, and every forbidden one is a clear error."""

import itertools
from types import SimpleNamespace

import pytest

from qa_app.audits.workflow import AuditStatus
from qa_app.errors import InvalidTransition
from qa_app.moderation.workflow import (
    TRANSITIONS, ModerationEvent, ModerationStatus, allowed_actions, awaiting_moderator, can,
    next_moderation_status, select_audit_status,
)

M, E, A = ModerationStatus, ModerationEvent, AuditStatus

# (moderation status, event, audit status) → (moderation status, audit status) afterwards.
ALLOWED = {
    (M.ASSIGNED, E.SAVE_DRAFT, A.IN_MODERATION): (M.ASSIGNED, A.IN_MODERATION),
    (M.ASSIGNED, E.GRADE, A.IN_MODERATION): (M.GRADED, A.IN_MODERATION),
    (M.ASSIGNED, E.REASSIGN, A.IN_MODERATION): (M.ASSIGNED, A.IN_MODERATION),
    (M.ASSIGNED, E.WITHDRAW, A.IN_MODERATION): (M.WITHDRAWN, A.SUBMITTED),
    (M.GRADED, E.COMPLETE, A.IN_MODERATION): (M.COMPLETED, A.MODERATED),
    (M.GRADED, E.RETURN, A.IN_MODERATION): (M.RETURNED, A.RETURNED),
    (M.GRADED, E.WITHDRAW, A.IN_MODERATION): (M.WITHDRAWN, A.SUBMITTED),
    (M.RETURNED, E.COMPLETE, A.RESUBMITTED): (M.COMPLETED, A.MODERATED),
    (M.RETURNED, E.RETURN, A.RESUBMITTED): (M.RETURNED, A.RETURNED),
    (M.WITHDRAWN, E.RESELECT, A.SUBMITTED): (M.ASSIGNED, A.IN_MODERATION),
}

# The audit statuses a moderation in each status can meet in practice.
CONSISTENT = {
    M.ASSIGNED: (A.IN_MODERATION,),
    M.GRADED: (A.IN_MODERATION,),
    M.RETURNED: (A.RETURNED, A.RESUBMITTED),
    M.COMPLETED: (A.MODERATED,),
    M.WITHDRAWN: (A.SUBMITTED,),
}

FORBIDDEN = [
    (status, event, audit)
    for status, event in itertools.product(ModerationStatus, ModerationEvent)
    for audit in CONSISTENT[status]
    if (status, event, audit) not in ALLOWED
] + [
    # The audit's own table also has its say when the two are out of step.
    (M.GRADED, E.COMPLETE, A.SUBMITTED),
    (M.ASSIGNED, E.WITHDRAW, A.RETURNED),
    (M.WITHDRAWN, E.RESELECT, A.IN_PROGRESS),
]


@pytest.mark.parametrize(("status", "event", "audit", "expected"),
                         [(*key, value) for key, value in ALLOWED.items()],
                         ids=[f"{s}-{e}-{a}" for s, e, a in ALLOWED])
def test_allowed_transitions(status, event, audit, expected):
    assert next_moderation_status(status, event, audit) == expected
    assert can(status, event, audit)


@pytest.mark.parametrize(("status", "event", "audit"), FORBIDDEN,
                         ids=[f"{s}-{e}-{a}" for s, e, a in FORBIDDEN])
def test_forbidden_transitions_are_a_clear_error(status, event, audit):
    with pytest.raises(InvalidTransition) as error:
        next_moderation_status(status, event, audit)
    assert not can(status, event, audit)
    message = error.value.message
    assert message.endswith(".") and "_" not in message          # words, not identifiers
    assert error.value.status_code == 409


def test_the_table_is_exactly_what_the_tests_allow():
    assert {(s, e) for s, e, _ in ALLOWED} == set(TRANSITIONS)


def test_a_returned_audit_waits_for_the_auditor():
    with pytest.raises(InvalidTransition, match="not resubmitted"):
        next_moderation_status(M.RETURNED, E.COMPLETE, A.RETURNED)
    assert not awaiting_moderator(M.RETURNED, A.RETURNED)
    assert awaiting_moderator(M.RETURNED, A.RESUBMITTED)
    assert awaiting_moderator(M.ASSIGNED, A.IN_MODERATION) and not awaiting_moderator(M.COMPLETED, A.MODERATED)


@pytest.mark.parametrize("audit", list(AuditStatus))
def test_only_a_submitted_audit_can_be_selected(audit):
    if audit == A.SUBMITTED:
        assert select_audit_status(audit) == A.IN_MODERATION
    else:
        with pytest.raises(InvalidTransition):
            select_audit_status(audit)


class _User(SimpleNamespace):
    def has_role(self, *roles):
        return bool(set(self.roles) & {str(r) for r in roles})


def _moderation(status, audit_status, moderator_id=7, auditor_id=3):
    return SimpleNamespace(status=status, moderator_id=moderator_id,
                           audit=SimpleNamespace(status=audit_status, auditor_id=auditor_id))


@pytest.mark.parametrize(("status", "audit", "who", "expected"), [
    (M.ASSIGNED, A.IN_MODERATION, "moderator", {"grade"}),                   # no peeking while blind
    (M.GRADED, A.IN_MODERATION, "moderator", {"compare", "view"}),
    (M.RETURNED, A.RETURNED, "moderator", {"view"}),
    (M.RETURNED, A.RESUBMITTED, "moderator", {"compare", "view"}),
    (M.COMPLETED, A.MODERATED, "moderator", {"view"}),
    (M.ASSIGNED, A.IN_MODERATION, "other_moderator", set()),
    (M.ASSIGNED, A.IN_MODERATION, "qa_lead", {"view", "withdraw", "reassign"}),
    (M.GRADED, A.IN_MODERATION, "qa_lead", {"view", "withdraw"}),
    (M.COMPLETED, A.MODERATED, "qa_lead", {"view"}),
    (M.ASSIGNED, A.IN_MODERATION, "auditor", set()),
])
def test_allowed_actions(status, audit, who, expected):
    users = {
        "moderator": _User(id=7, roles=("moderator",)),
        "other_moderator": _User(id=8, roles=("moderator",)),
        "qa_lead": _User(id=9, roles=("qa_lead",)),
        "auditor": _User(id=3, roles=("auditor", "moderator")),
    }
    assert allowed_actions(_moderation(status, audit), users[who]) == expected
