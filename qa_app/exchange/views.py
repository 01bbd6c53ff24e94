"""The exchange workbook over HTTP: downloading the report's results, and importing a workbook.
Its addresses sit beside the report's (/reports/…), where people look for them.

A small export is written in the request and downloaded at once; one of more than
JOB_EXPORT_AUDITS audits runs as a background job (qa_app.jobs), and so does the import of a
workbook larger than JOB_IMPORT_KB: the person is taken to the job's page, which shows its progress
and then the file or the import's result."""

import tempfile
from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from qa_app.auth.models import Role
from qa_app.auth.permissions import roles_required
from qa_app.exchange import jobs
from qa_app.exchange.export import file_name, write_exchange_workbook
from qa_app.exchange.forms import ResultsImportForm, StartExportForm
from qa_app.exchange.importing import ResultsRejected, import_results
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.jobs import services as job_services
from qa_app.reports.forms import report_filters
from qa_app.reports.queries import ReportFilter
from qa_app.writes import commit_form, upload_status

bp = Blueprint("exchange", __name__, url_prefix="/reports")


def export_runs_as_job(audits: int) -> bool:
    """Whether an export of this many audits is prepared in the background."""
    return audits > current_app.config["JOB_EXPORT_AUDITS"]


@bp.route("/export.xlsx")
@roles_required(Role.QA_LEAD)
def export():
    form, filters = report_filters(request.args)
    if form.errors:
        return redirect(url_for("reports.index", **request.args))
    from qa_app.exchange.queries import export_size

    audits, _answers = export_size(filters)
    if export_runs_as_job(audits):
        return render_template("exchange/export_large.html", form=StartExportForm(), audits=audits,
                               query=request.query_string.decode())
    # Written to a temporary file (memory stays flat), then streamed to the browser.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    try:
        write_exchange_workbook(spool, filters=filters, generated_by=current_user.email, today=date.today())
        record(current_user, "export.downloaded", None, filters=filters.describe())
        db.session.commit()
    except BaseException:
        spool.close()   # a failed export leaves no temporary file behind
        raise
    spool.seek(0)
    response = send_file(spool, as_attachment=True, download_name=_download_name(form, filters),
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.call_on_close(spool.close)
    return response


@bp.route("/export", methods=["POST"])
@roles_required(Role.QA_LEAD)
def start_export():
    """Prepare the export of the report's filters (the query string) as a background job."""
    filter_form, filters = report_filters(request.args)
    if filter_form.errors:
        return redirect(url_for("reports.index", **request.args))
    written = commit_form(StartExportForm(), lambda: _start_export(filters, _download_name(filter_form, filters)))
    if not written.ok:
        return redirect(url_for("exchange.export", **request.args))
    return redirect(url_for("jobs.show", job_id=written.value.id), 303)


def _start_export(filters: ReportFilter, download_name: str):
    return job_services.start(jobs.EXPORT, actor=current_user, params={
        "filters": filters.as_params(), "today": date.today().isoformat(), "file_name": download_name})


def _download_name(form, filters: ReportFilter) -> str:
    """The workbook's file name, after what it holds (see export.file_name)."""
    names = dict(form.rounds.choices)
    return file_name(rounds=[names[r] for r in filters.round_ids if r in names],
                     team=dict(form.team.choices).get(filters.team_id) if filters.team_id else None,
                     case_type=dict(form.case_type.choices).get(filters.case_type) if filters.case_type else None,
                     date_from=filters.date_from, date_to=filters.date_to, today=date.today())


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def import_form():
    form = ResultsImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        if _upload_size(upload) > current_app.config["JOB_IMPORT_BYTES"]:
            written = commit_form(form, lambda: _start_import(upload), validate=False)
            if written.ok:
                return redirect(url_for("jobs.show", job_id=written.value.id), 303)
        else:
            try:
                written = commit_form(form, lambda: import_results(
                    upload.read(), upload.filename or "upload.xlsx", actor=current_user), validate=False)
            except ResultsRejected as error:
                problems = error.problems
            else:
                if written.ok:
                    for line in written.value.lines():
                        flash(line[0].upper() + line[1:] + ".", "success")
                    return redirect(url_for("reports.index"))
    return render_template("exchange/import.html", form=form, problems=problems), upload_status(form, problems)


def _upload_size(upload) -> int:
    stream = upload.stream
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size


def _start_import(upload):
    """Keep the upload under JOB_FILES_DIR for the worker, and start the import job."""
    path = job_services.new_file_path("upload", ".xlsx")
    upload.save(str(path))
    name = (upload.filename or "upload.xlsx")[-200:]
    try:
        return job_services.start(jobs.IMPORT, actor=current_user,
                                  params={"upload": path.name, "filename": name})
    except Exception:
        path.unlink(missing_ok=True)
        raise
