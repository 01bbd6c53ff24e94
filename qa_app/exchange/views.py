"""The exchange workbook over HTTP: downloading the report's results, and importing a workbook.
Its addresses sit beside the report's (/reports/…), where people look for them."""

import tempfile
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from qa_app.auth.models import Role
from qa_app.auth.permissions import roles_required
from qa_app.exchange.export import file_name, write_exchange_workbook
from qa_app.exchange.forms import ResultsImportForm
from qa_app.exchange.importing import ResultsRejected, import_results
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.reports.forms import report_filters
from qa_app.writes import commit_form

bp = Blueprint("exchange", __name__, url_prefix="/reports")


@bp.route("/export.xlsx")
@roles_required(Role.QA_LEAD)
def export():
    form, filters = report_filters(request.args)
    if form.errors:
        return redirect(url_for("reports.index", **request.args))
    # Written to a temporary file (memory stays flat), then streamed to the browser.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    write_exchange_workbook(spool, filters=filters, generated_by=current_user.email, today=date.today())
    record(current_user, "export.downloaded", None, filters=filters.describe())
    db.session.commit()
    spool.seek(0)
    names = dict(form.rounds.choices)
    download = file_name(rounds=[names[r] for r in filters.round_ids if r in names],
                         team=dict(form.team.choices).get(filters.team_id) if filters.team_id else None,
                         case_type=dict(form.case_type.choices).get(filters.case_type) if filters.case_type else None,
                         date_from=filters.date_from, date_to=filters.date_to, today=date.today())
    response = send_file(spool, as_attachment=True, download_name=download,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.call_on_close(spool.close)
    return response


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def import_form():
    form = ResultsImportForm()
    problems: list[str] = []

    def import_upload():
        upload = form.file.data
        return import_results(upload.read(), upload.filename or "upload.xlsx", actor=current_user)

    try:
        written = commit_form(form, import_upload)
    except ResultsRejected as error:
        problems = error.problems
    else:
        if written.ok:
            for line in written.value.lines():
                flash(line[0].upper() + line[1:] + ".", "success")
            return redirect(url_for("reports.index"))
    return render_template("exchange/import.html", form=form, problems=problems)
