"""Family and child feedback: the template's feedback section, recording it on an audit or on its own,
who may, the checks, and the report's `feedback` and `by_source` figures."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from qa_app.audit_forms.schema import TemplateInvalid, parse_template
from qa_app.errors import DomainError, NotPermitted, ValidationFailed
from qa_app.extensions import db
from qa_app.feedback import services
from qa_app.feedback.models import FeedbackRecord
from qa_app.history.models import Event
from qa_app.reports.builder import round_report
from tests.functional.test_moderation_support import submit

TODAY = date.today()
GOOD = {"fb_understood_why": "yes", "fb_listened_to": "partly", "fb_plan_helps": "no",
        "fb_know_who_to_contact": "na", "fb_child_words": "She listens to me."}


def save(audit, actor, **overrides):
    values = dict(respondent="child", method="visit", consent=True, received_on=TODAY, answers=GOOD,
                  what_changed="", today=TODAY)
    values.update(overrides)
    return services.save_feedback(None, actor=actor, case_file=audit.case_file, round_=audit.round, audit=audit,
                                  **values)


@pytest.fixture
def audit(make_user, make_audit):
    return submit(make_audit(auditor=make_user("auditor", team="South")), grade=2)


def test_the_shipped_templates_ask_the_family(app):
    from qa_app.audit_forms.services import current_version

    for key in ("cp-cin-case-file", "looked-after-child", "care-leaver-pathway"):
        feedback = current_version(key).template.feedback
        assert feedback is not None and any(q.type == "text" for q in feedback.questions), key
    assert current_version("supervision-record").template.feedback is None


def test_a_feedback_section_is_checked_like_the_rest_of_the_template():
    base = """key: t
title: T
version: "1"
applies_to: [CP]
scale: ofsted4
sections:
  - key: s
    title: S
    questions:
      - {key: q1, text: Q, type: grade, themes: [recording]}
"""
    bad = base + """feedback:
  title: F
  questions:
    - {key: q1, text: Again, type: yes_partly_no}
    - {key: f2, text: Graded, type: grade, themes: [recording]}
    - {key: f3, text: Limit, type: text, limiting: true}
"""
    with pytest.raises(TemplateInvalid) as info:
        parse_template(bad, "t.yaml")
    reasons = [(p.path, p.reason) for p in info.value.problems]
    assert any(path == "feedback.questions[0].key" and "duplicate question key 'q1'" in r for path, r in reasons)
    assert any(path == "feedback.questions[1].type" for path, _ in reasons)
    assert any(path == "feedback.questions[2].limiting" for path, _ in reasons)
    good = parse_template(base + "feedback:\n  title: F\n  questions:\n    - {key: f1, text: Fine, type: yes_partly_no}\n",
                          "t.yaml")
    assert [q.key for q in good.feedback.questions] == ["f1"]
    plain = parse_template(base, "t.yaml")
    assert plain.feedback is None and "feedback" not in plain.to_storage_dict()   # old hashes unchanged


def test_feedback_on_an_audit_is_recorded_with_its_answers_and_history(audit):
    feedback = save(audit, audit.auditor, what_changed="Things are calmer at home.")
    db.session.commit()
    assert feedback.answer_map() == GOOD and feedback.round_id == audit.round_id
    assert {a.question_key: a.scored for a in feedback.answers}["fb_child_words"] is False
    event = db.session.scalar(sa.select(Event).where(Event.action == "family_feedback.recorded"))
    assert event.actor_id == audit.auditor_id and event.detail["answers"]["fb_child_words"] == "She listens to me."


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"respondent": "neighbour"}, "respondent", "Choose who gave the feedback"),
    ({"method": "pigeon"}, "method", "Choose how the feedback was given"),
    ({"consent": False}, "consent", "agreed to give it"),
    ({"received_on": None}, "received_on", "Enter the date"),
    ({"received_on": TODAY + timedelta(days=1)}, "received_on", "today or in the past"),
    ({"answers": {"fb_listened_to": "maybe"}}, "f_fb_listened_to", "Choose an answer for"),
    ({"answers": {"fb_child_words": "x" * 4001}}, "f_fb_child_words", "4,000 characters"),
    ({"answers": {}}, "what_changed", "Record at least one answer"),
])
def test_bad_feedback_is_refused_with_the_reason_on_its_field(audit, overrides, field, message):
    with pytest.raises(ValidationFailed) as info:
        save(audit, audit.auditor, **overrides)
    assert message in dict(info.value.problems)[field]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackRecord)) == 0


def test_who_records_feedback(audit, make_user):
    for intruder in (make_user("auditor"), make_user("practitioner"), make_user("viewer"), make_user("moderator")):
        with pytest.raises(NotPermitted):
            save(audit, intruder)
    assert save(audit, make_user("qa_lead")).id
    with pytest.raises(NotPermitted):
        services.save_feedback(None, actor=audit.auditor, case_file=audit.case_file, round_=audit.round, audit=None,
                               respondent="parent", method="form", consent=True, received_on=TODAY, answers=GOOD,
                               what_changed="", today=TODAY)


def test_a_template_without_feedback_questions_cannot_take_feedback(make_user, make_round, make_audit):
    audit = submit(make_audit(auditor=make_user("auditor"), round_=make_round(template="supervision-record")))
    with pytest.raises(DomainError):
        save(audit, make_user("qa_lead"))


def test_the_report_counts_responses_and_positive_answers_by_respondent(audit, make_user, make_case):
    qa = make_user("qa_lead")
    save(audit, audit.auditor)                                                             # 1 of 3 positive
    save(audit, audit.auditor, respondent="parent", answers={"fb_understood_why": "yes", "fb_plan_helps": "yes"})
    other_case = make_case(team="Assessment")
    services.save_feedback(None, actor=qa, case_file=other_case, round_=audit.round, audit=None, respondent="parent",
                           method="form", consent=True, received_on=TODAY, answers={"fb_plan_helps": "no",
                                                                                   "fb_child_words": "yes"},
                           what_changed="", today=TODAY)   # the text "yes" is words, never scored
    db.session.commit()
    report = round_report(audit.round)
    assert report["feedback"] == {"child": {"responses": 1, "percent_positive": 33.3},
                                  "parent": {"responses": 2, "percent_positive": 66.7}}
    family = report["by_source"]["family_feedback"]
    assert (family["responses"], family["scored_answers"], family["percent_positive"]) == (3, 6, 50.0)
    assert family["themes"]["voice_of_the_child"] == {"answers": 3, "percent_positive": 66.7}
    assert report["by_source"]["file_audit"]["audits"] == report["audits"] == 1
    assert "observation" not in report["by_source"]


def test_observation_rounds_are_a_source_of_their_own(make_user, make_round, make_audit, make_case):
    from qa_app.audit_forms.services import current_version
    from qa_app.reports.builder import build_report
    from qa_app.reports.queries import ReportFilter

    home_visit = current_version("observation-home-visit")
    assert home_visit.template.is_observation and "observation of practice: home visit" in home_visit.label
    file_round, visit_round = make_round(), make_round(template="observation-home-visit")
    auditor = make_user("auditor", team="South")
    submit(make_audit(auditor=auditor, round_=file_round, case=make_case(team="North")), grade=2)
    for grade in (3, 4):
        submit(make_audit(auditor=auditor, round_=visit_round, case=make_case(team="North")), grade=grade)
    report = build_report(ReportFilter(round_ids=(file_round.id, visit_round.id)), with_challenges=False)
    sources = report["by_source"]
    assert set(sources) == {"file_audit", "observation"}
    assert (sources["file_audit"]["audits"], sources["observation"]["audits"], report["audits"]) == (1, 2, 3)
    assert sources["observation"]["percent_inadequate"] == 50.0 and sources["file_audit"]["percent_inadequate"] == 0.0
    assert "voice_of_the_child" in sources["observation"]["themes"]
    assert sources["observation"]["teams"]["North"]["audits"] == 2
