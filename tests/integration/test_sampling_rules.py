"""Sharper sampling: factor rules that combine (all of / any of / none of / at least N of) and
filters on the plan dates from the case list; the preview says it in words."""

from datetime import date, timedelta

import pytest

from qa_app.errors import ValidationFailed
from qa_app.extensions import db
from qa_app.presentation import describe_rule
from qa_app.rounds.sampling import SampleRule, candidates, months_before
from qa_app.working_days import add_working_days

TODAY = date(2026, 12, 1)   # a Tuesday
OTHERS = ("neglect", "parental_mental_health", "substance_misuse", "exploitation")


def refs(rule):
    return sorted(c.reference for c in candidates(rule, today=TODAY)[0])


@pytest.fixture
def cases(make_case):
    make_case("DA-ONLY", factors=("domestic_abuse",))
    make_case("DA-NEGLECT", factors=("domestic_abuse", "neglect"))
    make_case("DA-TWO", factors=("domestic_abuse", "substance_misuse", "parental_mental_health"))
    make_case("NEGLECT", factors=("neglect",))
    make_case("NONE")
    db.session.commit()


def test_domestic_abuse_plus_one_other_factor(cases):
    rule = SampleRule(factors_all=("domestic_abuse",), factors_at_least=OTHERS, factors_min=1, size_mode="all",
                      exclude_months=0)
    assert refs(rule) == ["DA-NEGLECT", "DA-TWO"]
    assert "with all of: Domestic abuse; with at least 1 other of: Neglect" in describe_rule(rule, {})
    two = SampleRule(factors_all=("domestic_abuse",), factors_at_least=OTHERS, factors_min=2, size_mode="all",
                     exclude_months=0)
    assert refs(two) == ["DA-TWO"]


@pytest.mark.parametrize("rule, expected", [
    (SampleRule(factors=("neglect", "substance_misuse")), ["DA-NEGLECT", "DA-TWO", "NEGLECT"]),
    (SampleRule(factors_all=("domestic_abuse", "neglect")), ["DA-NEGLECT"]),
    (SampleRule(factors_none=("domestic_abuse",)), ["NEGLECT", "NONE"]),
    (SampleRule(factors=("neglect",), factors_none=("domestic_abuse",)), ["NEGLECT"]),
])
def test_each_kind_of_factor_rule(cases, rule, expected):
    rule = SampleRule(**{**rule.to_dict(), "size_mode": "all", "exclude_months": 0})
    assert refs(SampleRule.from_dict(rule.to_dict())) == expected        # and survives storage


def test_bad_factor_rules_are_reported_on_their_fields():
    with pytest.raises(ValidationFailed) as error:
        SampleRule(factors_all=("neglect",), factors_none=("neglect",), factors_at_least=("missing",),
                   factors_min=3, plan_older_than_months=-1).validate()
    assert [field for field, _ in error.value.problems] == ["factors_none", "factors_min", "plan_older_than_months"]


def test_plan_date_filters(make_case):
    long_plan = make_case("LONG")
    long_plan.plan_start_date = months_before(TODAY, 16)
    short_plan = make_case("SHORT")
    short_plan.plan_start_date = months_before(TODAY, 3)
    soon = make_case("REVIEW-SOON")
    soon.next_review_date = add_working_days(TODAY, 10)
    later = make_case("REVIEW-LATER")
    later.next_review_date = add_working_days(TODAY, 30)
    past = make_case("REVIEW-PAST")
    past.next_review_date = TODAY - timedelta(days=1)
    ended = make_case("ENDED-RECENTLY")
    ended.plan_end_date = TODAY - timedelta(days=20)
    ended_long_ago = make_case("ENDED-LONG-AGO")
    ended_long_ago.plan_end_date = TODAY - timedelta(days=200)
    db.session.commit()
    base = {"size_mode": "all", "exclude_months": 0}
    assert refs(SampleRule(plan_older_than_months=15, **base)) == ["LONG"]
    assert refs(SampleRule(review_within_working_days=20, **base)) == ["REVIEW-SOON"]
    assert refs(SampleRule(review_within_working_days=10, **base)) == ["REVIEW-SOON"]   # the 10th day counts
    assert refs(SampleRule(plan_ended_within_days=90, **base)) == ["ENDED-RECENTLY"]
    words = describe_rule(SampleRule(plan_older_than_months=15, review_within_working_days=20,
                                     plan_ended_within_days=90, **base), {})
    assert "plan started at least 15 months ago" in words and "within 20 working days" in words


def test_the_same_rule_and_seed_choose_the_same_files(cases, make_round):
    from qa_app.rounds.sampling import preview_sample

    rule = SampleRule(factors_all=("domestic_abuse",), factors_at_least=OTHERS, size_mode="per_team", size=1,
                      exclude_months=0)
    first, second = make_round(rule=rule, seed=9), make_round(rule=rule, seed=9)
    assert [c.reference for c in preview_sample(first, TODAY).chosen] == \
        [c.reference for c in preview_sample(second, TODAY).chosen]
