from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput, GovSubmitInput
from wtforms import BooleanField, SubmitField


class CaseImportForm(FlaskForm):
    file = FileField(
        "Case list (CSV or Excel .xlsx)", widget=GovFileInput(),
        validators=[FileRequired(message="Choose a case list file to upload")],
        description="The report exported from the case-management system. The first row holds the column names.",
    )
    close_missing = BooleanField(
        "Mark case files that are not in this list as closed", widget=GovCheckboxInput()
    )
    submit = SubmitField("Import case list", widget=GovSubmitInput())
