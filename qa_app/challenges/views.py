"""IRO challenges: the lists, raising one, its page and the actions on it, the monthly report."""

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from qa_app.audits.models import Audit
from qa_app.audits.workflow import AuditStatus
from qa_app.auth.models import Role, Team, User
from qa_app.audits.permissions import can_view_audit
from qa_app.auth.permissions import can_view_case, roles_required
from qa_app.cases.models import CaseFile
from qa_app.challenges import display, services
from qa_app.challenges.forms import (
    NOBODY, AcceptForm, CafcassForm, CaseLookupForm, FilterForm, MonthForm, MoveOnForm, RaiseForm,
    RespondersForm, RespondForm, WithdrawForm, user_choices,
)
from qa_app.challenges.models import Challenge
from qa_app.challenges.permissions import (
    CHALLENGE_USERS, LIST_ALL, REPORT_READERS, RESPONDER_ROLES, can_progress, can_respond, can_view,
    current_stage_row,
)
from qa_app.challenges.queries import ChallengeFilter, awaiting_response, changes, filtered, my_challenges
from qa_app.challenges.report import add_months, monthly_report, parse_month
from qa_app.challenges.stages import current_stages, find_stage, later_stages, load_stages
from qa_app.challenges.workflow import ChallengeEvent, allowed_actions, check
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.writes import commit_form

bp = Blueprint("challenges", __name__, url_prefix="/challenges")


def _refuse_bad_stage_config(state) -> None:
    # A council's own stages are checked when the app starts, not when someone escalates.
    load_stages(state.app.config.get("CHALLENGE_STAGES"))


bp.record_once(_refuse_bad_stage_config)


@bp.context_processor
def _helpers() -> dict:
    return {"Event": ChallengeEvent,
            "can_raise": current_user.is_authenticated and current_user.has_role(Role.IRO),
            "lists_all": current_user.is_authenticated and current_user.has_role(*LIST_ALL),
            "responds": current_user.is_authenticated and current_user.has_role(*RESPONDER_ROLES),
            "reads_report": current_user.is_authenticated and current_user.has_role(*REPORT_READERS)}


def load_challenge(challenge_id: int, may=can_view) -> Challenge:
    """The challenge, if the signed-in user may do this with it (404 when missing, 403 otherwise)."""
    challenge = db.get_or_404(Challenge, challenge_id)
    if not may(current_user, challenge):
        abort(403)
    return challenge


# --- lists --------------------------------------------------------------------------------------

@bp.route("/")
@roles_required(*CHALLENGE_USERS)
def index():
    if current_user.has_role(Role.IRO):
        return redirect(url_for("challenges.mine"))
    if current_user.has_role(*LIST_ALL):
        return redirect(url_for("challenges.all"))
    return redirect(url_for("challenges.awaiting"))


@bp.route("/mine")
@roles_required(Role.IRO)
def mine():
    today, stages = date.today(), current_stages()
    opened, closed = my_challenges(current_user)
    open_rows, closed_rows = display.rows(opened, stages, today), display.rows(closed, stages, today)
    record(current_user, "challenges.listed", None, list="mine")
    db.session.commit()
    return render_template("challenges/mine.html", open_rows=open_rows, closed_rows=closed_rows)


@bp.route("/awaiting")
@roles_required(*RESPONDER_ROLES)
def awaiting():
    today, stages = date.today(), current_stages()
    rows = display.rows(awaiting_response(current_user, today), stages, today)
    record(current_user, "challenges.listed", None, list="awaiting")
    db.session.commit()
    return render_template("challenges/awaiting.html", rows=rows)


@bp.route("/all", endpoint="all")
@roles_required(*LIST_ALL)
def all_challenges():
    today, stages = date.today(), current_stages()
    form = FilterForm(request.args)
    form.stage.choices = [("", "Any stage")] + [(s.key, s.title) for s in stages]
    teams = db.session.scalars(sa.select(Team).order_by(Team.name)).all()
    form.team.choices = [("", "Any team")] + [(str(t.id), t.name) for t in teams]
    team = _choice(form.team)
    filters = ChallengeFilter(status=_choice(form.status), stage=_choice(form.stage), category=_choice(form.category),
                              team_id=int(team) if team else None, overdue=bool(form.overdue.data))
    page = db.paginate(filtered(filters, today), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    rows = display.rows(page.items, stages, today)
    may_open = {c.id for c in page.items if can_view(current_user, c)}
    query = {k: v for k, v in request.args.items() if k != "page"}
    record(current_user, "challenges.listed", None, list="all", page=page.page, filters=query)
    db.session.commit()
    return render_template("challenges/all.html", form=form, page=page, rows=rows, query=query, may_open=may_open)


# --- the monthly report -------------------------------------------------------------------------

@bp.route("/report")
@roles_required(*REPORT_READERS)
def report():
    today = date.today()
    this_month = today.replace(day=1)
    form = MonthForm(request.args)
    months = [add_months(this_month, -n) for n in range(0, 24)]
    form.month.choices = [(f"{m:%Y-%m}", f"{m:%B %Y}") for m in months]
    chosen = add_months(this_month, -1)
    if request.args.get("month"):
        try:
            chosen = parse_month(request.args["month"])
            if chosen > this_month:
                raise ValueError(f"{chosen:%B %Y} has not started yet.")
        except ValueError as error:
            form.month.errors = [str(error)]
            chosen = add_months(this_month, -1)
    form.month.data = f"{chosen:%Y-%m}"
    figures = monthly_report(chosen, today)
    record(current_user, "challenges.report_viewed", None, month=figures.month)
    db.session.commit()
    return render_template("challenges/report.html", report=figures, form=form)


# --- raising a challenge ------------------------------------------------------------------------

@bp.route("/new")
@roles_required(Role.IRO)
def new():
    """Step one: which case file (by its reference)."""
    form = CaseLookupForm(request.args)
    if "reference" in request.args and form.validate():
        reference = form.reference.data.strip()
        case = db.session.scalar(sa.select(CaseFile).where(sa.func.upper(CaseFile.reference) == reference.upper()))
        if case is not None:
            return redirect(url_for("challenges.new_for_case", case_id=case.id))
        form.reference.errors = [f"There is no case file with the reference '{reference[:64]}'"]
    return render_template("challenges/lookup.html", form=form), 400 if form.errors else 200


@bp.route("/new/<int:case_id>", methods=["GET", "POST"])
@roles_required(Role.IRO)
def new_for_case(case_id: int):
    case = db.get_or_404(CaseFile, case_id)
    audits = db.session.scalars(sa.select(Audit).where(
        Audit.case_file_id == case.id, Audit.status != AuditStatus.REMOVED).order_by(Audit.created_at.desc())).all()
    form = RaiseForm()
    form.audit_id.choices = [(NOBODY, "None")] + [
        (a.id, f"{a.round.name} ({a.auditor.display_name if a.auditor else 'not assigned'})") for a in audits]
    by_id = {a.id: a for a in audits}
    written = commit_form(form, lambda: services.raise_challenge(
        case_file=case, actor=current_user, category=form.category.data, concern=form.concern.data,
        outcome_sought=form.outcome_sought.data, audit=by_id.get(form.audit_id.data), today=date.today()))
    if written.ok:
        flash(f"Challenge raised on case file {case.reference}.", "success")
        return redirect(url_for("challenges.show", challenge_id=written.value.id))
    worker, manager = services.first_responders(case)
    record(current_user, "case.viewed", case, page="raise a challenge")
    db.session.commit()
    return render_template("challenges/new.html", form=form, case=case, worker=worker, manager=manager,
                           first_stage=current_stages()[0]), 400 if form.errors else 200


# --- one challenge ------------------------------------------------------------------------------

@bp.route("/<int:challenge_id>")
@login_required
def show(challenge_id: int):
    return _show(load_challenge(challenge_id))


def _show(challenge: Challenge, *, respond_form=None, accept_form=None, conflict: str | None = None,
          status: int = 200):
    today, stages = date.today(), current_stages()
    actions = allowed_actions(challenge, current_user, stages)
    if respond_form is None and ChallengeEvent.RESPOND in actions:
        respond_form = RespondForm(formdata=None, version=challenge.version)
    if accept_form is None and ChallengeEvent.ACCEPT in actions:
        accept_form = AcceptForm(formdata=None, version=challenge.version)
    audit = db.session.get(Audit, challenge.audit_id) if challenge.audit_id else None
    history = [(event.at, display.history_words(event.action), name or "the system")
               for event, name in changes(challenge)]
    record(current_user, "challenge.viewed", challenge)
    db.session.commit()
    return render_template(
        "challenges/show.html", challenge=challenge, row=display.row(challenge, stages, today),
        timeline=display.timeline(challenge, stages, today), limit=display.formal_limit(challenge, stages, today),
        actions=actions, respond_form=respond_form if ChallengeEvent.RESPOND in actions else None,
        accept_form=accept_form if ChallengeEvent.ACCEPT in actions else None, conflict=conflict,
        history=history,
        stage_row=current_stage_row(challenge), case_link=can_view_case(current_user, challenge.case_file),
        audit=audit, audit_link=audit is not None and can_view_audit(current_user, audit),
    ), status


@bp.route("/<int:challenge_id>/respond", methods=["POST"])
@login_required
def respond(challenge_id: int):
    challenge = load_challenge(challenge_id, can_respond)
    form = RespondForm()
    failed = _apply(challenge, form, lambda: services.respond(
        challenge, actor=current_user, response=form.response.data, expected_version=form.expected_version()))
    if failed:
        return _show(challenge, respond_form=form, conflict=failed[0], status=failed[1])
    flash("Your response has been recorded. The IRO will accept it or escalate the challenge.", "success")
    return redirect(url_for("challenges.show", challenge_id=challenge.id))


@bp.route("/<int:challenge_id>/accept", methods=["POST"])
@login_required
def accept(challenge_id: int):
    challenge = load_challenge(challenge_id, can_progress)
    form = AcceptForm()
    failed = _apply(challenge, form, lambda: services.accept(
        challenge, actor=current_user, outcome=form.outcome.data, expected_version=form.expected_version(),
        today=date.today()))
    if failed:
        return _show(challenge, accept_form=form, conflict=failed[0], status=failed[1])
    flash("The challenge is resolved.", "success")
    return redirect(url_for("challenges.show", challenge_id=challenge.id))


@bp.route("/<int:challenge_id>/escalate", methods=["GET", "POST"])
@login_required
def escalate(challenge_id: int):
    challenge = load_challenge(challenge_id, can_progress)
    today, stages = date.today(), current_stages()
    check(challenge, ChallengeEvent.ESCALATE, stages)
    later = later_stages(stages, challenge.current_stage)
    form = MoveOnForm(version=challenge.version)
    form.to_stage.choices = display.move_on_choices(challenge, later, today, stages)
    people = services.eligible_responders()
    form.responder_id.choices = user_choices(people, none_label="Choose a person")
    form.second_responder_id.choices = user_choices(people, none_label="No second responder")
    conflict, status = None, 200
    if request.method == "POST":
        failed = _apply(challenge, form, lambda: services.move_on(
            challenge, actor=current_user, to_stage=form.to_stage.data,
            responder=_person(people, form.responder_id.data),
            second_responder=_person(people, form.second_responder_id.data), reason=form.reason.data,
            expected_version=form.expected_version(), today=today, stages=stages))
        if not failed:
            flash(f"The challenge is now at {find_stage(stages, challenge.current_stage).title}.", "success")
            return redirect(url_for("challenges.show", challenge_id=challenge.id))
        conflict, status = failed
    elif later:
        form.to_stage.data = later[0].key
        suggested = services.suggested_responder(later[0], challenge.case_file)
        form.responder_id.data = suggested.id if suggested else NOBODY
    return render_template("challenges/escalate.html", challenge=challenge, form=form, conflict=conflict,
                           stage=find_stage(stages, challenge.current_stage), later=later), status


@bp.route("/<int:challenge_id>/responders", methods=["GET", "POST"])
@login_required
def responders(challenge_id: int):
    challenge = load_challenge(challenge_id, can_progress)
    check(challenge, ChallengeEvent.REASSIGN, current_stages())
    stage_row = current_stage_row(challenge)
    form = RespondersForm(version=challenge.version)
    people = services.eligible_responders()
    form.responder_id.choices = user_choices(people, none_label="Choose a person")
    form.second_responder_id.choices = user_choices(people, none_label="No second responder")
    conflict, status = None, 200
    if request.method == "POST":
        failed = _apply(challenge, form, lambda: services.change_responders(
            challenge, actor=current_user, responder=_person(people, form.responder_id.data),
            second_responder=_person(people, form.second_responder_id.data), expected_version=form.expected_version()))
        if not failed:
            flash("The responders have been changed.", "success")
            return redirect(url_for("challenges.show", challenge_id=challenge.id))
        conflict, status = failed
    elif stage_row is not None:
        form.responder_id.data = stage_row.responder_id or NOBODY
        form.second_responder_id.data = stage_row.second_responder_id or NOBODY
    return render_template("challenges/responders.html", challenge=challenge, form=form, conflict=conflict,
                           stage=find_stage(current_stages(), challenge.current_stage)), status


@bp.route("/<int:challenge_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(challenge_id: int):
    challenge = load_challenge(challenge_id, can_progress)
    check(challenge, ChallengeEvent.WITHDRAW, current_stages())
    form = WithdrawForm(version=challenge.version)
    conflict, status = None, 200
    if request.method == "POST":
        failed = _apply(challenge, form, lambda: services.withdraw(
            challenge, actor=current_user, reason=form.reason.data, expected_version=form.expected_version(),
            today=date.today()))
        if not failed:
            flash("The challenge has been withdrawn.", "success")
            return redirect(url_for("challenges.show", challenge_id=challenge.id))
        conflict, status = failed
    return render_template("challenges/withdraw.html", challenge=challenge, form=form, conflict=conflict), status


@bp.route("/<int:challenge_id>/cafcass", methods=["GET", "POST"])
@login_required
def cafcass(challenge_id: int):
    challenge = load_challenge(challenge_id, can_progress)
    check(challenge, ChallengeEvent.FLAG_CAFCASS, current_stages())
    form = CafcassForm(version=challenge.version)
    conflict, status = None, 200
    if request.method == "POST":
        failed = _apply(challenge, form, lambda: services.flag_cafcass(
            challenge, actor=current_user, referred_on=form.referred_on.data,
            expected_version=form.expected_version(), today=date.today()))
        if not failed:
            flash("The Cafcass referral has been recorded.", "success")
            return redirect(url_for("challenges.show", challenge_id=challenge.id))
        conflict, status = failed
    return render_template("challenges/cafcass.html", challenge=challenge, form=form, conflict=conflict), status


# --- helpers ------------------------------------------------------------------------------------

def _apply(challenge: Challenge, form, change) -> tuple[str | None, int] | None:
    """Validate the form and make the change; commit and return None when it worked, else
    (conflict message or None, HTTP status) for the page to be shown again with the user's input.
    InvalidTransition and NotPermitted go to the error page (409, 403) with their message."""
    written = commit_form(form, change, concurrent=(
        "Someone changed this challenge at the same time. Nothing you entered has been saved: "
        "check the challenge as it is now, then try again."))
    if written.ok:
        return None
    if written.conflict:
        # The form now carries the current version: sending it again is a deliberate choice.
        form.version.data = str(challenge.version)
        return written.conflict, 409
    return None, 400


def _choice(field) -> str | None:
    """A filter's value when it is one of its choices (anything else means no filter)."""
    value = request.args.get(field.name) or None
    return value if value in {str(choice) for choice, _ in field.choices} else None


def _person(people: list[User], user_id: int | None) -> User | None:
    return next((p for p in people if p.id == user_id), None) if user_id else None
