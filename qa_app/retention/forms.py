from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class HoldForm(FlaskForm):
    case_reference = StringField("Case reference", widget=GovTextInput(), validators=[Optional(), Length(max=64)],
                                 description="Hold one case file, or choose a round below.")
    round_name = SelectField("Or a whole round", widget=GovSelect(), default="")
    reason = TextAreaField("Why must these records be kept?", widget=GovTextArea(),
                           validators=[InputRequired(message="Enter why the records must be kept"), Length(max=2000)],
                           description="For example, the legal case or complaint, and who asked for the hold.")
    submit = SubmitField("Place the hold", widget=GovSubmitInput())


class ReleaseForm(FlaskForm):
    reason = StringField("Why can the hold end?", widget=GovTextInput(),
                         validators=[InputRequired(message="Enter why the hold can end"), Length(max=2000)])
    submit = SubmitField("Release the hold", widget=GovSubmitInput())
