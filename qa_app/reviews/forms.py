"""The review checks' fields, added to the audit form of a review audit, and the review round form."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput, GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput,
)
from wtforms import BooleanField, Field, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from qa_app.actions.models import ActionStatus
from qa_app.fields import UKDateField
from qa_app.reviews.services import IN_PLACE, MAX_EVIDENCE, MODES, ReviewContext


def check_field(key: str) -> str:
    return f"rc_{key}"


def check_evidence_field(key: str) -> str:
    return f"rce_{key}"


def verify_field(action_id: int) -> str:
    return f"verify_{action_id}"


def review_fields(context: ReviewContext) -> dict[str, dict[str, Field]]:
    """Per item, after its question: is the improvement in place, and the evidence; per done
    action: verify it. Grouped by question key (see audits.extensions)."""
    grouped: dict[str, dict[str, Field]] = {}
    for item in context.items:
        fields = grouped.setdefault(item.key, {})
        fields[check_field(item.key)] = RadioField(
            "Is the improvement in place?", widget=GovRadioInput(), choices=list(IN_PLACE),
            validators=[Optional()])
        fields[check_evidence_field(item.key)] = TextAreaField(
            "Evidence that the improvement is (or is not) in place", widget=GovTextArea(),
            validators=[Optional(), Length(max=MAX_EVIDENCE)])
        for action in item.actions:
            if action.status == ActionStatus.DONE:
                fields[verify_field(action.id)] = BooleanField(
                    f"Verify this action: {action.description[:120]}", widget=GovCheckboxInput())
    return grouped


def review_form_data(context: ReviewContext) -> dict:
    data = {}
    for item in context.items:
        if item.check is not None:
            data[check_field(item.key)] = item.check.in_place
            data[check_evidence_field(item.key)] = item.check.evidence
    return data


def checks_from_form(form, context: ReviewContext) -> dict[str, dict]:
    return {item.key: {"in_place": form[check_field(item.key)].data or None,
                       "evidence": (form[check_evidence_field(item.key)].data or "").strip()}
            for item in context.items}


def verify_ids_from_form(form, context: ReviewContext) -> list[int]:
    return [action.id for item in context.items for action in item.actions
            if verify_field(action.id) in form and form[verify_field(action.id)].data]


class ReviewRoundForm(FlaskForm):
    name = StringField("Name of the review round", widget=GovTextInput(),
                       description="For example: 'Review of the March 2027 monthly audit'.",
                       validators=[InputRequired(message="Enter a name for the review round"), Length(max=160)])
    mode = RadioField("Which case files to review", widget=GovRadioInput(), choices=list(MODES.items()),
                      validators=[InputRequired(message="Choose which case files to review")])
    due_date = UKDateField("Reviews due by", description="For example, 27 3 2027",
                           validators=[InputRequired(message="Enter the date the reviews are due by")])
    submit = SubmitField("Create the review round", widget=GovSubmitInput())
