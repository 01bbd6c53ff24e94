"""Moderation forms: the moderator's grading form, built from the template's graded questions."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from qa_app.audit_forms.schema import AuditTemplate
from qa_app.moderation.services import MAX_TEXT, grade_field, rationale_field


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def _grade_choices(template: AuditTemplate) -> list[tuple[int, str]]:
    return [(g.value, g.label) for g in template.scale.grades]


def _rationale(label: str, description: str = "") -> TextAreaField:
    return TextAreaField(label, widget=GovTextArea(), description=description,
                         validators=[Optional(), Length(max=MAX_TEXT)])


class _VersionedForm(FlaskForm):
    version = HiddenField()


def build_grading_form(template: AuditTemplate, **kwargs) -> FlaskForm:
    """A radio group of the scale and a rationale box per graded question, then the overall grade
    (fields in page order, so the error summary lists problems in the order of the page)."""
    attrs = {}
    for question in template.questions():
        if question.is_graded:
            attrs[grade_field(question.key)] = RadioField(
                question.text, widget=GovRadioInput(), coerce=_optional_int, choices=_grade_choices(template),
                validators=[Optional()], description=question.guidance)
            attrs[rationale_field(question.key)] = _rationale(
                "Your rationale", "Optional now. It is required later wherever your grade and the auditor's differ.")
    attrs["overall_grade"] = RadioField(
        "Your overall grade for this case file", widget=GovRadioInput(), coerce=_optional_int,
        choices=_grade_choices(template), validators=[Optional()],
        description="It can be no better than your grade of any limiting question.")
    attrs["overall_rationale"] = _rationale("Your rationale for the overall grade")
    return type("ModerationGradingForm", (_VersionedForm,), attrs)(**kwargs)


def build_compare_form(template: AuditTemplate, **kwargs) -> FlaskForm:
    """The rationales (required where grades differ, checked by the service) and return comments."""
    attrs = {rationale_field(q.key): _rationale(f"Your rationale: {q.text}")
             for q in template.questions() if q.is_graded}
    attrs["overall_rationale"] = _rationale("Your rationale for the overall grade")
    attrs["comments"] = _rationale(
        "What the auditor needs to correct",
        "Only if you return the audit. The auditor sees these comments at the top of their audit.")
    return type("ModerationCompareForm", (_VersionedForm,), attrs)(**kwargs)


def rationales_from(form, template: AuditTemplate) -> dict[str, str]:
    """The rationales the page sent; a question whose box was not on the page keeps its rationale."""
    result = {}
    for question in template.questions():
        field = form[rationale_field(question.key)] if question.is_graded else None
        if field is not None and field.raw_data:
            result[question.key] = field.data or ""
    return result


def grades_from(form, template: AuditTemplate) -> dict[str, int | None]:
    return {q.key: form[grade_field(q.key)].data for q in template.questions() if q.is_graded}


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", widget=GovTextArea(),
                           validators=[InputRequired(message="Give a reason"), Length(max=2000)])
    submit = SubmitField("Withdraw from moderation", widget=GovSubmitInput())


class AddForm(FlaskForm):
    audit_id = RadioField("Audit to moderate", widget=GovRadioInput(), coerce=_optional_int,
                          validators=[InputRequired(message="Choose the audit to add")])
    reason = TextAreaField("Reason for adding it", widget=GovTextArea(),
                           validators=[InputRequired(message="Give a reason for adding the audit"),
                                       Length(max=2000)])
    submit = SubmitField("Add to the moderation sample", widget=GovSubmitInput())


class AssignModeratorForm(FlaskForm):
    moderator_id = SelectField("Moderator", widget=GovSelect(), coerce=_optional_int,
                               validators=[InputRequired(message="Choose a moderator")])
    submit = SubmitField("Assign", widget=GovSubmitInput())
