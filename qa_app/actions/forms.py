from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea
from wtforms import HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from qa_app.actions.services import MAX_DESCRIPTION, MAX_NOTE, MAX_REFLECTION
from qa_app.fields import UKDateField


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class ActionForm(FlaskForm):
    question_key = SelectField("Which answer needs to change", widget=GovSelect(),
                               validators=[InputRequired(message="Choose the question the action is about")])
    description = TextAreaField("What must change", widget=GovTextArea(),
                                description="Say what good looks like, so the owner knows when it is done.",
                                validators=[InputRequired(message="Say what must change"),
                                            Length(max=MAX_DESCRIPTION)])
    owner_id = SelectField("Owner", widget=GovSelect(), coerce=_optional_int,
                           description="The practitioner or team manager who will make the change.",
                           validators=[InputRequired(message="Choose an owner")])
    due_date = UKDateField("Due by", description="For example, 27 3 2027. It cannot be in the past.",
                           validators=[InputRequired(message="Enter the date the action is due by")])
    submit = SubmitField("Add the action", widget=GovSubmitInput())


class DoneForm(FlaskForm):
    version = HiddenField()
    note = TextAreaField("What was done", widget=GovTextArea(),
                         description="Say what changed and where it is recorded on the child's file.",
                         validators=[InputRequired(message="Say what was done"), Length(max=MAX_NOTE)])
    submit = SubmitField("Mark as done", widget=GovSubmitInput())


class VerifyForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField("Verify: the change is in place", widget=GovSubmitInput())


class ReopenForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField("Why it is being reopened", widget=GovTextArea(),
                           validators=[InputRequired(message="Say why the action is being reopened"),
                                       Length(max=MAX_NOTE)])
    submit = SubmitField("Reopen the action", widget=GovSubmitInput())


class ReflectionForm(FlaskForm):
    text = TextAreaField("Your reflection", widget=GovTextArea(),
                         description="A few sentences: what you take from the audit and what you will do "
                                     "differently. The audit report may quote it.",
                         validators=[InputRequired(message="Write your reflection"), Length(max=MAX_REFLECTION)])
    submit = SubmitField("Save your reflection", widget=GovSubmitInput())
