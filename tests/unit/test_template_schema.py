"""Audit template format: parsing, validation, hashing, storage and grade limits."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from qa_app.audit_forms.schema import (
    BUILTIN_SCALES, MAX_BYTES, QUESTION_TYPES, THEME_LABELS, THEMES, YES_PARTLY_NO, AuditTemplate,
    Grade, GradeScale, TemplateInvalid, TemplateProblem, grade_limit, load_directory,
    overall_grade_problem, parse_template,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = REPO_ROOT / "audit_templates"

MINIMAL = """\
key: minimal
title: Minimal template
version: "1"
applies_to: [CP]
scale: ofsted4
sections:
  - key: risk
    title: Risk
    questions:
      - key: risk_grade
        text: Is risk assessed?
        guidance: Look for it.
        type: grade
        limiting: true
        themes: [risk_assessment]
      - key: seen_alone
        text: Seen alone?
        type: yes_partly_no
      - key: plan_type
        text: Which plan?
        type: choice
        choices: [CIN, CP]
  - key: other
    title: Other
    questions:
      - key: notes
        text: Notes
        type: text
"""

INLINE_SCALE = """\
scale:
  key: three_point
  grades:
    - {value: 1, label: Good}
    - {value: 2, label: Requires improvement}
    - {value: 3, label: Inadequate}
  good_or_better: [1]
  inadequate: 3
  evidence_required: [2, 3]
"""


def parse(text: str, filename: str = "minimal.yaml") -> AuditTemplate:
    return parse_template(text, filename)


def problems_of(text: str, filename: str = "minimal.yaml") -> list[TemplateProblem]:
    with pytest.raises(TemplateInvalid) as info:
        parse(text, filename)
    return info.value.problems


def edit(old: str, new: str, base: str = MINIMAL) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


def inline(old: str = "", new: str = "") -> str:
    scale = edit(old, new, INLINE_SCALE) if old else INLINE_SCALE
    return edit("scale: ofsted4\n", scale)


# ---------------------------------------------------------------- shipped templates

EXPECTED_TEMPLATES = {
    "care-leaver-pathway": ("CL",),
    "cp-cin-case-file": ("CIN", "CP"),
    "looked-after-child": ("CLA",),
    "supervision-record": ("EH", "CIN", "CP", "CLA", "CL", "PF"),
    "themed-under5-domestic-abuse": ("CP",),
    "section-47-strategy": ("CIN", "CP"),
    "private-fostering": ("PF",),
    "homeless-16-17": ("CIN", "CLA"),
    "neglect": ("CIN", "CP"),
}


@pytest.fixture(scope="module")
def shipped() -> dict[str, AuditTemplate]:
    templates, problems = load_directory(TEMPLATES_DIR)
    assert problems == []
    return {t.key: t for t in templates}


def test_shipped_templates_load_without_problems(shipped):
    assert set(shipped) == set(EXPECTED_TEMPLATES)
    for key, template in shipped.items():
        assert template.applies_to == EXPECTED_TEMPLATES[key]
        assert template.scale is BUILTIN_SCALES["ofsted4"]
        assert template.version and template.title and template.description


def test_every_theme_is_used_on_a_graded_question(shipped):
    used = {theme for t in shipped.values() for q in t.questions() if q.is_graded for theme in q.themes}
    assert used == set(THEMES)


def test_every_shipped_question_has_guidance_and_no_overall_grade(shipped):
    for t in shipped.values():
        for q in t.questions():
            assert q.guidance, (t.key, q.key)
            assert "overall" not in q.key, (t.key, q.key)
        assert any(q.limiting for q in t.questions()), t.key


def test_cp_cin_template_requirements(shipped):
    t = shipped["cp-cin-case-file"]
    graded_themes = {theme for q in t.questions() if q.is_graded for theme in q.themes}
    for theme in ("risk_assessment", "contingency_planning", "smart_objectives",
                  "voice_of_the_child", "management_oversight"):
        assert theme in graded_themes
    assert any(q.limiting and q.is_graded and "risk_assessment" in q.themes for q in t.questions())
    assert {q.type for q in t.questions()} == set(QUESTION_TYPES)
    assert 15 <= len(list(t.questions())) <= 30


def test_vocabularies():
    assert THEMES[0] == "risk_assessment" and THEMES[-1] == "exploitation_and_missing"
    assert len(THEMES) == 14 and set(THEME_LABELS) == set(THEMES)
    assert THEME_LABELS["voice_of_the_child"] == "Voice of the child"
    assert [code for code, _ in YES_PARTLY_NO] == ["yes", "partly", "no", "na"]


# ---------------------------------------------------------------- parsing a good template

def test_minimal_template_parses_with_defaults():
    t = parse(MINIMAL)
    assert t.key == "minimal" and t.version == "1" and t.applies_to == ("CP",)
    assert t.description == "" and t.source == MINIMAL
    risk, seen, plan, notes = t.questions()
    assert (risk.required, risk.limiting, risk.themes, risk.guidance) == (True, True, ("risk_assessment",), "Look for it.")
    assert (seen.required, seen.limiting, seen.themes, seen.guidance) == (True, False, (), "")
    assert plan.required and plan.choices == ("CIN", "CP")
    assert notes.required is False and not notes.is_graded and risk.is_graded
    assert t.question("notes") is notes
    with pytest.raises(KeyError):
        t.question("nope")


def test_templates_are_frozen_and_hashable():
    t = parse(MINIMAL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.key = "other"  # type: ignore[misc]
    assert hash(t) == hash(parse(MINIMAL))


def test_inline_scale():
    t = parse(inline())
    assert t.scale.key == "three_point"
    assert t.scale.values() == (1, 2, 3)
    assert t.scale.good_or_better == frozenset({1}) and t.scale.inadequate == 3
    assert t.to_json_dict()["scale"][1] == {"value": 2, "label": "Requires improvement"}


def test_yml_extension_and_path_in_filename():
    assert parse(MINIMAL, "some/folder/minimal.yml").key == "minimal"


# ---------------------------------------------------------------- bad templates

SECTIONS_ONLY_TEXT = MINIMAL[: MINIMAL.index("sections:")]

BAD_TEMPLATES = [
    ("yaml-syntax", edit("applies_to: [CP]", "applies_to: [CP"), "(file)", "YAML syntax error at line"),
    ("not-a-mapping", "- one\n- two\n", "(file)", "must be a mapping"),
    ("empty-file", "# nothing here\n", "(file)", "the file is empty"),
    ("python-tag", edit('version: "1"', "version: !!python/object/apply:os.system [echo]"),
     "(file)", "constructor"),
    ("too-big", MINIMAL + "#" + "x" * MAX_BYTES + "\n", "(file)", "larger than 1 MB"),
    ("yaml-duplicate-key", edit("title: Minimal template\n", "title: A\ntitle: B\n"), "title",
     "given twice (lines 2 and 3)"),
    ("unknown-template-key", MINIMAL + "colour: blue\n", "colour", "unknown key 'colour'"),
    ("unknown-section-key", edit("    title: Risk\n", "    title: Risk\n    order: 1\n"),
     "sections[0].order", "unknown key 'order'"),
    ("unknown-question-key", edit("guidance: Look", "guidence: Look"),
     "sections[0].questions[0].guidence", "did you mean 'guidance'"),
    ("missing-title", edit("title: Minimal template\n", ""), "title", "is required"),
    ("empty-version", edit('version: "1"', "version:"), "version", "is required but empty"),
    ("missing-question-type", edit("        type: text\n", ""), "sections[1].questions[0].type",
     "is required"),
    ("yes-is-a-boolean", edit("text: Notes", "text: yes"), "sections[1].questions[0].text",
     "true/false"),
    ("version-is-a-number", edit('version: "1"', "version: 2026.1"), "version", "put the value in quotes"),
    ("required-not-bool", edit("type: yes_partly_no\n", "type: yes_partly_no\n        required: maybe\n"),
     "sections[0].questions[1].required", "must be true or false"),
    ("sections-not-list", SECTIONS_ONLY_TEXT + "sections: risk\n", "sections", "must be a list"),
    ("applies-to-not-list", edit("applies_to: [CP]", "applies_to: CP"), "applies_to", "must be a list"),
    ("applies-to-empty", edit("applies_to: [CP]", "applies_to: []"), "applies_to",
     "at least one case type"),
    ("unknown-case-type", edit("applies_to: [CP]", "applies_to: [CP, XX]"), "applies_to[1]",
     "unknown case type 'XX'"),
    ("bad-template-key", edit("key: minimal", "key: Minimal_1"), "key", "not a valid key"),
    ("key-not-filename", edit("key: minimal", "key: something-else"), "key",
     "must be the same as the file name ('minimal')"),
    ("bad-question-key", edit("key: risk_grade", "key: Risk-Grade"), "sections[0].questions[0].key",
     "not a valid key"),
    ("duplicate-section-key", edit("  - key: other", "  - key: risk"), "sections[1].key",
     "duplicate section key 'risk' (also used at sections[0].key)"),
    ("duplicate-question-key", edit("key: notes", "key: seen_alone"), "sections[1].questions[0].key",
     "also used at sections[0].questions[1].key"),
    ("unknown-type", edit("type: text", "type: essay"), "sections[1].questions[0].type",
     "unknown question type 'essay'"),
    ("unknown-theme", edit("themes: [risk_assessment]", "themes: [risk_assessment, vibes]"),
     "sections[0].questions[0].themes[1]", "unknown theme 'vibes'"),
    ("grade-without-theme", edit("themes: [risk_assessment]", "themes: []"),
     "sections[0].questions[0].themes", "at least one theme"),
    ("unknown-builtin-scale", edit("scale: ofsted4", "scale: ofsted5"), "scale", "unknown scale 'ofsted5'"),
    ("scale-wrong-type", edit("scale: ofsted4", "scale: 4"), "scale", "built-in scale or a mapping"),
    ("inline-one-grade", inline("    - {value: 2, label: Requires improvement}\n    - {value: 3, label: Inadequate}\n",
                                "").replace("[2, 3]", "[1]").replace("inadequate: 3", "inadequate: 1")
     .replace("good_or_better: [1]", "good_or_better: []"), "scale.grades", "at least 2 grades"),
    ("inline-duplicate-value", inline("value: 2,", "value: 1,"), "scale.grades[1].value",
     "grade value 1 is used twice"),
    ("inline-duplicate-label", inline("label: Inadequate", "label: good"), "scale.grades[2].label",
     "grade label 'good' is used twice"),
    ("inline-non-int-value", inline("value: 3,", "value: three,"), "scale.grades[2].value",
     "must be a whole number"),
    ("inline-bad-reference", inline("good_or_better: [1]", "good_or_better: [1, 9]"),
     "scale.good_or_better[1]", "grade 9 is not one of the scale's grades"),
    ("inline-bad-inadequate", inline("inadequate: 3", "inadequate: 7"), "scale.inadequate",
     "grade 7 is not one of"),
    ("inline-missing-key", inline("  evidence_required: [2, 3]\n", ""), "scale.evidence_required",
     "is required"),
    ("inline-unknown-key", inline("  inadequate: 3\n", "  inadequate: 3\n  colour: red\n"),
     "scale.colour", "unknown key 'colour'"),
    ("inline-unknown-grade-key", inline("{value: 1, label: Good}", "{value: 1, label: Good, rag: green}"),
     "scale.grades[0].rag", "unknown key 'rag'"),
    ("inline-builtin-name", inline("key: three_point", "key: ofsted4"), "scale.key", "built-in scale"),
    ("limiting-on-non-grade", edit("type: yes_partly_no\n", "type: yes_partly_no\n        limiting: true\n"),
     "sections[0].questions[1].limiting", "only grade questions can be limiting"),
    ("choices-missing", edit("        choices: [CIN, CP]\n", ""), "sections[0].questions[2].choices",
     "needs a list of choices"),
    ("choices-too-few", edit("choices: [CIN, CP]", "choices: [CIN]"), "sections[0].questions[2].choices",
     "at least 2 choices"),
    ("choices-duplicate", edit("choices: [CIN, CP]", "choices: [CIN, CIN]"),
     "sections[0].questions[2].choices[1]", "'CIN' is listed twice"),
    ("choices-blank", edit("choices: [CIN, CP]", "choices: [CIN, ' ']"),
     "sections[0].questions[2].choices[1]", "must not be blank"),
    ("choices-on-non-choice", edit("type: text\n", "type: text\n        choices: [a, b]\n"),
     "sections[1].questions[0].choices", "only allowed on choice questions"),
    ("empty-sections", SECTIONS_ONLY_TEXT + "sections: []\n", "sections", "at least one section"),
    ("section-without-questions", MINIMAL[: MINIMAL.index("    questions:\n      - key: notes")]
     + "    questions: []\n", "sections[1].questions", "at least one question"),
    ("no-grade-question", edit("type: grade\n        limiting: true\n", "type: number\n"), "sections",
     "no grade question"),
    ("title-too-long", edit("title: Minimal template", "title: " + "x" * 201), "title", "too long"),
]


@pytest.mark.parametrize("text, path, fragment", [row[1:] for row in BAD_TEMPLATES],
                         ids=[row[0] for row in BAD_TEMPLATES])
def test_bad_template_is_reported(text, path, fragment):
    problems = problems_of(text)
    assert [(p.path, fragment in p.reason) for p in problems] == [(path, True)], problems
    assert problems[0].file == "minimal.yaml"


def test_yaml_syntax_error_names_the_line():
    (problem,) = problems_of(edit("        type: text\n", "        type: [text\n"))
    assert problem.path == "(file)" and "line 28" in problem.reason


def test_all_problems_are_reported_at_once():
    text = MINIMAL + "colour: blue\n"
    text = edit("text: Notes", "text: yes", text)
    text = edit("themes: [risk_assessment]", "themes: [risk_assessment, vibes]", text)
    text = edit("key: notes", "key: seen_alone", text)
    text = edit("type: yes_partly_no\n", "type: yes_partly_no\n        limiting: true\n", text)
    text = edit("scale: ofsted4", "scale: ofsted5", text)
    problems = problems_of(text)
    assert sorted(p.path for p in problems) == sorted([
        "colour",
        "scale",
        "sections[0].questions[0].themes[1]",
        "sections[0].questions[1].limiting",
        "sections[1].questions[0].key",
        "sections[1].questions[0].text",
    ])
    assert len(problems) == 6


def test_problem_and_exception_text():
    problem = TemplateProblem("a.yaml", "sections[2].questions[0].type", "unknown question type 'x'")
    assert str(problem) == "a.yaml: sections[2].questions[0].type: unknown question type 'x'"
    error = TemplateInvalid([problem, TemplateProblem("a.yaml", "(file)", "bad")])
    assert str(error).splitlines() == [str(problem), "a.yaml: (file): bad"]


def test_aliases_do_not_blow_up():
    text = "a: &a [x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(15))
    problems = problems_of(text, "x.yaml")
    assert all(p.reason.startswith("unknown key") or p.path in {"key", "title", "version", "applies_to",
                                                                 "scale", "sections"} for p in problems)


# ---------------------------------------------------------------- hashing, JSON and storage

REFORMATTED = """\
# The same template as MINIMAL, written differently.
title: 'Minimal template'     # quoted, with a comment
key: minimal
applies_to:
  - CP
version: '1'
scale: ofsted4

sections:
- title: Risk
  key: risk
  questions:
  - guidance: >
      Look for
      it.
    key: risk_grade
    type: grade
    text: "Is risk assessed?"
    limiting: true
    themes: [risk_assessment]
  - key: seen_alone
    type: yes_partly_no
    text: |
      Seen alone?
    required: true
  - key: plan_type
    text: Which plan?
    type: choice
    choices:
      - CIN
      - CP
- key: other
  title: Other
  questions:
  - key: notes
    text: "  Notes  "
    type: text
    required: false
    limiting: false
"""


def test_content_hash_ignores_layout_comments_and_key_order():
    a, b = parse(MINIMAL), parse(REFORMATTED)
    assert a.source != b.source
    assert a.content_hash() == b.content_hash()
    assert len(a.content_hash()) == 64 and int(a.content_hash(), 16) >= 0
    assert a == dataclasses.replace(b, source=MINIMAL)


def test_content_hash_changes_with_content():
    base = parse(MINIMAL).content_hash()
    assert parse(edit("text: Notes", "text: Notes and comments")).content_hash() != base
    assert parse(edit('version: "1"', 'version: "2"')).content_hash() != base
    assert parse(inline()).content_hash() != base


def test_to_json_dict_shape():
    assert parse(MINIMAL).to_json_dict() == {
        "key": "minimal",
        "version": "1",
        "title": "Minimal template",
        "scale": [
            {"value": 1, "label": "Outstanding"},
            {"value": 2, "label": "Good"},
            {"value": 3, "label": "Requires improvement"},
            {"value": 4, "label": "Inadequate"},
        ],
        "sections": [
            {"key": "risk", "title": "Risk", "questions": [
                {"key": "risk_grade", "text": "Is risk assessed?", "type": "grade", "required": True,
                 "limiting": True, "themes": ["risk_assessment"], "choices": []},
                {"key": "seen_alone", "text": "Seen alone?", "type": "yes_partly_no", "required": True,
                 "limiting": False, "themes": [], "choices": []},
                {"key": "plan_type", "text": "Which plan?", "type": "choice", "required": True,
                 "limiting": False, "themes": [], "choices": ["CIN", "CP"]},
            ]},
            {"key": "other", "title": "Other", "questions": [
                {"key": "notes", "text": "Notes", "type": "text", "required": False,
                 "limiting": False, "themes": [], "choices": []},
            ]},
        ],
    }


def test_storage_round_trip(shipped):
    for template in [parse(MINIMAL), parse(inline()), *shipped.values()]:
        stored = json.loads(json.dumps(template.to_storage_dict()))
        restored = AuditTemplate.from_storage_dict(stored)
        assert restored == template
        assert restored.content_hash() == template.content_hash()
        assert restored.source == template.source


# ---------------------------------------------------------------- grade scales

OFSTED4 = BUILTIN_SCALES["ofsted4"]


def test_ofsted4_scale():
    assert OFSTED4.grades == (Grade(1, "Outstanding"), Grade(2, "Good"),
                              Grade(3, "Requires improvement"), Grade(4, "Inadequate"))
    assert OFSTED4.values() == (1, 2, 3, 4)
    assert OFSTED4.label(3) == "Requires improvement"
    with pytest.raises(KeyError):
        OFSTED4.label(5)
    assert [OFSTED4.rank(v) for v in (1, 2, 3, 4)] == [0, 1, 2, 3]
    assert OFSTED4.is_worse(4, 3) and not OFSTED4.is_worse(3, 3) and not OFSTED4.is_worse(1, 2)
    assert OFSTED4.worst([2, 4, 1]) == 4 and OFSTED4.worst([None, 2]) == 2
    assert OFSTED4.worst([]) is None and OFSTED4.worst([None]) is None
    assert OFSTED4.is_good_or_better(2) and not OFSTED4.is_good_or_better(3)
    assert OFSTED4.to_dict() == {
        "key": "ofsted4",
        "grades": [{"value": 1, "label": "Outstanding"}, {"value": 2, "label": "Good"},
                   {"value": 3, "label": "Requires improvement"}, {"value": 4, "label": "Inadequate"}],
        "good_or_better": [1, 2], "inadequate": 4, "evidence_required": [3, 4],
    }
    assert GradeScale.from_dict(OFSTED4.to_dict()) == OFSTED4


def test_scale_order_comes_from_the_grade_list_not_the_numbers():
    scale = parse(inline("value: 1,", "value: 10,").replace("[1]", "[10]")).scale
    assert scale.values() == (10, 2, 3)
    assert scale.worst([10, 2]) == 2 and scale.is_worse(3, 10)


@pytest.mark.parametrize("given, expected", [
    ("Good", 2), ("good", 2), ("  requires   IMPROVEMENT ", 3), ("INADEQUATE", 4),
    (1, 1), ("4", 4), (" 3 ", 3),
])
def test_value_for(given, expected):
    assert OFSTED4.value_for(given) == expected


@pytest.mark.parametrize("given", ["Excellent", "", 5, "5", 0, True, None, 2.0, "Goodish"])
def test_value_for_rejects_bad_input(given):
    with pytest.raises(ValueError) as info:
        OFSTED4.value_for(given)
    message = str(info.value)
    for label in ("Outstanding", "Good", "Requires improvement", "Inadequate"):
        assert label in message


# ---------------------------------------------------------------- limiting questions

LIMITS = edit("        themes: [risk_assessment]\n", """\
        themes: [risk_assessment]
      - key: contingency
        text: Is there a contingency plan?
        type: grade
        limiting: true
        themes: [contingency_planning]
      - key: recording
        text: Is the recording good?
        type: grade
        themes: [recording]
""")

RI_MESSAGE = ('The overall grade cannot be better than "Requires improvement" because '
              '"Is risk assessed?" was graded "Requires improvement".')


@pytest.mark.parametrize("answers, overall, limit, question, message", [
    ({}, 1, None, None, None),
    ({"recording": 4, "seen_alone": "no"}, 1, None, None, None),
    ({"risk_grade": 3}, 3, 3, "risk_grade", None),
    ({"risk_grade": 3}, 4, 3, "risk_grade", None),
    ({"risk_grade": 3}, 2, 3, "risk_grade", RI_MESSAGE),
    ({"risk_grade": 3}, 1, 3, "risk_grade", RI_MESSAGE),
    ({"risk_grade": 3}, None, 3, "risk_grade", None),
    ({"risk_grade": 2, "contingency": 4}, 3, 4, "contingency",
     'The overall grade cannot be better than "Inadequate" because "Is there a contingency plan?" '
     'was graded "Inadequate".'),
    ({"risk_grade": 4, "contingency": 4}, 4, 4, "risk_grade", None),
    ({"risk_grade": None, "contingency": 2}, 1, 2, "contingency",
     'The overall grade cannot be better than "Good" because "Is there a contingency plan?" '
     'was graded "Good".'),
    ({"risk_grade": "4", "contingency": True}, 1, None, None, None),
])
def test_grade_limit_and_overall_grade_problem(answers, overall, limit, question, message):
    template = parse(LIMITS)
    got_limit, got_question = grade_limit(template, answers)
    assert got_limit == limit
    assert (got_question.key if got_question else None) == question
    assert overall_grade_problem(template, overall, answers) == message


# ---------------------------------------------------------------- loading a folder

def test_load_directory_keeps_good_files_and_reports_bad_ones(tmp_path):
    (tmp_path / "minimal.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text(edit("key: minimal", "key: broken").replace("type: text", "type: essay"),
                                          encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a template", encoding="utf-8")
    (tmp_path / "bad-bytes.yml").write_bytes(b"key: \xff\xfe\n")
    templates, problems = load_directory(tmp_path)
    assert [t.key for t in templates] == ["minimal"]
    assert [(Path(p.file).name, p.path) for p in problems] == [
        ("bad-bytes.yml", "(file)"),
        ("broken.yaml", "sections[1].questions[0].type"),
    ]
    assert "UTF-8" in problems[0].reason


def test_load_directory_reports_duplicate_keys_across_files(tmp_path):
    (tmp_path / "minimal.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "minimal.yml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "other.yaml").write_text(edit("key: minimal", "key: other"), encoding="utf-8")
    templates, problems = load_directory(str(tmp_path))
    assert [t.key for t in templates] == ["other"]
    assert sorted((Path(p.file).name, p.path) for p in problems) == [("minimal.yaml", "key"), ("minimal.yml", "key")]
    assert all("also declared in" in p.reason for p in problems)


def test_load_directory_missing_folder(tmp_path):
    templates, problems = load_directory(tmp_path / "nope")
    assert templates == [] and len(problems) == 1 and problems[0].path == "(file)"
