from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from qa_app.escalations.services import MAX_TEXT


class AcknowledgeForm(FlaskForm):
    version = HiddenField()
    action_taken = TextAreaField(
        "Action taken", widget=GovTextArea(),
        description="What has been done to keep the child safe, by whom, and what happens next.",
        validators=[InputRequired(message="Say what action has been taken"), Length(max=MAX_TEXT)])
    submit = SubmitField("Acknowledge and record the action taken", widget=GovSubmitInput())
