from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import SubmitField


class ResultsImportForm(FlaskForm):
    file = FileField("Results workbook (.xlsx)", widget=GovFileInput(),
                     validators=[FileRequired(message="Choose a workbook to upload")],
                     description="A workbook in the exchange format, with the sheets 'Audits' and 'Answers'.")
    submit = SubmitField("Import results", widget=GovSubmitInput())


class StartExportForm(FlaskForm):
    """A button: prepare a large export in the background."""

    submit = SubmitField("Prepare the export", widget=GovSubmitInput())
