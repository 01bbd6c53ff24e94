"""Rounds against the database: filters, exclusions, confirming, changing the sample, assigning."""

from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from qa_app.audits.models import Audit
from qa_app.cases.models import CaseFile
from qa_app.errors import DomainError, InvalidTransition, ValidationFailed
from qa_app.extensions import db
from qa_app.rounds import services
from qa_app.rounds.models import SampleChange
from qa_app.rounds.sampling import SampleRule, preview_sample

TODAY = date.today()


def chosen(round_):
    return sorted(c.reference for c in preview_sample(round_, TODAY).chosen)


def test_filters_select_exactly_the_matching_open_cases(make_case, make_round, make_team):
    make_case("A1", case_type="CP", team="North", age=3, factors=("domestic_abuse",))
    make_case("A2", case_type="CP", team="North", age=7, factors=("domestic_abuse",))
    make_case("A3", case_type="CIN", team="North", age=2, factors=("domestic_abuse",))
    make_case("A4", case_type="CP", team="South", age=4, factors=("neglect",))
    make_case("A5", case_type="CP", team="South", age=1, factors=("neglect", "domestic_abuse"))
    closed = make_case("A6", case_type="CP", team="South", age=1, factors=("domestic_abuse",))
    closed.status = "closed"
    db.session.commit()
    rule = SampleRule(case_types=("CP",), age_under=5, factors=("domestic_abuse",), size_mode="all")
    assert chosen(make_round(rule=rule)) == ["A1", "A5"]
    south = make_team("South")
    assert chosen(make_round(rule=SampleRule(team_ids=(south.id,), size_mode="all"))) == ["A4", "A5"]


def test_files_audited_recently_are_left_out(make_case, make_round, make_audit):
    recent, old, fresh = make_case("R1"), make_case("R2"), make_case("R3")
    make_audit(case=recent)
    old_audit = make_audit(case=old)
    old_audit.created_at = old_audit.created_at - timedelta(days=400)
    db.session.commit()
    round_ = make_round(rule=SampleRule(size_mode="all", exclude_months=12))
    preview = preview_sample(round_, TODAY)
    assert sorted(c.reference for c in preview.chosen) == ["R2", "R3"]
    assert preview.excluded_recent == 1
    assert "R1" in chosen(make_round(rule=SampleRule(size_mode="all", exclude_months=0)))
    del fresh


def test_same_rule_and_seed_choose_the_same_files_in_another_round(make_case, make_round):
    for n in range(30):
        make_case(team=["North", "South", "East"][n % 3], case_type=["CIN", "CP"][n % 2])
    rule = SampleRule(size_mode="per_team", size=3, exclude_months=0)
    assert chosen(make_round(rule=rule, seed=99)) == chosen(make_round(rule=rule, seed=99))
    assert chosen(make_round(rule=rule, seed=99)) != chosen(make_round(rule=rule, seed=100))


def test_create_round_refuses_bad_input_all_at_once(make_round, make_user):
    from qa_app.audit_forms.services import current_version

    existing = make_round()
    with pytest.raises(ValidationFailed) as error:
        services.create_round(name=existing.name, template_version=current_version("cp-cin-case-file"),
                              due_date=TODAY - timedelta(days=1), rule=SampleRule(size=0), seed=1,
                              actor=make_user("qa_lead"), today=TODAY)
    assert {name for name, _ in error.value.problems} == {"name", "due_date", "size"}


def test_confirm_add_and_remove_by_hand_with_reasons(make_case, make_round, make_user):
    qa = make_user("qa_lead")
    a, b = make_case("S1"), make_case("S2")
    extra = make_case("S3", case_type="CLA")
    round_ = make_round(rule=SampleRule(case_types=("CP",), size_mode="all"), actor=qa)
    audits = services.confirm_sample(round_, actor=qa, today=TODAY)
    db.session.commit()
    assert round_.status == "auditing" and len(audits) == 2
    with pytest.raises(DomainError, match="already been confirmed"):
        services.confirm_sample(round_, actor=qa, today=TODAY)
    with pytest.raises(ValidationFailed):
        services.add_case(round_, extra, reason="  ", actor=qa)
    added = services.add_case(round_, extra, reason="Complaint received about drift", actor=qa)
    db.session.commit()
    assert added.sampled_by == "hand"
    with pytest.raises(DomainError, match="already in this round"):
        services.add_case(round_, extra, reason="again", actor=qa)
    services.remove_case(audits[0], reason="Case transferred to another authority", actor=qa)
    db.session.commit()
    assert audits[0].status == "removed"
    changes = db.session.scalars(sa.select(SampleChange).order_by(SampleChange.id)).all()
    assert [(c.change, c.reason[:9]) for c in changes] == [("added", "Complaint"), ("removed", "Case tran")]
    # Put back by hand: the same audit row comes back rather than a duplicate.
    restored = services.add_case(round_, a if audits[0].case_file_id == a.id else b, reason="Back in", actor=qa)
    assert restored.id == audits[0].id and restored.status == "not_started"


def test_a_started_audit_cannot_be_removed(make_audit, make_user):
    audit = make_audit(status="in_progress")
    with pytest.raises(InvalidTransition):
        services.remove_case(audit, reason="no", actor=make_user("qa_lead"))


def test_auto_assign_spreads_evenly_and_avoids_own_team(make_case, make_round, make_user):
    qa = make_user("qa_lead")
    for n in range(12):
        make_case(team=["North", "South", "East"][n % 3])
    auditors = [make_user("auditor", team=t) for t in ("North", "South", "East")]
    round_ = make_round(rule=SampleRule(size_mode="all"), actor=qa)
    services.confirm_sample(round_, actor=qa, today=TODAY)
    db.session.flush()
    assert services.auto_assign(round_, actor=qa, auditors=auditors) == 12
    audits = db.session.scalars(sa.select(Audit).where(Audit.round_id == round_.id)).all()
    assert Counter(a.auditor_id for a in audits) == {u.id: 4 for u in auditors}
    assert all(a.auditor.team_id != a.case_file.team_id for a in audits)


def test_auto_assign_never_gives_an_auditor_their_own_team(make_case, make_round, make_user):
    qa = make_user("qa_lead")
    make_case(team="North")
    only = make_user("auditor", team="North")
    round_ = make_round(actor=qa)
    services.confirm_sample(round_, actor=qa, today=TODAY)
    db.session.flush()
    assert services.auto_assign(round_, actor=qa, auditors=[only]) == 0
    assert db.session.scalar(sa.select(Audit.auditor_id)) is None     # left for the QA lead to assign


def test_manual_reassignment_only_to_active_auditors_and_before_submission(make_audit, make_user):
    qa = make_user("qa_lead")
    audit = make_audit()
    other = make_user("auditor")
    services.assign(audit, other, actor=qa)
    assert audit.auditor_id == other.id
    with pytest.raises(DomainError):
        services.assign(audit, make_user("viewer"), actor=qa)
    with pytest.raises(DomainError):
        services.assign(make_audit(status="submitted"), other, actor=qa)


def test_nothing_matching_cannot_be_confirmed(make_round, make_user):
    qa = make_user("qa_lead")
    round_ = make_round(rule=SampleRule(case_types=("PF",), size_mode="all"), actor=qa)
    with pytest.raises(DomainError, match="No case files match"):
        services.confirm_sample(round_, actor=qa, today=TODAY)
    assert db.session.scalar(sa.select(sa.func.count(CaseFile.id))) == 0
