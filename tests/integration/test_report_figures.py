"""The report's figures on a hand-built set with known answers."""

from datetime import date, timedelta

import pytest

from qa_app.audits.models import Answer
from qa_app.db import utcnow
from qa_app.extensions import db
from qa_app.audits.services import set_final_grades
from qa_app.moderation.services import record_completed
from qa_app.reports.builder import build_report, find_round, round_report
from qa_app.reports.queries import ReportFilter

# 16 files: final grades 3 Outstanding, 6 Good, 4 Requires improvement, 3 Inadequate.
# One Inadequate is the moderator's: the auditor said Good (the auditor was optimistic).
AUDITOR_GRADES = [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4]
MODERATED = {9: (4, "worse"), 0: (1, "agreed")}   # index → moderator's overall grade


@pytest.fixture
def built(app, make_round, make_case, make_user, make_audit):
    round_ = make_round()
    moderator = make_user("moderator")
    north_auditor = make_user("auditor", team="South")
    audits = []
    for index, grade in enumerate(AUDITOR_GRADES):
        team = "North" if index < 8 else "South"
        case = make_case(team=team, case_type="CP" if index % 2 else "CIN")
        audit = make_audit(auditor=north_auditor, round_=round_, case=case, status="submitted", overall_grade=grade)
        # Two graded answers per audit: risk (themes risk_assessment) and the plan (smart_objectives).
        audit.answers = [Answer(question_key="risk_assessment_quality", grade=grade, value="", evidence="e"),
                         Answer(question_key="plan_smart", grade=2, value="", evidence="")]
        set_final_grades(audit, overall=grade)
        if index in MODERATED:
            moderated_grade, _ = MODERATED[index]
            audit.status = "moderated"
            record_completed(audit, moderator=moderator, overall_grade=moderated_grade, overall_rationale="",
                             answers={"risk_assessment_quality": (moderated_grade, "r")},
                             selected_because="percentage", completed_at=utcnow())
        audits.append(audit)
    # An audit still in progress does not count.
    make_audit(auditor=north_auditor, round_=round_, status="in_progress")
    db.session.commit()
    return round_, audits


def test_headline_figures(built):
    round_, _ = built
    report = round_report(round_)
    assert report["round"] == round_.name
    assert report["audits"] == 16
    assert report["final_grades"] == {"Outstanding": 3, "Good": 6, "Requires improvement": 4, "Inadequate": 3}
    assert report["auditor_grades"] == {"Outstanding": 3, "Good": 7, "Requires improvement": 4, "Inadequate": 2}
    assert report["percent_inadequate"] == 18.8
    assert report["percent_good_or_better"] == 56.2


def test_theme_figures_use_the_moderated_answer(built):
    round_, _ = built
    themes = round_report(round_)["themes"]
    # risk answers follow the overall grades; one was moderated from Good to Inadequate.
    assert themes["risk_assessment"] == {"answers": 16, "percent_good_or_better": 56.2, "percent_inadequate": 18.8, "small_number": False}
    assert themes["smart_objectives"] == {"answers": 16, "percent_good_or_better": 100.0, "percent_inadequate": 0.0, "small_number": False}
    assert "voice_of_the_child" not in themes  # no answers, no row


def test_teams_case_types_and_questions(built):
    round_, _ = built
    report = round_report(round_)
    assert report["teams"]["North"] == {"audits": 8, "percent_inadequate": 0.0, "percent_good_or_better": 100.0, "small_number": False}
    assert report["teams"]["South"]["audits"] == 8
    assert report["teams"]["South"]["percent_inadequate"] == 37.5
    assert report["case_types"]["CP"]["audits"] == 8
    assert report["strengths"][0]["question"] == "plan_smart"
    assert report["areas_for_development"][0]["question"] == "risk_assessment_quality"


def test_filters_narrow_the_scope(built, make_team):
    round_, _ = built
    north = make_team("North")
    report = build_report(ReportFilter(round_ids=(round_.id,), team_id=north.id))
    assert report["audits"] == 8 and report["percent_inadequate"] == 0.0
    tomorrow = date.today() + timedelta(days=1)
    assert build_report(ReportFilter(round_ids=(round_.id,), date_from=tomorrow))["audits"] == 0
    empty = build_report(ReportFilter(round_ids=(round_.id,), date_from=tomorrow))
    assert empty["percent_inadequate"] is None


def test_trend_has_one_point_per_round(built, make_round, make_audit, make_user):
    round_, _ = built
    later = make_round()
    make_audit(round_=later, status="submitted", overall_grade=4)
    trend = build_report(ReportFilter())["trend"]
    assert [point["round"] for point in trend] == [round_.name, later.name]
    assert trend[1]["percent_inadequate"] == 100.0


def test_the_trend_runs_in_time_order_whenever_a_round_was_created(built, make_round, make_audit):
    """Once a bug: a round imported in 2026 of audits done in 2025 was drawn after 2026's rounds."""
    from datetime import datetime

    round_, _ = built
    imported = make_round()                 # created after `round_` …
    audit = make_audit(round_=imported, status="submitted", overall_grade=2)
    audit.submitted_at = datetime(2025, 3, 4, 10, 0)   # … of audits done a year earlier
    db.session.commit()
    trend = build_report(ReportFilter())["trend"]
    assert [point["round"] for point in trend] == [imported.name, round_.name]


def test_find_round_by_id_or_exact_name(built):
    round_, _ = built
    assert find_round(round_.name) == round_
    assert find_round(str(round_.id)) == round_
    assert find_round("no such round") is None


def test_moderation_figures_come_from_the_moderated_pairs(built):
    round_, _ = built
    moderation = round_report(round_)["moderation"]
    # Two moderated audits: one agreed (Outstanding/Outstanding), one moderated worse (Good → Inadequate).
    assert {k: moderation[k] for k in ("pairs", "exact_agreement", "within_one", "agreed", "moderated_worse",
                                       "moderated_better")} == {
        "pairs": 2, "exact_agreement": 50.0, "within_one": 50.0, "agreed": 1, "moderated_worse": 1,
        "moderated_better": 0}
    # Hand computation, quadratic weights over all four grades: pairs (1,1) and (2,4).
    # observed weighted disagreement = (0 + (2/3)^2)/2 = 2/9; expected = mean over the product of the
    # marginals {1:.5, 2:.5} x {1:.5, 4:.5} of ((i-j)/3)^2 = (0 + 1 + 1/9 + 4/9)/4 = 14/36
    assert moderation["weighted_kappa"] == round(1 - (2 / 9) / (14 / 36), 3)
    assert moderation["by_question"]["risk_assessment_quality"]["pairs"] == 2
    assert moderation["by_theme"]["risk_assessment"]["moderated_worse"] == 1


def test_follow_up_outcomes(app, make_round, make_audit, make_case, make_user):
    from qa_app.reviews.models import ReviewCheck

    case = make_case()
    auditor = make_user("auditor", team="Elsewhere")
    earlier = make_audit(auditor=auditor, case=case, status="submitted", overall_grade=3)
    review_round = make_round()
    review = make_audit(auditor=auditor, case=case, round_=review_round, status="submitted", overall_grade=2)
    review.reviews_audit_id = earlier.id
    db.session.add_all([ReviewCheck(audit_id=review.id, question_key="plan_smart", in_place="yes"),
                        ReviewCheck(audit_id=review.id, question_key="risk_assessment_quality", in_place="no",
                                    evidence="Still no risk analysis")])
    db.session.commit()
    reviews = round_report(review_round)["reviews"]
    assert reviews == {"follow_up_audits": 1, "findings": 2, "findings_put_right": 1, "findings_partly_put_right": 0,
                       "findings_not_put_right": 1, "percent_put_right": 50.0, "grade_better": 1, "grade_same": 0,
                       "grade_worse": 0}
    assert round_report(earlier.round)["reviews"]["follow_up_audits"] == 0


def test_no_question_is_both_a_strength_and_an_area():
    from qa_app.reports.queries import QuestionRate, Rate, strengths_and_areas

    rates = [QuestionRate("t", f"q{i}", f"Question {i}", Rate(10, good, bad))
             for i, (good, bad) in enumerate([(9, 0), (5, 3), (2, 6), (7, 1), (10, 0)])]
    strengths, areas = strengths_and_areas(rates)
    assert [q.question_key for q in areas] == ["q2", "q1", "q3"]
    assert [q.question_key for q in strengths] == ["q4", "q0"]
