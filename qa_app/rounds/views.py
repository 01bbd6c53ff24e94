from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from qa_app.audit_forms.models import TemplateVersion
from qa_app.audit_forms.services import current_version, current_versions
from qa_app.audits.models import Audit
from qa_app.auth.forms import EmptyForm
from qa_app.auth.models import Role, Team
from qa_app.auth.permissions import ROUND_READERS, roles_required
from qa_app.cases.models import CaseFile
from qa_app.errors import DomainError, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import display_names, events_for, record
from qa_app.rounds import changes as round_changes
from qa_app.rounds import services
from qa_app.rounds.forms import AssignForm, CancelForm, ExtendForm, RemoveForm, RoundForm, SampleChangeForm
from qa_app.rounds.models import AuditRound, SampleChange
from qa_app.rounds.queries import auditor_loads, round_audits, round_progress, rounds_with_counts
from qa_app.rounds.sampling import SampleRule, preview_sample
from qa_app.writes import commit_form

bp = Blueprint("rounds", __name__, url_prefix="/rounds")


@bp.route("/")
@roles_required(*ROUND_READERS)
def index():
    return render_template("rounds/index.html", rounds=rounds_with_counts())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def new():
    form = RoundForm()
    versions = current_versions()
    form.template_key.choices = [(v.key, v.label) for v in versions]
    teams = db.session.scalars(sa.select(Team).order_by(Team.name)).all()
    form.team_ids.choices = [(t.id, t.name) for t in teams]

    def create():
        return services.create_round(
            name=form.name.data, template_version=current_version(form.template_key.data),
            due_date=form.due_date.data, rule=_rule(form), seed=form.seed.data, actor=current_user, today=date.today(),
            moderation=_settings(form),
        )

    written = commit_form(form, create, fallback="name")
    if written.ok:
        flash("Round created. Check the sample, then confirm it.", "success")
        return redirect(url_for("rounds.show", round_id=written.value.id))
    return render_template("rounds/new.html", form=form)


def _rule(form: RoundForm) -> SampleRule:
    return SampleRule(
        case_types=tuple(form.case_types.data or ()), team_ids=tuple(form.team_ids.data or ()),
        factors=tuple(form.factors.data or ()), age_under=form.age_under.data,
        size_mode=form.size_mode.data, size=form.size.data or 0,
        exclude_months=form.exclude_months.data,
        factors_all=tuple(form.factors_all.data or ()), factors_none=tuple(form.factors_none.data or ()),
        factors_at_least=tuple(form.factors_at_least.data or ()), factors_min=form.factors_min.data or 1,
        plan_older_than_months=form.plan_older_than_months.data,
        review_within_working_days=form.review_within_working_days.data,
        plan_ended_within_days=form.plan_ended_within_days.data,
    )


def _settings(form: RoundForm) -> dict:
    return {
        "moderation_percent": form.moderation_percent.data,
        "moderate_inadequate": form.moderate_inadequate.data,
        "moderate_outstanding": form.moderate_outstanding.data,
        "moderate_immediate_risk": form.moderate_immediate_risk.data,
        "blind_moderation": form.blind_moderation.data == "blind",
        "reflections_enabled": form.reflections_enabled.data,
        "match_service_area": form.match_service_area.data,
    }


def _round_form_choices(form: RoundForm, round_: AuditRound | None = None) -> dict[str, TemplateVersion]:
    """Fill the template and team choices; for an edit the choices are versions (by id), the
    round's own version among them even when a newer one is current."""
    versions = current_versions()
    if round_ is not None and round_.template_version not in versions:
        versions = [round_.template_version, *versions]
    by_value = {(str(v.id) if round_ is not None else v.key): v for v in versions}
    form.template_key.choices = [(value, v.label + (" (this round's version)" if round_ is not None and v.id ==
                                                    round_.template_version_id and not v.current else ""))
                                 for value, v in by_value.items()]
    form.team_ids.choices = [(t.id, t.name) for t in db.session.scalars(sa.select(Team).order_by(Team.name))]
    return by_value


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def edit(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    if not round_changes.can_edit_settings(round_):
        raise DomainError("An audit in this round has started (or the round is cancelled or closed), so its "
                          "settings cannot change. You can extend the due date, add or remove case files, or "
                          "cancel the round.")
    form = RoundForm() if request.method == "POST" else RoundForm(data=_form_data(round_))
    versions = _round_form_choices(form, round_)
    form.submit.label.text = "Save changes and preview the sample"

    def update():
        return round_changes.update_round(
            round_, name=form.name.data, template_version=versions[form.template_key.data],
            due_date=form.due_date.data, rule=_rule(form), seed=form.seed.data, settings=_settings(form),
            actor=current_user, today=date.today())

    written = commit_form(form, update, fallback="name") if request.method == "POST" else None
    if written is not None and written.ok:
        changed = written.value
        if not changed:
            flash("Nothing was changed.", "info")
        elif round_.sample_confirmed_at is None and ({"template_version", "sample_rule", "seed"} & changed.keys()):
            flash("Round changed. The sample has been drawn again: check it, then confirm it.", "success")
        else:
            flash("Round changed.", "success")
        return redirect(url_for("rounds.show", round_id=round_.id))
    status = 400 if form.errors else 200
    return render_template("rounds/edit.html", form=form, round=round_), status


def _form_data(round_: AuditRound) -> dict:
    rule = SampleRule.from_dict(round_.sample_rule)
    return {
        "name": round_.name, "template_key": str(round_.template_version_id), "due_date": round_.due_date,
        "case_types": list(rule.case_types), "team_ids": list(rule.team_ids), "factors": list(rule.factors),
        "factors_all": list(rule.factors_all), "factors_none": list(rule.factors_none),
        "factors_at_least": list(rule.factors_at_least), "factors_min": rule.factors_min,
        "plan_older_than_months": rule.plan_older_than_months,
        "review_within_working_days": rule.review_within_working_days,
        "plan_ended_within_days": rule.plan_ended_within_days,
        "age_under": rule.age_under, "size_mode": rule.size_mode, "size": rule.size,
        "exclude_months": rule.exclude_months, "seed": round_.seed,
        "moderation_percent": round_.moderation_percent, "moderate_inadequate": round_.moderate_inadequate,
        "moderate_outstanding": round_.moderate_outstanding, "moderate_immediate_risk": round_.moderate_immediate_risk,
        "blind_moderation": "blind" if round_.blind_moderation else "open",
        "reflections_enabled": round_.reflections_enabled, "match_service_area": round_.match_service_area,
    }


@bp.route("/<int:round_id>/due-date", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def extend(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    form = ExtendForm()
    if commit_form(form, lambda: round_changes.extend_due_date(round_, due_date=form.due_date.data,
                                                         reason=form.reason.data, actor=current_user),
                   fallback="due_date").ok:
        flash(f"Audits in this round are now due by {round_.due_date.day} {round_.due_date:%B %Y}.", "success")
        return redirect(url_for("rounds.show", round_id=round_.id))
    return render_template("rounds/extend.html", form=form, round=round_), 400 if form.errors else 200


@bp.route("/<int:round_id>/cancel", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def cancel(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    form = CancelForm()
    written = commit_form(form, lambda: round_changes.cancel_round(round_, reason=form.reason.data, actor=current_user),
                          fallback="reason")
    if written.ok:
        flash(f"Round cancelled. Its {written.value} audit{'s are' if written.value != 1 else ' is'} kept, marked "
              "cancelled, and left out of every report.", "success")
        return redirect(url_for("rounds.show", round_id=round_.id))
    return render_template("rounds/cancel.html", form=form, round=round_), 400 if form.errors else 200


@bp.route("/<int:round_id>")
@roles_required(*ROUND_READERS)
def show(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    today = date.today()
    manage = current_user.has_role(Role.QA_LEAD)
    preview = preview_sample(round_, today) if round_.sample_confirmed_at is None and manage else None
    teams = {t.id: t.name for t in db.session.scalars(sa.select(Team))}
    audits = round_audits(round_) if manage else []
    auditors = services.eligible_auditors() if manage else []
    changes = db.session.execute(
        sa.select(SampleChange, CaseFile.reference).join(CaseFile, CaseFile.id == SampleChange.case_file_id)
        .where(SampleChange.round_id == round_.id).order_by(SampleChange.changed_at)
    ).all() if manage else []
    history = events_for(round_, limit=100) if manage else []
    shown = ({audit.case_file_id for audit in audits} | {c.case_file_id for c in (preview.chosen if preview else ())}
             | {change.case_file_id for change, _reference in changes})
    record(current_user, "round.viewed", round_, case_ids=shown)
    db.session.commit()
    return render_template(
        "rounds/show.html", round=round_, progress=round_progress(round_, today), preview=preview,
        loads=auditor_loads(round_, auditors) if manage else [], editable=manage and round_changes.can_edit_settings(round_),
        history=history, people=display_names({e.actor_id for e in history if e.actor_id}),
        teams=teams, audits=audits, auditors=auditors, manage=manage, changes=changes,
        rule=SampleRule.from_dict(round_.sample_rule), empty_form=EmptyForm(), add_form=SampleChangeForm(),
    )


@bp.route("/<int:round_id>/confirm", methods=["POST"])
@roles_required(Role.QA_LEAD)
def confirm(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    written = commit_form(EmptyForm(), lambda: services.confirm_sample(round_, actor=current_user, today=date.today()))
    if written.ok:
        flash(f"Sample confirmed: {len(written.value)} case files to audit. Now assign the auditors.", "success")
    return redirect(url_for("rounds.show", round_id=round_id))


@bp.route("/<int:round_id>/assign", methods=["POST"])
@roles_required(Role.QA_LEAD)
def auto_assign(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    written = commit_form(EmptyForm(), lambda: services.auto_assign(round_, actor=current_user))
    if written.ok:
        count = written.value
        flash(f"{count} audit{'s' if count != 1 else ''} assigned.", "success")
    return redirect(url_for("rounds.show", round_id=round_id))


@bp.route("/<int:round_id>/add", methods=["POST"])
@roles_required(Role.QA_LEAD)
def add_case(round_id: int):
    round_ = db.get_or_404(AuditRound, round_id)
    form = SampleChangeForm()

    def add():
        reference = form.reference.data.strip()
        case = db.session.scalar(sa.select(CaseFile).where(CaseFile.reference == reference.upper()))
        if case is None:
            raise DomainError(f"There is no case file with the reference '{reference[:64]}'.")
        return services.add_case(round_, case, reason=form.reason.data, actor=current_user)

    written = commit_form(form, add)
    if not written.ok:  # the form sits on the round's page: its problems go to the error page
        raise ValidationFailed([(name, errors[0]) for name, errors in form.errors.items()])
    flash(f"Case file {written.value.case_file.reference} added to the sample.", "success")
    return redirect(url_for("rounds.show", round_id=round_id))


@bp.route("/<int:round_id>/audits/<int:audit_id>/remove", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def remove_case(round_id: int, audit_id: int):
    audit = _round_audit(round_id, audit_id)
    form = RemoveForm()
    if commit_form(form, lambda: services.remove_case(audit, reason=form.reason.data, actor=current_user),
                   fallback="reason").ok:
        flash(f"Case file {audit.case_file.reference} removed from the sample.", "success")
        return redirect(url_for("rounds.show", round_id=round_id))
    return render_template("rounds/remove.html", audit=audit, form=form)


@bp.route("/<int:round_id>/audits/<int:audit_id>/reassign", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def reassign(round_id: int, audit_id: int):
    audit = _round_audit(round_id, audit_id)
    form = AssignForm()
    auditors = services.eligible_auditors()
    form.auditor_id.choices = [(u.id, f"{u.display_name} ({u.team.name if u.team else 'no team'})") for u in auditors]
    by_id = {u.id: u for u in auditors}
    if commit_form(form, lambda: services.assign(audit, by_id[form.auditor_id.data], actor=current_user)).ok:
        chosen = by_id[form.auditor_id.data]
        flash(f"Audit of {audit.case_file.reference} assigned to {chosen.display_name}.", "success")
        return redirect(url_for("rounds.show", round_id=round_id))
    if audit.auditor_id and not form.is_submitted():
        form.auditor_id.data = audit.auditor_id
    return render_template("rounds/reassign.html", audit=audit, form=form)


def _round_audit(round_id: int, audit_id: int) -> Audit:
    audit = db.get_or_404(Audit, audit_id)
    if audit.round_id != round_id:
        abort(404)
    return audit
