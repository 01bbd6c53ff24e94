"""Moderation services against a real database: selection, assignment, grading, completing,
returning for correction, optimistic locking and the history they write."""

import pytest
import sqlalchemy as sa

from qa_app.audits.models import Audit
from qa_app.auth.models import Role, UserRole
from qa_app.errors import DomainError, InvalidTransition, NotPermitted, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.moderation import services
from qa_app.moderation.models import Moderation, ModerationChange
from qa_app.moderation.queries import queue_count, queue_for
from tests.functional.test_moderation_support import (
    events, graded_keys, moderate, moderation_world, submit,
)


@pytest.fixture
def world(make_user, make_round, make_audit):
    return moderation_world(make_user, make_round, make_audit)


def _fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


# --- selection ----------------------------------------------------------------------------------

def test_selection_applies_the_rule_and_records_why(make_user, make_round, make_audit):
    qa = make_user("qa_lead")
    round_ = make_round(actor=qa, moderation_percent=20, moderate_outstanding=False)
    north, south = make_user("auditor", team="North"), make_user("auditor", team="South")
    audits = {name: make_audit(auditor=north if name.startswith("n") else south, round_=round_)
              for name in ("n1", "n2", "n3", "n4", "s1", "s2")}
    submit(audits["n1"], grade=4)                  # Inadequate: always moderated
    submit(audits["n2"], grade=1)                  # Outstanding, but that switch is off
    submit(audits["n3"], grade=2, risk=True)       # child at immediate risk
    submit(audits["n4"], grade=2)
    submit(audits["s1"], grade=2)
    # s2 is not submitted: never a candidate

    added = services.select_for_moderation(round_, actor=qa)
    db.session.commit()

    reasons = {m.audit_id: m.selected_because for m in added}
    assert reasons[audits["n1"].id] == "inadequate"
    assert reasons[audits["n3"].id] == "immediate_risk"
    assert reasons[audits["s1"].id] == "percentage"          # south's only submitted audit
    assert audits["s2"].id not in reasons
    # north: 20 % of 4 is one random pick on top of the two the rule always takes
    assert sorted(r for a, r in reasons.items() if a in (audits["n2"].id, audits["n4"].id)) == ["percentage"]
    for moderation in added:
        assert moderation.audit.status == "in_moderation" and moderation.status == "assigned"
    assert len(events("moderation.selected")) == len(added)
    assert events("moderation.selection_run")[-1].detail["added"] == len(added)

    # Choosing again adds only what has been submitted since.
    assert services.select_for_moderation(round_, actor=qa) == []
    submit(audits["s2"], grade=4)
    again = services.select_for_moderation(round_, actor=qa)
    assert [(m.audit_id, m.selected_because) for m in again] == [(audits["s2"].id, "inadequate")]


def test_the_selection_can_be_reproduced_from_the_rule_and_seed(make_user, make_round, make_audit):
    from qa_app.moderation.selection import Candidate, ModerationRule, choose

    qa = make_user("qa_lead")
    round_ = make_round(actor=qa, moderation_percent=30, seed=7)
    auditor = make_user("auditor", team="North")
    audits = [make_audit(auditor=auditor, round_=round_) for _ in range(6)]
    for audit in audits:
        submit(audit, grade=2)
    added = services.select_for_moderation(round_, actor=qa)
    expected = choose([Candidate(a.id, auditor.id, 2, False) for a in audits], ModerationRule.from_round(round_),
                      round_.template_version.template.scale, 7)
    assert {m.audit_id: m.selected_because for m in added} == expected
    assert len(added) == 2     # 30 % of 6, rounded up


def test_only_a_qa_lead_selects_and_only_after_the_sample_is_confirmed(make_user, make_round):
    qa = make_user("qa_lead")
    round_ = make_round(actor=qa)
    with pytest.raises(NotPermitted):
        services.select_for_moderation(round_, actor=make_user("moderator"))
    with pytest.raises(DomainError, match="Confirm the round's sample"):
        services.select_for_moderation(round_, actor=qa)


# --- assignment -------------------------------------------------------------------------------------

def test_auto_assign_spreads_evenly_and_never_gives_an_auditor_their_own_audit(make_user, make_round, make_audit):
    qa = make_user("qa_lead")
    round_ = make_round(actor=qa, moderation_percent=100)
    both = make_user("auditor", "moderator", team="North")      # audits and moderates
    other = make_user("moderator", team="South")
    third = make_user("moderator", team="East")
    plain = make_user("auditor", team="West")
    audits = [make_audit(auditor=both, round_=round_) for _ in range(3)] + [
        make_audit(auditor=plain, round_=round_) for _ in range(3)]
    for audit in audits:
        submit(audit)
    services.select_for_moderation(round_, actor=qa)

    assigned, left = services.auto_assign(round_, actor=qa)
    db.session.commit()

    moderations = db.session.scalars(sa.select(Moderation).where(Moderation.round_id == round_.id)).all()
    assert (assigned, left) == (6, 0)
    assert all(m.moderator_id != m.audit.auditor_id for m in moderations)
    load = {u.id: sum(1 for m in moderations if m.moderator_id == u.id) for u in (both, other, third)}
    assert sorted(load.values()) == [2, 2, 2]
    assert events("moderation.auto_assigned")[-1].detail["assigned"] == 6


def test_auto_assign_leaves_an_audit_when_only_its_auditor_could_moderate(make_user, make_round, make_audit):
    qa = make_user("qa_lead")
    round_ = make_round(actor=qa, moderation_percent=100)
    only = make_user("auditor", "moderator", team="North")
    audit = make_audit(auditor=only, round_=round_)
    submit(audit)
    services.select_for_moderation(round_, actor=qa)
    assert services.auto_assign(round_, actor=qa, moderators=[only]) == (0, 1)
    assert db.session.scalar(sa.select(Moderation.moderator_id).where(Moderation.audit_id == audit.id)) is None


def test_assigning_by_hand_refuses_the_auditor_and_non_moderators(world, make_user):
    world.auditor.role_rows.append(UserRole(role=Role.MODERATOR.value))   # the auditor also moderates
    db.session.commit()
    with pytest.raises(DomainError, match="audited this case file"):
        services.assign(world.moderation, world.auditor, actor=world.qa)
    with pytest.raises(DomainError, match="not an active moderator"):
        services.assign(world.moderation, make_user("auditor"), actor=world.qa)
    with pytest.raises(NotPermitted):
        services.assign(world.moderation, make_user("moderator"), actor=world.moderator)
    someone = make_user("moderator", team="East")
    services.assign(world.moderation, someone, actor=world.qa)
    db.session.commit()
    assert _fresh(world.moderation).moderator_id == someone.id
    assert events("moderation.assigned")[-1].detail["previous"] == world.moderator.email


# --- adding and withdrawing by hand -------------------------------------------------------------------

def test_add_and_withdraw_by_hand_need_a_reason_and_are_kept(make_user, make_round, make_audit):
    qa = make_user("qa_lead")
    round_ = make_round(actor=qa, moderation_percent=0, moderate_inadequate=False, moderate_outstanding=False,
                        moderate_immediate_risk=False)
    audit = make_audit(auditor=make_user("auditor", team="North"), round_=round_)
    submit(audit, grade=4)
    assert services.select_for_moderation(round_, actor=qa) == []   # the rule takes nothing

    with pytest.raises(ValidationFailed):
        services.add_by_hand(audit, reason="  ", actor=qa)
    moderation = services.add_by_hand(audit, reason="Complaint from the family", actor=qa)
    db.session.commit()
    assert (moderation.selected_because, moderation.selection_note) == ("hand", "Complaint from the family")
    assert audit.status == "in_moderation"
    with pytest.raises(DomainError, match="already in the moderation sample"):
        services.add_by_hand(audit, reason="Again", actor=qa)

    moderator = make_user("moderator", team="South")
    services.assign(moderation, moderator, actor=qa)
    moderate(moderation, moderator, grade=3, lock=False)     # a draft, then withdrawn
    with pytest.raises(ValidationFailed):
        services.withdraw(moderation, reason="", actor=qa)
    services.withdraw(moderation, reason="Moderator off sick", actor=qa)
    db.session.commit()
    assert (moderation.status, audit.status) == ("withdrawn", "submitted")

    services.add_by_hand(audit, reason="Back in", actor=qa)
    db.session.commit()
    moderation = _fresh(moderation)
    assert moderation.status == "assigned" and moderation.answers == [] and moderation.overall_grade is None
    changes = db.session.execute(sa.select(ModerationChange.change, ModerationChange.reason)
                                 .order_by(ModerationChange.id)).all()
    assert changes == [("added", "Complaint from the family"), ("withdrawn", "Moderator off sick"),
                       ("added", "Back in")]


def test_a_returned_moderation_cannot_be_withdrawn(world):
    moderate(world.moderation, world.moderator, grade=3)
    services.return_for_correction(world.moderation, actor=world.moderator, comments="Add the evidence.",
                                   rationales={}, overall_rationale="", expected_version=world.moderation.version)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="returned for correction cannot be withdrawn"):
        services.withdraw(world.moderation, reason="No", actor=world.qa)


# --- grading, completing ------------------------------------------------------------------------------

def test_only_the_assigned_moderator_grades(world, make_user):
    for intruder in (world.auditor, world.qa, make_user("moderator")):
        with pytest.raises(NotPermitted):
            moderate(world.moderation, intruder)


def test_locking_in_needs_every_required_grade_and_respects_limiting_questions(world):
    template = world.audit.template
    keys = graded_keys(template)
    with pytest.raises(ValidationFailed) as error:
        services.save_grades(world.moderation, actor=world.moderator, grades={}, rationales={}, overall_grade=None,
                             overall_rationale="", expected_version=world.moderation.version, lock=True)
    fields = [name for name, _ in error.value.problems]
    required = [f"g_{q.key}" for q in template.questions() if q.is_graded and q.required]
    assert fields == required + ["overall_grade"]
    db.session.rollback()
    limiting = next(q.key for q in template.questions() if q.is_graded and q.limiting)
    grades = {key: 2 for key in keys} | {limiting: 4}
    with pytest.raises(ValidationFailed, match="cannot be better than"):
        services.save_grades(world.moderation, actor=world.moderator, grades=grades, rationales={},
                             overall_grade=2, overall_rationale="", expected_version=world.moderation.version,
                             lock=True)
    db.session.rollback()
    # A draft may be incomplete and keeps the auditor's grades out of the record.
    services.save_grades(world.moderation, actor=world.moderator, grades={keys[0]: 3}, rationales={},
                         overall_grade=None, overall_rationale="", expected_version=world.moderation.version,
                         lock=False)
    db.session.commit()
    moderation = _fresh(world.moderation)
    assert moderation.status == "assigned"
    assert all(a.auditor_grade is None for a in moderation.answers)
    assert moderation.auditor_overall_grade is None


def test_complete_needs_rationales_where_grades_differ_and_derives_the_outcome(world):
    template = world.audit.template
    key = next(k for k in graded_keys(template) if not template.question(k).limiting)
    moderate(world.moderation, world.moderator, grade=2, overrides={key: 3}, overall=3)
    assert {a.question_key: a.auditor_grade for a in world.moderation.answers}[key] == 2

    with pytest.raises(ValidationFailed) as error:
        services.complete(world.moderation, actor=world.moderator, rationales={}, overall_rationale="",
                          expected_version=world.moderation.version)
    assert [name for name, _ in error.value.problems] == [f"r_{key}", "overall_rationale"]
    db.session.rollback()

    moderation = _fresh(world.moderation)
    result = services.complete(moderation, actor=world.moderator, rationales={key: "No plan in the file."},
                               overall_rationale="The plan is not SMART.", expected_version=moderation.version)
    db.session.commit()
    moderation, audit = _fresh(moderation), _fresh(world.audit)
    assert result == "moderated_worse" == moderation.outcome
    assert (moderation.status, audit.status) == ("completed", "moderated")
    # Both grades are kept; the moderator's is the final one.
    assert (audit.overall_grade, moderation.auditor_overall_grade, moderation.overall_grade) == (2, 2, 3)
    assert events("moderation.completed")[-1].detail["outcome"] == "moderated_worse"
    assert events("audit.moderated")[-1].object_id == audit.id


@pytest.mark.parametrize(("auditor", "moderator", "expected"), [
    (2, 2, "agreed"), (2, 4, "moderated_worse"), (3, 1, "moderated_better")])
def test_the_outcome_follows_the_overall_grades(make_user, make_round, make_audit, auditor, moderator, expected):
    world = moderation_world(make_user, make_round, make_audit, grade=auditor, overall=auditor)
    moderate(world.moderation, world.moderator, grade=moderator, overall=moderator)
    rationales = {k: "Seen differently." for k in graded_keys(world.audit.template)}
    assert services.complete(world.moderation, actor=world.moderator, rationales=rationales,
                             overall_rationale="Differs.", expected_version=world.moderation.version) == expected


def test_a_save_from_an_older_page_is_refused(world):
    loaded = world.moderation.version
    moderate(world.moderation, world.moderator, lock=False)
    with pytest.raises(StaleEdit):
        services.save_grades(world.moderation, actor=world.moderator, grades={}, rationales={}, overall_grade=None,
                             overall_rationale="", expected_version=loaded, lock=False)


def test_changing_only_rationales_still_moves_the_version_on(world):
    moderate(world.moderation, world.moderator, grade=3)
    before = world.moderation.version
    key = graded_keys(world.audit.template)[0]
    services.return_for_correction(world.moderation, actor=world.moderator, comments="Evidence please.",
                                   rationales={key: "Different"}, overall_rationale="",
                                   expected_version=before)
    db.session.commit()
    assert _fresh(world.moderation).version > before


# --- return for correction ------------------------------------------------------------------------------

def test_return_resubmit_complete_keeps_every_version(world):
    template = world.audit.template
    key = next(k for k in graded_keys(template) if not template.question(k).limiting)
    moderate(world.moderation, world.moderator, grade=2, overrides={key: 3})
    with pytest.raises(ValidationFailed, match="correct"):
        services.return_for_correction(world.moderation, actor=world.moderator, comments=" ", rationales={},
                                       overall_rationale="", expected_version=world.moderation.version)
    db.session.rollback()
    moderation = _fresh(world.moderation)
    services.return_for_correction(moderation, actor=world.moderator, comments="Grade the plan again.",
                                   rationales={}, overall_rationale="", expected_version=moderation.version)
    db.session.commit()
    audit = _fresh(world.audit)
    assert (moderation.status, audit.status, moderation.return_comments) == (
        "returned", "returned", "Grade the plan again.")
    assert queue_count(world.moderator.id) == 0
    assert queue_for(world.moderator.id).with_auditor == [moderation]
    with pytest.raises(InvalidTransition, match="not resubmitted"):
        services.complete(moderation, actor=world.moderator, rationales={}, overall_rationale="",
                          expected_version=moderation.version)
    db.session.rollback()

    submit(_fresh(world.audit), grade=2, overrides={key: 3})     # the auditor corrects and resubmits
    audit = _fresh(world.audit)
    assert audit.status == "resubmitted" and [v.number for v in audit.versions] == [1, 2]
    assert queue_count(world.moderator.id) == 1

    moderation = _fresh(moderation)
    services.complete(moderation, actor=world.moderator, rationales={}, overall_rationale="",
                      expected_version=moderation.version)
    db.session.commit()
    moderation = _fresh(moderation)
    assert moderation.status == "completed" and moderation.outcome == "agreed"
    assert {a.question_key: a.auditor_grade for a in moderation.answers}[key] == 3   # the corrected grade
    assert _fresh(world.audit).status == "moderated"
    assert [e.detail["comments"] for e in events("moderation.returned")] == ["Grade the plan again."]


def test_a_moderated_audit_cannot_be_changed_by_its_auditor(world):
    moderate(world.moderation, world.moderator)
    services.complete(world.moderation, actor=world.moderator, rationales={}, overall_rationale="",
                      expected_version=world.moderation.version)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        submit(_fresh(world.audit))


def test_check_constraints_refuse_an_incomplete_graded_moderation(world):
    for values in ({"status": "graded"}, {"selected_because": "whim"}):
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.update(Moderation).where(Moderation.id == world.moderation.id).values(**values))
            db.session.commit()
        db.session.rollback()
    assert db.session.scalar(sa.select(Moderation.status).where(Moderation.id == world.moderation.id)) == "assigned"
    assert db.session.scalar(sa.select(Audit.status).where(Audit.id == world.audit.id)) == "in_moderation"
