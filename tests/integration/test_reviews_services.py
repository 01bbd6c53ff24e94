"""Review rounds: which case files they pick, who audits them, the checks a review audit must
record (and the actions it verifies on the way), and the before/after figures."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from qa_app.actions import services as actions
from qa_app.actions.models import Action
from qa_app.audits.models import Answer, Audit
from qa_app.audits.services import save_audit, set_final_grades
from qa_app.errors import DomainError, NotPermitted, ValidationFailed
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.audits.queries import final_answer_grades, final_overall_grades
from qa_app.reviews.models import ReviewCheck
from qa_app.reviews.queries import review_round_report
from qa_app.reviews.services import create_review_round, files_to_review, review_context
from tests.integration.test_actions_services import moderate
from tests.integration.test_auditing import complete_answers

TODAY = date.today()


@pytest.fixture
def qa(make_user):
    return make_user("qa_lead")


@pytest.fixture
def earlier(make_round, qa):
    return make_round(actor=qa)


def graded(make_audit, make_case, round_, auditor, overall=3, grades=None, status="submitted", case=None):
    """A submitted audit in `round_` with the given question grades (evidence for every one)."""
    audit = make_audit(auditor=auditor, status=status, round_=round_, case=case or make_case(),
                       overall_grade=overall)
    if status == "submitted":
        audit.overall_grade = overall
    for key, grade in (grades or {}).items():
        audit.answers.append(Answer(question_key=key, grade=grade, evidence=f"Earlier evidence for {key}"))
    if status == "submitted":
        set_final_grades(audit, overall=overall)
    db.session.commit()
    return audit


def add_action(audit, owner, due=TODAY, question="plan_smart", status=None):
    action = actions.create_action(audit, actor=audit.auditor, question_key=question, description=f"Fix {question}",
                                   owner_id=owner.id, due_date=max(due, TODAY), today=TODAY)
    action.due_date = due  # as if it had been set earlier
    if status in ("done", "verified"):
        actions.mark_done(action, actor=owner, note="Done.", expected_version=None)
    if status == "verified":
        actions.verify(action, actor=audit.auditor, expected_version=None)
    db.session.commit()
    return action


# --- which files --------------------------------------------------------------------------------

def test_actions_due_mode_picks_exactly_the_files_whose_actions_have_fallen_due(
        make_audit, make_case, make_user, make_round, earlier, qa):
    auditor, worker = make_user("auditor", team="Another team"), make_user("practitioner")
    refs = {}

    def audit_(name, **kwargs):
        audit = graded(make_audit, make_case, kwargs.pop("round_", earlier), auditor,
                       case=make_case(reference=f"R-{name}"), **kwargs)
        refs[name] = audit
        return audit

    add_action(audit_("due_today"), worker, due=TODAY)
    add_action(audit_("due_last_week_verified"), worker, due=TODAY - timedelta(days=7), status="verified")
    two = audit_("one_due_one_not")
    add_action(two, worker, due=TODAY + timedelta(days=20))
    add_action(two, worker, due=TODAY - timedelta(days=1), question="contingency_plan")
    add_action(audit_("due_tomorrow"), worker, due=TODAY + timedelta(days=1))
    audit_("no_actions")
    closed = audit_("case_closed")
    add_action(closed, worker, due=TODAY)
    closed.case_file.status = "closed"
    returned = audit_("returned_for_correction")
    add_action(returned, worker, due=TODAY)
    returned.status = "returned"   # still counts as submitted
    add_action(audit_("other_round", round_=make_round(actor=qa)), worker, due=TODAY)
    db.session.commit()

    chosen = [a.case_file.reference for a in files_to_review(earlier, "actions_due", TODAY)]
    assert chosen == ["R-due_last_week_verified", "R-due_today", "R-one_due_one_not", "R-returned_for_correction"]


def test_graded_mode_picks_requires_improvement_and_inadequate_by_final_grade(
        make_audit, make_case, make_user, earlier):
    auditor, moderator = make_user("auditor", team="Another team"), make_user("moderator")

    def audit_(name, overall, moderated=None, closed=False, status="submitted"):
        audit = graded(make_audit, make_case, earlier, auditor, overall=overall, status=status,
                       case=make_case(reference=f"G-{name}"))
        if moderated is not None:
            moderate(audit, moderator, grade=moderated)
        if closed:
            audit.case_file.status = "closed"
            db.session.commit()
        return audit

    audit_("requires_improvement", 3)
    audit_("inadequate", 4)
    audit_("good", 2)
    audit_("outstanding", 1)
    audit_("good_moderated_to_ri", 2, moderated=3)         # the moderator's grade wins …
    audit_("ri_moderated_to_good", 3, moderated=2)         # … both ways
    audit_("inadequate_but_closed", 4, closed=True)
    audit_("not_submitted", None, status="in_progress")

    chosen = [a.case_file.reference for a in files_to_review(earlier, "graded_ri_or_inadequate", TODAY)]
    assert chosen == ["G-good_moderated_to_ri", "G-inadequate", "G-requires_improvement"]


def test_final_grades_prefer_a_completed_moderation(make_audit, make_case, make_user, earlier):
    from qa_app.moderation.models import Moderation

    auditor, moderator = make_user("auditor", team="Another team"), make_user("moderator")
    done = graded(make_audit, make_case, earlier, auditor, overall=2, grades={"plan_smart": 2, "contingency_plan": 3})
    moderate(done, moderator, grade=4, answers=[("plan_smart", 4), ("contingency_plan", None)])
    pending = graded(make_audit, make_case, earlier, auditor, overall=2, grades={"plan_smart": 2})
    db.session.add(Moderation(audit_id=pending.id, round_id=earlier.id, moderator_id=moderator.id,
                              status="assigned", selected_because="percentage"))
    db.session.commit()
    assert final_overall_grades([done.id, pending.id]) == {done.id: 4, pending.id: 2}
    assert final_answer_grades(done.id) == {"plan_smart": 4, "contingency_plan": 3}
    assert final_answer_grades(pending.id) == {"plan_smart": 2}


# --- creating the round -------------------------------------------------------------------------

def test_review_round_keeps_the_original_auditor_where_possible(make_audit, make_case, make_user, earlier, qa):
    stays = make_user("auditor", team="North")
    leaves = make_user("auditor", team="South")
    spare = make_user("auditor", team="East")
    kept = graded(make_audit, make_case, earlier, stays, overall=3, case=make_case(reference="K-1", team="South"))
    moved = graded(make_audit, make_case, earlier, leaves, overall=4, case=make_case(reference="K-2", team="North"))
    leaves.active = False
    db.session.commit()

    round_ = create_review_round(earlier, name="Review of round 1", due_date=TODAY + timedelta(days=28),
                                 mode="graded_ri_or_inadequate", actor=qa, today=TODAY)
    db.session.commit()
    audits = {a.case_file.reference: a for a in db.session.scalars(sa.select(Audit).where(Audit.round_id == round_.id))}
    assert set(audits) == {"K-1", "K-2"}
    assert audits["K-1"].auditor_id == stays.id and audits["K-1"].reviews_audit_id == kept.id
    assert audits["K-2"].auditor_id not in (None, leaves.id) and audits["K-2"].reviews_audit_id == moved.id
    assert audits["K-2"].auditor_id in (spare.id, stays.id)
    assert round_.reviews_round_id == earlier.id and round_.status == "auditing"
    assert round_.sample_confirmed_at is not None
    assert round_.template_version.key == earlier.template_version.key and round_.template_version.current
    assert {a.status for a in audits.values()} == {"not_started"}
    event = db.session.scalar(sa.select(Event).where(Event.action == "review_round.created"))
    assert event.detail["cases"] == ["K-1", "K-2"] and event.detail["kept_auditor"] == 1


def test_review_round_is_refused_when_nothing_matches_or_for_a_non_qa_lead(make_audit, make_case, make_user, earlier, qa):
    auditor = make_user("auditor", team="Another team")
    graded(make_audit, make_case, earlier, auditor, overall=2)
    due = TODAY + timedelta(days=10)
    with pytest.raises(DomainError, match="No case files"):
        create_review_round(earlier, name="Nothing", due_date=due, mode="graded_ri_or_inadequate", actor=qa, today=TODAY)
    with pytest.raises(NotPermitted):
        create_review_round(earlier, name="Nope", due_date=due, mode="graded_ri_or_inadequate", actor=auditor,
                            today=TODAY)
    with pytest.raises(ValidationFailed) as error:
        create_review_round(earlier, name="Bad", due_date=due, mode="everything", actor=qa, today=TODAY)
    assert error.value.problems == [("mode", "Choose which case files to review")]
    graded(make_audit, make_case, earlier, auditor, overall=4)
    with pytest.raises(ValidationFailed) as error:
        create_review_round(earlier, name="Past", due_date=TODAY - timedelta(days=1),
                            mode="graded_ri_or_inadequate", actor=qa, today=TODAY)
    assert [name for name, _ in error.value.problems] == ["due_date"]


# --- the review audit -------------------------------------------------------------------------------

@pytest.fixture
def review_setup(make_audit, make_case, make_user, earlier, qa):
    """An earlier audit with findings on plan_smart (Inadequate) and contingency_plan (moderated to
    Requires improvement), a Good voice_of_the_child with a done action, and its review audit."""
    auditor, moderator = make_user("auditor", team="Another team"), make_user("moderator")
    worker = make_user("practitioner")
    before = graded(make_audit, make_case, earlier, auditor, overall=4,
                    grades={"plan_smart": 4, "contingency_plan": 2, "voice_of_the_child": 2, "recording_quality": 1})
    moderate(before, moderator, grade=4, answers=[("contingency_plan", 3)])
    smart = add_action(before, worker, question="plan_smart", status="done")
    voice = add_action(before, worker, question="voice_of_the_child", status="done")
    still_open = add_action(before, worker, question="plan_smart")
    round_ = create_review_round(earlier, name="Review", due_date=TODAY + timedelta(days=28), mode="actions_due",
                                 actor=qa, today=TODAY)
    db.session.commit()
    review = db.session.scalar(sa.select(Audit).where(Audit.round_id == round_.id))
    return dict(before=before, review=review, auditor=auditor, worker=worker, smart=smart, voice=voice,
                still_open=still_open, round=round_, qa=qa)


def test_review_checks_every_finding_and_every_question_with_an_action(review_setup):
    context = review_context(review_setup["review"])
    assert [(i.key, i.finding, [a.id for a in i.actions]) for i in context.items] == [
        ("contingency_plan", True, []),                  # a finding through the moderated grade
        ("plan_smart", True, [review_setup["smart"].id, review_setup["still_open"].id]),
        ("voice_of_the_child", False, [review_setup["voice"].id]),   # Good, but it had an action
    ]
    plan = context.by_key["plan_smart"]
    assert plan.auditor_grade == 4 and plan.answer.evidence == "Earlier evidence for plan_smart"
    assert context.by_key["contingency_plan"].moderated_grade == 3
    assert review_setup["review"].auditor_id == review_setup["auditor"].id


def submit_review(setup, checks, verify=(), submit=True):
    review = setup["review"]
    answers = complete_answers(review.template, grade=2)
    return save_audit(review, actor=review.auditor, answers=answers, overall_grade=2, overall_summary="Better.",
                      immediate_risk=False, immediate_risk_reason="", expected_version=review.version,
                      submit=submit, extensions={"review": {"checks": checks, "verify_action_ids": list(verify)}})


ALL_YES = {"contingency_plan": {"in_place": "yes", "evidence": ""},
           "plan_smart": {"in_place": "yes", "evidence": "Plan has dates now."},
           "voice_of_the_child": {"in_place": "partly", "evidence": "Seen alone once."}}


def test_submitting_a_review_needs_every_check_and_evidence_for_partly_or_no(review_setup):
    with pytest.raises(ValidationFailed) as error:
        submit_review(review_setup, {"plan_smart": {"in_place": "no", "evidence": ""}})
    fields = [name for name, _ in error.value.problems]
    assert fields == ["rc_contingency_plan", "rce_plan_smart", "rc_voice_of_the_child"]
    db.session.rollback()
    # A draft saves whatever is there.
    submit_review(review_setup, {"plan_smart": {"in_place": "no", "evidence": ""}}, submit=False)
    db.session.commit()
    stored = db.session.scalars(sa.select(ReviewCheck).where(ReviewCheck.audit_id == review_setup["review"].id)).all()
    assert [(c.question_key, c.in_place) for c in stored] == [("plan_smart", "no")]


def test_review_submission_verifies_done_actions_confirmed_in_place(review_setup):
    s = review_setup
    submit_review(s, ALL_YES, verify=[s["smart"].id])
    db.session.commit()
    db.session.expire_all()
    assert s["review"].status == "submitted"
    assert db.session.get(Action, s["smart"].id).status == "verified"
    assert db.session.get(Action, s["smart"].id).verified_by_id == s["auditor"].id
    assert db.session.get(Action, s["voice"].id).status == "done"        # not ticked
    assert db.session.get(Action, s["still_open"].id).status == "open"
    checks = {c.question_key: (c.in_place, c.evidence) for c in db.session.scalars(
        sa.select(ReviewCheck).where(ReviewCheck.audit_id == s["review"].id))}
    assert checks == {"contingency_plan": ("yes", ""), "plan_smart": ("yes", "Plan has dates now."),
                      "voice_of_the_child": ("partly", "Seen alone once.")}
    verified = db.session.scalar(sa.select(Event).where(Event.action == "action.verified",
                                                        Event.object_id == s["smart"].id))
    assert verified.detail["via"] == f"review audit {s['review'].id}"


@pytest.mark.parametrize(("action", "message"), [
    ("voice", "only if the improvement is in place"),       # its check is Partly
    ("still_open", "has not marked it as done"),
])
def test_review_cannot_verify_an_action_not_confirmed_in_place(review_setup, action, message):
    s = review_setup
    with pytest.raises(ValidationFailed) as error:
        submit_review(s, ALL_YES, verify=[s[action].id])
    ((name, text),) = error.value.problems
    assert name == f"verify_{s[action].id}" and message in text
    db.session.rollback()
    assert db.session.get(Action, s[action].id).status in ("done", "open")
    assert db.session.get(Audit, s["review"].id).status == "not_started"


def test_review_round_report_before_after_and_themes(review_setup, make_audit, make_case):
    s = review_setup
    submit_review(s, ALL_YES, verify=[s["smart"].id])
    db.session.commit()
    files, themes = review_round_report(s["round"])
    (row,) = files
    assert (row.grade_before, row.grade_after, row.before_label, row.after_label, row.change) == (
        4, 2, "Inadequate", "Good", "Better")
    assert (row.findings, row.put_right) == (2, 2)
    by_theme = {t.theme: (t.findings, t.checked, t.put_right, t.partly, t.not_in_place) for t in themes}
    # Findings: plan_smart (smart_objectives) and contingency_plan (contingency_planning), both put right;
    # voice_of_the_child was Good, so it is not a finding although it had an action.
    assert by_theme == {"contingency_planning": (1, 1, 1, 0, 0), "smart_objectives": (1, 1, 1, 0, 0)}


def test_in_place_while_the_regrade_still_needs_to_improve_needs_a_reason(review_setup):
    review = review_setup["review"]
    answers = complete_answers(review.template, grade=2)
    answers["contingency_plan"] = {"value": 3, "evidence": "Contingency plan written but not shared."}

    def submit_with(checks):
        return save_audit(review, actor=review.auditor, answers=answers, overall_grade=3, overall_summary="Better.",
                          immediate_risk=False, immediate_risk_reason="", expected_version=review.version,
                          submit=True, extensions={"review": {"checks": checks, "verify_action_ids": []}})

    with pytest.raises(ValidationFailed) as error:
        submit_with(ALL_YES)
    assert [(name, "give the reason" in text and "Requires improvement" in text)
            for name, text in error.value.problems] == [("rce_contingency_plan", True)]
    db.session.rollback()
    explained = {**ALL_YES, "contingency_plan": {"in_place": "yes",
                                                 "evidence": "The plan is in place; the grade is for its recording."}}
    submit_with(explained)
    db.session.commit()
    assert db.session.get(Audit, review.id).status == "submitted"
