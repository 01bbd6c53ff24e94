"""The audit form, built from the template version: a registry maps each question type to a field."""

from collections.abc import Callable
from decimal import Decimal

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovCheckboxInput, GovRadioInput, GovTextInput
from wtforms import BooleanField, DecimalField, Field, HiddenField, RadioField, TextAreaField
from wtforms.validators import Length, Optional

from qa_app.fields import UKDateField
from qa_app.audit_forms.schema import YES_PARTLY_NO, AuditTemplate, Question

MAX_TEXT = 20_000
# A character count shows once three quarters of the limit is used (most answers are far shorter).
COUNT_FROM_PERCENT = 75


def _too_long(what: str) -> str:
    """The message when `what` is over the limit: it names the field, so the summary is clear."""
    return f"{what} must be {MAX_TEXT:,} characters or fewer (it has %(length)d)"


def _grade_field(question: Question, template: AuditTemplate) -> Field:
    return RadioField(question.text, widget=GovRadioInput(), coerce=_optional_int,
                      choices=[(g.value, g.label) for g in template.scale.grades],
                      validators=[Optional()], description=question.guidance)


def _yes_partly_no_field(question: Question, _template: AuditTemplate) -> Field:
    return RadioField(question.text, widget=GovRadioInput(), choices=list(YES_PARTLY_NO),
                      validators=[Optional()], description=question.guidance)


def _choice_field(question: Question, _template: AuditTemplate) -> Field:
    return RadioField(question.text, widget=GovRadioInput(), choices=[(c, c) for c in question.choices],
                      validators=[Optional()], description=question.guidance)


def _text_field(question: Question, _template: AuditTemplate) -> Field:
    return TextAreaField(question.text, widget=GovCharacterCount(), description=question.guidance,
                         validators=[Optional(), Length(max=MAX_TEXT, message=_too_long(f"The answer to “{question.text}”"))])


def _date_field(question: Question, _template: AuditTemplate) -> Field:
    return UKDateField(question.text, description=question.guidance, validators=[Optional()])


def _number_field(question: Question, _template: AuditTemplate) -> Field:
    # places=None: a number comes back as it was typed ("12", not "12.00").
    return DecimalField(question.text, widget=GovTextInput(), description=question.guidance, places=None,
                        validators=[Optional()])


QUESTION_FIELDS: dict[str, Callable[[Question, AuditTemplate], Field]] = {
    "grade": _grade_field,
    "yes_partly_no": _yes_partly_no_field,
    "choice": _choice_field,
    "text": _text_field,
    "date": _date_field,
    "number": _number_field,
}


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def answer_field(key: str) -> str:
    return f"q_{key}"


def evidence_field(key: str) -> str:
    return f"e_{key}"


class _AuditFormBase(FlaskForm):
    version = HiddenField()
    overall_summary = TextAreaField("Summary of findings", widget=GovCharacterCount(),
                                    description="What is working well, what needs to change, and why.",
                                    validators=[Optional(), Length(max=MAX_TEXT, message=_too_long("The summary of findings"))])
    immediate_risk = BooleanField("A child on this case file is at immediate risk", widget=GovCheckboxInput())
    immediate_risk_reason = TextAreaField(
        "Why the child is at immediate risk", widget=GovCharacterCount(),
        validators=[Optional(), Length(max=MAX_TEXT, message=_too_long("Why the child is at immediate risk"))])


def build_audit_form(template: AuditTemplate, extra_fields: dict[str | None, dict[str, Field]] | None = None,
                     **kwargs) -> FlaskForm:
    """A form class for this template version, instantiated with `kwargs` (formdata, data …).

    `extra_fields` are the audit extensions' fields, grouped by the question they follow on the
    page (None: after the last section). The form's fields are kept in page order, so the error
    summary lists problems in the order a person meets them.
    """
    extra_fields = extra_fields or {}
    attrs = {
        "overall_grade": RadioField(
            "Overall grade for this case file", widget=GovRadioInput(), coerce=_optional_int,
            choices=[(g.value, g.label) for g in template.scale.grades], validators=[Optional()],
            description="It can be no better than the grade of any limiting question.",
        )
    }
    order = ["version", "immediate_risk", "immediate_risk_reason"]
    for question in template.questions():
        attrs[answer_field(question.key)] = QUESTION_FIELDS[question.type](question, template)
        order.append(answer_field(question.key))
        if question.type in ("grade", "yes_partly_no", "choice"):
            attrs[evidence_field(question.key)] = TextAreaField(
                "Evidence", widget=GovCharacterCount(),
                validators=[Optional(), Length(max=MAX_TEXT, message=_too_long(f"The evidence for “{question.text}”"))],
                description="What in the case file supports this answer.",
            )
            order.append(evidence_field(question.key))
        attrs.update(extra_fields.get(question.key, {}))
        order.extend(extra_fields.get(question.key, {}))
    for key, fields in extra_fields.items():
        if key not in {q.key for q in template.questions()}:
            attrs.update(fields)
            order.extend(fields)
    order += ["overall_grade", "overall_summary"]
    form = type("AuditForm", (_AuditFormBase,), attrs)(**kwargs)
    placed = {name: form._fields[name] for name in order if name in form._fields}
    form._fields = placed | {name: field for name, field in form._fields.items() if name not in placed}
    return form


def answers_from_form(form, template: AuditTemplate) -> dict[str, dict]:
    """{question_key: {"value": ..., "evidence": ...}} from a submitted form (empty answers included)."""
    result = {}
    for question in template.questions():
        value = form[answer_field(question.key)].data
        if isinstance(value, Decimal):
            value = format(value.normalize(), "f")
        evidence_name = evidence_field(question.key)
        evidence = form[evidence_name].data if evidence_name in form else ""
        result[question.key] = {"value": value, "evidence": (evidence or "").strip()}
    return result
