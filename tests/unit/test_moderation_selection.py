"""Choosing audits to moderate and moderators: the rule's guarantees hold for any seed."""

import math
from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from qa_app.audit_forms.scales import OFSTED4
from qa_app.moderation.selection import Candidate, ModerationRule, SelectionReason, choose, spread

OUTSTANDING, GOOD, RI, INADEQUATE = 1, 2, 3, 4


@st.composite
def rounds(draw):
    """A round's submitted audits: up to 6 auditors with 1–8 audits each."""
    auditors = draw(st.lists(st.integers(1, 50), min_size=1, max_size=6, unique=True))
    candidates, audit_id = [], 0
    for auditor in auditors:
        for _ in range(draw(st.integers(1, 8))):
            audit_id += 1
            candidates.append(Candidate(audit_id=audit_id, auditor_id=auditor,
                                        overall_grade=draw(st.sampled_from(OFSTED4.values())),
                                        immediate_risk=draw(st.booleans())))
    return candidates


rules = st.builds(ModerationRule, percent=st.integers(1, 100), inadequate=st.booleans(),
                  outstanding=st.booleans(), immediate_risk=st.booleans())
seeds = st.integers(0, 2**31 - 1)


@settings(max_examples=200, deadline=None, database=None)
@given(rounds(), rules, seeds)
def test_the_rules_guarantees_hold_for_any_seed(candidates, rule, seed):
    chosen = choose(candidates, rule, OFSTED4, seed)
    by_auditor = Counter(c.auditor_id for c in candidates if c.audit_id in chosen)
    # At least one per auditor.
    assert set(by_auditor) == {c.auditor_id for c in candidates}
    for candidate in candidates:
        reason = chosen.get(candidate.audit_id)
        if rule.inadequate and candidate.overall_grade == INADEQUATE:
            assert reason is not None
        if rule.outstanding and candidate.overall_grade == OUTSTANDING:
            assert reason is not None
        if rule.immediate_risk and candidate.immediate_risk:
            assert reason == SelectionReason.IMMEDIATE_RISK
    # The percentage picks: the quota, unless the rule's own picks left too few to draw from.
    for auditor in by_auditor:
        own = [c for c in candidates if c.auditor_id == auditor]
        random_picks = sum(1 for c in own if chosen.get(c.audit_id) == SelectionReason.PERCENTAGE)
        left = sum(1 for c in own if chosen.get(c.audit_id) in (None, SelectionReason.PERCENTAGE))
        assert random_picks == min(max(1, math.ceil(rule.percent * len(own) / 100)), left)
    # The same seed always chooses the same audits.
    assert choose(list(reversed(candidates)), rule, OFSTED4, seed) == chosen


@settings(deadline=None, database=None)
@given(rounds(), rules, seeds)
def test_choosing_again_adds_nothing_and_keeps_earlier_choices(candidates, rule, seed):
    first = choose(candidates, rule, OFSTED4, seed)
    assert choose(candidates, rule, OFSTED4, seed, already={k: v.value for k, v in first.items()}) == {}


def test_a_withdrawn_pick_is_not_replaced():
    candidates = [Candidate(i, 1, GOOD, False) for i in range(1, 5)]
    rule = ModerationRule(percent=25)
    first = choose(candidates, rule, OFSTED4, seed=3)
    (picked,) = first
    assert choose(candidates, rule, OFSTED4, seed=3, already={picked: "percentage"}) == {}


def test_zero_percent_takes_only_what_the_rule_always_takes():
    candidates = [Candidate(1, 1, GOOD, False), Candidate(2, 1, INADEQUATE, False), Candidate(3, 2, GOOD, True)]
    chosen = choose(candidates, ModerationRule(percent=0), OFSTED4, seed=1)
    assert chosen == {2: SelectionReason.INADEQUATE, 3: SelectionReason.IMMEDIATE_RISK}
    assert choose(candidates, ModerationRule(percent=0, inadequate=False, immediate_risk=False), OFSTED4, 1) == {}


@pytest.mark.parametrize(("percent", "submitted", "quota"), [(10, 1, 1), (10, 10, 1), (10, 11, 2), (50, 3, 2),
                                                              (100, 4, 4), (0, 5, 0), (30, 0, 0)])
def test_quota(percent, submitted, quota):
    assert ModerationRule(percent=percent).quota(submitted) == quota


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.integers(1, 8), min_size=0, max_size=30),
       st.lists(st.integers(1, 8), min_size=1, max_size=5, unique=True), seeds)
def test_no_self_moderation_and_an_even_spread(auditors, moderators, seed):
    moderations = list(enumerate(auditors, start=1))
    result = spread(moderations, moderators, seed)
    for moderation_id, auditor in moderations:
        given_to = result[moderation_id]
        assert given_to != auditor
        assert (given_to is None) == (moderators == [auditor])
    if not set(auditors) & set(moderators):
        load = Counter(result.values())
        counts = [load.get(m, 0) for m in moderators]
        assert max(counts) - min(counts) <= 1


def test_spread_counts_what_moderators_already_have():
    assert spread([(1, 99), (2, 99)], [10, 20], seed=1, load={10: 3}) == {1: 20, 2: 20}
