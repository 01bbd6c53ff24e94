"""The audit state machine: every allowed transition, and every forbidden one as a clear error."""

import itertools

import pytest

from qa_app.audits.workflow import TRANSITIONS, AuditEvent, AuditStatus, can, next_status
from qa_app.errors import InvalidTransition

ALLOWED = [
    ("not_started", "save_draft", "in_progress"),
    ("in_progress", "save_draft", "in_progress"),
    ("not_started", "submit", "submitted"),
    ("in_progress", "submit", "submitted"),
    ("not_started", "remove", "removed"),
    ("removed", "restore", "not_started"),
    ("submitted", "select_for_moderation", "in_moderation"),
    ("in_moderation", "deselect", "submitted"),
    ("in_moderation", "return_for_correction", "returned"),
    ("resubmitted", "return_for_correction", "returned"),
    ("returned", "save_draft", "returned"),
    ("returned", "submit", "resubmitted"),
    ("in_moderation", "complete_moderation", "moderated"),
    ("resubmitted", "complete_moderation", "moderated"),
    # cancelling a round marks every audit in it cancelled, whatever its stage, except removed ones
    ("not_started", "cancel", "cancelled"),
    ("in_progress", "cancel", "cancelled"),
    ("submitted", "cancel", "cancelled"),
    ("in_moderation", "cancel", "cancelled"),
    ("returned", "cancel", "cancelled"),
    ("resubmitted", "cancel", "cancelled"),
    ("moderated", "cancel", "cancelled"),
]


@pytest.mark.parametrize(("status", "event", "expected"), ALLOWED)
def test_allowed_transitions(status, event, expected):
    assert next_status(status, AuditEvent(event)) == AuditStatus(expected)
    assert can(status, AuditEvent(event))


FORBIDDEN = [
    (status, event)
    for status, event in itertools.product(AuditStatus, AuditEvent)
    if (status.value, event.value) not in {(s, e) for s, e, _ in ALLOWED}
]


@pytest.mark.parametrize(("status", "event"), FORBIDDEN)
def test_forbidden_transitions_raise_a_readable_error(status, event):
    assert not can(status, event)
    with pytest.raises(InvalidTransition) as error:
        next_status(status, event)
    assert status.label.lower() in error.value.message


def test_table_and_declared_list_agree():
    assert {(s.value, e.value, t.value) for (s, e), t in TRANSITIONS.items()} == set(ALLOWED)


def test_submitted_audit_cannot_be_saved_again():
    with pytest.raises(InvalidTransition, match="submitted cannot be saved"):
        next_status("submitted", AuditEvent.SAVE_DRAFT)
