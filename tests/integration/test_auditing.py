"""Saving and submitting audits: the grading rules, optimistic locking and the history."""

from datetime import date

import pytest
import sqlalchemy as sa

from qa_app.audits.services import save_audit, submission_problems
from qa_app.errors import InvalidTransition, NotPermitted, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.history.models import Event


def complete_answers(template, grade=2):
    """A valid answer for every question of `template`."""
    answers = {}
    for question in template.questions():
        value = {
            "grade": grade, "yes_partly_no": "yes", "choice": (question.choices or ("",))[0],
            "text": "Seen and recorded.", "date": date(2026, 10, 1), "number": "12",
        }[question.type]
        answers[question.key] = {"value": value, "evidence": "Record of visit 3 October." if grade >= 3 else ""}
    return answers


def save(audit, actor=None, submit=False, **kwargs):
    params = dict(answers={}, overall_grade=None, overall_summary="", immediate_risk=False,
                  immediate_risk_reason="", expected_version=audit.version)
    params.update(kwargs)
    return save_audit(audit, actor=actor or audit.auditor, submit=submit, **params)


def test_a_draft_saves_with_nothing_required_and_comes_back(make_audit):
    audit = make_audit()
    save(audit, answers={"plan_smart": {"value": 3, "evidence": ""}, "current_plan": {"value": "", "evidence": ""}})
    db.session.commit()
    db.session.expire_all()
    assert audit.status == "in_progress"
    assert audit.answer_map()["plan_smart"].grade == 3
    assert "current_plan" not in audit.answer_map()  # empty answers are not stored


def test_submit_lists_every_missing_required_answer(make_audit):
    audit = make_audit()
    template = audit.template
    with pytest.raises(ValidationFailed) as error:
        save(audit, submit=True)
    fields = [name for name, _ in error.value.problems]
    required = [f"q_{q.key}" for q in template.questions() if q.required and not q.is_conditional]  # hidden: not required
    assert fields == required + ["overall_grade"]
    db.session.rollback()
    assert db.session.get(type(audit), audit.id).status == "not_started"


def test_requires_improvement_and_inadequate_need_evidence(make_audit):
    template = make_audit().template
    answers = complete_answers(template, grade=2)
    answers["plan_smart"] = {"value": 4, "evidence": "  "}
    answers["voice_of_the_child"] = {"value": 3, "evidence": ""}
    answers["recording_quality"] = {"value": 1, "evidence": ""}  # Outstanding needs none
    problems = submission_problems(template, answers, overall_grade=4)
    assert [name for name, _ in problems] == ["e_plan_smart", "e_voice_of_the_child"]
    assert "Inadequate" in problems[0][1]


@pytest.mark.parametrize(("limiting", "overall", "allowed"), [
    (3, 2, False),   # overall Good, but the limiting risk question is Requires improvement
    (3, 3, True),    # equal to the limit
    (3, 4, True),    # worse than the limit is allowed
    (4, 3, False),
    (1, 1, True),
])
def test_overall_grade_can_be_no_better_than_a_limiting_answer(make_audit, limiting, overall, allowed):
    template = make_audit().template
    answers = complete_answers(template, grade=2)
    answers["risk_assessment_quality"] = {"value": limiting, "evidence": "Risk assessment out of date."}
    problems = submission_problems(template, answers, overall_grade=overall)
    if allowed:
        assert problems == []
    else:
        (name, message), = problems
        assert name == "overall_grade"
        assert template.question("risk_assessment_quality").text.strip()[:40] in message


def test_submit_stores_everything_and_writes_the_history(make_audit):
    audit = make_audit()
    answers = complete_answers(audit.template, grade=2)
    save(audit, submit=True, answers=answers, overall_grade=2, overall_summary="Good work.")
    db.session.commit()
    assert audit.status == "submitted" and audit.submitted_at is not None
    stored = audit.answer_map()
    assert stored["plan_smart"].grade == 2
    assert stored["assessment_date"].value == "2026-10-01"
    assert stored["days_since_child_seen"].value == "12"
    event = db.session.scalar(sa.select(Event).where(Event.action == "audit.submitted"))
    assert event.actor_id == audit.auditor_id and event.object_id == audit.id
    assert event.detail["answers"]["plan_smart"]["to"][0] == 2
    with pytest.raises(InvalidTransition):
        save(audit, answers=answers)


def test_only_the_assigned_auditor_can_save(make_audit, make_user):
    audit = make_audit()
    for intruder in (make_user("auditor"), make_user("qa_lead")):
        with pytest.raises(NotPermitted):
            save(audit, actor=intruder)


def test_a_save_from_an_older_page_is_refused(make_audit):
    audit = make_audit()
    loaded_version = audit.version
    save(audit, answers={"plan_smart": {"value": 2, "evidence": ""}})
    db.session.commit()
    with pytest.raises(StaleEdit):
        save(audit, answers={"plan_smart": {"value": 4, "evidence": "x"}}, expected_version=loaded_version)
    db.session.rollback()
    assert audit.answer_map()["plan_smart"].grade == 2


def test_immediate_risk_needs_a_reason_even_in_a_draft(make_audit):
    audit = make_audit()
    with pytest.raises(ValidationFailed) as error:
        save(audit, immediate_risk=True, immediate_risk_reason=" ")
    assert error.value.problems[0][0] == "immediate_risk_reason"
    db.session.rollback()
    save(audit, immediate_risk=True, immediate_risk_reason="Bruising seen, no strategy discussion.")
    db.session.commit()
    assert audit.immediate_risk
    flagged = db.session.scalar(sa.select(Event).where(Event.action == "audit.immediate_risk_flagged"))
    assert flagged.detail["reason"].startswith("Bruising")


def test_a_hidden_question_is_not_required_and_its_answer_is_not_kept(make_audit):
    """CP/CIN: the reason the child was not seen alone is asked only when "seen alone" is No or Partly."""
    audit = make_audit()
    template = audit.template
    answers = complete_answers(template)
    answers["child_seen_alone"] = {"value": "yes", "evidence": ""}
    answers["not_seen_alone_reason"] = {"value": "Typed before the answer changed to Yes", "evidence": ""}
    assert "answer_q_not_seen_alone_reason" not in {f for f, _ in submission_problems(template, answers, 2)}
    save(audit, submit=True, answers=answers, overall_grade=2)
    db.session.commit()
    assert "not_seen_alone_reason" not in audit.answer_map()   # hidden: neither stored nor reported


def test_a_shown_conditional_question_is_required(make_audit):
    audit = make_audit()
    answers = complete_answers(audit.template)
    answers["child_seen_alone"] = {"value": "no", "evidence": ""}
    answers.pop("not_seen_alone_reason")
    fields = [field for field, _ in submission_problems(audit.template, answers, 2)]
    assert fields == ["q_not_seen_alone_reason"]
    answers["not_seen_alone_reason"] = {"value": "Mother refuses; plan for school visits.", "evidence": ""}
    save(audit, submit=True, answers=answers, overall_grade=2)
    db.session.commit()
    assert audit.answer_map()["not_seen_alone_reason"].value == "Mother refuses; plan for school visits."
    assert audit.hidden_questions() == {"plan_end_reason", "plan_end_evidenced"}
