"""The feedback form: who gave it, how, consent, the template's feedback questions and what changed."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput,
)
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from qa_app.audit_forms.schema import YES_PARTLY_NO
from qa_app.feedback.models import METHOD_LABELS, RESPONDENT_LABELS
from qa_app.feedback.services import answer_field
from qa_app.fields import UKDateField


class _FeedbackFormBase(FlaskForm):
    version = HiddenField()
    respondent = RadioField("Who gave the feedback?", choices=[(r.value, label) for r, label in RESPONDENT_LABELS.items()],
                            validators=[Optional()], widget=GovRadioInput())
    method = RadioField("How was it given?", choices=[(m.value, label) for m, label in METHOD_LABELS.items()],
                        validators=[Optional()], widget=GovRadioInput())
    consent = BooleanField("They agreed to give this feedback and for it to be recorded", widget=GovCheckboxInput())
    received_on = UKDateField("When was it given?", validators=[Optional()], description="For example, 27 3 2026")
    what_changed = TextAreaField("The family's view of what has changed (optional)", widget=GovTextArea(),
                                 description="In their words, what is different since the social worker became involved.")
    submit = SubmitField("Save the feedback", widget=GovSubmitInput())


class StandaloneFields(FlaskForm):
    round_id = SelectField("Round", widget=GovSelect(), validators=[Optional()],
                           description="The round the feedback belongs to; its template's questions are asked.")
    reference = StringField("Case reference", widget=GovTextInput(), validators=[Optional()],
                            description="The case file the feedback is about, as written on the form.")


def build_feedback_form(template, *, standalone: bool = False, **kwargs) -> FlaskForm:
    """A form for `template`'s feedback questions (and, `standalone`, the round and case file)."""
    attrs = {}
    for question in template.feedback.questions if template and template.feedback else ():
        if question.type == "yes_partly_no":
            attrs[answer_field(question.key)] = RadioField(question.text, choices=list(YES_PARTLY_NO),
                                                           validators=[Optional()], widget=GovRadioInput(),
                                                           description=question.guidance)
        else:
            attrs[answer_field(question.key)] = TextAreaField(question.text, widget=GovTextArea(),
                                                              description=question.guidance)
    bases = (_FeedbackFormBase, StandaloneFields) if standalone else (_FeedbackFormBase,)
    return type("FeedbackForm", bases, attrs)(**kwargs)


def answers_from(form, template) -> dict[str, str]:
    return {q.key: form[answer_field(q.key)].data or "" for q in (template.feedback.questions if template.feedback
                                                                  else ())}
