from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired


class CodeForm(FlaskForm):
    code = StringField("Code from your authenticator app", widget=GovTextInput(),
                       description="The 6 numbers your app shows for this service now.",
                       validators=[InputRequired(message="Enter the code from your authenticator app")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(FlaskForm):
    code = StringField("Recovery code", widget=GovTextInput(),
                       description="One of the recovery codes you saved when you set up two-step verification, "
                                   "for example ABCD-EFGH-JKLM-NPQR-STUV-WXYZ.",
                       validators=[InputRequired(message="Enter one of your recovery codes")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class EnrolForm(CodeForm):
    """Setting it up while signed in: the password again first (ASVS 5.0 7.5.1), as whoever is at an
    unlocked computer must not change how the account signs in."""

    current_password = PasswordField("Your password", widget=GovPasswordInput(),
                                     validators=[InputRequired(message="Enter your password")])
