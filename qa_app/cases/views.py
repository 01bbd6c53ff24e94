from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
import sqlalchemy as sa

from qa_app.auth.models import Role, Team
from qa_app.auth.permissions import CASE_READERS, roles_required
from qa_app.cases.forms import CaseImportForm
from qa_app.cases.importing import ImportRejected, import_cases
from qa_app.cases.models import CASE_TYPE_LABELS, FACTORS, CaseFile, CaseStatus
from qa_app.cases.queries import CaseFilter, case_query
from qa_app.extensions import db
from qa_app.panels import CASE_PANELS
from qa_app.history.services import record
from qa_app.spreadsheets.reader import Limits, UnreadableFile, check_extension
from qa_app.writes import commit_form, upload_status

bp = Blueprint("cases", __name__, url_prefix="/cases")


def web_limits(app) -> Limits:
    """A workbook uploaded in the browser may unpack to at most 64 MB (about 150,000 rows): reading
    more would take longer than a web request may. Larger lists: CSV, or `cases import`."""
    return Limits(max_bytes=app.config["MAX_CONTENT_LENGTH"], max_uncompressed_bytes=64 * 1024 * 1024)


def bounded_int(text: str | None, low: int, high: int) -> int | None:
    """A whole number from the address, or None when it is missing or out of range (never a 500)."""
    try:
        value = int(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and low <= value <= high else None


@bp.route("/")
@roles_required(*CASE_READERS)
def index():
    args = request.args
    filters = CaseFilter(
        team_id=bounded_int(args.get("team"), 1, 2**31 - 1),
        case_type=args.get("case_type") if args.get("case_type") in {t.value for t in CASE_TYPE_LABELS} else None,
        factor=args.get("factor") if args.get("factor") in FACTORS else None,
        age_under=bounded_int(args.get("age_under"), 0, 150),
        status=args.get("status") if args.get("status") in ("open", "closed") else (
            None if args.get("status") == "all" else CaseStatus.OPEN),
        reference=args.get("reference") or None,
    )
    page = db.paginate(case_query(filters), page=bounded_int(args.get("page"), 1, 100_000) or 1, per_page=50,
                       error_out=False)
    teams = db.session.scalars(sa.select(Team).order_by(Team.name)).all()
    record(current_user, "cases.listed", None, page=page.page, filters=dict(args),
           case_ids=[case.id for case in page.items])
    db.session.commit()
    return render_template("cases/index.html", page=page, teams=teams, filters=filters,
                           case_types=CASE_TYPE_LABELS, factors=FACTORS, args=args)


@bp.route("/<int:case_id>")
@roles_required(*CASE_READERS)
def show(case_id: int):
    case = db.get_or_404(CaseFile, case_id)
    record(current_user, "case.viewed", case)
    db.session.commit()
    return render_template("cases/show.html", case=case,
                           panels=CASE_PANELS.render_list(current_user._get_current_object(), case))


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def upload():
    """A small list is imported in the request; a larger one (JOB_CASE_IMPORT_KB, see
    `job_threshold`), which would take more than about two seconds, is kept and imported by a
    background job, whose page shows how it goes and then the result or the problems."""
    form = CaseImportForm()
    problems: list[str] = []
    actor = current_user._get_current_object()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            kind = check_extension(upload.filename)
        except UnreadableFile as error:
            problems = [error.message]
        else:
            if _upload_size(upload) > job_threshold(current_app, kind):
                written = commit_form(form, lambda: _start_import(upload, actor, form.close_missing.data),
                                      validate=False)
                if written.ok:
                    return redirect(url_for("jobs.show", job_id=written.value.id), 303)
            else:
                problems = _import_now(form, upload, actor)
                if problems is None:
                    return redirect(url_for("cases.index"))
    return render_template("cases/import.html", form=form, problems=problems), upload_status(form, problems)


def _import_now(form, upload, actor) -> list[str] | None:
    """Import in this request: None when it is done, else the problems (and nothing changed)."""
    def import_upload():
        # Nothing is written while the file is read and checked: end the request's read
        # transaction first, so the checking holds no lock and other people's requests go on.
        db.session.commit()
        return import_cases(upload.read(), upload.filename or "upload", actor=actor,
                            close_missing=form.close_missing.data, limits=web_limits(current_app))

    try:
        written = commit_form(form, import_upload, validate=False)
    except ImportRejected as error:
        return error.problems
    if written.ok:
        flash(f"Case list imported: {written.value.summary()}.", "success")
        flash_unmatched(written.value)
        return None
    return []


def flash_unmatched(result) -> None:
    """Name the people the case list gives who are not linked to an account (never guessed)."""
    lines = result.unmatched_lines()
    if lines:
        shown = "; ".join(lines[:20]) + (f"; and {len(lines) - 20} more" if len(lines) > 20 else "")
        flash(f"Not linked to an account, so these people cannot see the audits of their cases yet: "
              f"{shown}. Ask your administrator to link them (users link).", "warning")


# Reading a workbook takes about eight times as long per KB as reading a CSV (measured: 60-75 KB
# a second against 540-700 on a loaded 2-core machine, docs/performance.md).
XLSX_SLOWER = 8


def job_threshold(app, kind: str) -> int:
    """The size in bytes above which a case list of this kind ("csv" or "xlsx") is imported by a
    background job: JOB_CASE_IMPORT_KB for a CSV, an eighth of it for a workbook."""
    limit = app.config["JOB_CASE_IMPORT_BYTES"]
    return limit // XLSX_SLOWER if kind == "xlsx" else limit


def _upload_size(upload) -> int:
    stream = upload.stream
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size


def _start_import(upload, actor, close_missing: bool):
    """Keep the upload under JOB_FILES_DIR for the worker, and start the import job."""
    from qa_app.cases import jobs
    from qa_app.jobs import services as job_services

    path = job_services.new_file_path("upload", ".case-list")
    upload.save(str(path))
    try:
        return job_services.start(jobs.IMPORT, actor=actor, params={
            "upload": path.name, "filename": (upload.filename or "upload")[-200:],
            "close_missing": bool(close_missing)})
    except Exception:
        path.unlink(missing_ok=True)
        raise
