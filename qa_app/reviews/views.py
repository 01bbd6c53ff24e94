"""Review rounds over HTTP: the list, creating one from an earlier round, and its before/after page."""

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from qa_app.audits.models import Audit
from qa_app.audits.workflow import SUBMITTED_STATES
from qa_app.auth.models import Role
from qa_app.auth.permissions import ROUND_READERS, roles_required
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.reviews import services
from qa_app.reviews.forms import ReviewRoundForm
from qa_app.reviews.queries import review_round_report, review_rounds
from qa_app.rounds.models import AuditRound
from qa_app.writes import commit_form

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


@bp.app_template_global()
def in_place_label(value: str | None) -> str:
    return services.IN_PLACE_LABELS.get(value or "", "Not answered")


@bp.route("/")
@roles_required(*ROUND_READERS)
def index():
    manage = current_user.has_role(Role.QA_LEAD)
    # Only rounds with submitted audits can be followed up; a follow-up round is not itself reviewed.
    submitted = sa.select(Audit.round_id).where(Audit.status.in_([st.value for st in SUBMITTED_STATES]))
    reviewable = list(db.session.scalars(
        sa.select(AuditRound).where(AuditRound.sample_confirmed_at.is_not(None),
                                    AuditRound.reviews_round_id.is_(None), AuditRound.id.in_(submitted))
        .order_by(AuditRound.created_at.desc(), AuditRound.id.desc()))) if manage else []
    return render_template("reviews/index.html", reviews=review_rounds(), reviewable=reviewable, manage=manage)


@bp.route("/new/<int:round_id>", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def new(round_id: int):
    earlier = db.get_or_404(AuditRound, round_id)
    if earlier.sample_confirmed_at is None:
        abort(404)
    today = date.today()
    form = ReviewRoundForm()
    counts = {mode: len(services.files_to_review(earlier, mode, today)) for mode in services.MODES}
    written = commit_form(form, lambda: services.create_review_round(
        earlier, name=form.name.data, due_date=form.due_date.data, mode=form.mode.data, actor=current_user,
        today=today), fallback="name")
    if written.ok:
        count = _audit_count(written.value)
        flash(f"Review round created: {count} case file{'s' if count != 1 else ''} to review. "
              "The auditors can start.", "success")
        return redirect(url_for("reviews.show", round_id=written.value.id))
    if not form.is_submitted():
        form.name.data = f"Review of {earlier.name}"[:160]
    return render_template("reviews/new.html", earlier=earlier, form=form, counts=counts), 400 if form.errors else 200


def _audit_count(round_: AuditRound) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Audit).where(Audit.round_id == round_.id))


@bp.route("/rounds/<int:round_id>")
@roles_required(*ROUND_READERS)
def show(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    if round_.reviews_round_id is None:
        abort(404)
    earlier = db.session.get(AuditRound, round_.reviews_round_id)
    files, themes = review_round_report(round_)
    manage = current_user.has_role(Role.QA_LEAD)
    if manage:  # the per-file table names case files and their grades
        record(current_user, "review_round.viewed", round_)
        db.session.commit()
    return render_template("reviews/show.html", round=round_, earlier=earlier, files=files if manage else [],
                           file_count=len(files), themes=themes, manage=manage,
                           mode=services.MODES.get(round_.sample_rule.get("review_mode", ""), ""))
