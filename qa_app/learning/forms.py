from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput,
)
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from qa_app.fields import UKDateField


class BriefForm(FlaskForm):
    version = HiddenField()
    title = StringField("Title", widget=GovTextInput())
    summary = TextAreaField("Summary", widget=GovTextArea())
    strengths = TextAreaField("What is working well", widget=GovTextArea(),
                              description="One point a line; start a line with '- ' for a bullet.")
    areas = TextAreaField("What needs to improve", widget=GovTextArea())
    key_messages = TextAreaField("Key messages for practice", widget=GovTextArea(),
                                 description="What every worker and manager should do differently. Figures only: "
                                             "never a child's name or case reference.")
    submit = SubmitField("Save the brief", widget=GovSubmitInput())


class PublishForm(FlaskForm):
    team_ids = SelectMultipleField("Send it to these teams", coerce=int, widget=GovCheckboxesInput(),
                                   validators=[Optional()],
                                   description="Their team managers are emailed and asked to discuss it.")
    submit = SubmitField("Publish the brief", widget=GovSubmitInput())


class DiscussedForm(FlaskForm):
    discussed_on = UKDateField("When did your team discuss it?", validators=[Optional()],
                               description="For example, 27 3 2026")
    note = TextAreaField("What the team took from it (optional)", widget=GovTextArea())
    submit = SubmitField("Confirm it was discussed", widget=GovSubmitInput())


class TagForm(FlaskForm):
    target = SelectField("Where the audit shows it", widget=GovSelect(), validators=[Optional()])
    need = SelectField("Training need", widget=GovSelect(), validators=[Optional()])
    submit = SubmitField("Tag the training need", widget=GovSubmitInput())
