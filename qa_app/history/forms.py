from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from qa_app.fields import UKDateField


class SeenForm(FlaskForm):
    """Who has seen a case: sent with GET, so the address can be bookmarked."""

    class Meta:
        csrf = False

    case = StringField("Case reference", widget=GovTextInput(), validators=[Optional(), Length(max=64)],
                       description="For example, C00123. Leave empty to see every case a person has seen.")
    user = StringField("Person's email address", widget=GovTextInput(), validators=[Optional(), Length(max=254)],
                       description="Leave empty to see everyone who has seen the case.")
    date_from = UKDateField("From", validators=[Optional()], description="For example, 1 4 2026")
    date_to = UKDateField("Up to", validators=[Optional()], description="For example, 30 4 2026")
    submit = SubmitField("Show", widget=GovSubmitInput())
