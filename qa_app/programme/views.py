"""The programme page: recurring audits, the rounds they made, and completion across them."""

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from qa_app.audit_forms.services import current_versions
from qa_app.auth.forms import EmptyForm
from qa_app.auth.models import Role, Team
from qa_app.auth.permissions import roles_required
from qa_app.extensions import db
from qa_app.programme import services
from qa_app.programme.forms import ProgrammeForm
from qa_app.programme.models import Programme, ProgrammeRun
from qa_app.reports.completion import completion_section
from qa_app.reports.queries import ReportFilter
from qa_app.rounds.sampling import SampleRule
from qa_app.writes import commit_form

bp = Blueprint("programme", __name__, url_prefix="/programme")
PROGRAMME_READERS = (Role.QA_LEAD, Role.VIEWER)


@bp.route("/", methods=["GET", "POST"])
@roles_required(*PROGRAMME_READERS)
def index():
    form = ProgrammeForm()
    form.template_key.choices = [(v.key, v.label) for v in current_versions()]
    form.team_ids.choices = [(t.id, t.name) for t in db.session.scalars(sa.select(Team).order_by(Team.name))]
    manage = current_user.has_role(Role.QA_LEAD)
    if form.is_submitted():
        if not manage:
            abort(403)

        def create():
            rule = SampleRule(case_types=tuple(form.case_types.data or ()), team_ids=tuple(form.team_ids.data or ()),
                              factors=tuple(form.factors.data or ()), size_mode=form.size_mode.data,
                              size=form.size.data or 0, exclude_months=form.exclude_months.data)
            return services.create_programme(
                name=form.name.data, template_key=form.template_key.data, rule=rule,
                day_of_month=form.day_of_month.data, due_working_days=form.due_working_days.data,
                auto_assign=form.auto_assign.data, match_service_area=form.match_service_area.data,
                moderation_percent=form.moderation_percent.data, actor=current_user)

        if commit_form(form, create, fallback="name").ok:
            flash(f"Recurring audit '{form.name.data.strip()}' set up. `programme run` creates its rounds.", "success")
            return redirect(url_for("programme.index"))
    programmes = list(db.session.scalars(sa.select(Programme).order_by(Programme.name)))
    runs = db.session.scalars(sa.select(ProgrammeRun).order_by(ProgrammeRun.period.desc(), ProgrammeRun.id)).all()
    round_ids = tuple(run.round_id for run in runs if run.round_id)
    completion = completion_section(ReportFilter(round_ids=round_ids), date.today()) if round_ids else None
    return render_template("programme/index.html", form=form, programmes=programmes, runs=runs, manage=manage,
                           completion=completion, toggle_form=EmptyForm(),
                           next_run=services.next_run_date), 400 if form.errors else 200


@bp.route("/<int:programme_id>/toggle", methods=["POST"])
@roles_required(Role.QA_LEAD)
def toggle(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    active = not programme.active
    if commit_form(EmptyForm(), lambda: services.set_active(programme, active, actor=current_user)).ok:
        flash(f"'{programme.name}' {'resumed' if active else 'paused'}.", "success")
    return redirect(url_for("programme.index"))
