"""The template editor's pure parts: a template and its file shape round-trip, and two versions
compare question by question."""

from pathlib import Path

import pytest

from qa_app.audit_forms.schema import load_directory, parse_template
from qa_app.template_editor.compare import compare
from qa_app.template_editor.services import answers_from_labels, data_of, yaml_text

SHIPPED, _ = load_directory(Path(__file__).resolve().parents[2] / "audit_templates")


@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.key)
def test_every_shipped_template_survives_the_editor_shape(template):
    again = parse_template(yaml_text(data_of(template)), f"{template.key}.yaml")
    assert again.content_hash() == template.content_hash()


def test_two_versions_compare_question_by_question():
    old = next(t for t in SHIPPED if t.key == "neglect")
    data = data_of(old)
    questions = data["sections"][0]["questions"]
    questions[0]["text"] = "Was the Graded Care Profile 2 used?"
    questions[0]["required"] = False
    removed = questions.pop(1)                      # neglect_tool_date (its condition goes with it)
    questions.append({"key": "home_conditions", "text": "Are home conditions described?", "type": "yes_partly_no"})
    data["version"] = "2026.2"
    new = parse_template(yaml_text(data), "neglect.yaml")
    result = compare(old, new)
    by_key = {row.key: row for row in result["questions"]}
    assert by_key["home_conditions"].status == "added"
    assert by_key[removed["key"]].status == "removed"
    changed = by_key["neglect_tool_used"]
    assert changed.status == "changed"
    assert ("Question", "Was a recognised neglect assessment tool (such as the Graded Care Profile) used?",
            "Was the Graded Care Profile 2 used?") in changed.changes
    assert ("Required", "Yes", "No") in changed.changes
    assert by_key["cumulative_harm"].status == "unchanged"
    assert result["template"] == [("Version", "2026.1", "2026.2")]
    assert result["counts"] == {"added": 1, "removed": 1, "changed": 1,
                                "unchanged": len(list(old.questions())) - 2}


def test_condition_answers_typed_as_labels_are_stored_as_codes():
    scale = SHIPPED[0].scale
    assert answers_from_labels({"type": "yes_partly_no"}, ["No", "partly"], scale) == ["no", "partly"]
    assert answers_from_labels({"type": "grade"}, ["Inadequate", "Requires improvement"], scale) == ["4", "3"]
    assert answers_from_labels({"type": "choice"}, ["Other"], scale) == ["Other"]
