"""The agreement figures from the database: pairs counted in SQL, grouped by round, auditor,
question and theme, for completed moderations only."""

import pytest
import sqlalchemy as sa

from qa_app.audit_forms.scales import Grade, GradeScale
from qa_app.extensions import db
from qa_app.moderation import services
from qa_app.moderation.statistics import calibration, pair_counts
from tests.functional.test_moderation_support import graded_keys, moderate, submit


@pytest.fixture
def figures_world(make_user, make_round, make_audit):
    """Two rounds; auditor A is optimistic (moderated worse twice), B pessimistic once.

    overall pairs (auditor → moderator): round 1: A 2→3, A 2→2, B 3→3; round 2: A 1→2, B 4→3.
    In A's agreed audit of round 1 the moderator graded plan_smart Inadequate (the auditor Good).
    One more moderation is graded but not completed: it must not count.
    """
    qa = make_user("qa_lead")
    a = make_user("auditor", team="North", email="a@example.org")
    b = make_user("auditor", team="South", email="b@example.org")
    moderator = make_user("moderator", team="East")
    first = make_round(actor=qa, moderation_percent=0)
    second = make_round(actor=qa, moderation_percent=0)

    def completed(round_, auditor, given, moderated, overrides=None):
        audit = submit(make_audit(auditor=auditor, round_=round_), grade=given, overall=given)
        moderation = services.add_by_hand(audit, reason="Calibration", actor=qa)
        services.assign(moderation, moderator, actor=qa)
        db.session.commit()
        moderate(moderation, moderator, grade=moderated, overall=moderated, overrides=overrides)
        services.complete(moderation, actor=moderator, rationales={k: "Seen differently." for k in
                                                                   graded_keys(audit.template)},
                          overall_rationale="Seen differently.", expected_version=moderation.version)
        db.session.commit()
        return moderation

    completed(first, a, 2, 3)
    completed(first, a, 2, 2, overrides={"plan_smart": 4})
    completed(first, b, 3, 3)
    completed(second, a, 1, 2)
    completed(second, b, 4, 3)
    pending = services.add_by_hand(submit(make_audit(auditor=b, round_=second), grade=2), reason="x", actor=qa)
    services.assign(pending, moderator, actor=qa)
    db.session.commit()
    moderate(pending, moderator, grade=4, overall=4)
    return {"a": a, "b": b, "first": first, "second": second}


def test_overall_figures_per_round_and_auditor(figures_world):
    w = figures_world
    figures = calibration()
    assert [r for r, _ in figures.rounds] == [w["first"].id, w["second"].id]
    assert figures.excluded_rounds == []
    overall = figures.overall
    assert (overall.n, overall.exact, overall.within_one, overall.worse, overall.better) == (5, 2, 5, 2, 1)
    assert overall.exact_percent == 40.0 and overall.kappa is not None

    names = [auditor.name for auditor in figures.auditors]
    assert names == [w["a"].display_name, w["b"].display_name]          # most optimistic first
    a, b = figures.auditors
    assert (a.overall.n, a.overall.worse, a.overall.better) == (3, 2, 0)
    assert a.overall.mean_difference == pytest.approx(2 / 3)
    assert (b.overall.n, b.overall.worse, b.overall.better) == (2, 0, 1)
    assert {round_id: (f.n, f.worse) for round_id, f in a.trend.items()} == {
        w["first"].id: (2, 1), w["second"].id: (1, 1)}

    by_round = {overall.key: overall.agreement for overall, _ in figures.by_round}
    assert (by_round[w["first"].id].n, by_round[w["first"].id].exact) == (3, 2)
    assert (by_round[w["second"].id].n, by_round[w["second"].id].exact) == (2, 0)


def test_question_and_theme_figures_put_the_least_agreement_first(figures_world):
    figures = calibration()
    graded = 9
    assert figures.answers.n == 5 * graded
    worst = figures.questions[0]
    assert worst.key == ("cp-cin-case-file", "plan_smart")
    assert (worst.agreement.n, worst.agreement.exact) == (5, 1)
    assert "SMART" in worst.label or "plan" in worst.label.lower()
    assert figures.themes[0].key == "smart_objectives"
    assert (figures.themes[0].agreement.n, figures.themes[0].agreement.exact) == (10, 3)
    assert all(g.agreement.n > 0 for g in figures.questions + figures.themes)


def test_one_round_and_one_auditor(figures_world):
    w = figures_world
    one = calibration(round_ids=[w["second"].id])
    assert [r for r, _ in one.rounds] == [w["second"].id]
    assert one.overall.n == 2 and one.overall.exact == 0
    only_b = calibration(auditor_ids=[w["b"].id])
    assert [a.name for a in only_b.auditors] == [w["b"].display_name]
    assert only_b.overall.n == 2


def test_rounds_on_another_scale_are_left_out_and_named(figures_world):
    ten = GradeScale(key="ten", grades=tuple(Grade(v, str(v)) for v in range(10, -1, -1)),
                     good_or_better=frozenset({10, 9}), inadequate=0, evidence_required=frozenset({0}))
    figures = calibration(scale=ten)
    assert figures.rounds == [] and figures.overall.n == 0
    assert {(name, key) for _, name, key in figures.excluded_rounds} == {
        (figures_world["first"].name, "ofsted4"), (figures_world["second"].name, "ofsted4")}


def test_pairs_are_fetched_in_one_query_whatever_their_number(figures_world):
    statements = []

    def count(_connection, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):     # not SQLite's BEGIN IMMEDIATE
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        question_pairs = pair_counts(questions=True)
        assert len(statements) == 1
        overall_pairs = pair_counts(questions=False)
        assert len(statements) == 2
        statements.clear()
        calibration()
        assert len(statements) <= 4
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert sum(p.count for p in overall_pairs) == 5
    assert sum(p.count for p in question_pairs) == 45
    assert all(p.question_key is None for p in overall_pairs)


def test_the_final_grade_is_the_moderators_once_completed(figures_world):
    from qa_app.audits.models import Audit

    rows = db.session.execute(sa.select(Audit.overall_grade, Audit.final_grade)).all()
    finals = sorted((auditor, final) for auditor, final in rows)
    # Completed: 2→3, 2→2, 3→3, 1→2, 4→3; the graded-but-open one (auditor 2) keeps its own grade.
    assert finals == [(1, 2), (2, 2), (2, 2), (2, 3), (3, 3), (4, 3)]
