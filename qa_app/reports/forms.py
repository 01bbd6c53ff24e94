import sqlalchemy as sa
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovSubmitInput
from wtforms import SelectField, SelectMultipleField, SubmitField
from wtforms.validators import Optional

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
