"""The home page: what needs the signed-in user's attention, by role."""

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required

from qa_app.audits.models import Audit
from qa_app.audits.workflow import EDITABLE_STATES
from qa_app.auth.models import Role
from qa_app.extensions import db
from qa_app.panels import HOME_PANELS, NAVIGATION
from qa_app.rounds.queries import rounds_in_progress

bp = Blueprint("dashboard", __name__)


def register() -> None:
    NAVIGATION.add("dashboard.home", "Home", (), order=0)


@bp.route("/")
def index():
    return redirect(url_for("dashboard.home"))


@bp.route("/home")
@login_required
def home():
    my_open = []
    if current_user.has_role(Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD):
        my_open = db.session.scalars(
            sa.select(Audit).where(Audit.auditor_id == current_user.id,
                                   Audit.status.in_([s.value for s in EDITABLE_STATES]))
            .order_by(Audit.status != "returned", Audit.id)
        ).all()
    rounds = []
    if current_user.has_role(Role.QA_LEAD, Role.VIEWER, Role.MODERATOR):
        rounds = rounds_in_progress()
    problems = current_app.config.get("TEMPLATE_PROBLEMS", []) if current_user.has_role(
        Role.QA_LEAD, Role.ADMIN) else []
    return render_template("dashboard/home.html", my_open=my_open, rounds=rounds,
                           template_problems=problems, today=date.today(),
                           panels=HOME_PANELS.render_list(current_user._get_current_object()))
