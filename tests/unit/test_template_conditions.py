"""Conditional questions in the template format: `show_if`, its checks, storage and visibility."""

import pytest

from qa_app.audit_forms.schema import (
    AuditTemplate, TemplateInvalid, describe_condition, hidden_questions, parse_template,
)

BASE = """\
key: cond
title: Conditions
version: "1"
applies_to: [CP]
scale: ofsted4
sections:
  - key: s
    title: S
    questions:
      - key: seen_alone
        text: Seen alone?
        type: yes_partly_no
      - key: why_not
        text: Why not?
        type: text
        required: true
        show_if:
          question: seen_alone
          answers: ["no", "partly"]
      - key: plan
        text: Plan quality
        type: grade
        themes: [smart_objectives]
      - key: follow_up
        text: What follows from the poor plan?
        type: choice
        choices: [Escalate, Revise]
        show_if: {question: plan, answers: [3, 4]}
      - key: escalated_to
        text: Escalated to whom?
        type: text
        show_if: {question: follow_up, answers: [Escalate]}
"""


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(TemplateInvalid) as caught:
        parse_template(text, "cond.yaml")
    return [(p.path, p.reason) for p in caught.value.problems]


def test_a_condition_is_parsed_and_survives_storage():
    template = parse_template(BASE, "cond.yaml")
    assert template.question("why_not").show_if == ("seen_alone", ("no", "partly"))
    assert template.question("follow_up").show_if == ("plan", ("3", "4"))
    again = AuditTemplate.from_storage_dict(template.to_storage_dict())
    assert again == template
    assert again.content_hash() == template.content_hash()


def test_a_template_without_conditions_keeps_its_hash_shape():
    template = parse_template(BASE, "cond.yaml")
    stored = template.to_storage_dict()
    first = stored["sections"][0]["questions"][0]
    assert "show_if" not in first      # unconditional questions store exactly what they did before


@pytest.mark.parametrize("values, hidden", [
    ({}, {"why_not", "follow_up", "escalated_to"}),
    ({"seen_alone": "yes", "plan": 2}, {"why_not", "follow_up", "escalated_to"}),
    ({"seen_alone": "no", "plan": 4, "follow_up": "Revise"}, {"escalated_to"}),
    ({"seen_alone": "partly", "plan": "3", "follow_up": "Escalate"}, set()),
    # a chain: the grade hides follow_up, so escalated_to is hidden whatever follow_up says
    ({"plan": 1, "follow_up": "Escalate"}, {"why_not", "follow_up", "escalated_to"}),
])
def test_hidden_questions(values, hidden):
    assert hidden_questions(parse_template(BASE, "cond.yaml"), values) == hidden


def test_the_condition_in_words():
    template = parse_template(BASE, "cond.yaml")
    assert describe_condition(template, template.question("why_not")) == \
        'Answer this only if "Seen alone?" is No or Partly.'
    assert describe_condition(template, template.question("follow_up")) == \
        'Answer this only if "Plan quality" is Requires improvement or Inadequate.'


@pytest.mark.parametrize("change, path, reason", [
    (("question: seen_alone", "question: later_one"), "sections[0].questions[1].show_if.question",
     "'later_one' is not a question before this one; a question can only depend on an earlier question"),
    (('answers: ["no", "partly"]', 'answers: ["never"]'), "sections[0].questions[1].show_if.answers[0]",
     "'never' is not an answer to 'seen_alone'; use one of: yes, partly, no, na"),
    (("answers: [3, 4]", "answers: [7]"), "sections[0].questions[3].show_if.answers[0]",
     "'7' is not an answer to 'plan'; use one of: 1, 2, 3, 4"),
    (("answers: [Escalate]", "answers: [Ignore]"), "sections[0].questions[4].show_if.answers[0]",
     "'Ignore' is not an answer to 'follow_up'; use one of: Escalate, Revise"),
    (('answers: ["no", "partly"]', "answers: [no]"), "sections[0].questions[1].show_if.answers[0]",
     "must be text, not true/false (YAML reads unquoted yes/no/on/off/true/false as true or false); "
     "put the value in quotes"),
    (("show_if: {question: follow_up, answers: [Escalate]}", "show_if: {question: why_not, answers: [x]}"),
     "sections[0].questions[4].show_if.question",
     "'why_not' is a text question; a condition needs a question with set answers (grade, yes_partly_no, choice)"),
    (("show_if: {question: plan, answers: [3, 4]}", "show_if: {question: plan, answer: [3]}"),
     "sections[0].questions[3].show_if.answer", None),
])
def test_bad_conditions_are_reported_on_their_path(change, path, reason):
    found = problems(BASE.replace(*change))
    assert path in [p for p, _ in found], found
    if reason:
        assert (path, reason) in found
