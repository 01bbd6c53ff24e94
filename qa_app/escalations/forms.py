from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from qa_app.escalations.models import OUTCOME_LABELS
from qa_app.escalations.services import MAX_TEXT
from qa_app.fields import UKDateField


class AcknowledgeForm(FlaskForm):
    version = HiddenField()
    action_taken = TextAreaField(
        "Action taken", widget=GovTextArea(),
        description="What has been done to keep the child safe, by whom, and what happens next.",
        validators=[InputRequired(message="Say what action has been taken"), Length(max=MAX_TEXT)])
    submit = SubmitField("Acknowledge and record the action taken", widget=GovSubmitInput())


class OutcomeForm(FlaskForm):
    version = HiddenField()
    outcome = RadioField("What was the outcome?", widget=GovRadioInput(),
                         choices=[(o.value, label) for o, label in OUTCOME_LABELS.items()],
                         validators=[InputRequired(message="Choose the outcome")])
    note = TextAreaField("What happened, and what happens next", widget=GovTextArea(),
                         description="Required for no further action (say why) and for something else.",
                         validators=[Optional(), Length(max=MAX_TEXT)])
    outcome_on = UKDateField("Date of the outcome", description="For example, 27 3 2027",
                             validators=[InputRequired(message="Enter the date of the outcome")])
    submit = SubmitField("Record the outcome and close the escalation", widget=GovSubmitInput())
