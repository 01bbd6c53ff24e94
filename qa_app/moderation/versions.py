"""What changed between two submitted versions of an audit (from its AuditVersion snapshots).

Pure: a template and two snapshot dicts in, a list of changes out, each as a person reads it.
"""

from dataclasses import dataclass
from datetime import date

from qa_app.audit_forms.schema import YES_PARTLY_NO, AuditTemplate, Question


@dataclass(frozen=True)
class Change:
    item: str          # the question's text, or "Overall grade", "Summary of findings" …
    part: str          # "Grade", "Answer", "Evidence" or "" for the overall items
    before: str
    after: str


def _answer_text(template: AuditTemplate, question: Question, answer: dict) -> str:
    if question.is_graded:
        grade = answer.get("grade")
        return template.scale.label(grade) if grade is not None else ""
    value = answer.get("value") or ""
    if question.type == "yes_partly_no":
        return dict(YES_PARTLY_NO).get(value, value)
    if question.type == "date" and value:
        day = date.fromisoformat(value)
        return f"{day.day} {day:%B %Y}"
    return value


def changes_between(template: AuditTemplate, before: dict, after: dict) -> list[Change]:
    """Every answer, grade, evidence and overall item that differs, in template order."""
    changes: list[Change] = []
    empty: dict = {}
    old_answers, new_answers = before.get("answers", {}), after.get("answers", {})
    for question in template.questions():
        old, new = old_answers.get(question.key, empty), new_answers.get(question.key, empty)
        part = "Grade" if question.is_graded else "Answer"
        old_text, new_text = _answer_text(template, question, old), _answer_text(template, question, new)
        if old_text != new_text:
            changes.append(Change(question.text, part, old_text or "No answer", new_text or "No answer"))
        old_evidence, new_evidence = old.get("evidence") or "", new.get("evidence") or ""
        if old_evidence != new_evidence:
            changes.append(Change(question.text, "Evidence", old_evidence or "None", new_evidence or "None"))

    def grade(value):
        return template.scale.label(value) if value is not None else "Not graded"

    overall = (
        ("Overall grade", grade(before.get("overall_grade")), grade(after.get("overall_grade"))),
        ("Summary of findings", before.get("overall_summary") or "None", after.get("overall_summary") or "None"),
        ("Child at immediate risk", "Yes" if before.get("immediate_risk") else "No",
         "Yes" if after.get("immediate_risk") else "No"),
        ("Why the child is at immediate risk", before.get("immediate_risk_reason") or "None",
         after.get("immediate_risk_reason") or "None"),
    )
    for item, old_text, new_text in overall:
        if old_text != new_text:
            changes.append(Change(item, "", old_text, new_text))
    return changes
