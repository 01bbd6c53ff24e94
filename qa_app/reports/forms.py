from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovFileInput, GovSelect, GovSubmitInput
from wtforms import SelectField, SelectMultipleField, SubmitField
from wtforms.validators import Optional

from qa_app.cases.models import CASE_TYPE_LABELS
from qa_app.fields import UKDateField


class ReportFilterForm(FlaskForm):
    """The report's filters; sent with GET, so the address can be bookmarked and shared."""

    class Meta:
        csrf = False

    rounds = SelectMultipleField("Rounds", widget=GovCheckboxesInput(), coerce=int,
                                 description="Leave all unticked for every round.")
    team = SelectField("Team", widget=GovSelect(), coerce=int, default=0)
    case_type = SelectField("Case type", widget=GovSelect(), default="",
                            choices=[("", "All case types")] + [(t.value, label) for t, label in CASE_TYPE_LABELS.items()])
    date_from = UKDateField("Audits submitted from", validators=[Optional()], description="For example, 1 4 2026")
    date_to = UKDateField("Audits submitted up to", validators=[Optional()], description="For example, 31 3 2027")
    submit = SubmitField("Show the report", widget=GovSubmitInput())


class ResultsImportForm(FlaskForm):
    file = FileField("Results workbook (.xlsx)", widget=GovFileInput(),
                     validators=[FileRequired(message="Choose a workbook to upload")],
                     description="A workbook in the exchange format, with the sheets 'Audits' and 'Answers'.")
    submit = SubmitField("Import results", widget=GovSubmitInput())
