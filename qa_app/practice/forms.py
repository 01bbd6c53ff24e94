"""Forms of practice feedback (GOV.UK widgets)."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import Optional

from qa_app.fields import UKDateField
from qa_app.practice.models import Agreement, ConversationMethod


class ResponseForm(FlaskForm):
    version = HiddenField()
    agreement = RadioField("Do you agree with the findings?", choices=[(a.value, a.label) for a in Agreement],
                           validators=[Optional()], widget=GovRadioInput())
    will_do = TextAreaField("What will you do?", widget=GovTextArea(),
                            description="What you will change on this case, and in your practice, after reading the findings.")
    comments = TextAreaField("Comments (optional)", widget=GovTextArea(),
                             description="Anything the auditor or your manager should know: for example, why you disagree.")
    submit = SubmitField("Save your response", widget=GovSubmitInput())


class ConversationForm(FlaskForm):
    version = HiddenField()
    held_on = UKDateField("When did the conversation take place?", validators=[Optional()],
                          description="For example, 27 3 2026")
    attendees = TextAreaField("Who was there?", widget=GovTextArea(),
                              description="Names and roles: for example, the social worker, their team manager and the auditor.")
    method = RadioField("How did it take place?", choices=[(m.value, m.label) for m in ConversationMethod],
                        validators=[Optional()], widget=GovRadioInput())
    notes = TextAreaField("Notes (optional)", widget=GovTextArea(),
                          description="What was agreed. Do not write the child's name or other personal details.")
    submit = SubmitField("Save the conversation", widget=GovSubmitInput())
