from datetime import date

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from qa_app.audit_forms.schema import THEME_LABELS
from qa_app.auth.permissions import roles_required
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.reports import charts
from qa_app.reports.cache import cached_report
from qa_app.reports.forms import ReportFilterForm, report_filters
from qa_app.reports.permissions import REPORT_READERS
from qa_app.reports.queries import ReportFilter
from qa_app.rounds.models import AuditRound

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/")
@roles_required(*REPORT_READERS)
def index():
    form, filters = report_filters(request.args)
    report = cached_report(filters, today=date.today()) if not form.errors else None
    record(current_user, "report.viewed", None, filters=filters.describe())
    db.session.commit()
    return render_template(
        "reports/index.html", form=form, report=report, theme_labels=THEME_LABELS, query=request.query_string.decode(),
        scope=_describe(form, filters),
        theme_chart=charts.stacked_bars(report["grades_by_theme"], "Final grades by theme", THEME_LABELS) if report else "",
        team_chart=charts.stacked_bars(report["grades_by_team"], "Final grades by team") if report else "",
        trend_chart=charts.trend_lines(report["trend"], "Trend across rounds") if report else "",
    )


def _describe(form: ReportFilterForm, filters: ReportFilter) -> str:
    """The filters in words, for the page and its printout: which rounds, team, case type, dates."""
    names = dict(form.rounds.choices)
    parts = ["Rounds: " + "; ".join(names.get(r, str(r)) for r in filters.round_ids) if filters.round_ids
             else "Rounds: all"]
    if filters.team_id:
        parts.append("Team: " + dict(form.team.choices).get(filters.team_id, str(filters.team_id)))
    if filters.case_type:
        parts.append("Case type: " + dict(form.case_type.choices).get(filters.case_type, filters.case_type))
    if filters.date_from or filters.date_to:
        start = f"{filters.date_from.day} {filters.date_from:%B %Y}" if filters.date_from else "the start"
        end = f"{filters.date_to.day} {filters.date_to:%B %Y}" if filters.date_to else "today"
        parts.append(f"Audits submitted from {start} to {end}")
    return ". ".join(parts) + "."


@bp.route("/round/<int:round_id>")
@roles_required(*REPORT_READERS)
def for_round(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    return redirect(url_for("reports.index", rounds=round_.id))


@bp.route("/report.json")
@roles_required(*REPORT_READERS)
def as_json():
    form, filters = report_filters(request.args)
    if form.errors:
        return jsonify({"errors": form.errors}), 400
    # The figures first: on SQLite the history row then takes the write lock only until the commit.
    report = cached_report(filters, today=date.today())
    record(current_user, "report.viewed", None, filters=filters.describe(), format="json")
    db.session.commit()
    return jsonify(report)
