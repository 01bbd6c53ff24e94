from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput,
)
from wtforms import (
    BooleanField, Form, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from qa_app.challenges.models import CHALLENGE_CATEGORIES
from qa_app.fields import UKDateField

TEXT_LIMIT = Length(max=5000, message="Use 5,000 characters or fewer")
NOBODY = 0


class CaseLookupForm(Form):
    """Step one of raising a challenge: which case file (a GET form, nothing is saved)."""

    reference = StringField("Case reference", widget=GovTextInput(),
                            description="The child's person ID in the case-management system.",
                            validators=[InputRequired(message="Enter the case reference"), Length(max=64)])


class RaiseForm(FlaskForm):
    category = RadioField("What is the concern about?", widget=GovRadioInput(),
                          choices=list(CHALLENGE_CATEGORIES.items()),
                          validators=[InputRequired(message="Choose what the concern is about")])
    concern = TextAreaField("Describe the concern", widget=GovTextArea(),
                            description="What is wrong, and the evidence on the file.",
                            validators=[InputRequired(message="Describe the concern"), TEXT_LIMIT])
    outcome_sought = TextAreaField("What outcome are you seeking?", widget=GovTextArea(),
                                   description="What should change for the child, and by when.",
                                   validators=[InputRequired(message="Say what outcome you are seeking"), TEXT_LIMIT])
    audit_id = SelectField("Audit the concern came from (optional)", widget=GovSelect(), coerce=int,
                           validators=[Optional()])
    submit = SubmitField("Raise the challenge", widget=GovSubmitInput())


class _Versioned(FlaskForm):
    version = HiddenField()

    def expected_version(self) -> int:
        try:
            return int(self.version.data or 0)
        except ValueError:
            return 0


class RespondForm(_Versioned):
    response = TextAreaField("Your response", widget=GovTextArea(),
                             description="What has been or will be done, by whom and by when.",
                             validators=[InputRequired(message="Enter your response"), TEXT_LIMIT])
    submit = SubmitField("Send the response", widget=GovSubmitInput())


class AcceptForm(_Versioned):
    outcome = TextAreaField("Outcome agreed", widget=GovTextArea(),
                            description="Recorded as how the challenge was resolved.",
                            validators=[InputRequired(message="Describe the outcome agreed"), TEXT_LIMIT])
    submit = SubmitField("Accept the response and resolve the challenge", widget=GovSubmitInput())


class MoveOnForm(_Versioned):
    to_stage = RadioField("Move the challenge to", widget=GovRadioInput(),
                          description="Each due date counts working days from today.",
                          validators=[InputRequired(message="Choose the stage to move the challenge to")])
    responder_id = SelectField("Who will respond at that stage", widget=GovSelect(), coerce=int,
                               validators=[InputRequired(message="Choose who will respond at that stage")])
    second_responder_id = SelectField("Second responder (optional)", widget=GovSelect(), coerce=int,
                                      validators=[Optional()])
    reason = TextAreaField("Reason", widget=GovTextArea(),
                           description="Required when you skip a stage; optional when you escalate to the next one.",
                           validators=[TEXT_LIMIT])
    submit = SubmitField("Move the challenge on", widget=GovSubmitInput())


class RespondersForm(_Versioned):
    responder_id = SelectField("Responder", widget=GovSelect(), coerce=int,
                               validators=[InputRequired(message="Choose who will respond")])
    second_responder_id = SelectField("Second responder (optional)", widget=GovSelect(), coerce=int,
                                      validators=[Optional()])
    submit = SubmitField("Save the responders", widget=GovSubmitInput())


class WithdrawForm(_Versioned):
    reason = TextAreaField("Why are you withdrawing the challenge?", widget=GovTextArea(),
                           validators=[InputRequired(message="Give the reason for withdrawing the challenge"),
                                       TEXT_LIMIT])
    submit = SubmitField("Withdraw the challenge", widget=GovSubmitInput())


class CafcassForm(_Versioned):
    referred_on = UKDateField("Date of the referral to Cafcass", description="For example, 27 3 2027",
                              validators=[InputRequired(message="Enter the date of the referral")])
    submit = SubmitField("Record the Cafcass referral", widget=GovSubmitInput())


class FilterForm(Form):
    """The filters of the 'All challenges' list (a GET form)."""

    status = SelectField("Status", widget=GovSelect(), validators=[Optional()],
                         choices=[("", "Any status"), ("open", "Open"), ("resolved", "Resolved"),
                                  ("withdrawn", "Withdrawn")])
    stage = SelectField("Stage", widget=GovSelect(), validators=[Optional()])
    category = SelectField("Category", widget=GovSelect(), validators=[Optional()],
                           choices=[("", "Any category")] + list(CHALLENGE_CATEGORIES.items()))
    team = SelectField("Team", widget=GovSelect(), validators=[Optional()])
    overdue = BooleanField("Overdue only", widget=GovCheckboxInput())


class MonthForm(Form):
    month = SelectField("Month", widget=GovSelect())


def user_choices(users, *, none_label: str | None = None) -> list[tuple[int, str]]:
    choices = [(NOBODY, none_label)] if none_label else []
    return choices + [(u.id, f"{u.display_name} ({u.team.name if u.team else 'no team'})") for u in users]
