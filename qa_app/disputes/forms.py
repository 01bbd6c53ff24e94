from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import Optional

from qa_app.disputes.models import DECISION_LABELS


def _optional_int(value):
    return int(value) if value not in (None, "", "None") and str(value).lstrip("-").isdigit() else None


class RaiseForm(FlaskForm):
    reason = TextAreaField("Why do you dispute the moderated grade?", widget=GovTextArea(),
                           description="Say what in the case file supports your grade. The person who decides reads "
                                       "the audit, the moderation and your reasons.")
    submit = SubmitField("Dispute the grade", widget=GovSubmitInput())


class DecideForm(FlaskForm):
    version = HiddenField()
    decision = RadioField("Your decision", choices=[(d.value, label) for d, label in DECISION_LABELS.items()],
                          validators=[Optional()], widget=GovRadioInput())
    grade = RadioField("The grade, if different from both", coerce=_optional_int, validators=[Optional()],
                       widget=GovRadioInput())
    rationale = TextAreaField("Your reasons", widget=GovTextArea(),
                              description="The auditor and the moderator will read them.")
    submit = SubmitField("Record the decision", widget=GovSubmitInput())
