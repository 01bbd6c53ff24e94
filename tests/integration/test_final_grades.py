"""The stored final grades (Audit.final_grade, Answer.final_grade) equal the rule they replace:
the moderator's grade where a moderation is completed, else the auditor's, for the audit and for
each graded answer. Checked on the demo data, after every moderation outcome, and after the
migration that backfills them (on SQLite, and on PostgreSQL in the PostgreSQL run)."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from qa_app.audits.models import Answer, Audit
from qa_app.audits.workflow import SUBMITTED_STATES
from qa_app.extensions import db
from qa_app.moderation import services
from qa_app.moderation.models import ModeratedAnswer, Moderation
from tests.conftest import PG_APP, _app_for, owner_url
from tests.functional.test_moderation_support import graded_keys, moderate, submit

SUBMITTED = [s.value for s in SUBMITTED_STATES]


def derived_overall() -> dict[int, int | None]:
    """The rule as every reader used to work it out, in SQL: {audit id: final grade}."""
    moderated = (sa.select(Moderation.overall_grade)
                 .where(Moderation.audit_id == Audit.id, Moderation.status == "completed").scalar_subquery())
    return dict(db.session.execute(
        sa.select(Audit.id, sa.func.coalesce(moderated, Audit.overall_grade)).where(Audit.status.in_(SUBMITTED))
    ).all())


def derived_answers() -> dict[tuple[int, str], int | None]:
    """{(audit id, question key): final grade}: the moderated grade where a completed moderation
    graded the question (answered by the auditor or not), else the auditor's."""
    result = {(audit_id, key): grade for audit_id, key, grade in db.session.execute(
        sa.select(Answer.audit_id, Answer.question_key, Answer.grade)
        .join(Audit, Audit.id == Answer.audit_id).where(Audit.status.in_(SUBMITTED)))}
    for audit_id, key, grade in db.session.execute(
            sa.select(Moderation.audit_id, ModeratedAnswer.question_key, ModeratedAnswer.grade)
            .join(Moderation, Moderation.id == ModeratedAnswer.moderation_id)
            .join(Audit, Audit.id == Moderation.audit_id)
            .where(Moderation.status == "completed", ModeratedAnswer.grade.is_not(None),
                   Audit.status.in_(SUBMITTED))):
        result[(audit_id, key)] = grade
    return result


def stored_overall() -> dict[int, int | None]:
    return dict(db.session.execute(sa.select(Audit.id, Audit.final_grade).where(Audit.status.in_(SUBMITTED))).all())


def stored_answers() -> dict[tuple[int, str], int | None]:
    return {(audit_id, key): grade for audit_id, key, grade in db.session.execute(
        sa.select(Answer.audit_id, Answer.question_key, Answer.final_grade)
        .join(Audit, Audit.id == Answer.audit_id).where(Audit.status.in_(SUBMITTED)))}


def assert_stored_equals_derived():
    db.session.expire_all()
    assert stored_overall() == derived_overall()
    assert stored_answers() == derived_answers()


def test_demo_data(app):
    from qa_app.demo import load_demo

    assert load_demo(2026)
    db.session.commit()
    overall = stored_overall()
    moderated = db.session.scalar(sa.select(sa.func.count()).select_from(Moderation)
                                  .where(Moderation.status == "completed"))
    assert len(overall) == 60 and moderated > 0
    # Some moderations changed the grade, so the rule is tested both ways.
    assert any(final != auditor for final, auditor in db.session.execute(
        sa.select(Audit.final_grade, Audit.overall_grade).where(Audit.status == "moderated")))
    assert_stored_equals_derived()
    # Audits not yet submitted have no final grade.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Audit).where(
        Audit.status.not_in(SUBMITTED), Audit.final_grade.is_not(None))) == 0


@pytest.fixture
def people(make_user):
    return {"qa": make_user("qa_lead"), "auditor": make_user("auditor", team="North"),
            "moderator": make_user("moderator", team="East")}


def selected(make_audit, people, *, grade, overall=None):
    audit = submit(make_audit(auditor=people["auditor"]), grade=grade, overall=overall)
    moderation = services.add_by_hand(audit, reason="Sample", actor=people["qa"])
    services.assign(moderation, people["moderator"], actor=people["qa"])
    db.session.commit()
    return audit, moderation


def complete(moderation, people):
    services.complete(moderation, actor=people["moderator"],
                      rationales={k: "Seen differently." for k in graded_keys(moderation.audit.template)},
                      overall_rationale="Seen differently.", expected_version=moderation.version)
    db.session.commit()


@pytest.mark.parametrize(("auditor", "moderator", "outcome"), [
    (2, 2, "agreed"), (2, 4, "moderated_worse"), (3, 1, "moderated_better")])
def test_each_moderation_outcome(make_audit, people, auditor, moderator, outcome):
    audit, moderation = selected(make_audit, people, grade=auditor)
    assert audit.final_grade == auditor                       # submitted: the auditor's
    moderate(moderation, people["moderator"], grade=moderator, overall=moderator,
             overrides={"plan_smart": 4})
    assert_stored_equals_derived()
    assert audit.final_grade == auditor                       # graded, not completed: still the auditor's
    complete(moderation, people)
    assert moderation.outcome == outcome
    assert audit.final_grade == moderator
    assert {a.question_key: a.final_grade for a in audit.answers}["plan_smart"] == 4
    assert_stored_equals_derived()


def test_withdrawn_returned_and_resubmitted(make_audit, people):
    withdrawn, first = selected(make_audit, people, grade=2)
    moderate(first, people["moderator"], grade=4, overall=4)
    services.withdraw(first, reason="Taken out of the sample", actor=people["qa"])
    db.session.commit()
    assert withdrawn.final_grade == 2
    assert_stored_equals_derived()

    returned, second = selected(make_audit, people, grade=3)
    moderate(second, people["moderator"], grade=3, overall=3)
    services.return_for_correction(second, actor=people["moderator"], comments="Add the evidence.",
                                   rationales={}, overall_rationale="", expected_version=second.version)
    db.session.commit()
    submit(returned, grade=2)                                  # corrected and resubmitted
    assert returned.status == "resubmitted" and returned.final_grade == 2
    assert_stored_equals_derived()
    complete(second, people)
    assert returned.final_grade == 3
    assert_stored_equals_derived()


def test_a_question_only_the_moderator_graded_has_a_final_grade(make_audit, people):
    audit, moderation = selected(make_audit, people, grade=2)
    optional = graded_keys(audit.template)[-1]
    # The auditor's answer is missing (an optional question left blank, or a past audit imported so) …
    db.session.delete(next(a for a in audit.answers if a.question_key == optional))
    db.session.commit()
    # … the moderator grades it.
    moderate(moderation, people["moderator"], grade=2, overall=2, overrides={optional: 4})
    complete(moderation, people)
    answer = next(a for a in audit.answers if a.question_key == optional)
    assert (answer.grade, answer.final_grade) == (None, 4)
    assert_stored_equals_derived()


def test_the_migration_backfills_the_stored_grades(app, make_audit, people):
    """Made at head, taken back to before the columns existed, brought forward again: the
    backfill gives the same grades the services stored (moderated-only answers included)."""
    done, moderation = selected(make_audit, people, grade=2)
    optional = graded_keys(done.template)[-1]
    db.session.delete(next(a for a in done.answers if a.question_key == optional))
    db.session.commit()
    moderate(moderation, people["moderator"], grade=3, overall=3, overrides={optional: 4})
    complete(moderation, people)
    _pending, open_moderation = selected(make_audit, people, grade=1)
    moderate(open_moderation, people["moderator"], grade=4, overall=4)
    make_audit(auditor=people["auditor"], status="in_progress")
    before_overall, before_answers = stored_overall(), stored_answers()
    assert before_overall[done.id] == 3 and before_answers[(done.id, optional)] == 4

    done_id = done.id
    db.session.remove()
    # Migrations run as the tables' owner (on PostgreSQL the app's role may not change the schema).
    migrator = _app_for(owner_url(app.config["SQLALCHEMY_DATABASE_URI"]))
    with migrator.app_context():
        downgrade(revision="0006")
        with db.engine.begin() as connection:   # as it was before: no answer row for the moderator-only grade
            connection.execute(sa.text("DELETE FROM answers WHERE audit_id = :id AND question_key = :key"),
                               {"id": done_id, "key": optional})
        upgrade()
        if db.engine.dialect.name == "postgresql":
            from qa_app.operations.grants import grant_app_role

            with db.engine.begin() as connection:
                grant_app_role(connection, PG_APP)
        db.session.remove()
        db.engine.dispose()
    assert stored_overall() == before_overall
    assert stored_answers() == before_answers
    assert_stored_equals_derived()
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):   # the database keeps a submitted audit's final grade
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE audits SET final_grade = NULL WHERE id = :id"), {"id": done_id})
