from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput
from wtforms import PasswordField, SubmitField
from wtforms.validators import EqualTo, InputRequired


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Your current password", widget=GovPasswordInput(),
                                     validators=[InputRequired(message="Enter your current password")])
    new_password = PasswordField(
        "New password", widget=GovPasswordInput(),
        description="At least 12 characters. A few unrelated words together are strong and easy to remember.",
        validators=[InputRequired(message="Enter a new password")])
    confirm_password = PasswordField(
        "Type the new password again", widget=GovPasswordInput(),
        validators=[InputRequired(message="Type the new password again"),
                    EqualTo("new_password", message="The two new passwords do not match")])
    submit = SubmitField("Change password", widget=GovSubmitInput())
