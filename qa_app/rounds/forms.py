from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput, GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from qa_app.fields import UKDateField
from qa_app.cases.models import CASE_TYPE_LABELS, FACTORS
from qa_app.rounds.sampling import SIZE_MODES


class RoundForm(FlaskForm):
    name = StringField("Round name", widget=GovTextInput(),
                       description="For example: 'March 2027 monthly audit' or 'Under 5s with domestic abuse'.",
                       validators=[InputRequired(message="Enter a name for the round"), Length(max=160)])
    template_key = RadioField("Audit template", widget=GovRadioInput(),
                              validators=[InputRequired(message="Choose an audit template")])
    due_date = UKDateField("Audits due by",
                         description="For example, 27 3 2027",
                         validators=[InputRequired(message="Enter the date audits are due by")])
    case_types = SelectMultipleField("Case types", widget=GovCheckboxesInput(),
                                     choices=[(t.value, label) for t, label in CASE_TYPE_LABELS.items()],
                                     description="Leave all unticked to include every case type.")
    team_ids = SelectMultipleField("Teams", widget=GovCheckboxesInput(), coerce=int,
                                   description="Leave all unticked to include every team.")
    factors = SelectMultipleField("Factors", widget=GovCheckboxesInput(), choices=list(FACTORS.items()),
                                  description="A case file matches when it has any of the ticked factors.")
    factors_all = SelectMultipleField("Has all of these factors", widget=GovCheckboxesInput(),
                                      choices=list(FACTORS.items()))
    factors_at_least = SelectMultipleField("Has at least a number of these factors", widget=GovCheckboxesInput(),
                                           choices=list(FACTORS.items()),
                                           description="For 'Domestic abuse + 1 other factor': tick Domestic abuse "
                                                       "above, every other factor here, and 1 below.")
    factors_min = IntegerField("How many of them, at least", widget=GovTextInput(), default=1,
                               validators=[Optional(), NumberRange(min=1, max=len(FACTORS),
                                                                   message=f"Enter a number between 1 and {len(FACTORS)}")])
    factors_none = SelectMultipleField("Has none of these factors", widget=GovCheckboxesInput(),
                                       choices=list(FACTORS.items()))
    plan_older_than_months = IntegerField(
        "Plan started at least this many months ago", widget=GovTextInput(),
        description="Optional. For example 15 for a child protection plan longer than 15 months.",
        validators=[Optional(), NumberRange(min=0, max=240, message="Enter a number of months between 0 and 240")])
    review_within_working_days = IntegerField(
        "Next conference or review within (working days)", widget=GovTextInput(),
        description="Optional. Audit before the conference: for example 20.",
        validators=[Optional(), NumberRange(min=0, max=120, message="Enter a number of working days between 0 and 120")])
    plan_ended_within_days = IntegerField(
        "A plan ended in the last (days)", widget=GovTextInput(), description="Optional. For example 90.",
        validators=[Optional(), NumberRange(min=0, max=730, message="Enter a number of days between 0 and 730")])
    age_under = IntegerField("Children aged under (years)", widget=GovTextInput(),
                             description="Optional. For example 5 for children under 5.",
                             validators=[Optional(), NumberRange(min=1, max=26, message="Enter an age between 1 and 26")])
    size_mode = RadioField("How many case files", widget=GovRadioInput(), default="per_team",
                           choices=list(SIZE_MODES.items()))
    size = IntegerField("Number per team, or percentage", widget=GovTextInput(), default=5,
                        validators=[Optional(), NumberRange(min=1, max=1000, message="Enter a number between 1 and 1,000")])
    exclude_months = IntegerField("Leave out case files audited in the last (months)", widget=GovTextInput(),
                                  default=12, validators=[InputRequired(message="Enter a number of months"),
                                                          NumberRange(min=0, max=120, message="Enter a number of months between 0 and 120")])
    seed = IntegerField("Sampling seed", widget=GovTextInput(),
                        description="Optional. The same rule and seed always choose the same case files.",
                        validators=[Optional(), NumberRange(min=0, max=2**31 - 1, message="Enter a whole number")])
    moderation_percent = IntegerField("Percentage of each auditor's audits to moderate", widget=GovTextInput(),
                                      default=10, validators=[InputRequired(message="Enter a percentage"),
                                                              NumberRange(min=0, max=100, message="Enter a percentage between 0 and 100")])
    moderate_inadequate = BooleanField("Moderate every audit graded Inadequate", widget=GovCheckboxInput(), default=True)
    moderate_outstanding = BooleanField("Moderate every audit graded Outstanding", widget=GovCheckboxInput(), default=True)
    moderate_immediate_risk = BooleanField("Moderate every audit with a child at immediate risk",
                                           widget=GovCheckboxInput(), default=True)
    reflections_enabled = BooleanField(
        "Let the allocated worker add a short reflection to the audit of their case", widget=GovCheckboxInput())
    blind_moderation = RadioField("Moderation", widget=GovRadioInput(), default="blind",
                                  choices=[("blind", "Blind: moderators grade before they see the auditor's grades"),
                                           ("open", "Open: moderators see the auditor's grades from the start")])
    match_service_area = BooleanField(
        "When assigning automatically, give each audit only to auditors in the case's service area",
        widget=GovCheckboxInput())
    submit = SubmitField("Save and preview the sample", widget=GovSubmitInput())


class ExtendForm(FlaskForm):
    due_date = UKDateField("New due date", description="For example, 27 3 2027",
                           validators=[InputRequired(message="Enter the new due date")])
    reason = TextAreaField("Reason (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Extend the due date", widget=GovSubmitInput())


class CancelForm(FlaskForm):
    reason = TextAreaField("Why is the round being cancelled?", widget=GovTextArea(),
                           validators=[InputRequired(message="Give the reason for cancelling the round"),
                                       Length(max=2000)])
    submit = SubmitField("Cancel the round", widget=GovSubmitInput())


class SampleChangeForm(FlaskForm):
    reference = StringField("Case reference", widget=GovTextInput(),
                            validators=[InputRequired(message="Enter the case reference to add")])
    reason = TextAreaField("Reason for adding it", widget=GovTextArea(),
                           validators=[InputRequired(message="Give a reason for adding the case file"), Length(max=2000)])
    submit = SubmitField("Add case file", widget=GovSubmitInput())


class RemoveForm(FlaskForm):
    reason = TextAreaField("Reason for removing it", widget=GovTextArea(),
                           validators=[InputRequired(message="Give a reason for removing the case file"), Length(max=2000)])
    submit = SubmitField("Remove from sample", widget=GovSubmitInput())


class AssignForm(FlaskForm):
    auditor_id = SelectField("Auditor", widget=GovSelect(), coerce=int)
    submit = SubmitField("Assign", widget=GovSubmitInput())
