"""What changed between two submitted versions of an audit, as a person reads it."""

from pathlib import Path

import pytest

from qa_app.audit_forms.schema import load_directory
from qa_app.moderation.versions import Change, changes_between

TEMPLATES = Path(__file__).resolve().parents[2] / "audit_templates"


@pytest.fixture(scope="module")
def template():
    templates, problems = load_directory(str(TEMPLATES))
    assert problems == []
    return next(t for t in templates if t.key == "cp-cin-case-file")


def snapshot(**answers):
    return {"overall_grade": 2, "overall_summary": "Good.", "immediate_risk": False, "immediate_risk_reason": "",
            "answers": answers}


def test_identical_versions_have_no_changes(template):
    version = snapshot(plan_smart={"grade": 2, "value": "", "evidence": "Plan seen."})
    assert changes_between(template, version, version) == []


def test_grades_answers_evidence_and_overall_items_are_listed_in_template_order(template):
    before = snapshot(plan_smart={"grade": 3, "value": "", "evidence": "No dates."},
                      chronology_up_to_date={"grade": None, "value": "partly", "evidence": ""},
                      assessment_date={"grade": None, "value": "2026-10-01", "evidence": ""})
    after = snapshot(plan_smart={"grade": 2, "value": "", "evidence": "Dates added."},
                     chronology_up_to_date={"grade": None, "value": "yes", "evidence": ""},
                     assessment_date={"grade": None, "value": "2026-10-02", "evidence": ""},
                     voice_of_the_child={"grade": 2, "value": "", "evidence": ""})
    after["overall_grade"] = 3
    changes = changes_between(template, before, after)
    plan = template.question("plan_smart").text
    assert Change(plan, "Grade", "Requires improvement", "Good") in changes
    assert Change(plan, "Evidence", "No dates.", "Dates added.") in changes
    assert Change(template.question("chronology_up_to_date").text, "Answer", "Partly", "Yes") in changes
    assert Change(template.question("assessment_date").text, "Answer", "1 October 2026", "2 October 2026") in changes
    assert Change(template.question("voice_of_the_child").text, "Grade", "No answer", "Good") in changes
    assert changes[-1] == Change("Overall grade", "", "Good", "Requires improvement")
    order = [q.text for q in template.questions()]
    positions = [order.index(c.item) for c in changes if c.item in order]
    assert positions == sorted(positions)
