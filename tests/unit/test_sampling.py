"""Sampling: the same pool, rule and seed give the same sample; sizes per rule; stratification."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa_app.errors import ValidationFailed
from qa_app.rounds.sampling import Candidate, SampleRule, choose


def pool(n_per_team=20, teams=(1, 2, 3), types=("CIN", "CP")):
    return [
        Candidate(case_file_id=t * 1000 + i, reference=f"R{t}{i:04d}", team_id=t, case_type=types[i % len(types)])
        for t in teams for i in range(n_per_team)
    ]


def refs(preview):
    return [c.reference for c in preview.chosen]


def test_same_seed_same_sample_and_order_of_pool_does_not_matter():
    rule = SampleRule(size_mode="per_team", size=4)
    first = choose(pool(), rule, seed=7)
    again = choose(list(reversed(pool())), rule, seed=7)
    assert refs(first) == refs(again)


def test_different_seed_gives_a_different_sample():
    rule = SampleRule(size_mode="per_team", size=4)
    assert refs(choose(pool(), rule, seed=1)) != refs(choose(pool(), rule, seed=2))


def test_per_team_takes_n_from_each_team_or_all_when_fewer():
    candidates = pool(n_per_team=20, teams=(1, 2)) + pool(n_per_team=3, teams=(3,))
    preview = choose(candidates, SampleRule(size_mode="per_team", size=5), seed=3)
    assert Counter(c.team_id for c in preview.chosen) == {1: 5, 2: 5, 3: 3}
    assert preview.matching_by_team == {1: 20, 2: 20, 3: 3}


def test_percent_rounds_up_per_team():
    candidates = pool(n_per_team=15, teams=(1,)) + pool(n_per_team=4, teams=(2,))
    preview = choose(candidates, SampleRule(size_mode="percent", size=10), seed=3)
    assert preview.chosen_by_team == {1: 2, 2: 1}


def test_all_takes_everything():
    assert len(choose(pool(), SampleRule(size_mode="all"), seed=9).chosen) == 60


def test_case_types_are_spread_in_proportion():
    candidates = pool(n_per_team=40, teams=(1,), types=("CIN", "CIN", "CIN", "CP"))
    preview = choose(candidates, SampleRule(size_mode="per_team", size=8), seed=11)
    assert Counter(c.case_type for c in preview.chosen) == {"CIN": 6, "CP": 2}


def test_one_team_growing_does_not_change_another_teams_sample():
    rule = SampleRule(size_mode="per_team", size=3)
    before = [c for c in choose(pool(teams=(1, 2)), rule, seed=5).chosen if c.team_id == 1]
    bigger = pool(teams=(1,)) + pool(n_per_team=50, teams=(2,))
    after = [c for c in choose(bigger, rule, seed=5).chosen if c.team_id == 1]
    assert before == after


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**31), size=st.integers(1, 30))
def test_any_seed_gives_no_duplicates_and_the_right_size(seed, size):
    preview = choose(pool(), SampleRule(size_mode="per_team", size=size), seed=seed)
    chosen = refs(preview)
    assert len(chosen) == len(set(chosen)) == 3 * min(size, 20)


@pytest.mark.parametrize(("rule", "field"), [
    (SampleRule(size_mode="per_team", size=0), "size"),
    (SampleRule(size_mode="percent", size=101), "size"),
    (SampleRule(size_mode="bogus"), "size_mode"),
    (SampleRule(age_under=0), "age_under"),
    (SampleRule(exclude_months=-1), "exclude_months"),
])
def test_bad_rules_are_refused(rule, field):
    with pytest.raises(ValidationFailed) as error:
        rule.validate()
    assert field in [name for name, _ in error.value.problems]


def test_rule_round_trips_through_json():
    rule = SampleRule(case_types=("CP",), team_ids=(3, 4), age_under=5, factors=("domestic_abuse",),
                      size_mode="percent", size=20, exclude_months=6)
    assert SampleRule.from_dict(rule.to_dict()) == rule
