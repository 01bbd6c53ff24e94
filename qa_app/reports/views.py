import tempfile
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from qa_app.audit_forms.schema import THEME_LABELS
from qa_app.auth.models import Role, Team
from qa_app.auth.permissions import roles_required
from qa_app.exports.importing import ResultsRejected, import_results
from qa_app.exports.workbook import write_exchange_workbook
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.panels import NAVIGATION
from qa_app.reports import charts
from qa_app.reports.builder import build_report
from qa_app.reports.forms import ReportFilterForm, ResultsImportForm
from qa_app.reports.queries import ReportFilter
from qa_app.rounds.models import AuditRound

bp = Blueprint("reports", __name__, url_prefix="/reports")
REPORT_READERS = (Role.QA_LEAD, Role.VIEWER)
NAVIGATION.add("reports.index", "Reports", REPORT_READERS, order=60)


def _filters() -> tuple[ReportFilterForm, ReportFilter]:
    form = ReportFilterForm(request.args)
    rounds = db.session.scalars(sa.select(AuditRound).order_by(AuditRound.created_at.desc(), AuditRound.id.desc()))
    form.rounds.choices = [(r.id, r.name) for r in rounds]
    form.team.choices = [(0, "All teams")] + [(t.id, t.name) for t in db.session.scalars(
        sa.select(Team).order_by(Team.name))]
    valid = form.validate() if request.args else True
    if not valid:
        return form, ReportFilter(round_ids=(-1,))  # show the errors and no figures
    return form, ReportFilter(
        round_ids=tuple(form.rounds.data or ()), team_id=form.team.data or None,
        case_type=form.case_type.data or None, date_from=form.date_from.data, date_to=form.date_to.data,
    )


@bp.route("/")
@roles_required(*REPORT_READERS)
def index():
    form, filters = _filters()
    report = build_report(filters, today=date.today()) if not form.errors else None
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
    form, filters = _filters()
    if form.errors:
        return jsonify({"errors": form.errors}), 400
    record(current_user, "report.viewed", None, filters=filters.describe(), format="json")
    db.session.commit()
    return jsonify(build_report(filters, today=date.today()))


@bp.route("/export.xlsx")
@roles_required(Role.QA_LEAD)
def export():
    form, filters = _filters()
    if form.errors:
        return redirect(url_for("reports.index", **request.args))
    # Written to a temporary file (memory stays flat), then streamed to the browser.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    write_exchange_workbook(spool, filters=filters, generated_by=current_user.email, today=date.today())
    record(current_user, "export.downloaded", None, filters=filters.describe())
    db.session.commit()
    spool.seek(0)
    response = send_file(spool, as_attachment=True, download_name=f"qa-results-{date.today():%Y-%m-%d}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.call_on_close(spool.close)
    return response


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def import_form():
    form = ResultsImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            summary = import_results(upload.read(), upload.filename or "upload.xlsx", actor=current_user)
        except ResultsRejected as error:
            db.session.rollback()
            problems = error.problems
        else:
            db.session.commit()
            for line in summary.lines():
                flash(line[0].upper() + line[1:] + ".", "success")
            return redirect(url_for("reports.index"))
    return render_template("reports/import.html", form=form, problems=problems)
