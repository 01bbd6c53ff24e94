"""The audit programme: setting up recurring audits, and `programme run`, which creates each
programme's round for the current month once (idempotent) and queues the reminders.

A programme's round for a month is created on the first run on or after its day of the month.
Running again in the same month finds the period's ProgrammeRun and creates nothing; a month the
command did not run in at all is not made up later (it is a schedule, not a backlog).
"""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from qa_app.audit_forms.services import current_version
from qa_app.auth.models import User
from qa_app.errors import DomainError, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.programme.models import Programme, ProgrammeRun
from qa_app.rounds import services as rounds
from qa_app.rounds.models import AuditRound
from qa_app.rounds.sampling import SampleRule
from qa_app.working_days import add_working_days


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def create_programme(*, name: str, template_key: str, rule: SampleRule, day_of_month: int, due_working_days: int,
                     auto_assign: bool, match_service_area: bool, moderation_percent: int, actor) -> Programme:
    """A new recurring audit. ValidationFailed (on the field) for a blank or taken name, an unknown
    template, a day outside 1–28, due days outside 1–60 or a bad sample rule."""
    name = " ".join((name or "").split())
    problems = []
    if not name:
        problems.append(("name", "Enter a name for the programme"))
    elif len(name) > 120:
        problems.append(("name", "The name must be 120 characters or fewer"))
    elif db.session.scalar(sa.select(Programme.id).where(Programme.name == name)):
        problems.append(("name", f"A programme called '{name}' already exists"))
    if current_version(template_key or "") is None:
        problems.append(("template_key", "Choose an audit template"))
    if day_of_month is None or not 1 <= day_of_month <= 28:
        problems.append(("day_of_month", "Enter a day of the month between 1 and 28"))
    if due_working_days is None or not 1 <= due_working_days <= 60:
        problems.append(("due_working_days", "Enter a number of working days between 1 and 60"))
    try:
        rule.validate()
    except ValidationFailed as error:
        problems.extend(error.problems)
    if problems:
        raise ValidationFailed(problems)
    programme = Programme(name=name, template_key=template_key, sample_rule=rule.to_dict(), day_of_month=day_of_month,
                          due_working_days=due_working_days, auto_assign=auto_assign,
                          match_service_area=match_service_area, moderation_percent=moderation_percent,
                          created_by_id=actor.id)
    db.session.add(programme)
    db.session.flush()
    record(actor, "programme.created", programme, name=name, template=template_key, rule=rule.to_dict(),
           day_of_month=day_of_month, due_working_days=due_working_days, auto_assign=auto_assign)
    return programme


def set_active(programme: Programme, active: bool, *, actor) -> None:
    if programme.active == active:
        raise DomainError(f"This programme is already {'running' if active else 'paused'}.")
    programme.active = active
    record(actor, "programme.resumed" if active else "programme.paused", programme, name=programme.name)


@dataclass
class RunResult:
    created: list[str] = field(default_factory=list)         # round names
    already: list[str] = field(default_factory=list)         # programme names with this period's round
    not_yet: list[str] = field(default_factory=list)         # before the programme's day of the month
    problems: list[str] = field(default_factory=list)
    reminders: dict[str, int] = field(default_factory=dict)


def run_programmes(*, today: date, actor: User | None = None) -> RunResult:
    """Create each active programme's round for `today`'s month, once. A programme whose round
    cannot be made (no current template, no matching case files) is reported and recorded as run
    for the period with the reason, so it is not retried every few minutes."""
    result = RunResult()
    period = period_of(today)
    programmes = db.session.scalars(sa.select(Programme).where(Programme.active.is_(True)).order_by(Programme.id))
    for programme in programmes:
        done = db.session.scalar(sa.select(ProgrammeRun).where(ProgrammeRun.programme_id == programme.id,
                                                                ProgrammeRun.period == period))
        if done is not None:
            result.already.append(programme.name)
            continue
        if today.day < programme.day_of_month:
            result.not_yet.append(programme.name)
            continue
        run = ProgrammeRun(programme_id=programme.id, period=period)
        db.session.add(run)
        try:
            with db.session.begin_nested():     # a round that cannot be made leaves nothing half-made
                round_ = _make_round(programme, today=today, actor=actor)
        except DomainError as error:
            run.outcome = error.message
            result.problems.append(f"{programme.name}: {error.message}")
            record(actor, "programme.round_not_created", programme, period=period, reason=error.message)
            continue
        run.round_id = round_.id
        run.outcome = "created"
        result.created.append(round_.name)
        record(actor, "programme.round_created", programme, period=period, round=round_.name)
    return result


def _make_round(programme: Programme, *, today: date, actor: User | None) -> AuditRound:
    version = current_version(programme.template_key)
    if version is None:
        raise DomainError(f"the template '{programme.template_key}' is not stored")
    name = f"{programme.name} – {today:%B %Y}"
    creator = actor or db.session.get(User, programme.created_by_id)
    if creator is None:
        raise DomainError("the person who set up the programme no longer exists; set it up again")
    round_ = rounds.create_round(
        name=name, template_version=version, due_date=add_working_days(today, programme.due_working_days),
        rule=SampleRule.from_dict(programme.sample_rule), seed=_seed(programme, today), actor=creator, today=today,
        moderation={"moderation_percent": programme.moderation_percent,
                    "match_service_area": programme.match_service_area},
    )
    db.session.flush()
    rounds.confirm_sample(round_, actor=creator, today=today)
    if programme.auto_assign:
        db.session.flush()
        rounds.auto_assign(round_, actor=creator)
    return round_


def _seed(programme: Programme, today: date) -> int:
    """Reproducible: the same programme and month always sample the same way."""
    return (programme.id * 100_003 + today.year * 12 + today.month) % 2_147_483_647


def next_run_date(programme: Programme, today: date) -> date:
    """The first day the programme's next round will be created (when `programme run` runs daily)."""
    this_month = today.replace(day=programme.day_of_month)
    made = any(run.period == period_of(today) for run in programme.runs)
    if not made and today <= this_month:
        return this_month
    if not made:
        return today
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return date(year, month, programme.day_of_month)
