"""Actions from findings: who may create, complete, verify and reopen them; the rules on owners and
due dates; optimistic locking; the lists; and the allocated worker's reflection."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from qa_app.actions import queries, services
from qa_app.actions.models import Action
from qa_app.actions.workflow import ActionEvent, allowed_actions
from qa_app.db import utcnow
from qa_app.errors import DomainError, InvalidTransition, NotPermitted, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.history.models import Event

TODAY = date.today()


def cast(make_user, team="Assessment"):
    """The people around one case file in team `team`."""
    return SimpleNamespace(
        auditor=make_user("auditor", team="Another team"),
        worker=_named(make_user("practitioner", team=team), "Worker A"),   # the case's allocated worker
        other_worker=make_user("practitioner", team=team),
        manager=make_user("auditor", team=team),                          # a team manager of the case's team
        qa=make_user("qa_lead"),
        moderator=make_user("moderator"),
        viewer=make_user("viewer"),
    )


def _named(user, name):
    user.display_name = name
    db.session.commit()
    return user


def linked(audit, worker):
    """Link the audit's case file to its allocated worker's account (by identity, as an import does)."""
    audit.case_file.worker_id = worker.id
    db.session.commit()
    return audit


def new_action(audit, actor=None, owner=None, due=TODAY, question="plan_smart", description="Make the plan SMART."):
    action = services.create_action(audit, actor=actor or audit.auditor, question_key=question,
                                    description=description, owner_id=(owner or audit.auditor).id,
                                    due_date=due, today=TODAY)
    db.session.commit()
    return action


def events(action_name):
    return db.session.scalars(sa.select(Event).where(Event.action == action_name).order_by(Event.id)).all()


@pytest.fixture
def people(make_user):
    return cast(make_user)


@pytest.fixture
def audit(make_audit, people):
    return linked(make_audit(auditor=people.auditor, status="submitted", overall_grade=3), people.worker)


# --- creating ----------------------------------------------------------------------------------

def test_the_auditor_adds_an_action_due_today_and_it_is_recorded(audit, people):
    action = new_action(audit, owner=people.worker)
    assert (action.status, action.owner_id, action.due_date, action.question_key) == (
        "open", people.worker.id, TODAY, "plan_smart")
    assert action.created_by_id == people.auditor.id
    (created,) = events("action.created")
    assert created.object_id == action.id and created.actor_id == people.auditor.id
    assert created.detail["owner"] == people.worker.email and created.detail["due_date"] == TODAY.isoformat()


def test_several_actions_per_audit(audit, people):
    new_action(audit, owner=people.worker, question="plan_smart")
    new_action(audit, owner=people.manager, question="contingency_plan", description="Write a contingency plan.")
    assert [a.question_key for a in queries.actions_of_audit(audit.id)] == ["plan_smart", "contingency_plan"]


@pytest.mark.parametrize(("change", "field"), [
    ({"due_date": TODAY - timedelta(days=1)}, "due_date"),
    ({"due_date": None}, "due_date"),
    ({"description": "   "}, "description"),
    ({"description": "x" * 2001}, "description"),
    ({"question_key": "no_such_question"}, "question_key"),
    ({"question_key": None}, "question_key"),
    ({"owner": "viewer"}, "owner_id"),       # a viewer cannot own an action
    ({"owner": "qa"}, "owner_id"),           # nor a QA lead who is not also a practitioner or auditor
    ({"owner": "inactive"}, "owner_id"),
    ({"owner": None}, "owner_id"),
])
def test_create_refuses_bad_input(audit, people, make_user, change, field):
    owners = {"viewer": people.viewer, "qa": people.qa, "inactive": make_user("practitioner", active=False), None: None}
    params = dict(question_key="plan_smart", description="Make the plan SMART.", owner_id=people.worker.id,
                  due_date=TODAY)
    if "owner" in change:
        owner = owners[change.pop("owner")]
        params["owner_id"] = owner.id if owner else None
    params.update(change)
    with pytest.raises(ValidationFailed) as error:
        services.create_action(audit, actor=people.auditor, today=TODAY, **params)
    assert [name for name, _ in error.value.problems] == [field]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Action)) == 0


def test_owner_choices_are_active_practitioners_and_team_managers(people, make_user):
    inactive = make_user("practitioner", active=False)
    ids = {u.id for u in services.owner_choices()}
    assert {people.worker.id, people.other_worker.id, people.manager.id, people.auditor.id} <= ids
    assert not ids & {people.qa.id, people.viewer.id, people.moderator.id, inactive.id}


def test_actions_only_from_a_submitted_audit(make_audit, people):
    draft = make_audit(auditor=people.auditor, status="in_progress")
    with pytest.raises(DomainError, match="once the audit has been submitted"):
        new_action(draft, owner=people.worker)


def moderate(audit, moderator, grade=None, answers=()):
    """A completed moderation of `audit` by `moderator`, recorded through the moderation service."""
    from qa_app.moderation.services import record_completed

    moderation = record_completed(audit, moderator=moderator, overall_grade=grade or audit.overall_grade,
                                  overall_rationale="", answers={k: (g, "") for k, g in answers},
                                  selected_because="percentage", completed_at=utcnow())
    db.session.commit()
    return moderation


@pytest.mark.parametrize(("who", "may"), [
    ("auditor", True), ("qa", True), ("assigned_moderator", True), ("moderator", False),
    ("other_auditor", False), ("manager", False), ("worker", False), ("viewer", False),
])
def test_who_may_add_actions(audit, people, make_user, who, may):
    people.other_auditor = make_user("auditor", team="Another team")
    people.assigned_moderator = make_user("moderator")
    moderate(audit, people.assigned_moderator)
    actor = getattr(people, who)
    if may:
        assert new_action(audit, actor=actor, owner=people.worker).created_by_id == actor.id
    else:
        with pytest.raises(NotPermitted):
            new_action(audit, actor=actor, owner=people.worker)


# --- the workflow, with permissions -------------------------------------------------------------

def test_owner_marks_done_then_the_auditor_verifies(audit, people):
    action = new_action(audit, owner=people.worker)
    assert allowed_actions(action, people.worker) == {ActionEvent.MARK_DONE}
    assert allowed_actions(action, people.auditor) == frozenset()
    services.mark_done(action, actor=people.worker, note="Plan rewritten with dates.", expected_version=action.version)
    db.session.commit()
    assert action.status == "done" and action.done_at is not None and action.done_note == "Plan rewritten with dates."
    assert allowed_actions(action, people.worker) == frozenset()
    assert allowed_actions(action, people.auditor) == {ActionEvent.VERIFY, ActionEvent.REOPEN}
    services.verify(action, actor=people.auditor, expected_version=action.version)
    db.session.commit()
    assert (action.status, action.verified_by_id) == ("verified", people.auditor.id)
    assert [e.action for e in db.session.scalars(sa.select(Event).where(
        Event.object_type == "actions", Event.object_id == action.id).order_by(Event.id))] == [
        "action.created", "action.done", "action.verified"]


@pytest.mark.parametrize("intruder", ["other_worker", "manager", "auditor", "qa"])
def test_only_the_owner_marks_their_action_done(audit, people, intruder):
    action = new_action(audit, owner=people.worker)
    with pytest.raises(NotPermitted):
        services.mark_done(action, actor=getattr(people, intruder), note="Done.", expected_version=None)
    db.session.rollback()
    assert db.session.get(Action, action.id).status == "open"


@pytest.mark.parametrize(("who", "may"), [
    ("worker", False),        # the owner, a practitioner
    ("other_worker", False),  # a practitioner never verifies
    ("manager", False),       # a team manager who does not check this audit
    ("viewer", False),
    ("moderator", False),     # a moderator not assigned to this audit
    ("auditor", True),
    ("qa", True),
])
def test_who_may_verify(audit, people, who, may):
    action = new_action(audit, owner=people.worker)
    services.mark_done(action, actor=people.worker, note="Done.", expected_version=None)
    db.session.commit()
    actor = getattr(people, who)
    assert (ActionEvent.VERIFY in allowed_actions(action, actor)) is may
    if may:
        services.verify(action, actor=actor, expected_version=action.version)
        assert action.status == "verified"
    else:
        with pytest.raises(NotPermitted):
            services.verify(action, actor=actor, expected_version=action.version)
        with pytest.raises(NotPermitted):
            services.reopen(action, actor=actor, reason="No.", expected_version=action.version)


def test_nobody_verifies_an_action_they_own(make_audit, people):
    # A team manager who audits a file and owns one of its actions still cannot verify it.
    audit = make_audit(auditor=people.manager, status="submitted", overall_grade=3)
    action = new_action(audit, actor=people.manager, owner=people.manager)
    services.mark_done(action, actor=people.manager, note="Done.", expected_version=None)
    assert allowed_actions(action, people.manager) == frozenset()
    with pytest.raises(NotPermitted):
        services.verify(action, actor=people.manager, expected_version=None)
    services.verify(action, actor=people.qa, expected_version=None)
    assert action.verified_by_id == people.qa.id


def test_reopen_needs_a_reason_and_goes_back_to_the_owner(audit, people):
    action = new_action(audit, owner=people.worker)
    services.mark_done(action, actor=people.worker, note="Done.", expected_version=None)
    with pytest.raises(ValidationFailed) as error:
        services.reopen(action, actor=people.auditor, reason="  ", expected_version=None)
    assert error.value.problems[0][0] == "reason"
    services.reopen(action, actor=people.auditor, reason="The plan still has no dates.", expected_version=None)
    assert (action.status, action.reopened_reason) == ("reopened", "The plan still has no dates.")
    with pytest.raises(InvalidTransition):
        services.verify(action, actor=people.auditor, expected_version=None)
    services.mark_done(action, actor=people.worker, note="Dates added.", expected_version=None)
    services.verify(action, actor=people.auditor, expected_version=None)
    db.session.commit()
    assert action.status == "verified"
    assert events("action.reopened")[0].detail["reason"] == "The plan still has no dates."


def test_mark_done_needs_a_note_and_an_open_action(audit, people):
    action = new_action(audit, owner=people.worker)
    with pytest.raises(ValidationFailed):
        services.mark_done(action, actor=people.worker, note="", expected_version=None)
    services.mark_done(action, actor=people.worker, note="Done.", expected_version=None)
    with pytest.raises(InvalidTransition):
        services.mark_done(action, actor=people.worker, note="Again.", expected_version=None)


def test_a_change_from_an_older_page_is_refused(audit, people):
    action = new_action(audit, owner=people.worker)
    seen = action.version
    services.mark_done(action, actor=people.worker, note="Done.", expected_version=seen)
    db.session.commit()
    assert action.version == seen + 1
    with pytest.raises(StaleEdit):
        services.reopen(action, actor=people.auditor, reason="Not done.", expected_version=seen)


# --- lists -------------------------------------------------------------------------------------

def test_my_actions_put_overdue_first_and_count_open_and_overdue(make_audit, people):
    audits = [make_audit(auditor=people.auditor, status="submitted", overall_grade=3) for _ in range(2)]
    later = new_action(audits[0], owner=people.worker, due=TODAY + timedelta(days=10), description="Later")
    today_ = new_action(audits[0], owner=people.worker, due=TODAY, description="Today")
    late = new_action(audits[1], owner=people.worker, due=TODAY, description="Late")
    done = new_action(audits[1], owner=people.worker, due=TODAY, description="Done")
    new_action(audits[1], owner=people.other_worker, description="Someone else's")
    late.due_date = TODAY - timedelta(days=3)   # time has passed since it was set
    done.due_date = TODAY - timedelta(days=5)
    services.mark_done(done, actor=people.worker, note="Done.", expected_version=None)
    db.session.commit()

    assert [a.description for a in queries.actions_owned_by(people.worker.id, TODAY)] == [
        "Late", "Today", "Later", "Done"]
    counts = queries.counts_for_owner(people.worker.id, TODAY)
    assert (counts.open, counts.overdue, counts.waiting) == (3, 1, 1)


def test_team_view_shows_only_the_teams_case_files(make_audit, make_case, people):
    ours = make_audit(auditor=people.auditor, status="submitted", overall_grade=3, case=make_case(team="Assessment"))
    theirs = make_audit(auditor=people.auditor, status="submitted", overall_grade=3, case=make_case(team="Elsewhere"))
    new_action(ours, owner=people.worker, description="Ours")
    new_action(theirs, owner=people.worker, description="Theirs")
    assert [a.description for a in queries.actions_for_team(people.manager.team_id, TODAY)] == ["Ours"]


def test_round_view_lists_the_rounds_actions_overdue_first(make_audit, make_round, people):
    round_ = make_round(actor=people.qa)
    audits = [make_audit(auditor=people.auditor, status="submitted", overall_grade=3, round_=round_) for _ in range(2)]
    other = make_audit(auditor=people.auditor, status="submitted", overall_grade=3)
    new_action(audits[0], owner=people.worker, due=TODAY + timedelta(days=1), description="Soon")
    late = new_action(audits[1], owner=people.manager, description="Late")
    new_action(other, owner=people.worker, description="Other round")
    late.due_date = TODAY - timedelta(days=1)
    db.session.commit()
    assert [a.description for a in queries.actions_for_round(round_.id, TODAY)] == ["Late", "Soon"]


# --- reflections ---------------------------------------------------------------------------------

def test_the_allocated_worker_reflects_when_the_round_allows(audit, people):
    audit.round.reflections_enabled = True
    db.session.commit()
    reflection = services.add_reflection(audit, actor=people.worker, text="I will update the plan monthly.")
    db.session.commit()
    again = services.add_reflection(audit, actor=people.worker, text="I will review the plan with my manager.")
    db.session.commit()
    assert again.id == reflection.id and again.text == "I will review the plan with my manager."
    assert [r.text for r in queries.reflections_of(audit.id)] == ["I will review the plan with my manager."]
    assert [e.action for e in events("reflection.added") + events("reflection.changed")] == [
        "reflection.added", "reflection.changed"]


@pytest.mark.parametrize("case", ["round_off", "other_worker", "auditor", "not_submitted"])
def test_reflection_refused(make_audit, people, case):
    audit = linked(make_audit(auditor=people.auditor, status="in_progress" if case == "not_submitted"
                              else "submitted", overall_grade=3), people.worker)
    audit.round.reflections_enabled = case != "round_off"
    db.session.commit()
    actor = {"other_worker": people.other_worker, "auditor": people.auditor}.get(case, people.worker)
    with pytest.raises(NotPermitted):
        services.add_reflection(audit, actor=actor, text="Reflection")


def test_a_matching_name_is_not_the_allocated_worker(make_audit, people):
    """Identity, not a name: the case file names "Worker A", the practitioner is called Worker A, but
    the case is not linked to their account, so they cannot reflect on it."""
    audit = make_audit(auditor=people.auditor, status="submitted", overall_grade=3)
    audit.round.reflections_enabled = True
    db.session.commit()
    assert audit.case_file.allocated_worker == people.worker.display_name == "Worker A"
    with pytest.raises(NotPermitted):
        services.add_reflection(audit, actor=people.worker, text="Not my case by identity")


def test_reflection_length(audit, people):
    audit.round.reflections_enabled = True
    db.session.commit()
    for text in ("", "x" * 2001):
        with pytest.raises(ValidationFailed):
            services.add_reflection(audit, actor=people.worker, text=text)
