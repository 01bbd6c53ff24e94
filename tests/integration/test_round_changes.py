"""Rounds that can change: editing before any audit starts, extending, cancelling, and assignment
balanced by each auditor's open audits (never their own team, optionally the same service area)."""

from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from qa_app.audit_forms.services import current_version
from qa_app.audits.models import Audit
from qa_app.errors import DomainError, ValidationFailed
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.reports.builder import round_report
from qa_app.rounds import changes, services
from qa_app.rounds.sampling import SampleRule

TODAY = date.today()


def events(round_, action):
    return [e.detail for e in db.session.scalars(
        sa.select(Event).where(Event.object_type == "audit_rounds", Event.object_id == round_.id,
                               Event.action == action).order_by(Event.id))]


def edit(round_, actor, **overrides):
    params = dict(name=round_.name, template_version=round_.template_version, due_date=round_.due_date,
                  rule=SampleRule.from_dict(round_.sample_rule), seed=round_.seed, settings={}, actor=actor,
                  today=TODAY)
    params.update(overrides)
    return changes.update_round(round_, **params)


def test_every_setting_changes_before_an_audit_starts_and_the_sample_is_drawn_again(
        make_round, make_case, make_user):
    qa = make_user("qa_lead")
    for n in range(6):
        make_case(team="North", case_type="CP" if n % 2 else "CIN")
    round_ = make_round(actor=qa, rule=SampleRule(size_mode="all"))
    services.confirm_sample(round_, actor=qa, today=TODAY)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).where(Audit.round_id == round_.id)) == 6
    result = edit(round_, qa, name="Renamed round", template_version=current_version("neglect"),
                  due_date=TODAY + timedelta(days=60), rule=SampleRule(case_types=("CP",), size_mode="all"),
                  seed=7, settings={"moderation_percent": 25, "blind_moderation": False, "reflections_enabled": True,
                                    "match_service_area": True})
    db.session.commit()
    assert set(result) == {"name", "template_version", "due_date", "sample_rule", "seed", "moderation_percent",
                           "blind_moderation", "reflections_enabled", "match_service_area"}
    assert round_.name == "Renamed round" and round_.template_version.key == "neglect"
    assert (round_.moderation_percent, round_.blind_moderation, round_.match_service_area) == (25, False, True)
    # The old sample is gone: the round is back in planning, to preview and confirm the new one.
    assert round_.sample_confirmed_at is None and round_.status == "planning"
    assert db.session.scalar(sa.select(sa.func.count()).where(Audit.round_id == round_.id)) == 0
    assert events(round_, "round.edited")[0]["changes"]["moderation_percent"] == [10, 25]
    assert events(round_, "round.sample_reset")[0]["removed_audits"] == 6
    services.confirm_sample(round_, actor=qa, today=TODAY)
    assert len(round_.template_version.template.sections) and \
        db.session.scalar(sa.select(sa.func.count()).where(Audit.round_id == round_.id)) == 3


def test_a_name_change_alone_keeps_the_sample(make_round, make_case, make_user):
    qa = make_user("qa_lead")
    make_case()
    round_ = make_round(actor=qa)
    services.confirm_sample(round_, actor=qa, today=TODAY)
    old = round_.name
    assert edit(round_, qa, name="New name") == {"name": [old, "New name"]}
    assert round_.sample_confirmed_at is not None and round_.status == "auditing"


def test_settings_are_locked_once_an_audit_starts(make_audit, make_user):
    qa = make_user("qa_lead")
    audit = make_audit(status="in_progress")
    with pytest.raises(DomainError, match="has started"):
        edit(audit.round, qa, name="Too late")
    assert changes.can_edit_settings(audit.round) is False


def test_bad_edits_are_reported_on_their_fields(make_round, make_user):
    qa = make_user("qa_lead")
    other, round_ = make_round(actor=qa), make_round(actor=qa)
    with pytest.raises(ValidationFailed) as error:
        edit(round_, qa, name=other.name, due_date=TODAY - timedelta(days=3), rule=SampleRule(size=0))
    assert [field for field, _ in error.value.problems] == ["name", "due_date", "size"]


def test_the_due_date_only_moves_later(make_audit, make_user):
    qa = make_user("qa_lead")
    audit = make_audit(status="in_progress")
    round_ = audit.round
    old = round_.due_date
    with pytest.raises(ValidationFailed):
        changes.extend_due_date(round_, due_date=old, reason="", actor=qa)
    changes.extend_due_date(round_, due_date=old + timedelta(days=14), reason="Court work", actor=qa)
    assert round_.due_date == old + timedelta(days=14)
    assert events(round_, "round.due_date_extended")[0]["changes"]["due_date"] == [
        old.isoformat(), (old + timedelta(days=14)).isoformat()]


def test_cancelling_keeps_the_audits_marks_them_and_leaves_the_reports(make_round, make_audit, make_user):
    qa = make_user("qa_lead")
    round_ = make_round(actor=qa)
    submitted = make_audit(round_=round_, status="submitted", overall_grade=4)
    started = make_audit(round_=round_, status="in_progress")
    assert round_report(round_)["audits"] == 1
    with pytest.raises(ValidationFailed):
        changes.cancel_round(round_, reason=" ", actor=qa)
    assert changes.cancel_round(round_, reason="Ofsted inspection this month", actor=qa) == 2
    db.session.commit()
    assert {submitted.status, started.status} == {"cancelled"}
    assert submitted.final_grade == 4                         # kept as it was
    assert round_.status == "cancelled" and round_.cancel_reason == "Ofsted inspection this month"
    report = round_report(round_)
    assert report["audits"] == 0 and report["completion"]["auditors"] == []
    assert events(round_, "round.cancelled")[0]["audits"] == {str(submitted.id): "submitted",
                                                               str(started.id): "in_progress"}
    with pytest.raises(DomainError, match="cancelled"):
        changes.extend_due_date(round_, due_date=round_.due_date + timedelta(days=1), reason="", actor=qa)


def test_assignment_balances_open_audits_across_rounds(make_round, make_case, make_user, make_audit):
    qa = make_user("qa_lead")
    busy, free = make_user("auditor", team="North"), make_user("auditor", team="South")
    for _ in range(3):                                        # busy already has 3 open audits elsewhere
        make_audit(auditor=busy, case=make_case(team="East"))
    for _ in range(5):
        make_case(team="East")
    round_ = make_round(actor=qa, rule=SampleRule(team_ids=(), size_mode="all"))
    round_.sample_rule = SampleRule(size_mode="all", exclude_months=0).to_dict()
    services.confirm_sample(round_, actor=qa, today=TODAY)
    db.session.flush()
    services.auto_assign(round_, actor=qa, auditors=[busy, free])
    mine = Counter(a.auditor_id for a in db.session.scalars(sa.select(Audit).where(Audit.round_id == round_.id)))
    # 8 new audits (5 files plus the 3 already audited elsewhere); the loads end as even as they can.
    assert services.open_loads([busy.id, free.id]) == {busy.id: 3 + mine[busy.id], free.id: mine[free.id]}
    assert abs((3 + mine[busy.id]) - mine[free.id]) <= 1


def test_assignment_can_keep_to_the_service_area(make_round, make_case, make_user, make_team):
    qa = make_user("qa_lead")
    for name, area in (("North", "Children in need"), ("South", "Children in need"), ("Leaving", "Looked after")):
        make_team(name).service_area = area
    db.session.commit()
    near, far = make_user("auditor", team="South"), make_user("auditor", team="Leaving")
    for _ in range(4):
        make_case(team="North")
    round_ = make_round(actor=qa, match_service_area=True)
    services.confirm_sample(round_, actor=qa, today=TODAY)
    db.session.flush()
    assert services.auto_assign(round_, actor=qa, auditors=[near, far]) == 4
    assert {a.auditor_id for a in db.session.scalars(sa.select(Audit).where(Audit.round_id == round_.id))} == {near.id}
