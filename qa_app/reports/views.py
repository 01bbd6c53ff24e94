from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from qa_app.audit_forms.schema import THEME_LABELS
from qa_app.auth.permissions import roles_required
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.reports import charts
from qa_app.audits.permissions import can_view_audit
from qa_app.auth.forms import EmptyForm
from qa_app.auth.models import Role
from qa_app.jobs.services import start as start_job
from qa_app.reports import jobs as report_jobs
from qa_app.reports.cache import cached_report
from qa_app.reports.drilldown import MAX_LISTED, Figure, audits_behind, load_audits
from qa_app.reports.forms import ReportFilterForm, TargetForm, report_filters, target_figures
from qa_app.reports.models import Target
from qa_app.reports.targets import active_targets, add_target, retire_target
from qa_app.reports.targets import describe as describe_target
from qa_app.writes import commit_form
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
        compliance_charts=charts.compliance_trend_charts(report) if report else {},
        # The trend covers every round (the report's other filters still apply): its figures link
        # to their audits without the report's choice of rounds, and with the point's own round.
        trend_query=urlencode([(k, v) for k, vs in request.args.lists() if k != "rounds" for v in vs]),
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


@bp.route("/targets", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def targets():
    form = TargetForm()
    form.figure.choices = target_figures()

    def add():
        measure, _, rest = form.figure.data.partition("|")
        question_key, _, option = rest.partition("|")
        return add_target(name=form.name.data, measure=measure, question_key=question_key or None,
                          option=option or None, comparison=form.comparison.data, value=form.value.data,
                          amber_margin=form.amber_margin.data, actor=current_user)

    if commit_form(form, add, fallback="name").ok:
        flash(f"Target '{form.name.data.strip()}' added. The report shows it against each round.", "success")
        return redirect(url_for("reports.targets"))
    status = 400 if form.errors else 200
    return render_template("reports/targets.html", form=form, targets=active_targets(),
                           describe=describe_target, retire_form=EmptyForm()), status


@bp.route("/targets/<int:target_id>/remove", methods=["POST"])
@roles_required(Role.QA_LEAD)
def remove_target(target_id: int):
    target = db.get_or_404(Target, target_id)
    if commit_form(EmptyForm(), lambda: retire_target(target, actor=current_user)).ok:
        flash(f"Target '{target.name}' removed.", "success")
    return redirect(url_for("reports.targets"))


@bp.route("/audits")
@roles_required(*REPORT_READERS)
def audits():
    """The audits behind one figure of the report. Everyone who may read the report sees how many
    there are and how they split; only someone who may open an audit sees it listed, with its
    case reference and a link to the answer and its evidence (viewers see counts only)."""
    form, filters = report_filters(request.args)
    if form.errors:
        return render_template("reports/audits.html", form=form, figure=None, audits=[], hidden=0, total=0,
                               query=""), 400
    figure = Figure.from_args(request.args)
    ids = audits_behind(filters, figure)
    found = load_audits(ids)
    visible = [a for a in found if can_view_audit(current_user, a)]
    round_ = db.session.get(AuditRound, figure.round_id) if figure.round_id is not None else None
    round_name = round_.name if round_ is not None else None
    record(current_user, "report.audits_listed", None, filters=filters.describe(), figure=figure.describe(round_name),
           listed=[a.id for a in visible], hidden=len(found) - len(visible))
    db.session.commit()
    base = request.args.to_dict(flat=False)
    query = "&".join(f"{k}={v}" for k, vs in base.items() if not k.startswith("f_") for v in vs)
    return render_template("reports/audits.html", form=form, figure=figure, round_name=round_name, audits=visible,
                           hidden=len(found) - len(visible), total=len(found), scope=_describe(form, filters),
                           query=query, limit=MAX_LISTED)


@bp.route("/board-pack", methods=["GET", "POST"])
@roles_required(*REPORT_READERS)
def board_pack():
    """Start the board pack of the report's filters (the query string): a dated, printable PDF
    (OFFICIAL-SENSITIVE) drawn in the background; the person is taken to the job's page, which
    shows its progress and then offers the PDF. A GET (a link or bookmark) asks first."""
    form, filters = report_filters(request.args)
    if form.errors:
        return redirect(url_for("reports.index", **request.args))
    if request.method == "GET":
        return render_template("reports/board_pack_start.html", scope=_describe(form, filters),
                               query=request.query_string.decode())
    names = dict(form.rounds.choices)
    title = ("Quality assurance report: " + "; ".join(names.get(r, str(r)) for r in filters.round_ids)
             if filters.round_ids else "Quality assurance report")
    written = commit_form(EmptyForm(), lambda: start_job(report_jobs.BOARD_PACK, actor=current_user, params={
        "filters": filters.as_params(), "today": date.today().isoformat(), "title": title,
        "scope": _describe(form, filters)}))
    if not written.ok:
        flash("The board pack was not started: the form had expired. Try again.", "error")
        return redirect(url_for("reports.index", **request.args))
    return redirect(url_for("jobs.show", job_id=written.value.id), 303)
