from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput, GovCheckboxInput, GovFileInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from qa_app.audit_forms.schema import CASE_TYPES, THEME_LABELS, THEMES
from qa_app.cases.models import CASE_TYPE_LABELS, CaseType

TYPE_LABELS = {"grade": "A grade on the template's scale", "yes_partly_no": "Yes, partly, no or not applicable",
               "choice": "One of a list of choices", "text": "Text", "date": "A date", "number": "A number"}


class NewTemplateForm(FlaskForm):
    key = StringField("Key", widget=GovTextInput(), description="Lower-case letters, digits and hyphens, for "
                      "example early-help-plan. It names the YAML file and never changes.",
                      validators=[InputRequired(message="Enter a key for the template"), Length(max=64)])
    title = StringField("Title", widget=GovTextInput(),
                        validators=[InputRequired(message="Enter the template's title"), Length(max=200)])
    submit = SubmitField("Create the template", widget=GovSubmitInput())


class UploadForm(FlaskForm):
    file = FileField("A template file (.yaml)", widget=GovFileInput())
    submit = SubmitField("Upload as a draft", widget=GovSubmitInput())


class DetailsForm(FlaskForm):
    version_lock = HiddenField()
    title = StringField("Title", widget=GovTextInput(), validators=[Optional(), Length(max=400)])
    version = StringField("Version label", widget=GovTextInput(), description="For example 2027.1. Each "
                          "published version needs a label of its own.", validators=[Optional(), Length(max=80)])
    description = TextAreaField("How to use the template (optional)", widget=GovTextArea(),
                                validators=[Optional(), Length(max=4000)])
    applies_to = SelectMultipleField("Case types it is for", widget=GovCheckboxesInput(),
                                     choices=[(c, CASE_TYPE_LABELS[CaseType(c)]) for c in CASE_TYPES])
    scale_kind = RadioField("Grade scale", widget=GovRadioInput(), default="ofsted4",
                            choices=[("ofsted4", "Ofsted: Outstanding, Good, Requires improvement, Inadequate "
                                                 "(evidence needed for Requires improvement and Inadequate)"),
                                     ("custom", "A scale of the template's own")])
    scale_key = StringField("Scale key", widget=GovTextInput(), validators=[Optional(), Length(max=80)])
    scale_grades = TextAreaField("Grades, best first: one a line, as value = label", widget=GovTextArea(),
                                 description="For example: 1 = Strong", validators=[Optional(), Length(max=2000)])
    scale_good = StringField("Values counted as good or better", widget=GovTextInput(),
                             description="Separated by commas, for example 1, 2", validators=[Optional()])
    scale_inadequate = StringField("The value counted as inadequate", widget=GovTextInput(), validators=[Optional()])
    scale_evidence = StringField("Values that need evidence (the evidence rule)", widget=GovTextInput(),
                                 description="Separated by commas", validators=[Optional()])
    submit = SubmitField("Save the details", widget=GovSubmitInput())


class SectionForm(FlaskForm):
    version_lock = HiddenField()
    key = StringField("Section key", widget=GovTextInput(), description="a-z, 0-9 and _, unique in the template",
                      validators=[Optional(), Length(max=80)])
    title = StringField("Section heading", widget=GovTextInput(), validators=[Optional(), Length(max=400)])
    submit = SubmitField("Save the section", widget=GovSubmitInput())


class QuestionForm(FlaskForm):
    version_lock = HiddenField()
    key = StringField("Question key", widget=GovTextInput(), description="a-z, 0-9 and _, unique in the "
                      "template. Answers and reports use it: never reuse a key for a different question.",
                      validators=[Optional(), Length(max=80)])
    text = TextAreaField("Question", widget=GovTextArea(), validators=[Optional(), Length(max=4000)])
    guidance = TextAreaField("Help for the auditor (optional)", widget=GovTextArea(),
                             validators=[Optional(), Length(max=8000)])
    type = RadioField("Kind of answer", widget=GovRadioInput(), choices=list(TYPE_LABELS.items()),
                      validators=[Optional()])
    required = BooleanField("An answer is required before the audit can be submitted", widget=GovCheckboxInput())
    limiting = BooleanField("Limiting: the overall grade can be no better than this answer (grade questions)",
                            widget=GovCheckboxInput())
    themes = SelectMultipleField("Themes (for themed reports; a grade question needs at least one)",
                                 widget=GovCheckboxesInput(), choices=[(t, THEME_LABELS[t]) for t in THEMES])
    choices = TextAreaField("Choices: one a line (choice questions)", widget=GovTextArea(),
                            validators=[Optional(), Length(max=8000)])
    show_if_question = SelectField("Ask this question only when", widget=GovSelect(), validators=[Optional()])
    show_if_answers = TextAreaField("…has one of these answers: one a line", widget=GovTextArea(),
                                    description="For example No (yes/partly/no questions), a grade such as "
                                                "Inadequate, or a choice exactly as written.",
                                    validators=[Optional(), Length(max=4000)])
    submit = SubmitField("Save the question", widget=GovSubmitInput())


# Where the schema's problems go on the editor's forms: a path's last part → the field.
QUESTION_PATH_FIELDS = {"key": "key", "text": "text", "guidance": "guidance", "type": "type", "required": "required",
                        "limiting": "limiting", "themes": "themes", "choices": "choices",
                        "show_if": "show_if_question"}
DETAILS_PATH_FIELDS = {"title": "title", "version": "version", "description": "description",
                       "applies_to": "applies_to", "scale": "scale_kind", "key": "title", "sections": "title"}
SCALE_PATH_FIELDS = {"key": "scale_key", "grades": "scale_grades", "good_or_better": "scale_good",
                     "inadequate": "scale_inadequate", "evidence_required": "scale_evidence"}
