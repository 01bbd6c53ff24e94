import sqlalchemy as sa
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxesInput, GovPasswordInput, GovSelect, GovSubmitInput,
                                                GovTextInput)
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from qa_app.auth.models import ROLE_LABELS, Role, Team
from qa_app.extensions import db

ROLE_HINTS = {
    Role.AUDITOR: "Team managers: complete the audits assigned to them",
    Role.MODERATOR: "Check a sample of audits",
    Role.QA_LEAD: "Plan rounds, see every audit, reports, export and import (needs two-step verification)",
    Role.IRO: "Independent reviewing officers: challenges, case files",
    Role.PRACTITIONER: "Social workers: their actions and reflections",
    Role.VIEWER: "Read reports only",
    Role.ADMIN: "Manage people and teams; no case content (needs two-step verification)",
}


def role_choices(only: list[str] | None = None) -> list[tuple[str, str]]:
    return [(role.value, ROLE_LABELS[role]) for role in Role if only is None or role.value in only]


def team_choices() -> list[tuple[str, str]]:
    teams = db.session.scalars(sa.select(Team).order_by(Team.name)).all()
    return [("", "No team")] + [(str(t.id), t.name + (f" ({t.service_area})" if t.service_area else "")) for t in teams]


def _roles_field(label):
    return SelectMultipleField(label, widget=GovCheckboxesInput(), choices=role_choices(),
                               validators=[InputRequired(message="Give the person at least one role")])


class PersonForm(FlaskForm):
    display_name = StringField("Name", widget=GovTextInput(),
                               validators=[InputRequired(message="Enter the person's name"), Length(max=120)])
    roles = _roles_field("Roles")
    team_id = SelectField("Team", widget=GovSelect(), choices=[])
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.team_id.choices = team_choices()


class InviteForm(PersonForm):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[InputRequired(message="Enter the person's email address"), Length(max=254)])
    submit = SubmitField("Send the invitation", widget=GovSubmitInput())


class TeamForm(FlaskForm):
    name = StringField("Team name", widget=GovTextInput(),
                       validators=[InputRequired(message="Enter the team's name"), Length(max=120)])
    service_area = StringField("Service area", widget=GovTextInput(), validators=[Length(max=120)],
                               description="For example: Children in need and protection")
    submit = SubmitField("Save", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    keep = SelectMultipleField("Roles this person still needs", widget=GovCheckboxesInput(), choices=[],
                               description="Untick a role to take it away. With no role left the account is "
                                           "deactivated.")
    submit = SubmitField("Save the review", widget=GovSubmitInput())


class SetPasswordForm(FlaskForm):
    password = PasswordField("Choose a password", widget=GovPasswordInput(),
                             description="At least 12 characters. A few unrelated words together are strong "
                                         "and easy to remember.",
                             validators=[InputRequired(message="Choose a password")])
    confirm_password = PasswordField("Type the password again", widget=GovPasswordInput(),
                                     validators=[InputRequired(message="Type the password again")])
    submit = SubmitField("Set my password", widget=GovSubmitInput())


class MergeForm(FlaskForm):
    into = SelectField("Their own account", widget=GovSelect(), choices=[],
                       description="Audits, moderations and actions of the imported account move to this one.",
                       validators=[InputRequired(message="Choose the account to merge into")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConfirmMergeForm(FlaskForm):
    submit = SubmitField("Merge the accounts", widget=GovSubmitInput())
