"""The audit programme: `programme run` creates each month's round once (twice across a month
boundary, with the date injected), and queues reminders once each: due soon, overdue, escalated."""

from datetime import date

import pytest
import sqlalchemy as sa

from qa_app.audits.models import Audit
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.notifications.models import Notification
from qa_app.programme.models import AuditReminder, ProgrammeRun
from qa_app.programme.services import create_programme, next_run_date
from qa_app.rounds.models import AuditRound
from qa_app.rounds.sampling import SampleRule
from qa_app.working_days import add_working_days

# Monday 30 November 2026 and Tuesday 1 December 2026: no bank holidays near.
NOV_30, DEC_1 = date(2026, 11, 30), date(2026, 12, 1)


@pytest.fixture
def programme(app, make_user, make_case):
    lead = make_user("qa_lead")
    north, south = make_user("auditor", team="North"), make_user("auditor", team="South")
    for n in range(6):
        make_case(team="North" if n % 2 else "South", case_type="CP" if n < 3 else "CIN")
    created = create_programme(
        name="Monthly CP and CIN", template_key="cp-cin-case-file",
        rule=SampleRule(case_types=("CP", "CIN"), size_mode="per_auditor", size=2, exclude_months=0),
        day_of_month=1, due_working_days=10, auto_assign=True, match_service_area=False, moderation_percent=10,
        actor=lead)
    db.session.commit()
    return {"programme": created, "lead": lead, "auditors": (north, south)}


def run(runner, day):
    result = runner.invoke(args=["programme", "run", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def rounds():
    return list(db.session.scalars(sa.select(AuditRound).order_by(AuditRound.id)))


def test_run_twice_across_a_month_boundary_creates_each_month_once(programme, runner):
    output = run(runner, NOV_30)                       # the day of the month (1) has passed: November's round
    assert "Created round: Monthly CP and CIN – November 2026" in output
    assert "rounds created 1" in output
    assert "rounds created 0, already made this month 1" in run(runner, NOV_30)
    assert [r.name for r in rounds()] == ["Monthly CP and CIN – November 2026"]

    assert "Created round: Monthly CP and CIN – December 2026" in run(runner, DEC_1)
    assert "rounds created 0, already made this month 1" in run(runner, DEC_1)
    db.session.expire_all()
    made = rounds()
    assert [r.name for r in made] == ["Monthly CP and CIN – November 2026", "Monthly CP and CIN – December 2026"]
    assert [r.period for r in db.session.scalars(sa.select(ProgrammeRun).order_by(ProgrammeRun.id))] == \
        ["2026-11", "2026-12"]
    december = made[1]
    assert december.due_date == add_working_days(DEC_1, 10)
    assert december.status == "auditing" and december.sample_confirmed_at is not None
    audits = list(db.session.scalars(sa.select(Audit).where(Audit.round_id == december.id)))
    north, south = programme["auditors"]
    assert len(audits) == 4                              # 2 per auditor, 2 auditors
    assert all(a.auditor_id is not None and a.auditor.team_id != a.case_file.team_id for a in audits)
    assert sorted(a.auditor_id for a in audits) == sorted([north.id, north.id, south.id, south.id])
    assert db.session.scalar(sa.select(sa.func.count()).where(Event.action == "programme.round_created")) == 2


def test_before_its_day_nothing_is_created_and_the_next_run_is_shown(programme, runner):
    programme["programme"].day_of_month = 15
    db.session.commit()
    assert "not due yet 1" in run(runner, DEC_1)
    assert rounds() == []
    assert next_run_date(programme["programme"], DEC_1) == date(2026, 12, 15)


def test_a_programme_with_nothing_to_sample_is_reported_once(programme, runner):
    programme["programme"].sample_rule = SampleRule(case_types=("PF",), size_mode="all").to_dict()
    db.session.commit()
    result = runner.invoke(args=["programme", "run", "--today", DEC_1.isoformat()])
    assert "Not created: Monthly CP and CIN: No case files match" in result.output
    assert rounds() == []
    assert "already made this month 1" in run(runner, DEC_1)   # not retried in the same month


def test_a_bad_date_is_refused(programme, runner):
    result = runner.invoke(args=["programme", "run", "--today", "2026-13-01"])
    assert result.exit_code != 0 and "is not a date" in result.output


def test_reminders_are_queued_once_each(programme, runner, make_user):
    run(runner, NOV_30)
    round_ = rounds()[0]
    north, south = programme["auditors"]
    manager = make_user("moderator", team="Managers")
    north.manager_id = manager.id
    db.session.commit()
    due = round_.due_date                                 # 10 working days after 30 November
    two_before = date(2026, 12, 10)
    assert add_working_days(two_before, 2) == due
    run(runner, two_before)
    run(runner, two_before)
    reminders = list(db.session.scalars(sa.select(AuditReminder)))
    assert {r.kind for r in reminders} == {"due_soon"} and len(reminders) == 4
    subjects = [n.subject for n in db.session.scalars(sa.select(Notification))]
    assert len(subjects) == 4 and all("is due on" in s for s in subjects)

    # Two audits are submitted: no more reminders for them.
    done = list(db.session.scalars(sa.select(Audit).where(Audit.round_id == round_.id).order_by(Audit.id)))[:2]
    for audit in done:
        audit.status, audit.overall_grade, audit.final_grade = "submitted", 2, 2
        audit.submitted_at = audit.created_at
    db.session.commit()
    still_open = {a.id for a in db.session.scalars(sa.select(Audit).where(Audit.round_id == round_.id))} - \
        {a.id for a in done}
    one_after = add_working_days(due, 1)
    run(runner, one_after)
    overdue = [r for r in db.session.scalars(sa.select(AuditReminder)) if r.kind == "overdue"]
    assert {r.audit_id for r in overdue} == still_open
    escalate_day = add_working_days(due, 5)
    run(runner, escalate_day)
    run(runner, escalate_day)
    escalated = [r for r in db.session.scalars(sa.select(AuditReminder)) if r.kind == "escalated"]
    assert {r.audit_id for r in escalated} == still_open
    leads = {programme["lead"].id}
    for reminder in escalated:
        audit = db.session.get(Audit, reminder.audit_id)
        expected = {manager.id} if audit.auditor_id == north.id else leads   # no manager set: the QA leads
        assert {reminder.recipient_id} <= expected
    escalations = list(db.session.scalars(sa.select(Notification).where(Notification.subject.like("Overdue audit:%"))))
    assert len(escalations) == sum(1 if db.session.get(Audit, r.audit_id).auditor_id == north.id else len(leads)
                                   for r in escalated)
