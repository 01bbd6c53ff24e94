from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput, GovCheckboxInput, GovRadioInput, GovSubmitInput, GovTextInput,
)
from wtforms import BooleanField, IntegerField, RadioField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from qa_app.cases.models import CASE_TYPE_LABELS, FACTORS
from qa_app.rounds.sampling import SIZE_MODES


class ProgrammeForm(FlaskForm):
    name = StringField("Name of the recurring audit", widget=GovTextInput(),
                       description="For example: 'Monthly CP and CIN audit'. Each round is named after it and the month.",
                       validators=[InputRequired(message="Enter a name for the programme"), Length(max=120)])
    template_key = RadioField("Audit template", widget=GovRadioInput(),
                              description="Each round uses the template's current version when it is created.",
                              validators=[InputRequired(message="Choose an audit template")])
    day_of_month = IntegerField("Day of the month the round is created", widget=GovTextInput(), default=1,
                                validators=[InputRequired(message="Enter a day between 1 and 28"),
                                            NumberRange(min=1, max=28, message="Enter a day between 1 and 28")])
    due_working_days = IntegerField("Audits due after (working days)", widget=GovTextInput(), default=15,
                                    validators=[InputRequired(message="Enter a number of working days"),
                                                NumberRange(min=1, max=60, message="Enter a number between 1 and 60")])
    case_types = SelectMultipleField("Case types", widget=GovCheckboxesInput(),
                                     choices=[(t.value, label) for t, label in CASE_TYPE_LABELS.items()],
                                     description="Leave all unticked to include every case type.")
    team_ids = SelectMultipleField("Teams", widget=GovCheckboxesInput(), coerce=int,
                                   description="Leave all unticked to include every team.")
    factors = SelectMultipleField("Factors", widget=GovCheckboxesInput(), choices=list(FACTORS.items()),
                                  description="A case file matches when it has any of the ticked factors.")
    size_mode = RadioField("How many case files", widget=GovRadioInput(), default="per_auditor",
                           choices=list(SIZE_MODES.items()))
    size = IntegerField("Number (per team or per auditor), or percentage", widget=GovTextInput(), default=2,
                        validators=[Optional(), NumberRange(min=1, max=1000, message="Enter a number between 1 and 1,000")])
    exclude_months = IntegerField("Leave out case files audited in the last (months)", widget=GovTextInput(),
                                  default=6, validators=[InputRequired(message="Enter a number of months"),
                                                         NumberRange(min=0, max=120, message="Enter a number of months between 0 and 120")])
    moderation_percent = IntegerField("Percentage of each auditor's audits to moderate", widget=GovTextInput(),
                                      default=10, validators=[InputRequired(message="Enter a percentage"),
                                                              NumberRange(min=0, max=100, message="Enter a percentage between 0 and 100")])
    auto_assign = BooleanField("Assign the auditors automatically (fewest open audits first, never their own team)",
                               widget=GovCheckboxInput(), default=True)
    match_service_area = BooleanField("Only to auditors in the case's service area", widget=GovCheckboxInput())
    submit = SubmitField("Set up the recurring audit", widget=GovSubmitInput())
