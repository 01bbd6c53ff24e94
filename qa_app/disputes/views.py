from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from qa_app.audits.models import Audit
from qa_app.auth.models import Role
from qa_app.auth.permissions import roles_required
from qa_app.disputes import services
from qa_app.disputes.forms import DecideForm, RaiseForm
from qa_app.disputes.models import Dispute, DisputeStatus
from qa_app.disputes.permissions import can_decide, can_raise, can_view, deadline, took_part
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.writes import commit_form

bp = Blueprint("disputes", __name__, url_prefix="/disputes")
DISPUTE_ROLES = (Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD)


@bp.route("/")
@roles_required(*DISPUTE_ROLES)
def index():
    disputes = [d for d in db.session.scalars(sa.select(Dispute).order_by(Dispute.raised_at.desc()))
                if can_view(current_user, d)]
    to_decide = [d for d in disputes if can_decide(current_user, d)]
    record(current_user, "disputes.listed", None, disputes=[d.id for d in disputes])
    db.session.commit()
    return render_template("disputes/index.html", to_decide=to_decide,
                           others=[d for d in disputes if d not in to_decide])


@bp.route("/audits/<int:audit_id>/new", methods=["GET", "POST"])
@login_required
def new(audit_id: int):
    audit = db.get_or_404(Audit, audit_id)
    moderation = services.moderation_of(audit)
    window = services.window_days()
    if not can_raise(current_user, audit, moderation, services.dispute_of(audit), today=date.today(),
                     window_days=window):
        abort(403)
    form = RaiseForm()
    written = commit_form(form, lambda: services.raise_dispute(audit, actor=current_user, reason=form.reason.data,
                                                               today=date.today(), window=window))
    if written.ok:
        flash("Your dispute has been sent. A QA lead or a moderator who took no part will decide it.", "success")
        return redirect(url_for("disputes.show", dispute_id=written.value.id))
    return render_template("disputes/new.html", audit=audit, moderation=moderation, form=form,
                           deadline=deadline(moderation, window)), (written.status if request.method == "POST" else 200)


@bp.route("/<int:dispute_id>")
@login_required
def show(dispute_id: int):
    dispute = db.get_or_404(Dispute, dispute_id)
    if not can_view(current_user, dispute):
        abort(403)
    record(current_user, "dispute.viewed", dispute)
    db.session.commit()
    return render_template("disputes/show.html", dispute=dispute, can_decide=can_decide(current_user, dispute),
                           took_part=took_part(current_user, dispute))


@bp.route("/<int:dispute_id>/decide", methods=["GET", "POST"])
@login_required
def decide(dispute_id: int):
    dispute = db.get_or_404(Dispute, dispute_id)
    if not can_decide(current_user, dispute):
        abort(403)
    scale = dispute.audit.template.scale
    form = DecideForm(data={"version": str(dispute.version)} if request.method == "GET" else None)
    form.grade.choices = [(g.value, g.label) for g in scale.grades]
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    written = commit_form(form, lambda: services.decide(dispute, actor=current_user, decision=form.decision.data,
                                                        grade=form.grade.data, rationale=form.rationale.data,
                                                        expected_version=version), fallback="rationale")
    if written.ok:
        flash(f"Decision recorded: the final grade is {scale.label(dispute.decided_grade)}.", "success")
        return redirect(url_for("disputes.show", dispute_id=dispute.id))
    if request.method == "GET":
        record(current_user, "dispute.viewed", dispute, page="decide")
        db.session.commit()
    return render_template("disputes/decide.html", dispute=dispute, form=form, conflict=written.conflict), (
        written.status if request.method == "POST" else 200)


__all__ = ["bp", "DisputeStatus"]
