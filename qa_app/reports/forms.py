import sqlalchemy as sa
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextInput,
)
from wtforms import DecimalField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from qa_app.auth.models import Team
from qa_app.cases.models import CASE_TYPE_LABELS
from qa_app.extensions import db
from qa_app.fields import UKDateField
from qa_app.reports.queries import ReportFilter
from qa_app.rounds.models import AuditRound


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


def report_filters(args) -> tuple[ReportFilterForm, ReportFilter]:
    """The filter form filled from the address's query `args`, and the filters it gives; when the
    form has errors, filters that select nothing (the page shows the errors and no figures)."""
    form = ReportFilterForm(args)
    rounds = db.session.scalars(sa.select(AuditRound).order_by(AuditRound.created_at.desc(), AuditRound.id.desc()))
    form.rounds.choices = [(r.id, r.name) for r in rounds]
    form.team.choices = [(0, "All teams")] + [(t.id, t.name) for t in db.session.scalars(
        sa.select(Team).order_by(Team.name))]
    valid = form.validate() if args else True
    if not valid:
        return form, ReportFilter(round_ids=(-1,))
    return form, ReportFilter(
        round_ids=tuple(form.rounds.data or ()), team_id=form.team.data or None,
        case_type=form.case_type.data or None, date_from=form.date_from.data, date_to=form.date_to.data,
    )


class TargetForm(FlaskForm):
    """A target: the figure it is for ("percent_inadequate", "percent_good_or_better" or
    "compliance|QUESTION_KEY|OPTION"), at most / at least, the percentage and the amber margin."""

    name = StringField("Name of the target", widget=GovTextInput(),
                       description="For example: 'Inadequate at most 10%' or 'Child seen alone at least 90%'.",
                       validators=[InputRequired(message="Enter a name for the target"), Length(max=200)])
    figure = SelectField("The figure", widget=GovSelect(),
                         validators=[InputRequired(message="Choose the figure the target is for")])
    comparison = RadioField("The figure should be", widget=GovRadioInput(), default="at_most",
                            choices=[("at_most", "At most the target"), ("at_least", "At least the target")],
                            validators=[InputRequired(message="Choose at most or at least")])
    value = DecimalField("Target (%)", widget=GovTextInput(), places=None,
                         validators=[InputRequired(message="Enter the target as a percentage"),
                                     NumberRange(min=0, max=100, message="Enter a percentage between 0 and 100")])
    amber_margin = DecimalField("Amber margin (percentage points)", widget=GovTextInput(), default=5, places=None,
                                description="A figure this close to the target, on the wrong side, shows amber "
                                            "rather than red.",
                                validators=[InputRequired(message="Enter the amber margin"),
                                            NumberRange(min=0, max=100, message="Enter a number between 0 and 100")])
    submit = SubmitField("Add the target", widget=GovSubmitInput())


def target_figures() -> list[tuple[str, str]]:
    """The figures a target can be set for: the two headline figures, then every answer of every
    yes/partly/no and choice question of the current templates."""
    from qa_app.audit_forms.schema import YES_PARTLY_NO
    from qa_app.audit_forms.services import current_versions
    from qa_app.reports.targets import MEASURES

    figures = list(MEASURES.items())
    seen = set()
    for version in current_versions():
        for question in version.template.questions():
            if question.type not in ("yes_partly_no", "choice") or question.key in seen:
                continue
            seen.add(question.key)
            options = [label for _, label in YES_PARTLY_NO] if question.type == "yes_partly_no" else question.choices
            text = " ".join(question.text.split())
            short = text if len(text) <= 90 else text[:89] + "…"
            figures += [(f"compliance|{question.key}|{option}", f"{short}: {option}") for option in options]
    return figures
