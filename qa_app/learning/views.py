from datetime import date

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from qa_app.actions.queries import actions_of_audit
from qa_app.audits.models import Audit
from qa_app.auth.models import Role, Team
from qa_app.auth.permissions import roles_required
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.learning import queries, services
from qa_app.learning.document import brief_document
from qa_app.learning.forms import BriefForm, DiscussedForm, PublishForm, TagForm
from qa_app.learning.models import TRAINING_NEEDS, BriefRecipient, LearningBrief
from qa_app.learning.permissions import BRIEF_READERS, can_confirm_discussed, can_read, can_tag
from qa_app.rounds.models import AuditRound
from qa_app.writes import commit_form

bp = Blueprint("learning", __name__, url_prefix="/learning")


def _brief(brief_id: int) -> LearningBrief:
    brief = db.get_or_404(LearningBrief, brief_id)
    if not can_read(current_user, brief):
        abort(403)
    return brief


@bp.route("/")
@roles_required(*BRIEF_READERS)
def index():
    briefs = db.session.scalars(sa.select(LearningBrief).order_by(LearningBrief.created_at.desc())).all()
    briefs = [b for b in briefs if can_read(current_user, b)]
    with_brief = {b.round_id for b in briefs}
    rounds = [] if not current_user.has_role(Role.QA_LEAD) else [
        r for r in db.session.scalars(sa.select(AuditRound).order_by(AuditRound.created_at.desc())) if r.id not in with_brief]
    from qa_app.auth.forms import EmptyForm

    return render_template("learning/index.html", briefs=briefs, rounds=rounds, empty_form=EmptyForm())


@bp.route("/rounds/<int:round_id>/brief", methods=["POST"])
@roles_required(Role.QA_LEAD)
def draft(round_id: int):
    from qa_app.auth.forms import EmptyForm

    round_ = db.get_or_404(AuditRound, round_id)
    written = commit_form(EmptyForm(), lambda: services.draft_brief(round_, actor=current_user))
    if written.ok:
        flash("A draft brief has been written from the round's figures. Read it and make it yours.", "success")
        return redirect(url_for("learning.edit", brief_id=written.value.id))
    return redirect(url_for("learning.index"))


@bp.route("/briefs/<int:brief_id>")
@login_required
def show(brief_id: int):
    brief = _brief(brief_id)
    mine = [r for r in brief.recipients if can_confirm_discussed(current_user, brief, r)]
    return render_template("learning/show.html", brief=brief, confirmable=mine, form=DiscussedForm())


@bp.route("/briefs/<int:brief_id>/document")
@login_required
def document(brief_id: int):
    brief = _brief(brief_id)
    record(current_user, "learning_brief.downloaded", brief)
    db.session.commit()
    data = brief_document(brief, service_name=current_app.config["SERVICE_NAME"])
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f'attachment; filename="learning-brief-{brief.id}.docx"'})


@bp.route("/briefs/<int:brief_id>/edit", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def edit(brief_id: int):
    brief = db.get_or_404(LearningBrief, brief_id)
    if brief.status != "draft":
        abort(404)
    form = BriefForm(obj=brief if request.method == "GET" else None,
                     data={"version": str(brief.version)} if request.method == "GET" else None)
    version = int(form.version.data) if str(form.version.data or "").isdigit() else None
    written = commit_form(form, lambda: services.edit_brief(
        brief, actor=current_user, values={f: form[f].data for f in services.FIELDS}, expected_version=version),
        fallback="summary")
    if written.ok:
        flash("The brief has been saved.", "success")
        return redirect(url_for("learning.show", brief_id=brief.id))
    return render_template("learning/edit.html", brief=brief, form=form, conflict=written.conflict), (
        written.status if request.method == "POST" else 200)


@bp.route("/briefs/<int:brief_id>/publish", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def publish(brief_id: int):
    brief = db.get_or_404(LearningBrief, brief_id)
    if brief.status != "draft":
        abort(404)
    form = PublishForm()
    form.team_ids.choices = [(t.id, t.name) for t in db.session.scalars(sa.select(Team).order_by(Team.name))]
    written = commit_form(form, lambda: services.publish_brief(brief, actor=current_user,
                                                               team_ids=form.team_ids.data or []))
    if written.ok:
        flash(f"The brief has been published to {len(written.value)} team{'s' if len(written.value) != 1 else ''}.",
              "success")
        return redirect(url_for("learning.show", brief_id=brief.id))
    return render_template("learning/publish.html", brief=brief, form=form), (
        written.status if request.method == "POST" else 200)


@bp.route("/briefs/<int:brief_id>/teams/<int:team_id>/discussed", methods=["POST"])
@login_required
def discussed(brief_id: int, team_id: int):
    brief = db.get_or_404(LearningBrief, brief_id)
    recipient = db.session.scalar(sa.select(BriefRecipient).where(BriefRecipient.brief_id == brief.id,
                                                                  BriefRecipient.team_id == team_id))
    if recipient is None:
        abort(404)
    if not can_confirm_discussed(current_user, brief, recipient):
        abort(403)
    form = DiscussedForm()
    written = commit_form(form, lambda: services.confirm_discussed(
        brief, recipient, actor=current_user, discussed_on=form.discussed_on.data, note=form.note.data,
        today=date.today()), fallback="note")
    if written.ok:
        flash(f"Recorded: {recipient.team.name} discussed the brief.", "success")
        return redirect(url_for("learning.show", brief_id=brief.id))
    return render_template("learning/show.html", brief=brief, confirmable=[recipient], form=form), written.status


@bp.route("/training-needs")
@roles_required(*BRIEF_READERS)
def training_needs():
    from qa_app.audit_forms.schema import THEME_LABELS

    return render_template("learning/training_needs.html", figures=queries.training_needs(), needs=TRAINING_NEEDS,
                           theme_labels=THEME_LABELS)


def tag_form(audit) -> TagForm:
    form = TagForm()
    form.target.choices = [("", "Choose a question or action")] + [
        (f"q:{q.key}", f"Question: {' '.join(q.text.split())}") for q in audit.template.questions()] + [
        (f"a:{a.id}", f"Action: {a.description[:80]}") for a in actions_of_audit(audit.id)]
    form.need.choices = [("", "Choose a training need")] + list(TRAINING_NEEDS.items())
    return form


@bp.route("/audits/<int:audit_id>/training-needs", methods=["GET", "POST"])
@login_required
def tag(audit_id: int):
    audit = db.get_or_404(Audit, audit_id)
    if not can_tag(current_user, audit):
        abort(403)
    form = tag_form(audit)
    written = commit_form(form, lambda: services.tag_training_need(audit, actor=current_user,
                                                                   target=form.target.data, need=form.need.data),
                          fallback="need")
    if written.ok:
        flash(f"Training need tagged: {TRAINING_NEEDS[written.value.need]}.", "success")
        return redirect(url_for("audits.show", audit_id=audit.id) + "#training-needs")
    return render_template("learning/tag.html", audit=audit, form=form), (
        written.status if request.method == "POST" else 200)
