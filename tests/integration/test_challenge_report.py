"""The monthly challenges report on a hand-built set of challenges, and its CLI."""

import json
from datetime import date, datetime

import pytest

from qa_app.challenges import cli as challenges_cli_module
from qa_app.challenges.cli import challenges_cli
from qa_app.challenges.models import CHALLENGE_CATEGORIES, Challenge, ChallengeStage
from qa_app.challenges.report import monthly_report, parse_month
from qa_app.extensions import db

MARCH = date(2027, 3, 1)
TODAY = date(2027, 4, 10)   # the report on March is run in April: figures as of 31 March


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture
def hand_built(make_user, make_case):
    """The challenges whose figures the tests below work out by hand (see each comment)."""
    iro = make_user("iro")
    north, south = make_case(team="North"), make_case(team="South")

    def challenge(name, raised, category, case, stages, status="open", resolved=None, cafcass=None):
        c = Challenge(case_file=case, raised_by=iro, raised_on=d(raised), category=category, concern=name,
                      outcome_sought="o", team_id=case.team_id, status=status,
                      current_stage=stages[-1][0], resolved_on=d(resolved) if resolved else None,
                      resolved_stage=stages[-1][0] if status == "resolved" else None,
                      cafcass_referred=cafcass is not None, cafcass_referred_on=d(cafcass) if cafcass else None)
        for key, opened, due, responded, closed, because in stages:
            c.stages.append(ChallengeStage(
                stage=key, opened_on=d(opened), due_on=d(due),
                responded_at=datetime.fromisoformat(responded + "T11:00") if responded else None,
                closed_on=d(closed) if closed else None, closed_because=because))
        db.session.add(c)
        return c

    # A: raised and resolved in March at the informal stage, 3 working days (1 → 4 March).
    challenge("A", "2027-03-01", "health", north,
              [("informal", "2027-03-01", "2027-03-08", "2027-03-03", "2027-03-04", "resolved")],
              status="resolved", resolved="2027-03-04")
    # B: raised in February, resolved 10 March at stage 1: 17 working days.
    challenge("B", "2027-02-15", "placement", south,
              [("informal", "2027-02-15", "2027-02-22", None, "2027-02-22", "escalated"),
               ("stage_1", "2027-02-22", "2027-03-01", "2027-02-26", "2027-03-10", "resolved")],
              status="resolved", resolved="2027-03-10")
    # C: raised in March, no response, due 17 March: open and overdue at month end; Cafcass in March.
    challenge("C", "2027-03-10", "health", north,
              [("informal", "2027-03-10", "2027-03-17", None, None, None)], cafcass="2027-03-15")
    # D: raised in March, due 31 March: open, not yet overdue on the 31st.
    challenge("D", "2027-03-22", "drift_delay", south,
              [("informal", "2027-03-22", "2027-03-31", None, None, None)])
    # E: raised in January, skipped to stage 3 on 1 February; responded only on 2 April: overdue at March's end.
    challenge("E", "2027-01-11", "care_plan", north,
              [("informal", "2027-01-11", "2027-01-18", None, "2027-01-18", "escalated"),
               ("stage_1", "2027-01-18", "2027-01-25", None, "2027-02-01", "escalated"),
               ("stage_2", "2027-02-01", "2027-02-01", None, "2027-02-01", "skipped"),
               ("stage_3", "2027-02-01", "2027-02-08", "2027-04-02", None, None)])
    # F: raised and withdrawn in March.
    challenge("F", "2027-03-05", "contact", south,
              [("informal", "2027-03-05", "2027-03-12", None, "2027-03-12", "withdrawn")], status="withdrawn")
    # G: raised in March, responded in time, resolved in April: open at March's end, not overdue.
    challenge("G", "2027-03-08", "health", north,
              [("informal", "2027-03-08", "2027-03-15", "2027-03-09", "2027-04-05", "resolved")],
              status="resolved", resolved="2027-04-05")
    # I: October 2026, for the trend.
    challenge("I", "2026-10-05", "other", north,
              [("informal", "2026-10-05", "2026-10-12", "2026-10-08", "2026-10-20", "resolved")],
              status="resolved", resolved="2026-10-20")
    db.session.commit()
    return {"north": north.team_id, "south": south.team_id}


def test_the_month_figures(hand_built):
    report = monthly_report(MARCH, TODAY)
    assert (report.start, report.end, report.as_of) == (d("2027-03-01"), d("2027-03-31"), d("2027-03-31"))
    t = report.totals
    assert (t.raised, t.resolved, t.withdrawn, t.open_at_month_end, t.overdue_at_month_end) == (5, 2, 1, 4, 2)
    assert t.median_working_days_to_resolve == 10.0          # the median of 3 and 17
    assert report.cafcass_referrals == 1


def test_resolved_and_open_by_stage(hand_built):
    by_stage = {s.stage: (s.resolved, s.open, s.overdue) for s in monthly_report(MARCH, TODAY).by_stage}
    assert by_stage == {"informal": (1, 3, 1), "stage_1": (1, 0, 0), "stage_2": (0, 0, 0),
                        "stage_3": (0, 1, 1), "stage_4": (0, 0, 0)}


def test_by_category(hand_built):
    report = monthly_report(MARCH, TODAY)
    assert [g.key for g in report.by_category] == list(CHALLENGE_CATEGORIES)    # every category, in order
    rows = {g.key: g.figures for g in report.by_category}
    health = rows["health"]
    assert (health.raised, health.resolved, health.open_at_month_end, health.overdue_at_month_end,
            health.median_working_days_to_resolve) == (3, 1, 2, 1, 3.0)
    assert (rows["placement"].raised, rows["placement"].resolved, rows["placement"].median_working_days_to_resolve) \
        == (0, 1, 17.0)
    assert (rows["contact"].raised, rows["contact"].withdrawn, rows["contact"].open_at_month_end) == (1, 1, 0)
    assert (rows["care_plan"].open_at_month_end, rows["care_plan"].overdue_at_month_end) == (1, 1)
    assert rows["safety"].raised == 0 and rows["safety"].median_working_days_to_resolve is None


def test_by_team(hand_built):
    report = monthly_report(MARCH, TODAY)
    teams = {g.label: (g.key, g.figures) for g in report.by_team}
    assert list(teams) == ["North", "South"]
    north_id, north = teams["North"]
    south_id, south = teams["South"]
    assert (north_id, south_id) == (hand_built["north"], hand_built["south"])
    assert (north.raised, north.resolved, north.withdrawn, north.open_at_month_end, north.overdue_at_month_end,
            north.median_working_days_to_resolve) == (3, 1, 0, 3, 2, 3.0)
    assert (south.raised, south.resolved, south.withdrawn, south.open_at_month_end, south.overdue_at_month_end,
            south.median_working_days_to_resolve) == (2, 1, 1, 1, 0, 17.0)


def test_the_month_on_month_trend(hand_built):
    report = monthly_report(MARCH, TODAY)
    assert [(p.month, p.raised, p.resolved, p.open_at_month_end) for p in report.trend] == [
        ("2026-09", 0, 0, 0), ("2026-10", 1, 1, 0), ("2026-11", 0, 0, 0), ("2026-12", 0, 0, 0),
        ("2027-01", 1, 0, 1), ("2027-02", 1, 0, 2), ("2027-03", 5, 2, 4)]
    assert report.change_from_previous_month == {"raised": 4, "resolved": 2, "open_at_month_end": 2}
    assert report.trend[0].label == "September 2026"


def test_the_current_month_is_counted_up_to_today(hand_built):
    report = monthly_report(date(2027, 4, 1), TODAY)
    assert report.as_of == TODAY
    t = report.totals
    # G resolved on 5 April (18 working days after 8 March, Easter excluded); C, D and E still open;
    # E responded on 2 April, so only C and D are overdue.
    assert (t.raised, t.resolved, t.open_at_month_end, t.overdue_at_month_end) == (0, 1, 3, 2)
    assert t.median_working_days_to_resolve == 18.0


def test_a_month_not_yet_begun_is_refused(hand_built):
    with pytest.raises(ValueError, match="has not started yet"):
        monthly_report(date(2027, 5, 1), TODAY)


@pytest.mark.parametrize("text", ["2027-3", "March", "2027-13", "", "27-03"])
def test_months_are_written_yyyy_mm(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month(text)


def test_the_json_shape(hand_built):
    data = monthly_report(MARCH, TODAY).to_json()
    assert set(data) == {"format", "version", "month", "start", "end", "as_of", "stages", "totals",
                         "resolved_by_stage", "open_by_stage", "by_category", "by_team", "trend",
                         "change_from_previous_month"}
    assert (data["format"], data["version"], data["month"]) == ("qa_app.challenges.monthly_report", 1, "2027-03")
    figures = {"raised", "resolved", "withdrawn", "open_at_month_end", "overdue_at_month_end",
               "median_working_days_to_resolve"}
    assert set(data["totals"]) == figures | {"cafcass_referrals"}
    assert all(set(row) == figures | {"key", "label"} for row in data["by_category"])
    assert all(set(row) == figures | {"team_id", "team"} for row in data["by_team"])
    assert data["open_by_stage"][0] == {"stage": "informal", "title": "Informal resolution", "open": 3, "overdue": 1}
    assert data["resolved_by_stage"][1] == {"stage": "stage_1", "title": "Formal stage 1", "resolved": 1}
    assert data["trend"][-1] == {"month": "2027-03", "raised": 5, "resolved": 2, "open_at_month_end": 4}
    assert json.loads(json.dumps(data)) == data          # plain JSON, nothing lost


def test_the_sheet_rows_carry_the_same_figures(hand_built):
    rows = monthly_report(MARCH, TODAY).sheet_rows()
    assert ["All challenges", 5, 2, 1, 4, 2, 10.0] in rows
    assert ["Formal stage 3", 0, 1, 1] in rows
    assert ["North", 3, 1, 0, 3, 2, 3.0] in rows
    assert ["2027-03", 5, 2, 4] in rows


# --- the command line ---------------------------------------------------------------------------

class _April(date):
    @classmethod
    def today(cls):
        return TODAY


@pytest.fixture
def cli(app, runner, monkeypatch):
    monkeypatch.setattr(challenges_cli_module, "date", _April)
    app.cli.add_command(challenges_cli)
    return lambda *args: runner.invoke(args=["challenges", "report", *args])


def test_cli_prints_the_report_as_json(hand_built, cli):
    result = cli("--month", "2027-03", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == json.loads(json.dumps(monthly_report(MARCH, TODAY).to_json()))
    assert data["totals"]["raised"] == 5


def test_cli_defaults_to_last_month_and_prints_text(hand_built, cli):
    result = cli()
    assert result.exit_code == 0, result.output
    assert "IRO challenges, March 2027" in result.output
    assert "raised 5, resolved 2, withdrawn 1, open 4, overdue 2, referred to Cafcass 1" in result.output
    assert "median working days to resolve: 10.0" in result.output


@pytest.mark.parametrize(("month", "message"), [("03/2027", "write it as YYYY-MM"),
                                                ("2027-06", "June 2027 has not started yet")])
def test_cli_refuses_a_bad_month(hand_built, cli, month, message):
    result = cli("--month", month, "--json")
    assert result.exit_code == 2
    assert message in result.output
