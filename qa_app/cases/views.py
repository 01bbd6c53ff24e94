from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
import sqlalchemy as sa

from qa_app.auth.models import Role, Team
from qa_app.auth.permissions import CASE_READERS, can_view_audit, roles_required
from qa_app.audits.models import Audit
from qa_app.audits.workflow import SUBMITTED_STATES, AuditStatus
from qa_app.reviews.grades import final_overall_grades
from qa_app.cases.forms import CaseImportForm
from qa_app.cases.importing import ImportRejected, import_cases
from qa_app.cases.models import CASE_TYPE_LABELS, FACTORS, CaseFile, CaseStatus
from qa_app.cases.queries import CaseFilter, case_query
from qa_app.extensions import db
from qa_app.panels import CASE_PANELS, NAVIGATION
from qa_app.history.services import record
from qa_app.spreadsheets.reader import Limits

bp = Blueprint("cases", __name__, url_prefix="/cases")


def bounded_int(text: str | None, low: int, high: int) -> int | None:
    """A whole number from the address, or None when it is missing or out of range (never a 500)."""
    try:
        value = int(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and low <= value <= high else None
NAVIGATION.add("cases.index", "Case files", CASE_READERS, order=30)


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
    record(current_user, "cases.listed", None, page=page.page, filters=dict(args))
    db.session.commit()
    return render_template("cases/index.html", page=page, teams=teams, filters=filters,
                           case_types=CASE_TYPE_LABELS, factors=FACTORS, args=args)


@bp.route("/<int:case_id>")
@roles_required(*CASE_READERS)
def show(case_id: int):
    case = db.get_or_404(CaseFile, case_id)
    # Everyone who may see the case file sees its audit outcomes (round, status, final grade);
    # only those who may open an audit get the link to its answers.
    audits = [a for a in db.session.scalars(
        sa.select(Audit).where(Audit.case_file_id == case.id, Audit.status != AuditStatus.REMOVED)
        .order_by(Audit.created_at.desc())
    ) if a.status in SUBMITTED_STATES or can_view_audit(current_user, a)]
    finals = final_overall_grades(a.id for a in audits)
    record(current_user, "case.viewed", case)
    db.session.commit()
    return render_template("cases/show.html", case=case, audits=audits, finals=finals,
                           openable={a.id for a in audits if can_view_audit(current_user, a)},
                           panels=CASE_PANELS.render_list(current_user._get_current_object(), case))


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def upload():
    form = CaseImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        try:
            result = import_cases(data, upload.filename or "upload", actor=current_user,
                                  close_missing=form.close_missing.data,
                                  limits=Limits(max_bytes=current_app.config["MAX_CONTENT_LENGTH"]))
        except ImportRejected as error:
            db.session.rollback()
            problems = error.problems
        else:
            db.session.commit()
            flash(f"Case list imported: {result.summary()}.", "success")
            return redirect(url_for("cases.index"))
    return render_template("cases/import.html", form=form, problems=problems)
