"""Agreement figures and Cohen's kappa with quadratic weights, against examples worked by hand."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from qa_app.audit_forms.scales import OFSTED4
from qa_app.moderation.statistics import agreement, quadratic_weighted_kappa
from qa_app.moderation.workflow import outcome

FOUR = (1, 2, 3, 4)          # Outstanding, Good, Requires improvement, Inadequate


def test_perfect_agreement_is_one():
    pairs = [(1, 1), (2, 2), (3, 3), (4, 4), (2, 2)]
    assert quadratic_weighted_kappa(pairs, FOUR) == 1.0
    figures = agreement(pairs, FOUR)
    assert (figures.n, figures.exact_percent, figures.within_one_percent, figures.worse, figures.better) == (
        5, 100.0, 100.0, 0, 0)
    assert figures.kappa == 1.0 and figures.mean_difference == 0


def test_complete_disagreement_at_the_ends_of_the_scale_is_minus_one():
    # Observed: both pairs 3 steps apart, weight 9/9 = 1 each: Σw·p = 1.
    # Expected: marginals ½/½ on grades 1 and 4 for both raters; the two off-diagonal cells
    # carry ¼ each with weight 1: Σw·e = ½. Kappa = 1 − 1/½ = −1.
    pairs = [(1, 4), (4, 1)]
    assert quadratic_weighted_kappa(pairs, FOUR) == -1.0
    figures = agreement(pairs, FOUR)
    assert (figures.exact, figures.within_one, figures.worse, figures.better) == (0, 0, 1, 1)
    assert figures.exact_percent == 0.0 and figures.mean_difference == 0


def test_a_textbook_two_by_two_table():
    """The classic example (Wikipedia, "Cohen's kappa"): 50 applications read by two readers,
    20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no. p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5, so
    κ = 0.4. With two categories the quadratic weights are 0 and 1, so weighted κ = κ."""
    table = {(1, 1): 20, (1, 2): 5, (2, 1): 10, (2, 2): 15}
    assert quadratic_weighted_kappa(table, (1, 2)) == pytest.approx(0.4, abs=1e-12)
    figures = agreement(table, (1, 2))
    assert (figures.n, figures.exact, figures.worse, figures.better) == (50, 35, 5, 10)
    assert figures.exact_percent == 70.0


def test_a_four_grade_table_worked_by_hand():
    """Pairs (A, B): (1,1) (2,2) (2,2) (2,3) (3,3) (3,2); grade 4 unused; ranks 0..3, w = d²/9.
    Observed Σw·n = 1/9 + 1/9 = 2/9, over n = 6: 1/27.
    Marginals A = B = (1, 3, 2, 0). Expected Σ rᵢcⱼ d² = 3 + 8 + 3 + 6 + 8 + 6 = 34, so
    Σw·e = 34/9/36 = 34/324. κ = 1 − (12/324)/(34/324) = 11/17."""
    pairs = [(1, 1), (2, 2), (2, 2), (2, 3), (3, 3), (3, 2)]
    assert quadratic_weighted_kappa(pairs, FOUR) == pytest.approx(11 / 17, abs=1e-12)
    figures = agreement(pairs, FOUR)
    assert figures.exact == 4 and figures.within_one == 6 and figures.worse == 1 and figures.better == 1


def test_an_unused_grade_in_the_middle_still_counts_as_a_step():
    """Pairs (1,1) (2,2) (4,4) (1,2) (2,4); nobody used grade 3. Over all four grades the ranks
    are 0, 1, 3: observed Σd² = 1 + 4 = 5 → 5/9/5 = 1/9; marginals A (2, 2, 0, 1), B (1, 2, 0, 2);
    expected Σ rᵢcⱼ d² = 4 + 36 + 2 + 16 + 9 + 8 = 75 → 75/9/25 = 1/3. κ = 1 − (1/9)/(1/3) = 2/3.
    Leaving grade 3 out would give 11/16 instead."""
    pairs = [(1, 1), (2, 2), (4, 4), (1, 2), (2, 4)]
    assert quadratic_weighted_kappa(pairs, FOUR) == pytest.approx(2 / 3, abs=1e-12)
    assert quadratic_weighted_kappa(pairs, (1, 2, 4)) == pytest.approx(11 / 16, abs=1e-12)


@pytest.mark.parametrize("pairs", [[], [(2, 2)], [(2, 2), (2, 2), (2, 2)]])
def test_kappa_is_not_defined_without_chance_disagreement(pairs):
    assert quadratic_weighted_kappa(pairs, FOUR) is None
    figures = agreement(pairs, FOUR)
    assert figures.kappa is None
    assert figures.n == len(pairs)
    assert figures.exact_percent == (100.0 if pairs else None)


def test_kappa_is_not_defined_on_a_one_grade_scale():
    assert quadratic_weighted_kappa([(1, 1)], (1,)) is None


def test_a_grade_outside_the_scale_is_an_error():
    with pytest.raises(ValueError, match="not one of the categories"):
        quadratic_weighted_kappa([(1, 5)], FOUR)
    with pytest.raises(ValueError):
        agreement([(0, 1)], FOUR)


def test_counts_and_pairs_give_the_same_figures():
    pairs = [(1, 2), (1, 2), (3, 3), (4, 2)]
    assert agreement(pairs, FOUR) == agreement({(1, 2): 2, (3, 3): 1, (4, 2): 1, (2, 2): 0}, FOUR)


def test_worse_better_and_mean_difference_follow_the_ranks():
    # Moderator worse twice (1→2, 2→4), better once (4→3): rank gaps +1, +2, −1.
    figures = agreement([(1, 2), (2, 4), (4, 3)], FOUR)
    assert (figures.worse, figures.better, figures.within_one) == (2, 1, 2)
    assert figures.mean_difference == pytest.approx(2 / 3)
    assert figures.worse_percent == pytest.approx(200 / 3)


@pytest.mark.parametrize(("auditor", "moderator", "expected"), [
    (2, 2, "agreed"), (2, 3, "moderated_worse"), (1, 4, "moderated_worse"), (4, 1, "moderated_better")])
def test_outcome_compares_ranks_on_the_scale(auditor, moderator, expected):
    assert outcome(auditor, moderator, OFSTED4) == expected


# --- properties -------------------------------------------------------------------------------

grades = st.sampled_from(FOUR)
pair_lists = st.lists(st.tuples(grades, grades), min_size=1, max_size=40)


@settings(deadline=None, database=None)
@given(pair_lists)
def test_kappa_is_symmetric_in_the_two_raters(pairs):
    swapped = [(b, a) for a, b in pairs]
    assert quadratic_weighted_kappa(pairs, FOUR) == quadratic_weighted_kappa(swapped, FOUR)


@settings(deadline=None, database=None)
@given(pair_lists)
def test_kappa_is_exactly_one_when_and_only_when_every_pair_agrees(pairs):
    kappa = quadratic_weighted_kappa(pairs, FOUR)
    everyone_agrees = all(a == b for a, b in pairs)
    if everyone_agrees:
        # Defined as soon as two different grades were used; then exactly 1.
        assert kappa == (1.0 if len({a for a, _ in pairs}) > 1 else None)
    else:
        assert kappa is not None and kappa < 1.0


@settings(deadline=None, database=None)
@given(pair_lists)
def test_kappa_matches_the_mean_squared_difference_identity(pairs):
    """Quadratic-weighted kappa = 1 − mean (aᵢ − bᵢ)² / mean over all i, j of (aᵢ − bⱼ)²."""
    n = len(pairs)
    observed = Fraction(sum((a - b) ** 2 for a, b in pairs), n)
    chance = Fraction(sum((a - b) ** 2 for a, _ in pairs for _, b in pairs), n * n)
    kappa = quadratic_weighted_kappa(pairs, FOUR)
    if chance == 0:
        assert kappa is None
    else:
        assert math.isclose(kappa, float(1 - observed / chance), rel_tol=1e-12, abs_tol=1e-12)


@settings(deadline=None, database=None)
@given(pair_lists)
def test_the_figures_add_up(pairs):
    figures = agreement(pairs, FOUR)
    assert figures.n == len(pairs)
    assert figures.exact + figures.worse + figures.better == figures.n
    assert figures.exact <= figures.within_one <= figures.n
